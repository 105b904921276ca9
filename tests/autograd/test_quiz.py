"""The backprop quiz: the answer parser, the questions as data, the dialogue, and a real terminal."""

import contextlib
import json
import math
import pathlib
import re
import sys

import pytest
from hypothesis import assume, given, settings

from autograd import OPS, TABLE, Value
from autograd.answer import ABS_TOL, REL_TOL, AnswerError, is_close, parse_answer
from autograd.quiz import Score, check, quiz, quiz_data, step_questions
from autograd.value import apply
from tests.autograd.cases import SMOOTH_POINTS
from tests.autograd.programs import programs, run_values
from tests.lecture import lecture_neuron as neuron

SCRIPT = pathlib.Path(__file__).with_name("quiz_terminal.py")
REPO = SCRIPT.parents[2]

# -- the answer parser --------------------------------------------------------


ACCEPTED = [
    ("0.5", 0.5), (" 7 ", 7.0), ("1/2", 0.5), ("-3*0.5", -1.5), ("1e-3", 0.001), ("+2", 2.0), (".5", 0.5),
    ("1-0.7071**2", 1 - 0.7071 ** 2), ("1 - 0.7071^2", 1 - 0.7071 ** 2), ("1 - (0.7071)^2", 1 - 0.7071 ** 2),
    ("-0.7071^2", -(0.7071 ** 2)), ("2^3^2", 512.0), ("2^-1", 0.5), ("(1 + 2) * 3", 9.0), ("-(-2)", 2.0),
    ("tanh(0.88)", math.tanh(0.88)), ("exp(-1)", math.exp(-1)), ("log(2)", math.log(2)), ("sqrt(2)/2", 2 ** -0.5),
    ("sin(pi/2)", 1.0), ("cos(0)", 1.0), ("sigmoid(0)", 0.5), ("abs(-2)", 2.0), ("1 - tanh(0.8814)^2", 0.5000),
    ("\u22120.5", -0.5), ("2\u00d73", 6.0), ("e", math.e), ("tanh(1,)", math.tanh(1)),
]
# Refused answers, and the words of the message that says how to write them.
REFUSED = [
    ("", "the answer is empty"),
    ("   ", "the answer is empty"),
    ("y", "'y' is not a number: type the value it stands for"),
    ("x1 * w1", "'x1' is not a number"),
    ("__import__('os').system('echo unsafe')", "could not read"),
    ("open('f')", "could not read"),
    ("foo(1)", "could not read 'foo(1)' as a number"),
    ("(1)(2)", "could not read"),
    ("'a' * 10**9", "could not read"),
    ("lambda: 1", "could not read"),
    ("[1, 2]", "could not read"),
    ("a.b", "could not read"),
    ("1 if 1 > 0 else 0", "could not read"),
    ("1 +", "could not read '1 +' as a number"),
    ("9**9**9", "too large for a float"),
    ("exp(1000)", "too large for a float"),
    ("1e308 * 10", "not a finite number"),
    ("1e400 - 1e400", "not a finite number"),
    ("1/0", "divides by zero"),
    ("0^-1", "divides by zero"),
    ("log(-1)", "outside log's domain"),
    ("tanh(y)", "'y' is not a number"),
    ("sin(1e400)", "'sin(1e400)' is outside sin's domain"),
    ("(-8)^0.5", "not a real number"),
    ("0,5", "write decimals with a dot, e.g. 0.5"),
    ("1j", "imaginary numbers"),
    ("tanh", "tanh is a function: write it with its argument"),
    ("tanh(1, 2)", "tanh takes one number"),
    ("1" * 201, "characters long"),
]


@pytest.mark.parametrize("text, expected", ACCEPTED)
def test_parser_accepts_numbers_fractions_and_arithmetic(text, expected):
    assert parse_answer(text) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("text, message", REFUSED)
def test_parser_refuses_everything_else_with_a_message_that_says_how(text, message):
    with pytest.raises(AnswerError, match=re.escape(message)):
        parse_answer(text)


def test_parser_refuses_a_non_string():
    with pytest.raises(TypeError, match="text must be the typed answer as a str, got float"):
        parse_answer(0.5)


