"""The shared runtime: the GIL is released while a call waits, panics become InternalError,
and a forked child gets a working client."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
import warnings

import pytest

import brokerlink


def test_gil_is_released_during_a_slow_call(sandbox: brokerlink.Sandbox, client: brokerlink.Client) -> None:
    sandbox.inject_fault({"delay_ms": 800})
    counter = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal counter
        while not stop.is_set():
            counter += 1

    thread = threading.Thread(target=count)
    thread.start()
    try:
        time.sleep(0.05)
        before = counter
        started = time.monotonic()
        assert client.list_users() == []
        elapsed = time.monotonic() - started
        during = counter - before
    finally:
        stop.set()
        thread.join()
    assert elapsed >= 0.7
    # A thread starved of the GIL would manage a handful of switches at most.
    assert during > 100_000, during


@pytest.mark.parametrize("mode", ["boundary", "blocking"])
def test_panics_become_internal_errors(mode: str) -> None:
    with pytest.raises(brokerlink.InternalError) as caught:
        brokerlink._native._force_panic(mode)
    assert caught.value.kind is brokerlink.ErrorKind.INTERNAL
    assert "panic" in str(caught.value)


def test_panics_in_awaitables_become_internal_errors() -> None:
    async def main() -> None:
        with pytest.raises(brokerlink.InternalError):
            await brokerlink._native._force_panic("async")

    asyncio.run(main())
    # The runtime survives its panicking task.
    assert brokerlink.parse_portal_result("CLOSED").type == "closed"


def _in_child(body: object) -> int:
    """Runs `body` in a forked child; returns its exit status (0: passed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads running
        pid = os.fork()
    if pid == 0:
        code = 1
        try:
            body()  # type: ignore[operator]
            code = 0
        except BaseException as e:
            print(f"child failed: {type(e).__name__}: {e}", file=sys.stderr)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_forked_child_gets_a_working_client(sandbox: brokerlink.Sandbox, client: brokerlink.Client) -> None:
    client.register_user("parent")  # the parent's pool now holds a connection

    def child() -> None:
        # The same client object: a fresh pool on a fresh runtime in this process.
        assert "parent" in client.list_users()
        client.register_user("child")

        async def use_async() -> None:
            ac = brokerlink.AsyncClient.snaptrade(
                client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
            )
            await ac.register_user("child-async")

        asyncio.run(use_async())
        # The sandbox's server runs in the parent: its methods say so clearly.
        with pytest.raises(RuntimeError, match=r"os\.fork\(\)"):
            sandbox.state()

    assert _in_child(child) == 0
    assert sorted(client.list_users()) == ["child", "child-async", "parent"]
    assert sandbox.state()["users"] == 3


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="no interval timers")
def test_a_signal_interrupts_a_blocking_call(sandbox: brokerlink.Sandbox, client: brokerlink.Client) -> None:
    import signal

    class Interrupted(Exception):
        pass

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    sandbox.inject_fault({"delay_ms": 3000})
    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    started = time.monotonic()
    try:
        with pytest.raises(Interrupted):
            client.list_users()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 1.5
