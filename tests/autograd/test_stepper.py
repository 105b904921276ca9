"""The backprop stepper: same grads as backward(), exact undo, explanations for every op, misuse."""

import functools
import operator
import pathlib
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import (
    OPS, TABLE, AnomalyError, BackpropStepper, Value, backward, detect_anomaly, forward_trace, local_gradients,
    node_names, topological_order,
)
from autograd.value import apply
from tests.autograd.cases import SMOOTH_POINTS
from tests.autograd.programs import programs, run_values

REPO = pathlib.Path(__file__).resolve().parents[2]


def bits(numbers):
    """Floats as exact text (float.hex): equal only when identical, NaN included, -0.0 != 0.0."""
    return [float.hex(float(n)) for n in numbers]


def program_graph(program, root_is_sum, initial_grads):
    """Build a random program's graph; root is its last node or the sum of all; grads preset."""
    _, nodes = run_values(*program)
    root = functools.reduce(operator.add, nodes) if root_is_sum else nodes[-1]
    order = topological_order(root)
    for node, grad in zip(order, initial_grads * len(order)):
        node.grad = grad
    return root, order


graph_cases = st.tuples(programs(), st.booleans(), st.lists(st.floats(-3, 3), min_size=1, max_size=5))


@settings(max_examples=200, deadline=None)
@given(graph_cases)
def test_running_to_the_end_gives_exactly_backwards_grads(case):
    expected_root, expected_order = program_graph(*case)
    root, order = program_graph(*case)
    backward(expected_root)
    BackpropStepper(root).run()
    assert bits(n.grad for n in order) == bits(n.grad for n in expected_order)


@settings(max_examples=100, deadline=None)
@given(graph_cases, st.data())
def test_step_by_step_equals_run_and_back_restores_every_position_exactly(case, data):
    root, order = program_graph(*case)
    stepper = root.backward_steps()
    states = [bits(n.grad for n in order)]
    for step in stepper:
        states.append(bits(n.grad for n in order))
    assert stepper.done and stepper.position == len(stepper) == len(states) - 1

    reference_root, reference_order = program_graph(*case)
    backward(reference_root)
    assert states[-1] == bits(n.grad for n in reference_order)

    back_to = data.draw(st.integers(0, len(stepper)))
    while stepper.position > back_to:
        stepper.back()
        assert bits(n.grad for n in order) == states[stepper.position]
    stepper.run()
    assert bits(n.grad for n in order) == states[-1]
    stepper.reset()
    assert bits(n.grad for n in order) == states[0] and stepper.position == 0


def test_steps_visit_non_leaves_in_backwards_order_and_record_its_numbers():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    n = x * w + b
    y = n.tanh()
    steps = list(y.backward_steps())
    expected_nodes = [node for node in reversed(topological_order(y)) if node.op]
    assert [s.node for s in steps] == expected_nodes
    for s in steps:
        assert s.upstream == s.node.grad
        assert tuple(e.local for e in s.edges) == local_gradients(s.node)
        for e in s.edges:
            assert e.contribution == s.upstream * e.local
            assert e.grad_after == e.grad_before + e.contribution


# -- explanations ---------------------------------------------------------------------
def _plain(text):
    """Text without parentheses, so '1 - (-0.5)^2' and '1 - -0.5^2' compare equal."""
    return text.replace("(", "").replace(")", "")


def _number(number):
    return f"{number:.4g}"


@pytest.mark.parametrize("op", TABLE, ids=lambda op: op.name)
def test_explanation_shows_each_ops_formula_and_numbers(op):
    points = SMOOTH_POINTS.get(op.name)
    assert points, f"add test points for {op.name!r} to tests/autograd/cases.py"
    for x, y, k in points:
        operands = [Value(x, label="a"), Value(y, label="b")][: op.arity]
        out = apply(op, *operands, k=k)
        out.label = "out"
        root = out * Value(-0.5, label="c")
        root.label = "r"
        stepper = root.backward_steps()
        stepper.step()
        step = stepper.step()
        text = str(step)
        assert step.node is out and step.op == op.name
        assert text.startswith("Step 2/2  out = ")
        assert _plain(op.expr.format(x="a", y="b", k=f"{k:g}")) in _plain(text.splitlines()[0])
        assert "upstream dr/dout = -0.5" in text
        names = dict(x="a", y="b", k=f"{k:g}", out="out")
        numbers = dict(x=_number(x), y=_number(y), k=f"{k:g}", out=_number(out.data))
        locals_ = local_gradients(out)
        lines = text.splitlines()
        for j, edge in enumerate(step.edges):
            local_line, grad_line = lines[1 + 2 * j], lines[2 + 2 * j]
            assert edge.local == locals_[j]
            assert _plain(op.rules[j].format(**names)) in _plain(local_line)
            assert _plain(op.numerics[j].format(**numbers)) in _plain(local_line)
            assert local_line.endswith(f"= {_number(locals_[j])}")
            assert grad_line.strip().startswith(f"{'ab'[j]}.grad += (-0.5) * ")
            assert grad_line.endswith(f"= {_number(edge.grad_after)}")


