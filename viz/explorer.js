// The backprop explorer: shows, one at a time, the states gradwalk computed and embedded as JSON.
// No arithmetic happens here: every number, heading and explanation comes from the Python stepper.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("steps").textContent);
  const frames = data.frames;
  const last = frames.length - 1;
  const byId = (id) => document.getElementById(id);
  const svgs = byId("graph").querySelectorAll("svg");
  const buttons = { reset: byId("reset"), back: byId("back"), play: byId("play"), next: byId("next") };
  const status = byId("status");
  const explanation = byId("explanation");
  const bar = byId("progress").firstElementChild;
  const questions = byId("questions");
  const quizButton = byId("quiz");
  // The quiz (explorer_quiz.js) asks each backprop step before it is shown; absent on a page too big for it.
  const quiz = data.quiz
    ? window.gradwalkPageQuiz(data.quiz, frames, { panel: questions, score: byId("score"), next: buttons.next })
    : null;
  let quizzing = false;
  const asking = (k) => quizzing && quiz.hides(k);  // frame k waits for the learner's answers
  const PLAY = "\u25B6\uFE0E Play";
  const PAUSE = "\u275A\u275A Pause";

  // Graph text is never drawn smaller than this many CSS pixels unless the user zooms out: a big graph opens
  // zoomed on the step, and browser zoom (fewer CSS pixels in the window) enlarges the graph like the text.
  const inline = document.documentElement.classList.contains("inline");
  const READABLE = inline ? 9 : 16;  // a notebook is read from closer
  const MARGIN = 20;  // the graph's padding (0.5rem each side), in pixels
  const RANK = { " pending": 0, "": 1, " updated": 2, " active": 3 };
  let position = 0;
  let timer = null;

  // The grads of every node in every state, from the changes each state lists.
  const states = [];
  let grads = [];
  for (const frame of frames) {
    grads = grads.slice();
    for (const [i, text, exact] of frame.grads) grads[i] = [text, exact];
    states.push(grads);
  }

  // One drawing of the graph with its own boxes, zoom and pan. A page drawn with collapse has two: the
  // boxes closed, and (shown while a step works inside a box) every box open.
  function makeView(svg, described) {
    // Graphviz gives every drawn node and edge a <g> whose <title> is its DOT name.
    const byName = new Map();
    for (const g of svg.querySelectorAll("g.node, g.edge")) {
      const title = g.querySelector("title");
      if (title) byName.set(title.textContent, g);
    }

    // Graphviz places table text by its start; anchoring it at the cell's middle keeps a new number centred.
    function centre(text) {
      const x = parseFloat(text.getAttribute("x"));
      const cell = text.previousElementSibling;
      let middle = x + text.getComputedTextLength() / 2;
      if (cell && cell.tagName === "polygon") {
        const xs = cell.getAttribute("points").trim().split(/\s+/).map((point) => parseFloat(point));
        const left = Math.min(...xs);
        const right = Math.max(...xs);
        if (left <= x && x <= right) middle = (left + right) / 2;
      }
      text.setAttribute("x", middle.toFixed(2));
      text.setAttribute("text-anchor", "middle");
    }

    // The frame a highlight colors is the table's outer border: the largest polygon (drawn first or last).
    function markFrame(box) {
      let frame = null;
      let largest = -1;
      for (const polygon of box.querySelectorAll("polygon")) {
        const points = polygon.getAttribute("points").trim().split(/\s+/).map((p) => p.split(",").map(parseFloat));
        const xs = points.map((p) => p[0]);
        const ys = points.map((p) => p[1]);
        const area = (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
        if (area > largest || (area === largest && polygon.getAttribute("fill") === "none")) {
          frame = polygon;
          largest = area;
        }
      }
      if (frame) frame.setAttribute("class", "frame");
    }

    // A Value inside a collapsed neuron or layer shares its box; only the box's one output shows its numbers.
    const nodes = described.map((node) => {
      const box = byName.get(node.box);
      const texts = box.querySelectorAll("text");
      const result = node.result_edge ? byId(node.result_edge) : null;
      const op = result ? byName.get(result.querySelector("title").textContent.split("->")[0]) : null;
      const edges = node.edges.concat(node.result_edge ? [node.result_edge] : []).map(byId).filter(Boolean);
      const numbers = !node.boxed || node.shows;
      const record = { box, op, edges, name: node.name, data: node.data, value: node.value, boxed: !!node.boxed,
                       grad: numbers ? texts[texts.length - 1] : null, shown: numbers ? texts[texts.length - 2] : null,
                       title: numbers ? box.querySelector("title") : null };
      for (const text of [record.grad, record.shown]) if (text) centre(text);
      if (record.grad) record.grad.setAttribute("class", "grad");
      markFrame(box);
      return record;
    });
    for (const node of nodes) {  // DOT names make poor tooltips: ops, edges and group boxes get none
      for (const part of [node.op, ...node.edges, node.boxed ? node.box : null]) {
        const title = part && part.querySelector("title");
        if (title) title.textContent = "";
      }
    }

    // Zoom and pan: the view is a centre in graph units and a zoom over the fitted scale (1 shows everything).
    const drawn = svg.viewBox.baseVal;
    const fitted = { x: drawn.x, y: drawn.y, width: drawn.width, height: drawn.height };
    const view = { x: fitted.x + fitted.width / 2, y: fitted.y + fitted.height / 2, zoom: 1 };
    let maxZoom = 8;  // at least 3x the readable zoom, so a big graph can still be magnified
    const sample = svg.querySelector("g.node text[font-size]");
    const textHeight = sample ? parseFloat(sample.getAttribute("font-size")) : 0;  // in graph units
    let readable = 1;
    let chosen = false;  // true once the user zoomed: layout then keeps their zoom
    let glide = null;

    function scale(zoom) {
      const size = svg.getBoundingClientRect();
      return zoom * Math.min(size.width / fitted.width, size.height / fitted.height);
    }

    function look(x, y, zoom) {
      zoom = Math.min(maxZoom, Math.max(1, zoom));
      const size = svg.getBoundingClientRect();
      const s = scale(zoom);
      if (!(s > 0)) return;  // not laid out (hidden): keep the viewBox
      const width = size.width / s;
      const height = size.height / s;
      // Keep the view on the graph: no empty margin on a side while the graph is larger than the view there.
      const clamp = (v, start, length, shown) => (shown >= length ? start + length / 2
        : Math.min(start + length - shown / 2, Math.max(start + shown / 2, v)));
      x = clamp(x, fitted.x, fitted.width, width);
      y = clamp(y, fitted.y, fitted.height, height);
      Object.assign(view, { x, y, zoom });
      svg.setAttribute("viewBox", [x - width / 2, y - height / 2, width, height].map((v) => v.toFixed(2)).join(" "));
    }

    function glideTo(x, y) {  // a quarter-second move, so the audience sees where the step went
      cancelAnimationFrame(glide);
      const from = { x: view.x, y: view.y };
      const start = performance.now();
      const frame = (now) => {
        const t = Math.min(1, (now - start) / 250);
        const ease = t * (2 - t);
        look(from.x + (x - from.x) * ease, from.y + (y - from.y) * ease, view.zoom);
        if (t < 1) glide = requestAnimationFrame(frame);
      };
      glide = requestAnimationFrame(frame);
    }

    function centreOf(elements) {  // of the elements' joint bounding box, in the SVG's units
      const boxes = elements.map((element) => element.getBBox());
      const left = Math.min(...boxes.map((box) => box.x));
      const top = Math.min(...boxes.map((box) => box.y));
      const right = Math.max(...boxes.map((box) => box.x + box.width));
      const bottom = Math.max(...boxes.map((box) => box.y + box.height));
      const point = new DOMPoint((left + right) / 2, (top + bottom) / 2);
      const shift = svg.querySelector("g.graph").transform.baseVal.consolidate();  // Graphviz translates its graph
      return shift ? point.matrixTransform(shift.matrix) : point;
    }

    function zoomBy(factor, clientX, clientY) {
      chosen = true;
      const size = svg.getBoundingClientRect();
      const s = scale(view.zoom);
      const px = clientX === undefined ? 0 : clientX - size.left - size.width / 2;
      const py = clientY === undefined ? 0 : clientY - size.top - size.height / 2;
      const x = view.x + px / s;  // the graph point under the cursor stays under it
      const y = view.y + py / s;
      const zoom = Math.min(maxZoom, Math.max(1, view.zoom * factor));
      cancelAnimationFrame(glide);
      look(x - px / scale(zoom), y - py / scale(zoom), zoom);
    }

    svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      zoomBy(event.deltaY < 0 ? 1.2 : 1 / 1.2, event.clientX, event.clientY);
    }, { passive: false });
    let drag = null;
    svg.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY, view: { ...view } };
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", (event) => {
      if (!drag || view.zoom === 1) return;
      const s = scale(view.zoom);
      cancelAnimationFrame(glide);
      look(drag.view.x - (event.clientX - drag.x) / s, drag.view.y - (event.clientY - drag.y) / s, view.zoom);
    });
    svg.addEventListener("pointerup", () => { drag = null; });

    // Every attribute a state touches is set from scratch, so a state looks the same however it was reached.
    // While the quiz asks a step (ask), its node and edges are marked but the grads stay as they were before it.
    function paint(k, ask) {
      const frame = frames[k];
      const updated = new Set(ask ? [] : frame.updated);
      const flowing = new Set(frame.active !== null ? nodes[frame.active].edges : []);
      const roles = new Map();  // box -> its strongest role: a box holding several Values shows any step inside it
      nodes.forEach((node, i) => {
        const pending = i >= frame.shown;
        const active = i === frame.active;
        const role = pending ? " pending" : active ? " active" : updated.has(i) ? " updated" : "";
        const before = roles.get(node.box);
        if (before === undefined || (node.boxed && RANK[role] > RANK[before])) roles.set(node.box, role);
        if (node.op) node.op.setAttribute("class", "node" + (pending ? " pending" : active ? " active" : ""));
        for (const edge of node.edges) {
          const role = pending ? " pending" : flowing.has(edge) ? " flowing " + frame.phase : "";
          edge.setAttribute("class", "edge" + role);
        }
        const [text, exact] = states[ask ? k - 1 : k][i];
        if (node.shown) node.shown.textContent = pending ? (node.boxed ? "out ?" : "data ?") : node.data;
        if (node.grad) {
          node.grad.textContent = text;
          node.box.setAttribute("data-grad", exact);
        }
        if (node.title) {
          node.title.textContent = pending ? node.name + ": not computed yet"
            : node.name + ": data " + node.value + ", grad " + exact;
        }
      });
      for (const [box, role] of roles) box.setAttribute("class", "node" + role);
      if (view.zoom > 1 && frame.active !== null) {  // zoomed in: follow the step
        const active = nodes[frame.active];
        const centre = centreOf([active.box, active.op, ...[...updated].map((i) => nodes[i].box)].filter(Boolean));
        glideTo(centre.x, centre.y);
      }
    }

    // The explanation goes beside a tall graph and under a wide one, whichever lets the graph be larger.
    // The graph's share is what it needs at that scale, up to 66% of the width or 62% of the height.
    function layout() {
      const main = document.querySelector("main");
      const width = main.clientWidth - MARGIN;
      const height = main.clientHeight - MARGIN;
      const share = inline ? 0.72 : 0.66;  // a notebook's frame is narrower than a screen: the graph gets more of it
      const beside = Math.min((share * width) / fitted.width, height / fitted.height);
      const below = Math.min(width / fitted.width, (0.62 * height) / fitted.height);
      const stacked = below > 1.15 * beside;
      document.body.classList.toggle("stacked", stacked);
      main.style.gridTemplateColumns = stacked ? "" : Math.ceil(beside * fitted.width + MARGIN) + "px minmax(0, 1fr)";
      main.style.gridTemplateRows = stacked ? Math.ceil(below * fitted.height + MARGIN) + "px minmax(0, 1fr)" : "";
      readable = textHeight > 0 ? Math.max(1, READABLE / (textHeight * scale(1))) : 1;
      maxZoom = Math.max(8, 3 * readable);
      if (chosen) {
        look(view.x, view.y, view.zoom);
      } else if (readable > 1) {  // on the node the current (or first) step works on
        const first = frames.find((frame) => frame.active !== null);
        const target = nodes[frames[position].active ?? (first ? first.active : nodes.length - 1)];
        const centre = centreOf([target.box, target.op].filter(Boolean));
        look(centre.x, centre.y, readable);
      } else {
        look(view.x, view.y, 1);
      }
    }

    function fit() {
      chosen = true;
      cancelAnimationFrame(glide);
      look(0, 0, 1);
    }

    return { svg, nodes, paint, layout, zoomBy, fit };
  }

  const views = [makeView(svgs[0], data.nodes)];
  if (data.opened) {  // measured while shown: a hidden drawing's text has no length to centre by
    svgs[1].removeAttribute("hidden");
    views.push(makeView(svgs[1], data.opened));
    svgs[1].setAttribute("hidden", "");
  }
  let current = views[0];

  function show(k) {
    position = k;
    const frame = frames[k];
    const wanted = views[frame.view || 0];
    if (wanted !== current) {  // a step enters a box (or leaves it): switch drawings
      current.svg.setAttribute("hidden", "");
      wanted.svg.removeAttribute("hidden");
      current = wanted;
      current.layout();
    }
    const ask = asking(k);
    current.paint(k, ask);
    status.textContent = ask ? frame.heading.replace(" (done)", "") + ": your turn" : frame.heading;
    explanation.hidden = ask;
    questions.hidden = !ask;
    if (ask) quiz.render(k);
    explanation.replaceChildren(...frame.lines.map(([kind, line]) => {
      const div = document.createElement("div");
      div.className = "line " + kind;
      div.textContent = line;
      return div;
    }));
    bar.style.width = (last ? (100 * k) / last : 100) + "%";
    buttons.reset.disabled = buttons.back.disabled = k === 0;
    buttons.next.disabled = k === last && !ask;
    document.body.setAttribute("data-position", String(k));
    document.body.setAttribute("data-phase", frame.phase);
    document.body.setAttribute("data-quiz", !quizzing ? "off" : ask ? "asking" : "shown");
    const forward = frame.phase === "forward" || (frame.phase === "start" && last > 0 && frames[1].phase === "forward");
    document.body.setAttribute("data-legend", forward ? "forward" : "backward");
    document.body.classList.toggle("summary", frame.phase === "summary");
    document.body.setAttribute("data-view", current === views[0] ? "closed" : "open");
  }

  function pause() {
    clearInterval(timer);
    timer = null;
    buttons.play.textContent = PLAY;
    buttons.play.setAttribute("aria-pressed", "false");
  }

  function tick() {  // in the quiz, playing stops at the next step it asks
    if (position < last && !asking(position)) show(position + 1);
    if (position === last || asking(position)) pause();
  }

  // Next on a step the quiz asks: once every question is answered or skipped, show the step's result.
  function advance() {
    if (!asking(position)) {
      if (position < last) show(position + 1);
    } else if (quiz.done(position)) {
      quiz.reveal(position);
      show(position);
    } else {
      quiz.nudge(position);
    }
  }

  function toggleQuiz() {
    quizzing = !quizzing;
    quizButton.setAttribute("aria-pressed", String(quizzing));
    byId("score").hidden = !quizzing;
    pause();
    show(position);  // the same position, asked or shown
  }

  function play() {
    if (position === last) show(0);
    timer = setInterval(tick, data.seconds * 1000);
    buttons.play.textContent = PAUSE;
    buttons.play.setAttribute("aria-pressed", "true");
    tick();
  }

  const actions = {
    next: () => { pause(); advance(); },
    back: () => { pause(); if (position > 0) show(position - 1); },
    play: () => (timer ? pause() : play()),
    reset: () => { pause(); show(0); },
    end: () => {  // in the quiz, as far as the next step still to answer
      pause();
      let k = position;
      while (k < last && (!asking(k) || quiz.done(k))) {
        if (asking(k)) quiz.reveal(k);
        k += 1;
      }
      show(k);
    },
    quiz: () => { if (quiz) toggleQuiz(); },
    zoomIn: () => current.zoomBy(1.25),
    zoomOut: () => current.zoomBy(1 / 1.25),
    fit: () => current.fit(),
  };
  for (const [name, button] of Object.entries(buttons)) button.addEventListener("click", actions[name]);
  quizButton.addEventListener("click", actions.quiz);
  const keys = { ArrowRight: "next", ArrowLeft: "back", " ": "play", Home: "reset", End: "end",
                 "+": "zoomIn", "=": "zoomIn", "-": "zoomOut", "0": "fit", q: "quiz", Q: "quiz" };
  document.addEventListener("keydown", (event) => {
    const name = keys[event.key];
    if (!name || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target instanceof Element && event.target.closest("input, #questions")) return;  // typing an answer
    event.preventDefault();  // also keeps Space from clicking a focused button a second time
    if (!event.repeat || name !== "play") actions[name]();
  });

  window.addEventListener("resize", () => current.layout());
  position = data.start || 0;
  current.layout();
  pause();
  show(position);
})();
