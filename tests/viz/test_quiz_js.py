"""viz/quiz.js in headless Chromium: the same answers, messages and verdicts as the Python quiz, without eval."""

import json
import pathlib

import pytest

from autograd import Value
from autograd.answer import ABS_TOL, MAX_LENGTH, REL_TOL, AnswerError, parse_answer
from autograd.quiz import check, quiz_data
from tests.autograd.test_quiz import ACCEPTED, REFUSED
from tests.lecture import lecture_neuron as neuron

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "viz" / "quiz.js"
# The explorer page's policy: inline scripts only, so eval and new Function throw EvalError in them.
# The page's own script runs the job (page.evaluate's code is exempt from the policy) and leaves
# its results in window.results.
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'">
<script>{script}</script>
<script type="application/json" id="payload">{payload}</script>
<script>
window.probe = [() => eval("1"), () => new Function("return 1")].map((f) => {{
  try {{ f(); return "ran"; }} catch (error) {{ return error.name; }}
}});
window.results = (({job}))(JSON.parse(document.getElementById("payload").textContent));
</script></head><body></body></html>"""
PARSE = """(texts) => texts.map((text) => {
  try { return [gradwalkQuiz.parseAnswer(text), null]; }
  catch (error) { return [null, error.name + ": " + error.message]; }
})"""
CHECK = """([pairs, tolerance]) => pairs.map(([q, v]) => gradwalkQuiz.check(q, v, tolerance))"""
MORE = ["(-8)**0.5", "log((-1))", "2*(3", "tanh()", "-2**2", "1 2", "(-1e400)**0.5", "2*(-8)^(1/3)", "0.0^-1",
        "10^400", "exp(1e400)", "1/(1-1)", "()", "(1,2)", "1,5", "-1,5", "1,5,6", "2^0.5^2", "--1", "1e-400"]


@pytest.fixture(scope="module")
def page(browser):
    """A blank page of the session's headless Chromium (one playwright session serves every browser test)."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def in_page(page, job: str, payload):
    """What the page's own script `job`, given `payload`, leaves in window.results (quiz.js inlined before it)."""
    errors = []
    source = SCRIPT.read_text(encoding="utf-8")
    assert "</" not in source  # inlined as the explorer inlines it, the script cannot end its own tag
    def record(error):
        errors.append(str(error))

    page.on("pageerror", record)
    try:
        page.set_content(PAGE.format(script=source, job=job, payload=json.dumps(payload).replace("</", "<\\/")))
    finally:
        page.remove_listener("pageerror", record)
    assert errors == [] and page.evaluate("window.probe") == ["EvalError", "EvalError"], errors
    return page.evaluate("window.results")


def python(text):
    try:
        return parse_answer(text), None
    except AnswerError as error:
        return None, f"AnswerError: {error}"


def test_constants_are_pythons(page):
    constants = in_page(page, "() => [gradwalkQuiz.REL_TOL, gradwalkQuiz.ABS_TOL, gradwalkQuiz.MAX_LENGTH]", None)
    assert constants == [REL_TOL, ABS_TOL, MAX_LENGTH]


def test_accepted_answers_give_pythons_numbers(page):
    texts = [text for text, _ in ACCEPTED] + ["2^0.5^2", "--1", "1e-400"]
    for text, (value, error) in zip(texts, in_page(page, PARSE, texts)):
        expected, _ = python(text)
        assert error is None and value == pytest.approx(expected, rel=1e-13, abs=0), text


def test_refused_answers_give_pythons_messages(page):
    texts = [text for text, _ in REFUSED] + MORE
    for text, (value, error) in zip(texts, in_page(page, PARSE, texts)):
        assert [value, error] == list(python(text)), text


def graphs():
    """Questions that reach every kind of mistake: the lecture neuron after one backward, a * a, relu at 0, sqrt at 0."""
    y, _ = neuron()
    y.backward()
    a = Value(3.0, label="a")
    a.grad = 0.25
    square = a * a
    b = Value(0.0, label="b")
    x, w = Value(0.5, label="x"), Value(-2.0, label="w")
    mixed = (b.relu() + (x * w).sigmoid() * 4.0 + Value(0.0, label="z").sqrt()) / Value(2.0, label="d")
    return [root.backward_steps() for root in (y, square, mixed)]


def test_verdicts_match_pythons_check_for_every_question(page):
    for stepper in graphs():
        data = quiz_data(list(stepper))
        questions = [q for step in data["steps"] for q in step["questions"]]
        tries = []
        for q in questions:
            if q["answer"] is None:
                continue
            values = q["accept"] + [wrong for wrong, _ in q["mistakes"]] + [q["answer"] + 0.37, q["answer"] * 1.0005]
            tries += [(q, v) for v in values]
        tolerance = {"rel_tol": data["rel_tol"], "abs_tol": data["abs_tol"]}
        verdicts = in_page(page, CHECK, [[[q, v] for q, v in tries], tolerance])
        for (q, v), verdict in zip(tries, verdicts):
            assert (verdict["right"], verdict["why"]) == check(q, v), (q["prompt"], v)
        assert any(not verdict["right"] for verdict in verdicts) and any(verdict["right"] for verdict in verdicts)
