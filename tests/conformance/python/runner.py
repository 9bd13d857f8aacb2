#!/usr/bin/env python3
"""The Python conformance runner: executes every scenario of tests/conformance/scenarios against
a fresh in-process ``brokerlink.Sandbox`` with the ``brokerlink`` package, and writes one raw
transcript per scenario (``<name>.jsonl``) in the canonical JSON forms of the Rust runner
(tests/conformance/rust/src/canonical.rs), for ``conformance check DIR`` to normalise and compare.

Mirrors run.rs and scenario.rs step for step: same calls, same argument defaults, same
``$name.path`` resolution, same error shapes.

    python tests/conformance/python/runner.py [--out DIR] [--scenarios DIR] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import brokerlink

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent / "scenarios"


class RunnerError(Exception):
    """A step the runner itself could not carry out (recorded as ``runner_error``)."""


class Missing(Exception):
    """A step lacks its user or session argument (run.rs reports it as an internal error)."""


# --- scenario.rs -------------------------------------------------------------------------


def load_all(directory: Path) -> list[dict[str, Any]]:
    scenarios = []
    for path in sorted(directory.glob("*.json")):
        scenario = json.loads(path.read_text(encoding="utf-8"))
        if scenario.get("name") != path.stem:
            raise SystemExit(f"{path}: name {scenario.get('name')!r} must equal the file name")
        scenarios.append(scenario)
    return scenarios


def resolve(args: Any, saved: dict[str, Any]) -> Any:
    """Replaces ``"$name"`` / ``"$name.path.to.field"`` strings with saved results."""
    if isinstance(args, str) and args.startswith("$"):
        name, *parts = args[1:].split(".")
        if name not in saved:
            raise RunnerError(f"nothing saved as {name!r}")
        value = saved[name]
        for part in parts:
            if isinstance(value, list):
                index = int(part) if re.fullmatch(r"[0-9]+", part) else None
                found = index is not None and index < len(value)
                value = value[index] if found and index is not None else None
            elif isinstance(value, dict):
                found = part in value
                value = value.get(part)
            else:
                found = False
            if not found:
                raise RunnerError(f"{args}: no field {part!r}")
        return value
    if isinstance(args, list):
        return [resolve(item, saved) for item in args]
    if isinstance(args, dict):
        return {key: resolve(value, saved) for key, value in args.items()}
    return args


# --- canonical.rs ------------------------------------------------------------------------


def timestamp(t: datetime | None) -> str | None:
    """RFC 3339 as chrono's ``to_rfc3339`` writes it (fraction in 0, 3 or 6 digits)."""
    if t is None:
        return None
    text = t.isoformat()
    if t.microsecond and t.microsecond % 1000 == 0:
        text = text.replace(f".{t.microsecond:06d}", f".{t.microsecond // 1000:03d}")
    return text


def user(u: brokerlink.UserCredentials) -> dict[str, Any]:
    return {"user_id": u.user_id, "user_secret": u.user_secret}


def session(s: brokerlink.Session) -> dict[str, Any]:
    return {
        "id": s.id,
        "company_id": s.company_id,
        "status": s.status.value,
        "expires_at": timestamp(s.expires_at),
        "user_id": s.user_id,
    }


def oauth_tokens(t: brokerlink.OAuthTokens) -> dict[str, Any]:
    return {
        "access_token": t.access_token,
        "refresh_token": t.refresh_token,
        "expires_at": timestamp(t.expires_at),
        "scope": t.scope,
        "user_id": t.user_id,
        "email": t.email,
    }


def authorization_request(r: brokerlink.AuthorizationRequest) -> dict[str, Any]:
    return {
        "url": r.url,
        "redirect_uri": r.redirect_uri,
        "state": r.state,
        "code_verifier": r.code_verifier,
        "nonce": r.nonce,
    }


def tokens_arg(t: Any) -> brokerlink.OAuthTokens:
    """Tokens given back as their canonical form."""
    t = t if isinstance(t, dict) else {}
    expires = text(t, "expires_at")
    return brokerlink.OAuthTokens(
        access_token=text(t, "access_token") or "",
        refresh_token=text(t, "refresh_token") or "",
        expires_at=datetime.fromisoformat(expires) if expires else datetime.now(timezone.utc),
        scope=text(t, "scope") or "",
        user_id=text(t, "user_id"),
        email=text(t, "email"),
    )


