//! The authorize page: sign-in and consent in the portal's stylesheet, every value from the
//! request HTML-escaped, and a CSP that lets it load nothing but that stylesheet.

use super::AuthorizeRequest;
use axum::http::{header, HeaderValue};

pub(super) fn page_headers() -> [(header::HeaderName, HeaderValue); 3] {
    [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'",
            ),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
    ]
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

fn scope_text(scope: &str) -> &'static str {
    match scope {
        "read" => "Read your connected brokerage accounts: positions, balances, orders and activities",
        "openid" => "Confirm who you are (an ID token)",
        "email" => "See your email address",
        _ => "Unknown access",
    }
}

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/portal/assets/portal.css\"></head>\
         <body><div class=\"page\"><div class=\"card\"><div class=\"card-body\">{body}</div>\
         <footer class=\"card-footer\">brokerlink sandbox · SnapTrade OAuth</footer></div></div></body></html>"
    )
}

pub(super) fn error_page(why: &str) -> String {
    shell(
        "Authorization error",
        &format!(
            "<h1>This app's request cannot be shown</h1><p role=\"alert\">{}</p>",
            escape(why)
        ),
    )
}

pub(super) fn consent_page(request: &AuthorizeRequest, problem: Option<&str>) -> String {
    let hidden: String = [
        ("response_type", Some(request.response_type.as_str())),
        ("client_id", Some(request.client_id.as_str())),
        ("redirect_uri", Some(request.redirect_uri.as_str())),
        ("scope", request.scope.as_deref()),
        ("state", request.state.as_deref()),
        ("code_challenge", request.code_challenge.as_deref()),
        ("code_challenge_method", request.code_challenge_method.as_deref()),
        ("nonce", request.nonce.as_deref()),
    ]
    .iter()
    .filter_map(|(name, value)| {
        value.map(|v| format!("<input type=\"hidden\" name=\"{name}\" value=\"{}\">", escape(v)))
    })
    .collect();
    let scopes: String = request
        .scopes()
        .iter()
        .map(|s| format!("<li><strong>{}</strong> — {}</li>", escape(s), scope_text(s)))
        .collect();
    let problem = problem
        .map(|p| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(p)))
        .unwrap_or_default();
    let logins = crate::flow::TEST_CREDENTIALS
        .iter()
        .filter(|(_, password, _)| *password == crate::flow::GOOD_PASSWORD)
        .map(|(login, _, _)| format!("<code>{login}</code>"))
        .collect::<Vec<_>>()
        .join(", ");
    shell(
        "Sign in to SnapTrade",
        &format!(
            "<h1>Sign in to SnapTrade</h1>\
             <p>An app ({client}) asks for access to your SnapTrade Personal account:</p><ul>{scopes}</ul>\
             {problem}<form method=\"post\" action=\"/oauth/authorize\">{hidden}\
             <div class=\"field\"><label for=\"username\">Username</label>\
             <input id=\"username\" name=\"username\" autocomplete=\"username\" required></div>\
             <div class=\"field\"><label for=\"password\">Password</label>\
             <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></div>\
             <p class=\"hint\">Sandbox test users: {logins}, password <code>{password}</code>.</p>\
             <button class=\"btn btn-primary\" name=\"decision\" value=\"allow\" type=\"submit\">Allow</button> \
             <button class=\"btn btn-secondary\" name=\"decision\" value=\"deny\" type=\"submit\" formnovalidate>Deny</button>\
             </form>",
            client = escape(&request.client_id),
            password = crate::flow::GOOD_PASSWORD,
        ),
    )
}
