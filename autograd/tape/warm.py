"""The tape's numba kernels compiled before they are needed: in background processes, or here with progress.

A cold kernel cache costs several seconds of compiling the first time a tape runs.
`start()` compiles the kernels in two separate processes (``python -m autograd.tape.warm``),
which fill numba's on-disk cache while the caller does other work; processes, not
threads, so the compiler does not take the caller's GIL. The first call of each
kernel in any process goes through `guard`: it waits while a warm-up still holds that
kernel's lock, then loads it from the cache, or compiles it here and says so on stderr.

There are two pairs of kernels: the serial drivers run batches of one block (up to 128
samples, as in training on small data sets) and the parallel kernels larger ones (a
decision boundary's grid). A warm-up compiles the serial pair first; while it still
compiles the parallel pair, larger batches run on the serial drivers too, a little
slower, rather than wait. Each kernel has a lock file in the cache directory, held
(``flock``) by whoever compiles it; the system releases it when that process ends,
so a killed warm-up leaves no stale lock, and numba writes each cache file to a
temporary name and renames it, so two compilers never leave a torn file.
"""

import os
import subprocess
import sys
import threading
import time
from numbers import Integral

try:
    import fcntl
except ImportError:  # no flock (Windows): no warm-up, each process compiles what it needs itself
    fcntl = None

from . import kernels

# Each pair of kernels, the batch size that runs it and what it serves; a warm-up compiles the serial pair
# first (training on small data needs only it). Tape._block runs up to SMALL_BATCH samples as one block.
SMALL_BATCH = 128
VARIANTS = {
    "small": (("forward_blocks", "backward_blocks"), 1, "batches of up to 128 samples"),
    "large": (("forward", "backward"), 300, "batches of over 128 samples"),
}
_SAMPLES = {name: samples for names, samples, _ in VARIANTS.values() for name in names}
# The forward and the backward kernels share no compiled function, so two processes compile them side by side;
# the forward one also compiles backward_op for the other, which has more to do (_compile_backward_dispatch).
_PROCESSES = (("forward_blocks", "forward"), ("backward_blocks", "backward"))
# The warm-up's priority (nice) while it compiles the parallel kernels, which nobody waits for.
_BACKGROUND_NICENESS = 10
# How often a large batch looks again whether a warm-up still compiles the parallel kernels.
_LOOK_EVERY = 0.25

_compiling_here = False  # True in a warm-up process: it holds the locks it would otherwise wait for
_ready = set()  # variants whose real kernels are in place in this process
_real = {}  # (module name, kernel) -> the numba dispatcher a guard stands in for
_thread_lock = threading.Lock()
_guarded = None  # the kernel module whose kernels guard() stands in for
_next_look = [0.0, False]  # (when in_parallel looks at the locks again, whether a warm-up held them last time)


def _jit_enabled(module) -> bool:
    return hasattr(module.forward_blocks, "py_func") or (module.__name__, "forward_blocks") in _real


