//! The one mapping from brokerlink's `Error` to JavaScript, and the two bridges every call
//! takes: `sync` for calls that return at once, `promise` for async ones. Both catch panics,
//! so none crosses into JavaScript: a panic becomes an `internal` error.
//!
//! The JavaScript error is built here, on the JavaScript thread, with `code` set to the stable
//! kind of docs/design.md §4 and every structured field set as a property; `index.js` re-throws it as
//! a `BrokerlinkError` (the class lives in JavaScript so that `instanceof` works).

use brokerlink::ErrorKind;
use futures_util::FutureExt;
use napi::bindgen_prelude::{Null, Object, PromiseRaw, ToNapiValue};
use napi::{Env, JsValue, Status};
use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The stable kind strings, for `index.js` to recognise the errors built here.
#[napi_derive::napi(js_name = "__errorKinds", skip_typescript)]
pub fn error_kinds() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|kind| kind.as_str()).collect()
}

/// A JavaScript `Error` carrying the kind and the structured fields of `err`, returned as the
/// `napi::Error` that throws (or rejects with) exactly that object.
pub(crate) fn to_js(env: &Env, err: &brokerlink::Error) -> napi::Error {
    match build(env, err) {
        Ok(object) => napi::Error::from(object.to_unknown()),
        // Creating the object failed (the environment is shutting down): keep the kind as the
        // error's code at least.
        Err(_) => napi::Error::new(Status::GenericFailure, err.to_string()),
    }
}

fn build<'env>(env: &'env Env, err: &brokerlink::Error) -> napi::Result<Object<'env>> {
    let mut object = env.create_error(napi::Error::new(Status::GenericFailure, err.to_string()))?;
    object.set("code", err.kind().as_str())?;
    object.set("field", nullable(err.field()))?;
    object.set("status", nullable(err.status().map(u32::from)))?;
    object.set("requestId", nullable(err.request_id()))?;
    // Milliseconds, as every Node duration (docs/conventions.md).
    object.set(
        "retryAfterMs",
        nullable(err.retry_after().map(|d| d.as_secs_f64() * 1000.0)),
    )?;
    object.set("attempts", err.attempts())?;
    object.set("providerCode", nullable(err.provider_code()))?;
    object.set("providerCategory", nullable(err.provider_category()))?;
    object.set("reason", nullable(err.reason()))?;
    Ok(object)
}

/// `null` rather than `undefined` for an absent field, so every error has the same shape.
fn nullable<T: ToNapiValue>(value: Option<T>) -> napi::Either<T, Null> {
    match value {
        Some(v) => napi::Either::A(v),
        None => napi::Either::B(Null),
    }
}

/// A caught panic as the `internal` error of docs/design.md §4.
pub(crate) fn from_panic(payload: Box<dyn Any + Send>) -> brokerlink::Error {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    brokerlink::Error::new(
        ErrorKind::Internal,
        format!("brokerlink panicked (a bug, please report it): {detail}"),
    )
}

/// Runs a call that answers at once; its error (or panic) is thrown as the mapped error.
pub(crate) fn sync<T>(env: &Env, call: impl FnOnce() -> brokerlink::Result<T>) -> napi::Result<T> {
    catch_unwind(AssertUnwindSafe(call))
        .unwrap_or_else(|payload| Err(from_panic(payload)))
        .map_err(|e| to_js(env, &e))
}

/// Runs `future` on the shared tokio runtime and returns its Promise. `convert` turns the
/// result into JavaScript on the JavaScript thread; errors and panics reject with the mapped
/// error.
pub(crate) fn promise<'env, T, V, F, C>(env: &'env Env, future: F, convert: C) -> napi::Result<PromiseRaw<'env, V>>
where
    T: Send + 'static,
    V: ToNapiValue,
    F: Future<Output = brokerlink::Result<T>> + Send + 'static,
    C: FnOnce(&'env Env, T) -> napi::Result<V> + 'static,
{
    let guarded = async move {
        let outcome = AssertUnwindSafe(future)
            .catch_unwind()
            .await
            .unwrap_or_else(|payload| Err(from_panic(payload)));
        Ok::<_, napi::Error>(outcome)
    };
    env.spawn_future_with_callback(guarded, move |env, outcome| {
        let converted = catch_unwind(AssertUnwindSafe(|| outcome.map(|value| convert(env, value))))
            .unwrap_or_else(|payload| Err(from_panic(payload)));
        match converted {
            Ok(result) => result,
            Err(e) => Err(to_js(env, &e)),
        }
    })
}
