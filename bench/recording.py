"""What watching training costs: nn.fit(backend="numba") with and without a TrainingRecorder, in one run.

MLP(2, [16, 16, 1]) on 200 moons, bce_with_logits, Adam, full batch; the recorder
copies the parameters every epoch (every=1). Each system runs a whole fit of
EPOCHS epochs, timed in interleaved rounds (best of ROUNDS), so a slow spell of the
shared machine falls on both alike. The grids are made after training; their cost
(one tape forward over 150 x 150 points per snapshot, then the GIF and the page) is
reported on its own line: the GIF evaluates the grids, the page reuses their pictures.
"""

import os
import tempfile
import time

import nn
import viz

from .timing import best_time, best_times_in_rounds

EPOCHS = 200
ROUNDS = 5
SAMPLES = 200


def main():
    """Print the table and return {system: seconds per epoch}."""
    X, y = nn.make_moons(SAMPLES, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    nn.fit(model, X, y, loss="bce_with_logits", epochs=2, backend="numba", progress=False)  # compile the kernels

    def plain():
        nn.fit(model, X, y, loss="bce_with_logits", epochs=EPOCHS, backend="numba", progress=False)

    def recorded():
        recorder = viz.TrainingRecorder(X, y, every=1)
        nn.fit(model, X, y, loss="bce_with_logits", epochs=EPOCHS, backend="numba", progress=False,
               callbacks=[recorder])

    cpu = {"fit": float("inf"), "fit + recorder (every=1)": float("inf")}

    def cpu_timed(name, work):  # processor time: less swayed than wall time by other programs on the machine
        def run():
            start = time.process_time()
            work()
            cpu[name] = min(cpu[name], time.process_time() - start)
        return run

    best = best_times_in_rounds({"fit": cpu_timed("fit", plain),
                                 "fit + recorder (every=1)": cpu_timed("fit + recorder (every=1)", recorded)}, ROUNDS)
    print(f"## Recording training: nn.fit(backend='numba'), MLP(2, [16, 16, 1]), {SAMPLES} moons, {EPOCHS} epochs, "
          f"best of {ROUNDS} interleaved rounds\n")
    print("| system | per epoch (wall) | vs fit | per epoch (CPU) | vs fit |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds in best.items():
        print(f"| {name} | {seconds / EPOCHS * 1e6:,.0f} us | {seconds / best['fit']:.2f}x "
              f"| {cpu[name] / EPOCHS * 1e6:,.0f} us | {cpu[name] / cpu['fit']:.2f}x |")
    recorder = viz.TrainingRecorder(X, y, every=1)
    history = nn.fit(model, X, y, loss="bce_with_logits", epochs=1, backend="numba", progress=False)
    call = best_time(lambda: recorder(0, history, model), ROUNDS, 1000)
    print(f"\nThe recorder's own call (copying {model.num_parameters()} parameters): {call * 1e6:.1f} us per epoch")
    recorder = viz.TrainingRecorder(X, y, every=5)
    nn.fit(model, X, y, loss="bce_with_logits", epochs=EPOCHS, backend="numba", progress=False, callbacks=[recorder])
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        recorder.save_gif(os.path.join(folder, "movie.gif"))
        gif = time.perf_counter() - start
        start = time.perf_counter()
        page = recorder.save_html(os.path.join(folder, "page.html"))
        html = time.perf_counter() - start
        size = page.stat().st_size
    frames = len(recorder.frames)
    print(f"\nAfter training (every=5, {frames} snapshots): the GIF {gif:.2f} s (evaluating every snapshot's grid), "
          f"then the page {html:.2f} s (reusing those pictures; {size / 1e6:.1f} MB, "
          f"{size / frames / 1e3:.0f} kB per snapshot)")
    return {name: seconds / EPOCHS for name, seconds in best.items()}


if __name__ == "__main__":
    main()
