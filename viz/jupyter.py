"""Jupyter displays: the backprop explorer inline, and diagrams that fit the output area.

`explore(y)` shows the explorer page of `y` in the notebook: the whole page (SVG,
script, style, every step's numbers) sits in the ``srcdoc`` of a sandboxed
``<iframe>``, so it needs no widget, no kernel and no network, keeps working in a
saved notebook and its nbconvert HTML, and takes keys only while it has the focus
(click it first), so several explorers in one notebook never interfere.

The engine finds this module through the ``gradwalk.drawing`` entry point (it never
imports viz): `value_mimebundle` and `stepper_mimebundle` are how a Value and a
BackpropStepper display themselves, and `draw`, `render`, `to_html` and `plot_loss`
back ``Value.draw``, ``AnomalyError.render``, ``BackpropStepper.to_html`` and
``History.plot``.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x).tanh(); y.label = "y"
>>> bundle = stepper_mimebundle(y.backward_steps())
>>> bundle["text/html"].startswith('<iframe class="gradwalk-explorer" srcdoc="&lt;!DOCTYPE html&gt;')
True
"""

import html
import re
import warnings

from .engine import EngineNotFoundError, RenderError, fitted_svg
from .engine import draw as _draw
from .engine import render as _render
from .graph import TooManyNodesError
from .html import explorer_page
from .html import to_html as _to_html
from .plots import plot_loss as _plot_loss

OUTPUT_WIDTH = 860  # CSS pixels of a notebook's output area (JupyterLab: about 850), to size the frame by
MIN_HEIGHT, MAX_HEIGHT = 480, 640  # the frame's height: the controls and a few steps' text, at most a laptop's view


class Explorer:
    """The backprop explorer as a notebook output: displays as the page in an iframe; `.page` is its HTML."""

    def __init__(self, page: str, height: int):
        self.page = page
        self.height = height

    def _repr_html_(self) -> str:
        return (f'<iframe class="gradwalk-explorer" srcdoc="{html.escape(self.page, quote=True)}" '
                f'sandbox="allow-scripts" title="backprop explorer" '
                f'style="width: 100%; height: {self.height}px; border: 1px solid #c5cbd1; border-radius: 4px">'
                f'</iframe>')

    def __repr__(self):
        return f"<Explorer: {len(self.page):,} characters of HTML; display it in Jupyter, or use viz.to_html to save>"


def explore(root, *, height=None, **options) -> Explorer:
    """The backprop explorer of `root` (a Value or a BackpropStepper) for a notebook (options as for `viz.to_html`).

    height is the frame's height in CSS pixels (default: chosen from the graph's shape).
    """
    if height is not None and (isinstance(height, bool) or not isinstance(height, int) or not 200 <= height <= 4000):
        raise ValueError(f"height must be a whole number of pixels from 200 to 4000, or None, got {height!r}")
    page = explorer_page(root, inline=True, **options)
    return Explorer(page, height if height is not None else _frame_height(page))


def _frame_height(page: str) -> int:
    """A height that gives the graph, drawn at the output area's width, its own proportions (within limits)."""
    size = re.search(r'<svg[^>]*viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', page)
    aspect = float(size.group(2)) / max(float(size.group(1)), 1.0) if size else 0.75
    return round(min(MAX_HEIGHT, max(MIN_HEIGHT, 100 + 0.66 * OUTPUT_WIDTH * aspect)))


def value_mimebundle(value) -> dict:
    """How a Value shows in Jupyter: its graph as SVG fitted to the output width, and its repr as text."""
    bundle = {"text/plain": repr(value)}
    try:
        bundle["text/html"] = fitted_svg(_draw(value).svg())
    except TooManyNodesError:  # the text repr is the better display for a huge graph
        pass
    except (EngineNotFoundError, RenderError) as error:
        warnings.warn(f"cannot draw this Value: {error}", RuntimeWarning, stacklevel=2)
    return bundle


def stepper_mimebundle(stepper) -> dict:
    """How a BackpropStepper shows in Jupyter: the explorer inline, and its repr as text."""
    bundle = {"text/plain": repr(stepper)}
    if len(stepper) == 0:  # a leaf: no steps to explore
        return bundle
    try:
        bundle["text/html"] = explore(stepper)._repr_html_()
    except TooManyNodesError:
        pass
    except (EngineNotFoundError, RenderError) as error:
        warnings.warn(f"cannot draw this stepper's graph: {error}", RuntimeWarning, stacklevel=2)
    return bundle


def draw(value, **options):
    """`Value.draw`: a Diagram of the graph (see `viz.draw`)."""
    return _draw(value, **options)


def render(root, path, **options):
    """`AnomalyError.render` and friends: draw `root` to a file (see `viz.render`)."""
    return _render(root, path, **options)


def to_html(root, path, **options):
    """`BackpropStepper.to_html`: the explorer page as a file (see `viz.to_html`)."""
    return _to_html(root, path, **options)


def plot_loss(history, path=None):
    """`History.plot`: the loss (and accuracy) curves as a matplotlib Figure (see `viz.plot_loss`)."""
    return _plot_loss(history, path)
