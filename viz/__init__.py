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
`plot_loss`, `plot_activation`, `plot_decision_boundary` draw with matplotlib,
`TrainingRecorder` (a `nn.fit` callback) writes a movie and a page of training, and
`step_diff` shows what one step changed in every weight and in the loss.
"""

from .boundary import plot_decision_boundary
from .engine import Diagram, EngineNotFoundError, RenderError, draw, find_engine, render
from .graph import to_dot
from .html import to_html
from .jupyter import Explorer, explore
from .plots import plot_activation, plot_loss
from .step_diff import StepDiff, step_diff
from .steps import StepFrames, render_steps
from .training import TrainingRecorder

__all__ = [
    "to_dot", "render", "draw", "Diagram", "find_engine", "EngineNotFoundError", "RenderError",
    "render_steps", "StepFrames", "plot_loss", "plot_activation", "plot_decision_boundary", "to_html",
    "explore", "Explorer", "TrainingRecorder", "step_diff", "StepDiff",
]
