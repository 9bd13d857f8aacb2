//! `uniffi-bindgen`: generates the Swift and Kotlin sources of `brokerlink-ffi` from the built
//! library (`generate --library`); `bindings-swift/generate.sh` runs it.

fn main() {
    uniffi::uniffi_bindgen_main()
}