def request_arg(r: Any) -> brokerlink.AuthorizationRequest:
    r = r if isinstance(r, dict) else {}
    return brokerlink.AuthorizationRequest(
        **{k: text(r, k) or "" for k in ("url", "redirect_uri", "state", "code_verifier", "nonce")}
    )


def link(link: brokerlink.PortalLink) -> dict[str, Any]:
    return {"url": link.url, "session_id": link.session_id, "expires_at": timestamp(link.expires_at)}


def connection(c: brokerlink.Connection) -> dict[str, Any]:
    return {
        "id": c.id,
        "broker": {
            "slug": c.broker.slug,
            "name": c.broker.name,
            "display_name": c.broker.display_name,
            "allows_trading": c.broker.allows_trading,
        },
        "status": c.status.value,
        "raw_status": c.raw_status,
        "permission": c.permission.value,
        "name": c.name,
        "created_at": timestamp(c.created_at),
        "updated_at": timestamp(c.updated_at),
        "disabled_at": timestamp(c.disabled_at),
    }


def webhook_event_type(t: brokerlink.WebhookEventType) -> dict[str, Any]:
    return {"event_type": t.event_type, "category": t.category, "description": t.description}


def webhook_subscription(s: brokerlink.WebhookSubscription) -> dict[str, Any]:
    return {
        "id": s.id,
        "url": s.url,
        "event_types": s.event_types,
        "status": str(s.status),
        "raw_status": s.raw_status,
        "description": s.description,
        "created_at": timestamp(s.created_at),
        "updated_at": timestamp(s.updated_at),
        "has_secret": s.secret is not None,
    }


def account(a: brokerlink.Account) -> dict[str, Any]:
    balance = a.balance
    return {
        "id": a.id,
        "connection_id": a.connection_id,
        "name": a.name,
        "number": a.number,
        "institution_name": a.institution_name,
        # Two decimals as text: float printing differs between languages.
        "balance": None if balance is None else {"amount": str(balance.amount), "currency": balance.currency},
        "is_paper": a.is_paper,
        "raw_status": a.raw_status,
        "created_at": timestamp(a.created_at),
        "synced": a.synced,
        "sync": None if a.sync is None else sync(a.sync),
    }


def sync(s: brokerlink.AccountSync) -> dict[str, Any]:
    return {
        "holdings_ready": s.holdings_ready,
        "transactions_ready": s.transactions_ready,
        "holdings_synced_at": timestamp(s.holdings_synced_at),
        "transactions_synced_at": timestamp(s.transactions_synced_at),
        "first_transaction_date": day(s.first_transaction_date),
        "raw_status": s.raw_status,
    }


def amount(d: Decimal | None) -> str | None:
    """An exact decimal as the text of its digits and scale (never an exponent)."""
    return None if d is None else format(d, "f")


