"""Every error kind that can be reached, with its attributes, and pickling."""

from __future__ import annotations

import pickle
import uuid

import pytest

import brokerlink
from brokerlink import ErrorKind

ALL_KINDS = {
    ErrorKind.INVALID_INPUT: brokerlink.InvalidInputError,
    ErrorKind.UNAUTHORIZED: brokerlink.UnauthorizedError,
    ErrorKind.NOT_FOUND: brokerlink.NotFoundError,
    ErrorKind.CONFLICT: brokerlink.ConflictError,
    ErrorKind.RATE_LIMITED: brokerlink.RateLimitedError,
    ErrorKind.PORTAL_EXPIRED: brokerlink.PortalExpiredError,
    ErrorKind.SERVER: brokerlink.ServerError,
    ErrorKind.NETWORK: brokerlink.NetworkError,
    ErrorKind.TIMEOUT: brokerlink.BrokerlinkTimeoutError,
    ErrorKind.DECODE: brokerlink.DecodeError,
    ErrorKind.WEBHOOK_INVALID: brokerlink.WebhookInvalidError,
    ErrorKind.INTERNAL: brokerlink.InternalError,
}
UNREACHABLE: set[ErrorKind] = set()


def test_one_class_per_kind() -> None:
    assert set(ALL_KINDS) == set(ErrorKind)
    for kind, cls in ALL_KINDS.items():
        assert issubclass(cls, brokerlink.BrokerlinkError)
        assert cls.kind is kind
        assert cls.__module__ == "brokerlink"
    assert brokerlink.BrokerlinkTimeoutError is not TimeoutError
    made = brokerlink.NotFoundError("made by hand")
    assert (made.kind, made.status, made.attempts, made.field) == (ErrorKind.NOT_FOUND, None, 0, None)


def _fast(sandbox: brokerlink.Sandbox, **options: object) -> brokerlink.Client:
    return brokerlink.Client.snaptrade(
        client_id=sandbox.client_id,
        consumer_key=sandbox.consumer_key,
        base_url=sandbox.url,
        retry=brokerlink.RetryPolicy(max_attempts=2, initial_backoff=0.001, max_backoff=0.002),
        **options,  # type: ignore[arg-type]
    )


def _raised(call: object) -> brokerlink.BrokerlinkError:
    with pytest.raises(brokerlink.BrokerlinkError) as caught:
        call()  # type: ignore[operator]
    return caught.value


def test_every_reachable_kind(sandbox: brokerlink.Sandbox, client: brokerlink.Client) -> None:
    user = client.register_user("alice")
    fast = _fast(sandbox)
    seen: dict[ErrorKind, brokerlink.BrokerlinkError] = {}

    def expect(kind: ErrorKind, call: object) -> brokerlink.BrokerlinkError:
        err = _raised(call)
        assert err.kind is kind, err
        assert type(err) is ALL_KINDS[kind]
        seen[kind] = err
        return err

    err = expect(ErrorKind.INVALID_INPUT, lambda: client.register_user(""))
    assert (err.field, err.attempts, err.status) == ("user_id", 0, None)
    wrong = brokerlink.Client.snaptrade(
        client_id=sandbox.client_id, consumer_key="nope", base_url=sandbox.url
    )
    err = expect(ErrorKind.UNAUTHORIZED, lambda: wrong.list_users())
    assert (err.status, err.provider_code, err.attempts) == (401, "1076", 1)
    assert err.request_id
    err = expect(ErrorKind.NOT_FOUND, lambda: client.connection(user, str(uuid.uuid4())))
    assert (err.status, err.provider_code) == (404, "1011")
    err = expect(ErrorKind.CONFLICT, lambda: client.register_user("alice"))
    assert err.provider_code == "1010"
    sandbox.inject_fault({"status": 429, "retry_after": 60})
    err = expect(ErrorKind.RATE_LIMITED, lambda: fast.list_users())
    assert (err.status, err.retry_after) == (429, 60.0)
    sandbox.inject_fault({"status": 410, "body": {"detail": "expired", "code": "1006", "status_code": 410}})
    err = expect(ErrorKind.PORTAL_EXPIRED, lambda: fast.portal_url(user))
    assert err.provider_code == "1006"
    sandbox.inject_fault({"status": 503}, count=2)
    err = expect(ErrorKind.SERVER, lambda: fast.list_users())
    assert (err.status, err.attempts) == (503, 2)
    closed = brokerlink.Client.snaptrade(
        client_id="x", consumer_key="k", base_url="http://127.0.0.1:9", retry=brokerlink.RetryPolicy.none()
    )
    err = expect(ErrorKind.NETWORK, lambda: closed.list_users())
    assert "caused by:" in str(err)
    slow = _fast(sandbox, timeout=0.2)
    sandbox.inject_fault({"delay_ms": 1000}, count=2)
    err = expect(ErrorKind.TIMEOUT, lambda: slow.list_users())
    assert err.attempts == 2
    sandbox.inject_fault({"invalid_json": True}, method="GET", path_prefix="/authorizations")
    err = expect(ErrorKind.DECODE, lambda: fast.connections(user))
    assert err.status == 200
    err = expect(ErrorKind.WEBHOOK_INVALID, lambda: brokerlink.verify_webhook("{}", {}, ["secret"]))
    assert err.reason == "missing_header"
    expect(ErrorKind.INTERNAL, lambda: brokerlink._native._force_panic())
    assert set(seen) == set(ErrorKind) - UNREACHABLE

    for original in seen.values():
        copy = pickle.loads(pickle.dumps(original))
        assert type(copy) is type(original)
        assert str(copy) == str(original)
        for attr in (
            "reason",
            "kind",
            "message",
            "field",
            "status",
            "request_id",
            "retry_after",
            "attempts",
            "provider_code",
        ):
            assert getattr(copy, attr) == getattr(original, attr), attr


def test_str_carries_the_details(client: brokerlink.Client) -> None:
    client.register_user("alice")
    err = _raised(lambda: client.register_user("alice"))
    assert str(err).startswith("conflict: ")
    assert "HTTP 400" in str(err)
    assert "code 1010" in str(err)
    assert err.message in str(err)


def test_durations_and_counts_that_do_not_fit_are_invalid_input(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    cases = [
        ("pending_activation", lambda: brokerlink.Sandbox(pending_activation=1e18)),
        ("rate_limit_per_minute", lambda: brokerlink.Sandbox(rate_limit_per_minute=2**40)),
        ("count", lambda: sandbox.inject_fault({"status": 503}, count=2**40)),
        ("count", lambda: sandbox.inject_fault({"status": 503}, count=-1)),
        ("timeout", lambda: client.wait_for_connection(user, timeout=1e18)),
        ("grace", lambda: sandbox.rotate_webhook_secret("we_x", grace=1e300)),
    ]
    for field, call in cases:
        with pytest.raises(brokerlink.InvalidInputError) as caught:
            call()
        assert caught.value.field == field
    assert sandbox.armed_faults() == 0
