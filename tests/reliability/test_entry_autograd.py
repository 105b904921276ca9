"""Every public entry point of autograd fed wrong types, shapes, empty and absurd input.

Each case must raise a clear exception (TypeError, ValueError, ...) from gradwalk's
own code whose message names the argument (or the op), never a crash from inside
numpy or numba, never a silently wrong result.
"""

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from autograd import (BackpropStepper, Value, backward, compile, forward_trace, grad, gradcheck,
                      local_gradients, name_scope, node_names, set_detect_anomaly, topological_order, zero_grad)
from tests.reliability import tally
from tests.reliability.helpers import refuses

CATEGORY = "bad input: autograd"


def case(id, call, errors, *words, marks=()):
    return pytest.param(call, errors, words, id=id, marks=marks)


def graph():
    x, w = Value(0.0, label="x"), Value(3.0, label="w")
    return x, w, w * x + 1


def tape_after_forward(outputs=1):
    x, w, y = graph()
    tape = compile([y, y * 2][:outputs], inputs=[x], params=[w])
    tape.forward([[1.0], [2.0]])
    return tape


VALUE_CASES = [
    case("Value(str)", lambda: Value("1.5"), TypeError, "data"),
    case("Value(None)", lambda: Value(None), TypeError, "data"),
    case("Value(list)", lambda: Value([1.0]), TypeError, "data"),
    case("Value(complex)", lambda: Value(1 + 2j), TypeError, "data"),
    case("Value(bool)", lambda: Value(True), TypeError, "data"),
    case("Value(Decimal)", lambda: Value(Decimal("1.5")), TypeError, "data"),
    case("Value(ndarray)", lambda: Value(np.array([1.0, 2.0])), TypeError, "data"),
    case("Value(Value)", lambda: Value(Value(1.0)), TypeError, "data"),
    case("Value(10**400)", lambda: Value(10 ** 400), (OverflowError, ValueError), "data"),
    case("Value(-10**400)", lambda: Value(-10 ** 400), (OverflowError, ValueError), "data"),
    case("add 10**400", lambda: Value(1.0) + 10 ** 400, (OverflowError, ValueError), "add"),
    case("pow 10**400", lambda: Value(1.0) ** 10 ** 400, (OverflowError, ValueError), "pow"),
    case("leaky_relu slope 10**400", lambda: Value(1.0).leaky_relu(10 ** 400), (OverflowError, ValueError), "slope"),
    case("label int", lambda: Value(1.0, label=3), TypeError, "label"),
    case("add str", lambda: Value(1.0) + "a", TypeError, "add"),
    case("radd str", lambda: "a" + Value(1.0), TypeError, "add"),
    case("sub None", lambda: Value(1.0) - None, TypeError, "sub"),
    case("mul list", lambda: Value(1.0) * [2.0], TypeError, "mul"),
    case("div complex", lambda: Value(1.0) / 1j, TypeError, "div"),
    case("rpow str", lambda: "a" ** Value(2.0), TypeError, "vpow"),
    case("leaky_relu slope str", lambda: Value(1.0).leaky_relu("a"), TypeError, "slope"),
    case("leaky_relu slope None", lambda: Value(1.0).leaky_relu(None), TypeError, "slope"),
    case("log(0)", lambda: Value(0.0).log(), ValueError, "log"),
    case("log(-inf)", lambda: Value(-math.inf).log(), ValueError, "log"),
    case("sqrt(-1e-300)", lambda: Value(-1e-300).sqrt(), ValueError, "sqrt"),
    case("1/0", lambda: Value(1.0) / 0, ZeroDivisionError, "div"),
    case("nan/0", lambda: Value(math.nan) / 0.0, ZeroDivisionError, "div"),
    case("0**-1", lambda: Value(0.0) ** -1, ZeroDivisionError, "pow"),
    case("-0.0**-2", lambda: Value(-0.0) ** -2, ZeroDivisionError, "pow"),
    case("(-2)**0.5", lambda: Value(-2.0) ** 0.5, ValueError, "pow"),
    case("0**Value(-2)", lambda: Value(0.0) ** Value(-2.0), ZeroDivisionError, "vpow"),
    case("(-8)**Value(1/3)", lambda: Value(-8.0) ** Value(1 / 3), ValueError, "vpow"),
    case("sin(inf)", lambda: Value(math.inf).sin(), ValueError, "sin"),
    case("cos(-inf)", lambda: Value(-math.inf).cos(), ValueError, "cos"),
    case("backward grad str", lambda: Value(1.0).backward("a"), TypeError, "grad"),
    case("backward grad None", lambda: Value(1.0).backward(None), TypeError, "grad"),
    case("register_hook int", lambda: Value(1.0).register_hook(3), TypeError, "hook"),
]