def day(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def instrument(i: brokerlink.Instrument | None) -> dict[str, Any] | None:
    if i is None:
        return None
    o = i.option
    return {
        "symbol": i.symbol,
        "name": i.name,
        "kind": i.kind.value,
        "raw_kind": i.raw_kind,
        "currency": i.currency,
        "exchange": i.exchange,
        "option": None
        if o is None
        else {
            "underlying": o.underlying,
            "strike": amount(o.strike),
            "expiry": day(o.expiry),
            "right": o.right.value,
            "multiplier": amount(o.multiplier),
        },
    }


def position(p: brokerlink.Position) -> dict[str, Any]:
    return {
        "account_id": p.account_id,
        "instrument": instrument(p.instrument),
        "quantity": amount(p.quantity),
        "average_cost": amount(p.average_cost),
        "price": amount(p.price),
        "market_value": amount(p.market_value),
        "open_pnl": amount(p.open_pnl),
        "currency": p.currency,
        "cash_equivalent": p.cash_equivalent,
    }


def balance(b: brokerlink.Balance) -> dict[str, Any]:
    return {"currency": b.currency, "cash": amount(b.cash), "buying_power": amount(b.buying_power)}


def order(o: brokerlink.Order) -> dict[str, Any]:
    return {
        "id": o.id,
        "account_id": o.account_id,
        "status": o.status.value,
        "raw_status": o.raw_status,
        "side": o.side.value,
        "raw_action": o.raw_action,
        "instrument": instrument(o.instrument),
        "order_type": o.order_type,
        "time_in_force": o.time_in_force,
        "quantity": amount(o.quantity),
        "filled_quantity": amount(o.filled_quantity),
        "limit_price": amount(o.limit_price),
        "stop_price": amount(o.stop_price),
        "execution_price": amount(o.execution_price),
        "placed_at": timestamp(o.placed_at),
        "updated_at": timestamp(o.updated_at),
        "executed_at": timestamp(o.executed_at),
    }


def activity(a: brokerlink.Activity) -> dict[str, Any]:
    return {
        "id": a.id,
        "account_id": a.account_id,
        "kind": a.kind.value,
        "raw_type": a.raw_type,
        "instrument": instrument(a.instrument),
        "description": a.description,
        "quantity": amount(a.quantity),
        "price": amount(a.price),
        "amount": amount(a.amount),
        "fee": amount(a.fee),
        "currency": a.currency,
        "trade_date": day(a.trade_date),
        "settlement_date": day(a.settlement_date),
        "external_reference_id": a.external_reference_id,
    }


def balance_history(h: brokerlink.BalanceHistory) -> dict[str, Any]:
    return {
        "currency": h.currency,
        "points": [{"date": day(p.date), "total": amount(p.total)} for p in h.points],
    }


def activity_query(args: dict[str, Any]) -> dict[str, Any]:
    def iso(key: str) -> date | None:
        value = text(args, key)
        return None if value is None else date.fromisoformat(value)

    return {"start": iso("start"), "end": iso("end"), "page_size": args.get("page_size")}


def webhook_event(e: brokerlink.WebhookEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "provider": e.provider.value,
        "kind": e.kind,
        "event_type": e.event_type,
        "user_id": e.user_id,
        "connection_id": e.connection_id,
        "account_id": e.account_id,
        "broker": e.broker,
        "result": e.result,
        "occurred_at": timestamp(e.occurred_at),
        "schema_version": e.schema_version,
        "oauth_client_id": e.oauth_client_id,
    }


def portal_result(r: brokerlink.PortalResult) -> dict[str, Any]:
    # One class per variant (the runner stays Python 3.9, so isinstance rather than match).
    if isinstance(r, brokerlink.PortalResult.Success):
        return {"type": "success", "connection_id": r.connection_id, "user_id": r.user_id}
    if isinstance(r, brokerlink.PortalResult.Error):
        return {"type": "error", "code": r.code, "message": r.message, "status_code": r.status_code}
    if isinstance(r, brokerlink.PortalResult.Resize):
        return {"type": "resize", "height": r.height}
    return {"type": r.type}


def error(e: brokerlink.BrokerlinkError) -> dict[str, Any]:
    """Errors are compared by kind and structured fields, never by message text."""
    return {
        "kind": e.kind.value,
        "field": e.field,
        "status": e.status,
        "provider_code": e.provider_code,
        "request_id": e.request_id,
        "retry_after": e.retry_after,
        "attempts": e.attempts,
        "reason": e.reason,
    }


INTERNAL_MISSING = {
    "kind": "internal",
    "field": None,
    "status": None,
    "provider_code": None,
    "request_id": None,
    "retry_after": None,
    "attempts": 0,
    "reason": None,
}

# --- run.rs ------------------------------------------------------------------------------


def text(obj: Any, key: str) -> str | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def flag(obj: Any, key: str) -> bool | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, bool) else None


