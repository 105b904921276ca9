"""Anomaly mode, gradient hooks and autograd.grad under hostile graphs and hostile hooks.

* grad() gives backward()'s numbers (NaN and inf included) on random graphs, and
  grad(create_graph=True) twice gives torch's Hessian-vector products;
* detect_anomaly() stops at exactly the first node whose value or gradient
  contribution is NaN or infinite (the same node the plain run shows first), in
  backward() and in the stepper alike, and names it;
* hooks that return junk, raise, or remove themselves leave a clear error and
  consistent gradients.
"""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import (AnomalyError, BackpropStepper, Value, backward, contributions, detect_anomaly, grad,
                      set_detect_anomaly, topological_order)
from autograd import modes
from tests.reliability import tally
from tests.reliability.graphs import kind, programs, run_values

CATEGORY = "anomaly, hooks, grad()"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def root_of(nodes, n, only_last):
    return nodes[-1] if only_last else sum(nodes[n:], Value(0.0))


@FUZZ
@given(programs(), st.booleans())
def test_grad_gives_backwards_numbers(program, only_last):
    leaves, steps = program
    nodes, _ = run_values(leaves, steps)
    n = len(leaves)
    if len(nodes) == n:
        return
    root = root_of(nodes, n, only_last)
    results = grad(root, nodes[:n])
    backward(root)
    for result, leaf in zip(results, nodes[:n]):
        assert kind(result.data) == kind(leaf.grad), (result, leaf)
        assert kind(leaf.grad) != "finite" or result.data == pytest.approx(leaf.grad, rel=1e-12, abs=1e-300), \
            (result, leaf)
    tally.record(CATEGORY, "grad() == backward() on random graphs")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_second_derivatives_match_torch_hessian_vector_products(data):
    """d/dx (v . dy/dx) through grad(create_graph=True) twice, against torch.autograd.grad twice."""
    torch = pytest.importorskip("torch")
    from tests.autograd.cases import torch_twin
    from tests.autograd.programs import programs as smooth_programs
    from tests.autograd.programs import run_torch
    from tests.autograd.programs import run_values as run_smooth

    leaves, steps = data.draw(smooth_programs(max_leaves=3, max_steps=6))
    v = data.draw(st.lists(st.floats(-2, 2), min_size=len(leaves), max_size=len(leaves)))
    ours, nodes = run_smooth(leaves, steps)
    y = nodes[-1]
    firsts = grad(y, ours, create_graph=True)
    if not all(math.isfinite(g.data) for g in firsts) or not math.isfinite(y.data) or abs(y.data) > 1e8:
        return
    directional = sum((vi * g for vi, g in zip(v, firsts)), Value(0.0))
    second = [g.data for g in grad(directional, ours)]

    theirs, tnodes = run_torch(leaves, steps, torch_twin)
    tfirst = torch.autograd.grad(tnodes[-1], theirs, create_graph=True, allow_unused=True)
    tdirectional = sum(vi * g for vi, g in zip(v, tfirst) if g is not None and g.requires_grad)
    if not isinstance(tdirectional, torch.Tensor):  # linear in every leaf: the Hessian is 0
        expected = [0.0] * len(leaves)
    else:
        expected = [0.0 if g is None else g.item()
                    for g in torch.autograd.grad(tdirectional, theirs, allow_unused=True)]
    scale = max([abs(e) for e in expected if math.isfinite(e)] + [abs(g.data) for g in firsts] + [1.0])
    for ours_h, their_h in zip(second, expected):
        assert kind(ours_h) == kind(their_h), (second, expected)
        assert kind(their_h) != "finite" or abs(ours_h - their_h) <= 1e-9 * scale, (second, expected, steps)
    tally.record(CATEGORY, "Hessian-vector products vs torch (create_graph=True)", len(leaves))


def first_non_finite_step(nodes, n):
    for i, node in enumerate(nodes[n:]):
        if not math.isfinite(node.data):
            return i
    return None


