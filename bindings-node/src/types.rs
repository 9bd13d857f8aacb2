//! What callers hand to the client (users, sessions, options) as plain objects converted to and
//! from the core's types; `results.rs` has what comes back. Enum values are the core's own
//! strings (`as_str` out, `parse` in); their TypeScript unions are declared in `dts-header.d.ts`.

use brokerlink::{ConnectionType, Error, PortalMode, PortalTheme};
use chrono::{DateTime, Utc};
use napi::bindgen_prelude::{FromNapiValue, JsObjectValue, Object, ToNapiValue};
use napi::{Env, Property, PropertyAttributes};
use napi_derive::napi;
use serde_json::Value;
use std::time::Duration;

/// An end user. Store `userSecret` (SnapTrade issues it once); `util.inspect` shows it as `***`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub user_id: String,
    /// Absent or `null` for a user without a secret (Finatic).
    #[napi(ts_type = "string | null")]
    pub user_secret: Option<Option<String>>,
}

impl From<UserCredentials> for brokerlink::UserCredentials {
    fn from(user: UserCredentials) -> Self {
        match user.user_secret.flatten() {
            Some(secret) => brokerlink::UserCredentials::new(user.user_id, secret),
            None => brokerlink::UserCredentials::id_only(user.user_id),
        }
    }
}

/// The user as a plain object whose `util.inspect` form hides the secret.
pub(crate) fn user_to_js(env: &Env, user: brokerlink::UserCredentials) -> napi::Result<Object<'_>> {
    let secret = user.user_secret.as_ref().map(|s| s.expose().to_owned());
    let shown = UserCredentials {
        user_id: user.user_id.clone(),
        user_secret: Some(secret.as_ref().map(|_| "***".to_owned())),
    };
    let mut object = Object::new(env)?;
    object.set("userId", user.user_id)?;
    object.set(
        "userSecret",
        secret.map_or(napi::Either::B(napi::bindgen_prelude::Null), napi::Either::A),
    )?;
    inspect_as(env, &mut object, shown)?;
    Ok(object)
}

/// A connection-portal link. `url` logs the user in and `sessionId` authorises calls:
/// `util.inspect` shows both (the link's token) as `***`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PortalLink {
    pub url: String,
    pub session_id: String,
    pub expires_at: DateTime<Utc>,
}

pub(crate) fn link_to_js(env: &Env, link: brokerlink::PortalLink) -> napi::Result<Object<'_>> {
    let shown = PortalLink {
        url: brokerlink::redact_link(&link.url),
        session_id: "***".to_owned(),
        expires_at: link.expires_at,
    };
    let value = PortalLink {
        url: link.url,
        session_id: link.session_id.expose().to_owned(),
        expires_at: link.expires_at,
    };
    let mut object = Object::from_unknown(value.into_unknown(env)?)?;
    inspect_as(env, &mut object, shown)?;
    Ok(object)
}

/// Gives `object` a hidden `util.inspect.custom` method that shows `shown` instead.
pub(crate) fn inspect_as<T: ToNapiValue + Clone + 'static>(
    env: &Env,
    object: &mut Object,
    shown: T,
) -> napi::Result<()> {
    let inspect = env.create_function_from_closure::<(), T, _>("inspect", move |_| Ok(shown.clone()))?;
    let key = env.symbol_for("nodejs.util.inspect.custom")?;
    object.define_properties(&[Property::new()
        .with_name(env, key)?
        .with_value(&inspect)
        .with_property_attributes(PropertyAttributes::Writable | PropertyAttributes::Configurable)])
}

/// A long list of plain records handed to JavaScript as JSON text for V8's `JSON.parse`, which
/// builds the objects several times faster than napi can, one property call at a time (a
/// 10,000-row history: bench/results.md). Only for records the generator marked `Serialize`:
/// those whose every value JSON carries as napi would (no `Date`, no credential). The text is
/// written on the runtime's thread (`json_text`), so that the event loop only parses it.
pub(crate) struct JsonText(String);

pub(crate) fn json_text<T: serde::Serialize>(rows: &T) -> brokerlink::Result<JsonText> {
    serde_json::to_string(rows)
        .map(JsonText)
        .map_err(|e| brokerlink::Error::decode(format!("could not write the rows as JSON: {e}")))
}

