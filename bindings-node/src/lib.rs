//! Node.js bindings of brokerlink: the npm package `brokerlink`, built by `@napi-rs/cli`.
//! Registration only; `generated` mirrors the core's types (written by `scripts/bindgen`),
//! `types` and `results` hold what JavaScript's idiom shapes by hand, errors and the async
//! bridge are in `error`.

mod client;
mod error;
mod generated;
mod results;
mod sandbox;
mod types;
mod webhooks;

pub use client::{ActivityPages, Client, FinaticOptions, RetryPolicy, SnapTradeOptions};
#[doc(hidden)]
pub use error::error_kinds;
pub use generated::*;
pub use results::parse_portal_result;
pub use sandbox::{CompletePortalRequest, FaultOptions, NewWebhookRequest, Sandbox, SandboxOptions, SandboxState};
pub use types::{PortalLink, PortalOptions, UserCredentials, WaitOptions};
pub use webhooks::{sign_webhook, verify_webhook, WebhookOptions, WebhookSigner};

/// Hooks the tests use to prove that a panic reaches JavaScript as an `internal` error, never
/// as a crash. Compiled into debug builds (and with the `test-hooks` feature) only, and kept
/// out of `index.d.ts`.
#[cfg(any(debug_assertions, feature = "test-hooks"))]
#[doc(hidden)]
pub mod test_hooks {
    use napi::bindgen_prelude::{PromiseRaw, Undefined};
    use napi::Env;
    use napi_derive::napi;

    #[napi(js_name = "__panicSync", skip_typescript)]
    pub fn panic_sync(env: Env) -> napi::Result<()> {
        crate::error::sync(&env, || panic!("forced by __panicSync"))
    }

    #[napi(js_name = "__panicAsync", skip_typescript)]
    pub fn panic_async(env: &Env) -> napi::Result<PromiseRaw<'_, Undefined>> {
        crate::error::promise(env, async { panic!("forced by __panicAsync") }, |_, ()| Ok(()))
    }
}
