"""Checked by `mypy --strict` against the package's stubs (not run by pytest): the public API
as users write it must type-check, and misuse must not."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Literal

from typing_extensions import assert_type

import brokerlink
from brokerlink import (
    Account,
    AsyncClient,
    BrokerlinkError,
    Client,
    Connection,
    ConnectionStatus,
    ConnectionType,
    ErrorKind,
    PortalLink,
    PortalResult,
    RetryPolicy,
    Sandbox,
    Session,
    UserCredentials,
)


def sync_usage(sandbox: Sandbox) -> None:
    client = Client.snaptrade(
        client_id=sandbox.client_id,
        consumer_key=sandbox.consumer_key,
        base_url=sandbox.url,
        timeout=10.0,
        retry=RetryPolicy(max_attempts=2),
    )
    user = client.register_user("alice")
    assert_type(user, UserCredentials)
    assert_type(user.user_secret, "str | None")
    link = client.portal_url(user, connection_type=ConnectionType.READ, mode="dark", brokers=["ALPACA"])
    assert_type(link, PortalLink)
    assert_type(link.expires_at, dt.datetime)
    result = sandbox.complete_portal(link.url, "user_good", "pass_good")
    assert_type(result, PortalResult)
    connection = client.wait_for_connection(user, timeout=5.0, since=dt.datetime.now(dt.timezone.utc))
    assert_type(connection, Connection)
    assert_type(connection.status, ConnectionStatus)
    assert_type(client.connections(user), list[Connection])
    assert_type(client.accounts(user), list[Account])
    assert_type(client.delete_user(user), None)
    assert_type(
        brokerlink.parse_portal_result("CLOSED").type,
        Literal["success", "error", "closed", "abandoned", "resize"],
    )
    session = Session("id", "company", status="active")
    assert_type(client.session_portal_url(session, theme={"primary": "#000"}), PortalLink)
    assert_type(sandbox.inject_fault({"status": 503}, count=2), str)
    assert_type(sandbox.state(), brokerlink.SandboxState)
    try:
        client.list_users()
    except BrokerlinkError as e:
        assert_type(e.kind, ErrorKind)
        assert_type(e.retry_after, "float | None")
        assert_type(e.status, "int | None")


async def async_usage() -> None:
    async with Sandbox() as sandbox:
        assert_type(sandbox, Sandbox)
        client = AsyncClient.snaptrade(client_id=sandbox.client_id, consumer_key=sandbox.consumer_key)
        user = await client.register_user("alice")
        assert_type(user, UserCredentials)
        users = await asyncio.gather(*(client.register_user(f"u{i}") for i in range(3)))
        assert_type(users, list[UserCredentials])
        assert_type(await client.connections(user), list[Connection])
        assert_type(await client.remove_connection(user, "id"), None)


def misuse(client: Client, user: UserCredentials) -> None:
    client.register_user(42)  # type: ignore[arg-type]
    client.portal_url(user, colour="red")  # type: ignore[call-arg]
    client.connections("alice")  # type: ignore[arg-type]
    Client.snaptrade("id", "key")  # type: ignore[call-arg]
