"""Backprop as a quiz: predict each step's local derivatives and new grads, then see what backprop did.

A step's questions are plain data (`step_questions`), so a terminal (`quiz`) and a web
page ask the same questions, accept the same answers and recognise the same classic
mistakes (forgetting the upstream factor, replacing a grad instead of adding to it,
tanh' from the input, relu' at 0, a flipped sign).

>>> from autograd import Value
>>> n = Value(0.8813735870195432, label="n"); y = n.tanh(); y.label = "y"
>>> local, grad = step_questions(y.backward_steps().step())["questions"]
>>> local["prompt"], grad["prompt"]
('d tanh(n)/dn', 'n.grad after this step (it is 0 now)')
>>> check(local, parse_answer("1 - 0.7071^2"))
(True, '')
>>> right, why = check(local, 1 - 0.8814 ** 2)  # tanh' from the input n, not the output y
>>> right, why.split(". ")[0]
(False, 'That is 1 - n^2, from the input n = 0.8814')
"""

import math
import textwrap
from dataclasses import dataclass

from .answer import ABS_TOL, REL_TOL, AnswerError, is_close, parse_answer
from .trace import derivative_of, format_number, in_formula, wrt

__all__ = ["step_questions", "quiz_data", "check", "parse_answer", "AnswerError", "is_close", "quiz", "Score"]


def _number(x: float):
    """A float for JSON: None when it is not finite (JSON has no NaN or infinity)."""
    return x if math.isfinite(x) else None


def _shown_value(text: str):
    """The number an op table's numeric text gives when evaluated as written (4-digit inputs), or None."""
    try:
        return parse_answer(text)
    except AnswerError:
        return None


def _question(kind, edge_index, parent, prompt, answer, accept, explanation, hint, mistakes) -> dict:
    """One question as JSON-ready data; mistakes that equal an accepted answer or an earlier mistake are dropped."""
    accepted = []
    for a in accept:
        if a is not None and math.isfinite(a) and a not in accepted:
            accepted.append(a)
    kept = []
    for value, why in mistakes:
        if math.isfinite(value) and not any(is_close(value, a) or is_close(a, value) for a in accepted) \
                and not any(is_close(value, v) for v, _ in kept):
            kept.append([value, why])
    return dict(kind=kind, edge=edge_index, parent=parent, prompt=prompt, answer=_number(answer),
                shown=format_number(answer), accept=accepted if math.isfinite(answer) else [],
                explanation=explanation, hint=hint, mistakes=kept)


def _local_question(step, j, edge, label) -> dict:
    """d(node)/d(parent) = ?, with the op table's rule as the hint."""
    g, local, x, out = step.upstream, edge.local, edge.parent.data, step.value
    p, node = wrt(edge.parent_name), wrt(step.name)
    derivative = f"{derivative_of(step.expression)}/d{p}{label}"
    parts = [derivative]
    for part in (edge.rule, edge.numeric, format_number(local)):
        if part != parts[-1]:
            parts.append(part)
    formula = " = ".join(parts[1:])
    with_numbers = f", which with this step's numbers is {edge.numeric}" if edge.numeric != edge.rule else ""
    hint = f"The op table's rule for {step.op}: {derivative} = {edge.rule}{with_numbers}."
    mistakes = [(g * local, f"That is upstream * local = {in_formula(g)} * {in_formula(local)}. This question "
                            f"asks for the local derivative {derivative} alone: the upstream factor comes in "
                            f"when {p}.grad is updated.")]
    if step.op in ("tanh", "sigmoid"):
        name = step.op
        wrong, written = ((1 - x * x, "1 - {v}^2"), (x * (1 - x), "{v} * (1 - {v})"))[name == "sigmoid"]
        mistakes.append((wrong, f"That is {written.format(v=p)}, from the input {p} = {format_number(x)}. "
                                f"{name}' is written with the output: {edge.rule} = {written.format(v=node)}, "
                                f"where {node} = {name}({p}) = {format_number(out)}."))
    if step.op == "relu" and x == 0.0:
        for wrong in (1.0, 0.5):
            mistakes.append((wrong, f"At exactly {p} = 0 relu has a corner and no derivative; gradwalk, like "
                                    f"PyTorch, uses 0 there (the rule is {edge.rule}, and 0 > 0 is false)."))
    if step.op == "mul":
        mistakes.append((x, f"That is {p}'s own value. The derivative of a product with respect to one factor is "
                            f"the other factor: {edge.rule} = {edge.numeric}."))
    if step.op != "exp":  # exp is its own derivative
        mistakes.append((out, f"That is the value of {node} itself, not its derivative with respect to {p}."))
    answer = f" The answer is {derivative} = {formula}."
    mistakes = [(value, why + answer) for value, why in mistakes]
    mistakes.append((-local, f"The sign is flipped: {derivative} = {formula}."))
    return _question("local", j, edge.parent_name, derivative, local, [local, _shown_value(edge.numeric)],
                     f"{derivative} = {formula}", hint, mistakes)