def test_tolerance_is_relative_with_an_absolute_floor_near_zero():
    assert is_close(0.7864, 0.786447) and is_close(-1.5005, -1.5) and not is_close(-1.502, -1.5)
    assert is_close(1e-7, 0.0) and is_close(0.0, 5e-7) and not is_close(1e-5, 0.0)
    assert is_close(1e6 + 900, 1e6) and not is_close(1e6 + 1100, 1e6)
    assert (REL_TOL, ABS_TOL) == (1e-3, 1e-6)


# -- the questions as data ------------------------------------------------------


def lecture_questions(first_backward=False):
    y, values = neuron()
    if first_backward:
        y.backward()
    stepper = y.backward_steps()
    steps = list(stepper)
    return values, steps, quiz_data(steps)


def by_prompt(data):
    return {q["prompt"]: q for step in data["steps"] for q in step["questions"]}


def test_the_lecture_neuron_asks_closed_form_numbers():
    (x1, x2, w1, w2, b, n, y), steps, data = lecture_questions()
    q = by_prompt(data)
    one_minus_y2 = 1 - math.tanh(2 * -3 + 6.8813735870195432) ** 2  # 0.5: b was chosen for it
    assert q["d tanh(n)/dn"]["answer"] == pytest.approx(one_minus_y2) == pytest.approx(0.5)
    expected = {"d(x1 * w1)/dx1": -3.0, "d(x1 * w1)/dw1": 2.0, "d(x2 * w2)/dx2": 1.0, "d(x2 * w2)/dw2": 0.0,
                "x1.grad after this step (it is 0 now)": -3.0 * 0.5, "w1.grad after this step (it is 0 now)": 1.0,
                "x2.grad after this step (it is 0 now)": 0.5, "w2.grad after this step (it is 0 now)": 0.0,
                "b.grad after this step (it is 0 now)": 0.5}
    assert {prompt: pytest.approx(q[prompt]["answer"]) for prompt in expected} == expected
    assert len(data["steps"]) == 5 and sum(len(s["questions"]) for s in data["steps"]) == 18
    assert data["steps"][0]["heading"] == "Step 1/5  y = tanh(n) = 0.7071   upstream dy/dy = 1"


def test_answers_are_the_steppers_numbers_and_the_last_grads_are_backwards():
    values, steps, data = lecture_questions()
    for step, asked in zip(steps, data["steps"]):
        locals_, grads = asked["questions"][0::2], asked["questions"][1::2]
        assert [q["answer"] for q in locals_] == [e.local for e in step.edges]
        assert [q["answer"] for q in grads] == [e.grad_after for e in step.edges]
    reference, reference_values = neuron()
    reference.backward()
    last = {q["parent"]: q["answer"] for s in data["steps"] for q in s["questions"] if q["kind"] == "grad"}
    assert [last[name] for name in ("x1", "x2", "w1", "w2", "b")] == [v.grad for v in reference_values[:5]]


def one_step(op, x, y, k):
    a, b = Value(x, label="a"), Value(y, label="b")
    out = apply(op, a, b if op.arity == 2 else None, k=k)
    out.label = "out"
    return step_questions(out.backward_steps().step())


@pytest.mark.parametrize("op", TABLE, ids=lambda op: op.name)
def test_every_ops_local_answer_matches_finite_differences(op):
    h = 1e-6
    for x, y, k in SMOOTH_POINTS[op.name]:
        data = one_step(op, x, y, k)
        locals_ = [q for q in data["questions"] if q["kind"] == "local"]
        for i, q in enumerate(locals_):
            point = [x, y]
            up, down = list(point), list(point)
            up[i] += h
            down[i] -= h
            slope = (op.forward(*up, k) - op.forward(*down, k)) / (2 * h)
            assert q["answer"] == pytest.approx(slope, rel=1e-6, abs=1e-6)
            assert check(q, q["answer"]) == (True, "")
            # The rule as the hint writes it with 4-digit numbers also evaluates near the answer.
            shown = q["accept"][1:] or q["accept"]
            assert shown[0] == pytest.approx(slope, rel=2e-3, abs=1e-3), q["explanation"]


