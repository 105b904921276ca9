"""The drawing layer the engine finds through its entry point: what Jupyter shows for Values and steppers.

`autograd` never imports viz; pyproject.toml registers this module under the
entry-point group ``gradwalk.drawing`` and `autograd.display` loads it the first
time a Value or a stepper is displayed or drawn.
"""

import html

from .engine import draw, render as _render, value_svg
from .graph import to_dot
from .html import to_html
from .plots import plot_loss

__all__ = ["value_mimebundle", "stepper_mimebundle", "draw", "render", "to_html", "plot_loss"]


def value_mimebundle(value) -> dict:
    """A Value as its graph's diagram (SVG), with the text repr beside it for consoles."""
    bundle = {"text/plain": repr(value)}
    svg = value_svg(value)
    if svg is not None:
        bundle["image/svg+xml"] = svg
    return bundle


def stepper_mimebundle(stepper) -> dict:
    """A stepper as its steps so far, as a table, with the text repr beside it."""
    text = repr(stepper)
    rows = "".join(step._repr_html_() for step in stepper.history())
    caption = html.escape(text)
    return {"text/plain": text + ("\n" + stepper.table() if stepper.position else ""),
            "text/html": f"<div><p>{caption}</p>{rows}</div>"}


def render(root, path, **options):
    """Draw `root`'s graph to a file (see viz.render); `highlight` and the other drawing options apply."""
    return _render(to_dot(root, **options), path)