def _open_lock(kernel: str):
    """A descriptor of the kernel's lock file, or None when there is none (no cache, or it cannot be written)."""
    if fcntl is None or not kernels.cache_enabled():
        return None
    try:
        os.makedirs(kernels.cache_dir(), exist_ok=True)
        return os.open(os.path.join(kernels.cache_dir(), f"compiling-{kernel}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None


def _try_lock(fd) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _cached(module, kernel: str) -> bool:
    """Whether numba's on-disk cache holds an index for `kernel` of the kernel module."""
    directory = os.path.dirname(module.__file__)
    return kernels.cache_enabled() and kernels._is_cached(f"{module.__name__}.{kernel}-", directory)


def variant_for(samples: int) -> str:
    """Which pair of kernels ("small" or "large") runs a batch of `samples` rows."""
    if isinstance(samples, bool) or not isinstance(samples, Integral) or samples < 1:
        raise ValueError(f"samples must be a whole number of rows >= 1, got {samples!r}")
    return "small" if samples <= SMALL_BATCH else "large"


def _compiling_elsewhere(variant: str) -> bool:
    """Whether another process (a warm-up) holds the lock of one of the variant's kernels: it is compiling it now."""
    for kernel in VARIANTS[variant][0]:
        fd = _open_lock(kernel)
        if fd is None:
            continue
        try:
            if not _try_lock(fd):
                return True
        finally:
            os.close(fd)
    return False


def _in_place(module, variant: str) -> bool:
    """Whether the variant's kernels run now: in place, or in numba's cache with nobody compiling them."""
    if variant in _ready or not _jit_enabled(module):
        return True
    return not _compiling_elsewhere(variant) and all(_cached(module, kernel) for kernel in VARIANTS[variant][0])


def ready(samples: int) -> bool:
    """Whether a tape runs a batch of `samples` rows now, without compiling or waiting for a warm-up."""
    module = kernels.load()
    variant = variant_for(samples)
    if _in_place(module, variant):
        return True
    # While a warm-up compiles the parallel kernels, the serial ones run large batches (see in_parallel).
    return variant == "large" and _compiling_elsewhere("large") and _in_place(module, "small")


def in_parallel(n_blocks: int) -> bool:
    """Whether a batch of `n_blocks` blocks runs on the parallel kernels, else on the serial ones.

    One block always runs serially. More run in parallel once those kernels are in place, or
    when nobody is compiling them (the first call then loads them, or compiles them with
    progress); while a warm-up still compiles them, serially, without waiting for it.
    """
    if n_blocks == 1:
        return False
    if "large" in _ready or _compiling_here:
        return True
    now = time.monotonic()
    if now >= _next_look[0]:
        _next_look[:] = [now + _LOOK_EVERY, _compiling_elsewhere("large")]
    return not _next_look[1]


def load():
    """The kernel module, each kernel's first call guarded: it waits for a warm-up compiling it, or compiles it here."""
    global _guarded
    module = kernels.load()
    if module is not _guarded:
        guard(module)
        _guarded = module
    return module


def start() -> list:
    """Compile the kernels in background processes; those processes (none when cached or caching is off).

    Kernels that another process is compiling at the moment are left to it.
    """
    if fcntl is None or not kernels.cache_enabled() or _compiling_here:
        return []
    module = kernels.load()
    if not _jit_enabled(module):
        return []
    processes = []
    for names in _PROCESSES:
        held = {}
        try:
            for kernel in names:
                if variant_for(_SAMPLES[kernel]) in _ready or _cached(module, kernel):
                    continue
                fd = _open_lock(kernel)
                if fd is not None and _try_lock(fd):
                    held[kernel] = fd
                elif fd is not None:
                    os.close(fd)
            if held:
                processes.append(_spawn(held))
        except OSError:  # no process to be had: each kernel's first call compiles it instead
            pass
        finally:
            for fd in held.values():
                os.close(fd)  # the child holds the lock now (or, if it failed to start, nobody does)
    return processes


def _spawn(held: dict):
    """`python -m autograd.tape.warm kernel=fd ...`, handed the locks taken here, so no first call slips in before it."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # holds autograd/
    env = {**os.environ, "GRADWALK_CACHE_DIR": os.path.abspath(kernels.cache_dir()),
           "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    if os.environ.get("NUMBA_CACHE_DIR"):
        env["NUMBA_CACHE_DIR"] = os.path.abspath(os.environ["NUMBA_CACHE_DIR"])
    # Its own session: a Ctrl-C on the caller does not stop it filling the cache for next time.
    return subprocess.Popen([sys.executable, "-m", __name__, *(f"{k}={fd}" for k, fd in held.items())],
                            pass_fds=tuple(held.values()), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env, start_new_session=True)


def guard(module) -> None:
    """Stand in for each numba kernel of `module` until its first call (load calls this)."""
    if _compiling_here or not _jit_enabled(module):
        return
    for variant, (names, _, _) in VARIANTS.items():
        for name in names:
            _real.setdefault((module.__name__, name), getattr(module, name))
            setattr(module, name, _first_call(module, variant, name))


def _first_call(module, variant: str, name: str):
    def first_call(*args):
        _prepare(module, variant)
        return getattr(module, name)(*args)

    first_call.__name__ = first_call.__qualname__ = name
    return first_call


def _prepare(module, variant: str) -> None:
    """Put the variant's real kernels in place: wait for a warm-up compiling them, then load them or compile them here."""
    with _thread_lock:
        if variant in _ready:
            return
        began = time.perf_counter()
        names = VARIANTS[variant][0]
        fds = [_open_lock(kernel) for kernel in names]
        try:
            busy = [fd for fd in fds if fd is not None and not _try_lock(fd)]
            if busy:
                print("gradwalk: waiting for the numba kernels being compiled in the background...", file=sys.stderr,
                      flush=True)
                for fd in busy:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                print(f"gradwalk: the numba kernels are ready ({time.perf_counter() - began:.1f} s)", file=sys.stderr)
            for name in names:
                setattr(module, name, _real[(module.__name__, name)])
            missing = [name for name in names if not _cached(module, name)]
            for step, name in enumerate(missing, start=1):
                note = "once per install" if kernels.cache_enabled() else "GRADWALK_NUMBA_CACHE=0: in every process"
                print(f"gradwalk: compiling the numba kernels for {VARIANTS[variant][2]} ({note}): "
                      f"{step}/{len(missing)} {name}...", file=sys.stderr, flush=True)
                _compile_kernel(name)
            if missing:
                print(f"gradwalk: compiled in {time.perf_counter() - began:.1f} s", file=sys.stderr, flush=True)
            _ready.add(variant)
        finally:
            for fd in fds:
                if fd is not None:
                    os.close(fd)


def _compile_kernel(name: str) -> None:
    """Compile (or load from the cache) one kernel by running a tiny tape through it.

    The tape is made and called as every tape is, so the kernel is compiled for the
    argument types of real use and a later call finds it without compiling again.
    """
    import numpy as np

    from .tape import compile as compile_tape
    from ..value import Value

    samples = _SAMPLES[name]
    x = [Value(0.0, label="x0"), Value(0.0, label="x1")]
    w = [Value(0.5, label="w0"), Value(-0.25, label="w1"), Value(0.1, label="b"), Value(2.0, label="v")]
    tape = compile_tape((w[0] * x[0] + w[1] * x[1] + w[2]).tanh() * w[3], inputs=x, params=w)
    if name.startswith("forward"):
        tape.forward(np.linspace(-1.0, 1.0, 2 * samples).reshape(samples, 2))
    else:  # what a forward pass leaves (values, parameters), without running (and compiling) the forward kernel
        tape.vals, tape._params = np.zeros((tape.n_slots, samples)), tape.param_values()
        tape.backward()


def _compile_backward_dispatch():
    """Compile backward_op, the op dispatch backward_blocks calls, for the types it calls it with.

    backward_blocks costs the most to compile, and the small-batch pair is ready only when it
    is; the forward process compiles this part of it first, and the backward process, busy
    with the dense layers meanwhile, then loads it from numba's cache. Should the types ever
    differ, the backward process compiles its own: only time is lost.
    """
    from numba import types

    row = types.Array(types.float64, 1, "C")
    return kernels.load().backward_op.compile((types.int64, row, row, row, row, row, row, types.float64, types.int64,
                                               types.boolean, types.boolean))


def main(argv) -> int:
    """`python -m autograd.tape.warm`: compile every kernel now, two processes side by side, and wait for them.

    With arguments `kernel=fd`, this is one of those processes: it compiles each kernel
    in turn and releases its lock (the descriptor its parent took) once it is cached.
    """
    global _compiling_here
    if not argv:
        began = time.perf_counter()
        module = load()
        processes = start()
        names = [name for names, _, _ in VARIANTS.values() for name in names]
        for step, name in enumerate(names if processes else [], start=1):
            fd = _open_lock(name)  # free once the process compiling it has put it in the cache
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.close(fd)
            print(f"gradwalk: compiling the numba kernels (once per install): {step}/{len(names)} {name} "
                  f"({time.perf_counter() - began:.1f} s)", file=sys.stderr, flush=True)
        for variant in VARIANTS:  # anything a failed process left is compiled here, with progress
            _prepare(module, variant)
        for process in processes:
            process.wait()
        print(f"gradwalk: the numba kernels are ready ({time.perf_counter() - began:.1f} s)", file=sys.stderr)
        return 0
    held = [argument.partition("=") for argument in argv]
    if not all(name in _SAMPLES and fd.isdigit() for name, _, fd in held):
        raise SystemExit("usage: python -m autograd.tape.warm  (compiles the numba kernels now; arguments kernel=fd "
                         "are for the processes it starts itself)")
    _compiling_here = True
    held = [(name, int(fd)) for name, _, fd in held]
    for name, fd in held:
        if _SAMPLES[name] > SMALL_BATCH:  # nothing waits for the parallel kernels: let the caller's work go first
            os.nice(max(0, _BACKGROUND_NICENESS - os.nice(0)))
        if name == "forward_blocks":
            _compile_backward_dispatch()
        _compile_kernel(name)
        os.close(fd)  # an exception ends the process instead, which releases every lock it holds
    return 0


if __name__ == "__main__":
    import importlib

    # The package's instance of this module (not __main__), whose flags load() sees.
    sys.exit(importlib.import_module(__spec__.name).main(sys.argv[1:]))
