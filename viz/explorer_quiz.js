// The explorer's quiz: at each backprop step, the learner predicts each edge's local derivative and
// then the parent's new grad before the page shows them. The questions, answers and classic-mistake
// explanations come from Python (autograd/quiz.py) as JSON; quiz.js reads and checks the answers,
// as the terminal quiz does. explorer.js decides when a step is asked; this file asks it.
(function (root) {
  "use strict";
  const HELP = "Type your answer as a number (0.5, 1/2, 1 - 0.7071^2), or press Hint or Skip.";

  // quiz: {rel_tol, abs_tol, steps}, one step per backprop frame in order; elements: {panel, score, next}.
  function create(quiz, frames, elements) {
    const checker = root.gradwalkQuiz;
    const tolerance = { rel_tol: quiz.rel_tol, abs_tol: quiz.abs_tol };
    const tally = { right: 0, asked: 0, hinted: 0, skipped: 0 };
    const steps = new Map();  // frame index -> what the learner has done at that step
    let n = 0;
    frames.forEach((frame, k) => {
      if (frame.phase === "backward") {
        const step = { data: quiz.steps[n++], current: 0, results: [], revealed: false, hinted: false,
                       typed: "", message: "" };
        passOver(step);
        steps.set(k, step);
      }
    });

    // A question whose answer is not a finite number has nothing to predict: it is shown, not asked.
    function passOver(step) {
      const questions = step.data.questions;
      while (step.current < questions.length && questions[step.current].answer === null) {
        step.results.push({ given: questions[step.current].shown, kind: "shown",
                            why: "not a finite number: nothing to predict" });
        step.current += 1;
      }
    }

    const done = (step) => step.current >= step.data.questions.length;

    // The same words as the terminal's Score: "5 of 6 right (1 hint, 2 skipped)".
    function showScore() {
      const extras = [];
      if (tally.hinted) extras.push(`${tally.hinted} hint${tally.hinted === 1 ? "" : "s"}`);
      if (tally.skipped) extras.push(`${tally.skipped} skipped`);
      elements.score.textContent = `Score: ${tally.right} of ${tally.asked} right` +
        (extras.length ? ` (${extras.join(", ")})` : "");
    }

    function finish(k, step, result) {
      step.results.push(result);
      step.current += 1;
      step.hinted = false;
      step.typed = "";
      step.message = "";
      passOver(step);
      showScore();
      render(k);
    }

    function answer(k, step, text) {
      step.typed = text;
      const command = text.trim().toLowerCase();
      if (command === "hint" || command === "h") return hint(k, step);
      if (command === "skip" || command === "s") return skip(k, step);
      const question = step.data.questions[step.current];
      let value;
      try {
        if (!command || command === "help" || command === "?") throw new checker.AnswerError("");
        value = checker.parseAnswer(text);
      } catch (error) {
        if (!(error instanceof checker.AnswerError)) throw error;
        step.message = error.message ? `${error.message}. (Or press Hint or Skip.)` : HELP;
        return render(k);
      }
      const { right, why } = checker.check(question, value, tolerance);
      tally.asked += 1;
      tally.right += right ? 1 : 0;
      tally.hinted += step.hinted ? 1 : 0;
      finish(k, step, { given: text.trim(), kind: right ? "right" : "wrong",
                        why: right ? `Right: ${question.explanation}.` : why });
    }

    function hint(k, step) {
      step.hinted = true;
      step.typed = "";
      step.message = "";
      render(k);
    }

    // As in the terminal, Skip shows the answers of the rest of this step, each counted as skipped.
    function skip(k, step) {
      const questions = step.data.questions;
      for (const question of questions.slice(step.current)) {
        if (question.answer === null) {
          step.results.push({ given: question.shown, kind: "shown", why: "not a finite number: nothing to predict" });
        } else {
          tally.asked += 1;
          tally.skipped += 1;
          step.results.push({ given: question.shown, kind: "skipped", why: `Skipped: ${question.explanation}.` });
        }
      }
      step.current = questions.length;
      step.typed = "";
      step.message = "";
      showScore();
      render(k);
    }

    function element(tag, className, text) {
      const made = document.createElement(tag);
      if (className) made.className = className;
      if (text !== undefined) made.textContent = text;
      return made;
    }

    function button(id, text, title, action) {
      const made = element("button", "", text);
      made.type = "button";
      made.id = id;
      made.title = title;
      made.addEventListener("click", action);
      return made;
    }

    // The step's questions so far, each with the learner's answer and the verdict; then the one being asked.
    function render(k) {
      const step = steps.get(k);
      const questions = step.data.questions;
      const parts = [element("div", "line head", step.data.heading)];
      step.results.forEach((result, i) => {
        const row = element("div", "question answered " + result.kind);
        row.append(element("div", "prompt", `${questions[i].prompt} = ${result.given}`),
                   element("div", "verdict", result.why));
        parts.push(row);
      });
      let input = null;
      if (!done(step)) {
        const question = questions[step.current];
        const row = element("div", "question asking");
        const label = element("label", "prompt", `${question.prompt} =`);
        label.htmlFor = "answer";
        input = element("input");
        Object.assign(input, { id: "answer", type: "text", value: step.typed, autocomplete: "off",
                               spellcheck: false, inputMode: "decimal" });
        input.setAttribute("autocapitalize", "off");
        input.addEventListener("keydown", (event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            answer(k, step, input.value);
          } else if (event.key === "Escape") {
            input.blur();  // the arrow keys step the explorer again
          }
        });
        input.addEventListener("input", () => { step.typed = input.value; });
        const actions = element("div", "actions");
        actions.append(button("check", "Check", "Check the answer (Enter)", () => answer(k, step, input.value)),
                       button("hint", "Hint", "Show a hint", () => hint(k, step)),
                       button("skip", "Skip", "Show this step's answers (counted as skipped)", () => skip(k, step)));
        row.append(label, input, actions);
        if (step.hinted) row.append(element("div", "hint-text", `Hint: ${question.hint}`));
        if (step.message) row.append(element("div", "message", step.message));
        parts.push(row);
      } else {
        if (step.data.accumulated.length) {
          parts.push(element("div", "line plain", "Leaf grads accumulate across passes: each leaf gets this " +
                                                  "pass's share added once, at the end."));
          for (const each of step.data.accumulated) parts.push(element("div", "line update", each.text));
        }
        parts.push(element("div", "line next", "Press Next to see this step's result in the graph."));
      }
      elements.panel.replaceChildren(...parts);
      const last = parts[parts.length - 1];
      if (input) {
        input.focus({ preventScroll: true });
      } else if (document.activeElement === document.body || elements.panel.contains(document.activeElement)) {
        elements.next.focus({ preventScroll: true });  // Enter now shows the step's result
      }
      last.scrollIntoView({ block: "nearest" });
    }

    showScore();
    return {
      // True while frame k is a backprop step whose result the learner has not been shown yet.
      hides: (k) => steps.has(k) && !steps.get(k).revealed,
      done: (k) => steps.has(k) && done(steps.get(k)),
      reveal: (k) => { steps.get(k).revealed = true; },
      render,
      nudge: (k) => {
        steps.get(k).message = "Answer this question first (or press Hint or Skip); then Next shows the step's result.";
        render(k);
      },
    };
  }

  root.gradwalkPageQuiz = create;
})(window);
