//! [`Instrumented`]: a future that enters its run on every poll.

use super::Run;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future that enters its run each time it is polled, on whichever thread polls it, so the
/// run follows the task across a work-stealing executor. Made by [`Run::instrument`]; the
/// expansion of `#[track_run]` on an `async fn` wraps the body in one.
///
/// The future is boxed once when wrapped (so it can be polled without `unsafe` pinning code).
#[must_use = "futures do nothing unless polled"]
pub struct Instrumented<F> {
    run: Run,
    future: Pin<Box<F>>,
}

impl<F> Instrumented<F> {
    pub(super) fn new(run: Run, future: F) -> Instrumented<F> {
        Instrumented {
            run,
            future: Box::pin(future),
        }
    }
}

impl<F> fmt::Debug for Instrumented<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instrumented")
            .field("run", &self.run)
            .finish_non_exhaustive()
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let _entered = this.run.enter();
        this.future.as_mut().poll(cx)
    }
}