@FUZZ
@given(programs(), st.booleans())
def test_anomaly_mode_stops_at_the_first_nan_or_inf(program, only_last):
    leaves, steps = program
    n = len(leaves)
    plain, plain_failure = run_values(leaves, steps)
    first_bad = first_non_finite_step(plain, n)
    expected = first_bad_contribution(plain, n, only_last) if len(plain) > n else None
    with detect_anomaly():
        if first_bad is not None:
            with pytest.raises(AnomalyError) as caught:
                run_values(leaves, steps)
            name = steps[first_bad][0]
            assert caught.value.node.op == name and f"op {name}" in str(caught.value)
            assert "graphs.py" in str(caught.value)  # the line that built the node, outside gradwalk
            assert caught.value.path()[-1] is caught.value.node
            tally.record(CATEGORY, "anomaly mode: forward stops at the first NaN/inf node")
            return
        nodes, failure = run_values(leaves, steps)
        assert (failure is None) == (plain_failure is None)
        if len(nodes) == n:
            return
        root = root_of(nodes, n, only_last)
        for run in (lambda: backward(root), lambda: BackpropStepper(root).run()):
            for node in nodes:
                node.grad = 0.0
            if expected is None:
                run()
                continue
            with pytest.raises(AnomalyError) as caught:
                run()
            assert nodes.index(caught.value.node) == expected and "backward pass" in str(caught.value)
    tally.record(CATEGORY, "anomaly mode: backward and stepper stop at the first NaN/inf contribution")


def first_bad_contribution(plain, n, only_last):
    """Position (in creation order) of the node whose gradient contribution is first non-finite in backward."""
    root = root_of(plain, n, only_last)
    backward(root)
    for node in reversed(topological_order(root)):
        if node.op_info is not None and not all(math.isfinite(c) for c in contributions(node)):
            return plain.index(node) if node in plain else None
    return None


# -- grad() where derivatives divide by zero ----------------------------------------------------


# The exact derivative, rounded: what torch float64 gives too, except at 1e-200 / x, where torch
# rewrites a number over a tensor as reciprocal(x) * 1e-200 and squares 1e-200 into -inf.
@pytest.mark.parametrize("build, where, expected", [
    (lambda x: x.sqrt(), 0.0, math.inf),
    (lambda x: x ** 0.5, 0.0, math.inf),
    (lambda x: x ** Value(0.0), 0.0, 0.0),
    (lambda x: x ** Value(0.0), 5e-324, 0.0),
    (lambda x: Value(1e-200) / x, 1e-200, -1e200),
    (lambda x: x.log(), 1e-310, math.inf),
    (lambda x: Value(0.0) ** x, 2.0, 0.0),
    (lambda x: x ** -1.5, 5e-324, -math.inf),
], ids=["sqrt at 0", "x**0.5 at 0", "x**y with y=0 at 0", "x**y with y=0 at 5e-324", "1e-200/x at 1e-200",
        "log at 1e-310", "0**x at 2", "x**-1.5 at 5e-324"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_gives_backwards_number_where_a_derivative_divides_by_zero(build, where, expected, create_graph):
    x = Value(where)
    (d,) = grad(build(x), [x], create_graph=create_graph)
    y = Value(where)
    build(y).backward()
    assert d.data == y.grad == expected


# -- hooks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("returned, error", [
    ("big", TypeError), (1 + 2j, TypeError), (True, TypeError), ([1.0], TypeError), (Value(1.0), TypeError),
], ids=["str", "complex", "bool", "list", "Value"])
def test_a_hook_returning_junk_is_named_in_the_error(returned, error):
    x = Value(2.0)
    h = x * 3
    h.register_hook(lambda g: returned)
    with pytest.raises(error, match="hook"):
        (h * h).backward()
    tally.record(CATEGORY, "hooks returning junk refused")


def test_a_hook_returning_nan_propagates_and_anomaly_mode_names_the_node():
    x = Value(2.0, label="x")
    h = x * 3
    h.label = "h"
    handle = h.register_hook(lambda g: math.nan)
    (h * h).backward()
    assert math.isnan(x.grad)
    x.grad = 0.0
    with detect_anomaly(), pytest.raises(AnomalyError, match="h made by op mul"):
        (h * h).backward()
    handle.remove()
    tally.record(CATEGORY, "hook returning NaN: propagated, caught by anomaly mode", 2)


