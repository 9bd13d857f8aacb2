#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
//! Every answer of the sandbox's Finatic face, success and error, validated against Finatic's
//! published OpenAPI spec (`shared/protocols/finatic-openapi-v1.json`) wherever the spec has the
//! route, and proof that the face serves nothing else of the spec.

mod contract;

use brokerlink_sandbox::{Sandbox, SandboxConfig};
use contract::wire::{Finatic, Session};
use contract::{shape, Allowance, Checker, Spec};
use reqwest::Method;
use serde_json::{json, Value};

/// The Finatic spec gives every route its error envelope for every status the sandbox answers
/// there, so no status needs a stand-in.
fn stand_in(_status: u16) -> Option<&'static str> {
    None
}

const OFFBOARDING: &str = "finatic-server-python sends it (protocol notes §4); the spec has no such route, so \
                           its E body is checked against the notes";
const V1_SESSION: &str = "finatic-server-python 1.0.10 calls the session routes under /api/v1; the spec \
                          has them under /api/beta only, so they are validated against those";

/// Every route of the Finatic face, and why where the spec lacks it.
const FINATIC_ROUTES: &[(&str, &str, Option<&str>)] = &[
    ("POST", "/api/beta/session/init", None),
    ("POST", "/api/beta/session/start", None),
    ("GET", "/api/beta/session/portal", None),
    ("GET", "/api/beta/session/{id}/user", None),
    ("POST", "/api/v1/session/init", Some(V1_SESSION)),
    ("POST", "/api/v1/session/start", Some(V1_SESSION)),
    ("GET", "/api/v1/session/portal", Some(V1_SESSION)),
    ("GET", "/api/v1/session/{id}/user", Some(V1_SESSION)),
    ("GET", "/api/beta/brokers/", None),
    ("GET", "/api/beta/brokers", None),
    ("GET", "/api/beta/brokers/connections", None),
    ("DELETE", "/api/beta/brokers/disconnect-company/{id}", None),
    ("GET", "/api/beta/brokers/data/accounts", None),
    ("GET", "/api/v1/accounts", None),
    ("GET", "/api/v1/accounts/{accountId}", None),
    ("GET", "/api/v1/accounts/{accountId}/positions", None),
    ("GET", "/api/v1/accounts/{accountId}/balances", None),
    ("GET", "/api/v1/accounts/{accountId}/orders", None),
    ("GET", "/api/v1/accounts/{accountId}/orders/{orderId}", None),
    ("GET", "/api/v1/accounts/{accountId}/transactions", None),
    ("GET", "/api/v1/account-grants", None),
    ("GET", "/api/v1/account-grants/{grantId}", None),
    ("PATCH", "/api/v1/account-grants/{grantId}", None),
    ("POST", "/api/v1/account-grants/{grantId}/revoke", None),
    ("GET", "/api/v1/sessions/{id}", None),
    ("GET", "/api/v1/sessions/{id}/sync-status", None),
    ("GET", "/api/v1/sessions/{id}/user", None),
    (
        "POST",
        "/api/v1/users/{id}/broker-connections/offboarding",
        Some(OFFBOARDING),
    ),
    ("GET", "/api/v1/webhooks/catalog", None),
    ("GET", "/api/v1/webhooks/payload-schema", None),
    ("GET", "/api/v1/webhooks/subscriptions", None),
    ("POST", "/api/v1/webhooks/subscriptions", None),
    ("PATCH", "/api/v1/webhooks/subscriptions/{id}", None),
    ("POST", "/api/v1/webhooks/subscriptions/{id}/revoke", None),
];

/// The spec template a table route is validated against; `None` for the notes instead.
fn spec_template(route: &str, why: Option<&str>) -> Option<String> {
    match why {
        None => Some(route.to_owned()),
        Some(why) if why == V1_SESSION => Some(route.replacen("/api/v1/", "/api/beta/", 1)),
        Some(_) => None,
    }
}

const SHIM: &str = "the spec shows the beta broker routes as migration stubs ({betaPath, replacementPath, …}); \
                    @finatic/client 0.9.13 and brokerlink's core read the data itself there, checked against \
                    the protocol notes instead";

