//! Running the async API from synchronous code on the caller's own thread (the Python
//! binding's blocking `Client` is built on this).
//!
//! Why not hand the call to a shared multi-thread runtime and wait for its answer: every call
//! would then cross threads twice (caller → worker to send, worker → caller to answer), and a
//! wake-up of a parked thread costs tens of microseconds on small VMs, more than the rest of
//! the client's work per call. Here each OS thread that blocks gets a current-thread runtime of
//! its own, and every client keeps a connection pool per such thread (`http.rs`): the caller
//! writes the request, waits in `epoll` for the answer and reads it itself, so the only wake-up
//! left is the kernel's when the response arrives.
//!
//! Pools are per thread because a pooled connection is served by a task of the runtime that
//! opened it: another thread's runtime would never poll it while its own thread is idle.
//!
//! Fork: a child process inherits the forking thread's runtime (its `epoll` instance shared
//! with the parent) and its pooled sockets. Each call compares the process id with the one the
//! runtime was built in and, in a child, builds a new runtime; the copy is leaked, not dropped,
//! because dropping it would close what the parent still uses. Every pool remembers the
//! runtime it belongs to (`Driver::generation`), so pools of the old runtime are replaced too.

use crate::error::{Error, Result};
use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::runtime::{Builder, Handle, Runtime};

/// Runs `future` to completion on the calling thread and returns its output.
///
/// For synchronous programs and language bindings: inside async code, `.await` the call
/// instead (calling this from a thread that runs a tokio runtime is an `internal` error rather
/// than a deadlock). The first call on a thread builds that thread's runtime; later calls reuse
/// it and the pooled connections opened on it.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    block_on_interruptible(future, Duration::MAX, || Ok::<(), Infallible>(()))
        .map(|outcome| outcome.unwrap_or_else(|never| match never {}))
}

/// `block_on`, stopping every `check_every` to call `check` (outside the runtime); when `check`
/// fails, the future is dropped (which cancels the request) and its error is returned as
/// `Ok(Err(..))`. The Python binding checks for Ctrl-C this way. `Err(..)` means the call could
/// not run at all (see `block_on`).
pub fn block_on_interruptible<F, E>(
    future: F,
    check_every: Duration,
    mut check: impl FnMut() -> std::result::Result<(), E>,
) -> Result<std::result::Result<F::Output, E>>
where
    F: Future,
{
    if Handle::try_current().is_ok() {
        return Err(Error::internal(
            "a blocking brokerlink call was made on a thread that runs an async runtime: await the call instead",
        ));
    }
    DRIVER.with(|slot| {
        let mut slot = slot
            .try_borrow_mut()
            .map_err(|_| Error::internal("a blocking brokerlink call was made from inside another one"))?;
        let driver = Driver::current(&mut slot)?;
        let _driving = Driving::enter(driver.generation);
        // Entered for the whole call, so that dropping an unfinished future (on interrupt)
        // happens inside the runtime its I/O is registered with.
        let _context = driver.runtime.enter();
        let mut future = pin!(future);
        let mut idle_tasks = driver.was_away() && driver.runtime.metrics().num_alive_tasks() > 0;
        let _back = Returning(driver);
        loop {
            let step = driver.runtime.block_on(async {
                if std::mem::take(&mut idle_tasks) {
                    catch_up().await;
                }
                if check_every == Duration::MAX {
                    Some(future.as_mut().await)
                } else {
                    tokio::time::timeout(check_every, future.as_mut()).await.ok()
                }
            });
            match step {
                Some(output) => return Ok(Ok(output)),
                None => {
                    if let Err(stop) = check() {
                        return Ok(Err(stop));
                    }
                }
            }
        }
    })
}

/// Lets the tasks that sat idle while the thread was away (the pooled connections) handle what
/// happened meanwhile. A connection the server closed is then dropped from the pool rather than
/// handed to this call, where a request written to it would fail as "connection closed before
/// message completed" (and, for a POST, could not be retried). The first yield makes the
/// scheduler poll the I/O driver, which wakes those tasks; the second lets them run.
///
/// Skipped when the thread's previous call returned less than `AWAY` ago, because the yields
/// cost a self-wake and two `epoll_wait`s, as many system calls again as the request itself.
/// The previous call drove every task of this runtime, so only a close that lands in those few
/// milliseconds is missed: the same race every pool has between its check and its write, which
/// a retry covers for idempotent requests.
async fn catch_up() {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
}

