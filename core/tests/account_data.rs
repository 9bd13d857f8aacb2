#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! Account data end to end against the sandbox, both providers: positions, balances, orders,
//! activities (every page, and page by page) and balance history, in one model, exact.

use brokerlink::{
    ActivityKind, ActivityQuery, Client, Decimal, ErrorKind, InstrumentKind, NaiveDate, OptionRight, OrderQuery,
    OrderState, OrderStatus, PortalOptions, ProviderKind, UserCredentials, WaitOptions,
};
use brokerlink_sandbox::{CompletePortal, ConnectionChange, Sandbox, SandboxConfig};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

fn wait() -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_secs(10),
        poll_interval: Duration::from_millis(20),
        ..WaitOptions::default()
    }
}

fn login(url: String, username: &str, broker: &str) -> CompletePortal {
    CompletePortal {
        url,
        username: username.into(),
        password: "pass_good".into(),
        mfa_code: None,
        broker: Some(broker.into()),
        connection_type: None,
    }
}

async fn snaptrade(sandbox: &Sandbox, user_id: &str, username: &str, broker: &str) -> (Client, UserCredentials) {
    let client = Client::builder()
        .snaptrade(sandbox.client_id(), sandbox.consumer_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let user = client.register_user(user_id).await.unwrap();
    let link = client.portal_url(&user, &PortalOptions::default()).await.unwrap();
    sandbox.complete_portal(&login(link.url, username, broker));
    client.wait_for_connection(&user, &wait()).await.unwrap();
    (client, user)
}

async fn finatic(sandbox: &Sandbox, username: &str, broker: &str) -> (Client, UserCredentials) {
    let client = Client::builder()
        .finatic(sandbox.api_key())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let session = client.start_session(None).await.unwrap();
    let link = client
        .session_portal_url(&session, &PortalOptions::default())
        .await
        .unwrap();
    sandbox.complete_portal(&login(link.url, username, broker));
    let user = client.session_user(&session).await.unwrap();
    client.wait_for_connection(&user, &wait()).await.unwrap();
    (client, user)
}

#[tokio::test]
async fn a_self_directed_profile_reads_the_same_through_both_providers() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (st, st_user) = snaptrade(&sandbox, "data-alice", "user_good", "ALPACA").await;
    let (fin, fin_user) = finatic(&sandbox, "user_good", "ALPACA").await;
    let st_accounts = st.accounts(&st_user).await.unwrap();
    let fin_accounts = fin.accounts(&fin_user).await.unwrap();
    assert_eq!(st_accounts.len(), 2);
    assert_eq!(fin_accounts.len(), 2);
    let first = st_accounts
        .iter()
        .find(|a| a.name.as_deref() == Some("Alpaca Individual"))
        .unwrap();
    let fin_first = fin_accounts
        .iter()
        .find(|a| a.name.as_deref() == Some("Alpaca Individual"))
        .unwrap();
    let sync = first.sync.as_ref().unwrap();
    assert!(sync.holdings_ready && sync.transactions_ready && sync.holdings_synced_at.is_some());
    assert_eq!(fin_first.sync.as_ref().unwrap().raw_status.as_deref(), Some("ready"));

    let positions = st.positions(&st_user, &first.id).await.unwrap();
    let kinds: HashSet<InstrumentKind> = positions.iter().map(|p| p.instrument.kind).collect();
    for kind in [
        InstrumentKind::Equity,
        InstrumentKind::Etf,
        InstrumentKind::Option,
        InstrumentKind::Crypto,
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let put = positions
        .iter()
        .find(|p| {
            p.instrument
                .option
                .as_ref()
                .is_some_and(|o| o.right == OptionRight::Put)
        })
        .unwrap();
    let terms = put.instrument.option.as_ref().unwrap();
    assert_eq!(
        (terms.underlying.as_str(), terms.multiplier),
        ("SPY", Decimal::ONE_HUNDRED)
    );
    assert!(put.quantity.is_sign_negative(), "a written put is short");
    // Market value and open P&L are exact: quantity × price × multiplier.
    assert_eq!(
        put.market_value.unwrap(),
        put.quantity * put.price.unwrap() * Decimal::ONE_HUNDRED
    );
    let balances = st.balances(&st_user, &first.id).await.unwrap();
    let cash: Decimal = balances.iter().filter_map(|b| b.cash).sum();
    // A broker totals each holding to the cent.
    let held: Decimal = positions
        .iter()
        .filter_map(|p| p.market_value)
        .map(|v| v.round_dp(2))
        .sum();
    assert_eq!(
        cash + held,
        first.balance.as_ref().unwrap().amount,
        "cash and holdings make the total"
    );

    // Finatic's FDX rows and SnapTrade's shapes normalise to the same holdings.
    let same = |list: &[brokerlink::Position]| -> BTreeMap<String, (Decimal, Option<Decimal>, Option<Decimal>)> {
        list.iter()
            .map(|p| (p.instrument.symbol.clone(), (p.quantity, p.price, p.market_value)))
            .collect()
    };
    let fin_positions = fin.positions(&fin_user, &fin_first.id).await.unwrap();
    assert_eq!(same(&positions), same(&fin_positions));
    let fin_balances = fin.balances(&fin_user, &fin_first.id).await.unwrap();
    assert_eq!(balances.len(), fin_balances.len());
    assert_eq!(balances[0].cash, fin_balances[0].cash);

    let orders = st.orders(&st_user, &first.id, &OrderQuery::default()).await.unwrap();
    let states: HashSet<OrderStatus> = orders.iter().map(|o| o.status).collect();
    for status in [
        OrderStatus::Open,
        OrderStatus::PartiallyFilled,
        OrderStatus::Filled,
        OrderStatus::Cancelled,
        OrderStatus::Rejected,
        OrderStatus::Expired,
        OrderStatus::Pending,
    ] {
        assert!(states.contains(&status), "{status} missing from {states:?}");
    }
    let open = OrderQuery {
        state: Some(OrderState::Open),
        days: Some(90),
    };
    let working = st.orders(&st_user, &first.id, &open).await.unwrap();
    assert!(!working.is_empty() && working.len() < orders.len());
    let fin_orders = fin
        .orders(&fin_user, &fin_first.id, &OrderQuery::default())
        .await
        .unwrap();
    let statuses = |list: &[brokerlink::Order]| -> BTreeMap<String, OrderStatus> {
        list.iter().map(|o| (o.id.clone(), o.status)).collect()
    };
    assert_eq!(statuses(&orders), statuses(&fin_orders));
    let filled = orders.iter().find(|o| o.status == OrderStatus::Filled).unwrap();
    let detail = st.order(&st_user, &first.id, &filled.id).await.unwrap();
    assert_eq!(&detail, filled);
    assert_eq!(
        fin.order(&fin_user, &fin_first.id, &filled.id).await.unwrap().status,
        OrderStatus::Filled
    );
    let recent = st.recent_orders(&st_user, &first.id, true).await.unwrap();
    assert!(recent.iter().all(|o| o.status == OrderStatus::Filled) && !recent.is_empty());

    let activities = st
        .activities(&st_user, &first.id, &ActivityQuery::default())
        .await
        .unwrap();
    assert!(activities.len() >= 240);
    let kinds: HashSet<ActivityKind> = activities.iter().map(|a| a.kind).collect();
    assert!(kinds.len() >= 13, "{kinds:?}");
    let ids: HashSet<&str> = activities.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), activities.len(), "ids are unique");
    let fin_activities = fin
        .activities(&fin_user, &fin_first.id, &ActivityQuery::default())
        .await
        .unwrap();
    let by_id =
        |list: &[brokerlink::Activity]| -> BTreeMap<String, (ActivityKind, Option<Decimal>, Option<NaiveDate>)> {
            list.iter()
                .map(|a| (a.id.clone(), (a.kind, a.amount, a.trade_date)))
                .collect()
        };
    assert_eq!(by_id(&activities), by_id(&fin_activities));

    let history = st.balance_history(&st_user, &first.id).await.unwrap();
    assert_eq!(history.points.len(), 365);
    assert_eq!(
        history.points.last().unwrap().total,
        first.balance.as_ref().unwrap().amount
    );
    let refused = fin.balance_history(&fin_user, &fin_first.id).await.unwrap_err();
    assert_eq!(
        (refused.kind(), refused.field()),
        (ErrorKind::InvalidInput, Some("balance_history"))
    );
    assert_eq!(fin.provider(), ProviderKind::Finatic);
}