/// The deviations the sandbox keeps on purpose.
const ALLOWED: &[Allowance] = &[
    shim("GET", "/api/beta/brokers/"),
    shim("GET", "/api/beta/brokers"),
    shim("GET", "/api/beta/brokers/connections"),
    shim("GET", "/api/beta/brokers/data/accounts"),
    shim("DELETE", "/api/beta/brokers/disconnect-company/{id}"),
];

const fn shim(method: &'static str, template: &'static str) -> Allowance {
    Allowance {
        method,
        template,
        status: 200,
        pointer: "/success/data",
        why: SHIM,
    }
}

/// The W envelope around `data`, as the notes (§4, §5) describe what the client package reads.
fn w(data: Value) -> Value {
    json!({
        "type": "object",
        "required": ["trace_id", "success", "error"],
        "properties": { "success": { "type": "object", "required": ["data"], "properties": { "data": data } },
                        "error": { "type": "null" } },
    })
}

fn list_of(required: &[&str]) -> Value {
    json!({ "type": "array", "items": { "type": "object", "required": required } })
}

/// Validates a reply of a table route against the spec template the table names for it.
struct Face {
    c: Checker,
}

impl Face {
    fn check(&mut self, method: &str, route: &str, status: u16, reply: &contract::Reply) {
        let (_, _, why) = FINATIC_ROUTES
            .iter()
            .find(|(m, r, _)| *m == method && *r == route)
            .unwrap_or_else(|| panic!("{method} {route} is not in FINATIC_ROUTES"));
        let Some(template) = spec_template(route, *why) else {
            let e = json!({ "type": "object", "required": ["traceId", "data", "warnings", "errors"] });
            self.c.check_against(method, route, status, reply, &e);
            return;
        };
        self.c.check(method, &template, status, reply);
        if (200..300).contains(&reply.status) {
            // The spec's FinaticResponse marks no field required, so any object, an E body
            // too, passes it; both packages' generated models read `success.data`. Recorded
            // under the table's route, which is the coverage that counts.
            self.c.check_against(method, route, status, reply, &w(json!({})));
        }
    }
}

