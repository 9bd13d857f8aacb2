"""AsyncClient and `async with Sandbox()` on asyncio (no plugin: each test runs asyncio.run)."""

from __future__ import annotations

import asyncio

import pytest

import brokerlink


async def _client(sandbox: brokerlink.Sandbox) -> brokerlink.AsyncClient:
    return brokerlink.AsyncClient.snaptrade(
        client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
    )


def test_async_flow() -> None:
    async def main() -> None:
        async with brokerlink.Sandbox(rate_limit_per_minute=0) as sandbox:
            client = await _client(sandbox)
            user = await client.register_user("alice")
            link = await client.portal_url(user, connection_type="trade")
            done = sandbox.complete_portal(link.url, "user_mfa", "pass_good", mfa_code="123456")
            assert done.type == "success"
            connection = await client.wait_for_connection(user, timeout=5, poll_interval=0.05)
            assert connection.id == done.connection_id
            assert connection.permission is brokerlink.Permission.TRADE
            assert [a.connection_id for a in await client.accounts(user)] == [connection.id] * 2
            assert await client.delete_user(user) is None
        assert not sandbox.running

    asyncio.run(main())


def test_fifty_concurrent_calls_share_one_client() -> None:
    async def main() -> None:
        async with brokerlink.Sandbox(rate_limit_per_minute=0) as sandbox:
            client = await _client(sandbox)
            users = await asyncio.gather(*(client.register_user(f"user-{i}") for i in range(50)))
            assert sorted(u.user_id for u in users) == sorted(f"user-{i}" for i in range(50))
            listed = await asyncio.gather(*(client.connections(u) for u in users))
            assert listed == [[]] * 50
            assert sorted(await client.list_users()) == sorted(u.user_id for u in users)

    asyncio.run(main())


def test_async_errors_are_the_same_exceptions() -> None:
    async def main() -> None:
        async with brokerlink.Sandbox() as sandbox:
            client = await _client(sandbox)
            with pytest.raises(brokerlink.InvalidInputError) as caught:
                await client.register_user("")
            assert caught.value.field == "user_id"
            await client.register_user("alice")
            with pytest.raises(brokerlink.ConflictError) as conflict:
                await client.register_user("alice")
            assert (conflict.value.status, conflict.value.provider_code) == (400, "1010")

    asyncio.run(main())


def test_cancelling_an_awaitable() -> None:
    async def main() -> None:
        async with brokerlink.Sandbox() as sandbox:
            client = await _client(sandbox)
            sandbox.inject_fault({"delay_ms": 2000})
            task = asyncio.ensure_future(client.list_users())
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await client.list_users() == []

    asyncio.run(main())
