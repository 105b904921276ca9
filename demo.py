"""A teaching tour of gradwalk, from one neuron to an MLP that learns two moons.

    python demo.py              # the whole tour
    python demo.py --list       # the sections, numbered
    python demo.py xor moons    # some of them, by name
    python demo.py 2            # or by number (also --section 2)
    python demo.py --quick --out /tmp/tour --no-render

Every section prints what it shows and where it wrote its pictures (out/ by default).
"""

import argparse
import os
import sys
import time


import nn
import viz
from autograd import OPS, Value
from autograd.tape import warm
from viz.plots import pyplot, save_figure

SECTIONS = {}


def section(name, title):
    """Register a tour section under `name`."""
    def register(function):
        SECTIONS[name] = (title, function)
        return function
    return register


class Tour:
    """Where pictures go, what to skip, and how to say so."""

    def __init__(self, out, quick, render):
        self.out, self.quick, self.render_graphs = out, quick, render
        if render:
            try:
                viz.find_engine()
            except viz.EngineNotFoundError as error:
                print(f"(no Graphviz engine: diagrams are skipped; {error})")
                self.render_graphs = False

    def path(self, name):
        return os.path.join(self.out, name)

    def diagram(self, dot, *names):
        """Render a diagram to each file name, or say it was skipped."""
        if not self.render_graphs:
            print(f"  (skipped {', '.join(names)}: rendering is off)")
            return
        for name in names:
            viz.render(dot, self.path(name))
        print(f"  wrote {', '.join(self.path(n) for n in names)}")

    def figure(self, figure, name, title=None):
        """Save a matplotlib figure (with a title for the projector) and close it."""
        if title:
            figure.axes[0].set_title(title)
        save_figure(figure, self.path(name))
        pyplot().close(figure)
        print(f"  wrote {self.path(name)}")


