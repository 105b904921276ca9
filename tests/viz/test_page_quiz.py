"""The explorer's quiz in headless Chromium: asked before shown, checked as the terminal checks, scored, escaped."""

import json
import pathlib
import re

import pytest

import viz
import viz.html
from autograd import Value
from autograd.quiz import Score, check, parse_answer, quiz_data
from tests.lecture import lecture_neuron
from tests.viz.test_html import contrast, mlp_loss, page_data

OPEN_GRADS = """Object.fromEntries([...document.querySelectorAll("#graph svg:not([hidden]) g.node[data-grad]")].map(
  (g) => [g.querySelector("title").textContent.split(": ")[0], g.getAttribute("data-grad")]))"""
GRADS = """Object.fromEntries([...document.querySelectorAll("#graph g.node[data-grad]")].map((g) =>
  [g.querySelector("text").textContent, g.getAttribute("data-grad")]))"""


def neuron(label=str):
    """o = tanh(x1*w1 + x2*w2 + b), backprop not yet run: step 1 is tanh, step 2 is n = v3 + b (upstream 0.5)."""
    return lecture_neuron("o", label)[0]


def questions(label=str):
    """The oracle: the terminal quiz's questions for a fresh copy of the graph, step by step."""
    stepper = neuron(label).backward_steps()
    stepper.run()
    return quiz_data(stepper.history())["steps"]


def python_verdict(question, text) -> str:
    """What the terminal quiz says to `text`: 'Right: ...' or why it is wrong."""
    right, why = check(question, parse_answer(text))
    return f"Right: {question['explanation']}." if right else why


class Quiz:
    """The page's quiz as a learner uses it: type into the answer field, press Enter, read the verdict."""

    def __init__(self, chromium):
        self.tab, self.page = chromium, chromium.page

    def state(self) -> str:
        return self.tab.evaluate("document.body.getAttribute('data-quiz')")

    def position(self) -> int:
        return int(self.tab.evaluate("document.body.getAttribute('data-position')"))

    def answer(self, text: str) -> str:
        """Type `text` and press Enter; the verdict it got (the last answered question's)."""
        self.page.fill("#answer", text)
        self.page.press("#answer", "Enter")
        return self.page.locator("#questions .question.answered .verdict").last.text_content()

    def prompt(self) -> str:
        return self.page.locator("#questions .question.asking .prompt").text_content()

    def score(self) -> str:
        return self.page.locator("#score").text_content()


def test_the_page_carries_every_steps_questions_and_the_checker(tmp_path, bundled):
    path = viz.to_html(neuron(), tmp_path / "quiz.html", engine=bundled)
    data = page_data(path)
    assert data["quiz"]["steps"] == json.loads(json.dumps(questions()))
    assert (data["quiz"]["rel_tol"], data["quiz"]["abs_tol"]) == (1e-3, 1e-6)
    assert all("questions" not in frame for frame in data["frames"])  # once, in the quiz, not in each frame
    text = path.read_text(encoding="utf-8")
    assert "gradwalkQuiz" in text and "gradwalkPageQuiz" in text
    assert re.search(r'<button id="quiz" type="button" aria-pressed="false"', text)