def _grad_question(step, j, edge) -> dict:
    """parent.grad after this step = ?: the chain rule, grad_before + upstream * local."""
    g, local, before, c, after = step.upstream, edge.local, edge.grad_before, edge.contribution, edge.grad_after
    p, up = wrt(edge.parent_name), f"d{wrt(step.root_name)}/d{wrt(step.name)}"
    add = f"{in_formula(before)} + {in_formula(g)} * {in_formula(local)} = {format_number(after)}"
    explanation = f"{p}.grad = {add}"
    hint = (f"Chain rule: {p}.grad += upstream * local. The upstream gradient {up} is {format_number(g)}, the local "
            f"derivative is {format_number(local)}, and {p}.grad is {format_number(before)} before this step.")
    mistakes = [
        (before + local, f"You forgot the upstream factor: the chain rule multiplies the local derivative "
                         f"{format_number(local)} by the upstream gradient {up} = {format_number(g)}, so {explanation}."),
        (c, f"You replaced the grad instead of adding to it: {p}.grad was already {format_number(before)}, and "
            f"gradients from every use of {p} add up, so {explanation}."),
    ]
    first = next(e for e in step.edges if e.parent is edge.parent)
    if first is not edge:  # a * a: the second edge adds to what the first edge left
        mistakes.append((first.grad_before + c, f"{p} appears twice in {step.expression}: the second edge adds to "
                                                f"the grad the first edge left, {format_number(before)}, so {explanation}."))
    mistakes += [
        (local, f"That is the local derivative alone: multiply it by the upstream gradient {up} = {format_number(g)} "
                f"and add the result to the grad {p} already has, so {explanation}."),
        (before, f"That is {p}.grad before this step: this step adds upstream * local to it, so {explanation}."),
        (g + before, f"You forgot the local derivative: the upstream gradient {up} = {format_number(g)} is "
                     f"multiplied by it, so {explanation}."),
        (-after, f"The sign is flipped: {explanation}."),
        (before - c, f"The chain rule adds upstream * local = {format_number(c)}, it does not subtract it: "
                     f"{explanation}."),
    ]
    rounded = float(format_number(before)) + float(format_number(g)) * float(format_number(local))
    prompt = f"{p}.grad after this step (it is {format_number(before)} now)"
    return _question("grad", j, edge.parent_name, prompt, after, [after, rounded], explanation, hint, mistakes)


