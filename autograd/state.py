"""Process-wide switches read when a Value is made: grad recording, scope, anomaly mode."""

import contextlib
import math
import os
import sys
import weakref

grad_enabled = True
scope = ""  # which model part is building nodes, e.g. "layer1.neuron3"
anomaly = False
# True while grad() builds derivatives: x / 0 and 0 ** -1 then give IEEE inf/NaN, as in backward().
ieee_division = False
hooks = weakref.WeakKeyDictionary()  # Value -> [functions called with its gradient in backward]

_PACKAGE_DIRS = tuple(
    os.path.dirname(os.path.abspath(__file__)).rsplit(os.sep, 1)[0] + os.sep + name + os.sep
    for name in ("autograd", "nn", "viz")
)


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
        """Draw the graph up to the offending node, highlighted, to an SVG or PNG file."""
        import viz

        return viz.render(viz.to_dot(self.node, highlight={self.node: "red"}), path)


@contextlib.contextmanager
def no_grad():
    """Inside this block operations record no parents: results are plain leaves."""
    global grad_enabled
    previous, grad_enabled = grad_enabled, False
    try:
        yield
    finally:
        grad_enabled = previous


@contextlib.contextmanager
def ieee_division_by_zero():
    """Inside this block x / 0 and 0 ** -1 give inf or NaN (IEEE) instead of raising ZeroDivisionError."""
    global ieee_division
    previous, ieee_division = ieee_division, True
    try:
        yield
    finally:
        ieee_division = previous


@contextlib.contextmanager
def name_scope(name: str):
    """Tag every Value made inside this block with `name` (nested scopes join with '.')."""
    global scope
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    previous = scope
    scope = f"{previous}.{name}" if previous and name else (name or previous)
    try:
        yield
    finally:
        scope = previous


def where():
    """(file, line, function) of the first caller outside gradwalk's own packages."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIRS):
        frame = frame.f_back
    if frame is None:
        return None
    return (frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


def set_detect_anomaly(enabled: bool) -> None:
    """Turn anomaly detection on or off for the whole process."""
    global anomaly
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be True or False, got {enabled!r}")
    anomaly = enabled


@contextlib.contextmanager
def detect_anomaly():
    """Record where every Value is made and raise at the first NaN or infinity."""
    global anomaly
    previous, anomaly = anomaly, True
    try:
        yield
    finally:
        anomaly = previous


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
