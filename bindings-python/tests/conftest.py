"""Fixtures: the pattern the README recommends for users' own suites — a fresh in-process
sandbox per test and a client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import brokerlink


@pytest.fixture
def sandbox() -> Iterator[brokerlink.Sandbox]:
    with brokerlink.Sandbox(rate_limit_per_minute=0) as sandbox:
        yield sandbox


@pytest.fixture
def client(sandbox: brokerlink.Sandbox) -> brokerlink.Client:
    return brokerlink.Client.snaptrade(
        client_id=sandbox.client_id,
        consumer_key=sandbox.consumer_key,
        base_url=sandbox.url,
    )


@pytest.fixture
def user(client: brokerlink.Client) -> brokerlink.UserCredentials:
    return client.register_user("alice")


def connect(
    client: brokerlink.Client,
    sandbox: brokerlink.Sandbox,
    user: brokerlink.UserCredentials,
    username: str = "user_good",
    **options: object,
) -> brokerlink.PortalResult:
    """Sends the user through the portal as `username` (what a person would do on the page)."""
    link = client.portal_url(user, **options)  # type: ignore[arg-type]
    return sandbox.complete_portal(link.url, username, "pass_good")
