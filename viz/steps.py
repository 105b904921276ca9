"""Backprop as pictures: one frame per stepper step, all on one fixed layout, and an animated GIF.

Every frame shows the whole graph with the grads as they are after that step: the
node whose gradient is passed back is framed orange, the parents it updated green,
and the edges the gradient flows along are drawn thick. A caption prints the step
as the stepper explains it. The layout is computed once (Graphviz ``dot``) and every
frame is drawn at those fixed positions (``neato -n2``), so nothing jumps.
"""

import io
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from autograd import Value

from . import labels
from .engine import DEFAULT_TIMEOUT, _check_dpi, _check_timeout, check_seconds, find_engine, write_atomic
from .graph import build, diagram_options, model_hint

ACTIVE = "#f76707"  # the node whose gradient is passed back in this step
UPDATED = "#2f9e44"  # the parents whose grads the step changed
FRAME_DPI = 110
MAX_SECONDS_PER_FRAME = 60.0  # a GIF stores delays in 1/100 s in 16 bits; the last frame shows twice as long
_MONO_CHAR = 7.2  # width of a Courier character at 12 pt, in points
_LINE = 15.0  # caption line height, in points
_ONLY_FRAMES = ("collapse", "cluster", "highlight")


@dataclass(frozen=True)
class StepFrames:
    """What render_steps wrote: one frame file per step, and the animated GIF (None if not asked for)."""

    frames: list
    gif: Path = None

    def __len__(self):
        return len(self.frames)


def render_steps(root, out_dir, *, format="png", gif=True, seconds_per_frame=1.5, dpi=FRAME_DPI, engine=None,
                 timeout=DEFAULT_TIMEOUT, **options) -> StepFrames:
    """Draw backprop from `root` one step per frame into `out_dir` (stepNN.png or .svg, plus backprop.gif).

    Options are those of `viz.to_dot` (local derivatives are shown unless
    show_local_derivatives=False), except collapse, cluster and highlight, which
    the frames set themselves. Every grad is left as it was before the call.
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__}{model_hint(root)}")
    taken = sorted(set(options) & set(_ONLY_FRAMES))
    if taken:
        raise TypeError(f"render_steps sets {', '.join(taken)} itself; leave {'them' if len(taken) > 1 else 'it'} out")
    if format not in ("png", "svg"):
        raise ValueError(f"format must be 'png' or 'svg' (the frame files), got {format!r}")
    check_seconds(seconds_per_frame, "seconds_per_frame", MAX_SECONDS_PER_FRAME)
    dpi, timeout = _check_dpi(dpi), _check_timeout(timeout)
    options = diagram_options(**{"show_local_derivatives": True, **options})
    out_dir = _folder(out_dir)
    found = find_engine(engine)
    sources = frame_sources(root, options, found, timeout)
    wanted = [format] + (["png"] if gif and format != "png" else [])
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:  # each run is its own process
        rendered = {f: list(pool.map(lambda s, f=f: found.run(s, f, _args(f, dpi), timeout), sources))
                    for f in wanted}
    digits = len(str(len(sources)))
    written = [write_atomic(out_dir / f"step{number:0{digits}d}.{format}", data)
               for number, data in enumerate(rendered[format], 1)]
    animation = write_atomic(out_dir / "backprop.gif", _gif(rendered["png"], seconds_per_frame)) if gif else None
    return StepFrames(written, animation)


def frame_sources(root, options, engine, timeout=DEFAULT_TIMEOUT) -> list:
    """The DOT source of every frame, with positions from one layout; grads are restored afterwards."""
    stepper = root.backward_steps()
    if len(stepper) == 0:
        raise ValueError(f"root is a leaf ({stepper.names[root]}): backprop has no steps to draw; "
                         f"draw the Value an expression made from it")
    grad_width = _grad_width(options.precision)
    ids = build(root, options, grad_width)
    node_pos, edge_pos, box = _layout(engine, ids.dot.source, timeout)
    node_attrs = {name: {"pos": pos} for name, pos in node_pos.items()}
    frames, captions = [], []
    try:
        for step in stepper:
            frames.append(_frame(root, step, options, grad_width, ids, node_attrs, edge_pos))
            captions.append(str(step).split("\n"))
    finally:
        stepper.reset()
    caption = _caption_box(captions, box)
    for dot, lines in zip(frames, captions):
        dot.node("caption", **caption(lines))
    return [dot.source for dot in frames]


def _folder(out_dir) -> Path:
    if not isinstance(out_dir, (str, os.PathLike)):
        raise TypeError(f"out_dir must be a folder path, got {type(out_dir).__name__}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"out_dir {str(out_dir)!r} is a file; pass a folder for the frames")
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def _args(format, dpi) -> tuple:
    """Engine arguments: draw at the given positions (neato -n2), PNG at `dpi`."""
    return ("-Kneato", "-n2") + ((f"-Gdpi={dpi}",) if format == "png" else ())


def _grad_width(precision: int) -> int:
    """A grad cell wide enough for any number at this precision (e.g. 'grad -1.235e-05'), so no box grows."""
    return round(56 + 6.7 * (precision + 2))  # 'grad ', sign, point, e-, padding; digits 6.7 pt each at 12 pt


def _layout(engine, source, timeout):
    """Lay the graph out once: node name -> pos, edge id -> {pos, lp}, and the bounding box."""
    laid_out = json.loads(engine.run(source, "json", (), timeout))
    node_pos = {o["name"]: o["pos"] for o in laid_out.get("objects", ()) if "pos" in o}
    edge_pos = {e["id"]: {k: e[k] for k in ("pos", "lp") if k in e} for e in laid_out.get("edges", ()) if "id" in e}
    box = [float(x) for x in laid_out["bb"].split(",")]
    return node_pos, edge_pos, box


def _frame(root, step, options, grad_width, ids, node_attrs, edge_pos):
    """The Digraph of one step: grads as they are now, the step's nodes and edges highlighted, positions fixed."""
    highlight = {edge.parent: UPDATED for edge in step.edges}
    highlight[step.node] = ACTIVE
    flowing = [ids.operand_edges[(step.node, j)] for j in range(len(step.edges))] + [ids.result_edges[step.node]]
    edge_attrs = {id_: dict(attrs) for id_, attrs in edge_pos.items()}
    for id_ in flowing:
        edge_attrs[id_] = {**edge_attrs.get(id_, {}), "color": ACTIVE, "penwidth": "2.5", "arrowsize": "0.9"}
    return build(root, replace(options, highlight=highlight), grad_width, node_attrs, edge_attrs).dot


