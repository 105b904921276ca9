"""Every public entry point of autograd fed wrong types, shapes, empty and absurd input.

Each case must raise a clear exception (TypeError, ValueError, ...) from gradwalk's
own code whose message names the argument (or the op), never a crash from inside
numpy or numba, never a silently wrong result. Cases marked `bug` fail today.
"""

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from autograd import (BackpropStepper, Value, backward, compile, forward_trace, grad, gradcheck,
                      local_gradients, name_scope, node_names, set_detect_anomaly, topological_order, zero_grad)
from tests.reliability import tally
from tests.reliability.helpers import bug, refuses

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
    case("Value(10**400)", lambda: Value(10 ** 400), (OverflowError, ValueError), "data",
         marks=bug("autograd/value.py _as_float: Value(10**400) raises float()'s bare OverflowError 'int too "
                   "large to convert to float', naming nothing; catch it and say data is out of float range")),
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
    case("backward order str", lambda: backward(Value(1.0) * 2, order="abc"), TypeError, "order",
         marks=bug("autograd/graph.py backward(order=...): a wrong `order` (a str, a list of numbers) fails "
                   "with AttributeError \"'str' object has no attribute '_op'\"; check it is a list of Values "
                   "(or make it private, it is an internal fast path)")),
    case("topological_order(None)", lambda: topological_order(None), TypeError, "root"),
    case("zero_grad(str)", lambda: zero_grad("x"), TypeError, "root"),
    case("local_gradients(int)", lambda: local_gradients(3), TypeError, "node",
         marks=bug("autograd/graph.py local_gradients(3): AttributeError \"'int' object has no attribute "
                   "'_op'\"; check the argument is a Value, as topological_order does")),
    case("node_names(int)", lambda: node_names(3), TypeError, "nodes",
         marks=bug("autograd/graph.py node_names(3) / node_names([3]): TypeError \"'int' object is not "
                   "iterable\" / AttributeError 'label'; check for an iterable of Values and name `nodes`")),
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
    case("eps inf", lambda: gradcheck(lambda x: x * x, [1.0], eps=math.inf), ValueError, "eps",
         marks=bug("autograd/gradcheck.py _check_positive accepts eps=inf, and the check then reports "
                   "GradcheckError 'gradients disagree ... finite differences give nan' for a correct f; "
                   "require a finite eps")),
    case("atol nan", lambda: gradcheck(lambda x: x * x, [1.0], atol=math.nan), ValueError, "atol",
         marks=bug("autograd/gradcheck.py: atol/rtol are not checked; atol=nan, rtol=nan or atol=-1 make "
                   "every comparison fail and blame backprop ('gradients disagree') for a correct f; require "
                   "finite atol, rtol >= 0")),
    case("atol -1", lambda: gradcheck(lambda x: x * x, [1.0], atol=-1.0), ValueError, "atol",
         marks=bug("autograd/gradcheck.py: negative atol accepted; see atol=nan")),
    case("rtol nan", lambda: gradcheck(lambda x: x * x, [1.0], rtol=math.nan), ValueError, "rtol",
         marks=bug("autograd/gradcheck.py: rtol=nan accepted; see atol=nan")),
    case("input nan", lambda: gradcheck(lambda x: x * x, [math.nan]), ValueError, "inputs",
         marks=bug("autograd/gradcheck.py: a NaN or infinite input point is accepted and reported as "
                   "GradcheckError 'gradients disagree (backprop nan, finite differences nan)', blaming "
                   "backprop; refuse non-finite points with ValueError naming inputs")),
]

GRAD_CASES = [
    case("output int", lambda: grad(3, []), TypeError, "output"),
    case("inputs a Value", lambda: grad(Value(1.0) * 2, Value(1.0)), TypeError, "inputs"),
    case("inputs entries int", lambda: grad(Value(1.0) * 2, [3]), TypeError, "inputs[0]"),
    case("inputs None", lambda: grad(Value(1.0) * 2, None), TypeError, "inputs",
         marks=bug("autograd/higher.py grad(): inputs=None or inputs=5 fails in list(inputs) with "
                   "\"'NoneType' object is not iterable\", naming nothing; catch it and name `inputs`")),
    case("inputs int", lambda: grad(Value(1.0) * 2, 5), TypeError, "inputs",
         marks=bug("autograd/higher.py grad(): see inputs=None")),
    case("grad_output str", lambda: grad(Value(1.0) * 2, [], grad_output="a"), TypeError, "grad_output",
         marks=bug("autograd/higher.py grad(grad_output='a') raises \"data must be a real number\" from "
                   "Value(), naming `data`, not grad_output; check it with _as_float(grad_output, "
                   "'grad_output')")),
]


COMPILE_CASES = [
    case("outputs int", lambda: compile(3, inputs=[]), TypeError, "outputs",
         marks=bug("autograd/tape.py compile(3, ...): list(outputs) raises \"'int' object is not iterable\" "
                   "before the friendly check; test for a Value or an iterable first")),
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
    case("fuse str", lambda: (lambda x, w, y: compile(y, inputs=[x], fuse="no"))(*graph()), TypeError, "fuse",
         marks=bug("autograd/tape.py compile(): fuse and input_grads are used for their truth value, so "
                   "fuse='no' silently fuses and input_grads='no' silently computes input gradients; check "
                   "they are bools")),
    case("input_grads str", lambda: (lambda x, w, y: compile(y, inputs=[x], input_grads="no"))(*graph()),
         TypeError, "input_grads", marks=bug("autograd/tape.py compile(): see fuse='no'")),
]

TAPE_CASES = [
    case("forward X None", lambda: tape_after_forward().forward(None), (TypeError, ValueError), "X",
         marks=bug("autograd/tape_checks.py check_samples: X=None becomes np.ascontiguousarray(None, float) "
                   "== [nan], so tape.forward(None) on a tape with one input silently returns one sample "
                   "computed from NaN; refuse None (and object arrays) with TypeError naming X")),
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
    case("backward output 0.5", lambda: tape_after_forward(2).backward(output=0.5), (TypeError, ValueError), "output",
         marks=bug("autograd/tape.py Tape.backward(output=0.5) passes the range check and fails inside numpy "
                   "indexing (IndexError 'only integers, slices...'); output='0' fails with \"'<=' not "
                   "supported between int and str\"; check output is an int first")),
    case("backward output str", lambda: tape_after_forward().backward(output="0"), (TypeError, ValueError), "output",
         marks=bug("autograd/tape.py Tape.backward(output='0'): see output=0.5")),
    case("backward seed length", lambda: tape_after_forward().backward(seed=[1.0]), ValueError, "seed"),
    case("backward seed str", lambda: tape_after_forward().backward(seed="ab"), (TypeError, ValueError), "seed",
         marks=bug("autograd/tape.py Tape.backward(seed='ab'): numpy's \"could not convert string to float\" "
                   "escapes from np.ascontiguousarray; catch it and name `seed`")),
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
