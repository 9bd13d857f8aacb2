"""Account data in Python: exact `Decimal`s, `datetime.date`s, str enums, every page at once or
one page per loop step (blocking and asyncio), and bad queries refused before any request."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from conftest import connect

import brokerlink
from brokerlink import ActivityKind, InstrumentKind, OptionRight, OrderState, OrderStatus

FIXTURE = {
    "cash": [{"currency": "USD", "cash": "100.10", "buying_power": "200.20"}],
    "positions": [
        {"symbol": "ABC", "name": "ABC Corp", "units": "3", "price": "10.123456789", "cost": "9"},
        {
            "symbol": "ABC   271217C00020000",
            "kind": "option",
            "underlying": "ABC",
            "strike": "20",
            "expiry": "2027-12-17",
            "right": "call",
            "units": "1",
            "price": "0.55",
        },
    ],
    "activities": [
        {
            "id": f"a{n}",
            "type": "DIVIDEND",
            "amount": "0.01",
            "currency": "USD",
            "trade_date": f"2026-01-{n:02d}",
        }
        for n in range(1, 11)
    ],
}


def accounts_of(
    client: brokerlink.Client, sandbox: brokerlink.Sandbox, user: brokerlink.UserCredentials
) -> list[brokerlink.Account]:
    done = connect(client, sandbox, user)
    assert done.type == "success"
    client.wait_for_connection(user, timeout=10, poll_interval=0.05)
    return client.accounts(user)


def test_holdings_are_exact_typed_values(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    account = accounts_of(client, sandbox, user)[0]
    assert account.sync is not None
    assert account.sync.holdings_ready
    positions = client.positions(user, account.id)
    kinds = {p.instrument.kind for p in positions}
    assert {InstrumentKind.EQUITY, InstrumentKind.ETF, InstrumentKind.OPTION, InstrumentKind.CRYPTO} <= kinds
    option = next(p for p in positions if p.instrument.option is not None)
    contract = option.instrument.option
    assert contract is not None
    assert isinstance(contract.expiry, dt.date)
    assert not isinstance(contract.expiry, dt.datetime)
    assert isinstance(contract.strike, Decimal)
    assert contract.multiplier == Decimal(100)
    assert contract.right in (OptionRight.CALL, OptionRight.PUT)
    for p in positions:
        assert isinstance(p.quantity, Decimal)
        assert p.market_value is None or isinstance(p.market_value, Decimal)
    assert "Position(account_id=" in repr(positions[0])
    assert positions[0].to_dict()["instrument"]["symbol"] == positions[0].instrument.symbol
    balances = client.balances(user, account.id)
    assert isinstance(balances[0].cash, Decimal)
    assert balances[0].currency == "USD"


def test_a_fixture_loads_exactly_and_pages_come_one_per_step(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    account = accounts_of(client, sandbox, user)[0]
    assert sandbox.load_portfolio(user.user_id, FIXTURE, account_id=account.id) == [account.id]
    [stock, option] = client.positions(user, account.id)
    assert stock.price == Decimal("10.123456789")
    assert stock.open_pnl == Decimal("3.370370367")
    assert option.market_value == Decimal("55.00")
    everything = client.activities(user, account.id)
    assert [a.id for a in everything] == [f"a{n}" for n in range(10, 0, -1)]
    assert {a.kind for a in everything} == {ActivityKind.DIVIDEND}
    assert everything[0].trade_date == dt.date(2026, 1, 10)
    january = client.activities(user, account.id, start=dt.date(2026, 1, 3), end=dt.date(2026, 1, 5))
    assert [a.id for a in january] == ["a5", "a4", "a3"]
    pages = client.activity_pages(user, account.id, page_size=4)
    assert [[a.id for a in page] for page in pages] == [
        ["a10", "a9", "a8", "a7"],
        ["a6", "a5", "a4", "a3"],
        ["a2", "a1"],
    ]
    assert list(pages) == [], "a finished reader stays finished"


def test_orders_take_their_state_as_enum_or_string(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    account = accounts_of(client, sandbox, user)[0]
    every = client.orders(user, account.id)
    assert {o.status for o in every} >= {OrderStatus.FILLED, OrderStatus.OPEN, OrderStatus.CANCELLED}
    working = client.orders(user, account.id, state=OrderState.OPEN, days=90)
    assert working == client.orders(user, account.id, state="open", days=90)
    assert working
    assert len(working) < len(every)
    filled = next(o for o in every if o.status is OrderStatus.FILLED)
    assert client.order(user, account.id, filled.id) == filled
    assert isinstance(filled.placed_at, dt.datetime)
    assert filled.placed_at.tzinfo is not None
    history = client.balance_history(user, account.id)
    assert history.points[-1].date == dt.datetime.now(dt.timezone.utc).date()


def test_bad_queries_fail_before_any_request(
    sandbox: brokerlink.Sandbox, client: brokerlink.Client, user: brokerlink.UserCredentials
) -> None:
    account = accounts_of(client, sandbox, user)[0]
    served = sandbox.state().requests_served
    cases = [
        (
            lambda: client.activities(user, account.id, start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1)),
            "start",
        ),
        (lambda: client.activity_pages(user, account.id, page_size=0), "page_size"),
        (lambda: client.activities(user, account.id, page_size=2**40), "page_size"),
        (lambda: client.orders(user, account.id, state="done"), "state"),
        (lambda: client.orders(user, account.id, days=91), "days"),
        (lambda: client.positions(user, "not-a-uuid"), "account_id"),
    ]
    for call, field in cases:
        with pytest.raises(brokerlink.InvalidInputError) as raised:
            call()
        assert raised.value.field == field
        assert raised.value.attempts == 0
    assert sandbox.state().requests_served == served
    with pytest.raises(brokerlink.NotFoundError):
        client.balances(user, "00000000-0000-4000-8000-000000000000")


def test_async_pages_iterate_with_async_for() -> None:
    async def main() -> None:
        async with brokerlink.Sandbox(rate_limit_per_minute=0, history_activities=1234) as sandbox:
            client = brokerlink.AsyncClient.snaptrade(
                client_id=sandbox.client_id, consumer_key=sandbox.consumer_key, base_url=sandbox.url
            )
            user = await client.register_user("history")
            link = await client.portal_url(user)
            assert sandbox.complete_portal(link.url, "user_history", "pass_good").type == "success"
            await client.wait_for_connection(user, timeout=10, poll_interval=0.05)
            [account] = await client.accounts(user)
            sizes = [len(page) async for page in client.activity_pages(user, account.id, page_size=500)]
            assert sizes == [500, 500, 234]
            assert len(await client.activities(user, account.id)) == 1234

    asyncio.run(main())
