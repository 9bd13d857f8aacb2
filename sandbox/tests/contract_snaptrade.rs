#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! Every answer of the sandbox's SnapTrade face, success and error, validated against SnapTrade's
//! published OpenAPI spec (`shared/protocols/snaptrade-openapi.yaml`), and proof that the face
//! serves only the routes of `SNAPTRADE_ROUTES`, each of them validated here.

mod contract;

use brokerlink_sandbox::{Sandbox, SandboxConfig, SNAPTRADE_ROUTES};
use contract::wire::{SnapTrade, User};
use contract::{shape, Checker, Reply, Spec, Undocumented};
use reqwest::Method;
use serde_json::{json, Value};

/// The component the spec gives each error status on the routes that document it, for the
/// routes that leave that status out (see `UNDOCUMENTED`).
fn stand_in(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "400FailedRequestResponse",
        401 => "401FailedRequestResponse",
        402 => "402BrokerageAuthDisabledResponse",
        404 => "404FailedRequestResponse",
        425 => "425FailedRequestResponse",
        429 => "429TooManyRequestsResponse",
        _ => return None,
    })
}

const AUTH: &str = "every signed route answers 401 for a bad signature, and every user route for a wrong \
                    userSecret (code 1083); the spec lists 401 on few routes";
const UNKNOWN: &str = "an unknown id is a 404 (code 1011); the spec has only a schema-less `default` here";
const POPULATING: &str = "an account whose connection is still populating answers 425 (code 3012), as \
                          its holdings route does";
const BAD_QUERY: &str = "a query parameter outside the spec's bounds (`days` below 1, a date that is not \
                         YYYY-MM-DD) is a 400 (code 1012); the spec lists only a schema-less default";
const RATE: &str = "the per-client rate limit answers 429 on every signed route; the spec lists it on refresh only";

/// Statuses the sandbox answers that the spec does not document with a schema for that route:
/// each is validated against the spec's own component for the status (`stand_in`) instead.
const UNDOCUMENTED: &[Undocumented] = &[
    u("GET", "/snapTrade/listUsers", 401, AUTH),
    u("GET", "/snapTrade/listUsers", 429, RATE),
    u("POST", "/snapTrade/registerUser", 401, AUTH),
    u("DELETE", "/snapTrade/deleteUser", 401, AUTH),
    u("POST", "/snapTrade/login", 401, AUTH),
    u("GET", "/authorizations", 401, AUTH),
    u("GET", "/authorizations/{id}", 401, AUTH),
    u("GET", "/authorizations/{id}", 404, UNKNOWN),
    u(
        "DELETE",
        "/authorizations/{id}",
        401,
        "the legacy DELETE is not in the spec",
    ),
    u(
        "DELETE",
        "/authorizations/{id}",
        404,
        "the legacy DELETE is not in the spec",
    ),
    u("DELETE", "/connection/{id}", 401, AUTH),
    u(
        "DELETE",
        "/connection/{id}",
        404,
        "the spec lists 404 here without a schema",
    ),
    u(
        "GET",
        "/authorizations/{id}/accounts",
        425,
        "the spec lists 425 on holdings only; a pending connection's accounts answer it too (protocol notes)",
    ),
    u("GET", "/accounts", 401, AUTH),
    u("GET", "/accounts/{id}", 401, AUTH),
    u("GET", "/accounts/{id}", 404, UNKNOWN),
    u("GET", "/accounts/{id}/positions/all", 401, AUTH),
    u("GET", "/accounts/{id}/positions/all", 404, UNKNOWN),
    u("GET", "/accounts/{id}/positions/all", 425, POPULATING),
    u("GET", "/accounts/{id}/balances", 401, AUTH),
    u("GET", "/accounts/{id}/balances", 404, UNKNOWN),
    u("GET", "/accounts/{id}/orders", 400, BAD_QUERY),
    u("GET", "/accounts/{id}/orders", 401, AUTH),
    u("GET", "/accounts/{id}/orders", 404, UNKNOWN),
    u("POST", "/accounts/{id}/orders/details", 401, AUTH),
    u("GET", "/accounts/{id}/recentOrders", 401, AUTH),
    u("GET", "/accounts/{id}/recentOrders", 404, UNKNOWN),
    u("GET", "/accounts/{id}/activities", 400, BAD_QUERY),
    u("GET", "/accounts/{id}/activities", 401, AUTH),
    u("GET", "/accounts/{id}/activities", 404, UNKNOWN),
    u(
        "GET",
        "/accounts/{id}/activities",
        429,
        "the spec lists 429 on some data routes only; the account bucket applies to all of them",
    ),
    u("GET", "/accounts/{id}/balanceHistory", 401, AUTH),
    u("GET", "/accounts/{id}/balanceHistory", 404, UNKNOWN),
    u("GET", "/brokerages", 401, AUTH),
    u("GET", "/brokerageAuthorizationTypes", 401, AUTH),
];

