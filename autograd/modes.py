"""Switches read when a Value is made or differentiated: grad recording, name scope, anomaly mode, IEEE division.

Each thread, and each asyncio task, has its own (a `contextvars.ContextVar`), as
PyTorch's grad mode is thread-local: `no_grad()` in one thread never stops
another thread's graph from recording. A new thread starts with the defaults.

>>> from autograd import Value
>>> with no_grad():
...     y = Value(2.0) * 3
>>> y.is_leaf(), current().grad_enabled
(True, True)
"""

import contextlib
import contextvars
import math
import os
import sys
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Modes:
    """The switches in force in one thread or task; replaced, never changed, by the context managers."""

    grad_enabled: bool = True  # operations record their operands
    scope: str = ""  # which model part is building nodes, e.g. "layer1.neuron3"
    anomaly: bool = False  # record where Values are made; raise at the first NaN or infinity
    ieee_division: bool = False  # x / 0 and 0 ** -1 give IEEE inf/NaN instead of raising (grad() sets it)


_MODES = contextvars.ContextVar("gradwalk_modes", default=Modes())
current = _MODES.get  # the Modes in force here: one call per Value made, so no wrapper


@contextlib.contextmanager
def _switched(**changes):
    """The block runs with `changes` applied to the modes of this thread or task."""
    token = _MODES.set(replace(_MODES.get(), **changes))
    try:
        yield
    finally:
        _MODES.reset(token)


def no_grad():
    """Inside this block operations record no operands: results are plain leaves (in this thread only)."""
    return _switched(grad_enabled=False)


def enable_grad():
    """Inside this block operations record their operands, even within an enclosing no_grad()."""
    return _switched(grad_enabled=True)


def ieee_division_by_zero():
    """Inside this block x / 0 and 0 ** -1 give inf or NaN (IEEE) instead of raising ZeroDivisionError."""
    return _switched(ieee_division=True)


def name_scope(name: str):
    """Tag every Value made inside this block with `name` (nested scopes join with '.')."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    previous = _MODES.get().scope
    return _switched(scope=f"{previous}.{name}" if previous and name else (name or previous))


def detect_anomaly():
    """Inside this block record where every Value is made and raise at the first NaN or infinity."""
    return _switched(anomaly=True)


def set_detect_anomaly(enabled: bool) -> None:
    """Turn anomaly detection on or off for this thread (or task) from now on."""
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be True or False, got {enabled!r}")
    _MODES.set(replace(_MODES.get(), anomaly=enabled))


# Frames from these folders are the library's own: `where` skips them to find the user's line.
_SKIPPED = (os.path.join(os.path.dirname(os.path.abspath(__file__)), ""),)


def where():
    """(file, line, function) of the first caller outside the engine and the packages built on it.

    Packages built on the engine add their folders with `skip_frames_in`, so an
    error points at the user's line rather than at a model's forward().
    """
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_SKIPPED):
        frame = frame.f_back
    if frame is None:
        return None
    return (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


def skip_frames_in(folder: str) -> None:
    """Leave frames from `folder` out of where a Value was made (a library built on the engine calls this once)."""
    global _SKIPPED
    folder = os.path.join(os.path.abspath(folder), "")
    if folder not in _SKIPPED:
        _SKIPPED = _SKIPPED + (folder,)


class AnomalyError(FloatingPointError):
    """A NaN or infinity appeared in a pass while anomaly detection was on.

    `node` is the first node where it appeared; `path()` lists the nodes it was
    computed from and `render(path)` draws them with that node highlighted.
    """

    def __init__(self, message, node=None):
        super().__init__(message)
        self.node = node

    def path(self) -> list:
        """Every node the offending node was computed from, inputs first."""
        from .graph import topological_order

        return topological_order(self.node)

    def render(self, path: str):
        """Draw the graph up to the offending node, highlighted, to an SVG or PNG file (needs the drawing layer)."""
        from .display import drawing_layer

        return drawing_layer(required="AnomalyError.render").render(self.node, path, highlight={self.node: "red"})


def describe_origin(node) -> str:
    """Where `node` was created, as 'file:line in function', or a hint to turn recording on."""
    if node.origin is None:
        return "unknown (made before anomaly detection was on)"
    file, line, function = node.origin
    return f"{file}:{line} in {function}"


def check_finite(node, stage: str, value=None) -> None:
    """Raise AnomalyError when `value` (default: node.data) is NaN or infinite."""
    number = node.data if value is None else value
    if math.isfinite(number):
        return
    operands = ", ".join(f"{p.label or 'operand'} = {p.data!r}" for p in node.parents) or "none (a leaf)"
    what = "value" if stage == "forward" else "gradient contribution"
    raise AnomalyError(
        f"{stage} pass produced {what} {number!r} at node {node.label or '(no label)'} "
        f"made by op {node.op}; operands: {operands}; created at {describe_origin(node)}",
        node,
    )
