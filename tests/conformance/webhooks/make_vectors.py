"""Writes tests/conformance/scenarios/webhook_vectors.json: webhook deliveries signed here, with
Python's standard library only (independently of brokerlink's Rust signing code), and the
outcome every language's verify_webhook must give for each.

Run: python3 tests/conformance/webhooks/make_vectors.py
"""

import base64
import hashlib
import hmac
import json
import pathlib

NOW = 1767225600  # 2026-01-01T00:00:00Z, passed to verify_webhook as its clock
CONSUMER_KEY = "test-consumer-key"
OLD = "whsec_" + base64.b64encode(b"the old endpoint secret!").decode()
NEW = "whsec_" + base64.b64encode(b"the new endpoint secret!").decode()
FINATIC = "fin_subscription_secret"


def snaptrade_signature(body: str, key: str = CONSUMER_KEY) -> str:
    # SnapTrade signs its canonical JSON of the payload (Python's json.dumps, sorted, escaped).
    canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return base64.b64encode(hmac.new(key.encode(), canonical.encode(), hashlib.sha256).digest()).decode()


def standard(body: str, secret: str, msg_id: str, ts: int) -> str:
    key = base64.b64decode(secret[len("whsec_") :])
    signed = f"{msg_id}.{ts}.".encode() + body.encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def finatic(body: str, secret: str = FINATIC) -> str:
    return "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()


REGISTERED = (
    '{"clientId":"TEST","eventTimestamp":"2026-01-01T00:00:00.000000+00:00","eventType":"USER_REGISTERED",'
    '"userId":"u1","webhookId":"00000000-0000-0000-0000-000000000001"}'
)
REORDERED = (
    '{ "userId": "u1", "webhookId": "00000000-0000-0000-0000-000000000001", "eventType": "USER_REGISTERED",\n'
    '  "clientId": "TEST", "eventTimestamp": "2026-01-01T00:00:00.000000+00:00" }'
)
ADDED = (
    '{"brokerageAuthorizationId":"0b3ebefb-ed47-43df-cd8f-729a4420b5cf","brokerageId":"ALPACA",'
    '"clientId":"TEST","eventTimestamp":"2025-12-31T23:59:00.000000+00:00","eventType":"CONNECTION_ADDED",'
    '"userId":"jos\u00e9-\u00f1","webhookId":"00000000-0000-0000-0000-000000000002"}'
)
GRANT = (
    '{"id":"evt_1","type":"account.grant.created","createdAt":"2026-01-01T00:00:00Z",'
    '"data":{"userId":"fin-user","accountId":"acct-1","connectionId":"conn-1","brokerId":"alpaca"}}'
)
UNKNOWN = '{"eventType":"BRAND_NEW_EVENT","webhookId":"00000000-0000-0000-0000-000000000003","userId":"u1"}'
OLD_EVENT = REGISTERED.replace("2026-01-01T00:00:00", "2025-12-31T00:00:00")
FUTURE_EVENT = REGISTERED.replace("2026-01-01T00:00:00", "2026-01-01T00:05:01")
NO_TIME_EVENT = '{"eventType":"USER_REGISTERED","userId":"u1","webhookId":"00000000-0000-0000-0000-000000000001"}'
EPOCH_MS_EVENT = (
    '{"eventTimestamp":1767225600000,"eventType":"USER_REGISTERED","userId":"u1",'
    '"webhookId":"00000000-0000-0000-0000-000000000001"}'
)
# SnapTrade's spec (WebhookBase / OAuthWebhookBase) spells the id `webookId`.
OAUTH_EVENT = (
    '{"connectionId":"0b3ebefb-ed47-43df-cd8f-729a4420b5cf","eventTimestamp":"2026-01-01T00:00:00.000000+00:00",'
    '"eventType":"CONNECTION_ADDED","oauthClientId":"oauth-app-7","schemaVersion":"oauth_v1",'
    '"userId":"5b8f2a9e-0000-4000-8000-000000000009","webookId":"00000000-0000-0000-0000-000000000004"}'
)
LEGACY_SECRET_EVENT = REGISTERED.replace('"userId"', '"webhookSecret":"legacy-webhook-secret","userId"')

steps = []


def vector(name, body, headers, secrets, expect=None, reason=None, error=None, **options):
    args = {"body": body, "headers": headers, "secrets": secrets, "now": NOW, **options}
    step = {"call": "verify_webhook", "args": args}
    if reason:
        step["expect_error"] = "webhook_invalid"
        step["expect"] = {"reason": reason}
    elif error:
        step["expect_error"] = error["kind"]
        step["expect"] = error
    else:
        step["expect"] = expect
    step["note"] = name
    steps.append(step)