def neuron():
    """The tour's neuron: y = tanh(x1*w1 + x2*w2 + b), the example of micrograd's lecture."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + b
    n.label = "n"
    y = n.tanh()
    y.label = "y"
    return y, (x1, x2, w1, w2, b)


@section("neuron", "A neuron by hand: forward, backward, the graph")
def show_neuron(tour):
    y, leaves = neuron()
    print("  y = tanh(x1*w1 + x2*w2 + b)")
    print("  forward: " + ", ".join(f"{v.label} = {v.data:.4g}" for v in leaves) + f"  ->  y = {y.data:.4f}")
    y.backward()
    print("  backward: " + ", ".join(f"dy/d{v.label} = {v.grad:.4g}" for v in leaves))
    print("  (dy/dx2 = w2 * (1 - y^2): x2 is 0 but its gradient is not; dy/dw2 = x2 * ... = 0)")
    tour.diagram(viz.to_dot(y, show_local_derivatives=True), "neuron.svg", "neuron.png")


@section("backprop", "Backprop step by step: the chain rule at every node")
def show_backprop(tour):
    y, _ = neuron()
    steps = y.backward_steps()
    for step in steps:
        print("  " + str(step).replace("\n", "\n  "))
    print(f"  {len(steps)} steps; every grad now equals what y.backward() gives.")
    print("  Your turn: y.backward_steps().quiz() asks you each local derivative and each new grad,")
    print("  checks your answers and explains a miss (type hint for a hint).")
    if not tour.render_graphs:
        print("  (skipped neuron_backprop.gif and neuron_backprop.html: rendering is off)")
        return
    y, _ = neuron()
    frames = viz.render_steps(y, tour.path("neuron_backprop_frames"))
    os.replace(frames.gif, tour.path("neuron_backprop.gif"))
    print(f"  wrote {tour.path('neuron_backprop.gif')} ({len(frames)} frames; "
          f"one picture per step in {tour.path('neuron_backprop_frames')})")
    viz.to_html(neuron()[0], tour.path("neuron_backprop.html"), forward=True)
    print(f"  wrote {tour.path('neuron_backprop.html')} (open it in a browser: the forward pass, "
          f"then backprop; arrow keys step)")


@section("perceptron", "The perceptron: AND and OR yes, XOR never")
def show_perceptron(tour):
    for name, make in (("AND", nn.make_and), ("OR", nn.make_or), ("XOR", nn.make_xor)):
        X, y = make()
        p = nn.Perceptron(2)
        history = p.fit(X, y, epochs=20)
        best = max(history.accuracy)
        print(f"  {name}: accuracy {history.accuracy[-1]:.2f} after 20 epochs (best {best:.2f})")
        if name == "XOR":
            tour.figure(viz.plot_decision_boundary(p, X, y, padding=0.5), "perceptron_xor.png",
                        "The perceptron on XOR: no line separates the classes")
    print("  No single line separates XOR's classes (Minsky & Papert, 1969): a hidden layer is needed.")


@section("xor", "An MLP learns XOR")
def show_xor(tour):
    X, y = nn.make_xor()
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    history = nn.fit(model, X, y, loss="bce_with_logits", optimizer="adam", lr=0.1, epochs=200, progress=False)
    print(f"  MLP(2, [4, 1]): loss {history.loss[0]:.3f} -> {history.loss[-1]:.4f}, "
          f"accuracy {nn.accuracy(model, X, y):.2f}")
    print(f"  predictions for (0,0) (0,1) (1,0) (1,1): {nn.predict(model, X).tolist()}")
    tour.figure(viz.plot_loss(history), "xor_loss.png", "XOR: training loss")
    tour.figure(viz.plot_decision_boundary(model, X, y, padding=0.5), "xor_boundary.png", "XOR: MLP(2, [4, 1])")


@section("activations", "Activations and their derivatives, from the op table")
def show_activations(tour):
    for name in ("relu", "sigmoid", "tanh"):
        rule = OPS[name].rules[0].format(x="x")
        print(f"  {name}: d{name}(x)/dx = {rule}")
        tour.figure(viz.plot_activation(name), f"activation_{name}.png")


@section("moons", "Two moons: SGD against Adam, and the numba path")
def show_moons(tour):
    X, y = nn.make_moons(100, noise=0.1, seed=0)
    speedup(X, y, steps=3 if tour.quick else 10)  # why train on the numba path: one step on each
    epochs = 60 if tour.quick else 300
    histories = {}
    for optimizer, lr in (("sgd", 0.1), ("adam", 0.02)):
        model = nn.MLP(2, [16, 16, 1], activation="relu", seed=1)
        print(f"  training MLP(2, [16, 16, 1]) with {optimizer}, {epochs} full-batch steps")
        histories[optimizer] = nn.fit(model, X, y, loss="bce_with_logits", optimizer=optimizer, lr=lr,
                                      epochs=epochs, backend="numba", progress=sys.stderr.isatty())
        print(f"    final loss {histories[optimizer].loss[-1]:.4f}, accuracy {nn.accuracy(model, X, y):.2f}")
    tour.figure(compare_losses(histories), "moons_loss.png", "Two moons: SGD and Adam, same model and data")
    tour.figure(viz.plot_decision_boundary(model, X, y), "moons_boundary.png", "Two moons: MLP(2, [16, 16, 1]), Adam")


@section("movie", "Watching two moons learn: a movie, a page, and one step up close")
def show_movie(tour):
    X, y = nn.make_moons(200, noise=0.1, seed=0)
    X_val, y_val = nn.make_moons(100, noise=0.1, seed=1)
    epochs = 60 if tour.quick else 300
    model = nn.MLP(2, [16, 16, 1], seed=0)
    recorder = viz.TrainingRecorder(X, y, every=5)
    print(f"  training MLP(2, [16, 16, 1]) with Adam for {epochs} epochs, a snapshot every {recorder.every}")
    nn.fit(model, X, y, loss="bce_with_logits", lr=0.03, epochs=epochs, backend="numba", val=(X_val, y_val),
           callbacks=[recorder], progress=sys.stderr.isatty())
    recorder.save_gif(tour.path("moons_training.gif"), size=300)
    recorder.save_html(tour.path("moons_training.html"), title="Two moons: MLP(2, [16, 16, 1]) learning")
    print(f"  wrote {tour.path('moons_training.gif')} and {tour.path('moons_training.html')} "
          f"({len(recorder.frames)} snapshots; the page has a slider, the loss curves and a map per neuron)")
    fresh = nn.MLP(2, [16, 16, 1], seed=0)
    for lr in (0.1, 10.0):
        step = viz.step_diff(fresh, X, y, "bce_with_logits", lr=lr)
        verdict = "as predicted" if abs(step.actual_change - step.predicted_change) < 0.2 * abs(step.predicted_change) \
            else "the prediction fails: the step overshot"
        print(f"  one SGD step from the start, lr={lr:g}: loss change predicted {step.predicted_change:+.4f} "
              f"(-lr |g|^2), actual {step.actual_change:+.4f} ({verdict})")
    tour.diagram(step.to_dot(), "moons_step.svg")


def compare_losses(histories):
    """One loss curve per optimizer on shared axes."""
    figure, axes = pyplot().subplots(figsize=(6, 4))
    for name, history in histories.items():
        axes.plot(range(1, history.epochs + 1), history.loss, label=name)
    axes.set(xlabel="step", ylabel="loss", yscale="log")
    axes.grid(alpha=0.3)
    axes.legend()
    return figure


def speedup(X, y, steps):
    """Time the same full-batch steps on the Value path and on the numba path."""
    times = {}
    for backend in ("value", "numba"):
        model = nn.MLP(2, [16, 16, 1], activation="relu", seed=1)
        stamps = []  # one per step, so setting up (and compiling) is not counted
        nn.fit(model, X, y, loss="bce_with_logits", optimizer="sgd", lr=0.1, epochs=steps + 1, backend=backend,
               progress=False, callbacks=lambda epoch, history, model: stamps.append(time.perf_counter()))
        times[backend] = (stamps[-1] - stamps[0]) / steps
    print(f"  one training step on 100 samples: Value path {times['value'] * 1e3:.1f} ms, "
          f"numba path {times['numba'] * 1e3:.3f} ms ({times['value'] / times['numba']:.0f}x faster)")


def section_name(choice):
    """The name of the section `choice` names by number ("2") or by name; unknown choices come back as given."""
    if choice.isdigit() and 1 <= int(choice) <= len(SECTIONS):
        return list(SECTIONS)[int(choice) - 1]
    return choice


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", help="sections to run, by name or number (default: all)")
    parser.add_argument("--section", action="append", default=[],
                        help="a section to run, by name or number (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    parser.add_argument("--out", default="out", help="directory for pictures (default: out)")
    parser.add_argument("--quick", action="store_true", help="shorter training, for tests")
    parser.add_argument("--no-render", action="store_true", help="skip Graphviz diagrams")
    args = parser.parse_args(argv)
    if args.list:
        for number, (name, (title, _)) in enumerate(SECTIONS.items(), 1):
            print(f"{number}  {name:12} {title}")
        return 0
    names = list(SECTIONS)
    asked = [section_name(choice) for choice in args.sections + args.section]
    unknown = [choice for choice in asked if choice not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {', '.join(unknown)}; choose a number from 1 to {len(names)} "
                     f"or a name: {', '.join(names)}")
    chosen = list(dict.fromkeys(asked)) or names  # each once, in the order given
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as error:
        parser.error(f"--out {args.out}: cannot make a folder there ({error.strerror}); pass a folder path")
    tour = Tour(args.out, args.quick, not args.no_render)
    # The numba kernels compile in another process while the first sections run on Values.
    if warm.start():
        print("(compiling the numba kernels in the background for the later sections; once per install)")
    for name in chosen:
        title, function = SECTIONS[name]
        print(f"\n== {list(SECTIONS).index(name) + 1}. {title} ==")  # its number in the whole tour
        function(tour)
    print(f"\nDone. Pictures are in {os.path.abspath(args.out)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
