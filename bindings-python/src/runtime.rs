//! How Python waits for the core: the blocking `Client` drives each call on the calling thread
//! (`brokerlink::blocking`, GIL released); `AsyncClient` and `Sandbox` share the module's one
//! multi-thread tokio runtime, an asyncio awaitable bridging each call.
//!
//! Why the process-id check: `os.fork()` copies the runtime's memory into the child but none of
//! its worker threads (fork keeps only the calling thread). Work spawned on that copy would
//! never run, so every call in the child would hang. Each access therefore compares the current
//! process id with the one that built the runtime and, in a forked child, builds a fresh one.
//! The parent's copy is leaked on purpose: dropping it would wait for threads that do not exist
//! in the child. The core does the same for each client's connection pools (`Transport`).

use crate::error::{self, Reply};
use futures_util::FutureExt;
use pyo3::prelude::*;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::time::Duration;
use tokio::runtime::{Builder, Handle, Runtime};

/// How often a blocking call wakes up to let Python handle signals (Ctrl-C).
const SIGNAL_CHECK_INTERVAL: Duration = Duration::from_millis(100);
/// How long interpreter exit waits for in-flight work before abandoning it.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);

struct Owned {
    pid: u32,
    runtime: Runtime,
}

static RUNTIME: Mutex<Option<Owned>> = Mutex::new(None);

fn build() -> std::io::Result<Runtime> {
    Builder::new_multi_thread()
        .enable_all()
        .thread_name("brokerlink-rt")
        .build()
}

/// A handle to this process's runtime, built on first use (and again in a forked child, or
/// after `shutdown`).
pub fn handle() -> std::io::Result<Handle> {
    // Poisoning cannot leave the slot half-written: it is only ever replaced whole.
    let mut slot = RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let pid = std::process::id();
    if let Some(owned) = slot.as_ref() {
        if owned.pid == pid {
            return Ok(owned.runtime.handle().clone());
        }
    }
    let runtime = build()?;
    let handle = runtime.handle().clone();
    if let Some(stale) = slot.replace(Owned { pid, runtime }) {
        // A forked child's copy of the parent's runtime: see the module comment.
        std::mem::forget(stale);
    }
    Ok(handle)
}

/// The process id the runtime (and so every pool) belongs to.
pub fn current_pid() -> u32 {
    std::process::id()
}

/// Stops the runtime at interpreter exit (registered with `atexit` by `brokerlink/__init__.py`),
/// so that no worker thread touches Python while it finalizes. Waits up to two seconds.
#[pyfunction]
pub fn _shutdown(py: Python<'_>) {
    let taken = {
        let mut slot = RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        slot.take()
    };
    if let Some(owned) = taken {
        if owned.pid == std::process::id() {
            // Blocking tasks may be waiting to attach to Python: let them, while we wait.
            py.detach(move || owned.runtime.shutdown_timeout(SHUTDOWN_TIMEOUT));
        } else {
            std::mem::forget(owned);
        }
    }
}

/// Runs `fut` on the calling thread with the GIL released (`brokerlink::blocking`: no hand-off
/// to a runtime thread and back), waking every 100 ms to let Python raise `KeyboardInterrupt`
/// (which cancels the call). Panics become `InternalError`.
pub fn block_on<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = brokerlink::Result<T>> + Send,
    T: for<'a> IntoPyObject<'a> + Send,
{
    let outcome = py.detach(|| {
        brokerlink::blocking::block_on_interruptible(caught(fut), SIGNAL_CHECK_INTERVAL, || {
            Python::attach(|py| py.check_signals())
        })
    });
    match outcome {
        Ok(Ok(result)) => Reply(result).into_pyobject(py),
        Ok(Err(interrupt)) => Err(interrupt),
        Err(unavailable) => Err(error::to_pyerr(py, unavailable)),
    }
}

/// Runs `fut` on the runtime as an asyncio awaitable of the running loop (`awaitable.rs`).
/// Panics become `InternalError`.
pub fn spawn_async<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = brokerlink::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let handle = handle().map_err(|e| error::to_pyerr(py, error::no_runtime(e)))?;
    crate::awaitable::spawn(py, handle, fut)
}

/// `fut`, with a panic inside it turned into an `internal` error.
pub(crate) async fn caught<F, T>(fut: F) -> brokerlink::Result<T>
where
    F: Future<Output = brokerlink::Result<T>>,
{
    AssertUnwindSafe(fut)
        .catch_unwind()
        .await
        .unwrap_or_else(|payload| Err(error::from_panic(payload.as_ref())))
}