#[tokio::test]
async fn every_route_answers_as_the_spec_says() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let f = Finatic::new(&sandbox);
    let mut face = Face {
        c: Checker::new(Spec::finatic(), stand_in, ALLOWED, &[]),
    };
    let (get, post) = (Method::GET, Method::POST);

    for prefix in ["/api/beta", "/api/v1"] {
        let init = format!("{prefix}/session/init");
        let start = format!("{prefix}/session/start");
        face.check("POST", &init, 200, &f.keyed(post.clone(), &init, None).await);
        face.check("POST", &init, 401, &f.call(post.clone(), &init, &[], None).await);
        let token = f.token(prefix).await;
        let started = f.call(post.clone(), &start, &[("One-Time-Token", &token)], None).await;
        face.check("POST", &start, 200, &started);
        let spent = f.call(post.clone(), &start, &[("One-Time-Token", &token)], None).await;
        face.check("POST", &start, 401, &spent);
        let session = Session {
            id: started.str("/success/data/session_id"),
            company_id: started.str("/success/data/company_id"),
        };
        let portal = format!("{prefix}/session/portal");
        face.check("GET", &portal, 200, &f.in_session(get.clone(), &portal, &session).await);
        face.check("GET", &portal, 401, &f.keyed(get.clone(), &portal, None).await);
        let unknown = Session {
            id: "no-such-session".into(),
            ..session.clone()
        };
        face.check("GET", &portal, 404, &f.in_session(get.clone(), &portal, &unknown).await);
        let user_route = format!("{prefix}/session/{{id}}/user");
        let user_path = format!("{prefix}/session/{}/user", session.id);
        // Nobody has logged in through this session yet.
        face.check(
            "GET",
            &user_route,
            404,
            &f.in_session(get.clone(), &user_path, &session).await,
        );
        let other = format!("{prefix}/session/{}/user", "another-session");
        face.check(
            "GET",
            &user_route,
            403,
            &f.in_session(get.clone(), &other, &session).await,
        );
        f.connect(&session, "user_good").await;
        face.check(
            "GET",
            &user_route,
            200,
            &f.in_session(get.clone(), &user_path, &session).await,
        );
    }

    // A session with one active connection and one still pending.
    let (_, session) = f.start("/api/beta", Some(&json!({}))).await;
    let active = f.connect(&session, "user_good").await;
    let user_id = f
        .in_session(get.clone(), &format!("/api/beta/session/{}/user", session.id), &session)
        .await
        .str("/success/data/user_id");
    let (again, session) = f.start("/api/v1", Some(&json!({ "user_id": user_id }))).await;
    face.check("POST", "/api/v1/session/start", 200, &again);
    f.connect(&session, "user_pending").await;
    let stranger = Session {
        id: "no-such-session".into(),
        ..session.clone()
    };

    let brokers = w(list_of(&[
        "id",
        "name",
        "display_name",
        "features",
        "auth_type",
        "logo_path",
        "is_active",
    ]));
    for route in ["/api/beta/brokers/", "/api/beta/brokers"] {
        let reply = f.call(get.clone(), route, &[], None).await;
        face.check("GET", route, 200, &reply);
        face.c.check_against("GET", route, 200, &reply, &brokers);
    }
    let route = "/api/beta/brokers/connections";
    let connections = f.in_session(get.clone(), route, &session).await;
    face.check("GET", route, 200, &connections);
    let listed = w(list_of(&["id", "user_id", "broker_id", "permissions"]));
    face.c.check_against("GET", route, 200, &connections, &listed);
    assert_eq!(connections.body["success"]["data"].as_array().unwrap().len(), 2);
    face.check("GET", route, 401, &f.keyed(get.clone(), route, None).await);
    face.check("GET", route, 404, &f.in_session(get.clone(), route, &stranger).await);

    let route = "/api/beta/brokers/data/accounts";
    for query in ["", "?limit=1", "?connection_id=nothing"] {
        let accounts = f.in_session(get.clone(), &format!("{route}{query}"), &session).await;
        face.check("GET", route, 200, &accounts);
        face.c
            .check_against("GET", route, 200, &accounts, &w(list_of(&["id", "accountId"])));
    }
    face.check("GET", route, 401, &f.keyed(get.clone(), route, None).await);

    for route in ["/api/v1/accounts", "/api/v1/account-grants"] {
        let reply = f.in_session(get.clone(), route, &session).await;
        face.check("GET", route, 200, &reply);
        face.check("GET", route, 401, &f.keyed(get.clone(), route, None).await);
        face.check("GET", route, 404, &f.in_session(get.clone(), route, &stranger).await);
    }
    let route = "/api/v1/sessions/{id}";
    let detail = format!("/api/v1/sessions/{}", session.id);
    face.check("GET", route, 200, &f.in_session(get.clone(), &detail, &session).await);
    face.check(
        "GET",
        route,
        404,
        &f.keyed(get.clone(), "/api/v1/sessions/no-such-session", None).await,
    );
    // The spec asks for the API key: a session id alone reads nothing.
    face.check("GET", route, 401, &f.call(get.clone(), &detail, &[], None).await);
    let route = "/api/v1/sessions/{id}/user";
    let user_path = format!("/api/v1/sessions/{}/user", session.id);
    face.check(
        "GET",
        route,
        200,
        &f.in_session(get.clone(), &user_path, &session).await,
    );
    face.check("GET", route, 401, &f.call(get.clone(), &user_path, &[], None).await);
    let route = "/api/v1/sessions/{id}/sync-status";
    let sync = format!("/api/v1/sessions/{}/sync-status", session.id);
    face.check("GET", route, 200, &f.in_session(get.clone(), &sync, &session).await);
    face.check("GET", route, 401, &f.keyed(get.clone(), &sync, None).await);
    let elsewhere = "/api/v1/sessions/another-session/sync-status";
    face.check("GET", route, 403, &f.in_session(get.clone(), elsewhere, &session).await);

    grants(&f, &mut face, &session, &active).await;
    holdings(&f, &mut face, &session).await;

    let route = "/api/beta/brokers/disconnect-company/{id}";
    let disconnect = format!("/api/beta/brokers/disconnect-company/{active}");
    let removed = f.in_session(Method::DELETE, &disconnect, &session).await;
    face.check("DELETE", route, 200, &removed);
    face.c.check_against(
        "DELETE",
        route,
        200,
        &removed,
        &w(json!({ "required": ["success", "message"] })),
    );
    face.check(
        "DELETE",
        route,
        404,
        &f.in_session(Method::DELETE, &disconnect, &session).await,
    );
    face.check("DELETE", route, 401, &f.keyed(Method::DELETE, &disconnect, None).await);

    let route = "/api/v1/users/{id}/broker-connections/offboarding";
    // Logging in again restores the grant revoked above.
    f.connect(&session, "user_pending").await;
    let account = f
        .in_session(get.clone(), "/api/v1/accounts", &session)
        .await
        .str("/success/data/0/accountId");
    let offboard = format!("/api/v1/users/{user_id}/broker-connections/offboarding");
    let body = json!({ "accountId": account });
    face.check("POST", route, 200, &f.keyed(post.clone(), &offboard, Some(&body)).await);
    face.check("POST", route, 404, &f.keyed(post.clone(), &offboard, Some(&body)).await);
    face.check(
        "POST",
        route,
        401,
        &f.call(post.clone(), &offboard, &[], Some(&body)).await,
    );

    webhooks(&f, &mut face).await;

    for (method, route, why) in FINATIC_ROUTES {
        assert!(
            face.c.saw(method, route, 200..=299),
            "{method} {route} was not exercised"
        );
        // The table says truly which routes the spec has.
        assert_eq!(face.c.spec.has(method, route), why.is_none(), "{method} {route}");
        if let Some(template) = spec_template(route, *why) {
            assert!(face.c.spec.has(method, &template), "{method} {template}");
        }
    }
    face.c.finish();
}

