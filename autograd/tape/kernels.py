"""The numba kernels that run a tape: generated once per op table, cached on disk.

The op dispatch (one branch per op, each a vector loop calling the op table's own
forward or derivative function) is generated from `autograd.ops.TABLE` and put in
front of the interpreter in kernel_source.py. The result is written to a file whose
name carries a hash of ops.py, plan.py, kernel_source.py, this file and the numba version,
and loaded as a module. numba's on-disk cache lives beside that file, so the first
process compiles (several seconds) and later ones load in well under a second; a changed
op table gets a new file and can never load a stale kernel.

Environment: ``GRADWALK_CACHE_DIR`` (where the generated module and numba's cache
go; default ``~/.cache/gradwalk``), ``GRADWALK_NUMBA_CACHE=0`` (compile in every
process instead of caching). This is the only module that imports numba.
"""

import glob
import hashlib
import importlib.util
import os
import pathlib
import sys
import tempfile

from .. import ops
from .plan import DENSE
_HERE = os.path.dirname(os.path.abspath(__file__))
_module = None


# The decorator of the generated functions: called only by the kernels, so they need no Python wrapper.
_HELPER = "@njit(cache=CACHE, error_model='numpy', no_cpython_wrapper=True)"


def _dispatch_source() -> str:
    """Python source of forward_op / backward_op: one branch per op of the table."""
    jit = "njit(inline='always', error_model='numpy')"
    lines = ["from autograd.ops import TABLE", ""]
    for op in ops.TABLE:
        lines.append(f"_f{op.code} = {jit}(TABLE[{op.code}].forward)  # {op.name}")
        for i in range(op.arity):
            lines.append(f"_d{op.code}_{i} = {jit}(TABLE[{op.code}].{_chain_function(op, i)}[{i}])")
    lines += ["", "", _HELPER, "def forward_op(code, out, x, y, k, n):"]
    for op in ops.TABLE:
        lines += [
            f"    {'if' if op.code == 0 else 'elif'} code == {op.code}:  # {op.name}",
            "        for lane in range(n):",
            f"            out[lane] = _f{op.code}(x[lane], y[lane], k)",
        ]
    lines += ["", "", _HELPER, "def backward_op(code, gx, gy, go, x, y, o, k, n, need_x, need_y):"]
    for op in ops.TABLE:
        lines.append(f"    {'if' if op.code == 0 else 'elif'} code == {op.code}:  # {op.name}")
        for i, (grad, need) in enumerate((("gx", "need_x"), ("gy", "need_y"))[: op.arity]):
            factor = f"_d{op.code}_{i}(x[lane], y[lane], k, o[lane])"
            lines += [
                f"        if {need}:",
                "            for lane in range(n):",
                f"                {grad}[lane] += go[lane] {_chain_operator(op, i)} {factor}",
            ]
    # The ops a dense layer applies to its outputs (Op.from_output): forward in place, and
    # backward from the op's grad to the neuron's, g = 0 + g * d out/d x read from out alone.
    fused = [op for op in ops.TABLE if op.from_output]
    for name, body in (("activate(code, o, k, n)", "o[lane] = _f{c}(o[lane], 0.0, k)"),
                       ("chain_from_output(code, g, o, k, n)", "g[lane] = 0.0 + g[lane] * _d{c}_0(o[lane], 0.0, k, o[lane])")):
        lines += ["", "", _HELPER, f"def {name}:"]
        for i, op in enumerate(fused):
            lines += [f"    {'if' if i == 0 else 'elif'} code == {op.code}:  # {op.name}",
                      "        for lane in range(n):",
                      "            " + body.format(c=op.code)]
    return "\n".join(lines) + "\n"


def _chain_function(op, i) -> str:
    """Which op-table field gives operand i's backprop factor: its divisor if it has one, else its derivative."""
    return "divisors" if op.divisors is not None and op.divisors[i] is not None else "derivatives"


def _chain_operator(op, i) -> str:
    """How the upstream gradient meets that factor, as backward() does: '/' by a divisor, else '*'."""
    return "/" if _chain_function(op, i) == "divisors" else "*"


# The interpreter's numba source, in the order it goes into the generated module.
_INTERPRETER = [os.path.join(_HERE, "kernel_source.py"), os.path.join(_HERE, "dense_source.py")]


def _sources() -> list:
    """The files the generated module is made from: the op table, the plan's opcodes, the interpreter, this file."""
    return [ops.__file__, os.path.join(_HERE, "plan.py"), *_INTERPRETER, os.path.abspath(__file__)]


def _fingerprint() -> str:
    import numba

    digest = hashlib.sha256(numba.__version__.encode() + sys.version.encode())
    for path in _sources():
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


def cache_enabled() -> bool:
    """False when GRADWALK_NUMBA_CACHE=0 asks to compile in every process."""
    return os.environ.get("GRADWALK_NUMBA_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def cache_dir() -> str:
    """Where the generated kernel module and numba's cache for it live."""
    configured = os.environ.get("GRADWALK_CACHE_DIR")
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "gradwalk")


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


def _read(path: str):
    """The text of the file at `path`, or None when there is none."""
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def _is_cached(name: str, directory: str) -> bool:
    numba_dir = os.environ.get("NUMBA_CACHE_DIR")
    pattern = os.path.join(numba_dir, "**", f"{name}*.nbi") if numba_dir else \
        os.path.join(directory, "__pycache__", f"{name}*.nbi")
    return bool(glob.glob(pattern, recursive=True))


def load():
    """The kernel module (forward, backward, their serial drivers, DENSE), generated and imported on first use.

    autograd.tape.warm.load() is this module with each kernel's first call guarded (warm-up, progress).
    """
    global _module
    if _module is not None:
        return _module
    name = f"gradwalk_kernels_{_fingerprint()}"
    directory = cache_dir()
    path = os.path.join(directory, name + ".py")
    interpreter = "\n\n".join(pathlib.Path(source).read_text() for source in _INTERPRETER)
    prefix = (
        f"# Generated by autograd/tape/kernels.py from autograd/ops.py; do not edit.\n"
        f"from numba import njit\n\nCACHE = {cache_enabled()}\nDENSE = {DENSE}\n\n"
    )
    text = prefix + _dispatch_source() + "\n\n" + interpreter
    try:
        if _read(path) != text:
            _write_atomically(path, text)
    except OSError:  # read-only home: fall back to a private temporary directory
        directory = tempfile.mkdtemp(prefix="gradwalk-kernels-")
        path = os.path.join(directory, name + ".py")
        _write_atomically(path, text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _module = module
    return module
