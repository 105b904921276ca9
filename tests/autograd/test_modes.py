"""Modes (grad recording, anomaly mode, name scopes, IEEE division) belong to one thread or asyncio task."""

import asyncio
import math
import threading

import pytest

from autograd import Value, detect_anomaly, enable_grad, grad, name_scope, no_grad, set_detect_anomaly
from autograd.modes import current


def _in_thread(work):
    """Run work() in a new thread and return its result (or raise its exception)."""
    result = {}

    def run():
        try:
            result["value"] = work()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in result:
        raise result["error"]
    return result["value"]


def _x_grad_of_cube():
    x = Value(2.0)
    y = x * x * x
    y.backward()
    return x.grad


def test_no_grad_in_one_thread_leaves_another_thread_recording():
    inside, release = threading.Event(), threading.Event()

    def hold_no_grad():
        with no_grad():
            inside.set()
            release.wait(timeout=60)

    holder = threading.Thread(target=hold_no_grad)
    holder.start()
    try:
        assert inside.wait(timeout=60)
        assert _in_thread(_x_grad_of_cube) == 12.0  # 3 x^2 at 2: recorded although the other thread is in no_grad
        assert _x_grad_of_cube() == 12.0
    finally:
        release.set()
        holder.join(timeout=60)


def test_overlapping_no_grad_blocks_in_two_threads_leave_recording_on_afterwards():
    both_inside = threading.Barrier(2, timeout=60)
    first_out = threading.Event()

    def first():
        with no_grad():
            both_inside.wait()
        first_out.set()

    def second():
        with no_grad():
            both_inside.wait()
            first_out.wait(timeout=60)  # exits last, as the interleaving that used to leave recording off

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert current().grad_enabled
    assert _x_grad_of_cube() == 12.0


def test_a_new_thread_starts_with_the_defaults_whatever_the_creating_thread_has_on():
    with no_grad(), detect_anomaly(), name_scope("outer"):
        seen = _in_thread(current)
    assert (seen.grad_enabled, seen.anomaly, seen.scope, seen.ieee_division) == (True, False, "", False)


def test_set_detect_anomaly_switches_only_this_thread():
    def switch_on_and_report():
        set_detect_anomaly(True)
        return current().anomaly

    assert _in_thread(switch_on_and_report) is True
    assert current().anomaly is False


def test_asyncio_tasks_each_have_their_own_modes():
    async def main():
        started = asyncio.Event()

        async def quiet():
            with no_grad():
                started.set()
                await asyncio.sleep(0.01)
                return Value(2.0) * 3

        async def recording():
            await started.wait()
            return Value(2.0) * 3

        return await asyncio.gather(quiet(), recording())

    quiet, recording = asyncio.run(main())
    assert quiet.is_leaf() and not recording.is_leaf()


def test_enable_grad_records_inside_no_grad_and_restores_it():
    with no_grad():
        with enable_grad():
            y = Value(2.0) * 3
        z = Value(2.0) * 3
    assert not y.is_leaf() and z.is_leaf()


def test_name_scope_nests_and_is_restored_after_an_error():
    with pytest.raises(ZeroDivisionError):
        with name_scope("model"), name_scope("layer0"):
            assert (Value(1.0) * 2).scope == "model.layer0"
            Value(1.0) / 0.0
    assert current().scope == ""


def test_grad_leaves_ieee_division_off_in_this_thread_and_others():
    x = Value(0.0)
    (d,) = grad(x.sqrt(), [x])
    assert d.data == math.inf and current().ieee_division is False
    with pytest.raises(ZeroDivisionError):
        _in_thread(lambda: Value(1.0) / 0.0)