/// The v1 account-data routes of an account the session's user shares: every page size the
/// spec allows, an unknown account, a malformed id, a missing key.
async fn holdings(f: &Finatic<'_>, face: &mut Face, session: &Session) {
    let get = Method::GET;
    let unknown = "00000000-0000-4000-8000-000000000000";
    let account = f
        .in_session(get.clone(), "/api/v1/accounts", session)
        .await
        .str("/success/data/0/accountId");
    for resource in ["positions", "balances", "orders", "transactions"] {
        let route = format!("/api/v1/accounts/{{accountId}}/{resource}");
        let path = format!("/api/v1/accounts/{account}/{resource}");
        for query in ["", "?limit=1000", "?limit=2&offset=1"] {
            let reply = f.in_session(get.clone(), &format!("{path}{query}"), session).await;
            face.check("GET", &route, 200, &reply);
        }
        let missing = format!("/api/v1/accounts/{unknown}/{resource}");
        face.check("GET", &route, 404, &f.in_session(get.clone(), &missing, session).await);
        let malformed = format!("/api/v1/accounts/account-1/{resource}");
        face.check(
            "GET",
            &route,
            422,
            &f.in_session(get.clone(), &malformed, session).await,
        );
        let too_many = format!("{path}?limit=1001");
        face.check("GET", &route, 422, &f.in_session(get.clone(), &too_many, session).await);
        face.check("GET", &route, 401, &f.keyed(get.clone(), &path, None).await);
    }
    let orders = f
        .in_session(get.clone(), &format!("/api/v1/accounts/{account}/orders"), session)
        .await;
    let order = orders.str("/success/data/0/orderId");
    let route = "/api/v1/accounts/{accountId}/orders/{orderId}";
    let one = format!("/api/v1/accounts/{account}/orders/{order}");
    face.check("GET", route, 200, &f.in_session(get.clone(), &one, session).await);
    let none = format!("/api/v1/accounts/{account}/orders/no-such-order");
    face.check("GET", route, 404, &f.in_session(get.clone(), &none, session).await);
    face.check("GET", route, 401, &f.keyed(get.clone(), &one, None).await);
}