const fn u(method: &'static str, template: &'static str, status: u16, why: &'static str) -> Undocumented {
    Undocumented {
        method,
        template,
        status,
        why,
    }
}

/// An id no connection or account has.
const NOBODY: &str = "00000000-0000-4000-8000-000000000000";

/// One sandbox's signed client and the checker of everything it answers.
struct Run<'a> {
    st: SnapTrade<'a>,
    c: Checker,
}

impl Run<'_> {
    /// A signed call of `template` with `{id}` filled in, which must answer `status` as the
    /// spec says.
    async fn expect(&mut self, status: u16, route: (&str, &str), id: &str, query: &str, body: Option<Value>) -> Reply {
        let (method, template) = route;
        let path = template.replace("{id}", id);
        let reply = self.st.call(method.parse().unwrap(), &path, query, body.as_ref()).await;
        self.c.check(method, template, status, &reply);
        reply
    }

    async fn unsigned(&mut self, path: &str) -> Reply {
        let url = format!("{}{path}", self.st.sandbox.url());
        Reply::read(self.st.http.get(url).send().await.unwrap()).await
    }
}

const REGISTER: (&str, &str) = ("POST", "/snapTrade/registerUser");
const RESET: (&str, &str) = ("POST", "/snapTrade/resetUserSecret");
const LOGIN: (&str, &str) = ("POST", "/snapTrade/login");
const DETAIL: (&str, &str) = ("GET", "/authorizations/{id}");
const ACCOUNTS_OF: (&str, &str) = ("GET", "/authorizations/{id}/accounts");
const RESULTS_OF: (&str, &str) = ("GET", "/connections/{id}/accounts");
const ACCOUNT: (&str, &str) = ("GET", "/accounts/{id}");
const REFRESH: (&str, &str) = ("POST", "/authorizations/{id}/refresh");
const DISABLE: (&str, &str) = ("POST", "/authorizations/{id}/disable");
const REMOVE: (&str, &str) = ("DELETE", "/connection/{id}");
const REMOVE_LEGACY: (&str, &str) = ("DELETE", "/authorizations/{id}");
const DELETE_USER: (&str, &str) = ("DELETE", "/snapTrade/deleteUser");
const POSITIONS: (&str, &str) = ("GET", "/accounts/{id}/positions/all");
const BALANCES: (&str, &str) = ("GET", "/accounts/{id}/balances");
const ORDERS: (&str, &str) = ("GET", "/accounts/{id}/orders");
const ORDER_DETAIL: (&str, &str) = ("POST", "/accounts/{id}/orders/details");
const RECENT_ORDERS: (&str, &str) = ("GET", "/accounts/{id}/recentOrders");
const ACTIVITIES: (&str, &str) = ("GET", "/accounts/{id}/activities");
const HISTORY: (&str, &str) = ("GET", "/accounts/{id}/balanceHistory");

