// The backprop quiz's answer reader and checker for the browser: the same answers, tolerance and
// messages as autograd/answer.py and autograd/quiz.py's check(), without eval (the page's
// Content-Security-Policy forbids it). The questions themselves come from Python as JSON.
//
//   gradwalkQuiz.parseAnswer("1 - 0.7071^2")   -> 0.50000959
//   gradwalkQuiz.check(question, 0.5)          -> {right: true, why: ""}
(function (root) {
  "use strict";

  const REL_TOL = 1e-3; // an answer counts within 0.1% of the right number: 4 significant digits
  const ABS_TOL = 1e-6; // ... or within this distance of it near 0, where 0.1% accepts only 0 itself
  const MAX_LENGTH = 200;
  const FORMS = "use numbers, + - * / ** (or ^ for powers), parentheses and tanh exp log sqrt sin cos " +
    "sigmoid abs, e.g. 0.5, 1/2, 1 - 0.7071^2 or -3*0.5";

  class AnswerError extends Error {
    constructor(message) {
      super(message);
      this.name = "AnswerError";
    }
  }

  const sigmoid = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
  // Each function with the inputs Python's math module refuses (they would give NaN or -inf here).
  const FUNCTIONS = {
    tanh: [Math.tanh, () => false],
    exp: [Math.exp, () => false],
    log: [Math.log, (x) => !(x > 0)],
    sqrt: [Math.sqrt, (x) => !(x >= 0)],
    sin: [Math.sin, (x) => !Number.isFinite(x)],
    cos: [Math.cos, (x) => !Number.isFinite(x)],
    sigmoid: [sigmoid, () => false],
    abs: [Math.abs, () => false],
  };
  const CONSTANTS = { pi: Math.PI, e: Math.E };
  const has = (table, name) => Object.prototype.hasOwnProperty.call(table, name);

  // Python's repr of a str, as the Python messages show typed text.
  const repr = (text) => (text.includes("'") && !text.includes('"') ? `"${text}"` : `'${text.replace(/'/g, "\\'")}'`);

  class Overflow extends Error {}
  class Unreadable extends Error {}
  class DividesByZero extends Error {}

  // Leading spaces, then a number (with a j: imaginary), a name, or an operator.
  const TOKEN = /(\s*)(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)([jJ])?|([A-Za-z_]\w*)|(\*\*|[-+*\/(),]))/y;

  function tokenize(source, typed) {
    const tokens = [];
    let position = source.length - source.trimStart().length;
    while (position < source.trimEnd().length) {
      TOKEN.lastIndex = position;
      const match = TOKEN.exec(source);
      if (!match) throw new AnswerError(`could not read ${repr(typed)} as a number: ${FORMS}`);
      if (match[3]) throw new AnswerError("imaginary numbers are not answers here: every grad is a real number");
      const kind = match[2] !== undefined ? "number" : match[4] !== undefined ? "name" : match[5];
      const text = match[2] || match[4] || match[5];
      tokens.push({ kind, text, start: match.index + match[1].length, end: TOKEN.lastIndex });
      position = TOKEN.lastIndex;
    }
    return tokens;
  }

  // A recursive-descent parser for Python's grammar of these forms: ** binds tighter than a unary
  // minus on its left (-2**2 is -4) and is right-associative; each node keeps its source span.
  function parse(source, typed) {
    const tokens = tokenize(source, typed);
    let i = 0;
    const peek = () => tokens[i];
    const unreadable = () => new AnswerError(`could not read ${repr(typed)} as a number: ${FORMS}`);
    const take = (kind) => {
      if (!tokens[i] || tokens[i].kind !== kind) throw unreadable();
      return tokens[i++];
    };
    const span = (node, start, end) => Object.assign(node, { start, end });

    function expression() {
      let left = term();
      while (peek() && (peek().kind === "+" || peek().kind === "-")) {
        const op = tokens[i++].kind;
        const right = term();
        left = span({ type: "binary", op, left, right }, left.start, right.end);
      }
      return left;
    }
    function term() {
      let left = factor();
      while (peek() && (peek().kind === "*" || peek().kind === "/")) {
        const op = tokens[i++].kind;
        const right = factor();
        left = span({ type: "binary", op, left, right }, left.start, right.end);
      }
      return left;
    }
    function factor() {
      if (peek() && (peek().kind === "+" || peek().kind === "-")) {
        const sign = tokens[i++];
        const operand = factor();
        return span({ type: "unary", op: sign.kind, operand }, sign.start, operand.end);
      }
      return power();
    }
    function power() {
      const base = atom();
      if (peek() && peek().kind === "**") {
        i++;
        const exponent = factor();
        return span({ type: "binary", op: "**", left: base, right: exponent }, base.start, exponent.end);
      }
      return base;
    }
    function atom() {
      const token = peek();
      if (!token) throw unreadable();
      i++;
      if (token.kind === "number") return span({ type: "number", value: parseFloat(token.text) }, token.start, token.end);
      if (token.kind === "(") {
        // Python's spans: the inner expression's own span excludes the parentheses, an
        // expression that starts with them starts at "(".
        const inner = expression();
        const close = take(")");
        return span({ type: "parenthesised", inner }, token.start, close.end);
      }
      if (token.kind === "name") {
        if (peek() && peek().kind === "(") {
          i++;
          const args = [];
          if (!(peek() && peek().kind === ")")) {
            args.push(expression());
            while (peek() && peek().kind === ",") {
              i++;
              if (peek() && peek().kind === ")") break; // Python allows f(x,)
              args.push(expression());
            }
          }
          const close = take(")");
          return span({ type: "call", name: token.text, args }, token.start, close.end);
        }
        return span({ type: "name", name: token.text }, token.start, token.end);
      }
      throw unreadable();
    }

    const tree = expression();
    if (i !== tokens.length) throw unreadable();
    return tree;
  }

  function evaluate(node, source) {
    const segment = () => repr(source.slice(node.start, node.end));
    switch (node.type) {
      case "number":
        return node.value; // 1e400 is infinity, as in Python: only the final answer must be finite
      case "parenthesised":
        return evaluate(node.inner, source);
      case "unary": {
        const value = evaluate(node.operand, source);
        return node.op === "-" ? -value : value;
      }
      case "binary": {
        const x = evaluate(node.left, source);
        const y = evaluate(node.right, source);
        if (node.op === "+") return x + y;
        if (node.op === "-") return x - y;
        if (node.op === "*") return x * y;
        if (node.op === "/") {
          if (y === 0) throw new DividesByZero();
          return x / y;
        }
        // Python's float power: 0 to a negative power divides by zero, a negative base to a
        // fractional power is complex, and a finite result too large raises OverflowError.
        if (x === 0 && y < 0) throw new DividesByZero();
        if (x < 0 && Number.isFinite(x) && Number.isFinite(y) && !Number.isInteger(y)) {
          throw new AnswerError(`${segment()} is not a real number (a negative number to a fractional power)`);
        }
        const result = x ** y;
        if (!Number.isFinite(result) && Number.isFinite(x) && Number.isFinite(y)) throw new Overflow();
        return result;
      }
      case "name":
        if (has(CONSTANTS, node.name)) return CONSTANTS[node.name];
        if (has(FUNCTIONS, node.name)) {
          throw new AnswerError(`${node.name} is a function: write it with its argument, e.g. ${node.name}(0.5)`);
        }
        throw new AnswerError(`${repr(node.name)} is not a number: type the value it stands for (0.7071 rather than y)`);
      case "call": {
        if (!has(FUNCTIONS, node.name)) throw new Unreadable();
        if (node.args.length !== 1) throw new AnswerError(`${node.name} takes one number, e.g. ${node.name}(0.5)`);
        const [apply, outside] = FUNCTIONS[node.name];
        const x = evaluate(node.args[0], source);
        if (outside(x)) throw new AnswerError(`${segment()} is outside ${node.name}'s domain`);
        const value = apply(x);
        if (node.name === "exp" && !Number.isFinite(value) && Number.isFinite(x)) throw new Overflow();
        return value;
      }
    }
    throw new Unreadable();
  }

  // The number a typed answer stands for: 0.5, 1/2, 1 - 0.7071^2, tanh(0.88); AnswerError says why not.
  function parseAnswer(text) {
    if (typeof text !== "string") throw new TypeError(`text must be the typed answer as a string, got ${typeof text}`);
    const answer = text.trim();
    if (!answer) throw new AnswerError(`the answer is empty: ${FORMS}`);
    if (answer.length > MAX_LENGTH) {
      throw new AnswerError(`the answer is ${answer.length} characters long; keep it under ${MAX_LENGTH}`);
    }
    if (answer.split(",").length === 2 && /^\d+$/.test(answer.replace(",", "").replace(/-/g, "").trim())) {
      throw new AnswerError(`${repr(answer)}: write decimals with a dot, e.g. ${answer.replace(",", ".")}`);
    }
    // Learners write powers as the hints do (0.7071^2); the page reads ^ as Python's quiz does.
    const source = answer.replace(/\^/g, "**").replace(/\u2212/g, "-").replace(/\u00d7/g, "*");
    let value;
    try {
      value = evaluate(parse(source, answer), source);
    } catch (error) {
      if (error instanceof DividesByZero) throw new AnswerError(`${repr(answer)} divides by zero`);
      if (error instanceof Unreadable) throw new AnswerError(`could not read ${repr(answer)} as a number: ${FORMS}`);
      if (error instanceof Overflow) throw new AnswerError(`${repr(answer)} is too large for a float (above 1.8e308)`);
      throw error;
    }
    if (!Number.isFinite(value)) throw new AnswerError(`${repr(answer)} is not a finite number`);
    return value;
  }

  // True when `given` is within relTol of `expected` (relative), or within absTol of it near 0.
  function isClose(given, expected, relTol = REL_TOL, absTol = ABS_TOL) {
    return Math.abs(given - expected) <= Math.max(relTol * Math.abs(expected), absTol);
  }

  // {right: true, why: ""} when `value` answers `question` (one of step_questions' dicts), else
  // {right: false, why}, naming the classic mistake when one fits. `tolerance` is quiz_data's.
  function check(question, value, tolerance = {}) {
    const rel = tolerance.rel_tol ?? REL_TOL;
    const abs = tolerance.abs_tol ?? ABS_TOL;
    if (question.accept.some((answer) => isClose(value, answer, rel, abs))) return { right: true, why: "" };
    for (const [wrong, why] of question.mistakes) {
      if (isClose(value, wrong, rel, abs)) return { right: false, why };
    }
    return { right: false, why: `Not quite: ${question.explanation}.` };
  }

  root.gradwalkQuiz = Object.freeze({ parseAnswer, isClose, check, AnswerError, REL_TOL, ABS_TOL, MAX_LENGTH });
})(typeof window !== "undefined" ? window : globalThis);