def unsigned(obj: Any, key: str) -> int | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def strings(obj: Any, key: str) -> list[str]:
    value = obj.get(key) if isinstance(obj, dict) else None
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def client(sandbox: brokerlink.Sandbox, provider: str, settings: dict[str, Any] | None) -> Any:
    settings = settings or {}
    extra: dict[str, Any] = {}
    if settings.get("timeout_ms") is not None:
        extra["timeout"] = settings["timeout_ms"] / 1000
    retry = settings.get("retry")
    if retry is not None:
        ms = {k: retry.get(f"{k}_ms") for k in ("initial_backoff", "max_backoff", "max_retry_after")}
        extra["retry"] = brokerlink.RetryPolicy(
            max_attempts=retry["max_attempts"],
            **{k: None if v is None else v / 1000 for k, v in ms.items()},
        )
    if provider == "finatic":
        token = settings.get("one_time_token")
        # A token client gets no API key unless the scenario gives one.
        api_key = settings.get("api_key") if token is not None else settings.get("api_key") or sandbox.api_key
        return brokerlink.Client.finatic(api_key=api_key, one_time_token=token, base_url=sandbox.url, **extra)
    if settings.get("oauth") or settings.get("oauth_tokens") is not None:
        app = brokerlink.Client.snaptrade_oauth(
            client_id=sandbox.oauth_client_id,
            client_secret=sandbox.oauth_client_secret,
            base_url=sandbox.url,
            **extra,
        )
        tokens = settings.get("oauth_tokens")
        return app if tokens is None else app.with_oauth_tokens(tokens_arg(tokens))
    if settings.get("personal"):
        return brokerlink.Client.snaptrade_personal(
            client_id=settings.get("client_id") or sandbox.personal_client_id,
            consumer_key=settings.get("consumer_key") or sandbox.personal_consumer_key,
            base_url=sandbox.url,
            **extra,
        )
    return brokerlink.Client.snaptrade(
        client_id=settings.get("client_id") or sandbox.client_id,
        consumer_key=settings.get("consumer_key") or sandbox.consumer_key,
        base_url=sandbox.url,
        **extra,
    )


def user_arg(args: Any) -> brokerlink.UserCredentials | None:
    if not isinstance(args, dict) or "user" not in args:
        raise Missing
    u = args["user"]
    if u is None:  # the client's own user (a SnapTrade Personal key)
        return None
    return brokerlink.UserCredentials(text(u, "user_id") or "", text(u, "user_secret"))


def session_arg(args: Any) -> brokerlink.Session:
    """A session given back as its canonical form."""
    if not isinstance(args, dict) or "session" not in args:
        raise Missing
    s = args["session"]
    return brokerlink.Session(
        text(s, "id") or "",
        text(s, "company_id") or "",
        status=text(s, "status") or "",
        expires_at=None,
        user_id=text(s, "user_id"),
    )


def portal_options(args: Any) -> dict[str, Any]:
    o = args.get("options") if isinstance(args, dict) else None
    theme = o.get("theme") if isinstance(o, dict) else None
    return {
        "broker": text(o, "broker"),
        "connection_type": text(o, "connection_type"),
        "mode": text(o, "mode"),
        "locale": text(o, "locale"),
        "redirect_url": text(o, "redirect_url"),
        "immediate_redirect": flag(o, "immediate_redirect"),
        "reconnect": text(o, "reconnect"),
        "show_close_button": flag(o, "show_close_button"),
        "portal_version": text(o, "portal_version"),
        "brokers": strings(o, "brokers"),
        "email": text(o, "email"),
        "theme": theme if isinstance(theme, (str, dict)) else None,
        "broker_type": text(o, "broker_type"),
        "capabilities": strings(o, "capabilities"),
        "stages": strings(o, "stages"),
    }