def test_tanh_derivative_from_the_input_is_named():
    n = Value(0.5, label="n")
    y = n.tanh()
    y.label = "y"
    local = step_questions(y.backward_steps().step())["questions"][0]
    right, why = check(local, 1 - 0.5 ** 2)
    assert not right and why.startswith("That is 1 - n^2, from the input n = 0.5. tanh' is written with the output")
    assert check(local, parse_answer("1 - 0.4621^2"))[0]  # from the output, as shown: right


def test_sigmoid_derivative_from_the_input_is_named():
    local = one_step(OPS["sigmoid"], 0.5, 0.0, 0.0)["questions"][0]
    assert "from the input a = 0.5" in check(local, 0.5 * (1 - 0.5))[1]


@pytest.mark.parametrize("answer", [1.0, 0.5])
def test_relu_at_zero_answered_one_or_a_half_is_named(answer):
    local = one_step(OPS["relu"], 0.0, 0.0, 0.0)["questions"][0]
    assert local["answer"] == 0.0
    right, why = check(local, answer)
    assert not right and "At exactly a = 0 relu has a corner" in why and "uses 0 there" in why


def test_forgotten_upstream_and_replaced_grad_and_sign_errors_are_named():
    a, b = Value(3.0, label="a"), Value(-2.0, label="b")
    v = a * b
    y = (v + a) * 4.0  # the upstream of v is 4, and a.grad is 4 before v's step adds to it
    y.label = "y"
    stepper = y.backward_steps()
    steps = list(stepper)
    q = {(s["node"], x["prompt"]): x for s in quiz_data(steps)["steps"] for x in s["questions"]}
    local = q[("v1", "d(a * b)/da")]
    grad = q[("v1", "a.grad after this step (it is 4 now)")]
    assert (local["answer"], grad["answer"]) == (b.data, 4.0 + 4.0 * b.data) and a.grad == grad["answer"]
    assert check(local, 4.0 * -2.0)[1].startswith("That is upstream * local = 4 * (-2).")
    assert check(local, 3.0)[1].startswith("That is a's own value.")
    assert check(local, 2.0)[1].startswith("The sign is flipped")
    assert check(grad, 4.0 + -2.0)[1].startswith("You forgot the upstream factor")
    assert check(grad, 4.0 * -2.0)[1].startswith("You replaced the grad instead of adding to it: a.grad was already 4")
    assert check(grad, 4.0)[1].startswith("That is a.grad before this step")
    assert check(grad, 4.0 + 8.0)[1].startswith("The chain rule adds upstream * local = -8, it does not subtract")
    assert check(grad, 4.1)[1] == "Not quite: a.grad = 4 + 4 * (-2) = -4."


def test_a_repeated_operand_is_asked_twice_and_the_second_grad_builds_on_the_first():
    a = Value(3.0, label="a")
    a.grad = 0.25  # from an earlier pass: set aside during this one, added back at its end
    y = a * a
    y.label = "y"
    data = step_questions(y.backward_steps().step())
    questions = data["questions"]
    assert [q["prompt"] for q in questions] == [
        "d(a * a)/da (first operand)", "a.grad after this step (it is 0 now)",
        "d(a * a)/da (second operand)", "a.grad after this step (it is 3 now)"]
    assert questions[3]["answer"] == 6.0 == 2 * a.data
    assert check(questions[3], 3.0)[1].startswith("You replaced the grad instead of adding to it: a.grad was already 3")
    assert a.grad == 6.25 and data["accumulated"] == [
        dict(leaf="a", earlier=0.25, this_pass=6.0, total=6.25, text="a.grad = 0.25 (earlier passes) + 6 (this pass) = 6.25")]


@settings(max_examples=60, deadline=None)
@given(programs())
def test_questions_are_json_and_no_mistake_is_ever_a_right_answer(program):
    try:
        _, nodes = run_values(*program)
    except (ValueError, ZeroDivisionError):  # the program left an op's domain (sin of an overflowed exp)
        assume(False)
    stepper = nodes[-1].backward_steps()
    data = quiz_data(list(stepper))
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    for step in data["steps"]:
        for q in step["questions"]:
            if q["answer"] is None:
                assert q["accept"] == []
                continue
            assert check(q, q["answer"]) == (True, "")
            for wrong, why in q["mistakes"]:
                assert check(q, wrong) == (False, why)


