//! SnapTrade request signing: canonical JSON of `{content, path, query}`, HMAC-SHA256 with the
//! consumer key, standard base64. Shared by the client, the sandbox's verifier and webhooks.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::fmt::Write as _;

/// How characters outside ASCII are written in canonical JSON. The official Python SDK escapes
/// them (`\u00e9`), the TypeScript SDK writes raw UTF-8; servers must accept both. brokerlink
/// itself always sends and signs the escaped form, which is pure ASCII on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonAscii {
    Escape,
    Raw,
}

/// Serialises `value` canonically: keys sorted at every level, `,` and `:` separators, no
/// whitespace, strings escaped as Python's `json.dumps` / JavaScript's `JSON.stringify` do.
pub fn canonical_json(value: &Value, non_ascii: NonAscii) -> String {
    let mut out = String::new();
    write_value(&mut out, value, non_ascii);
    out
}

fn write_value(out: &mut String, value: &Value, non_ascii: NonAscii) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(out, s, non_ascii),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, non_ascii);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key, non_ascii);
                out.push(':');
                write_value(out, &map[key], non_ascii);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str, non_ascii: NonAscii) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            // Python's ensure_ascii escapes everything outside printable ASCII, DEL included.
            c if non_ascii == NonAscii::Escape && (c as u32) >= 0x7f => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The string that gets signed for one request. `content` is `None` for no body; an empty
/// object is signed as `null` too, as both official SDKs do.
pub fn signing_string(content: Option<&Value>, path: &str, query: &str, non_ascii: NonAscii) -> String {
    let content = match content {
        Some(Value::Object(map)) if map.is_empty() => Value::Null,
        Some(value) => value.clone(),
        None => Value::Null,
    };
    let mut envelope = serde_json::Map::new();
    envelope.insert("content".into(), content);
    envelope.insert("path".into(), Value::String(path.to_owned()));
    envelope.insert("query".into(), Value::String(query.to_owned()));
    canonical_json(&Value::Object(envelope), non_ascii)
}

/// HMAC-SHA256 of `message` keyed by `key`, standard base64 with padding.
pub fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    BASE64.encode(hmac_sha256(key, message))
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Constant-time equality, so a verifier does not leak how much of a signature matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // The three vectors of ../shared/protocols/snaptrade.md.
    #[test]
    fn protocol_vector_without_body() {
        let s = signing_string(None, "/accounts", "timestamp=1700000000", NonAscii::Escape);
        assert_eq!(
            s,
            r#"{"content":null,"path":"/accounts","query":"timestamp=1700000000"}"#
        );
        assert_eq!(
            hmac_base64(b"consumer_key", s.as_bytes()),
            "3VkE1AkN6sr1yxWbl8JA7v9O9MFXfMFDVgzhC9GhptU="
        );
    }

    #[test]
    fn protocol_vector_register_user() {
        let body = json!({"userId": "snaptrade-user-123"});
        let s = signing_string(
            Some(&body),
            "/snapTrade/registerUser",
            "clientId=YOUR_CLIENT_ID&timestamp=1715123456",
            NonAscii::Escape,
        );
        assert_eq!(
            s,
            r#"{"content":{"userId":"snaptrade-user-123"},"path":"/snapTrade/registerUser","query":"clientId=YOUR_CLIENT_ID&timestamp=1715123456"}"#
        );
        assert_eq!(
            hmac_base64(b"YOUR_CONSUMER_KEY", s.as_bytes()),
            "6IAEc8X313K/BLdgULp5Jb4028ib1KGwIQvezzXw+a8="
        );
    }

    #[test]
    fn protocol_vector_login_with_sorted_body_keys() {
        let body = json!({"connectionType": "read", "broker": "ALPACA"});
        let s = signing_string(
            Some(&body),
            "/snapTrade/login",
            "clientId=YOUR_CLIENT_ID&userId=snaptrade-user-123&userSecret=adf2aa34-8219-40f7-a6b3-60156985cc61&timestamp=1715123456",
            NonAscii::Escape,
        );
        assert_eq!(
            hmac_base64(b"YOUR_CONSUMER_KEY", s.as_bytes()),
            "ASsZbGNWhQBcR73G6huqJfEOGLj2oTyIcpd1szF4v7I="
        );
    }

    #[test]
    fn empty_object_body_signs_as_null() {
        let empty = json!({});
        assert_eq!(
            signing_string(Some(&empty), "/a", "q=1", NonAscii::Escape),
            signing_string(None, "/a", "q=1", NonAscii::Escape)
        );
    }

    #[test]
    fn non_ascii_escaping_matches_python_and_raw_matches_javascript() {
        let v = json!({"b": "caf\u{e9} \u{1F600}\u{7f}", "a": "\"\\\n\u{1}"});
        assert_eq!(
            canonical_json(&v, NonAscii::Escape),
            r#"{"a":"\"\\\n\u0001","b":"caf\u00e9 \ud83d\ude00\u007f"}"#
        );
        assert_eq!(
            canonical_json(&v, NonAscii::Raw),
            "{\"a\":\"\\\"\\\\\\n\\u0001\",\"b\":\"caf\u{e9} \u{1F600}\u{7f}\"}"
        );
    }

    #[test]
    fn nested_keys_are_sorted_at_every_level() {
        let v = json!({"z": {"b": 1, "a": [ {"d": true, "c": null} ]}, "y": 2.5});
        assert_eq!(
            canonical_json(&v, NonAscii::Escape),
            r#"{"y":2.5,"z":{"a":[{"c":null,"d":true}],"b":1}}"#
        );
    }

    /// Found by the `canonical` fuzz target: a float must print back to the value it came from
    /// (serde_json's correctly rounded parsing, `float_roundtrip`).
    #[test]
    fn large_numbers_survive_canonicalisation() {
        let value: Value = serde_json::from_str("155555545215155455115545215155455").unwrap();
        let again: Value = serde_json::from_str(&canonical_json(&value, NonAscii::Escape)).unwrap();
        assert_eq!(again, value);
    }

    #[test]
    fn constant_time_eq_compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