def test_the_issue_example_reads_as_promised():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    n = x * w + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    assert str(next(y.backward_steps())).splitlines() == [
        "Step 1/3  y = tanh(n) = -0.9999   upstream dy/dy = 1",
        "  local  d tanh(n)/dn = 1 - tanh(n)^2 = 1 - (-0.9999)^2 = 0.0001816",
        "  n.grad += 1 * 0.0001816  ->  0 + 0.0001816 = 0.0001816",
    ]


def test_negative_numbers_are_parenthesised_inside_formulas_only():
    a, b = Value(-1.5, label="a"), Value(-2.0, label="b")
    stepper = (a / b).backward_steps()
    stepper.step()
    stepper.back()
    text = str(stepper.step())
    assert "d(a / b)/da = 1 / b = 1 / (-2) = -0.5" in text
    assert "d(a / b)/db = -a / b^2 = -(-1.5) / (-2)^2 = 0.375" in text
    assert "a.grad += 1 * (-0.5)  ->  0 + (-0.5) = -0.5" in text


@pytest.mark.parametrize("upstream", [0.0, 1e-10, -3.0])
def test_a_quotient_derivative_divides_the_upstream_gradient_as_backward_does(upstream):
    def graph():
        x, y = Value(1e-310, label="x"), Value(2.0, label="y")
        return x, y, x.log() * upstream + y / x

    x, y, root = graph()
    stepper = root.backward_steps().run()
    x_again, y_again, root_again = graph()
    backward(root_again)
    assert bits([x.grad, y.grad]) == bits([x_again.grad, y_again.grad])
    for step in stepper.history():
        for edge in step.edges:
            assert edge.grad_after == edge.grad_before + edge.contribution
            if edge.divisor is not None:  # 1 / x is inf here; upstream / x is what was added
                assert bits([edge.contribution]) == bits([step.upstream / edge.divisor])


def test_the_explanation_shows_the_division_when_the_product_overflows():
    x = Value(1e-310, label="x")
    y = x.log()
    y.label = "y"
    (step,) = (y * 1e-10).backward_steps().run().history()[1:]
    assert "x.grad += 1e-10 * inf (as 1e-10 / 1e-310)  ->  0 + 1e+300 = 1e+300" in str(step)
    a, b = Value(-1.5, label="a"), Value(-2.0, label="b")
    assert "(as" not in str((a / b).backward_steps().step())  # where the product is the contribution


def test_repeated_operands_are_two_edges_told_apart():
    a = Value(3.0, label="a")
    step = (a + a).backward_steps().step()
    assert [e.parent for e in step.edges] == [a, a]
    assert step.edges[1].grad_before == step.edges[0].grad_after == 1.0
    assert "(first operand)" in str(step) and "(second operand)" in str(step)


def test_unlabelled_nodes_get_the_names_node_names_gives():
    x = Value(1.0)
    y = (x * 2).exp()
    stepper = y.backward_steps().run()
    names = node_names(topological_order(y))
    assert [s.name for s in stepper.history()] == [names[y], names[y.parents[0]]]
    assert stepper.names == names


def test_repr_explains_summary_is_one_line_and_html_escapes_labels():
    a = Value(2.0, label="<b>a</b>")
    step = (a * a).backward_steps().step()
    assert repr(step) == str(step)  # what the REPL shows for next(steps)
    assert "\n" not in step.summary() and step.summary().startswith("<Step 1/1 ")
    page = step._repr_html_()
    assert "<b>a</b>" not in page and "&lt;b&gt;a&lt;/b&gt;" in page


# -- the trace as data --------------------------------------------------------------
def test_history_records_and_table_describe_the_steps_taken():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w).relu()
    y.label = "y"
    stepper = y.backward_steps()
    assert "no steps taken yet" in stepper.table()
    taken = list(stepper)
    assert stepper.history() == taken
    records = stepper.to_records()
    assert [(r["step"], r["node"], r["parent"]) for r in records] == [(1, "y", "v1"), (2, "v1", "x"), (2, "v1", "w")]
    assert records[1]["node_id"] == y.parents[0].id and records[1]["parent_id"] == x.id
    assert records[2]["grad_after"] == w.grad and records[2]["rule"] == "x"
    table = stepper.table().splitlines()
    assert table[0].split() == ["step", "node", "op", "upstream", "parent", "local", "contribution", "grad", "after"]
    assert len(table) == 1 + len(records)