GRAPH_CASES = [
    case("backward(int)", lambda: backward(3), TypeError, "root"),
    case("backward(list)", lambda: backward([Value(1.0)]), TypeError, "root"),
    case("backward grad complex", lambda: backward(Value(1.0) * 2, 1j), TypeError, "grad"),
    case("backward order str", lambda: backward(Value(1.0) * 2, order="abc"), TypeError, "order"),
    case("backward order numbers", lambda: backward(Value(1.0) * 2, order=[1.0, 2.0]), TypeError, "order[0]"),
    case("backward order int", lambda: backward(Value(1.0) * 2, order=3), TypeError, "order"),
    case("backward order of another root", lambda: backward(Value(1.0) * 2, order=[Value(1.0)]), ValueError, "order"),
    case("topological_order(None)", lambda: topological_order(None), TypeError, "root"),
    case("zero_grad(str)", lambda: zero_grad("x"), TypeError, "root"),
    case("local_gradients(int)", lambda: local_gradients(3), TypeError, "node"),
    case("node_names(int)", lambda: node_names(3), TypeError, "nodes"),
    case("node_names([int])", lambda: node_names([3]), TypeError, "nodes[0]"),
    case("node_names(Value)", lambda: node_names(Value(1.0)), TypeError, "nodes"),
    case("local_gradients(str)", lambda: local_gradients("x"), TypeError, "node"),
    case("forward_trace(str)", lambda: forward_trace("x"), TypeError, "root"),
    case("name_scope(int)", lambda: name_scope(3).__enter__(), TypeError, "name"),
    case("set_detect_anomaly(int)", lambda: set_detect_anomaly(1), TypeError, "enabled"),
    case("stepper(int)", lambda: BackpropStepper(3), TypeError, "root"),
    case("stepper grad str", lambda: BackpropStepper(Value(1.0) * 2, grad="a"), TypeError, "grad"),
]

GRADCHECK_CASES = [
    case("f not callable", lambda: gradcheck(3, [1.0]), TypeError, "f"),
    case("inputs empty", lambda: gradcheck(lambda x: x, []), ValueError, "inputs"),
    case("inputs int", lambda: gradcheck(lambda x: x, 3), TypeError, "inputs"),
    case("inputs str entries", lambda: gradcheck(lambda x: x, ["a"]), TypeError, "inputs"),
    case("f returns float", lambda: gradcheck(lambda x: 1.0, [1.0]), TypeError, "f must return"),
    case("eps 0", lambda: gradcheck(lambda x: x * x, [1.0], eps=0), ValueError, "eps"),
    case("eps -1", lambda: gradcheck(lambda x: x * x, [1.0], eps=-1e-6), ValueError, "eps"),
    case("eps nan", lambda: gradcheck(lambda x: x * x, [1.0], eps=math.nan), ValueError, "eps"),
    case("eps str", lambda: gradcheck(lambda x: x * x, [1.0], eps="a"), TypeError, "eps"),
    case("eps inf", lambda: gradcheck(lambda x: x * x, [1.0], eps=math.inf), ValueError, "eps"),
    case("atol nan", lambda: gradcheck(lambda x: x * x, [1.0], atol=math.nan), ValueError, "atol"),
    case("atol -1", lambda: gradcheck(lambda x: x * x, [1.0], atol=-1.0), ValueError, "atol"),
    case("rtol nan", lambda: gradcheck(lambda x: x * x, [1.0], rtol=math.nan), ValueError, "rtol"),
    case("rtol -1", lambda: gradcheck(lambda x: x * x, [1.0], rtol=-1.0), ValueError, "rtol"),
    case("atol inf", lambda: gradcheck(lambda x: x * x, [1.0], atol=math.inf), ValueError, "atol"),
    case("atol str", lambda: gradcheck(lambda x: x * x, [1.0], atol="a"), TypeError, "atol"),
    case("input inf", lambda: gradcheck(lambda x, y: x * y, [1.0, -math.inf]), ValueError, "inputs[1]"),
    case("input nan", lambda: gradcheck(lambda x: x * x, [math.nan]), ValueError, "inputs"),
]