def test_a_quiz_dialogue_right_wrong_hint_skip_and_the_score(tmp_path, bundled, chromium):
    path = viz.to_html(neuron(), tmp_path / "quiz.html", engine=bundled)
    chromium.open(path)
    quiz, asked = Quiz(chromium), questions()
    before = chromium.evaluate(GRADS)
    chromium.click("#quiz")
    assert chromium.evaluate("document.getElementById('quiz').getAttribute('aria-pressed')") == "true"
    assert quiz.score() == "Score: 0 of 0 right" and chromium.page.is_visible("#score")
    chromium.press("ArrowRight")
    assert quiz.state() == "asking" and quiz.position() == 1
    assert chromium.evaluate("document.activeElement.id") == "answer"
    assert quiz.prompt() == "d tanh(n)/dn ="
    chromium.click("#next")  # Next before answering: the step's grads stay hidden
    assert quiz.position() == 1 and chromium.evaluate(GRADS) == before
    assert "Answer this question first" in chromium.page.locator("#questions .message").text_content()
    assert chromium.page.is_hidden("#explanation")

    local, grad = asked[0]["questions"]
    verdict = quiz.answer("1 - 0.7071^2")
    assert verdict == python_verdict(local, "1 - 0.7071^2")
    assert verdict.startswith("Right: d tanh(n)/dn = 1 - tanh(n)^2")
    chromium.click("#hint")
    assert chromium.page.locator(".hint-text").text_content() == f"Hint: {grad['hint']}"
    assert quiz.answer("1/2") == "Right: n.grad = 0 + 1 * 0.5 = 0.5."
    assert quiz.score() == f"Score: {Score(right=2, asked=2, hinted=1)}" == "Score: 2 of 2 right (1 hint)"
    assert chromium.evaluate(GRADS) == before  # answered, not yet shown
    chromium.press("ArrowRight")  # now Next shows the step's result, as the plain explorer does
    assert quiz.state() == "shown" and quiz.position() == 1
    assert float(chromium.evaluate(GRADS)["n"]) == pytest.approx(0.5, rel=1e-12)  # 1 - tanh(n)^2, tanh(n) = 1/sqrt(2)
    assert chromium.page.is_visible("#explanation")

    chromium.press("ArrowRight")
    assert quiz.state() == "asking" and quiz.prompt() == "d(v3 + b)/dv3 ="
    local, grad = asked[1]["questions"][:2]
    why = quiz.answer("0.5")  # upstream * local, asked for the local derivative alone
    assert why == python_verdict(local, "0.5") and "the upstream factor comes in" in why
    assert chromium.page.locator(".question.answered.wrong").count() == 1
    why = quiz.answer("1")  # the local derivative alone, asked for the new grad
    assert why == python_verdict(grad, "1") and why.startswith("You forgot the upstream factor")
    chromium.page.fill("#answer", "two")
    chromium.page.press("#answer", "Enter")  # not a number: said so, not counted
    assert "is not a number" in chromium.page.locator("#questions .message").text_content()
    chromium.click("#skip")  # the rest of the step: shown, counted as skipped
    skipped = chromium.page.locator(".question.answered.skipped .verdict").all_text_contents()
    assert skipped == [f"Skipped: {q['explanation']}." for q in asked[1]["questions"][2:]]
    assert quiz.score() == f"Score: {Score(right=2, asked=6, hinted=1, skipped=2)}" \
        == "Score: 2 of 6 right (1 hint, 2 skipped)"
    assert chromium.requests() == [path.resolve().as_uri()] and chromium.errors() == []


def test_typing_an_answer_does_not_step_or_zoom_and_toggling_off_restores_the_plain_explorer(tmp_path, bundled,
                                                                                             chromium):
    path = viz.to_html(neuron(), tmp_path / "quiz.html", engine=bundled)
    chromium.open(path)
    quiz = Quiz(chromium)
    chromium.press("ArrowRight"), chromium.press("ArrowRight")
    plain = chromium.evaluate(GRADS), chromium.evaluate("document.getElementById('explanation').textContent")
    chromium.press("Home")
    chromium.press("q")  # Q turns the quiz on, as the button does
    assert quiz.state() == "shown" and quiz.position() == 0  # nothing asked before the first step
    assert chromium.evaluate("document.getElementById('quiz').getAttribute('aria-pressed')") == "true"
    chromium.press("ArrowRight")
    assert quiz.state() == "asking"
    chromium.page.wait_for_timeout(400)  # the view's quarter-second glide to the step (zoomed in) has ended
    view = chromium.evaluate("document.querySelector('#graph svg').getAttribute('viewBox')")
    chromium.page.type("#answer", "-0 ")
    for key in ("ArrowLeft", "ArrowRight", "Home", "End", "+", "q"):
        chromium.page.press("#answer", key)
    assert quiz.position() == 1 and quiz.state() == "asking"
    assert chromium.evaluate("document.querySelector('#graph svg').getAttribute('viewBox')") == view
    assert chromium.page.input_value("#answer").startswith("-0 ")
    chromium.click("#skip")
    chromium.press("End")  # in the quiz, End shows the answered step and stops at the next one it asks
    assert quiz.position() == 2 and quiz.state() == "asking"
    chromium.click("#quiz")  # off: the plain explorer at the same position
    assert quiz.state() == "off" and quiz.position() == 2 and chromium.page.is_hidden("#score")
    assert (chromium.evaluate(GRADS), chromium.evaluate("document.getElementById('explanation').textContent")) == plain
    assert chromium.page.is_hidden("#questions")
    chromium.press("ArrowRight")
    assert quiz.position() == 3 and chromium.page.is_visible("#explanation")
    chromium.press("ArrowLeft")
    chromium.click("#quiz")  # on again: step 2 is still waiting for its answers
    assert quiz.state() == "asking" and quiz.position() == 2 and quiz.score() == "Score: 0 of 2 right (2 skipped)"
    assert chromium.errors() == []


