//! The signature canonicaliser (both non-ASCII forms must stay valid JSON of the same value)
//! and webhook verification on arbitrary bodies and headers.
#![no_main]
use brokerlink::signing::{canonical_json, signing_string, NonAscii};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        for form in [NonAscii::Escape, NonAscii::Raw] {
            let text = canonical_json(&value, form);
            let back: serde_json::Value = serde_json::from_str(&text).expect("canonical JSON parses");
            assert_eq!(back, value, "canonical JSON keeps the value");
            if form == NonAscii::Escape {
                assert!(text.is_ascii(), "escaped form is ASCII");
            }
        }
        let _ = signing_string(Some(&value), "/p", "q=1", NonAscii::Escape);
    }
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (head, body) = data.split_at(split);
    let header = String::from_utf8_lossy(head);
    let headers = [
        ("webhook-id", "msg"),
        ("webhook-timestamp", "1767225600"),
        ("webhook-signature", header.as_ref()),
        ("signature", header.as_ref()),
        ("x-finatic-signature", header.as_ref()),
    ];
    let secrets = [brokerlink::Secret::new("whsec_c2VjcmV0"), brokerlink::Secret::new("key")];
    let _ = brokerlink::verify_webhook(body, headers, &secrets, &brokerlink::WebhookOptions::default());
});
