"""The Python contenders: brokerlink (blocking Client on threads, AsyncClient on asyncio), the
official snaptrade-python-sdk (sync on threads, its async ``a*`` API) and the official
finatic-server-python (async). One run per process, so the peak RSS is the run's; prints one
JSON line in the same format as the Rust and Node contenders (see bench/src/lib.rs).

Modes: latency / finatic-latency (sequential calls for user 0 after a warm-up), bulk / portal /
finatic-bulk / positions (every user, N in flight, after one untimed call), activities (``--calls``
sequential reads of every activity of the long-history account, every page decoded, after one
untimed read).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import threading
import time
from typing import Any, Callable

FINATIC_MODES = ("finatic-latency", "finatic-bulk")
# SnapTrade's largest activities page.
PAGE = 1000
# Pages one read may take before it is called endless.
MAX_PAGES = 10_000


def cpu_ms() -> float:
    """CPU time (user + system, all threads) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


def peak_rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class Outcome:
    def __init__(self) -> None:
        self.latencies_us: list[int] = []
        self.errors = 0
        self.items = 0
        self.first_error: str | None = None
        self.seconds = 0.0
        self.cpu_ms = 0.0

    def record(self, started: float, items: int | None, error: BaseException | None) -> None:
        self.latencies_us.append(int((time.perf_counter() - started) * 1e6))
        if error is None:
            self.items += items or 0
        else:
            self.errors += 1
            self.first_error = self.first_error or f"{type(error).__name__}: {error}"[:500]


def drive_threads(call: Callable[[int], int], count: int, concurrency: int) -> Outcome:
    """``call(0..count)`` on ``concurrency`` threads, each taking the next index."""
    outcome, lock, indices = Outcome(), threading.Lock(), iter(range(count))

    def worker() -> None:
        while True:
            with lock:
                index = next(indices, None)
            if index is None:
                return
            started, items, error = time.perf_counter(), None, None
            try:
                items = call(index)
            except Exception as e:
                error = e
            with lock:
                outcome.record(started, items, error)

    threads = [threading.Thread(target=worker) for _ in range(max(1, min(concurrency, count)))]
    started, cpu_before = time.perf_counter(), cpu_ms()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.seconds, outcome.cpu_ms = time.perf_counter() - started, cpu_ms() - cpu_before
    return outcome


async def drive_tasks(call: Callable[[int], Any], count: int, concurrency: int) -> Outcome:
    """The asyncio version: ``concurrency`` tasks, each awaiting ``call`` for the next index."""
    outcome, indices = Outcome(), iter(range(count))

    async def worker() -> None:
        for index in indices:
            started, items, error = time.perf_counter(), None, None
            try:
                items = await call(index)
            except Exception as e:
                error = e
            outcome.record(started, items, error)

    started, cpu_before = time.perf_counter(), cpu_ms()
    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, count)))))
    outcome.seconds, outcome.cpu_ms = time.perf_counter() - started, cpu_ms() - cpu_before
    return outcome


def brokerlink_sync(users: dict, mode: str) -> Callable[[int], int]:
    import brokerlink

    client = brokerlink.Client.snaptrade(
        client_id=users["client_id"], consumer_key=users["consumer_key"], base_url=users["base_url"]
    )
    st = users["snaptrade"]

    history = users["history"]
    history_user = brokerlink.UserCredentials(history["user_id"], history["user_secret"])

    def call(i: int) -> int:
        user = brokerlink.UserCredentials(st[i]["user_id"], st[i]["user_secret"])
        if mode == "portal":
            return int(bool(client.portal_url(user).url))
        if mode == "positions":
            return len(client.positions(user, st[i]["account_id"]))
        if mode == "activities":
            return len(client.activities(history_user, history["account_id"]))
        return len(client.connections(user))

    return call


def brokerlink_async(users: dict, mode: str) -> Callable[[int], Any]:
    import brokerlink

    if mode in FINATIC_MODES:
        client = brokerlink.AsyncClient.finatic(api_key=users["api_key"], base_url=users["base_url"])
        fin = users["finatic"]

        async def accounts(i: int) -> int:
            return len(await client.accounts(brokerlink.UserCredentials(fin[i]["user_id"])))

        return accounts
    client = brokerlink.AsyncClient.snaptrade(
        client_id=users["client_id"], consumer_key=users["consumer_key"], base_url=users["base_url"]
    )
    st = users["snaptrade"]

    history = users["history"]
    history_user = brokerlink.UserCredentials(history["user_id"], history["user_secret"])

    async def call(i: int) -> int:
        user = brokerlink.UserCredentials(st[i]["user_id"], st[i]["user_secret"])
        if mode == "portal":
            return int(bool((await client.portal_url(user)).url))
        if mode == "positions":
            return len(await client.positions(user, st[i]["account_id"]))
        if mode == "activities":
            return len(await client.activities(history_user, history["account_id"]))
        return len(await client.connections(user))

    return call


def official_snaptrade(users: dict) -> Any:
    from snaptrade_client import SnapTrade
    from snaptrade_client.auth import SnapTradeAuth

    auth = SnapTradeAuth.commercial_api_key(consumer_key=users["consumer_key"], client_id=users["client_id"])
    return SnapTrade(host=users["base_url"], auth=auth)


