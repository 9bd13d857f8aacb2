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
    # An asyncio client whose shared pool holds a connection of the parent's runtime too.
    shared = brokerlink.AsyncClient.snaptrade(
        client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
    )

    async def list_shared() -> list[str]:
        return await asyncio.wait_for(shared.list_users(), timeout=10)

    asyncio.run(list_shared())

    def child() -> None:
        # The same client object: a fresh pool on a fresh runtime in this process.
        assert "parent" in client.list_users()
        client.register_user("child")
        # The same asyncio client: the core gives it a fresh shared pool in this process.
        assert "child" in asyncio.run(list_shared())

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
    assert sandbox.state().users == 3


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


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs /proc")
def test_blocking_calls_run_on_the_calling_thread(sandbox: brokerlink.Sandbox) -> None:
    # A fresh interpreter (this one runs the sandbox on the shared runtime): blocking calls
    # must not start the multi-thread runtime, and each thread keeps its own pooled connection.
    script = """
import os, sys, threading, time, brokerlink
client = brokerlink.Client.snaptrade(client_id=sys.argv[1], consumer_key=sys.argv[2], base_url=sys.argv[3])
user = client.register_user("on-the-caller")
for _ in range(5):
    assert client.connections(user) == []
worker = threading.Thread(target=lambda: [client.list_users() for _ in range(3)])
worker.start(); worker.join()
def names():
    found = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/comm") as comm:
                found.append(comm.read().strip())
        except (FileNotFoundError, ProcessLookupError):  # a thread that just ended
            pass
    return found
deadline = time.monotonic() + 10  # the joined worker's OS thread may take a moment to end
while len(names()) > 1 and time.monotonic() < deadline:
    time.sleep(0.01)
print(",".join(sorted(names())))
"""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", script, sandbox.client_id, sandbox.consumer_key, sandbox.url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    threads = done.stdout.strip().split(",")
    assert not [t for t in threads if t.startswith("brokerlink-rt")], threads
    assert len(threads) == 1, threads
    # 1 registration + 5 lists on the main thread, 3 lists on the worker.
    assert sandbox.state().requests_served == 9


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_event_loops_come_and_go_without_leaking(sandbox: brokerlink.Sandbox) -> None:
    import gc

    client = brokerlink.AsyncClient.snaptrade(
        client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
    )

    async def one_call() -> list[str]:
        return await asyncio.wait_for(client.list_users(), 30)

    assert asyncio.run(one_call()) == []
    gc.collect()
    before = _open_fds()
    for _ in range(30):
        assert asyncio.run(one_call()) == []
    gc.collect()
    # Each loop's completion socket pair goes with its loop (a loop holds a few fds itself).
    assert _open_fds() - before <= 4


class _LoopWithoutReaders(asyncio.SelectorEventLoop):
    """A loop that cannot watch file descriptors, like Windows' proactor loop."""

    def add_reader(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError


def test_a_loop_that_cannot_watch_sockets_still_settles_calls(sandbox: brokerlink.Sandbox) -> None:
    client = brokerlink.AsyncClient.snaptrade(
        client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
    )

    async def main() -> None:
        users = await asyncio.gather(*(client.register_user(f"proactor-{i}") for i in range(20)))
        assert sorted(await client.list_users()) == sorted(u.user_id for u in users)
        with pytest.raises(brokerlink.ConflictError):
            await client.register_user("proactor-0")

    loop = _LoopWithoutReaders()
    try:
        # A call never settled would hang: bounded, it fails instead.
        loop.run_until_complete(asyncio.wait_for(main(), 30))
    finally:
        loop.close()
