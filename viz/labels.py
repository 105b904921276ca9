r"""The diagrams' look: colors, fonts, and HTML-like labels with every user string escaped.

Every label is a Graphviz HTML-like label (``<...>``), so a table cell can give the
gradient its own color. User text goes through `html_text`, which escapes markup,
doubles backslashes (Graphviz would read ``\N`` as the node's name) and turns
newlines into line breaks, so no label can end the label or add attributes.

>>> print(html_text('a<b> | {c} "\\N"\nd'))
a&lt;b&gt; | {c} &quot;\\N&quot;<BR/>d
"""

import html
import re

FONT = "Helvetica"  # Graphviz and graphviz-pure both know its metrics, so cells fit their text
MONO_FONT = "Courier"
FONT_SIZE = 12

INK = "#212529"
MUTED = "#868e96"  # automatic names such as v3
GRAD = "#c2255c"  # gradients, everywhere the same color
LOCAL = "#2b8a3e"  # local derivatives on edges
EDGE = "#495057"
LEAF_FILL = "#e7f5ff"
NODE_FILL = "#f8f9fa"
OP_FILL = "#fff3bf"
OP_BORDER = "#e0b000"
GROUP_FILL = "#f3f0ff"
CELL_BORDER = "#adb5bd"
HIGHLIGHT = "#f03e3e"  # the default highlight color
FRAME = 3  # width of the border a highlight colors (transparent on every node when sizes must never change)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}(?:[0-9a-fA-F]{2})?|[a-zA-Z][a-zA-Z0-9]*")


def html_text(text) -> str:
    """`text` as the content of an HTML-like label: shown literally, newlines as line breaks."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
    escaped = html.escape(text, quote=True).replace("\\", "\\\\")
    return "<BR/>".join(escaped.split("\n"))


def check_color(color, argument: str = "color") -> str:
    """Return `color` if it is a color name ('red') or '#rrggbb', else raise naming `argument`."""
    if not isinstance(color, str) or not _COLOR.fullmatch(color):
        raise ValueError(f"{argument} must be a color name like 'red' or a hex color like '#ff8800', got {color!r}")
    return color


def format_number(number: float, precision: int) -> str:
    """`number` with `precision` significant digits, e.g. 0.0001816 or -6."""
    return f"{number:.{precision}g}"


def cell(text: str, fill: str, color: str = INK, width: int = 0, span: int = 1) -> str:
    """One table cell holding already escaped text (no bold or italic: they shift the baseline)."""
    if color != INK:
        text = f'<FONT COLOR="{color}">{text}</FONT>'
    size = f' WIDTH="{width}"' if width else ""
    columns = f' COLSPAN="{span}"' if span > 1 else ""
    return f'<TD COLOR="{CELL_BORDER}" BGCOLOR="{fill}"{size}{columns}>{text}</TD>'


def table(rows, frame_color=None) -> str:
    """An HTML-like label: rows of cells, inside a frame of `frame_color` ('transparent' keeps its place) or none."""
    body = "".join(f"<TR>{''.join(cells)}</TR>" for cells in rows)
    frame = f'BORDER="{FRAME}" COLOR="{frame_color}"' if frame_color else 'BORDER="0"'
    return f'<<TABLE {frame} CELLBORDER="1" CELLSPACING="0" CELLPADDING="5">{body}</TABLE>>'


def value_label(name: str, automatic_name: bool, data: str, grad, fill: str, frame_color,
                grad_width: int = 0) -> str:
    """The label of a Value: name | data | grad (grad None leaves its cell out)."""
    cells = [cell(html_text(name), fill, MUTED if automatic_name else INK), cell(f"data {html_text(data)}", fill)]
    if grad is not None:
        cells.append(cell(f"grad {html_text(grad)}", fill, GRAD, width=grad_width))
    return table([cells], frame_color)


def group_label(name: str, size: str, data, grad, frame_color) -> str:
    """The label of a collapsed neuron or layer: its name and size over its output's data | grad."""
    columns = 1 + (grad is not None) if data is not None else 1
    rows = [[cell(f'{html_text(name)}<BR/><FONT POINT-SIZE="10" COLOR="{MUTED}">{html_text(size)}</FONT>', GROUP_FILL,
                  span=columns)]]
    if data is not None:
        rows.append([cell(f"out {html_text(data)}", GROUP_FILL)]
                    + ([cell(f"grad {html_text(grad)}", GROUP_FILL, GRAD)] if grad is not None else []))
    return table(rows, frame_color)


def text_label(text: str, color: str = INK) -> str:
    """A plain HTML-like label (op symbols, edge labels, cluster titles) showing `text` literally."""
    escaped = html_text(text)
    return f'<<FONT COLOR="{color}">{escaped}</FONT>>' if color != INK else f"<{escaped}>"
