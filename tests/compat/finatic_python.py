"""The official finatic-server-python, unchanged, against brokerlink's sandbox.

Run by scripts/compat-official-sdks with BASE_URL and API_KEY set: token, session start, portal
URL with filters, session user after a headless portal login, the v1 accounts and account
grants (list, get, update, revoke), sync status, webhook subscriptions, and a bad key.
"""

import asyncio
import base64
import json
import os
import urllib.request
from urllib.parse import parse_qs, urlparse

from finatic_server_python import FinaticServer

BASE_URL = os.environ["BASE_URL"]
API_KEY = os.environ["API_KEY"]


def complete_portal(url: str) -> dict:
    body = json.dumps({"url": url, "username": "user_good", "password": "pass_good"}).encode()
    request = urllib.request.Request(
        BASE_URL + "/_sandbox/portal/complete",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def server(api_key: str = API_KEY) -> FinaticServer:
    return FinaticServer(api_key, sdk_config={"base_url": BASE_URL, "environment": "sandbox"})


async def flow() -> None:
    fin = server()
    v1 = fin.v1
    try:
        token = await v1.get_token()
        assert token.startswith("ott_"), token
        started = await v1.start_session(one_time_token=token)
        assert started["success"], started
        assert started["status"] == "pending" and not started["authenticated"], started
        assert v1.get_session_id() == started["session_id"]

        url = await v1.get_portal_url(brokers=["alpaca", "schwab"], mode="dark", email="ana+1@example.com")
        query = parse_qs(urlparse(url).query)
        assert url.startswith(BASE_URL + "/portal?"), url
        assert json.loads(base64.b64decode(query["brokers"][0])) == [
            "alpaca",
            "schwab",
        ], query
        assert query["mode"] == ["dark"] and query["email"] == ["ana+1@example.com"], query

        done = complete_portal(url)
        assert done["status"] == "SUCCESS", done
        user = await v1.get_session_user()
        assert user["user_id"] == done["user_id"], (user, done)

        accounts = await v1.list_accounts(limit=10, offset=0, include_sync_status=True)
        assert not accounts["errors"], accounts
        # Every simulated broker login holds two accounts.
        assert [a["connectionId"] for a in accounts["data"]] == [done["connection_id"]] * 2, accounts
        account = accounts["data"][0]
        assert account["syncStatus"] == "ready", account
        detail = await v1.get_account(account["accountId"])
        assert detail["data"]["accountId"] == account["accountId"], detail

        grants = await v1.list_account_grants()
        assert not grants["errors"], grants
        assert len(grants["data"]) == 2, grants
        # A login's first grant has the login's id; it shares the account listed first.
        [grant] = [g for g in grants["data"] if g["id"] == done["connection_id"]]
        [other] = [g for g in grants["data"] if g["id"] != done["connection_id"]]
        assert grant["brokerAccountId"] == account["accountId"], grant
        assert (await v1.get_account_grant(grant["id"]))["data"]["status"] == "active"
        updated = await v1.update_account_grant(grant["id"], {"canTrade": False})
        assert updated["data"]["canTrade"] is False, updated
        sync = await v1.get_session_sync_status()
        assert [a["syncStatus"] for a in sync["data"]["accounts"]] == ["ready", "ready"], sync

        hooks = await v1.get_webhook_catalog()
        assert not hooks["errors"] and hooks["data"], hooks
        created = await v1.create_webhook_subscription(
            {"url": "http://127.0.0.1:9/hook", "eventTypes": ["account.grant.revoked"], "description": "compat"}
        )
        assert not created["errors"], created
        subscription_id = created["data"]["id"]
        listed = await v1.list_webhook_subscriptions()
        assert subscription_id in [s["id"] for s in listed["data"]], listed
        changed = await v1.update_webhook_subscription(subscription_id, {"description": "compat 2"})
        assert not changed["errors"], changed
        gone = await v1.revoke_webhook_subscription(subscription_id)
        assert not gone["errors"], gone

        revoked = await v1.revoke_account_grant(grant["id"])
        assert revoked["data"]["status"] == "revoked" and revoked["data"]["revokedAt"], revoked
        left = (await v1.list_accounts())["data"]
        assert [a["accountId"] for a in left] == [other["brokerAccountId"]], left
        await v1.revoke_account_grant(other["id"])
        assert (await v1.list_accounts())["data"] == []
        missing = await v1.get_account_grant("00000000-0000-4000-8000-000000000000")
        assert missing["errors"], missing

        # A saved user id starts an authenticated session for that user.
        again = await v1.start_session(user_id=done["user_id"])
        assert again["authenticated"] and again["user_id"] == done["user_id"], again
    finally:
        await v1.api_client.close()

    bad = server("fntc_sandbox_not-the-key")
    try:
        refused = await bad.v1.start_session()
        assert not refused["success"] and refused["error"], refused
    finally:
        await bad.v1.api_client.close()
    print("finatic-server-python: ok")


if __name__ == "__main__":
    asyncio.run(flow())
