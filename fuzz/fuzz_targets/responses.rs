//! Every response decoder of both providers, and their error decoders, with fuzzed headers.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, rest) = match data.split_first() {
        Some((first, rest)) => (200 + u16::from(*first) % 400, rest),
        None => (200, data),
    };
    // Up to the first newline: the header value; the rest: the body.
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(0);
    let header = String::from_utf8_lossy(&rest[..split]);
    brokerlink::fuzzing::responses(status, &header, &rest[split..]);
});