pub(crate) fn parsed<'env>(env: &'env Env, JsonText(text): JsonText) -> napi::Result<napi::Unknown<'env>> {
    let json: napi::JSON = env.get_global()?.get_named_property_unchecked("JSON")?;
    let parse: napi::bindgen_prelude::Function<String, napi::Unknown> = json.get_named_property_unchecked("parse")?;
    parse.call(text)
}

/// Everything a portal link can be asked to do; options a provider has no use for fail as
/// `invalid_input` naming them.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct PortalOptions {
    /// Open the portal on this broker (SnapTrade slug).
    pub broker: Option<String>,
    #[napi(ts_type = "ConnectionType")]
    pub connection_type: Option<String>,
    #[napi(ts_type = "PortalMode")]
    pub mode: Option<String>,
    /// `en` or `pt-BR`.
    pub locale: Option<String>,
    /// Absolute http(s) URL the portal sends the user to when done.
    pub redirect_url: Option<String>,
    pub immediate_redirect: Option<bool>,
    /// Id of a disabled connection to repair.
    pub reconnect: Option<String>,
    pub show_close_button: Option<bool>,
    /// SnapTrade portal version (`v4`).
    pub portal_version: Option<String>,
    /// Offer only these brokers (Finatic broker ids).
    pub brokers: Option<Vec<String>>,
    /// Prefill the portal's email field (Finatic).
    pub email: Option<String>,
    /// A preset name, or a custom theme object (Finatic).
    #[napi(ts_type = "string | Record<string, unknown>")]
    pub theme: Option<Value>,
    /// `broker` or `exchange` (Finatic).
    pub broker_type: Option<String>,
    /// Brokers must have all of these, e.g. `equity`, `options` (Finatic).
    pub capabilities: Option<Vec<String>>,
    /// `production`, `beta`, `alpha` (Finatic).
    pub stages: Option<Vec<String>>,
}

impl TryFrom<PortalOptions> for brokerlink::PortalOptions {
    type Error = Error;

    fn try_from(o: PortalOptions) -> Result<Self, Error> {
        Ok(brokerlink::PortalOptions {
            broker: o.broker,
            connection_type: o.connection_type.as_deref().map(ConnectionType::parse).transpose()?,
            mode: o.mode.as_deref().map(PortalMode::parse).transpose()?,
            locale: o.locale,
            redirect_url: o.redirect_url,
            immediate_redirect: o.immediate_redirect,
            reconnect: o.reconnect,
            show_close_button: o.show_close_button,
            portal_version: o.portal_version,
            brokers: o.brokers.unwrap_or_default(),
            email: o.email,
            theme: match o.theme {
                None | Some(Value::Null) => None,
                Some(Value::String(name)) => Some(PortalTheme::Preset(name)),
                Some(custom @ Value::Object(_)) => Some(PortalTheme::Custom(custom)),
                Some(_) => return Err(Error::invalid_input("theme", "must be a preset name or an object")),
            },
            broker_type: o.broker_type,
            capabilities: o.capabilities.unwrap_or_default(),
            stages: o.stages.unwrap_or_default(),
        })
    }
}

/// How long `waitForConnection` polls; unset fields take the core's defaults (2 minutes,
/// 500 ms growing to 5 s).
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct WaitOptions {
    pub timeout_ms: Option<f64>,
    pub poll_interval_ms: Option<f64>,
    pub max_poll_interval_ms: Option<f64>,
    /// Connections created at or after this instant count as new.
    pub since: Option<DateTime<Utc>>,
    /// Wait for this connection (e.g. the one being reconnected).
    pub connection_id: Option<String>,
}

impl TryFrom<WaitOptions> for brokerlink::WaitOptions {
    type Error = Error;

    fn try_from(o: WaitOptions) -> brokerlink::Result<Self> {
        let defaults = brokerlink::WaitOptions::default();
        let ms = |field: &str, v: Option<f64>, d: Duration| {
            v.map_or(Ok(d), |ms| brokerlink::duration_from_millis(field, ms))
        };
        Ok(brokerlink::WaitOptions {
            timeout: ms("timeout_ms", o.timeout_ms, defaults.timeout)?,
            poll_interval: ms("poll_interval_ms", o.poll_interval_ms, defaults.poll_interval)?,
            max_poll_interval: ms(
                "max_poll_interval_ms",
                o.max_poll_interval_ms,
                defaults.max_poll_interval,
            )?,
            since: o.since,
            connection_id: o.connection_id,
        })
    }
}