GRAD_CASES = [
    case("output int", lambda: grad(3, []), TypeError, "output"),
    case("inputs a Value", lambda: grad(Value(1.0) * 2, Value(1.0)), TypeError, "inputs"),
    case("inputs entries int", lambda: grad(Value(1.0) * 2, [3]), TypeError, "inputs[0]"),
    case("inputs None", lambda: grad(Value(1.0) * 2, None), TypeError, "inputs"),
    case("inputs int", lambda: grad(Value(1.0) * 2, 5), TypeError, "inputs"),
    case("grad_output str", lambda: grad(Value(1.0) * 2, [], grad_output="a"), TypeError, "grad_output"),
    case("grad_output None", lambda: grad(Value(1.0) * 2, [], grad_output=None), TypeError, "grad_output"),
    case("inputs str", lambda: grad(Value(1.0) * 2, "x"), TypeError, "inputs"),
    case("create_graph str", lambda: grad(Value(1.0) * 2, [], create_graph="yes"), TypeError, "create_graph"),
]


COMPILE_CASES = [
    case("outputs int", lambda: compile(3, inputs=[]), TypeError, "outputs"),
    case("outputs str", lambda: compile("y", inputs=[]), TypeError, "outputs"),
    case("outputs empty", lambda: compile([], inputs=[]), TypeError, "outputs"),
    case("outputs with a float", lambda: compile([graph()[2], 1.0], inputs=[]), TypeError, "outputs"),
    case("inputs None", lambda: compile(graph()[2], inputs=None), TypeError, "inputs"),
    case("inputs a Value", lambda: compile(graph()[2], inputs=graph()[0]), TypeError, "inputs"),
    case("inputs entries int", lambda: compile(graph()[2], inputs=[3]), TypeError, "inputs[0]"),
    case("inputs non-leaf", lambda: (lambda x, w, y: compile(y, inputs=[w * x]))(*graph()), ValueError, "inputs[0]"),
    case("inputs repeated", lambda: (lambda x, w, y: compile(y, inputs=[x, x]))(*graph()), ValueError, "inputs"),
    case("params int", lambda: (lambda x, w, y: compile(y, inputs=[x], params=5))(*graph()), TypeError, "params"),
    case("leaf in both", lambda: (lambda x, w, y: compile(y, inputs=[x], params=[x]))(*graph()), ValueError,
         "both"),
    case("fuse str", lambda: (lambda x, w, y: compile(y, inputs=[x], fuse="no"))(*graph()), TypeError, "fuse"),
    case("input_grads str", lambda: (lambda x, w, y: compile(y, inputs=[x], input_grads="no"))(*graph()),
         TypeError, "input_grads"),
]