def test_non_finite_numbers_are_shown_not_asked():
    x = Value(0.0, label="x")
    y = x.sqrt()  # d sqrt(x)/dx = inf at 0
    questions = step_questions(y.backward_steps().step())["questions"]
    assert [(q["answer"], q["shown"], q["accept"]) for q in questions] == [(None, "inf", []), (None, "inf", [])]
    json.dumps(questions, allow_nan=False)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="step must be a Step from a BackpropStepper"):
        step_questions("step 1")
    with pytest.raises(TypeError, match="steps must be Steps"):
        quiz_data("steps")
    question = lecture_questions()[2]["steps"][0]["questions"][0]
    with pytest.raises(TypeError, match="value must be a number .*parse_answer"):
        check(question, "0.5")
    with pytest.raises(TypeError, match="question must be one of step_questions"):
        check({"prompt": "?"}, 0.5)


# -- the dialogue, with scripted input -------------------------------------------

# The lecture neuron's answers in closed form (y = tanh(n) = 1/sqrt(2), dy/dn = 1 - y^2 = 1/2),
# typed as a learner would: the local derivatives, and what each step adds to a parent's grad.
LOCAL_ANSWERS = {"d tanh(n)/dn": "1 - 0.7071^2", "d(v3 + b)/dv3": "1", "d(v3 + b)/db": "1", "d(v1 + v2)/dv1": "1",
                 "d(v1 + v2)/dv2": "1", "d(x1 * w1)/dx1": "-3", "d(x1 * w1)/dw1": "2", "d(x2 * w2)/dx2": "1",
                 "d(x2 * w2)/dw2": "0"}
ADDED = {"n": "1 * 1/2", "v3": "1/2", "b": "1/2", "v1": "1/2", "v2": "1/2", "x1": "-3 * 1/2", "w1": "2 * 1/2",
         "x2": "1 * 1/2", "w2": "0 * 1/2"}


def right_answer(prompt: str) -> str:
    """What a learner who knows the chain rule types for one of the lecture neuron's prompts."""
    if prompt in LOCAL_ANSWERS:
        return LOCAL_ANSWERS[prompt]
    parent, before = re.fullmatch(r"(\w+)\.grad after this step \(it is (\S+) now\)", prompt).groups()
    return f"{before} + {ADDED[parent]}"


class Learner:
    """Scripted input(): answers from `script` (None: the right answer; an exception: raised), then right ones."""

    def __init__(self, *script):
        self.script, self.prompts, self.lines = list(script), [], []

    def __call__(self, prompt):
        self.prompts.append(prompt)
        self.lines.append(prompt)
        reply = self.script.pop(0) if self.script else None
        if isinstance(reply, BaseException):
            raise reply
        return right_answer(prompt.strip()[: -len(" = ?")]) if reply is None else reply

    def output(self, text=""):
        self.lines.append(text)

    @property
    def text(self):
        return "\n".join(self.lines)


def grads(values):
    return [float.hex(v.grad) for v in values]


def after_backward(times):
    reference, values = neuron()
    for _ in range(times):
        reference.backward()
    return grads(values)


def test_a_full_quiz_scores_every_answer_and_leaves_backwards_grads():
    y, values = neuron()
    learner = Learner()
    score = y.backward_steps().quiz(input=learner, output=learner.output)
    assert score == Score(right=18, asked=18, finished=True) and str(score) == "18 of 18 right"
    assert grads(values) == after_backward(1)
    assert "Score: 18 of 18 right. Every grad is now what y.backward() gives." in learner.text
    assert learner.prompts[:2] == ["  d tanh(n)/dn = ? ", "  n.grad after this step (it is 0 now) = ? "]


