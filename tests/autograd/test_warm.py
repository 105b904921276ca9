"""Compiling the numba kernels ahead of use: the background warm-up, its fallback, the progress line.

The cold tests compile in fresh processes on a cache of their own (numba's own
counters say whether a kernel came from the cache), so they do not depend on what
the rest of the session compiled; they share one cold cache to keep to two compiles.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import autograd
from autograd import Value, compile
from autograd.tape import kernels, warm

ROOT = Path(__file__).resolve().parents[2]
jit = pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="nothing is compiled without the JIT")


def run_python(code: str, cache: Path, **env):
    """Run `code` in a fresh interpreter with its kernel cache in `cache`; (stdout, stderr)."""
    environment = {key: value for key, value in os.environ.items() if key != "GRADWALK_NUMBA_CACHE"}
    environment.update(GRADWALK_CACHE_DIR=str(cache), NUMBA_CACHE_DIR=str(cache), **env)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT,
                          env=environment, timeout=900)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


# A tape whose outputs have a closed form: tanh(0.5*x0 - 0.25*x1 + 0.1) * 2, and d/dv = mean of tanh(...).
TAPE = """
    import numpy as np
    from autograd import Value, compile
    from autograd.tape import warm
    x = [Value(0.0), Value(0.0)]
    w = [Value(0.5), Value(-0.25), Value(0.1), Value(2.0)]
    tape = compile((w[0] * x[0] + w[1] * x[1] + w[2]).tanh() * w[3], inputs=x, params=w)
    def check(rows):
        X = np.linspace(-1.0, 1.0, 2 * rows).reshape(rows, 2)
        inner = np.tanh(0.5 * X[:, 0] - 0.25 * X[:, 1] + 0.1)
        assert np.allclose(tape.forward(X)[:, 0], 2 * inner, rtol=0, atol=1e-12)
        assert abs(tape.backward()[3] - inner.mean()) < 1e-12
