"""Pictures of gradwalk graphs: diagrams with values, grads and local derivatives, backprop frames, plots.

>>> from autograd import Value
>>> import viz
>>> x = Value(2.0, label="x")
>>> y = (x * x).tanh(); y.label = "y"
>>> "tanh" in viz.to_dot(y).source
True

`viz.render(y, "graph.svg")` writes a file, `viz.draw(y)` shows in Jupyter,
`viz.explore(y)` steps backprop inside a notebook (`viz.to_html` writes the same page),
`viz.render_steps(y, "frames/")` draws backprop one step per frame plus a GIF,
and `plot_loss`, `plot_activation`, `plot_decision_boundary` draw with matplotlib.
"""

from .boundary import plot_decision_boundary
from .engine import Diagram, EngineNotFoundError, RenderError, draw, find_engine, render
from .graph import to_dot
from .html import to_html
from .jupyter import Explorer, explore
from .plots import plot_activation, plot_loss
from .steps import StepFrames, render_steps

__all__ = [
    "to_dot", "render", "draw", "Diagram", "find_engine", "EngineNotFoundError", "RenderError",
    "render_steps", "StepFrames", "plot_loss", "plot_activation", "plot_decision_boundary", "to_html",
    "explore", "Explorer",
]
