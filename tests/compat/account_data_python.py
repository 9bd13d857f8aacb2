"""The official Python SDKs and brokerlink read the same accounts alike.

Run by scripts/compat-official-sdks with BASE_URL, CLIENT_ID, CONSUMER_KEY and API_KEY set, and
brokerlink's wheel installed beside the SDKs. For a SnapTrade user with the self-directed
profile and one with 2,500 activities, and for a Finatic user: positions, balances, orders and
every page of activities, as snaptrade-python-sdk (sync and async) and finatic-server-python
return them, must hold the same rows with the same amounts as brokerlink's normalised model.
"""

import asyncio
import json
import os
import urllib.request
import uuid
from decimal import Decimal
from typing import Any

import brokerlink
from finatic_server_python import FinaticServer
from snaptrade_client import SnapTrade
from snaptrade_client.auth import SnapTradeAuth

BASE_URL = os.environ["BASE_URL"]
CLIENT_ID = os.environ["CLIENT_ID"]
CONSUMER_KEY = os.environ["CONSUMER_KEY"]
API_KEY = os.environ["API_KEY"]
# Pages an SDK loop may fetch before the test calls it endless.
MAX_PAGES = 100


def exact(value: Any) -> Decimal | None:
    """An SDK's amount as an exact decimal: its text, never its float's digits."""
    return None if value is None else Decimal(str(value))


