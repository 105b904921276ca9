"""A graph of a million nodes: backward(), the stepper, compile(), and viz's refusal to draw it.

Each stage runs in its own process (started together, so they share the two
cores), which builds the graph, runs the stage and reports its own peak RSS
(resource.getrusage) and times. Times are reported in the summary, never
asserted; memory is asserted only against a generous bound (1.5 KB per node).
"""

import json
import os
import subprocess
import sys

import pytest

from tests.reliability import tally
from tests.reliability.helpers import ROOT

CATEGORY = "scale"
NODES = 1_000_002
MEMORY_BOUND_MB = 1.5 * NODES / 1024  # 1.5 KB per node, interpreter and numpy included

STAGE = r"""
import gc, json, math, resource, sys, time
sys.path.insert(0, sys.argv[1])
stage = sys.argv[2]
import numpy as np
from autograd import BackpropStepper, Value, backward, compile, topological_order

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

report = {"baseline_mb": peak_mb()}
start = time.perf_counter()
x, w = Value(0.5, label="x"), Value(0.999, label="w")
v = x
for _ in range(250_000):  # 4 nodes a round: mul, a constant leaf, add, tanh
    v = (v * w + 0.001).tanh()
report["build_s"] = time.perf_counter() - start
report["nodes"] = len(topological_order(v))
report["after_build_mb"] = peak_mb()
start = time.perf_counter()
if stage == "backward":
    backward(v)
    report["x_grad"], report["w_grad"] = x.grad, w.grad
    report["recursion_limit"] = sys.getrecursionlimit()
    report["backward_s"] = time.perf_counter() - start
    report["backward_peak_mb"] = peak_mb()
elif stage == "stepper":
    backward(v)
    expected = (x.grad, w.grad)
    x.grad = w.grad = 0.0
    stepper = BackpropStepper(v)
    stepper.run()
    report["stepper_equals_backward"] = (x.grad, w.grad) == expected
    report["steps"] = len(stepper)
    for _ in range(3):
        stepper.back()
    stepper.run()
    report["after_undo_and_redo_equal"] = (x.grad, w.grad) == expected
    stepper.reset()
    report["reset_restores"] = (x.grad, w.grad) == (0.0, 0.0)
elif stage == "compile":
    backward(v)
    expected = (v.data, x.grad, w.grad)
    tape = compile(v, inputs=[x], params=[w], input_grads=True)
    report["compile_s"] = time.perf_counter() - start
    out = tape.forward(np.array([[0.5], [0.25]]))
    grads = tape.backward(reduction="sum", seed=np.array([1.0, 0.0]))
    report["tape"] = repr(tape)
    report["forward_matches"] = bool(abs(out[0, 0] - expected[0]) <= 1e-12 * abs(expected[0]))
    report["w_grad_matches"] = bool(abs(grads[0] - expected[2]) <= 1e-10 * abs(expected[2]))
    report["x_grad_matches"] = bool(abs(tape.input_gradients[0, 0] - expected[1]) <= 1e-10 * abs(expected[1]) + 1e-300)
    report["nan_row_is_nan"] = bool(math.isnan(tape.forward(np.array([[math.nan]]))[0, 0]))
if stage == "backward":  # then viz, on the same graph
    import viz, viz.engine
    from viz.graph import TooManyNodesError
    ran = []
    class NoEngine:
        path = "no-engine"
        bundled = False
        def run(self, *args, **kwargs):
            ran.append(args)
            raise AssertionError("an engine was started for a graph above the limit")
    viz.engine.find_engine = lambda engine=None: NoEngine()
    import viz.steps
    viz.steps.find_engine = viz.engine.find_engine
    refused = []
    for name, call in [("to_dot", lambda: viz.to_dot(v)), ("render", lambda: viz.render(v, "/tmp/never.svg")),
                       ("draw", lambda: viz.draw(v)),
                       ("render_steps", lambda: viz.render_steps(v, "/tmp/never-frames"))]:
        try:
            call()
        except TooManyNodesError as error:
            refused.append(name)
            report["message"] = str(error)
    report["refused"] = refused
    report["engine_runs"] = len(ran)
    report["jupyter_repr_is_none"] = "image/svg+xml" not in v._repr_mimebundle_()
report["stage_s"] = time.perf_counter() - start
report["peak_mb"] = peak_mb()
print(json.dumps(report))
"""

# On Linux a child's ru_maxrss starts from its parent's peak (the mm's high-water mark is copied at fork
# and kept across exec), so a stage started by pytest would report pytest's own peak. A small launcher in
# between has a fresh, small peak for the stage to inherit.
HOP = "import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-c', *sys.argv[1:]]))"

STAGES = ("backward", "stepper", "compile")  # viz runs after backward, in its process


@pytest.fixture(scope="module")
def reports():
    """Run every stage in its own process, all at once; stage -> its report."""
    processes = {stage: subprocess.Popen([sys.executable, "-c", HOP, STAGE, ROOT, stage], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True, env=dict(os.environ))
                 for stage in STAGES}
    results = {}
    for stage, process in processes.items():
        out, err = process.communicate()
        results[stage] = json.loads(out.strip().splitlines()[-1]) if process.returncode == 0 else err[-3000:]
    return results


def record(report, stage):
    assert isinstance(report, dict), f"stage {stage} failed:\n{report}"
    assert report["nodes"] == NODES
    assert report["peak_mb"] < MEMORY_BOUND_MB, f"{stage}: peak RSS {report['peak_mb']:.0f} MB"
    tally.metric(f"{stage}: peak RSS (graph built: {report['after_build_mb']:.0f} MB)", report["peak_mb"], "MB")
    tally.metric(f"{stage}: time, reported only (build {report['build_s']:.1f} s)", report["stage_s"], "s")
    tally.record(CATEGORY, f"1e6-node graph: {stage}")


def test_backward_of_a_million_node_chain(reports):
    report = reports["backward"]
    assert isinstance(report, dict), f"stage backward failed:\n{report}"
    assert report["recursion_limit"] == 1000  # iterative: the default limit is enough
    assert all(isinstance(report[k], float) and report[k] == report[k] for k in ("x_grad", "w_grad"))
    report = dict(report, peak_mb=report["backward_peak_mb"], stage_s=report["backward_s"])
    record(report, "backward")


def test_stepper_runs_undoes_and_resets_a_million_node_chain(reports):
    report = reports["stepper"]
    assert isinstance(report, dict), f"stage stepper failed:\n{report}"
    assert report["steps"] == 750_000
    assert report["stepper_equals_backward"] and report["after_undo_and_redo_equal"] and report["reset_restores"]
    record(report, "stepper")


def test_compile_of_a_million_node_chain_matches_the_value_path(reports):
    report = reports["compile"]
    assert isinstance(report, dict), f"stage compile failed:\n{report}"
    assert report["forward_matches"] and report["w_grad_matches"] and report["x_grad_matches"]
    assert report["nan_row_is_nan"]
    tally.metric("compile: compile() alone, reported only", report["compile_s"], "s")
    record(report, "compile")


def test_viz_refuses_a_million_node_graph_before_running_an_engine(reports):
    report = reports["backward"]
    assert isinstance(report, dict), f"stage backward + viz failed:\n{report}"
    assert report["refused"] == ["to_dot", "render", "draw", "render_steps"]
    assert report["engine_runs"] == 0 and report["jupyter_repr_is_none"]
    assert "max_nodes=400" in report["message"] and "collapse" in report["message"]
    tally.record(CATEGORY, "1e6-node graph: viz refuses before any engine runs", 4)
