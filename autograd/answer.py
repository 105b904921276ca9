"""Reading a typed answer as a number, safely: numbers, fractions and small arithmetic, never eval.

>>> parse_answer("1/2"), parse_answer("-3*0.5"), parse_answer("2^3")
(0.5, -1.5, 8.0)
>>> round(parse_answer("1 - 0.7071**2"), 7)
0.5000096
>>> is_close(0.5000096, 0.5), is_close(0.51, 0.5)
(True, False)
>>> parse_answer("y")
Traceback (most recent call last):
  ...
autograd.answer.AnswerError: 'y' is not a number: type the value it stands for (0.7071 rather than y)
"""

import ast
import math
import operator

# An answer counts when it is within 0.1% of the right number: 4 significant digits are enough.
REL_TOL = 1e-3
# Near 0 a relative tolerance accepts nothing but 0 itself; below this distance an answer counts too.
ABS_TOL = 1e-6
# Long enough for any sensible answer, short enough that nesting cannot exhaust the evaluator's stack.
MAX_LENGTH = 200

FORMS = ("use numbers, + - * / ** (or ^ for powers), parentheses and tanh exp log sqrt sin cos sigmoid abs, "
         "e.g. 0.5, 1/2, 1 - 0.7071^2 or -3*0.5")


class AnswerError(ValueError):
    """A typed answer that is not a number this module can read; the message says how to write it."""


class _Unreadable(Exception):
    """A form outside the whitelist: the message names the whole answer, as a reader that knows no Python can."""


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0.0 else math.exp(x) / (1.0 + math.exp(x))


FUNCTIONS = {"tanh": math.tanh, "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "sin": math.sin,
             "cos": math.cos, "sigmoid": _sigmoid, "abs": abs}
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def parse_answer(text: str) -> float:
    """The number a typed answer stands for: 0.5, 1/2, 1 - 0.7071^2, tanh(0.88); AnswerError says why not."""
    if not isinstance(text, str):
        raise TypeError(f"text must be the typed answer as a str, got {type(text).__name__}")
    answer = text.strip()
    if not answer:
        raise AnswerError(f"the answer is empty: {FORMS}")
    if len(answer) > MAX_LENGTH:
        raise AnswerError(f"the answer is {len(answer)} characters long; keep it under {MAX_LENGTH}")
    if answer.count(",") == 1 and answer.replace(",", "").replace("-", "").strip().isdigit():
        raise AnswerError(f"{answer!r}: write decimals with a dot, e.g. {answer.replace(',', '.')}")
    # Learners write powers as the hints do (0.7071^2); ^ is Python's xor, which binds looser than -.
    source = answer.replace("^", "**").replace("\u2212", "-").replace("\u00d7", "*")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise AnswerError(f"could not read {answer!r} as a number: {FORMS}") from None
    try:
        value = _evaluate(tree.body, source)
    except ZeroDivisionError:
        raise AnswerError(f"{answer!r} divides by zero") from None
    except OverflowError:
        raise AnswerError(f"{answer!r} is too large for a float (above 1.8e308)") from None
    except RecursionError:
        raise AnswerError(f"{answer!r} is nested too deeply; write it more simply") from None
    except _Unreadable:
        raise AnswerError(f"could not read {answer!r} as a number: {FORMS}") from None
    if not math.isfinite(value):
        raise AnswerError(f"{answer!r} is not a finite number")
    return value


def _evaluate(node, source):
    """The value of a whitelisted expression tree: numbers, + - * / **, unary -, known functions."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)  # float pow cannot run for ages the way 9**9**9 on ints does
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        value = _BINARY[type(node.op)](_evaluate(node.left, source), _evaluate(node.right, source))
        if isinstance(value, complex):
            raise AnswerError(f"{ast.get_source_segment(source, node)!r} is not a real number "
                              f"(a negative number to a fractional power)")
        return value
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_evaluate(node.operand, source))
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise AnswerError(f"{node.id} is a function: write it with its argument, e.g. {node.id}(0.5)")
        raise AnswerError(f"{node.id!r} is not a number: type the value it stands for (0.7071 rather than y)")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS:
        name = node.func.id
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise AnswerError(f"{name} takes one number, e.g. {name}(0.5)")
        x = _evaluate(node.args[0], source)
        try:
            return FUNCTIONS[name](x)
        except ValueError:  # math's domain error
            raise AnswerError(f"{ast.get_source_segment(source, node)!r} is outside {name}'s domain") from None
    if isinstance(node, ast.Constant) and isinstance(node.value, complex):
        raise AnswerError("imaginary numbers are not answers here: every grad is a real number")
    raise _Unreadable


def is_close(given: float, expected: float) -> bool:
    """True when `given` is within REL_TOL of `expected` (relative), or within ABS_TOL of it near 0."""
    return abs(given - expected) <= max(REL_TOL * abs(expected), ABS_TOL)
