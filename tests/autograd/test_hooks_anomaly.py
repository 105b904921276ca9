"""Gradient hooks and anomaly detection."""

import math

import pytest

from autograd import AnomalyError, Value, detect_anomaly, set_detect_anomaly


def test_hook_sees_the_complete_gradient_and_can_replace_it():
    x = Value(2.0)
    h = x * 3
    seen = []
    h.register_hook(lambda g: seen.append(g))
    y = h * h + h
    y.backward()
    assert seen == [2 * 6.0 + 1]
    clip = h.register_hook(lambda g: 1.0)
    y.backward()
    assert x.grad == 3 * 13.0 + 3 * 1.0
    clip.remove()
    clip.remove()


def test_leaf_hook_sees_this_pass_only_and_accumulation_continues():
    x = Value(2.0)
    seen = []
    x.register_hook(seen.append)
    y = x * x
    y.backward()
    y.backward()
    assert seen == [4.0, 4.0] and x.grad == 8.0


def test_leaf_hook_replacement_is_what_accumulates():
    x = Value(2.0)
    x.register_hook(lambda g: g / 2)
    (x * x).backward()
    assert x.grad == 2.0


def test_hook_must_be_callable_and_return_a_number():
    x = Value(1.0)
    with pytest.raises(TypeError, match="hook must be"):
        x.register_hook(3)
    y = x * 2
    y.register_hook(lambda g: "big")
    with pytest.raises(TypeError, match="hook returned"):
        y.backward()


def test_anomaly_names_node_op_operands_and_source_line():
    with detect_anomaly():
        a = Value(math.inf, label="a")
        b = Value(0.0, label="b")
        with pytest.raises(AnomalyError) as caught:
            a * b  # the line the error must point at
    message = str(caught.value)
    assert "mul" in message and "a = inf" in message and "b = 0.0" in message
    assert "test_hooks_anomaly.py" in message and "test_anomaly_names_node_op_operands_and_source_line" in message
    assert caught.value.node.op == "mul"


def test_anomaly_in_backward():
    x = Value(0.0, label="x")
    y = x.sqrt()  # forward is fine, the derivative at 0 is infinite
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="backward pass"):
            y.backward()


def test_anomaly_off_costs_nothing_and_records_nothing():
    set_detect_anomaly(False)
    v = Value(1.0) * 2
    assert v.origin is None
    with pytest.raises(TypeError):
        set_detect_anomaly("yes")


def test_anomaly_error_lists_the_path_to_the_node():
    with detect_anomaly():
        x = Value(1e308, label="x")
        h = x + 1.0
        with pytest.raises(AnomalyError) as caught:
            h * 1e10
    path = caught.value.path()
    assert path[-1] is caught.value.node and x in path


def test_anomaly_mode_checks_the_contribution_backward_adds():
    # log's local derivative at a subnormal x is inf, but the upstream 0 / x it passes back is 0.
    x = Value(1e-310)
    with detect_anomaly():
        (x.log() * 0.0).backward()
        (x.log() * 0.0).backward_steps().run()
        with pytest.raises(AnomalyError, match="log"):
            x.log().backward()  # 1 / 1e-310 overflows
    assert x.grad == 0.0