TAPE_CASES = [
    case("forward X None", lambda: tape_after_forward().forward(None), (TypeError, ValueError), "X"),
    case("forward X [[None]]", lambda: tape_after_forward().forward([[1.0], [None]]), TypeError, "X"),
    case("forward X object None", lambda: tape_after_forward().forward(np.array([[None]], dtype=object)), TypeError,
         "X"),
    case("forward X object str", lambda: tape_after_forward().forward(np.array([["1"]], dtype=object)), TypeError,
         "X"),
    case("forward X str", lambda: tape_after_forward().forward("abc"), TypeError, "X"),
    case("forward X ragged", lambda: tape_after_forward().forward([[1.0], [1.0, 2.0]]), TypeError, "X"),
    case("forward X complex", lambda: tape_after_forward().forward([[1 + 2j]]), TypeError, "X"),
    case("forward X wrong columns", lambda: tape_after_forward().forward([[1.0, 2.0]]), ValueError, "X"),
    case("forward X no rows", lambda: tape_after_forward().forward(np.zeros((0, 1))), ValueError, "X"),
    case("forward X 3-D", lambda: tape_after_forward().forward(np.zeros((2, 1, 1))), ValueError, "X"),
    case("forward params list", lambda: tape_after_forward().forward([[1.0]], params=[1.0]), ValueError, "params"),
    case("forward params shape", lambda: tape_after_forward().forward([[1.0]], params=np.zeros(3)), ValueError,
         "params"),
    case("forward params int dtype", lambda: tape_after_forward().forward([[1.0]], params=np.zeros(1, int)),
         ValueError, "params"),
    case("backward first", lambda: compile(graph()[2], inputs=[graph()[0]]).backward(), RuntimeError, "forward"),
    case("backward output 5", lambda: tape_after_forward().backward(output=5), ValueError, "output"),
    case("backward output -1", lambda: tape_after_forward().backward(output=-1), ValueError, "output"),
    case("backward output 0.5", lambda: tape_after_forward(2).backward(output=0.5), (TypeError, ValueError), "output"),
    case("backward output str", lambda: tape_after_forward().backward(output="0"), (TypeError, ValueError), "output"),
    case("backward output bool", lambda: tape_after_forward(2).backward(output=True), TypeError, "output"),
    case("backward seed length", lambda: tape_after_forward().backward(seed=[1.0]), ValueError, "seed"),
    case("backward seed str", lambda: tape_after_forward().backward(seed="ab"), (TypeError, ValueError), "seed"),
    case("backward seed None entries", lambda: tape_after_forward().backward(seed=[1.0, None]), TypeError, "seed"),
    case("backward seed complex", lambda: tape_after_forward().backward(seed=[1.0, 1j]), TypeError, "seed"),
    case("backward reduction", lambda: tape_after_forward().backward(reduction="max"), ValueError, "reduction"),
    case("accumulate first", lambda: tape_after_forward().accumulate_grads(), RuntimeError, "backward"),
    case("node_values out of range", lambda: tape_after_forward().node_values(5), IndexError, "sample"),
    case("node_values str", lambda: tape_after_forward().node_values("0"), IndexError, "sample"),
    case("node_values first", lambda: compile(graph()[2], inputs=[graph()[0]]).node_values(0), RuntimeError,
         "forward"),
    case("value of a stranger", lambda: tape_after_forward().value(Value(1.0), 0), KeyError, "node"),
]


@pytest.mark.parametrize("call, errors, words",
                         VALUE_CASES + GRAPH_CASES + GRADCHECK_CASES + GRAD_CASES + COMPILE_CASES + TAPE_CASES)
def test_refused_with_a_clear_error(call, errors, words):
    refuses(call, errors, *words)
    tally.record(CATEGORY, "wrong types, shapes, empty and absurd arguments refused clearly")


@pytest.mark.parametrize("call", [lambda: Value(1.0) ** "a", lambda: Value(1.0) ** True, lambda: Value(1.0) ** None],
                         ids=["str", "bool", "None"])
def test_pow_with_a_non_number_follows_pythons_operator_protocol(call):
    # Value.__pow__ returns NotImplemented, so Python itself raises "unsupported operand type(s)".
    with pytest.raises(TypeError, match="unsupported operand"):
        call()
    tally.record(CATEGORY, "wrong types, shapes, empty and absurd arguments refused clearly")


@pytest.mark.parametrize("data", [Fraction(1, 3), np.float32(0.5), np.int64(3), np.float64(-0.0), 10 ** 300],
                         ids=["Fraction", "float32", "int64", "-0.0", "10**300"])
def test_real_numbers_of_other_types_are_accepted_exactly(data):
    assert Value(data).data == float(data)
    tally.record(CATEGORY, "other real number types accepted")
