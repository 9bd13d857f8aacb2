"""One client under load from 16 threads and 16 asyncio tasks at the same time: no deadlock,
and every caller gets its own user's data back."""

from __future__ import annotations

import asyncio
import threading

from conftest import connect

import brokerlink

USERS = 16
CALLS = 20


def test_threads_and_asyncio_tasks_share_clients_at_once(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client
) -> None:
    users = [client.register_user(f"stress-{i}") for i in range(USERS)]
    expected = {}
    for user in users:
        result = connect(client, sandbox, user)
        expected[user.user_id] = result.connection_id
    async_client = brokerlink.AsyncClient.snaptrade(
        client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
    )
    mismatches: list[str] = []
    errors: list[BaseException] = []

    def thread_worker(user: brokerlink.UserCredentials) -> None:
        try:
            for _ in range(CALLS):
                ids = [c.id for c in client.connections(user)]
                if ids != [expected[user.user_id]]:
                    mismatches.append(f"thread {user.user_id}: {ids}")
        except BaseException as err:  # reported below
            errors.append(err)

    async def task_worker(user: brokerlink.UserCredentials) -> None:
        for _ in range(CALLS):
            ids = [c.id for c in await async_client.connections(user)]
            if ids != [expected[user.user_id]]:
                mismatches.append(f"task {user.user_id}: {ids}")

    async def all_tasks() -> None:
        await asyncio.gather(*(task_worker(u) for u in users))

    def loop_thread() -> None:
        try:
            asyncio.run(all_tasks())
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=thread_worker, args=(u,)) for u in users]
    threads.append(threading.Thread(target=loop_thread))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a caller is stuck"
    assert not errors, errors
    assert not mismatches, mismatches[:5]
    assert sandbox.state().requests_served >= 2 * USERS * CALLS
