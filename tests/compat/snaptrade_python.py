"""The official snaptrade-python-sdk, unchanged, against brokerlink's sandbox.

Run by scripts/compat-official-sdks with BASE_URL, CLIENT_ID, CONSUMER_KEY, PERSONAL_CLIENT_ID and
PERSONAL_CONSUMER_KEY set. Drives the SDK through register, portal link, headless portal
completion, connection list and detail, accounts, its async API, a Personal API key, and a bad
signature; every step asserts what a real server returns.
"""

import asyncio
import json
import os
import urllib.request
import uuid

from snaptrade_client import SnapTrade
from snaptrade_client.auth import SnapTradeAuth
from snaptrade_client.exceptions import ApiException

BASE_URL = os.environ["BASE_URL"]
CLIENT_ID = os.environ["CLIENT_ID"]
CONSUMER_KEY = os.environ["CONSUMER_KEY"]


def sdk(consumer_key: str = CONSUMER_KEY) -> SnapTrade:
    auth = SnapTradeAuth.commercial_api_key(consumer_key=consumer_key, client_id=CLIENT_ID)
    return SnapTrade(host=BASE_URL, auth=auth)


def complete_portal(url: str) -> dict:
    body = json.dumps({"url": url, "username": "user_good", "password": "pass_good"}).encode()
    request = urllib.request.Request(
        BASE_URL + "/_sandbox/portal/complete",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def sync_flow() -> None:
    st = sdk()
    # Non-ASCII: the SDK signs the body \u-escaped but sends it as raw UTF-8.
    user_id = f"python-sdk-é-{uuid.uuid4()}"
    registered = st.authentication.register_snap_trade_user(user_id=user_id)
    assert registered.status == 200
    assert registered.body["userId"] == user_id
    secret = registered.body["userSecret"]

    login = st.authentication.login_snap_trade_user(
        user_id=user_id,
        user_secret=secret,
        broker="ALPACA",
        connection_type="read",
        dark_mode=True,
    )
    assert login.status == 200
    assert "/snapTrade/redeemToken?" in login.body["redirectURI"]
    assert login.body["sessionId"]

    done = complete_portal(login.body["redirectURI"])
    assert done["status"] == "SUCCESS", done

    listed = st.connections.list_brokerage_authorizations(user_id=user_id, user_secret=secret)
    assert [c["id"] for c in listed.body] == [done["connection_id"]]
    assert listed.body[0]["brokerage"]["slug"] == "ALPACA"
    assert listed.body[0]["disabled"] is False

    detail = st.connections.detail_brokerage_authorization(
        authorization_id=done["connection_id"], user_id=user_id, user_secret=secret
    )
    assert detail.body["id"] == done["connection_id"]

    accounts = st.account_information.list_user_accounts(user_id=user_id, user_secret=secret)
    assert len(accounts.body) == 2, "every simulated broker login holds two accounts"
    assert {a["brokerage_authorization"] for a in accounts.body} == {done["connection_id"]}
    assert accounts.body[0]["balance"]["total"]["currency"] == "USD"

    by_connection = st.connections.list_brokerage_authorization_accounts(
        authorization_id=done["connection_id"], user_id=user_id, user_secret=secret
    )
    assert [a["id"] for a in by_connection.body] == [a["id"] for a in accounts.body]

    users = st.authentication.list_snap_trade_users()
    assert user_id in users.body

    removed = st.connections.delete_connection(connection_id=done["connection_id"], user_id=user_id, user_secret=secret)
    assert removed.body["connection_id"] == done["connection_id"]

    try:
        sdk("not-the-consumer-key").authentication.list_snap_trade_users()
    except ApiException as error:
        assert error.status == 401
    else:
        raise AssertionError("a wrong consumer key was accepted")
    print("python sdk (sync): ok")


def personal_key_flow() -> None:
    """SnapTradeAuth.personal_api_key: signed calls naming no user, acting as the key's own."""
    personal_client_id = os.environ["PERSONAL_CLIENT_ID"]
    personal_key = os.environ["PERSONAL_CONSUMER_KEY"]
    st = SnapTrade(
        host=BASE_URL,
        auth=SnapTradeAuth.personal_api_key(consumer_key=personal_key, client_id=personal_client_id),
    )
    login = st.authentication.login_snap_trade_user(broker="ALPACA", connection_type="read")
    assert login.status == 200
    done = complete_portal(login.body["redirectURI"])
    assert done["status"] == "SUCCESS", done
    listed = st.connections.list_brokerage_authorizations()
    assert done["connection_id"] in [c["id"] for c in listed.body]
    accounts = st.account_information.list_user_accounts()
    assert len(accounts.body) >= 2
    positions = st.account_information.get_all_account_positions(account_id=accounts.body[0]["id"])
    assert positions.status == 200
    try:
        st.authentication.register_snap_trade_user(user_id="not-for-personal-keys")
    except ApiException as error:
        # The SDK has no Personal auth for user management and sends the call unsigned.
        assert error.status == 401
    else:
        raise AssertionError("a Personal key registered a user")
    wrong = SnapTrade(
        host=BASE_URL,
        auth=SnapTradeAuth.personal_api_key(consumer_key="not-the-key", client_id=personal_client_id),
    )
    try:
        wrong.connections.list_brokerage_authorizations()
    except ApiException as error:
        assert error.status == 401
    else:
        raise AssertionError("a wrong personal key was accepted")
    print("python sdk (personal API key): ok")


def every_route() -> None:
    """The SDK validates every response body against its own schemas (and raises when one does
    not fit), so calling each route the sandbox serves makes the SDK's models a second opinion
    beside the contract tests against the spec."""
    st = sdk()
    assert st.api_status.check().body["online"] is True
    brokers = st.reference_data.list_all_brokerages()
    assert "ALPACA" in [b["slug"] for b in brokers.body]
    types = st.reference_data.list_all_brokerage_authorization_type(brokerage="ALPACA,SCHWAB")
    assert len(types.body) >= 2
    assert st.reference_data.get_partner_info().body["name"]

    user_id = f"python-sdk-routes-{uuid.uuid4()}"
    secret = st.authentication.register_snap_trade_user(user_id=user_id).body["userSecret"]
    login = st.authentication.login_snap_trade_user(user_id=user_id, user_secret=secret)
    done = complete_portal(login.body["redirectURI"])
    connection_id = done["connection_id"]
    experimental = st.connections.list_connection_accounts(
        connection_id=connection_id, user_id=user_id, user_secret=secret
    )
    assert [(a["kind"], a["connection_id"]) for a in experimental.body] == [("investment", connection_id)] * 2
    account_id = experimental.body[0]["id"]
    detail = st.account_information.get_user_account_details(account_id=account_id, user_id=user_id, user_secret=secret)
    assert detail.body["id"] == account_id
    # The account-data routes (compared with brokerlink row by row in account_data_python.py).
    user = {"account_id": account_id, "user_id": user_id, "user_secret": secret}
    assert st.account_information.get_all_account_positions(**user).body["results"]
    assert st.account_information.get_user_account_balance(**user).body
    orders = st.account_information.get_user_account_orders(**user, state="all", days=90).body
    order_id = orders[0]["brokerage_order_id"]
    assert st.account_information.get_user_account_order_detail(brokerage_order_id=order_id, **user).body
    recent = st.account_information.get_user_account_recent_orders(**user).body
    assert all(o["brokerage_order_id"] for o in recent["orders"])
    assert st.account_information.get_account_activities(**user, limit=10).body["pagination"]["total"] > 10
    history = st.account_information.get_account_balance_history(**user).body
    assert history["history"], history
    refreshed = st.connections.refresh_brokerage_authorization(
        authorization_id=connection_id, user_id=user_id, user_secret=secret
    )
    assert refreshed.status == 200
    disabled = st.connections.disable_brokerage_authorization(
        authorization_id=connection_id, user_id=user_id, user_secret=secret
    )
    assert disabled.status == 200
    rotated = st.authentication.reset_snap_trade_user_secret(user_id=user_id, user_secret=secret)
    assert rotated.body["userSecret"] != secret
    deleted = st.authentication.delete_snap_trade_user(user_id=user_id)
    assert deleted.body["status"] == "deleted"
    print("python sdk (every route, its models as a second opinion): ok")


async def async_flow() -> None:
    st = sdk()
    user_id = f"python-sdk-async-{uuid.uuid4()}"
    registered = await st.authentication.aregister_snap_trade_user(user_id=user_id)
    secret = registered.body["userSecret"]
    login = await st.authentication.alogin_snap_trade_user(user_id=user_id, user_secret=secret)
    done = complete_portal(login.body["redirectURI"])
    assert done["status"] == "SUCCESS", done
    listed = await st.connections.alist_brokerage_authorizations(user_id=user_id, user_secret=secret)
    assert [c["id"] for c in listed.body] == [done["connection_id"]]
    accounts = await st.account_information.alist_user_accounts(user_id=user_id, user_secret=secret)
    assert len(accounts.body) == 2
    print("python sdk (async): ok")


if __name__ == "__main__":
    sync_flow()
    personal_key_flow()
    every_route()
    asyncio.run(async_flow())