#[tokio::test]
async fn every_route_answers_as_the_spec_says() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let mut r = Run {
        st: SnapTrade::new(&sandbox),
        c: Checker::new(Spec::snaptrade(), stand_in, &[], UNDOCUMENTED),
    };
    let status = r.unsigned("/").await;
    r.c.check("GET", "/", 200, &status);

    // Every signed route refuses a bad signature.
    for (method, template) in SNAPTRADE_ROUTES.iter().filter(|(_, t)| *t != "/") {
        let path = template.replace("{id}", NOBODY);
        let reply = r.st.badly_signed(method.parse().unwrap(), &path, "").await;
        r.c.check(method, template, 401, &reply);
        assert_eq!(reply.body["code"], "1076", "{method} {template}");
    }

    // Users.
    let registered = r
        .expect(200, REGISTER, "", "", Some(json!({ "userId": "contract-user" })))
        .await;
    r.expect(400, REGISTER, "", "", Some(json!({ "userId": "contract-user" })))
        .await;
    r.expect(400, REGISTER, "", "", Some(json!({ "userId": " " }))).await;
    let users = r.expect(200, ("GET", "/snapTrade/listUsers"), "", "", None).await;
    assert_eq!(users.body, json!(["contract-user"]));
    let old = User {
        id: registered.str("/userId"),
        secret: registered.str("/userSecret"),
    };
    let reset = r
        .expect(
            200,
            RESET,
            "",
            "",
            Some(json!({ "userId": old.id, "userSecret": old.secret })),
        )
        .await;
    let user = User {
        id: old.id.clone(),
        secret: reset.str("/userSecret"),
    };
    r.expect(
        401,
        RESET,
        "",
        "",
        Some(json!({ "userId": old.id, "userSecret": old.secret })),
    )
    .await;
    let (q, bad) = (user.query(), old.query());

    // The portal link and the reference data.
    r.expect(200, LOGIN, "", &q, None).await;
    let options = json!({ "broker": "ALPACA", "connectionType": "trade", "darkMode": true, "locale": "en" });
    r.expect(200, LOGIN, "", &q, Some(options)).await;
    r.expect(400, LOGIN, "", &q, Some(json!({ "locale": "xx-YY" }))).await;
    r.expect(404, LOGIN, "", &q, Some(json!({ "reconnect": NOBODY }))).await;
    r.expect(401, LOGIN, "", &bad, None).await;
    r.expect(200, ("GET", "/snapTrade/partners"), "", "", None).await;
    r.expect(200, ("GET", "/brokerages"), "", "", None).await;
    for filter in ["", "&brokerage=ALPACA,FIDELITY"] {
        let types = r
            .expect(200, ("GET", "/brokerageAuthorizationTypes"), "", filter, None)
            .await;
        assert!(!types.body.as_array().unwrap().is_empty());
    }

    // Connections: one active, one still populating.
    let active = r.st.connect(&user, "user_good").await;
    let pending = r.st.connect(&user, "user_pending").await;
    let list = r.expect(200, ("GET", "/authorizations"), "", &q, None).await;
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    r.expect(401, ("GET", "/authorizations"), "", &bad, None).await;
    for route in [DETAIL, ACCOUNTS_OF, RESULTS_OF] {
        r.expect(200, route, &active, &q, None).await;
        r.expect(404, route, NOBODY, &q, None).await;
        r.expect(401, route, &active, &bad, None).await;
    }
    r.expect(425, ACCOUNTS_OF, &pending, &q, None).await;
    // The experimental view shows a pending connection's accounts, not yet synced.
    r.expect(200, RESULTS_OF, &pending, &q, None).await;
    let accounts = r.expect(200, ("GET", "/accounts"), "", &q, None).await;
    r.expect(401, ("GET", "/accounts"), "", &bad, None).await;
    let ids: Vec<String> = accounts
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().into())
        .collect();
    assert!(ids.len() >= 2, "both connections have accounts");
    for id in &ids {
        r.expect(200, ACCOUNT, id, &q, None).await;
    }
    r.expect(404, ACCOUNT, NOBODY, &q, None).await;
    r.expect(401, ACCOUNT, &ids[0], &bad, None).await;

    // Account data of an active account (every instrument kind, every order state), and of a
    // pending one.
    let held =
        r.st.call(Method::GET, &format!("/authorizations/{active}/accounts"), &q, None)
            .await;
    let account = held.str("/0/id");
    for route in [POSITIONS, BALANCES, ORDERS, RECENT_ORDERS, ACTIVITIES, HISTORY] {
        r.expect(200, route, &account, &q, None).await;
        r.expect(404, route, NOBODY, &q, None).await;
        r.expect(401, route, &account, &bad, None).await;
    }
    let pending_accounts =
        r.st.call(Method::GET, &format!("/connections/{pending}/accounts"), &q, None)
            .await;
    r.expect(425, POSITIONS, &pending_accounts.str("/0/id"), &q, None).await;
    for query in ["&state=open&days=90", "&state=executed", "&days=200"] {
        r.expect(200, ORDERS, &account, &format!("{q}{query}"), None).await;
    }
    r.expect(400, ORDERS, &account, &format!("{q}&days=0"), None).await;
    r.expect(200, RECENT_ORDERS, &account, &format!("{q}&only_executed=false"), None)
        .await;
    let page = format!("{q}&startDate=2020-01-01&endDate=2030-12-31&offset=5&limit=20&type=BUY,SELL,DIVIDEND");
    let activities = r.expect(200, ACTIVITIES, &account, &page, None).await;
    assert_eq!(activities.body["data"].as_array().unwrap().len(), 20);
    r.expect(400, ACTIVITIES, &account, &format!("{q}&startDate=01/02/2026"), None)
        .await;
    let orders = r.expect(200, ORDERS, &account, &q, None).await;
    let order_id = orders.str("/0/brokerage_order_id");
    let detail = Some(json!({ "brokerage_order_id": order_id }));
    r.expect(200, ORDER_DETAIL, &account, &q, detail.clone()).await;
    r.expect(
        404,
        ORDER_DETAIL,
        &account,
        &q,
        Some(json!({ "brokerage_order_id": "nope" })),
    )
    .await;
    r.expect(400, ORDER_DETAIL, &account, &q, Some(json!({}))).await;
    r.expect(401, ORDER_DETAIL, &account, &bad, detail).await;

    // Refresh (then too soon), disable (then again), refresh a disabled connection.
    r.expect(200, REFRESH, &active, &q, None).await;
    r.expect(429, REFRESH, &active, &q, None).await;
    r.expect(401, REFRESH, &active, &bad, None).await;
    r.expect(404, REFRESH, NOBODY, &q, None).await;
    r.expect(200, DISABLE, &active, &q, None).await;
    r.expect(402, DISABLE, &active, &q, None).await;
    r.expect(401, DISABLE, &active, &bad, None).await;
    r.expect(404, DISABLE, NOBODY, &q, None).await;
    r.expect(402, REFRESH, &active, &q, None).await;
    // A disabled connection still renders.
    r.expect(200, DETAIL, &active, &q, None).await;

    // Removal, both ways.
    r.expect(401, REMOVE, &pending, &bad, None).await;
    r.expect(200, REMOVE, &pending, &q, None).await;
    r.expect(404, REMOVE, &pending, &q, None).await;
    let removed =
        r.st.call(Method::DELETE, &format!("/authorizations/{active}"), &q, None)
            .await;
    // Not in the spec: SnapTrade's legacy removal answers 204 with no body (protocol notes).
    r.c.check_against("DELETE", REMOVE_LEGACY.1, 204, &removed, &json!({ "type": "null" }));
    r.expect(404, REMOVE_LEGACY, &active, &q, None).await;

    // The legacy prefix serves the same face, flagged as deprecated.
    let legacy = r.st.call(Method::GET, "/api/v1/accounts", &q, None).await;
    r.c.check("GET", "/accounts", 200, &legacy);
    assert_eq!(
        legacy.headers["deprecation"], "@1781222400",
        "RFC 9745, the date the spec gives"
    );
    let legacy_status = r.unsigned("/api/v1/").await;
    r.c.check("GET", "/", 200, &legacy_status);

    // Deleting the user last: the routes above need it.
    r.expect(400, DELETE_USER, "", "", None).await;
    let by_id = format!("&userId={}", user.id);
    r.expect(200, DELETE_USER, "", &by_id, None).await;
    r.expect(404, DELETE_USER, "", &by_id, None).await;

    let mut c = r.c;
    rate_limited(&mut c).await;
    // (a) Every route of the face was validated with a success status.
    for (method, template) in SNAPTRADE_ROUTES {
        assert!(
            c.saw(method, template, 200..=299),
            "{method} {template} was not exercised"
        );
    }
    c.finish();
}