"""


@pytest.fixture(scope="module")
def cold_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cold-kernel-cache")


@jit
def test_a_killed_warm_up_falls_back_to_compiling_here_with_progress(cold_cache):
    out, err = run_python(TAPE + """
    import os, signal
    processes = warm.start()
    for process in processes:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    print(len(processes))
    check(5)
    """, cold_cache)
    assert out.split() == ["2"]  # one process for the forward kernels, one for the backward ones
    assert "compiling the numba kernels for batches of up to 128 samples (once per install): 1/2" in err
    assert "2/2 backward_blocks" in err
    assert "compiled in" in err


@jit
def test_the_warm_up_fills_the_cache_so_a_second_process_compiles_nothing(cold_cache):
    out, _ = run_python("""
    from autograd.tape import warm
    processes = warm.start()
    print(len(processes), [process.wait() for process in processes])
    """, cold_cache)
    assert out.split()[0] in ("1", "2") and "[0" in out  # whatever was not cached yet, compiled without error
    out, err = run_python(TAPE + """
    from autograd.tape import kernels
    print(warm.ready(5), warm.ready(300), warm.start())
    check(5)
    check(300)
    for name in ("forward_blocks", "backward_blocks", "forward", "backward"):
        stats = warm._real[(kernels.load().__name__, name)].stats
        print(name, len(stats.cache_hits), len(stats.cache_misses))
    """, cold_cache)
    lines = out.splitlines()
    assert lines[0] == "True True []"  # ready, and nothing left for a warm-up to do
    for line in lines[1:]:
        name, hits, misses = line.split()
        assert (hits, misses) == ("1", "0"), line  # numba's own count: loaded from the cache, never compiled
    assert "compiling" not in err and "waiting" not in err


@jit
def test_a_first_call_waits_for_the_warm_up_instead_of_compiling_again(cold_cache, tmp_path):
    # Runs on the full cache: a process holding a kernel's lock stands for a warm-up still compiling it.
    out, err = run_python(TAPE + """
    import os, subprocess, sys
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time; "
                               "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); fcntl.flock(fd, fcntl.LOCK_EX); "
                               "print('held', flush=True); time.sleep(1.5); open(sys.argv[2], 'w').close()",
                               os.path.join(os.environ['GRADWALK_CACHE_DIR'], 'compiling-forward_blocks.lock'),
                               os.environ['RELEASED']], stdout=subprocess.PIPE, text=True)
    holder.stdout.readline()
    print(warm.ready(5))
    check(5)
    print(os.path.exists(os.environ['RELEASED']), holder.wait())
    """, cold_cache, RELEASED=str(tmp_path / "released"))
    assert out.split() == ["False", "True", "0"]  # not ready while held; the first call returned after the release
    assert "waiting for the numba kernels being compiled in the background" in err
    assert "compiling" not in err


def test_no_cache_means_no_warm_up(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADWALK_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GRADWALK_NUMBA_CACHE", "0")
    assert warm.start() == []
    assert list(tmp_path.iterdir()) == []  # no lock files, no generated module: nothing was started


@pytest.mark.parametrize("rows", [1, 127, 128, 129, 300, 10_000])
def test_the_variants_follow_the_tapes_blocks(rows):
    tape = compile(Value(1.0) * Value(0.0), inputs=[], params=None)
    one_block = -(-rows // tape._block(rows)) == 1
    assert warm.variant_for(rows) == ("small" if one_block else "large")


def test_the_warm_up_compiles_exactly_the_tapes_kernels():
    module = kernels.load()
    names = {name for names, _, _ in warm.VARIANTS.values() for name in names}
    assert names == {"forward", "backward", "forward_blocks", "backward_blocks"}
    assert all(callable(getattr(module, name)) for name in names)
    assert autograd.tape.warm is warm


def test_small_boundaries_do_not_wait_for_the_compiler(monkeypatch):
    # While the kernels are not ready, a small model is drawn on the Value path: no kernel runs.
    from viz.boundary import model_outputs

    def no_kernels(*args):
        raise AssertionError("a kernel ran although the kernels were not ready")

    monkeypatch.setattr(warm, "ready", lambda samples: False)
    monkeypatch.setattr(warm, "load", no_kernels)
    points = np.random.default_rng(0).uniform(-2, 2, size=(400, 2))

    def model(point):
        a, b = (v if isinstance(v, Value) else Value(v) for v in point)
        return (0.5 * a - 0.25 * b + 0.1).tanh()

    outputs = model_outputs(model, points)
    assert np.allclose(outputs[:, 0], np.tanh(0.5 * points[:, 0] - 0.25 * points[:, 1] + 0.1), atol=1e-12)


@jit
def test_a_large_batch_runs_on_the_serial_kernels_while_a_warm_up_compiles_the_parallel_ones(cold_cache, tmp_path):
    # Runs on the full cache: a process holding the parallel kernels' locks stands for a warm-up compiling them.
    out, err = run_python(TAPE + """
    import os, subprocess, sys
    from autograd.tape import kernels
    locks = [os.path.join(os.environ['GRADWALK_CACHE_DIR'], f'compiling-{name}.lock') for name in ('forward', 'backward')]
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys, time; "
                               "fds = [os.open(path, os.O_RDWR | os.O_CREAT) for path in sys.argv[1:]]; "
                               "[fcntl.flock(fd, fcntl.LOCK_EX) for fd in fds]; print('held', flush=True); "
                               "sys.stdin.read()", *locks], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    holder.stdout.readline()
    module = kernels.load()
    print(warm.ready(300), warm.in_parallel(3))
    check(300)
    real = [warm._real[(module.__name__, name)] for name in ("forward", "backward")]
    print(*(len(kernel.stats.cache_hits) + len(kernel.stats.cache_misses) for kernel in real))  # never loaded
    holder.stdin.close()
    holder.wait()
    warm._next_look[0] = 0.0  # look at the locks now rather than a quarter of a second later
    check(300)
    print(warm.in_parallel(3), "large" in warm._ready)
    """, cold_cache)
    assert out.split("\n")[:3] == ["True False", "0 0", "True True"]
    assert "waiting" not in err and "compiling" not in err  # no wait: the serial kernels ran it from the cache


@jit
def test_the_backward_dispatch_compiled_ahead_is_the_one_backward_blocks_calls(tmp_path):
    # The forward warm-up process compiles backward_op for the backward one; with other types, both would compile it.
    out, _ = run_python("""
    from autograd.tape import kernels, warm
    warm._compiling_here = True
    warm._compile_backward_dispatch()
    warm._compile_kernel("backward_blocks")
    print(len(kernels.load().backward_op.overloads))
    """, tmp_path)
    assert out.split() == ["1"]


def test_a_warm_up_process_compiles_the_parallel_kernels_at_a_lower_priority(monkeypatch, tmp_path):
    # Nothing waits for the parallel kernels (large batches run serially meanwhile): the caller's work goes first.
    calls = []
    monkeypatch.setattr(warm, "_compile_kernel", lambda name: calls.append(name))
    monkeypatch.setattr(warm, "_compile_backward_dispatch", lambda: calls.append("backward_op"))
    monkeypatch.setattr(warm.os, "nice", lambda increment: calls.append(f"nice {increment}") or 0)
    monkeypatch.setattr(warm, "_compiling_here", False)  # main() sets it, as in a warm-up process
    fds = [os.open(tmp_path / name, os.O_RDWR | os.O_CREAT) for name in ("serial.lock", "parallel.lock")]
    assert warm.main([f"forward_blocks={fds[0]}", f"forward={fds[1]}"]) == 0
    assert calls == ["backward_op", "forward_blocks", "nice 0", f"nice {warm._BACKGROUND_NICENESS}", "forward"]
