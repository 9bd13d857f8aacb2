"""No secret in any repr, str or traceback."""

from __future__ import annotations

import traceback

import pytest

import brokerlink


def _everything_shown(value: object) -> str:
    return f"{value!r} {value!s}"


def test_results_hide_secrets(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    assert user.user_secret
    assert user.user_secret not in _everything_shown(user)
    assert "user_secret=***" in repr(user)
    link = client.portal_url(user)
    token = link.url.split("token=")[1].split("&")[0]
    assert token not in _everything_shown(link)
    assert "token=***" in repr(link)
    assert sandbox.consumer_key not in _everything_shown(client)


def test_finatic_session_ids_are_credentials(sandbox: brokerlink.Sandbox) -> None:
    client = brokerlink.Client.finatic(api_key=sandbox.api_key, base_url=sandbox.url)
    session = client.start_session()
    link = client.session_portal_url(session)
    assert session.id
    assert link.session_id == session.id
    for shown in (_everything_shown(session), _everything_shown(link)):
        assert session.id not in shown, shown
    assert "id='***'" in repr(session)
    assert "session_id='***'" in repr(link)
    assert session.to_dict()["id"] == session.id, "the value itself stays readable"
    # The session id travels in the path of this call; the error does not repeat it.
    with pytest.raises(brokerlink.NotFoundError) as caught:
        client.session_user(session)
    assert session.id not in _everything_shown(caught.value) + repr(vars(caught.value))


def test_errors_hide_secrets(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    secret = user.user_secret
    assert secret
    rotated = client.rotate_user_secret(user)
    failures = []
    for call in (
        lambda: client.connections(user),  # the old secret: unauthorized
        lambda: brokerlink.Client.snaptrade(
            client_id=sandbox.client_id, consumer_key="wrong-key-abc123", base_url=sandbox.url
        ).accounts(rotated),
        lambda: brokerlink.Client.snaptrade(
            client_id="x",
            consumer_key="key-xyz789",
            base_url="http://127.0.0.1:9",
            retry=brokerlink.RetryPolicy.none(),
        ).connections(rotated),
    ):
        with pytest.raises(brokerlink.BrokerlinkError) as caught:
            call()
        failures.append(caught.value)
    for err in failures:
        shown = _everything_shown(err) + "".join(
            traceback.format_exception(type(err), err, err.__traceback__)
        )
        shown += repr(vars(err))
        for secret_value in (
            secret,
            rotated.user_secret,
            sandbox.consumer_key,
            "wrong-key-abc123",
            "key-xyz789",
        ):
            assert secret_value
            assert secret_value not in shown, shown
