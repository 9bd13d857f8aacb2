"""verify_webhook against the shared vectors of tests/conformance (signed independently)."""

from __future__ import annotations

import datetime as dt

import pytest

import brokerlink

BODY = (
    '{"clientId":"TEST","eventTimestamp":"2026-01-01T00:00:00.000000+00:00","eventType":"USER_REGISTERED",'
    '"userId":"u1","webhookId":"00000000-0000-0000-0000-000000000001"}'
)
HEADERS = {"Signature": "9ZYJbBLz9F7q25SLrs/NLjgmRMoueNEA5sbQcW0ME1c="}
NOW = dt.datetime.fromtimestamp(1767225600, dt.timezone.utc)


def test_a_snaptrade_delivery_verifies() -> None:
    event = brokerlink.verify_webhook(BODY.encode(), HEADERS, ["old-key", "test-consumer-key"], now=NOW)
    assert (event.kind, event.event_type, event.user_id) == ("user_registered", "USER_REGISTERED", "u1")
    assert event.provider is brokerlink.ProviderKind.SNAPTRADE
    assert event.occurred_at == NOW
    assert event.raw["clientId"] == "TEST"
    assert event.to_dict()["id"] == event.id
    same = brokerlink.verify_webhook(
        BODY, [("SIGNATURE", HEADERS["Signature"])], ["test-consumer-key"], now=NOW
    )
    assert same.id == event.id


def test_the_deprecated_webhook_secret_never_prints_and_oauth_fields_show() -> None:
    body = (
        '{"webookId":"w-9","schemaVersion":"oauth_v1","oauthClientId":"app-7","eventType":"CONNECTION_ADDED",'
        '"connectionId":"c1","webhookSecret":"legacy-webhook-secret"}'
    )
    headers = brokerlink.sign_webhook(body, {"type": "snaptrade", "consumer_key": "ck"})
    event = brokerlink.verify_webhook(body, headers, ["ck"])
    assert (event.id, event.schema_version, event.oauth_client_id) == ("w-9", "oauth_v1", "app-7")
    assert event.raw["webhookSecret"] == "***"
    for printed in (repr(event), str(event), repr(event.raw), str(event.to_dict())):
        assert "legacy-webhook-secret" not in printed


def test_empty_secrets_are_invalid_input() -> None:
    headers = brokerlink.sign_webhook(BODY, {"type": "snaptrade", "consumer_key": "ck"})
    for empty in ("", "whsec_"):
        with pytest.raises(brokerlink.InvalidInputError) as caught:
            brokerlink.verify_webhook(BODY, headers, [empty])
        assert caught.value.field == "secrets"


def test_tolerance_applies_to_standard_webhooks() -> None:
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1767225299", "webhook-signature": "v1,AAAA"}
    with pytest.raises(brokerlink.WebhookInvalidError) as caught:
        brokerlink.verify_webhook(BODY, headers, ["whsec_dGhlIG5ldyBlbmRwb2ludCBzZWNyZXQh"], now=NOW)
    assert caught.value.reason == "timestamp_out_of_tolerance"
    assert brokerlink.ErrorKind.WEBHOOK_INVALID is caught.value.kind


@pytest.mark.parametrize(
    ("body", "headers", "now", "reason"),
    [
        (BODY.replace("u1", "u2"), HEADERS, NOW, "no_matching_signature"),
        (BODY, {}, NOW, "missing_header"),
    ],
)
def test_bad_deliveries_say_why(body: str, headers: dict[str, str], now: dt.datetime, reason: str) -> None:
    with pytest.raises(brokerlink.WebhookInvalidError) as caught:
        brokerlink.verify_webhook(body, headers, ["test-consumer-key"], now=now)
    assert caught.value.reason == reason
    assert "test-consumer-key" not in str(caught.value)


GRANT = '{"id":"evt_1","type":"account.grant.created","data":{"userId":"fin-user","accountId":"a1"}}'


@pytest.mark.parametrize(
    ("body", "signer", "kind"),
    [
        (BODY, {"type": "snaptrade", "consumer_key": "ck"}, brokerlink.WebhookEventKind.USER_REGISTERED),
        (
            BODY,
            {
                "type": "standard",
                "secret": "whsec_dGhlIG5ldyBlbmRwb2ludCBzZWNyZXQh",
                "id": "msg_9",
                "timestamp": 1767225600,
            },
            brokerlink.WebhookEventKind.USER_REGISTERED,
        ),
        (GRANT, {"type": "finatic", "secret": "fin-secret"}, brokerlink.WebhookEventKind.CONNECTION_ADDED),
    ],
)
def test_sign_webhook_builds_deliveries_that_verify(
    body: str, signer: dict[str, object], kind: brokerlink.WebhookEventKind
) -> None:
    headers = brokerlink.sign_webhook(body.encode(), signer)
    secret = str(signer.get("consumer_key") or signer["secret"])
    event = brokerlink.verify_webhook(body.encode(), headers, [secret], now=NOW)
    assert event.kind is kind
    with pytest.raises(brokerlink.InvalidInputError) as caught:
        brokerlink.sign_webhook(body, {"type": "carrier-pigeon"})
    assert caught.value.field == "signer"


def test_the_sandbox_delivers_signed_events_to_a_local_receiver() -> None:
    import http.server
    import threading
    import time

    received: list[tuple[dict[str, str], bytes]] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with brokerlink.Sandbox(rate_limit_per_minute=0) as sandbox:
            url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
            endpoint = sandbox.add_webhook(url, provider="snaptrade", event_types=["USER_REGISTERED"])
            assert (endpoint.provider, endpoint.event_types, endpoint.status) == (
                "snaptrade",
                ["USER_REGISTERED"],
                "active",
            )
            assert endpoint.secret not in repr(endpoint)
            assert endpoint.to_dict()["secret"] == endpoint.secret
            client = brokerlink.Client.snaptrade(
                client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
            )
            client.register_user("hooked")
            deadline = time.monotonic() + 10
            while not received and time.monotonic() < deadline:
                time.sleep(0.02)
            headers, body = received[0]
            event = brokerlink.verify_webhook(body, headers, [endpoint.secret])
            assert (event.kind, event.user_id) == (brokerlink.WebhookEventKind.USER_REGISTERED, "hooked")
            # The receiver has the event; the sandbox logs it once it has read the answer.
            log = sandbox.webhook_deliveries()
            while log[0].status == "pending" and time.monotonic() < deadline:
                time.sleep(0.01)
                log = sandbox.webhook_deliveries()
            assert [(d.status, d.attempts) for d in log] == [("delivered", 1)]
            new_secret = sandbox.rotate_webhook_secret(endpoint.id, grace=60)
            assert new_secret.startswith("whsec_")
            assert new_secret != endpoint.secret
            assert sandbox.replay_delivery(log[0].id).startswith("dl_")
            assert sandbox.remove_webhook(endpoint.id) is True
            with pytest.raises(brokerlink.InvalidInputError):
                sandbox.add_webhook("https://example.com/hooks")
    finally:
        server.shutdown()
