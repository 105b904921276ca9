// The training page: a slider and Play over snapshots whose pictures were all made in Python.
"use strict";
(() => {
  const data = JSON.parse(document.getElementById("frames").textContent);
  const slider = document.getElementById("epoch");
  const play = document.getElementById("play");
  const status = document.getElementById("status");
  const boundary = document.getElementById("boundary");
  const maps = [...document.querySelectorAll("div.neuron")];
  const line = document.querySelector("#marker line");
  const dot = document.querySelector("#marker circle");
  let timer = null;

  function show(i) {
    const frame = data.frames[i];
    if (boundary && frame.plane) {
      boundary.src = frame.plane;
      boundary.alt = `decision boundary after epoch ${frame.epoch}`;
    }
    // One image per frame holds every neuron's map, stacked; each box shows its own part of it.
    if (frame.neurons) maps.forEach((box) => { box.style.backgroundImage = `url("${frame.neurons}")`; });
    const [x, y] = frame.marker;
    line.setAttribute("x1", x);
    line.setAttribute("x2", x);
    dot.setAttribute("cx", x);
    dot.setAttribute("cy", y);
    slider.value = String(i);
    slider.setAttribute("aria-valuetext", frame.caption);
    status.textContent = frame.caption;
    document.body.dataset.frame = String(i);
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    play.innerHTML = "&#x25B6;&#xFE0E; Play";
    status.setAttribute("aria-live", "polite");
  }

  function start() {
    if (Number(slider.value) === data.frames.length - 1) show(0);
    status.setAttribute("aria-live", "off"); // a screen reader would otherwise read every frame
    play.innerHTML = "&#x23F8;&#xFE0E; Pause";
    timer = setInterval(() => {
      const next = Math.min(Number(slider.value) + 1, data.frames.length - 1);
      show(next);
      if (next === data.frames.length - 1) stop();
    }, data.seconds * 1000);
  }

  slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
  play.addEventListener("click", () => (timer ? stop() : start()));
  document.addEventListener("keydown", (event) => {
    if (event.key === " " && !(event.target instanceof HTMLButtonElement)) {
      event.preventDefault();
      if (timer) stop(); else start();
    }
  });
  show(0);
})();