/// The v1 account and grant routes; revoking the pending login's grant takes it out of both
/// generations' lists.
async fn grants(f: &Finatic<'_>, face: &mut Face, session: &Session, active: &str) {
    let (get, post, patch) = (Method::GET, Method::POST, Method::PATCH);
    let unknown = "00000000-0000-4000-8000-000000000000";
    let listed = f.in_session(get.clone(), "/api/v1/account-grants", session).await;
    let grant = listed.body["success"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_owned())
        .find(|id| id != active)
        .expect("the pending login's grant");
    // A login's first grant has the login's id.
    assert!(listed.body["success"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["id"] == active));

    let route = "/api/v1/accounts/{accountId}";
    let account = f
        .in_session(get.clone(), "/api/v1/accounts", session)
        .await
        .str("/success/data/0/accountId");
    let detail = format!("/api/v1/accounts/{account}");
    face.check("GET", route, 200, &f.in_session(get.clone(), &detail, session).await);
    let missing = format!("/api/v1/accounts/{unknown}");
    face.check("GET", route, 404, &f.in_session(get.clone(), &missing, session).await);
    face.check("GET", route, 401, &f.keyed(get.clone(), &detail, None).await);

    let route = "/api/v1/account-grants/{grantId}";
    let one = format!("/api/v1/account-grants/{grant}");
    face.check("GET", route, 200, &f.in_session(get.clone(), &one, session).await);
    let nobody = format!("/api/v1/account-grants/{unknown}");
    face.check("GET", route, 404, &f.in_session(get.clone(), &nobody, session).await);
    let malformed = "/api/v1/account-grants/grant-1";
    face.check("GET", route, 422, &f.in_session(get.clone(), malformed, session).await);
    face.check("GET", route, 401, &f.keyed(get.clone(), &one, None).await);
    let change = json!({ "canTrade": true, "expiresAt": null });
    let changed = f.in_session_with(patch.clone(), &one, session, Some(&change)).await;
    face.check("PATCH", route, 200, &changed);
    assert_eq!(changed.body["success"]["data"]["canTrade"], true);
    let wrong = json!({ "canRead": "yes" });
    face.check(
        "PATCH",
        route,
        422,
        &f.in_session_with(patch.clone(), &one, session, Some(&wrong)).await,
    );
    face.check(
        "PATCH",
        route,
        404,
        &f.in_session_with(patch.clone(), &nobody, session, Some(&change)).await,
    );

    let route = "/api/v1/account-grants/{grantId}/revoke";
    let beta_accounts = |reply: &contract::Reply| reply.body["success"]["data"].as_array().unwrap().len();
    let before = beta_accounts(
        &f.in_session(get.clone(), "/api/beta/brokers/data/accounts", session)
            .await,
    );
    let revoke = format!("{one}/revoke");
    let revoked = f.in_session(post.clone(), &revoke, session).await;
    face.check("POST", route, 200, &revoked);
    assert_eq!(revoked.body["success"]["data"]["status"], "revoked");
    assert!(revoked.body["success"]["data"]["revokedAt"].is_string());
    // Idempotent, and a revoked grant is gone from the beta list and the v1 accounts.
    face.check("POST", route, 200, &f.in_session(post.clone(), &revoke, session).await);
    let after = beta_accounts(
        &f.in_session(get.clone(), "/api/beta/brokers/data/accounts", session)
            .await,
    );
    assert_eq!(after, before - 1);
    let accounts = f.in_session(get.clone(), "/api/v1/accounts", session).await;
    assert!(accounts.body["success"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["grantId"] != grant.as_str()));
    face.check(
        "PATCH",
        "/api/v1/account-grants/{grantId}",
        409,
        &f.in_session_with(patch.clone(), &one, session, Some(&change)).await,
    );
    face.check(
        "POST",
        route,
        404,
        &f.in_session(post.clone(), &format!("{nobody}/revoke"), session).await,
    );
}

