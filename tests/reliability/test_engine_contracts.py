"""The engine's promises under hostile use: exact accumulation, checked orders, hooks everywhere, labels, freed graphs.

Each case states what must hold; a failure here is a silent wrong answer in gradwalk.
"""

import gc
import math
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, backward, grad, topological_order
from tests.autograd.programs import programs, run_values
from tests.reliability import tally
from tests.reliability.helpers import refuses

CATEGORY = "engine contracts"
FINITE = st.floats(-2.0, 2.0, allow_nan=False)


# -- two passes are exactly twice one --------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(programs(leaf=FINITE))
def test_two_backward_passes_give_every_leaf_exactly_twice_one_pass_bit_for_bit(program):
    leaves, nodes = run_values(*program)
    root = nodes[-1]
    backward(root)
    once = [leaf.grad for leaf in leaves]
    backward(root)
    assert [leaf.grad for leaf in leaves] == [2 * g for g in once] or any(math.isnan(g) for g in once)
    tally.record(CATEGORY, "backward twice = exactly 2x one pass (random graphs)")


@settings(max_examples=60, deadline=None)
@given(programs(leaf=FINITE))
def test_the_stepper_run_twice_matches_backward_twice_bit_for_bit(program):
    leaves, nodes = run_values(*program)
    backward(nodes[-1])
    backward(nodes[-1])
    expected = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    nodes[-1].backward_steps().run()
    nodes[-1].backward_steps().run()
    assert [repr(leaf.grad) for leaf in leaves] == [repr(g) for g in expected]
    tally.record(CATEGORY, "stepper twice == backward twice (random graphs)")


def test_the_examples_that_drifted_are_exact_now():
    x, w = Value(1.5), Value(0.7)
    h = x * w + x.tanh() * x
    y = h * h + w
    y.backward()
    once = x.grad
    y.backward()
    assert x.grad == 2 * once
    z = Value(1.0)
    s = 0.1 * z + 0.1 * z + 0.1 * z
    s.backward()
    s.backward()
    assert z.grad == 2 * 0.30000000000000004


def test_the_last_step_shows_the_accumulation_when_a_leaf_held_an_earlier_grad():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    y.backward()
    steps = y.backward_steps()
    last = steps.run().history()[-1]
    assert [(a.name, a.earlier, a.this_pass, a.total) for a in last.accumulated] == [("x", 6.0, 6.0, 12.0)]
    assert "x.grad = 6 (earlier passes) + 6 (this pass) = 12" in str(last)
    steps.back()
    assert x.grad == 6.0  # back() takes the accumulation back too: this pass's share only
    steps.reset()
    assert x.grad == 6.0


# -- backward(order=...) ------------------------------------------------------------------------


def _cube():
    x = Value(2.0)
    return x, x * x * x


@pytest.mark.parametrize("mangle, word", [
    (lambda order: order[:1] + order, "twice"),                   # a repeated node: x.grad would be 12 + 12
    (lambda order: order[1:], "operand"),                         # x missing: x.grad would stay 0
    (lambda order: [order[1], order[0]] + order[2:], "operand"),  # an operand after its user
    (lambda order: [Value(5.0)] + order, "does not depend"),      # a stranger
])
def test_backward_refuses_an_order_that_is_not_a_topological_order_of_root(mangle, word):
    x, y = _cube()
    bad = mangle(topological_order(y))
    refuses(lambda: backward(y, order=bad), ValueError, word)
    assert x.grad == 0.0
    backward(y, order=topological_order(y))
    assert x.grad == 12.0
    tally.record(CATEGORY, "backward(order=) refuses non-topological orders")


# -- the stepper's run() checks stale values as step() does --------------------------------------


def test_run_refuses_a_graph_whose_values_no_longer_follow_from_their_operands():
    x = Value(2.0, label="x")
    y = x * x * x
    y.label = "y"
    x.data = 3.0  # edited before the stepper was made: y is stale
    steps = y.backward_steps()
    refuses(steps.run, RuntimeError, "edited")
    assert x.grad == 0.0 and steps.position == 0
    tally.record(CATEGORY, "stepper.run() refuses stale values")


# -- grad() runs hooks as backward() does -------------------------------------------------------


def test_grad_runs_hooks_as_backward_does():
    def build():
        x, w = Value(2.0), Value(3.0)
        h = x * w
        h.register_hook(lambda g: g * 10)  # replaces h's gradient
        w.register_hook(lambda g: 0.0)  # freezes w
        return x, w, h * h

    x, w, y = build()
    y.backward()
    expected = (x.grad, w.grad)
    x, w, y = build()
    got = tuple(g.data for g in grad(y, [x, w]))
    assert got == expected == (2 * 6.0 * 10 * 3.0, 0.0)
    tally.record(CATEGORY, "grad() runs hooks as backward() does")


# -- hooks do not keep graphs alive -------------------------------------------------------------


def test_a_hook_that_refers_to_its_own_node_does_not_keep_the_graph_alive():
    x = Value(2.0)
    y = x * x
    y.register_hook(lambda g: g + y.data)  # the closure refers to y itself
    alive = weakref.ref(x)
    del x, y
    gc.collect()
    assert alive() is None
    tally.record(CATEGORY, "self-referring hook: graph freed")


def test_a_hook_handle_neither_keeps_its_node_alive_nor_fails_after_it_is_gone():
    x = Value(2.0)
    handle = x.register_hook(lambda g: g)
    alive = weakref.ref(x)
    del x
    gc.collect()
    assert alive() is None
    handle.remove()


# -- labels are checked when assigned -----------------------------------------------------------


@pytest.mark.parametrize("label, error, word", [(5, TypeError, "label"), (None, TypeError, "label"),
                                                 ("\ud800", ValueError, "surrogate")])
def test_labels_are_checked_on_assignment_as_in_the_constructor(label, error, word):
    y = Value(1.0) * 2
    refuses(lambda: setattr(y, "label", label), error, word)
    refuses(lambda: Value(1.0, label=label), error, word)
    assert y.label == ""
    y.label = "ünïcode ✓"
    assert y.backward_steps().names[y] == "ünïcode ✓"
    tally.record(CATEGORY, "labels checked on assignment")
