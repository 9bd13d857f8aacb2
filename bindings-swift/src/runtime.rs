//! The one tokio runtime of the library, shared by every `Client` and `Sandbox`, and how an
//! exported `async fn` uses it.
//!
//! Each call's future is spawned on this multi-thread runtime and the exported function awaits
//! its `JoinHandle`: Swift's `async` / Kotlin's `suspend` machinery (uniffi's foreign-future
//! polling) only ever polls that handle, so the HTTP work, the sandbox's server tasks and
//! their timers all run on tokio's own threads whatever thread or dispatcher the caller is on.
//! A panic inside a call ends its task, which tokio reports as a panicked `JoinError`: it
//! becomes the `internal` error. A cancelled Swift task or Kotlin coroutine drops the handle,
//! which aborts the call.

use crate::error::{from_panic, guard, BrokerlinkError, Result};
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::JoinHandle;

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// A handle to the runtime, built on first use.
pub fn handle() -> brokerlink::Result<Handle> {
    let built = RUNTIME.get_or_init(|| {
        Builder::new_multi_thread()
            .enable_all()
            .thread_name("brokerlink-rt")
            .build()
            .map_err(|e| e.to_string())
    });
    match built {
        Ok(runtime) => Ok(runtime.handle().clone()),
        Err(e) => Err(brokerlink::Error::internal(format!(
            "could not start brokerlink's tokio runtime: {e}"
        ))),
    }
}

/// Runs a synchronous entry point inside the runtime's context (for calls that may spawn or
/// build a client), with panics caught.
pub fn enter<T>(f: impl FnOnce() -> brokerlink::Result<T>) -> Result<T> {
    guard(|| {
        let handle = handle()?;
        let _inside = handle.enter();
        f()
    })
}

/// A task that is aborted when whoever awaits it goes away.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> Future for AbortOnDrop<T> {
    type Output = std::result::Result<T, tokio::task::JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// Runs `fut` on the runtime and waits for it; panics become `internal`.
pub async fn run<F, T>(fut: F) -> Result<T>
where
    F: Future<Output = brokerlink::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let task = AbortOnDrop(handle()?.spawn(fut));
    match task.await {
        Ok(result) => result.map_err(BrokerlinkError::from),
        Err(e) if e.is_panic() => Err(from_panic(&*e.into_panic()).into()),
        Err(_) => Err(brokerlink::Error::internal("the call was cancelled before it finished").into()),
    }
}

#[cfg(any(debug_assertions, feature = "test-hooks"))]
const HOOKS: bool = true;
#[cfg(not(any(debug_assertions, feature = "test-hooks")))]
const HOOKS: bool = false;

fn no_hooks() -> brokerlink::Error {
    brokerlink::Error::invalid_input(
        "force_panic",
        "test hooks are compiled into debug builds (or with the test-hooks feature) only",
    )
}

/// Test hook: panics inside a synchronous entry point, to prove the panic surfaces as the
/// `internal` error. Debug builds (and the `test-hooks` feature) only; otherwise it fails
/// with `invalid_input` without panicking.
#[uniffi::export]
pub fn force_panic() -> Result<()> {
    guard(|| {
        if HOOKS {
            panic!("forced panic at the boundary (test hook)");
        }
        Err(no_hooks())
    })
}

/// Test hook: panics inside an async call's task; see `force_panic`.
#[uniffi::export]
pub async fn force_panic_async() -> Result<()> {
    run(async {
        if HOOKS {
            panic!("forced panic in the runtime (test hook)");
        }
        Err(no_hooks())
    })
    .await
}