@pytest.mark.parametrize("leave", [KeyboardInterrupt, EOFError], ids=["ctrl-c", "ctrl-d"])
@pytest.mark.parametrize("start", [0, 2])
def test_ctrl_c_and_ctrl_d_put_every_grad_back(leave, start):
    y, values = neuron()
    y.backward()  # leaf grads the quiz must not lose
    stepper = y.backward_steps()
    for _ in range(start):
        stepper.step()
    before = grads(values)
    learner = Learner(None, None, "2", None, None, None, leave())
    score = quiz(stepper, input=learner, output=learner.output)
    assert grads(values) == before and stepper.position == start
    assert score == Score(right=5, asked=6)
    assert "Quiz left with 5 of 6 right so far. Every grad is back to what it was before the quiz." in learner.text
    assert quiz(stepper, input=Learner(), output=lambda text: None).finished
    assert grads(values) == after_backward(2)


def test_quit_keeps_the_finished_steps_and_a_second_quiz_goes_on():
    y, values = neuron()
    stepper = y.backward_steps()
    learner = Learner(*[None] * 6, "quit")
    assert quiz(stepper, input=learner, output=learner.output) == Score(right=6, asked=6)
    assert stepper.position == 2
    reference, reference_values = neuron()
    reference_stepper = reference.backward_steps()
    reference_stepper.step(), reference_stepper.step()
    assert grads(values) == grads(reference_values)
    assert "Stopped: 6 of 6 right. The grads are as after step 2/5" in learner.text
    again = Learner()
    assert quiz(stepper, input=again, output=again.output).finished
    assert "Step 3/5" in again.text and "Step 2/5" not in again.text and grads(values) == after_backward(1)


def test_skip_reveals_the_rest_of_the_step_and_counts_it():
    y, values = neuron()
    learner = Learner(None, None, "skip")
    score = quiz(y.backward_steps(), input=learner, output=learner.output)
    assert score == Score(right=14, asked=18, skipped=4, finished=True)
    assert str(score) == "14 of 18 right (4 skipped)"
    assert "    v3.grad = 0 + 0.5 * 1 = 0.5\n    d(v3 + b)/db = 1\n    b.grad = 0 + 0.5 * 1 = 0.5" in learner.text
    assert grads(values) == after_backward(1)


def test_hints_misses_and_unreadable_answers():
    y, values = neuron()
    learner = Learner("hint", "1 - 0.8814^2", "", "y", "0.5", *[None] * 4, "quit")
    score = quiz(y.backward_steps(), input=learner, output=learner.output)
    text = " ".join(learner.text.split())  # explanations are wrapped to the terminal's width
    assert "Hint: The op table's rule for tanh: d tanh(n)/dn = 1 - tanh(n)^2, which with this step's numbers is " \
           "1 - (0.7071)^2." in text
    assert "That is 1 - n^2, from the input n = 0.8814. tanh' is written with the output" in text
    assert "Type your answer as a number" in text and "'y' is not a number" in text
    assert "Right: n.grad = 0 + 1 * 0.5 = 0.5." in text
    assert score == Score(right=5, asked=6, hinted=1) and str(score) == "5 of 6 right (1 hint)"


def test_an_error_inside_the_quiz_puts_the_grads_back_and_propagates():
    y, values = neuron()
    before = grads(values)
    with pytest.raises(RuntimeError, match="terminal went away"):
        quiz(y.backward_steps(), input=Learner(None, None, None, RuntimeError("terminal went away")),
             output=lambda text: None)
    assert grads(values) == before


def test_nothing_to_quiz_on_a_leaf_or_a_finished_stepper():
    x = Value(2.0, label="x")
    lines = []
    assert quiz(x.backward_steps(), input=Learner(), output=lines.append) == Score(0, 0, finished=True)
    assert x.grad == 0.0 and lines == ["Nothing to quiz: x is a leaf: backprop has no steps. (steps.reset() starts over.)"]
    y, _ = neuron()
    stepper = y.backward_steps().run()
    assert quiz(stepper, input=Learner(), output=lines.append).asked == 0 and "every step has been taken" in lines[-1]


def test_quiz_arguments_are_checked():
    with pytest.raises(TypeError, match=r"stepper must be a BackpropStepper \(y.backward_steps\(\)\)"):
        quiz(neuron()[0])
    with pytest.raises(TypeError, match="input must be a function like the built-in input"):
        quiz(neuron()[0].backward_steps(), input="0.5")
    with pytest.raises(TypeError, match="output must be a function like the built-in output"):
        neuron()[0].backward_steps().quiz(output=None)