def test_forward_trace_lists_nodes_in_creation_order_with_values():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w).tanh()
    trace = forward_trace(y)
    assert [row.node for row in trace] == [x, w, y.parents[0], y]
    assert str(trace).splitlines() == ["x = 2  (leaf)", "w = -3  (leaf)", "v1 = x * w = -6", "v2 = tanh(v1) = -1"]
    assert trace.to_records()[2] == dict(node_id=y.parents[0].id, node="v1", op="mul", expression="x * w", value=-6.0)


# -- controls -------------------------------------------------------------------------
def test_iterator_protocol_and_the_end():
    x = Value(2.0)
    y = x * x + 1
    stepper = y.backward_steps()
    assert iter(stepper) is stepper and len(stepper) == 2 and stepper.position == 0
    first = next(stepper)
    assert first.number == 1 and [s.number for s in stepper] == [2]
    assert stepper.done
    with pytest.raises(StopIteration):
        next(stepper)
    assert stepper.step() is None and stepper.position == 2
    assert stepper.run() is stepper
    assert repr(stepper) == "<BackpropStepper for v4: 2/2 steps, done>"


def test_nothing_changes_until_the_first_step_and_reset_restores_the_start():
    x = Value(2.0, label="x")
    h = x * 3
    y = h.tanh()
    x.grad, h.grad, y.grad = 0.25, 7.0, -1.0  # leftovers: a leaf's accumulation, stale inner grads
    stepper = y.backward_steps()
    assert (x.grad, h.grad, y.grad) == (0.25, 7.0, -1.0)
    stepper.run()
    assert h.grad != 7.0
    stepper.reset()
    assert (x.grad, h.grad, y.grad) == (0.25, 7.0, -1.0) and stepper.position == 0
    assert stepper.back() is None and (x.grad, h.grad, y.grad) == (0.25, 7.0, -1.0)


def test_back_returns_the_step_it_undid_and_says_so():
    x = Value(2.0, label="x")
    y = x * x
    y.label = "y"
    stepper = y.backward_steps()
    taken = stepper.step()
    undone = stepper.back()
    assert undone.step == taken and x.grad == 0.0
    # a + a restores its one parent once: from before the first edge to after the second
    assert repr(undone) == "Undid step 1/1  y = x * x: x.grad back to 0 (was 4)"


def test_a_graph_already_stale_when_the_stepper_is_made_is_refused_at_its_step():
    x = Value(2.0, label="x")
    y = x * x * x  # 8
    y.label = "y"
    x.data = 3.0  # y still holds 8, but v1 * x is now 4 * 3
    stepper = y.backward_steps()
    with pytest.raises(RuntimeError, match=r"y = v1 \* x holds 8\.0, but v1 \* x of its operands' current data is "
                                           r"12\.0.*backward_steps"):
        stepper.step()
    assert stepper.position == 0 and x.grad == 0.0


def test_nan_and_ieee_results_are_not_mistaken_for_stale_values():
    x = Value(float("nan"), label="x")
    y = (x * 2.0 + Value(1000.0).exp()).tanh()  # NaN, and exp's overflow to inf (computed through numpy)
    assert [step.number for step in y.backward_steps()] == [1, 2, 3, 4]


def test_a_formula_label_reads_as_one_name_in_grad_lines():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    product = x1 * w1
    product.label = "x1*w1 + b"
    out = product.tanh()
    out.label = "o"
    stepper = out.backward_steps()
    assert "  (x1*w1 + b).grad += 1 * " in str(stepper.step())
    same = x1 * w1
    same.label = "x1 * w1"  # the label is the formula: said once
    assert str(same.backward_steps().step()).startswith("Step 1/1  x1 * w1 = -6   upstream")


def test_a_leaf_root_has_no_steps_but_is_seeded_like_backward():
    x = Value(5.0)
    stepper = BackpropStepper(x, grad=2.0)
    assert len(stepper) == 0 and stepper.step() is None and x.grad == 2.0
    stepper.reset()
    assert x.grad == 0.0


def test_upstream_grad_argument_matches_backward():
    x, y = Value(1.5), Value(1.5)
    backward(x.sin() * 3, grad=0.5)
    BackpropStepper(y.sin() * 3, grad=0.5).run()
    assert x.grad == y.grad


def _hooked_graph():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    h = x * w
    h.label = "h"
    y = h.tanh() + h
    seen = []
    h.register_hook(lambda g: seen.append(g) or 2 * g + 1)
    x.register_hook(lambda g: -g)
    x.grad = 0.75  # from an earlier pass: x's hook sees only this pass's share
    return y, [x, w, h, y], seen


