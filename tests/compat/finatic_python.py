"""The official finatic-server-python, unchanged, against brokerlink's sandbox.

Run by scripts/compat-official-sdks with BASE_URL and API_KEY set: token, session start, portal
URL with filters, session user after a headless portal login, accounts, and a bad key.
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

        accounts = await v1.list_accounts()
        assert not accounts["errors"], accounts
        assert [a["connectionId"] for a in accounts["data"]] == [done["connection_id"]], accounts

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