def test_a_hook_that_removes_itself_runs_once_and_others_still_run():
    x = Value(2.0)
    h = x * 3
    seen = []
    handles = []
    handles.append(h.register_hook(lambda g: (seen.append(("once", g)), handles[0].remove())[0]))
    h.register_hook(lambda g: seen.append(("always", g)))
    y = h * h
    y.backward()
    y.backward()
    assert seen == [("once", 12.0), ("always", 12.0), ("always", 12.0)]
    tally.record(CATEGORY, "hooks removing themselves mid-pass")


def test_a_raising_hook_does_not_erase_earlier_accumulated_gradients():
    x = Value(1.0)
    x.grad = 5.0  # accumulated by an earlier backward()
    x.register_hook(lambda g: g)
    h = x * 2

    def fail(g):
        raise RuntimeError("hook failed")

    h.register_hook(fail)
    with pytest.raises(RuntimeError, match="hook failed"):
        (h * 3).backward()
    assert x.grad == 5.0


def test_a_raising_leaf_hook_leaves_every_leaf_its_earlier_gradient_a_pass_is_all_or_nothing():
    x, w = Value(1.0), Value(2.0)
    x.grad, w.grad = 5.0, 7.0
    x.register_hook(lambda g: (_ for _ in ()).throw(RuntimeError("hook failed")))
    w.register_hook(lambda g: None)
    with pytest.raises(RuntimeError, match="hook failed"):
        (x * w).backward()
    assert (x.grad, w.grad) == (5.0, 7.0)


def test_a_pass_stopped_midway_runs_no_leaf_hook_and_keeps_earlier_gradients():
    x = Value(0.0, label="x")
    x.grad = 5.0
    seen = []
    x.register_hook(seen.append)
    with detect_anomaly(), pytest.raises(AnomalyError):
        x.sqrt().backward()  # d sqrt/dx at 0 is inf: anomaly mode stops the pass
    assert (x.grad, seen) == (5.0, [])
    x.sqrt().backward(2.0)
    assert math.isinf(x.grad) and seen == [math.inf]


def test_a_raising_hook_in_the_stepper_can_be_undone_exactly():
    x = Value(1.0)
    x.grad = 5.0
    h = x * 2
    h.register_hook(lambda g: (_ for _ in ()).throw(RuntimeError("hook failed")))
    y = h * 3
    stepper = BackpropStepper(y)
    with pytest.raises(RuntimeError, match="hook failed"):
        stepper.run()
    stepper.reset()
    assert (x.grad, h.grad, y.grad) == (5.0, 0.0, 0.0)
    tally.record(CATEGORY, "stepper undoes a pass a hook aborted")


# -- switches ---------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", [1, 0, "yes", None, 1.0])
def test_set_detect_anomaly_takes_only_a_bool(flag):
    with pytest.raises(TypeError, match="enabled"):
        set_detect_anomaly(flag)
    assert modes.current().anomaly is False
    tally.record(CATEGORY, "set_detect_anomaly refuses non-bools")


def test_detect_anomaly_is_restored_after_an_error_and_when_nested():
    with pytest.raises(AnomalyError):
        with detect_anomaly():
            with detect_anomaly():
                Value(math.inf) * 0
    assert modes.current().anomaly is False
    assert Value(1.0).origin is None
    tally.record(CATEGORY, "anomaly switch restored after errors")


def test_anomaly_error_renders_its_path_and_refuses_a_huge_one(tmp_path):
    pytest.importorskip("viz")
    from viz.graph import TooManyNodesError

    with detect_anomaly():
        x = Value(1e308, label="x")
        with pytest.raises(AnomalyError) as caught:
            x * 10
    assert caught.value.render(tmp_path / "path.svg").read_bytes().startswith(b"<?xml")
    v = Value(0.5)
    for _ in range(500):
        v = v * 1.0001
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        v * math.inf
    with pytest.raises(TooManyNodesError):
        caught.value.render(tmp_path / "huge.svg")
    assert not (tmp_path / "huge.svg").exists()
    tally.record(CATEGORY, "AnomalyError.render: small drawn, huge refused", 2)
