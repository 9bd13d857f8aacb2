"""brokerlink.Sandbox: lifecycle, credentials and the admin operations."""

from __future__ import annotations

import pytest
from conftest import connect

import brokerlink


def test_start_and_close() -> None:
    sandbox = brokerlink.Sandbox(client_id="MY-ID", consumer_key="my-key", api_key="fntc_sandbox_k")
    assert not sandbox.running
    assert "not running" in repr(sandbox)
    with pytest.raises(RuntimeError, match="not running"):
        _ = sandbox.url
    sandbox.start()
    try:
        assert sandbox.running
        assert sandbox.url.startswith("http://127.0.0.1:")
        assert (sandbox.client_id, sandbox.consumer_key, sandbox.api_key) == (
            "MY-ID",
            "my-key",
            "fntc_sandbox_k",
        )
        assert repr(sandbox) == f"Sandbox(url='{sandbox.url}', client_id='MY-ID')"
        client = brokerlink.Client.snaptrade(client_id="MY-ID", consumer_key="my-key", base_url=sandbox.url)
        assert client.list_users() == []
    finally:
        sandbox.close()
    assert not sandbox.running
    sandbox.close()  # closing twice is fine


def test_generated_credentials_differ() -> None:
    a, b = brokerlink.Sandbox(), brokerlink.Sandbox()
    assert a.client_id != b.client_id
    assert a.consumer_key != b.consumer_key
    assert a.api_key.startswith("fntc_sandbox_")


def test_admin_operations(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    assert sandbox.state().users == 1
    locked = connect(client, sandbox, user, username="user_locked")
    assert (locked.type, locked.code, locked.status_code) == ("error", "3000", 403)
    done = connect(client, sandbox, user)
    assert done.connection_id is not None
    changed = sandbox.change_connection(done.connection_id, brokerlink.ConnectionChange.EXPIRE)
    assert changed.status == "expired"
    assert set(changed.to_dict()) == {
        "id",
        "user_id",
        "broker",
        "status",
        "permission",
        "created_at",
        "updated_at",
        "disabled_at",
        "accounts",
    }
    assert client.connection(user, done.connection_id).status is brokerlink.ConnectionStatus.DISABLED
    with pytest.raises(brokerlink.NotFoundError):
        sandbox.change_connection("00000000-0000-4000-8000-000000000000", "remove")
    with pytest.raises(brokerlink.InvalidInputError) as caught:
        sandbox.change_connection(done.connection_id, "explode")  # type: ignore[arg-type]
    assert caught.value.field == "action"
    fault_id = sandbox.inject_fault(
        {"status": 503}, method="GET", path_prefix="/snapTrade/listUsers", count=2
    )
    assert isinstance(fault_id, str)
    assert fault_id.startswith("flt_")
    assert len(fault_id) == len("flt_") + 32
    assert sandbox.armed_faults() == 1
    sandbox.clear_faults()
    assert sandbox.armed_faults() == 0
    with pytest.raises(brokerlink.InvalidInputError) as caught:
        sandbox.inject_fault({"explode": True})
    assert caught.value.field == "fault"
    sandbox.reset()
    assert sandbox.state().users == 0
    assert sandbox.state().requests_served > 0


def test_complete_portal_variants(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    read_only = client.portal_url(user)
    widened = sandbox.complete_portal(read_only.url, "user_good", "pass_good", connection_type="trade")
    assert (widened.type, widened.code) == ("error", "1012")
    link = client.portal_url(user, connection_type="trade")
    needs_code = sandbox.complete_portal(link.url, "user_mfa", "pass_good")
    assert (needs_code.type, needs_code.code) == ("error", "1086")
    done = sandbox.complete_portal(
        link.url, "user_mfa", "pass_good", mfa_code="123456", broker="SCHWAB", connection_type="trade"
    )
    assert done.type == "success"
    [connection] = client.connections(user)
    assert connection.broker.slug == "SCHWAB"


def test_the_account_bucket_is_waited_out_not_run_into() -> None:
    """A one-second window of one data call per account: three calls in a row wait for two
    resets, and the sandbox refuses none of them (the client learnt the bucket from the headers)."""
    with brokerlink.Sandbox(account_rate_limit_per_minute=1, rate_limit_window=1.0) as sandbox:
        client = brokerlink.Client.snaptrade(
            client_id=sandbox.client_id,
            consumer_key=sandbox.consumer_key,
            base_url=sandbox.url,
            retry=brokerlink.RetryPolicy(max_retry_after=5.0),
        )
        user = client.register_user("bucket")
        connect(client, sandbox, user)
        account = client.accounts(user)[0]
        for _ in range(3):
            assert client.positions(user, account.id)
        assert sandbox.state().requests_throttled == 0


def test_rate_limit_options_are_checked() -> None:
    with pytest.raises(brokerlink.InvalidInputError) as caught:
        brokerlink.Sandbox(rate_limit_window=0.5).start()
    assert caught.value.field == "rate_limit_window"
    with pytest.raises(brokerlink.InvalidInputError) as caught:
        brokerlink.Sandbox(account_rate_limit_per_minute=-1)
    assert caught.value.field == "account_rate_limit_per_minute"


def test_the_sandbox_oauth_app_authenticates_at_the_token_endpoint(sandbox: brokerlink.Sandbox) -> None:
    import base64
    import json
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(sandbox.url + "/.well-known/oauth-authorization-server", timeout=5) as answer:
        metadata = json.load(answer)
    assert metadata["issuer"] == sandbox.url

    def token(secret: str) -> tuple[int, dict[str, str]]:
        basic = base64.b64encode(f"{sandbox.oauth_client_id}:{secret}".encode()).decode()
        request = urllib.request.Request(
            metadata["token_endpoint"],
            data=b"grant_type=authorization_code&code=code_unknown",
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    status, body = token(sandbox.oauth_client_secret)
    assert (status, body["error"]) == (400, "invalid_grant")
    assert token("wrong")[1]["error"] == "invalid_client"
