"""The blocking client against the in-process sandbox: the README's flow and every call."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from conftest import connect

import brokerlink
from brokerlink import ConnectionStatus, ConnectionType, Permission, PortalMode


def test_readme_flow(sandbox: brokerlink.Sandbox, client: brokerlink.Client) -> None:
    user = client.register_user("app-user-42")
    assert user.user_id == "app-user-42"
    assert user.user_secret
    link = client.portal_url(user, connection_type="read", redirect_url="https://app.example/connected")
    assert link.url.startswith(sandbox.url)
    assert link.expires_at.tzinfo is not None
    assert link.expires_at > dt.datetime.now(dt.timezone.utc)
    done = sandbox.complete_portal(link.url, "user_good", "pass_good")
    assert done.type == "success"
    assert done.connection_id
    redirect = f"https://app.example/connected?status=SUCCESS&connection_id={done.connection_id}"
    assert brokerlink.parse_portal_result(redirect).connection_id == done.connection_id
    connection = client.wait_for_connection(user, timeout=10, poll_interval=0.05)
    assert connection.id == done.connection_id
    assert connection.status is ConnectionStatus.ACTIVE
    assert connection.status == "active"
    assert connection.permission is Permission.READ
    assert connection.broker.name == "Alpaca"
    accounts = client.accounts(user)
    assert [a.name for a in accounts] == ["Alpaca Individual", "Alpaca Crypto"]
    balance = accounts[0].balance
    assert balance is not None
    assert (balance.amount, balance.currency) == (Decimal("15363.23"), "USD")
    assert isinstance(balance.amount, Decimal)
    assert accounts[0].synced


def test_users(client: brokerlink.Client) -> None:
    alice = client.register_user("alice")
    client.register_user("bob")
    assert sorted(client.list_users()) == ["alice", "bob"]
    rotated = client.rotate_user_secret(alice)
    assert rotated.user_id == "alice"
    assert rotated.user_secret != alice.user_secret
    with pytest.raises(brokerlink.UnauthorizedError):
        client.connections(alice)  # the old secret stopped working
    assert client.connections(rotated) == []
    assert client.delete_user(rotated) is None
    assert client.list_users() == ["bob"]


def test_connection_calls(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    done = connect(client, sandbox, user)
    assert done.connection_id is not None
    cid = done.connection_id
    assert client.connection(user, cid).id == cid
    account, _crypto = client.connection_accounts(user, cid)
    assert client.account(user, account.id) == account
    assert client.refresh_connection(user, cid) is None
    assert client.disable_connection(user, cid) is None
    assert client.connection(user, cid).status is ConnectionStatus.DISABLED
    assert client.remove_connection(user, cid) is None
    with pytest.raises(brokerlink.NotFoundError):
        client.connection(user, cid)


def test_portal_options_take_strings_or_enums(
    client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    by_str = client.portal_url(user, connection_type="trade", mode="dark", locale="pt_br", broker="ALPACA")
    by_enum = client.portal_url(user, connection_type=ConnectionType.TRADE, mode=PortalMode.DARK)
    for link in (by_str, by_enum):
        assert "connectionType=trade" in link.url
        assert "darkMode=true" in link.url
    assert "locale=pt-BR" in by_str.url


def test_bad_options_fail_like_the_core(client: brokerlink.Client, user: brokerlink.UserCredentials) -> None:
    for options, field in [
        ({"connection_type": "everything"}, "connection_type"),
        ({"mode": "sepia"}, "mode"),
        ({"locale": "fr"}, "locale"),
        ({"redirect_url": "/relative"}, "redirect_url"),
        ({"reconnect": "not-a-uuid"}, "reconnect"),
    ]:
        with pytest.raises(brokerlink.InvalidInputError) as caught:
            client.portal_url(user, **options)
        assert caught.value.field == field
        assert caught.value.attempts == 0
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        client.portal_url(user, colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="theme"):
        client.portal_url(user, theme=5)  # type: ignore[arg-type]


def test_result_objects(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    connect(client, sandbox, user)
    [connection] = client.connections(user)
    as_dict = connection.to_dict()
    assert as_dict["id"] == connection.id
    assert as_dict["broker"] == connection.broker.to_dict()
    assert as_dict["status"] == "active"
    assert isinstance(as_dict["created_at"], dt.datetime)
    assert repr(connection).startswith("Connection(id='")
    assert "status='active'" in repr(connection)
    with pytest.raises(AttributeError):
        connection.id = "other"  # type: ignore[misc]
    account, _crypto = client.accounts(user)
    assert account.to_dict()["balance"] == {"amount": Decimal("15363.23"), "currency": "USD"}


def test_user_credentials_and_session_from_stored_values() -> None:
    user = brokerlink.UserCredentials("alice", "s3cret")
    assert user == brokerlink.UserCredentials("alice", user_secret="s3cret")
    assert brokerlink.UserCredentials("alice").user_secret is None
    assert user.to_dict() == {"user_id": "alice", "user_secret": "s3cret"}
    when = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    session = brokerlink.Session("sess-1", "company-1", expires_at=when, user_id="u1")
    assert session.status is brokerlink.SessionStatus.ACTIVE
    assert brokerlink.Session("s", "c", status="weird").status is brokerlink.SessionStatus.UNKNOWN
    assert session.to_dict()["expires_at"] == when


def test_parse_portal_result_forms() -> None:
    cid = str(uuid.uuid4())
    assert brokerlink.parse_portal_result(f"SUCCESS:{cid}").connection_id == cid
    error = brokerlink.parse_portal_result("https://a/cb?status=ERROR&error_code=1086&status_code=401")
    assert (error.type, error.code, error.status_code) == ("error", "1086", 401)
    assert error.to_dict() == {"type": "error", "code": "1086", "message": None, "status_code": 401}
    assert brokerlink.parse_portal_result('{"type":"portal-resize","height":640}').height == 640
    assert brokerlink.parse_portal_result("CLOSED").type == "closed"
    with pytest.raises(brokerlink.InvalidInputError) as caught:
        brokerlink.parse_portal_result("not a portal result")
    assert caught.value.field == "input"


def test_client_settings() -> None:
    retry = brokerlink.RetryPolicy(max_attempts=5, initial_backoff=0.01)
    assert (retry.max_attempts, retry.initial_backoff, retry.max_backoff) == (5, 0.01, 5.0)
    assert brokerlink.RetryPolicy.none().max_attempts == 1
    client = brokerlink.Client.snaptrade(client_id="id", consumer_key="key", retry=retry, timeout=2.5)
    assert client.provider is brokerlink.ProviderKind.SNAPTRADE
    assert client.base_url == "https://api.snaptrade.com"
    assert repr(client) == "Client(provider='snaptrade', base_url='https://api.snaptrade.com')"
    finatic = brokerlink.Client.finatic(api_key="fntc_sandbox_x", environment="sandbox")
    assert finatic.provider is brokerlink.ProviderKind.FINATIC
    for bad in (
        lambda: brokerlink.Client.snaptrade(client_id="id", consumer_key="k", timeout=0),
        lambda: brokerlink.Client.snaptrade(client_id="id", consumer_key="k", timeout=-1),
        lambda: brokerlink.Client.snaptrade(client_id="id", consumer_key="k", base_url="ftp://x"),
        lambda: brokerlink.Client.snaptrade(
            client_id="id", consumer_key="k", retry=brokerlink.RetryPolicy(max_attempts=0)
        ),
        lambda: brokerlink.Client.finatic(api_key="k", environment="moon"),
    ):
        with pytest.raises(brokerlink.InvalidInputError):
            bad()


def test_wait_for_a_pending_connection(client: brokerlink.Client) -> None:
    with brokerlink.Sandbox(pending_activation=0.3) as sandbox:
        client = brokerlink.Client.snaptrade(
            client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
        )
        user = client.register_user("carol")
        done = connect(client, sandbox, user, username="user_pending")
        connection = client.wait_for_connection(user, timeout=5, poll_interval=0.05, max_poll_interval=0.2)
        assert connection.id == done.connection_id
        with pytest.raises(brokerlink.BrokerlinkTimeoutError):
            client.wait_for_connection(user, timeout=0.2, poll_interval=0.05, connection_id=str(uuid.uuid4()))


def test_finatic_client_against_the_sandbox(sandbox: brokerlink.Sandbox) -> None:
    client = brokerlink.Client.finatic(api_key=sandbox.api_key, base_url=sandbox.url)
    session = client.start_session()
    assert session.id
    assert isinstance(session.status, brokerlink.SessionStatus)
    link = client.session_portal_url(session, theme={"primaryColor": "#00f"}, brokers=["alpaca"])
    assert link.url.startswith(sandbox.url)
    assert "token=***" in repr(link) or "one_time_token=***" in repr(link) or link.url not in repr(link)


def test_finatic_one_time_token_client(sandbox: brokerlink.Sandbox) -> None:
    server = brokerlink.Client.finatic(api_key=sandbox.api_key, base_url=sandbox.url)
    token = server.mint_one_time_token()
    assert isinstance(token, str)
    assert token
    front = brokerlink.Client.finatic(one_time_token=token, base_url=sandbox.url)
    assert token not in repr(front)
    with pytest.raises(brokerlink.InvalidInputError) as refused:
        front.mint_one_time_token()
    assert refused.value.field == "mint_one_time_token"
    session = front.start_session()
    with pytest.raises(brokerlink.BrokerlinkError) as spent:
        front.start_session()
    assert spent.value.field == "one_time_token"
    link = front.session_portal_url(session)
    assert sandbox.complete_portal(link.url, "user_good", "pass_good").user_id
    user = front.session_user(session)
    assert [c.status for c in front.connections(user)] == [ConnectionStatus.ACTIVE] * 2
    assert front.accounts(user)
    with pytest.raises(brokerlink.BrokerlinkError) as other:
        front.accounts(brokerlink.UserCredentials("someone-else"))
    assert other.value.field == "user"
    for both in ({"api_key": sandbox.api_key, "one_time_token": token}, {}):
        with pytest.raises(brokerlink.BrokerlinkError) as wrong:
            brokerlink.Client.finatic(base_url=sandbox.url, **both)
        assert wrong.value.kind == brokerlink.ErrorKind.INVALID_INPUT


def test_snaptrade_personal_key(sandbox: brokerlink.Sandbox) -> None:
    client = brokerlink.Client.snaptrade_personal(
        client_id=sandbox.personal_client_id, consumer_key=sandbox.personal_consumer_key, base_url=sandbox.url
    )
    assert sandbox.personal_consumer_key not in repr(client)
    assert client.connections() == []
    with pytest.raises(brokerlink.InvalidInputError) as refused:
        client.register_user("someone")
    assert refused.value.field == "register_user"
    with pytest.raises(brokerlink.InvalidInputError) as named:
        client.accounts(brokerlink.UserCredentials("someone", "secret"))
    assert named.value.field == "user"
    link = client.portal_url(connection_type="read")
    assert sandbox.complete_portal(link.url, "user_good", "pass_good").connection_id
    connection = client.wait_for_connection(timeout=10, poll_interval=0.05)
    assert connection.status == ConnectionStatus.ACTIVE
    accounts = client.accounts()
    assert len(accounts) == 2
    assert client.positions(None, accounts[0].id)
    partner = brokerlink.Client.snaptrade(
        client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
    )
    with pytest.raises(brokerlink.InvalidInputError) as nobody:
        partner.accounts()
    assert nobody.value.field == "user"


def test_snaptrade_oauth_app(sandbox: brokerlink.Sandbox) -> None:
    app = brokerlink.Client.snaptrade_oauth(
        client_id=sandbox.oauth_client_id, client_secret=sandbox.oauth_client_secret, base_url=sandbox.url
    )
    request = app.oauth_authorization_url("http://127.0.0.1:9/callback", ["read", "openid", "email"])
    assert request.code_verifier not in repr(request)
    callback = sandbox.authorize_oauth(request.url, "user_good", "pass_good")
    assert callback.startswith("http://127.0.0.1:9/callback?code=")
    with pytest.raises(brokerlink.InvalidInputError):
        sandbox.authorize_oauth(request.url, "user_good", "wrong")
    # The app kept the request in the user's session as plain values, and rebuilds it.
    stored = brokerlink.AuthorizationRequest(**request.to_dict())
    tokens = app.oauth_exchange_code(stored, callback)
    assert tokens.email == "user_good@personal.sandbox.test"
    assert tokens.access_token not in repr(tokens)

    # A token the server no longer knows: one refresh, one retry; the listener hears the new pair.
    heard: list[brokerlink.OAuthTokens] = []
    stale = brokerlink.OAuthTokens(**{**tokens.to_dict(), "access_token": "at_unknown"})
    user = app.with_oauth_tokens(stale, on_refresh=heard.append)
    assert user.accounts() == []
    assert len(heard) == 1
    assert heard[0].refresh_token != tokens.refresh_token
    assert user.oauth_tokens == heard[0]
    with pytest.raises(brokerlink.InvalidInputError):
        user.register_user("x")
    app.oauth_revoke(heard[0])
    with pytest.raises(brokerlink.UnauthorizedError) as dead:
        user.accounts()
    assert dead.value.provider_code == "invalid_grant"