def test_the_whole_quiz_runs_from_the_keyboard(tmp_path, bundled, chromium):
    chromium.open(viz.to_html(neuron(), tmp_path / "quiz.html", engine=bundled))
    quiz = Quiz(chromium)
    for _ in range(3):  # Tab reaches the toggle (Reset and Back are disabled at the start)
        chromium.press("Tab")
    assert chromium.evaluate("document.activeElement.id") == "quiz"
    chromium.press("Enter")
    chromium.press("ArrowRight")
    for text in ("0.5", "0.5"):
        chromium.page.keyboard.type(text)
        chromium.press("Enter")
    assert chromium.evaluate("document.activeElement.id") == "next" and quiz.state() == "asking"
    chromium.press("Enter")  # the step's result
    assert quiz.state() == "shown" and quiz.position() == 1
    chromium.press("Enter")  # the next step's first question
    assert quiz.state() == "asking" and quiz.position() == 2
    assert chromium.evaluate("document.activeElement.id") == "answer" and quiz.score() == "Score: 2 of 2 right"
    chromium.press("Escape")  # out of the answer field, the arrows step again
    chromium.press("ArrowLeft")
    assert quiz.position() == 1 and chromium.errors() == []


def test_the_quiz_is_readable_on_a_projector_at_1280_by_720(tmp_path, bundled, chromium):
    chromium.open(viz.to_html(neuron(), tmp_path / "quiz.html", engine=bundled))
    chromium.click("#quiz")
    chromium.press("ArrowRight")
    chromium.click("#skip")
    chromium.press("ArrowRight"), chromium.press("ArrowRight")  # step 2 has four questions
    Quiz(chromium).answer("1")  # right
    Quiz(chromium).answer("1")  # forgot the upstream factor
    chromium.click("#hint")
    chromium.page.fill("#answer", "two")
    chromium.page.press("#answer", "Enter")  # not a number: a message under the hint
    looks = chromium.evaluate("""["#score", ".right .verdict", ".wrong .verdict", ".asking .prompt", "#answer",
                                  ".hint-text", ".message", "#check", "#hint", "#skip"].map((s) => {
      const element = document.querySelector(s);
      const style = getComputedStyle(element);
      const background = element.tagName === "BUTTON" || element.tagName === "INPUT"
        ? style.backgroundColor : getComputedStyle(document.body).backgroundColor;
      return [s, parseFloat(style.fontSize), style.color, background];
    })""")
    seen = {selector for selector, *_ in looks}
    assert len(seen) == 10
    for selector, size, color, background in looks:
        assert size >= 18, selector
        assert contrast(color, background) >= 7, selector  # WCAG AAA for body text
    inside = chromium.evaluate("""[...document.querySelectorAll("nav button, #score")].every((e) => {
      const r = e.getBoundingClientRect();
      return r.left >= 0 && r.top >= 0 && r.right <= 1280 && r.bottom <= 720; })""")
    assert inside and chromium.evaluate("document.documentElement.scrollWidth") <= 1280


def test_a_step_inside_a_collapsed_neuron_is_asked_in_the_open_drawing_with_the_grads_before_it(tmp_path, bundled,
                                                                                                chromium):
    path = viz.to_html(mlp_loss(), tmp_path / "collapsed.html", collapse="neuron", engine=bundled)
    data = page_data(path)
    chromium.open(path)
    quiz = Quiz(chromium)
    chromium.click("#quiz")
    chromium.click("#next")
    while not data["nodes"][data["frames"][quiz.position()]["active"]].get("boxed"):  # skip to a step inside a box
        assert quiz.state() == "asking"
        chromium.click("#skip"), chromium.click("#next"), chromium.click("#next")
    k = quiz.position()
    frame, name = data["frames"][k], data["nodes"][data["frames"][k]["active"]]["name"]
    number = int(re.match(r"Backprop: step (\d+) of", frame["heading"]).group(1))
    assert quiz.state() == "asking" and chromium.evaluate("document.body.getAttribute('data-view')") == "open"
    status = chromium.evaluate("document.getElementById('status').textContent")
    assert status.endswith(": your turn") and " inside " in status
    active = chromium.evaluate("[...document.querySelectorAll('#graph svg:not([hidden]) g.node.active[data-grad]"
                               " > title')].map((t) => t.textContent.split(': data ')[0])")
    assert active == [name]
    oracle = mlp_loss().backward_steps()  # the same weights (seed 0), stepped by the terminal's stepper
    for _ in range(number - 1):
        oracle.step()
    before = {oracle.names[n]: n.grad for n in viz.graph.graph_nodes(oracle.root)}
    assert {key: float(exact) for key, exact in chromium.evaluate(OPEN_GRADS).items()} == before
    assert chromium.evaluate("document.querySelectorAll('#graph svg:not([hidden]) g.node.updated').length") == 0
    chromium.click("#skip"), chromium.click("#next")  # the step's result, in the same open drawing
    oracle.step()
    after = {oracle.names[n]: n.grad for n in viz.graph.graph_nodes(oracle.root)}
    assert quiz.state() == "shown" and chromium.evaluate("document.body.getAttribute('data-view')") == "open"
    assert {key: float(exact) for key, exact in chromium.evaluate(OPEN_GRADS).items()} == after != before
    assert chromium.errors() == []