def step_questions(step) -> dict:
    """The questions of one backprop Step as JSON-ready data: per edge its local derivative, then the parent's grad."""
    for field in ("number", "total", "name", "expression", "op", "value", "upstream", "root_name", "edges"):
        if not hasattr(step, field):
            raise TypeError(f"step must be a Step from a BackpropStepper (its step() or history()), "
                            f"got {type(step).__name__}")
    repeated = len({id(e.parent) for e in step.edges}) < len(step.edges)
    questions = []
    for j, edge in enumerate(step.edges):
        label = f" ({'first' if edge.operand == 'x' else 'second'} operand)" if repeated else ""
        questions.append(_local_question(step, j, edge, label))
        questions.append(_grad_question(step, j, edge))
    upstream = f"d{wrt(step.root_name)}/d{wrt(step.name)}"
    defined = step.expression if step.name == step.expression else f"{step.name} = {step.expression}"
    heading = (f"Step {step.number}/{step.total}  {defined} = {format_number(step.value)}   "
               f"upstream {upstream} = {format_number(step.upstream)}")
    # The last step of a pass adds the leaves' grads from earlier passes back: shown, not asked.
    accumulated = [dict(leaf=a.name, earlier=_number(a.earlier), this_pass=_number(a.this_pass), total=_number(a.total),
                        text=str(a)) for a in getattr(step, "accumulated", ())]
    return dict(step=step.number, total=step.total, node=step.name, expression=step.expression, op=step.op,
                value=_number(step.value), upstream=_number(step.upstream), heading=heading, questions=questions,
                accumulated=accumulated)


def quiz_data(steps) -> dict:
    """Every step's questions with the tolerance answers are checked with; json.dumps(..., allow_nan=False) works."""
    if isinstance(steps, (str, bytes)) or not hasattr(steps, "__iter__"):
        raise TypeError(f"steps must be Steps, e.g. stepper.history(), got {type(steps).__name__}")
    return dict(rel_tol=REL_TOL, abs_tol=ABS_TOL, steps=[step_questions(step) for step in steps])


def check(question: dict, value: float) -> tuple:
    """(True, '') when `value` answers `question`; else (False, why), naming the classic mistake when one fits."""
    if not isinstance(question, dict) or "accept" not in question:
        raise TypeError(f"question must be one of step_questions(step)['questions'], got {type(question).__name__}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"value must be a number (parse typed text with parse_answer), got {type(value).__name__}")
    if any(is_close(value, a) for a in question["accept"]):
        return True, ""
    for wrong, why in question["mistakes"]:
        if is_close(value, wrong):
            return False, why
    return False, f"Not quite: {question['explanation']}."


# -- the terminal dialogue ------------------------------------------------------

INTRO = """\
Backprop quiz on {root}: {steps} steps. At each step, predict the local derivative of each edge,
then the parent's new grad. Answer with a number (0.5), a fraction (1/2) or arithmetic
(1 - 0.7071^2, tanh(0.88)); 4 significant digits are enough. Type hint for a hint, skip to
see this step's answers, quit to stop (the steps you finished stay taken).
Ctrl-C or Ctrl-D leaves at once and puts every grad back as it was."""
_WIDTH = 88


@dataclass(frozen=True)
class Score:
    """How a quiz went: right answers out of questions asked, hints taken, questions skipped."""

    right: int
    asked: int
    hinted: int = 0
    skipped: int = 0
    finished: bool = False  # True when every step was answered or skipped

    def __str__(self):
        extras = [f"{self.hinted} hint{'s' * (self.hinted != 1)}"] if self.hinted else []
        extras += [f"{self.skipped} skipped"] if self.skipped else []
        return f"{self.right} of {self.asked} right" + (f" ({', '.join(extras)})" if extras else "")


def quiz(stepper, input=input, output=print) -> Score:
    """Quiz a learner through the stepper's remaining steps: ask, check, explain; returns the Score.

    The stepper takes each step as its questions come, so after a full quiz every grad is what
    backward() gives. `quit` undoes the step in progress and keeps the finished ones; Ctrl-C and
    Ctrl-D (KeyboardInterrupt, EOFError) put every grad back as it was before the quiz.
    """
    from .stepper import BackpropStepper  # here: stepper.py imports this module for its quiz() method

    if not isinstance(stepper, BackpropStepper):
        raise TypeError(f"stepper must be a BackpropStepper (y.backward_steps()), got {type(stepper).__name__}")
    for name, function in (("input", input), ("output", output)):
        if not callable(function):
            raise TypeError(f"{name} must be a function like the built-in {name}(), got {type(function).__name__}")
    root = stepper.names[stepper.root]
    if len(stepper) == 0 or stepper.done:
        why = f"{root} is a leaf: backprop has no steps" if len(stepper) == 0 else "every step has been taken"
        output(f"Nothing to quiz: {why}. (steps.reset() starts over.)")
        return Score(0, 0, finished=True)
    start, tally = stepper.position, dict(right=0, asked=0, hinted=0, skipped=0)
    output(INTRO.format(root=root, steps=len(stepper) - start))
    try:
        while (step := stepper.step()) is not None:
            if not _ask_step(step_questions(step), tally, input, output):
                stepper.back()
                where = f"after step {stepper.position}/{len(stepper)}" if stepper.position else "before step 1"
                output("")
                _say(output, f"Stopped: {Score(**tally)}. The grads are as {where}: steps.quiz() goes on from "
                             f"there, steps.reset() starts over.", indent="")
                return Score(**tally)
    except (KeyboardInterrupt, EOFError):
        _restore(stepper, start)
        output(f"\nQuiz left with {Score(**tally)} so far. Every grad is back to what it was before the quiz.")
        return Score(**tally)
    except BaseException:
        _restore(stepper, start)
        raise
    score = Score(**tally, finished=True)
    output(f"\nScore: {score}. Every grad is now what {root}.backward() gives.")
    return score


def _restore(stepper, position: int) -> None:
    """Undo the quiz's steps exactly, back to `position` (0: every grad as before the pass)."""
    while stepper.position > position:
        stepper.back()
    if position == 0:
        stepper.reset()


def _say(output, text: str, indent: str = "    ") -> None:
    output(textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent))