async fn webhooks(f: &Finatic<'_>, face: &mut Face) {
    let (get, post, patch) = (Method::GET, Method::POST, Method::PATCH);
    for route in ["/api/v1/webhooks/catalog", "/api/v1/webhooks/payload-schema"] {
        face.check("GET", route, 200, &f.keyed(get.clone(), route, None).await);
    }
    let route = "/api/v1/webhooks/subscriptions";
    let wanted = json!({ "url": "http://127.0.0.1:9/hook", "eventTypes": ["order.filled"], "description": "d" });
    let created = f.keyed(post.clone(), route, Some(&wanted)).await;
    face.check("POST", route, 200, &created);
    face.check(
        "POST",
        route,
        401,
        &f.call(post.clone(), route, &[], Some(&wanted)).await,
    );
    let no_url = json!({ "eventTypes": ["order.filled"] });
    face.check("POST", route, 422, &f.keyed(post.clone(), route, Some(&no_url)).await);
    face.check("GET", route, 200, &f.keyed(get.clone(), route, None).await);
    face.check("GET", route, 401, &f.call(get.clone(), route, &[], None).await);

    let id = created.str("/success/data/id");
    let route = "/api/v1/webhooks/subscriptions/{id}";
    let one = format!("/api/v1/webhooks/subscriptions/{id}");
    let paused = json!({ "status": "disabled" });
    face.check("PATCH", route, 200, &f.keyed(patch.clone(), &one, Some(&paused)).await);
    let wrong = json!({ "status": "sleeping" });
    face.check("PATCH", route, 422, &f.keyed(patch.clone(), &one, Some(&wrong)).await);
    let missing = "/api/v1/webhooks/subscriptions/we_missing";
    face.check(
        "PATCH",
        route,
        404,
        &f.keyed(patch.clone(), missing, Some(&paused)).await,
    );
    let route = "/api/v1/webhooks/subscriptions/{id}/revoke";
    let revoke = format!("{one}/revoke");
    face.check("POST", route, 200, &f.keyed(post.clone(), &revoke, None).await);
    face.check(
        "POST",
        route,
        404,
        &f.keyed(post.clone(), &format!("{missing}/revoke"), None).await,
    );
    face.check("POST", route, 401, &f.call(post.clone(), &revoke, &[], None).await);
}

/// Everything else the spec defines reaches a fallback: Finatic's under `/api`, the rest of
/// the sandbox's elsewhere.
#[tokio::test]
async fn the_spec_routes_not_served_hit_the_fallback() {
    let spec = Spec::finatic();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let f = Finatic::new(&sandbox);
    let served = |method: &str, template: &str| {
        FINATIC_ROUTES
            .iter()
            .any(|(m, r, _)| *m == method && shape(r) == shape(template))
    };
    let mut probed = 0;
    let mut failures = Vec::new();
    for (method, template) in spec.operations() {
        if served(method, template) {
            continue;
        }
        // The sandbox's OAuth discovery is SnapTrade's authorization server (sandbox/tests/oauth.rs);
        // Finatic's spec lists its own at the same well-known path.
        if template.starts_with("/.well-known/") {
            continue;
        }
        let concrete = template
            .split('/')
            .map(|s| if s.starts_with('{') { "probe" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let reply = f
            .keyed(
                Method::from_bytes(method.as_bytes()).unwrap(),
                &concrete,
                Some(&json!({})),
            )
            .await;
        probed += 1;
        let code = reply.body.pointer("/error/code").and_then(Value::as_str);
        let fallback = match (concrete.starts_with("/api/"), reply.status) {
            (true, 404) => code == Some("NOT_FOUND"),
            (true, 405) => code == Some("METHOD_NOT_ALLOWED"),
            (false, 404) => reply.body["code"] == "1011",
            (false, 405) => true,
            // The root belongs to the SnapTrade face: its status document.
            (false, 200) => concrete == "/" && reply.body["online"] == true,
            _ => false,
        };
        if !fallback {
            failures.push(format!("{method} {concrete}: {} {}", reply.status, reply.text));
        }
    }
    assert!(probed > 50, "only {probed} spec operations were probed");
    assert!(
        failures.is_empty(),
        "served outside the table:\n{}",
        failures.join("\n")
    );
}
