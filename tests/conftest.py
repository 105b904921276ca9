"""Test-session settings: numba kernels compile into a private cache, never the user's, removed at the end."""

import os
import shutil
import tempfile

# Set before anything imports autograd.tape.kernels: the kernels are generated and cached here.
_cache = tempfile.mkdtemp(prefix="gradwalk-test-cache-")
os.environ.setdefault("GRADWALK_CACHE_DIR", _cache)
os.environ.setdefault("NUMBA_CACHE_DIR", _cache)
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_unconfigure(config):
    shutil.rmtree(_cache, ignore_errors=True)