def _ask_step(data: dict, tally: dict, input, output) -> bool:
    """Ask one step's questions in order; False when the learner quits."""
    output("\n" + data["heading"])
    questions = data["questions"]
    for i, question in enumerate(questions):
        if question["answer"] is None:
            output(f"  {question['prompt']} = {question['shown']} (not a finite number: nothing to predict)")
            continue
        outcome = _ask(question, tally, input, output)
        if outcome == "quit":
            return False
        if outcome == "skip":
            rest = [q for q in questions[i:] if q["answer"] is not None]
            tally["asked"] += len(rest)
            tally["skipped"] += len(rest)
            for q in rest:
                _say(output, f"{q['explanation']}")
            break
    if data["accumulated"]:
        output("  Leaf grads accumulate across passes: each leaf gets this pass's share added once, at the end.")
        for each in data["accumulated"]:
            _say(output, each["text"])
    return True


def _ask(question: dict, tally: dict, input, output) -> str:
    """Ask until the answer is a number or a command; returns 'answered', 'skip' or 'quit'."""
    hinted = False
    while True:
        text = input(f"  {question['prompt']} = ? ").strip()
        command = text.lower()
        if command in ("quit", "q", "exit"):
            return "quit"
        if command in ("skip", "s"):
            return "skip"
        if command in ("hint", "h"):
            hinted = True
            _say(output, f"Hint: {question['hint']}")
            continue
        if not text or command in ("help", "?"):
            _say(output, "Type your answer as a number (0.5, 1/2, 1 - 0.7071^2), or hint, skip or quit.")
            continue
        try:
            value = parse_answer(text)
        except AnswerError as error:
            _say(output, f"{error}. (Or type hint, skip or quit.)")
            continue
        right, why = check(question, value)
        tally["asked"] += 1
        tally["right"] += right
        tally["hinted"] += hinted
        _say(output, f"Right: {question['explanation']}." if right else why)
        return "answered"