/// The per-client limit, on a sandbox that allows two requests a minute.
async fn rate_limited(c: &mut Checker) {
    let config = SandboxConfig {
        rate_limit_per_minute: 2,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let st = SnapTrade::new(&sandbox);
    let mut replies = Vec::new();
    for _ in 0..3 {
        replies.push(st.call(Method::GET, "/snapTrade/listUsers", "", None).await);
    }
    c.check("GET", "/snapTrade/listUsers", 200, &replies[0]);
    c.check("GET", "/snapTrade/listUsers", 429, &replies[2]);
    assert!(replies[2].headers.contains_key("retry-after"));
    assert!(
        !replies[0].headers.contains_key("x-ratelimit-account-remaining"),
        "a call on no account has no account bucket"
    );
    account_rate_limited(c).await;
}

/// The account-level bucket: two data calls a minute per account, shared by every data route,
/// counted apart from the customer bucket and from other accounts.
async fn account_rate_limited(c: &mut Checker) {
    let config = SandboxConfig {
        account_rate_limit_per_minute: 2,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.unwrap();
    let st = SnapTrade::new(&sandbox);
    let (_, user) = st.register("bucket-user").await;
    st.connect(&user, "user_good").await;
    let accounts = st.call(Method::GET, "/accounts", &user.query(), None).await;
    assert!(!accounts.headers.contains_key("x-ratelimit-account-limit"));
    let ids: Vec<String> = accounts
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    let [first, second] = [&ids[0], &ids[1]];
    let positions = st
        .call(
            Method::GET,
            &format!("/accounts/{first}/positions/all"),
            &user.query(),
            None,
        )
        .await;
    c.check("GET", "/accounts/{id}/positions/all", 200, &positions);
    let header = |reply: &Reply, name: &str| reply.headers[name].to_str().unwrap().to_owned();
    assert_eq!(header(&positions, "x-ratelimit-account-limit"), "2");
    assert_eq!(header(&positions, "x-ratelimit-account-remaining"), "1");
    let reset: u64 = header(&positions, "x-ratelimit-account-reset").parse().unwrap();
    assert!((1..=60).contains(&reset));
    assert_eq!(
        header(&positions, "x-ratelimit-limit"),
        "250",
        "the customer bucket is reported too"
    );
    // The legacy prefix reaches the same bucket.
    let balances = st
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{first}/balances"),
            &user.query(),
            None,
        )
        .await;
    assert_eq!(balances.status, 200);
    assert_eq!(header(&balances, "x-ratelimit-account-remaining"), "0");
    let refused = st
        .call(
            Method::GET,
            &format!("/accounts/{first}/activities"),
            &user.query(),
            None,
        )
        .await;
    c.check("GET", "/accounts/{id}/activities", 429, &refused);
    assert_eq!(refused.body["code"], "0000");
    assert_eq!(header(&refused, "x-ratelimit-account-remaining"), "0");
    assert_eq!(
        header(&refused, "retry-after"),
        header(&refused, "x-ratelimit-account-reset")
    );
    assert_eq!(sandbox.state().requests_throttled, 1);
    // Another account's bucket is its own; an id that is no account counts nowhere.
    let other = st
        .call(
            Method::GET,
            &format!("/accounts/{second}/positions/all"),
            &user.query(),
            None,
        )
        .await;
    assert_eq!(header(&other, "x-ratelimit-account-remaining"), "1");
    let unknown = st
        .call(
            Method::GET,
            &format!("/accounts/{NOBODY}/positions/all"),
            &user.query(),
            None,
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert!(!unknown.headers.contains_key("x-ratelimit-account-remaining"));
}

/// (b) Everything else the spec defines reaches the sandbox's fallback, and the table says
/// exactly which of its routes the spec lacks.
#[tokio::test]
async fn the_table_and_the_fallback_cover_the_spec() {
    let spec = Spec::snaptrade();
    let in_table = |method: &str, template: &str| {
        SNAPTRADE_ROUTES
            .iter()
            .any(|(m, t)| *m == method && shape(t) == shape(template))
    };
    let not_in_spec: Vec<_> = SNAPTRADE_ROUTES.iter().filter(|(m, t)| !spec.has(m, t)).collect();
    // SnapTrade still answers the old removal route; the spec documents only DELETE /connection.
    assert_eq!(not_in_spec, [&("DELETE", "/authorizations/{id}")]);

    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let st = SnapTrade::new(&sandbox);
    let mut probed = 0;
    let mut failures = Vec::new();
    for (method, template) in spec.operations() {
        if in_table(method, template) {
            continue;
        }
        let concrete = template
            .split('/')
            .map(|s| if s.starts_with('{') { NOBODY } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let reply = st.call(method.clone(), &concrete, "", None).await;
        probed += 1;
        let fallback = match reply.status {
            404 => reply.body == json!({ "detail": "Not found", "status_code": 404, "code": "1011" }),
            405 => reply.body["code"] == "1012" && reply.body["status_code"] == 405,
            _ => false,
        };
        if !fallback {
            failures.push(format!("{method} {concrete}: {} {}", reply.status, reply.text));
        }
    }
    assert!(probed > 30, "only {probed} spec operations were probed");
    assert!(
        failures.is_empty(),
        "served outside the table:\n{}",
        failures.join("\n")
    );
}

/// The validator itself: a reply that breaks the spec is caught, at the right place.
#[test]
fn a_deviation_is_reported_with_its_pointer() {
    let spec = Spec::snaptrade();
    let account = Spec::component("Account");
    let good = json!({
        "id": NOBODY, "brokerage_authorization": NOBODY, "name": null, "number": "1",
        "institution_name": "X", "created_date": "2024-01-01T00:00:00Z", "sync_status": {},
        "balance": { "total": null }, "is_paper": false, "status": null,
    });
    assert_eq!(spec.errors(&account, &good), []);
    let mut bad = good.clone();
    bad["id"] = json!("not-a-uuid");
    bad["status"] = json!("gone");
    bad["sync_status"]["holdings"] = json!({ "last_successful_sync": "yesterday" });
    bad.as_object_mut().unwrap().remove("is_paper");
    let pointers: Vec<String> = spec.errors(&account, &bad).into_iter().map(|(at, _)| at).collect();
    for expected in ["", "/id", "/status", "/sync_status/holdings/last_successful_sync"] {
        assert!(
            pointers.iter().any(|p| p == expected),
            "{expected} missing from {pointers:?}"
        );
    }
}