def test_gradient_hooks_run_as_in_backward_and_are_undone():
    expected_root, expected_nodes, expected_seen = _hooked_graph()
    backward(expected_root)
    root, nodes, seen = _hooked_graph()
    stepper = root.backward_steps()
    start = bits(n.grad for n in nodes)
    taken = list(stepper)
    assert bits(n.grad for n in nodes) == bits(n.grad for n in expected_nodes) and seen == expected_seen
    hooked = next(step for step in taken if step.name == "h")
    assert hooked.upstream_before_hooks == seen[0] and hooked.upstream == 2 * seen[0] + 1
    assert f"(hooks replaced {seen[0]:.4g})" in str(hooked)
    end = bits(n.grad for n in nodes)
    while stepper.position:
        stepper.back()
    assert bits(n.grad for n in nodes) == start
    stepper.run()
    assert bits(n.grad for n in nodes) == end


# -- misuse ---------------------------------------------------------------------------
def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="root must be a Value"):
        BackpropStepper(3.0)
    with pytest.raises(TypeError, match="grad must be a real number"):
        BackpropStepper(Value(1.0), grad="1")


def test_data_edited_in_place_stops_stepping_with_a_clear_error():
    x = Value(2.0, label="x")
    y = (x * x).exp()
    stepper = y.backward_steps()
    stepper.step()
    x.data = 5.0
    with pytest.raises(RuntimeError, match=r"x\.data is now 5\.0, was 2\.0.*new stepper"):
        stepper.step()
    assert stepper.position == 1
    with pytest.raises(RuntimeError, match="x.data"):
        stepper.run()
    stepper.reset()
    assert x.grad == 0.0


def test_edits_before_the_first_step_are_caught_by_it():
    x = Value(2.0, label="x")
    y = x.exp()
    stepper = y.backward_steps()
    y.data = 1.0
    with pytest.raises(RuntimeError, match="the graph changed"):
        next(stepper)
    assert y.grad == 0.0


def test_replaced_operands_and_constants_are_changes_too():
    x = Value(2.0, label="x")
    h = x ** 2
    h.label = "h"
    stepper = h.backward_steps()
    h.k = 3.0
    with pytest.raises(RuntimeError, match="constant k of h"):
        stepper.step()
    h.k = 2.0
    h._a = Value(2.0)  # a structural edit no public API offers, but the stepper still notices
    with pytest.raises(RuntimeError, match="operands of h were replaced"):
        stepper.step()


def test_a_changed_op_is_a_change_too():
    x = Value(2.0, label="x")
    h = x ** 2
    h.label = "h"
    stepper = h.backward_steps()
    pow_op, h._entry = h._entry, OPS["exp"]
    with pytest.raises(RuntimeError, match="h is now made by exp, was made by pow"):
        stepper.step()
    h._entry = pow_op
    assert stepper.run().done and x.grad == 4.0


def test_new_nodes_built_on_top_do_not_matter():
    x = Value(2.0)
    y = x * x
    stepper = y.backward_steps()
    stepper.step()
    z = y.exp() + x  # noqa: F841
    assert stepper.run().done and x.grad == 4.0


def test_anomaly_mode_stops_a_step_before_it_changes_anything():
    x = Value(0.0, label="x")
    with detect_anomaly():
        y = x.sqrt()
        stepper = y.backward_steps()
        with pytest.raises(AnomalyError):
            stepper.step()
    assert stepper.position == 0 and x.grad == 0.0
    stepper.reset()
    assert y.grad == 0.0


# -- a real interactive session ---------------------------------------------------------
def test_stepping_in_a_real_repl():
    session = textwrap.dedent("""\
        from autograd import Value
        x = Value(2.0, label="x"); w = Value(-3.0, label="w"); b = Value(1.0, label="b")
        n = x * w + b; n.label = "n"
        y = n.tanh(); y.label = "y"
        steps = y.backward_steps()
        next(steps)
        steps.step().summary()
        steps.run()
        next(steps)
        round(x.grad, 6), round(w.grad, 6)
    """)
    done = subprocess.run([sys.executable, "-i", "-q"], input=session, capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    out = done.stdout
    assert "Step 1/3  y = tanh(n) = -0.9999   upstream dy/dy = 1" in out
    assert "local  d tanh(n)/dn = 1 - tanh(n)^2 = 1 - (-0.9999)^2 = 0.0001816" in out
    assert "'<Step 2/3 n = v1 + b: v1.grad += 0.0001816 -> 0.0001816; b.grad += 0.0001816 -> 0.0001816>'" in out
    assert "<BackpropStepper for y: 3/3 steps, done>" in out
    assert "StopIteration" in done.stderr
    assert "(-0.000545, 0.000363)" in out
