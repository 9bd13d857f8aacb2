//! asyncio awaitables for core futures, settled in batches on the event loop's own thread.
//!
//! Why not settle each future from the runtime thread (as pyo3-async-runtimes does): that
//! thread must take the GIL for every finished call — waiting up to the interpreter's switch
//! interval (5 ms) while the loop runs Python, with the runtime thread stalled meanwhile — and
//! then wake the loop with `call_soon_threadsafe`. Here a finished call only queues its result
//! and, unless the loop was already woken, writes one byte to a socket the loop watches
//! (`add_reader`); the loop then settles every queued call in one callback, converting the
//! results to Python objects there. No runtime thread ever waits for the GIL.
//!
//! A loop that cannot watch sockets (Windows' proactor) or cannot be weakly referenced gets
//! the classic path: one `call_soon_threadsafe` per call, from the runtime thread.

use crate::error::{guard, Reply};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use tokio::task::AbortHandle;

/// Turns a finished call's result into the future's value (or exception), with the GIL held.
type Settle = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;

struct Finished {
    future: Py<PyAny>,
    settle: Settle,
}

/// How a finished call gets the loop's attention.
enum Wake {
    /// One byte on a socket pair whose reading end the loop watches.
    #[cfg(unix)]
    Socket {
        writer: std::os::unix::net::UnixStream,
        reader: std::os::unix::net::UnixStream,
    },
    /// `loop.call_soon_threadsafe(drain)` from the runtime thread, GIL taken.
    CallSoon { event_loop: Py<PyAny> },
}

/// The calls of one event loop that finished but are not settled yet.
#[pyclass(frozen, module = "brokerlink._native")]
pub struct Completions {
    finished: Mutex<Vec<Finished>>,
    /// Set when the loop has been woken and has not drained yet: one wake per batch.
    woken: AtomicBool,
    wake: Wake,
}

impl std::fmt::Debug for Completions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let waiting = self.finished.lock().map_or(0, |queue| queue.len());
        f.debug_struct("Completions")
            .field("waiting", &waiting)
            .finish_non_exhaustive()
    }
}

/// Queues a finished call; wakes the loop unless it is already woken.
fn push(completions: &Py<Completions>, done: Finished) {
    let me = completions.get();
    me.finished.lock().unwrap_or_else(|p| p.into_inner()).push(done);
    // The drain clears the flag before it takes the queue (under the same lock), so either
    // this call's result is taken by a drain already running or this swap sees `false`.
    if me.woken.swap(true, Ordering::SeqCst) {
        return;
    }
    match &me.wake {
        #[cfg(unix)]
        Wake::Socket { writer, .. } => {
            use std::io::Write;
            // Fails only once the loop is gone, and its calls with it.
            let _ = (&*writer).write(&[1]);
        }
        Wake::CallSoon { event_loop } => Python::attach(|py| {
            // Fails only on a closed loop, which nobody awaits any more.
            let _ = completions
                .getattr(py, "_drain")
                .and_then(|drain| event_loop.call_method1(py, "call_soon_threadsafe", (drain,)));
        }),
    }
}

#[pymethods]
impl Completions {
    /// Settles every finished call (run by the loop; the name is not API).
    fn _drain(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            #[cfg(unix)]
            if let Wake::Socket { reader, .. } = &self.wake {
                use std::io::Read;
                let mut bytes = [0u8; 64];
                while matches!((&*reader).read(&mut bytes), Ok(n) if n > 0) {}
            }
            // Cleared before taking the queue, so a call finishing from here on wakes again.
            self.woken.store(false, Ordering::SeqCst);
            let finished = std::mem::take(&mut *self.finished.lock().unwrap_or_else(|p| p.into_inner()));
            for Finished { future, settle } in finished {
                // One future's trouble must not strand the others of the batch.
                let future = future.bind(py);
                if let Err(unexpected) = settle_one(future, settle) {
                    unexpected.write_unraisable(py, Some(future));
                }
            }
            Ok(())
        })
    }
}