vector(
    "snaptrade: the notes' vector",
    REGISTERED,
    {"Signature": snaptrade_signature(REGISTERED)},
    [CONSUMER_KEY],
    {"kind": "user_registered", "provider": "snaptrade", "user_id": "u1", "id": "<id:1>"},
)
vector(
    "snaptrade: header names in any case",
    REGISTERED,
    {"SIGNATURE": snaptrade_signature(REGISTERED)},
    [CONSUMER_KEY],
    {"kind": "user_registered"},
)
vector(
    "snaptrade: reordered keys and whitespace sign the same",
    REORDERED,
    {"signature": snaptrade_signature(REGISTERED)},
    [CONSUMER_KEY],
    {"kind": "user_registered"},
)
vector(
    "snaptrade: non-ASCII raw on the wire, escaped when signed",
    ADDED,
    {"Signature": snaptrade_signature(ADDED)},
    [CONSUMER_KEY],
    {"kind": "connection_added", "user_id": "jos\u00e9-\u00f1", "broker": "ALPACA", "connection_id": "<id:2>"},
)
vector(
    "snaptrade: tampered body",
    REGISTERED.replace('"u1"', '"u2"'),
    {"Signature": snaptrade_signature(REGISTERED)},
    [CONSUMER_KEY],
    reason="no_matching_signature",
)
vector(
    "snaptrade: wrong secret",
    REGISTERED,
    {"Signature": snaptrade_signature(REGISTERED)},
    ["another-key"],
    reason="no_matching_signature",
)
vector(
    "snaptrade: a second key during rotation",
    REGISTERED,
    {"Signature": snaptrade_signature(REGISTERED, "rotated-key")},
    [CONSUMER_KEY, "rotated-key"],
    {"kind": "user_registered"},
)
vector(
    "standard webhooks: valid",
    ADDED,
    {"webhook-id": "msg_1", "webhook-timestamp": str(NOW), "webhook-signature": standard(ADDED, NEW, "msg_1", NOW)},
    [NEW],
    {"kind": "connection_added", "id": "<id:3>"},
)
both = standard(ADDED, OLD, "msg_1", NOW) + " " + standard(ADDED, NEW, "msg_1", NOW)
vector(
    "standard webhooks: both signatures during rotation, old secret",
    ADDED,
    {"webhook-id": "msg_1", "webhook-timestamp": str(NOW), "webhook-signature": both},
    [OLD],
    {"kind": "connection_added"},
)
vector(
    "standard webhooks: both signatures during rotation, new secret",
    ADDED,
    {"webhook-id": "msg_1", "webhook-timestamp": str(NOW), "webhook-signature": both},
    [NEW],
    {"kind": "connection_added"},
)
vector(
    "standard webhooks: wrong secret",
    ADDED,
    {"webhook-id": "msg_1", "webhook-timestamp": str(NOW), "webhook-signature": standard(ADDED, OLD, "msg_1", NOW)},
    [NEW],
    reason="no_matching_signature",
)
stale = NOW - 301
vector(
    "standard webhooks: stale timestamp",
    ADDED,
    {"webhook-id": "msg_1", "webhook-timestamp": str(stale), "webhook-signature": standard(ADDED, NEW, "msg_1", stale)},
    [NEW],
    reason="timestamp_out_of_tolerance",
)
future = NOW + 301
vector(
    "standard webhooks: future timestamp",
    ADDED,
    {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(future),
        "webhook-signature": standard(ADDED, NEW, "msg_1", future),
    },
    [NEW],
    reason="timestamp_out_of_tolerance",
)
vector(
    "standard webhooks: within a wider tolerance",
    ADDED,
    {"webhook-id": "msg_1", "webhook-timestamp": str(stale), "webhook-signature": standard(ADDED, NEW, "msg_1", stale)},
    [NEW],
    {"kind": "connection_added"},
    tolerance_seconds=600,
)
vector(
    "standard webhooks: malformed signature header",
    ADDED,
    {"webhook-id": "msg_1", "webhook-timestamp": str(NOW), "webhook-signature": "not-a-signature"},
    [NEW],
    reason="malformed_header",
)
stale_both = {
    "webhook-id": "msg_1",
    "webhook-timestamp": str(stale),
    "webhook-signature": standard(ADDED, NEW, "msg_1", stale),
    "Signature": snaptrade_signature(ADDED),
}
vector(
    "a stale Standard Webhooks delivery is not rescued by a valid SnapTrade Signature",
    ADDED,
    stale_both,
    [NEW, CONSUMER_KEY],
    reason="timestamp_out_of_tolerance",
)
vector(
    "standard webhooks: a valid provider Signature cannot stand in for missing webhook-* headers",
    ADDED,
    {"Signature": snaptrade_signature(ADDED)},
    [NEW, CONSUMER_KEY],
    reason="missing_header",
)
joined = standard(ADDED, OLD, "msg_1", NOW) + ", " + standard(ADDED, NEW, "msg_1", NOW)
vector(
    "standard webhooks: signatures joined with ', ' by a framework",
    ADDED,
    {"webhook-id": "msg_1", "webhook-timestamp": str(NOW), "webhook-signature": joined},
    [NEW],
    {"kind": "connection_added"},
)
vector(
    "standard webhooks: signed over the timestamp exactly as sent",
    ADDED,
    {
        "webhook-id": "msg_1",
        "webhook-timestamp": "+" + str(NOW),
        "webhook-signature": standard(ADDED, NEW, "msg_1", "+" + str(NOW)),
    },
    [NEW],
    {"kind": "connection_added"},
)
vector(
    "standard webhooks: an absurd timestamp is out of tolerance, not a crash",
    ADDED,
    {
        "webhook-id": "msg_1",
        "webhook-timestamp": "-9223372036854775808",
        "webhook-signature": standard(ADDED, NEW, "msg_1", "-9223372036854775808"),
    },
    [NEW],
    reason="timestamp_out_of_tolerance",
)
vector(
    "finatic: valid",
    GRANT,
    {"X-Finatic-Signature": finatic(GRANT)},
    [FINATIC],
    {
        "kind": "connection_added",
        "provider": "finatic",
        "event_type": "account.grant.created",
        "user_id": "fin-user",
        "account_id": "acct-1",
        "connection_id": "conn-1",
    },
)
vector(
    "finatic: tampered body",
    GRANT.replace("acct-1", "acct-2"),
    {"X-Finatic-Signature": finatic(GRANT)},
    [FINATIC],
    reason="no_matching_signature",
)
vector(
    "unknown event type",
    UNKNOWN,
    {"Signature": snaptrade_signature(UNKNOWN)},
    [CONSUMER_KEY],
    {"kind": "unknown", "event_type": "BRAND_NEW_EVENT"},
)
vector("missing header", REGISTERED, {"Content-Type": "application/json"}, [CONSUMER_KEY], reason="missing_header")
vector(
    "event older than the opt-in maximum age",
    OLD_EVENT,
    {"Signature": snaptrade_signature(OLD_EVENT)},
    [CONSUMER_KEY],
    reason="timestamp_out_of_tolerance",
    max_event_age_seconds=3600,
)
vector(
    "max_event_age fails closed: no event time",
    NO_TIME_EVENT,
    {"Signature": snaptrade_signature(NO_TIME_EVENT)},
    [CONSUMER_KEY],
    reason="invalid_event_timestamp",
    max_event_age_seconds=3600,
)
vector(
    "max_event_age fails closed: epoch milliseconds are not a timestamp",
    EPOCH_MS_EVENT,
    {"Signature": snaptrade_signature(EPOCH_MS_EVENT)},
    [CONSUMER_KEY],
    reason="invalid_event_timestamp",
    max_event_age_seconds=3600,
)
vector(
    "max_event_age fails closed: an event from beyond the tolerance in the future",
    FUTURE_EVENT,
    {"Signature": snaptrade_signature(FUTURE_EVENT)},
    [CONSUMER_KEY],
    reason="timestamp_out_of_tolerance",
    max_event_age_seconds=3600,
)
vector(
    "the spec's webookId, schemaVersion and oauthClientId",
    OAUTH_EVENT,
    {"Signature": snaptrade_signature(OAUTH_EVENT)},
    [CONSUMER_KEY],
    {
        "kind": "connection_added",
        "schema_version": "oauth_v1",
        "oauth_client_id": "oauth-app-7",
    },
)
vector(
    "the deprecated webhookSecret field verifies like any other",
    LEGACY_SECRET_EVENT,
    {"Signature": snaptrade_signature(LEGACY_SECRET_EVENT)},
    [CONSUMER_KEY],
    {"kind": "user_registered"},
)
vector(
    "an empty secret is refused, never used as an HMAC key",
    REGISTERED,
    {"Signature": snaptrade_signature(REGISTERED, "")},
    [""],
    error={"kind": "invalid_input", "field": "secrets"},
)
vector(
    "a whsec_ secret without key bytes is refused",
    ADDED,
    {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(NOW),
        "webhook-signature": "v1,"
        + base64.b64encode(hmac.new(b"", f"msg_1.{NOW}.".encode() + ADDED.encode(), hashlib.sha256).digest()).decode(),
    },
    ["whsec_"],
    error={"kind": "invalid_input", "field": "secrets"},
)
vector(
    "not a JSON object", "[1,2]", {"Signature": snaptrade_signature("[1,2]")}, [CONSUMER_KEY], reason="invalid_payload"
)

scenario = {
    "name": "webhook_vectors",
    "description": "Shared webhook vectors (signed by tests/conformance/webhooks/make_vectors.py, independently of "
    "brokerlink): every language's verify_webhook gives the same event or the same reason.",
    "steps": steps,
}
out = pathlib.Path(__file__).resolve().parent.parent / "scenarios" / "webhook_vectors.json"
out.write_text(json.dumps(scenario, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print(f"wrote {len(steps)} vectors to {out}")