# -- a real terminal ---------------------------------------------------------------

@contextlib.contextmanager
def terminal_quiz():
    """The lecture neuron's quiz in a pseudo-terminal: (child, the grads it printed before the quiz).

    The terminal is closed afterwards, and the script must have exited with status 0.
    """
    pexpect = pytest.importorskip("pexpect")  # here, so the tests above run without it
    child = pexpect.spawn(sys.executable, [str(SCRIPT)], cwd=str(REPO), timeout=30, encoding="utf-8",
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "TERM": "dumb"})
    try:
        child.expect(r"before: (\[[^\r\n]*\])\r\n")
        yield child, child.match.group(1)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def expect_grads_put_back(child, before: str) -> None:
    """After leaving the quiz early: the grads printed are those from before it, and the script ends cleanly."""
    child.expect(r"after: (\[[^\r\n]*\])\r\n")
    assert child.match.group(1) == before
    assert "Traceback" not in wait_for_exit(child)


def wait_for_exit(child) -> str:
    """Everything the child printed after the last match, once it has exited."""
    import pexpect

    child.expect(pexpect.EOF)
    return child.before


def ask(child, prompt, answer):
    child.expect_exact(f"  {prompt} = ? ")
    child.sendline(answer)


def test_terminal_right_wrong_hint_then_ctrl_c_puts_the_grads_back():
    with terminal_quiz() as (child, before):
        ask(child, "d tanh(n)/dn", "1 - 0.7071^2")
        child.expect(r"Right: d tanh\(n\)/dn = 1 - tanh\(n\)\^2 = 1 - \(0.7071\)\^2 = 0.5\.")
        ask(child, "n.grad after this step (it is 0 now)", "hint")
        child.expect(r"Hint: Chain rule: n\.grad \+= upstream \* local\.")
        ask(child, "n.grad after this step (it is 0 now)", "0.5")
        child.expect_exact("Right: n.grad = 0 + 1 * 0.5 = 0.5.")
        ask(child, "d(v3 + b)/dv3", "1")
        ask(child, "v3.grad after this step (it is 0 now)", "1")  # the local derivative without the upstream 0.5
        child.expect(r"You\s+forgot\s+the\s+upstream\s+factor")
        ask(child, "d(v3 + b)/db", "1")
        # b held 0.5 from the earlier backward(): a pass computes its gradient from 0 and adds the 0.5 at the end
        ask(child, "b.grad after this step (it is 0 now)", "0.5")
        child.expect_exact("Right: b.grad = 0 + 0.5 * 1 = 0.5.")
        child.expect_exact("  d(v1 + v2)/dv1 = ? ")
        child.sendintr()
        child.expect(r"Quiz left with 5 of 6 right \(1 hint\) so far\. Every grad is back to what it was before the quiz\.")
        expect_grads_put_back(child, before)


def test_terminal_ctrl_d_leaves_cleanly():
    with terminal_quiz() as (child, before):
        ask(child, "d tanh(n)/dn", "0.5")
        child.expect_exact("  n.grad after this step (it is 0 now) = ? ")
        child.sendeof()
        child.expect(r"Quiz left with 1 of 1 right so far\.")
        expect_grads_put_back(child, before)


def test_terminal_quiz_to_the_end_with_the_score():
    asked = 0
    with terminal_quiz() as (child, _):
        while child.expect([r"\n  ([^\r\n]+) = \? ", r"Score: ([^\r\n]+)\r\n"]) == 0:
            child.sendline(right_answer(child.match.group(1)))
            asked += 1
        assert child.match.group(1) == "18 of 18 right. Every grad is now what y.backward() gives."
        # The leaves held grads from the backward() before the quiz: the last step adds them back.
        finale = " ".join(child.before.split())
        assert "Leaf grads accumulate across passes: each leaf gets this pass's share added once, at the end." in finale
        assert "x1.grad = -1.5 (earlier passes) + -1.5 (this pass) = -3" in finale
        child.expect(r"after: (\[[^\r\n]*\])\r\n")
        after = child.match.group(1)
        child.expect(r"backward twice: (\[[^\r\n]*\])\r\n")
        assert after == child.match.group(1)
        wait_for_exit(child)
    assert asked == 18
