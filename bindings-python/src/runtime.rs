//! The one tokio runtime of the module, shared by `Client`, `AsyncClient` and `Sandbox`, and the
//! two ways Python waits on it: blocking with the GIL released, or as an asyncio awaitable.
//!
//! Why the process-id check: `os.fork()` copies the runtime's memory into the child but none of
//! its worker threads (fork keeps only the calling thread). Work spawned on that copy would
//! never run, so every call in the child would hang. Each access therefore compares the current
//! process id with the one that built the runtime and, in a forked child, builds a fresh one.
//! The parent's copy is leaked on purpose: dropping it would wait for threads that do not exist
//! in the child. The same check guards each client's connection pool (see `client.rs`).

use crate::error::{self, Reply};
use futures_util::FutureExt;
use pyo3::prelude::*;
use pyo3_async_runtimes::generic::{ContextExt, Runtime as GenericRuntime};
use pyo3_async_runtimes::TaskLocals;
use std::cell::OnceCell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::mpsc::{self, RecvTimeoutError};
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

/// Runs `fut` on the runtime and waits for it with the GIL released, waking every 100 ms to
/// let Python raise `KeyboardInterrupt` (which cancels the call). Panics become `InternalError`.
pub fn block_on<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = brokerlink::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    let handle = handle().map_err(|e| error::to_pyerr(py, error::no_runtime(e)))?;
    let (tx, rx) = mpsc::sync_channel(1);
    let task = handle.spawn(async move {
        let _ = tx.send(caught(fut).await);
    });
    let mut rx = rx;
    let result = loop {
        // The receiver is moved in and handed back: it is not `Sync`, so it cannot be borrowed.
        let (received, back) = py.detach(move || (rx.recv_timeout(SIGNAL_CHECK_INTERVAL), rx));
        rx = back;
        match received {
            Ok(result) => break result,
            Err(RecvTimeoutError::Timeout) => {
                if let Err(interrupt) = py.check_signals() {
                    task.abort();
                    return Err(interrupt);
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                break Err(brokerlink::Error::internal(
                    "the brokerlink runtime stopped before the call finished",
                ))
            }
        }
    };
    Reply(result).into_pyobject(py)
}

/// Runs `fut` on the runtime as an asyncio awaitable of the running loop. Panics become
/// `InternalError`; errors are turned into exceptions where pyo3-async-runtimes already holds
/// the GIL to resolve the Python future, so no runtime thread waits for it here.
pub fn spawn_async<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = brokerlink::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    handle().map_err(|e| error::to_pyerr(py, error::no_runtime(e)))?;
    pyo3_async_runtimes::generic::future_into_py::<ModuleRuntime, _, _>(py, async move { Ok(Reply(caught(fut).await)) })
}

/// `fut`, with a panic inside it turned into an `internal` error.
async fn caught<F, T>(fut: F) -> brokerlink::Result<T>
where
    F: Future<Output = brokerlink::Result<T>>,
{
    AssertUnwindSafe(fut)
        .catch_unwind()
        .await
        .unwrap_or_else(|payload| Err(error::from_panic(payload.as_ref())))
}

/// pyo3-async-runtimes' view of our runtime: it spawns on whichever runtime this process owns.
pub struct ModuleRuntime;

tokio::task_local! {
    static TASK_LOCALS: OnceCell<TaskLocals>;
}

fn spawn_handle() -> Handle {
    // Only reached right after `spawn_async` obtained a handle, so building cannot fail here
    // short of the OS refusing threads; that panic is caught at the entry point.
    handle().expect("the brokerlink tokio runtime could not start")
}

impl GenericRuntime for ModuleRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        spawn_handle().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        spawn_handle().spawn_blocking(f)
    }
}

impl ContextExt for ModuleRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = OnceCell::new();
        let _ = cell.set(locals);
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS.try_with(|cell| cell.get().cloned()).unwrap_or_default()
    }
}