def number(obj: Any, key: str) -> float | None:
    value = obj.get(key) if isinstance(obj, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def verify(args: Any) -> Any:
    """`verify_webhook {body, headers, secrets, now?, tolerance_seconds?, max_event_age_seconds?}`"""
    headers = args.get("headers") if isinstance(args, dict) else None
    pairs = (
        [(k, v if isinstance(v, str) else "") for k, v in headers.items()]
        if isinstance(headers, dict)
        else []
    )
    now = args.get("now") if isinstance(args, dict) else None
    tolerance = number(args, "tolerance_seconds")
    return webhook_event(
        brokerlink.verify_webhook(
            text(args, "body") or "",
            pairs,
            strings(args, "secrets"),
            tolerance=300.0 if tolerance is None else tolerance,
            max_event_age=number(args, "max_event_age_seconds"),
            now=None
            if not isinstance(now, int) or isinstance(now, bool)
            else datetime.fromtimestamp(now, timezone.utc),
        )
    )


def admin(sandbox: brokerlink.Sandbox, method: str, path: str, body: Any = None) -> Any:
    """The admin API over HTTP, as every language's runner reaches it."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{sandbox.url}{path}", data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except (OSError, ValueError) as e:
        raise RunnerError(str(e)) from e


def sandbox_call(sandbox: brokerlink.Sandbox, call: str, args: Any) -> Any:
    args = args if isinstance(args, dict) else {}
    if call == "add_webhook":
        # `sink` names the sandbox's own receiver; `fail_first` makes it refuse deliveries.
        sink = text(args, "sink") or ""
        fail_first = unsigned(args, "fail_first") or 0
        body = {"url": f"{sandbox.url}/_sandbox/sink/{sink}?fail_first={fail_first}"}
        body.update({k: args[k] for k in ("provider", "event_types") if k in args})
        return admin(sandbox, "POST", "/_sandbox/webhooks", body)
    if call == "sink":
        name = text(args, "name") or ""
        count, timeout = unsigned(args, "count"), unsigned(args, "timeout_ms")
        count = 1 if count is None else count
        timeout = 5000 if timeout is None else timeout
        path = f"/_sandbox/sink/{name}?count={count}&timeout_ms={timeout}"
        return admin(sandbox, "GET", path)
    if call == "oauth_authorize":
        allow = args.get("decision", "allow") == "allow"
        url, username, password = (text(args, k) or "" for k in ("url", "username", "password"))
        return {"redirect_url": sandbox.authorize_oauth(url, username, password, allow)}
    if call == "complete_portal":
        for key in ("url", "username", "password"):
            if not isinstance(args.get(key), str):
                raise RunnerError(f"missing field `{key}`")
        optional = {k: args.get(k) for k in ("mfa_code", "broker", "connection_type")}
        if any(v is not None and not isinstance(v, str) for v in optional.values()):
            raise RunnerError("invalid type: expected a string")
        result = sandbox.complete_portal(args["url"], args["username"], args["password"], **optional)
        return portal_result(result)
    if call == "connection":
        try:
            return sandbox.change_connection(text(args, "id") or "", text(args, "action") or "").to_dict()
        except brokerlink.BrokerlinkError as e:
            raise RunnerError(e.message) from e
    if call == "fault":
        if "fault" not in args:
            raise RunnerError("missing field `fault`")
        try:
            sandbox.inject_fault(
                args["fault"],
                method=args.get("method"),
                path_prefix=args.get("path_prefix"),
                path=args.get("path"),
                count=args.get("count", 1),
            )
        except (brokerlink.BrokerlinkError, TypeError) as e:
            raise RunnerError(str(e)) from e
        return None
    if call == "clear_faults":
        sandbox.clear_faults()
        return None
    if call == "faults":
        return {"armed": sandbox.armed_faults()}
    if call == "load_portfolio":
        try:
            return sandbox.load_portfolio(
                text(args, "user_id") or "", args.get("portfolio") or {}, account_id=text(args, "account_id")
            )
        except brokerlink.BrokerlinkError as e:
            raise RunnerError(e.message) from e
    if call == "state":
        return sandbox.state().to_dict()
    raise RunnerError(f"unknown sandbox call {call!r}")


def execute(sandbox: brokerlink.Sandbox, named: Callable[[], Any], call: str, args: Any) -> Any:
    if call.startswith("sandbox."):
        return sandbox_call(sandbox, call[len("sandbox.") :], args)
    if call == "sleep":
        time.sleep((unsigned(args, "ms") or 0) / 1000)
        return None
    if call == "verify_webhook":
        return verify(args)
    if call == "parse_portal_result":
        return portal_result(brokerlink.parse_portal_result(text(args, "input") or ""))
    c = named()

    def uid(key: str) -> str:
        return text(args, key) or ""

    calls: dict[str, Callable[[], Any]] = {
        "register_user": lambda: user(c.register_user(uid("user_id"))),
        "delete_user": lambda: c.delete_user(user_arg(args)),
        "list_users": lambda: c.list_users(),
        "rotate_user_secret": lambda: user(c.rotate_user_secret(user_arg(args))),
        "portal_url": lambda: link(c.portal_url(user_arg(args), **portal_options(args))),
        "start_session": lambda: session(c.start_session(text(args, "user_id"))),
        "mint_one_time_token": lambda: {"one_time_token": c.mint_one_time_token()},
        "oauth_authorization_url": lambda: authorization_request(
            c.oauth_authorization_url(text(args, "redirect_uri") or "", strings(args, "scopes"))
        ),
        "oauth_exchange_code": lambda: oauth_tokens(
            c.oauth_exchange_code(request_arg(args.get("request")), text(args, "callback_url") or "")
        ),
        "oauth_revoke": lambda: c.oauth_revoke(tokens_arg(args.get("tokens"))),
        "session_portal_url": lambda: link(c.session_portal_url(session_arg(args), **portal_options(args))),
        "session_user": lambda: user(c.session_user(session_arg(args))),
        "connections": lambda: [connection(x) for x in c.connections(user_arg(args))],
        "connection": lambda: connection(c.connection(user_arg(args), uid("connection_id"))),
        "remove_connection": lambda: c.remove_connection(user_arg(args), uid("connection_id")),
        "refresh_connection": lambda: c.refresh_connection(user_arg(args), uid("connection_id")),
        "disable_connection": lambda: c.disable_connection(user_arg(args), uid("connection_id")),
        "webhook_catalog": lambda: [webhook_event_type(t) for t in c.webhook_catalog()],
        "webhook_subscriptions": lambda: [webhook_subscription(s) for s in c.webhook_subscriptions()],
        "create_webhook_subscription": lambda: webhook_subscription(
            c.create_webhook_subscription(
                url=uid("url"),
                event_types=args.get("event_types") or [],
                description=text(args, "description"),
            )
        ),
        "update_webhook_subscription": lambda: webhook_subscription(
            c.update_webhook_subscription(
                uid("subscription_id"),
                url=text(args, "url"),
                event_types=args.get("event_types"),
                description=text(args, "description"),
                enabled=args.get("enabled"),
            )
        ),
        "revoke_webhook_subscription": lambda: webhook_subscription(
            c.revoke_webhook_subscription(uid("subscription_id"))
        ),
        "accounts": lambda: [account(x) for x in c.accounts(user_arg(args))],
        "account": lambda: account(c.account(user_arg(args), uid("account_id"))),
        "connection_accounts": lambda: [
            account(x) for x in c.connection_accounts(user_arg(args), uid("connection_id"))
        ],
        "positions": lambda: [position(p) for p in c.positions(user_arg(args), uid("account_id"))],
        "balances": lambda: [balance(b) for b in c.balances(user_arg(args), uid("account_id"))],
        "orders": lambda: [
            order(o)
            for o in c.orders(
                user_arg(args), uid("account_id"), state=text(args, "state"), days=args.get("days")
            )
        ],
        "recent_orders": lambda: [
            order(o)
            for o in c.recent_orders(
                user_arg(args), uid("account_id"), only_executed=args.get("only_executed", True)
            )
        ],
        "order": lambda: order(c.order(user_arg(args), uid("account_id"), uid("order_id"))),
        "activities": lambda: [
            activity(a) for a in c.activities(user_arg(args), uid("account_id"), **activity_query(args))
        ],
        "activity_pages": lambda: [
            [activity(a) for a in page]
            for page in c.activity_pages(user_arg(args), uid("account_id"), **activity_query(args))
        ],
        "balance_history": lambda: balance_history(c.balance_history(user_arg(args), uid("account_id"))),
        "wait_for_connection": lambda: connection(
            c.wait_for_connection(
                user_arg(args),
                timeout=_ms(args, "timeout_ms", 10_000),
                poll_interval=_ms(args, "poll_ms", 100),
                max_poll_interval=_ms(args, "max_poll_ms", 1_000),
                connection_id=text(args, "connection_id"),
            )
        ),
    }
    if call not in calls:
        return _unknown(call)
    return calls[call]()


def _ms(args: Any, key: str, default: int) -> float:
    value = unsigned(args, key)
    return (default if value is None else value) / 1000


def _unknown(call: str) -> Any:
    raise _Canonical({**INTERNAL_MISSING, "kind": "internal"}, f"unknown call {call!r}")


class _Canonical(Exception):
    def __init__(self, value: dict[str, Any], message: str) -> None:
        super().__init__(message)
        self.value = value


def run(scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """Runs every step; failures are recorded, never raised, so the checker sees them all."""
    s = scenario.get("sandbox") or {}
    # The scenarios' sandbox keys, as this package names them.
    names = {
        "rate_limit_per_minute": "rate_limit_per_minute",
        "account_rate_limit_per_minute": "account_rate_limit_per_minute",
        "pending_seconds": "pending_activation",
        "expiring_seconds": "expiring_after",
        "portal_link_seconds": "portal_link_lifetime",
    }
    options = {name: s[key] for key, name in names.items() if s.get(key) is not None}
    if s.get("webhook_retry_ms") is not None:
        options["webhook_retry_delays"] = [ms / 1000 for ms in s["webhook_retry_ms"]]
    try:
        sandbox = brokerlink.Sandbox(**options)
        sandbox.start()
    except Exception as e:
        return [{"runner_error": f"sandbox did not start: {e}"}]
    lines: list[dict[str, Any]] = [{"sandbox": sandbox.url}]
    saved: dict[str, Any] = {}
    provider = scenario.get("provider", "snaptrade")
    clients = scenario.get("clients") or {}
    # One client per name for the whole scenario, as an app keeps one: what a client learns
    # (its rate-limit buckets) carries from step to step.
    built: dict[str, Any] = {}

    def named(name: str) -> Callable[[], Any]:
        def get() -> Any:
            if name not in built:
                # Settings may name a saved value (a one-time token minted by an earlier step).
                built[name] = client(sandbox, provider, resolve(clients.get(name), saved))
            return built[name]

        return get

    with sandbox:
        for index, step in enumerate(scenario["steps"]):
            line: dict[str, Any] = {"step": index, "call": step["call"]}
            try:
                args = resolve(step.get("args"), saved)
                value = execute(sandbox, named(step.get("client") or "default"), step["call"], args)
            except RunnerError as e:
                line["error"] = {"runner_error": str(e)}
            except Missing:
                line["error"] = dict(INTERNAL_MISSING)
            except _Canonical as e:
                line["error"] = e.value
            except brokerlink.BrokerlinkError as e:
                line["error"] = error(e)
            except Exception as e:  # a bug in this runner or a binding: show it, do not stop
                line["error"] = {"runner_error": f"{type(e).__name__}: {e}"}
            else:
                if step.get("save"):
                    saved[step["save"]] = value
                line["ok"] = value
            lines.append(line)
    return lines


def to_jsonl(lines: list[dict[str, Any]]) -> str:
    """JSON Lines with sorted keys and no spaces, non-ASCII kept raw (as the Rust runner)."""
    return "".join(
        json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n" for line in lines
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("target/conformance/python"))
    parser.add_argument("--scenarios", type=Path, default=SCENARIOS)
    parser.add_argument("--jobs", type=int, default=0, help="scenarios at once (default: all)")
    options = parser.parse_args()
    scenarios = load_all(options.scenarios)
    options.out.mkdir(parents=True, exist_ok=True)
    # Like the Rust runner, every scenario runs at once (the sync client releases the GIL).
    with ThreadPoolExecutor(max_workers=options.jobs or len(scenarios) or 1) as pool:
        transcripts = list(pool.map(run, scenarios))
    for scenario, lines in zip(scenarios, transcripts):
        (options.out / f"{scenario['name']}.jsonl").write_text(to_jsonl(lines), encoding="utf-8")
    print(f"ran {len(scenarios)} scenarios into {options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
