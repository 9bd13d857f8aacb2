//! Every response decoder of both providers, and their error decoders.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data.split_first() {
        Some((first, rest)) => (200 + u16::from(*first) % 400, rest),
        None => (200, data),
    };
    brokerlink::fuzzing::responses(status, body);
});