#[tokio::test]
async fn long_histories_come_in_every_page_or_page_by_page() {
    let config = SandboxConfig {
        history_activities: 2345,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let (st, user) = snaptrade(&sandbox, "data-history", "user_history", "SCHWAB").await;
    let accounts = st.accounts(&user).await.unwrap();
    assert_eq!(accounts.len(), 1);
    let id = &accounts[0].id;
    let all = st.activities(&user, id, &ActivityQuery::default()).await.unwrap();
    assert_eq!(all.len(), 2345);
    assert!(
        all.windows(2).all(|w| w[0].trade_date >= w[1].trade_date),
        "newest first"
    );

    let query = ActivityQuery {
        page_size: Some(500),
        ..ActivityQuery::default()
    };
    let mut pages = st.activity_pages(&user, id, &query).unwrap();
    let mut streamed = Vec::new();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await.unwrap() {
        sizes.push(page.len());
        streamed.extend(page);
    }
    assert_eq!(sizes, [500, 500, 500, 500, 345]);
    assert_eq!(streamed, all);
    assert!(
        pages.next().await.unwrap().is_none(),
        "a finished reader stays finished"
    );

    // A date range is applied by the provider (SnapTrade) or by brokerlink (Finatic) alike.
    let start = all[1000].trade_date.unwrap();
    let end = all[200].trade_date.unwrap();
    let range = ActivityQuery {
        start: Some(start),
        end: Some(end),
        page_size: Some(77),
    };
    let expected: Vec<_> = all
        .iter()
        .filter(|a| a.trade_date.is_some_and(|d| d >= start && d <= end))
        .cloned()
        .collect();
    assert_eq!(st.activities(&user, id, &range).await.unwrap(), expected);
    let (fin, fin_user) = finatic(&sandbox, "user_history", "SCHWAB").await;
    let fin_id = fin.accounts(&fin_user).await.unwrap()[0].id.clone();
    let fin_range = fin.activities(&fin_user, &fin_id, &range).await.unwrap();
    assert_eq!(
        fin_range.iter().map(|a| &a.id).collect::<Vec<_>>(),
        expected.iter().map(|a| &a.id).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn the_small_profiles_and_bad_input() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (st, cash_user) = snaptrade(&sandbox, "data-cash", "user_cash_only", "VANGUARD").await;
    let account = st.accounts(&cash_user).await.unwrap().remove(0);
    assert!(st.positions(&cash_user, &account.id).await.unwrap().is_empty());
    let balances = st.balances(&cash_user, &account.id).await.unwrap();
    assert_eq!(balances[0].cash, Some(account.balance.as_ref().unwrap().amount));
    let activities = st
        .activities(&cash_user, &account.id, &ActivityQuery::default())
        .await
        .unwrap();
    assert!(activities
        .iter()
        .all(|a| matches!(a.kind, ActivityKind::Deposit | ActivityKind::Interest) && a.instrument.is_none()));

    let (_, quiet) = snaptrade(&sandbox, "data-quiet", "user_no_transactions", "VANGUARD").await;
    let quiet_account = st.accounts(&quiet).await.unwrap().remove(0);
    assert!(st
        .activities(&quiet, &quiet_account.id, &ActivityQuery::default())
        .await
        .unwrap()
        .is_empty());
    assert!(!st.positions(&quiet, &quiet_account.id).await.unwrap().is_empty());

    let (_, empty) = snaptrade(&sandbox, "data-empty", "user_no_accounts", "VANGUARD").await;
    assert!(st.accounts(&empty).await.unwrap().is_empty());
    assert_eq!(st.connections(&empty).await.unwrap().len(), 1);

    // Another user's account is not found, as one that does not exist: nothing leaks.
    let theirs = st.positions(&quiet, &account.id).await.unwrap_err();
    assert_eq!(theirs.kind(), ErrorKind::NotFound);
    let unknown = st
        .balances(&quiet, "0b3ebefb-ed47-43df-8d8f-729a4420b5cf")
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    let unknown_order = st.order(&cash_user, &account.id, "no-such-order").await.unwrap_err();
    assert_eq!(unknown_order.kind(), ErrorKind::NotFound);

    // Refused before any request: nothing was attempted.
    let backwards = ActivityQuery {
        start: NaiveDate::from_ymd_opt(2026, 5, 1),
        end: NaiveDate::from_ymd_opt(2026, 1, 1),
        page_size: None,
    };
    for (e, field) in [
        (
            st.activities(&cash_user, &account.id, &backwards).await.unwrap_err(),
            "start",
        ),
        (
            st.activity_pages(
                &cash_user,
                &account.id,
                &ActivityQuery {
                    page_size: Some(0),
                    ..ActivityQuery::default()
                },
            )
            .unwrap_err(),
            "page_size",
        ),
        (
            st.orders(
                &cash_user,
                &account.id,
                &OrderQuery {
                    state: None,
                    days: Some(0),
                },
            )
            .await
            .unwrap_err(),
            "days",
        ),
        (st.positions(&cash_user, "not-a-uuid").await.unwrap_err(), "account_id"),
        (st.order(&cash_user, &account.id, "").await.unwrap_err(), "order_id"),
    ] {
        assert_eq!(
            (e.kind(), e.field(), e.attempts()),
            (ErrorKind::InvalidInput, Some(field), 0),
            "{e}"
        );
    }
}

#[tokio::test]
async fn a_refresh_moves_the_day_on_and_a_fixture_replaces_the_portfolio() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (st, user) = snaptrade(&sandbox, "data-refresh", "user_good", "ROBINHOOD").await;
    let connection = st.connections(&user).await.unwrap().remove(0);
    let account = st.accounts(&user).await.unwrap().remove(0);
    let before = st
        .activities(&user, &account.id, &ActivityQuery::default())
        .await
        .unwrap();
    sandbox
        .change_connection(&connection.id, ConnectionChange::Refresh)
        .unwrap();
    let after = st
        .activities(&user, &account.id, &ActivityQuery::default())
        .await
        .unwrap();
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after[0].kind, ActivityKind::Dividend);
    let total = st.account(&user, &account.id).await.unwrap().balance.unwrap().amount;
    let cash: Decimal = st
        .balances(&user, &account.id)
        .await
        .unwrap()
        .iter()
        .filter_map(|b| b.cash)
        .sum();
    let held: Decimal = st
        .positions(&user, &account.id)
        .await
        .unwrap()
        .iter()
        .filter(|p| !p.cash_equivalent)
        .filter_map(|p| p.market_value)
        .map(|v| v.round_dp(2))
        .sum();
    assert_eq!(cash + held, total);

    let fixture = r#"{
        "cash": [{"currency": "USD", "cash": "1000.005"}],
        "positions": [{"symbol": "ABC", "name": "ABC Corp", "units": "3", "price": "10.123456789", "cost": "9"}],
        "activities": [
            {"id": "fx-1", "type": "BUY", "security": {"symbol": "ABC"}, "units": "3", "price": "9", "amount": "-27", "currency": "USD", "trade_date": "2026-02-03"},
            {"id": "fx-2", "type": "CONTRIBUTION", "amount": "1027.005", "currency": "USD", "trade_date": "2026-02-01"}
        ]
    }"#;
    let loaded = sandbox
        .load_portfolio("data-refresh", Some(&account.id), fixture)
        .unwrap();
    assert_eq!(loaded, std::slice::from_ref(&account.id));
    let positions = st.positions(&user, &account.id).await.unwrap();
    assert_eq!(positions.len(), 1);
    assert_eq!(positions[0].price.unwrap().to_string(), "10.123456789");
    assert_eq!(positions[0].open_pnl.unwrap().to_string(), "3.370370367");
    let activities = st
        .activities(&user, &account.id, &ActivityQuery::default())
        .await
        .unwrap();
    assert_eq!(
        activities.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["fx-1", "fx-2"]
    );
    assert_eq!(activities[1].amount.unwrap().to_string(), "1027.005");
    let bad = sandbox
        .load_portfolio("data-refresh", None, r#"{"cash": "lots"}"#)
        .unwrap_err();
    assert_eq!((bad.kind(), bad.field()), (ErrorKind::InvalidInput, Some("portfolio")));
    let nobody = sandbox.load_portfolio("nobody", None, "{}").unwrap_err();
    assert_eq!(nobody.kind(), ErrorKind::NotFound);
}
