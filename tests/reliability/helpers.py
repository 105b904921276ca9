"""Assertions shared by the bad-input tests: a clear error, from our code, naming the argument."""

import contextlib
import os
import traceback

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE_DIRS = tuple(os.path.join(ROOT, name) + os.sep for name in ("autograd", "nn", "viz"))


def refuses(call, errors, *words):
    """Call `call()`; it must raise one of `errors` from gradwalk's own code, naming one of `words`.

    "From our code" means the traceback's last frame is in autograd/, nn/ or viz/,
    not inside numpy, numba, graphviz, json or the standard library. Returns the
    exception so a test can look closer.
    """
    with pytest.raises(errors) as caught:
        call()
    message = str(caught.value)
    last = traceback.extract_tb(caught.tb)[-1]
    assert last.filename.startswith(PACKAGE_DIRS), (
        f"{type(caught.value).__name__} raised inside {last.filename}:{last.lineno}, not by gradwalk: {message}")
    assert any(word.lower() in message.lower() for word in words), (
        f"the message does not name {' or '.join(map(repr, words))}: {type(caught.value).__name__}: {message}")
    return caught.value


class Runaway(Exception):
    """A constructor started building an absurdly large model instead of refusing it."""


@contextlib.contextmanager
def budget(monkeypatch, module, name: str, limit: int, too_big=None):
    """Let `module.name` be called at most `limit` times, then raise Runaway (instead of hanging for hours).

    `too_big(*args)` may also refuse a single call whose arguments ask for an absurd allocation,
    so the guard raises before numpy tries to fill terabytes.
    """
    original = getattr(module, name)
    calls = [0]

    def counted(*args, **kwargs):
        calls[0] += 1
        if calls[0] > limit:
            raise Runaway(f"{module.__name__}.{name} called more than {limit} times: the absurd size was "
                          f"not refused up front")
        if too_big is not None and too_big(*args, **kwargs):
            raise Runaway(f"{module.__name__}.{name} was asked for an absurd allocation {args!r}: the size "
                          f"was not refused up front")
        return original(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(module, name, counted)
        yield calls


def bug(reason: str):
    """The mark for a test that pins a real bug: it must fail until the library is fixed."""
    return pytest.mark.xfail(strict=True, reason=reason)
