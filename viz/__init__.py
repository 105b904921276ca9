"""Pictures of gradwalk graphs: diagrams with values, grads and local derivatives, backprop frames, plots.

>>> from autograd import Value
>>> import viz
>>> x = Value(2.0, label="x")
>>> y = (x * x).tanh(); y.label = "y"
>>> "tanh" in viz.to_dot(y).source
True

`viz.render(y, "graph.svg")` writes a file, `viz.draw(y)` shows in Jupyter,
`viz.render_steps(y, "frames/")` draws backprop one step per frame plus a GIF.
"""

from .engine import Diagram, EngineNotFoundError, RenderError, draw, find_engine, render
from .graph import to_dot
from .steps import StepFrames, render_steps

__all__ = ["to_dot", "render", "draw", "render_steps", "StepFrames", "Diagram", "find_engine", "EngineNotFoundError", "RenderError"]
