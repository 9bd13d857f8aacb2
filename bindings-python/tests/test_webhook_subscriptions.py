"""Finatic webhook subscriptions through the client: catalogue, create (with its one-time
secret), list, pause, revoke; bad input refused before a request; SnapTrade refuses by name."""

from __future__ import annotations

import asyncio

import pytest

import brokerlink
from brokerlink import WebhookSubscriptionStatus


def test_subscriptions_are_managed_and_their_secret_is_hidden(sandbox: brokerlink.Sandbox) -> None:
    client = brokerlink.Client.finatic(api_key=sandbox.api_key, base_url=sandbox.url)
    catalog = client.webhook_catalog()
    revoked = next(t for t in catalog if t.event_type == "account.grant.revoked")
    assert revoked.category == "account"
    created = client.create_webhook_subscription(
        url="http://127.0.0.1:9/hook", event_types=["account.grant.created"], description="py"
    )
    assert created.status is WebhookSubscriptionStatus.ACTIVE
    assert created.secret
    assert created.secret not in repr(created)
    assert "secret='***'" in repr(created)
    assert created.to_dict()["secret"] == created.secret
    listed = {s.id: s for s in client.webhook_subscriptions()}
    assert listed[created.id].event_types == ["account.grant.created"]
    assert listed[created.id].secret is None

    paused = client.update_webhook_subscription(created.id, enabled=False, description="paused")
    assert (paused.status, paused.description) == (WebhookSubscriptionStatus.DISABLED, "paused")
    ended = client.revoke_webhook_subscription(created.id)
    assert ended.status == "revoked"
    with pytest.raises(brokerlink.NotFoundError):
        client.revoke_webhook_subscription("no-such-subscription")

    served = sandbox.state().requests_served
    with pytest.raises(brokerlink.InvalidInputError) as bad:
        client.create_webhook_subscription(url="not a url", event_types=["account.grant.created"])
    assert bad.value.field == "url"
    with pytest.raises(brokerlink.InvalidInputError) as none:
        client.create_webhook_subscription(url="https://app.example/hook", event_types=[])
    assert none.value.field == "event_types"
    assert sandbox.state().requests_served == served

    snaptrade = brokerlink.Client.snaptrade(
        client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
    )
    with pytest.raises(brokerlink.InvalidInputError) as refused:
        snaptrade.webhook_catalog()
    assert refused.value.field == "webhook_catalog"


def test_the_async_client_lists_subscriptions(sandbox: brokerlink.Sandbox) -> None:
    client = brokerlink.AsyncClient.finatic(api_key=sandbox.api_key, base_url=sandbox.url)

    async def flow() -> list[str]:
        created = await client.create_webhook_subscription(
            url="http://127.0.0.1:9/hook", event_types=["order.filled"]
        )
        return [s.id for s in await client.webhook_subscriptions() if s.id == created.id]

    assert len(asyncio.run(flow())) == 1
