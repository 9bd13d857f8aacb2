//! The sandbox's request parsing: signature verification over path, raw query and body,
//! query and login-option parsing, fault rules, and face dispatch.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\n');
    let path = parts.next().unwrap_or_default();
    let query = parts.next().unwrap_or_default();
    let signature = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    brokerlink_sandbox::fuzzing::request(path, query, body.as_bytes(), signature);
});