/// Gives a finished call's result to its future, unless the future was cancelled meanwhile.
fn settle_one(future: &Bound<'_, PyAny>, settle: Settle) -> PyResult<()> {
    if future.call_method0("cancelled")?.is_truthy()? {
        return Ok(());
    }
    let settled = match settle(future.py()) {
        Ok(value) => future.call_method1("set_result", (value,)),
        Err(raised) => future.call_method1("set_exception", (raised.into_value(future.py()),)),
    };
    settled.map(drop)
}

/// Runs `fut` on the runtime as an asyncio future of the running loop.
pub fn spawn<'py, F, T>(py: Python<'py>, handle: tokio::runtime::Handle, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = brokerlink::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    static GET_RUNNING_LOOP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let event_loop = GET_RUNNING_LOOP.import(py, "asyncio", "get_running_loop")?.call0()?;
    let completions = completions_for(&event_loop)?;
    let future = event_loop.call_method0("create_future")?;
    let waiting = future.clone().unbind();
    let task = handle.spawn(async move {
        let result = crate::runtime::caught(fut).await;
        let settle: Settle = Box::new(move |py| Reply(result).into_pyobject(py).map(Bound::unbind));
        push(
            &completions,
            Finished {
                future: waiting,
                settle,
            },
        );
    });
    future.call_method1("add_done_callback", (CancelOnDone(task.abort_handle()),))?;
    Ok(future)
}

/// A done-callback: cancelling the awaitable cancels the request (or a long
/// `wait_for_connection`) instead of letting it run on unseen.
#[pyclass(frozen, module = "brokerlink._native")]
#[derive(Debug)]
struct CancelOnDone(AbortHandle);

#[pymethods]
impl CancelOnDone {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.0.abort();
        }
        Ok(())
    }
}

/// The loop's completions, made (and watched) on its first call.
fn completions_for(event_loop: &Bound<'_, PyAny>) -> PyResult<Py<Completions>> {
    let py = event_loop.py();
    let registry = registry(py)?;
    if let Ok(found) = registry.call_method1("get", (event_loop,)) {
        if let Ok(known) = found.cast_into::<Completions>() {
            return Ok(known.unbind());
        }
    }
    #[cfg(unix)]
    if let Some(watched) = watched_completions(event_loop, &registry) {
        return Ok(watched);
    }
    Py::new(
        py,
        Completions {
            finished: Mutex::default(),
            woken: AtomicBool::new(false),
            wake: Wake::CallSoon {
                event_loop: event_loop.clone().unbind(),
            },
        },
    )
}

/// The module's one `WeakKeyDictionary` of loops (so a loop's completions go with it).
fn registry(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static REGISTRY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    REGISTRY
        .get_or_try_init(py, || {
            let class = py.import("weakref")?.getattr("WeakKeyDictionary")?;
            class.call0().map(Bound::unbind)
        })
        .map(|r| r.bind(py).clone())
}

#[cfg(unix)]
fn watched_completions(event_loop: &Bound<'_, PyAny>, registry: &Bound<'_, PyAny>) -> Option<Py<Completions>> {
    use std::os::fd::AsRawFd;
    let py = event_loop.py();
    let (writer, reader) = std::os::unix::net::UnixStream::pair().ok()?;
    writer.set_nonblocking(true).ok()?;
    reader.set_nonblocking(true).ok()?;
    let fd = reader.as_raw_fd();
    let completions = Py::new(
        py,
        Completions {
            finished: Mutex::default(),
            woken: AtomicBool::new(false),
            wake: Wake::Socket { writer, reader },
        },
    )
    .ok()?;
    let drain = completions.getattr(py, "_drain").ok()?;
    // Not weakly referable (no entry, so it would be watched again per call): the classic path.
    registry.set_item(event_loop, &completions).ok()?;
    if event_loop.call_method1("add_reader", (fd, drain)).is_err() {
        let _ = registry.del_item(event_loop);
        return None;
    }
    Some(completions)
}
