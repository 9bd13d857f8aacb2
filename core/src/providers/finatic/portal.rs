//! Finatic's portal URL parameters (the notes' section 6): the SDKs set them on the URL the
//! API returns.

use crate::error::{Error, Result};
use crate::portal::{PortalOptions, PortalTheme};
use crate::validate;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde_json::json;

/// The portal URL parameters of the notes' §6, checked; SnapTrade-only options are refused.
pub(super) fn portal_params(options: &PortalOptions) -> Result<Vec<(&'static str, String)>> {
    let snaptrade_only: [(&str, bool); 7] = [
        ("connection_type", options.connection_type.is_some()),
        ("locale", options.locale.is_some()),
        ("redirect_url", options.redirect_url.is_some()),
        ("immediate_redirect", options.immediate_redirect.is_some()),
        ("reconnect", options.reconnect.is_some()),
        ("show_close_button", options.show_close_button.is_some()),
        ("portal_version", options.portal_version.is_some()),
    ];
    if let Some((field, _)) = snaptrade_only.iter().find(|(_, set)| *set) {
        return Err(Error::invalid_input(
            field,
            "is a SnapTrade portal option; Finatic has no such option",
        ));
    }
    let mut params = Vec::new();
    if let Some(theme) = &options.theme {
        match theme {
            PortalTheme::Preset(name) => {
                validate::identifier("theme", name)?;
                params.push(("theme", name.clone()));
            }
            PortalTheme::Custom(object) if object.is_object() => {
                params.push(("theme", "custom".to_owned()));
                params.push(("themeObject", BASE64.encode(object.to_string())));
            }
            PortalTheme::Custom(_) => {
                return Err(Error::invalid_input("theme", "a custom theme must be a JSON object"))
            }
        }
    }
    let mut brokers = options.brokers.clone();
    if let Some(broker) = &options.broker {
        brokers.push(broker.clone());
    }
    if !brokers.is_empty() {
        for broker in &brokers {
            validate::identifier("brokers", broker)?;
        }
        params.push(("brokers", BASE64.encode(json!(brokers).to_string())));
    }
    if let Some(kind) = &options.broker_type {
        if !matches!(kind.as_str(), "broker" | "exchange") {
            return Err(Error::invalid_input(
                "broker_type",
                format!("{kind:?} is neither broker nor exchange"),
            ));
        }
        params.push(("type", kind.clone()));
    }
    if !options.capabilities.is_empty() {
        for capability in &options.capabilities {
            validate::identifier("capabilities", capability)?;
        }
        params.push(("capabilities", options.capabilities.join(",")));
    }
    if !options.stages.is_empty() {
        if let Some(bad) = options
            .stages
            .iter()
            .find(|s| !matches!(s.as_str(), "production" | "beta" | "alpha"))
        {
            return Err(Error::invalid_input(
                "stages",
                format!("{bad:?} is not production, beta or alpha"),
            ));
        }
        params.push(("stage", options.stages.join(",")));
    }
    if let Some(email) = &options.email {
        validate::email(email)?;
        params.push(("email", email.clone()));
    }
    if let Some(mode) = options.mode {
        params.push(("mode", mode.as_str().to_owned()));
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::PortalMode;
    use std::collections::HashMap;

    #[test]
    fn portal_params_follow_the_notes() {
        let options = PortalOptions {
            brokers: vec!["alpaca".into(), "tradier".into()],
            broker_type: Some("broker".into()),
            capabilities: vec!["equity".into(), "options".into()],
            mode: Some(PortalMode::Dark),
            email: Some("ana@example.com".into()),
            theme: Some(PortalTheme::Custom(json!({"primary": "#123456"}))),
            ..PortalOptions::default()
        };
        let params: HashMap<_, _> = portal_params(&options).unwrap().into_iter().collect();
        assert_eq!(params["brokers"], "WyJhbHBhY2EiLCJ0cmFkaWVyIl0=");
        assert_eq!(params["capabilities"], "equity,options");
        assert_eq!(params["theme"], "custom");
        assert_eq!(
            BASE64.decode(&params["themeObject"]).unwrap(),
            br##"{"primary":"#123456"}"##
        );
        assert_eq!(params["mode"], "dark");
    }

    #[test]
    fn snaptrade_options_are_refused_by_name() {
        let options = PortalOptions {
            reconnect: Some("8b5f262d-4bb9-365d-888a-202bd3b15fa1".into()),
            ..PortalOptions::default()
        };
        assert_eq!(portal_params(&options).unwrap_err().field(), Some("reconnect"));
        let bad_stage = PortalOptions {
            stages: vec!["gamma".into()],
            ..PortalOptions::default()
        };
        assert_eq!(portal_params(&bad_stage).unwrap_err().field(), Some("stages"));
    }
}