def complete_portal(url: str, username: str) -> dict:
    body = json.dumps({"url": url, "username": username, "password": "pass_good"}).encode()
    request = urllib.request.Request(
        BASE_URL + "/_sandbox/portal/complete",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def snaptrade_sdk() -> SnapTrade:
    auth = SnapTradeAuth.commercial_api_key(consumer_key=CONSUMER_KEY, client_id=CLIENT_ID)
    return SnapTrade(host=BASE_URL, auth=auth)


def sdk_activities(st: SnapTrade, user: dict[str, str], account_id: str) -> list[Any]:
    rows: list[Any] = []
    for _ in range(MAX_PAGES):
        page = st.account_information.get_account_activities(
            account_id=account_id, offset=len(rows), limit=1000, **user
        ).body
        rows.extend(page["data"])
        if not page["data"] or len(rows) >= int(page["pagination"]["total"]):
            return rows
    raise AssertionError("activities never ended")


def compare_snaptrade(username: str) -> int:
    """Returns how many rows were compared."""
    st = snaptrade_sdk()
    user_id = f"compat-data-{username}-{uuid.uuid4()}"
    secret = st.authentication.register_snap_trade_user(user_id=user_id).body["userSecret"]
    login = st.authentication.login_snap_trade_user(user_id=user_id, user_secret=secret, broker="ALPACA")
    assert complete_portal(login.body["redirectURI"], username)["status"] == "SUCCESS"
    sdk_user = {"user_id": user_id, "user_secret": secret}

    client = brokerlink.Client.snaptrade(client_id=CLIENT_ID, consumer_key=CONSUMER_KEY, base_url=BASE_URL)
    user = brokerlink.UserCredentials(user_id, secret)
    accounts = st.account_information.list_user_accounts(**sdk_user).body
    assert len(accounts) == (1 if username == "user_history" else 2), accounts
    assert [a["id"] for a in accounts] == [a.id for a in client.accounts(user)]
    compared = 0
    for account in accounts:
        account_id = account["id"]

        positions = st.account_information.get_all_account_positions(account_id=account_id, **sdk_user).body
        ours = client.positions(user, account_id)
        theirs = {p["instrument"]["symbol"]: (exact(p["units"]), exact(p["price"])) for p in positions["results"]}
        assert theirs == {p.instrument.symbol: (p.quantity, p.price) for p in ours}, (theirs, ours)
        compared += len(ours)

        balances = st.account_information.get_user_account_balance(account_id=account_id, **sdk_user).body
        theirs = {b["currency"]["code"]: (exact(b["cash"]), exact(b["buying_power"])) for b in balances}
        assert theirs == {b.currency: (b.cash, b.buying_power) for b in client.balances(user, account_id)}
        compared += len(theirs)

        orders = st.account_information.get_user_account_orders(
            account_id=account_id, state="all", days=90, **sdk_user
        ).body
        theirs = {
            o["brokerage_order_id"]: (o["status"], exact(o["total_quantity"]), exact(o["filled_quantity"]))
            for o in orders
        }
        ours = {
            o.id: (o.raw_status, o.quantity, o.filled_quantity)
            for o in client.orders(user, account_id, state="all", days=90)
        }
        assert theirs == ours, (theirs, ours)
        compared += len(ours)

        theirs_rows = sdk_activities(st, sdk_user, account_id)
        ours_rows = client.activities(user, account_id)
        assert [a["id"] for a in theirs_rows] == [a.id for a in ours_rows], "the same rows, in the same order"
        assert [(exact(a["amount"]), a["type"]) for a in theirs_rows] == [(a.amount, a.raw_type) for a in ours_rows]
        assert sum(exact(a["amount"]) or 0 for a in theirs_rows) == sum(a.amount or 0 for a in ours_rows)
        compared += len(ours_rows)
    return compared


async def compare_snaptrade_async() -> None:
    """The SDK's async twins (`a…`) against brokerlink's AsyncClient, on one account."""
    st = snaptrade_sdk()
    user_id = f"compat-data-async-{uuid.uuid4()}"
    secret = (await st.authentication.aregister_snap_trade_user(user_id=user_id)).body["userSecret"]
    login = await st.authentication.alogin_snap_trade_user(user_id=user_id, user_secret=secret, broker="QUESTRADE")
    assert complete_portal(login.body["redirectURI"], "user_good")["status"] == "SUCCESS"
    client = brokerlink.AsyncClient.snaptrade(client_id=CLIENT_ID, consumer_key=CONSUMER_KEY, base_url=BASE_URL)
    user = brokerlink.UserCredentials(user_id, secret)
    for account in (await st.account_information.alist_user_accounts(user_id=user_id, user_secret=secret)).body:
        positions = await st.account_information.aget_all_account_positions(
            account_id=account["id"], user_id=user_id, user_secret=secret
        )
        ours = await client.positions(user, account["id"])
        assert sorted(exact(p["units"]) for p in positions.body["results"]) == sorted(p.quantity for p in ours)
        balances = await st.account_information.aget_user_account_balance(
            account_id=account["id"], user_id=user_id, user_secret=secret
        )
        # A multi-currency account at a Canadian broker: one balance per currency.
        theirs = {b["currency"]["code"]: exact(b["cash"]) for b in balances.body}
        assert theirs == {b.currency: b.cash for b in await client.balances(user, account["id"])}


async def finatic_pages(call: Any, account_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        page = await call(account_id, limit=1000, offset=len(rows))
        assert not page["errors"], page
        rows.extend(page["data"])
        # The SDK's envelope drops Finatic's pagination meta: a short page is the last.
        if len(page["data"]) < 1000:
            return rows
    raise AssertionError("pages never ended")


async def compare_finatic() -> int:
    fin = FinaticServer(API_KEY, sdk_config={"base_url": BASE_URL, "environment": "sandbox"})
    v1 = fin.v1
    compared = 0
    try:
        await v1.start_session(one_time_token=await v1.get_token())
        done = complete_portal(await v1.get_portal_url(brokers=["schwab"]), "user_good")
        assert done["status"] == "SUCCESS", done
        client = brokerlink.Client.finatic(api_key=API_KEY, base_url=BASE_URL)
        user = brokerlink.UserCredentials(done["user_id"])
        accounts = (await v1.list_accounts())["data"]
        assert len(accounts) == 2, accounts
        assert sorted(a["accountId"] for a in accounts) == sorted(a.id for a in client.accounts(user))
        for account in accounts:
            account_id = account["accountId"]

            positions = await finatic_pages(v1.list_positions, account_id)
            theirs = {p["securityId"]: (exact(p["marketValue"]), p["side"]) for p in positions}
            ours = client.positions(user, account_id)
            assert theirs == {
                p.instrument.symbol: (p.market_value, "SHORT" if p.quantity < 0 else "LONG") for p in ours
            }, (theirs, ours)
            compared += len(ours)

            balances = await finatic_pages(v1.list_balances, account_id)
            theirs = {b["currencyCode"]: (exact(b["cashBalance"]), exact(b["buyingPower"])) for b in balances}
            assert theirs == {b.currency: (b.cash, b.buying_power) for b in client.balances(user, account_id)}
            compared += len(theirs)

            orders = await finatic_pages(v1.list_orders, account_id)
            ours_orders = client.orders(user, account_id)
            assert sorted(o["orderId"] for o in orders) == sorted(o.id for o in ours_orders)
            assert {o["orderId"]: o["status"] for o in orders} == {o.id: o.raw_status for o in ours_orders}
            compared += len(ours_orders)

            transactions = await finatic_pages(v1.list_transactions, account_id)
            ours_rows = client.activities(user, account_id)
            assert [t["transactionId"] for t in transactions] == [a.id for a in ours_rows]
            assert [exact(t["transactionAmount"]) for t in transactions] == [a.amount for a in ours_rows]
            compared += len(ours_rows)
    finally:
        await v1.api_client.close()
    return compared


if __name__ == "__main__":
    rows = compare_snaptrade("user_good") + compare_snaptrade("user_history")
    asyncio.run(compare_snaptrade_async())
    rows += asyncio.run(compare_finatic())
    print(f"account data, official Python SDKs vs brokerlink: {rows} rows agree")
