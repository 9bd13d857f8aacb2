//! The portal result parser: redirect URLs, query strings, window messages in every form.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(result) = brokerlink::parse_portal_result(&text) {
        // A parsed result always has something to say.
        let _ = format!("{result:?}");
    }
});