def _caption_box(captions, box):
    """A function giving the caption node's attributes: the same size and place in every frame."""
    lines = max(len(c) for c in captions)
    width = max(_MONO_CHAR * max(len(line) for line in c) for c in captions) + 12
    width = max(width, box[2] - box[0])
    height = _LINE * lines + 10
    center = f"{box[0] + width / 2:.2f},{box[3] + 12 + height / 2:.2f}"

    def caption(text_lines):
        text = '<BR ALIGN="LEFT"/>'.join(labels.html_text(line) for line in text_lines) + '<BR ALIGN="LEFT"/>'
        label = (f'<<TABLE BORDER="0" CELLPADDING="5"><TR><TD WIDTH="{width:.0f}" HEIGHT="{height:.0f}" '
                 f'FIXEDSIZE="TRUE" ALIGN="LEFT" VALIGN="TOP"><FONT FACE="{labels.MONO_FONT}">{text}</FONT>'
                 f"</TD></TR></TABLE>>")
        return dict(shape="plain", pos=center, label=label)

    return caption


def _palette(image):
    """A 256-color palette: the diagram's own colors exactly, the rest (anti-aliasing) from `image`."""
    from PIL import Image

    exact = ["#ffffff", labels.INK, labels.MUTED, labels.GRAD, labels.LOCAL, labels.EDGE, labels.LEAF_FILL,
             labels.NODE_FILL, labels.OP_FILL, labels.OP_BORDER, labels.CELL_BORDER, ACTIVE, UPDATED]
    rgb = [int(color[i:i + 2], 16) for color in exact for i in (1, 3, 5)]
    found = image.quantize(256 - len(exact), method=Image.Quantize.MEDIANCUT).getpalette()
    colors = [rgb[i:i + 3] for i in range(0, len(rgb), 3)]
    # Pillow matches colors to a palette at 6 bits per channel: near-duplicates would steal the flat areas.
    rest = [c for c in (found[i:i + 3] for i in range(0, len(found), 3))
            if all(max(abs(a - b) for a, b in zip(c, e)) > 8 for e in colors)]
    palette = Image.new("P", (1, 1))
    palette.putpalette((rgb + [v for c in rest for v in c])[: 3 * 256])
    return palette


def _gif(pngs, seconds_per_frame) -> bytes:
    """An animated GIF of the PNG frames on one shared palette (looping; the last frame stays twice as long)."""
    from PIL import Image

    images = [Image.open(io.BytesIO(data)).convert("RGB") for data in pngs]
    size = (max(i.width for i in images), max(i.height for i in images))
    canvases = []
    for image in images:
        canvas = Image.new("RGB", size, "white")
        canvas.paste(image, (0, 0))
        canvases.append(canvas)
    palette = _palette(canvases[-1])
    frames = [canvas.quantize(palette=palette, dither=Image.Dither.NONE) for canvas in canvases]
    durations = [round(1000 * seconds_per_frame)] * len(frames)
    durations[-1] *= 2
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0)
    return buffer.getvalue()