/// The generation of the runtime this thread is driving right now, if it is inside
/// `block_on`: the key of the connection pool its requests must use.
pub(crate) fn driving() -> Option<u64> {
    DRIVING.with(Cell::get)
}

/// How long a thread must have been out of `block_on` before a call catches up first.
const AWAY: Duration = Duration::from_millis(10);

/// A thread's runtime and the process it was built in.
struct Driver {
    pid: u32,
    /// Unique across the process's runtimes, so a pool can tell its runtime was replaced.
    generation: u64,
    runtime: Runtime,
    /// When the thread's last call returned.
    returned: Cell<Option<Instant>>,
}

impl Driver {
    /// Whether the runtime sat unpolled for `AWAY` or longer since the last call (or never ran).
    fn was_away(&self) -> bool {
        !matches!(self.returned.get(), Some(at) if at.elapsed() < AWAY)
    }
}

/// Notes when a call returns (also on unwind).
struct Returning<'a>(&'a Driver);

impl Drop for Returning<'_> {
    fn drop(&mut self) {
        self.0.returned.set(Some(Instant::now()));
    }
}

static GENERATIONS: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static DRIVER: RefCell<Option<Driver>> = const { RefCell::new(None) };
    static DRIVING: Cell<Option<u64>> = const { Cell::new(None) };
}

impl Driver {
    /// This thread's runtime, built on first use and again in a forked child.
    fn current(slot: &mut Option<Driver>) -> Result<&Driver> {
        let pid = std::process::id();
        if slot.as_ref().is_some_and(|driver| driver.pid != pid) {
            // Inherited through fork: see the module comment.
            std::mem::forget(slot.take());
        }
        if slot.is_none() {
            let runtime = Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::internal("could not start the runtime for a blocking call").with_source(e))?;
            *slot = Some(Driver {
                pid,
                generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
                runtime,
                returned: Cell::new(None),
            });
        }
        slot.as_ref()
            .ok_or_else(|| Error::internal("the blocking runtime vanished"))
    }
}

/// Marks the thread as driving a runtime until dropped (also on unwind).
struct Driving(Option<u64>);

impl Driving {
    fn enter(generation: u64) -> Self {
        Driving(DRIVING.with(|cell| cell.replace(Some(generation))))
    }
}

impl Drop for Driving {
    fn drop(&mut self) {
        DRIVING.with(|cell| cell.set(self.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_on_the_calling_thread_and_marks_it_while_driving() {
        let caller = std::thread::current().id();
        assert_eq!(driving(), None);
        let (thread, generation) = block_on(async { (std::thread::current().id(), driving()) }).unwrap();
        assert_eq!(thread, caller);
        assert!(generation.is_some());
        assert_eq!(driving(), None, "the mark is cleared after the call");
        let again = block_on(async { driving() }).unwrap();
        assert_eq!(again, generation, "a thread keeps its runtime between calls");
    }

    #[test]
    fn each_thread_has_a_runtime_of_its_own() {
        let here = block_on(async { driving() }).unwrap();
        let there = std::thread::spawn(|| block_on(async { driving() }).unwrap())
            .join()
            .unwrap();
        assert_ne!(here, there);
    }

    #[test]
    fn inside_an_async_runtime_it_refuses_instead_of_deadlocking() {
        let runtime = Builder::new_current_thread().enable_all().build().unwrap();
        let err = runtime.block_on(async { block_on(async {}).unwrap_err() });
        assert_eq!(err.kind(), crate::ErrorKind::Internal);
    }

    #[test]
    fn a_failed_check_drops_the_future_and_returns_its_error() {
        let mut checks = 0;
        let outcome = block_on_interruptible(std::future::pending::<()>(), Duration::from_millis(5), || {
            checks += 1;
            if checks == 3 {
                Err("stop")
            } else {
                Ok(())
            }
        })
        .unwrap();
        assert_eq!(outcome, Err("stop"));
        assert_eq!(checks, 3);
    }

    #[test]
    fn timers_and_checks_work_together() {
        let outcome = block_on_interruptible(
            async {
                tokio::time::sleep(Duration::from_millis(30)).await;
                7
            },
            Duration::from_millis(5),
            || Ok::<(), ()>(()),
        )
        .unwrap();
        assert_eq!(outcome, Ok(7));
    }

    #[test]
    fn a_thread_that_made_calls_exits_cleanly() {
        // The runtime is dropped by the thread's destructors; this must not abort.
        let handle = std::thread::spawn(|| {
            block_on(async {
                tokio::time::sleep(Duration::from_millis(1)).await;
            })
            .unwrap();
        });
        handle.join().unwrap();
    }
}
