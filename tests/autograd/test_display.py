"""The engine stands alone: it imports neither nn nor viz, and finds the drawing layer through an entry point."""

import json
import subprocess
import sys

from autograd import Value
from autograd.display import GROUP, drawing_layer


def _run(code: str) -> dict:
    """Run `code` in a fresh interpreter (which prints one JSON line) and return what it printed."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_engine_imports_neither_nn_nor_viz_nor_numba():
    seen = _run("import sys, json, autograd; from autograd import Value; (Value(2.0) * 3).backward(); "
                "print(json.dumps(sorted(m for m in ('nn', 'viz', 'numba') if m in sys.modules)))")
    assert seen == []


def test_without_the_drawing_layer_values_and_steppers_show_as_text_and_drawing_says_what_is_missing():
    seen = _run(
        "import sys, json\n"
        "sys.modules['viz'] = None  # as if the viz package were not installed\n"
        "from autograd import Value\n"
        "x = Value(2.0, label='x'); y = x * x; y.label = 'y'\n"
        "steps = y.backward_steps(); steps.step()\n"
        "try:\n"
        "    y.draw(); error = ''\n"
        "except ImportError as caught:\n"
        "    error = str(caught)\n"
        "print(json.dumps([y._repr_mimebundle_(), steps._repr_mimebundle_(), error]))\n")
    value, stepper, error = seen
    assert value == {"text/plain": "Value(4.0, grad=1.0, label='y')"}
    assert list(stepper) == ["text/plain"] and "1/1 steps" in stepper["text/plain"]
    assert "upstream" in stepper["text/plain"]  # the table of the steps taken so far
    assert "Value.draw" in error and "viz" in error


def test_the_installed_distribution_registers_viz_as_the_drawing_layer():
    layer = drawing_layer()
    assert layer is not None and layer.__name__ == "viz.jupyter" and GROUP == "gradwalk.drawing"
    for hook in ("value_mimebundle", "stepper_mimebundle", "draw", "render", "to_html", "plot_loss"):
        assert callable(getattr(layer, hook)), hook


def test_with_the_drawing_layer_a_value_shows_as_its_diagram():
    x = Value(2.0, label="x")
    y = x * x
    bundle = y._repr_mimebundle_()
    assert bundle["text/plain"] == repr(y)
    assert "<svg" in bundle["image/svg+xml"]