def test_labels_show_as_text_in_the_questions(tmp_path, bundled, chromium):
    bold = lambda text: f"<b>{text}</b>"  # noqa: E731
    path = viz.to_html(neuron(bold), tmp_path / "labels.html", engine=bundled)
    local, grad = questions(bold)[0]["questions"]
    chromium.open(path)
    chromium.click("#quiz")
    chromium.press("ArrowRight")
    assert Quiz(chromium).prompt() == f"{local['prompt']} =" == "d tanh(<b>n</b>)/d(<b>n</b>) ="
    assert Quiz(chromium).answer("0.5") == f"Right: {local['explanation']}."
    assert Quiz(chromium).prompt() == f"{grad['prompt']} =" and "(<b>n</b>).grad after" in grad["prompt"]
    assert chromium.evaluate("document.querySelectorAll('#panel b, #questions b').length") == 0
    assert chromium.requests() == [path.resolve().as_uri()] and chromium.errors() == []


def test_above_the_limit_the_quiz_is_left_out_with_a_note(tmp_path, bundled, chromium, monkeypatch):
    monkeypatch.setattr(viz.html, "MAX_QUIZ_QUESTIONS", 10)  # the neuron asks 18
    path = viz.to_html(neuron(), tmp_path / "big.html", engine=bundled)
    assert page_data(path)["quiz"] is None
    chromium.open(path)
    assert chromium.page.is_hidden("#quiz")
    note = chromium.page.locator("#quiz-note").text_content()
    assert note.startswith("No quiz on this page: backprop here asks 18 questions, more than 10.")
    chromium.press("q"), chromium.press("ArrowRight")
    assert Quiz(chromium).state() == "off" and Quiz(chromium).position() == 1 and chromium.errors() == []


def test_the_notebook_explorer_has_the_quiz_and_it_asks_inside_the_frame(bundled, chromium, tmp_path):
    cell = viz.explore(neuron(), engine=bundled)._repr_html_()
    assert 'id=&quot;quiz&quot;' in cell and "gradwalkPageQuiz" in cell
    (tmp_path / "notebook.html").write_text(f'<!DOCTYPE html><html><body>{cell}</body></html>', encoding="utf-8")
    chromium.open(tmp_path / "notebook.html")
    frame = chromium.page.frame_locator("iframe")
    frame.locator("#quiz").click()
    frame.locator("#next").click()
    frame.locator("#answer").fill("0.5")
    frame.locator("#answer").press("Enter")
    assert frame.locator("#score").text_content() == "Score: 1 of 1 right"
    assert frame.locator("body").get_attribute("data-quiz") == "asking"
    assert chromium.errors() == [] and chromium.refused == []


@pytest.mark.parametrize("size", [2, 4])
def test_the_page_quiz_size_stays_near_a_kilobyte_a_question(tmp_path, bundled, size):
    import nn
    model = nn.MLP(2, [size, 1], seed=0)
    y = model([Value(0.5), Value(-1.0)])
    data = page_data(viz.to_html(y, tmp_path / "mlp.html", engine=bundled))
    asked = sum(len(step["questions"]) for step in data["quiz"]["steps"])
    assert asked > 0 and len(json.dumps(data["quiz"])) / asked < 1500


def test_every_script_and_style_the_page_inlines_is_packaged():
    root = pathlib.Path(__file__).resolve().parents[2]
    config = (root / "pyproject.toml").read_text(encoding="utf-8")  # tomllib is Python 3.11+; gradwalk runs on 3.10
    packaged = re.findall(r'"([^"]+)"', re.search(r"^package-data = \{ viz = \[(.*?)\] \}$", config, re.M).group(1))
    assert sorted(packaged) == sorted(p.name for p in (root / "viz").iterdir() if p.suffix in (".js", ".css"))