def snaptrade_sync(users: dict, mode: str) -> Callable[[int], int]:
    sdk, st, history = official_snaptrade(users), users["snaptrade"], users["history"]

    def activities() -> int:
        """Every page, as the SDK's users page: offset and limit until the total is reached."""
        who = {"user_id": history["user_id"], "user_secret": history["user_secret"]}
        rows: list[Any] = []
        for _ in range(MAX_PAGES):
            page = sdk.account_information.get_account_activities(
                account_id=history["account_id"], offset=len(rows), limit=PAGE, **who
            ).body
            rows.extend(page["data"])
            if not page["data"] or len(rows) >= page["pagination"]["total"]:
                return len(rows)
        raise RuntimeError("activities never ended")

    def call(i: int) -> int:
        who = {"user_id": st[i]["user_id"], "user_secret": st[i]["user_secret"]}
        if mode == "portal":
            return int(bool(sdk.authentication.login_snap_trade_user(**who).body["redirectURI"]))
        if mode == "positions":
            account = st[i]["account_id"]
            return len(sdk.account_information.get_all_account_positions(account_id=account, **who).body["results"])
        if mode == "activities":
            return activities()
        return len(sdk.connections.list_brokerage_authorizations(**who).body)

    return call


def snaptrade_async(users: dict, mode: str) -> Callable[[int], Any]:
    sdk, st, history = official_snaptrade(users), users["snaptrade"], users["history"]

    async def activities() -> int:
        who = {"user_id": history["user_id"], "user_secret": history["user_secret"]}
        rows: list[Any] = []
        for _ in range(MAX_PAGES):
            answer = await sdk.account_information.aget_account_activities(
                account_id=history["account_id"], offset=len(rows), limit=PAGE, **who
            )
            page = answer.body
            rows.extend(page["data"])
            if not page["data"] or len(rows) >= page["pagination"]["total"]:
                return len(rows)
        raise RuntimeError("activities never ended")

    async def call(i: int) -> int:
        who = {"user_id": st[i]["user_id"], "user_secret": st[i]["user_secret"]}
        if mode == "portal":
            login = await sdk.authentication.alogin_snap_trade_user(**who)
            return int(bool(login.body["redirectURI"]))
        if mode == "positions":
            account = st[i]["account_id"]
            answer = await sdk.account_information.aget_all_account_positions(account_id=account, **who)
            return len(answer.body["results"])
        if mode == "activities":
            return await activities()
        return len((await sdk.connections.alist_brokerage_authorizations(**who)).body)

    return call


class OfficialFinatic:
    """finatic-server-python keeps one session per client, so each in-flight call has a client of
    its own (taken from a pool, as many as calls in flight); a call for a saved user starts that
    user's session (token + start) and lists its accounts, as brokerlink does inside."""

    def __init__(self, users: dict, size: int) -> None:
        from finatic_server_python import FinaticServer

        config = {"base_url": users["base_url"], "environment": "sandbox"}
        self.fin = users["finatic"]
        self.clients: asyncio.Queue[Any] = asyncio.Queue()
        for _ in range(size):
            self.clients.put_nowait(FinaticServer(users["api_key"], sdk_config=config))

    @staticmethod
    async def accounts(v1: Any) -> int:
        listed = await v1.list_accounts()
        if listed.get("errors"):
            raise RuntimeError(f"list_accounts: {listed['errors']}")
        return len(listed["data"])

    async def start(self, v1: Any, i: int) -> None:
        started = await v1.start_session(user_id=self.fin[i]["user_id"])
        if not started.get("authenticated"):
            raise RuntimeError(f"start_session: {started.get('error')}")

    async def bulk(self, i: int) -> int:
        server = await self.clients.get()
        try:
            await self.start(server.v1, i)
            return await self.accounts(server.v1)
        finally:
            self.clients.put_nowait(server)

    async def close(self) -> None:
        while not self.clients.empty():
            await self.clients.get_nowait().v1.api_client.close()


async def run_async(args: argparse.Namespace, users: dict) -> Outcome:
    closing = None
    if args.contender == "finatic-async":
        official = OfficialFinatic(users, 1 if args.mode == "finatic-latency" else args.concurrency)
        closing = official.close
        if args.mode == "finatic-latency":
            server = await official.clients.get()
            official.clients.put_nowait(server)
            v1 = server.v1
            await official.start(v1, 0)

            async def call(_i: int) -> int:
                return await official.accounts(v1)

        else:
            call = official.bulk
    elif args.contender == "brokerlink-async":
        call = brokerlink_async(users, args.mode)
    else:
        call = snaptrade_async(users, args.mode)
    try:
        if args.mode.endswith("latency"):
            await drive_tasks(lambda _i: call(0), args.warmup, 1)
            return await drive_tasks(lambda _i: call(0), args.calls, 1)
        await call(0)
        if args.mode == "activities":
            return await drive_tasks(call, args.calls, 1)
        return await drive_tasks(call, count(users, args.mode), args.concurrency)
    finally:
        if closing is not None:
            await closing()


def count(users: dict, mode: str) -> int:
    return len(users["finatic" if mode in FINATIC_MODES else "snaptrade"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", required=True)
    parser.add_argument(
        "--contender",
        required=True,
        choices=["brokerlink-sync", "brokerlink-async", "snaptrade-sync", "snaptrade-async", "finatic-async"],
    )
    parser.add_argument(
        "--mode",
        required=True,
        choices=["latency", "bulk", "portal", "finatic-latency", "finatic-bulk", "positions", "activities"],
    )
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    with open(args.users) as f:
        users = json.load(f)

    if args.contender.endswith("-sync"):
        call = (brokerlink_sync if args.contender == "brokerlink-sync" else snaptrade_sync)(users, args.mode)
        if args.mode == "latency":
            drive_threads(lambda _i: call(0), args.warmup, 1)
            outcome = drive_threads(lambda _i: call(0), args.calls, 1)
        elif args.mode == "activities":
            call(0)
            outcome = drive_threads(call, args.calls, 1)
        else:
            call(0)
            outcome = drive_threads(call, count(users, args.mode), args.concurrency)
    else:
        outcome = asyncio.run(run_async(args, users))
    report = {**vars(outcome), "peak_rss_kib": peak_rss_kib()}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
