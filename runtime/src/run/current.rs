//! The current run: which run a module-level call reaches.
//!
//! Each thread has a stack of *entered* runs: a `#[track_run]` body enters its run on its own
//! thread while it runs (an `async fn` on every poll of its future), and [`Run::enter`] does
//! the same by hand. The innermost entered run of the calling thread is its current run;
//! a thread with none reaches the *process's* run, the last one [`init`](super::init) started
//! and not ended. A logging call thus costs one atomic load when no run is live anywhere, and
//! one thread-local access when one is.

use super::names::Names;
use super::rings::Rings;
use super::Run;
use crate::error::Error;
use crate::lock::lock;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Per-thread state: the runs entered on this thread, and the hot path's cache.
///
/// Two cells, so that a logging call re-entered from inside another (a logger that logs
/// metrics, say) still sees the thread's entered runs while the cache is borrowed.
pub(super) struct Local {
    /// Entered runs, innermost last.
    entered: RefCell<Vec<Run>>,
    pub(super) cache: RefCell<Cache>,
}

/// The process's run as this thread last saw it (checked against [`GENERATION`]), and what
/// the thread keeps to log metrics.
pub(super) struct Cache {
    generation: u64,
    process: Option<Run>,
    pub(super) local: ThreadCache,
}

/// What a thread keeps to log metrics fast: the ids of the names it logged to a run, and its
/// rings to the runs' writers (`run/rings.rs`).
pub(super) struct ThreadCache {
    pub(super) names: Names,
    pub(super) rings: Rings,
}

impl ThreadCache {
    pub(super) const fn new() -> ThreadCache {
        ThreadCache {
            names: Names::new(),
            rings: Rings::new(),
        }
    }

    /// For a call without the thread's locals: nothing cached, and no ring (the values take
    /// the run's queue).
    pub(super) fn uncached() -> ThreadCache {
        ThreadCache {
            names: Names::default(),
            rings: Rings::off(),
        }
    }
}

thread_local! {
    pub(super) static LOCAL: Local = const {
        Local {
            entered: RefCell::new(Vec::new()),
            cache: RefCell::new(Cache {
                generation: 0,
                process: None,
                local: ThreadCache::new(),
            }),
        }
    };
}

/// Runs started and not ended, anywhere: the only thing a logging call reads when none is.
pub(super) static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Bumped whenever the process's run changes, so threads refresh their cached copy.
static GENERATION: AtomicU64 = AtomicU64::new(1);
/// The process's runs (those `init` started) not ended; the last one is current.
static STACK: Mutex<Vec<Run>> = Mutex::new(Vec::new());
/// Set once anything called `init`, so calls before it warn but calls in no-op mode don't.
pub(super) static INITIALISED: AtomicBool = AtomicBool::new(false);
static WARNED_INACTIVE: AtomicBool = AtomicBool::new(false);
static WARNED_NO_RUN_HERE: AtomicBool = AtomicBool::new(false);
/// Set when a tracking (not no-op) run ended: later calls without a run then warn once too.
pub(super) static HAD_RUN: AtomicBool = AtomicBool::new(false);

pub(super) fn set_stack(f: impl FnOnce(&mut Vec<Run>)) {
    let mut stack = lock(&STACK);
    f(&mut stack);
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// A logging call without a current run: nothing, after one warning when `init` was never
/// called, the last run already ended, or runs are live on other threads only.
#[inline]
pub(crate) fn inactive() -> Result<(), Error> {
    if LIVE.load(Ordering::Relaxed) > 0 {
        if !WARNED_NO_RUN_HERE.load(Ordering::Relaxed) {
            warn_no_run_here();
        }
    } else if !WARNED_INACTIVE.load(Ordering::Relaxed)
        && (!INITIALISED.load(Ordering::Relaxed) || HAD_RUN.load(Ordering::Relaxed))
    {
        warn_inactive();
    }
    Ok(())
}

#[cold]
fn warn_inactive() {
    if !WARNED_INACTIVE.swap(true, Ordering::Relaxed) {
        if HAD_RUN.load(Ordering::Relaxed) {
            log::warn!(
                target: "polytrack",
                "a logging function was called after the run ended (its guard was dropped or \
                 end() was called); nothing is tracked until a new run starts"
            );
        } else {
            log::warn!(
                target: "polytrack",
                "a logging function was called before polytrack::init(); nothing is tracked \
                 until a run is initialised"
            );
        }
    }
}

#[cold]
fn warn_no_run_here() {
    if !WARNED_NO_RUN_HERE.swap(true, Ordering::Relaxed) {
        log::warn!(
            target: "polytrack",
            "a logging function was called on a thread that has no run of its own, while \
             runs are active on other threads: nothing is tracked for it (each #[track_run] \
             is the current run of its own thread or task only); carry the run into the \
             thread with `let _entered = run.enter();` or into a future with \
             `run.instrument(future)`, `run` being `polytrack::current()` taken in the \
             tracked function"
        );
    }
}

/// The process's run: the last one `init` started and not ended.
fn process_run() -> Option<Run> {
    lock(&STACK).last().cloned()
}

/// The calling thread's current run: the innermost run entered on this thread (a
/// `#[track_run]` body, a future it polls, or [`Run::enter`]), else the process's run, the
/// last one [`init`](super::init) started and not ended. One atomic load when no run is live.
///
/// A handle to carry a run into threads the tracked function spawns:
///
/// ```
/// let recorder = polytrack::testing::Recorder::install(); // records the next run in memory
///
/// #[polytrack::track_run]
/// fn train() {
///     let run = polytrack::current().expect("inside #[track_run]");
///     std::thread::scope(|s| {
///         s.spawn(|| {
///             let _entered = run.enter(); // this thread logs to `train`'s run
///             polytrack::log_metric("loader/batches", 128).ok();
///         });
///     });
/// }
/// train();
/// assert_eq!(recorder.metric("loader__batches"), vec![(None, 128.0)]);
/// ```
pub fn current() -> Option<Run> {
    if LIVE.load(Ordering::Acquire) == 0 {
        return None;
    }
    innermost_entered().or_else(process_run)
}

fn innermost_entered() -> Option<Run> {
    LOCAL
        .try_with(|local| {
            let entered = local.entered.try_borrow().ok()?;
            entered.last().cloned()
        })
        .ok()
        .flatten()
}

/// The id of the calling thread's current run (see [`current`]), from the thread's cache and
/// without cloning the run: what the logs route reads to pick the run a line belongs to.
pub(crate) fn current_id() -> Option<u64> {
    if LIVE.load(Ordering::Acquire) == 0 {
        return None;
    }
    let id_of = |run: &Run| run.inner.as_ref().map(|shared| shared.id);
    let cached = LOCAL.try_with(|local| {
        let entered = local.entered.try_borrow().ok()?;
        if let Some(run) = entered.last() {
            return Some(id_of(run));
        }
        let mut cache = local.cache.try_borrow_mut().ok()?;
        let now = GENERATION.load(Ordering::Acquire);
        if cache.generation != now {
            cache.process = process_run();
            cache.generation = now;
        }
        Some(cache.process.as_ref().and_then(id_of))
    });
    match cached {
        Ok(Some(id)) => id,
        // Re-entered from inside a logging call, or while the thread ends: the slow way.
        _ => current().and_then(|run| id_of(&run)),
    }
}

/// Whether the calling thread has a current run (see [`current`]); one atomic load when no
/// run is live anywhere.
#[inline]
pub fn is_active() -> bool {
    LIVE.load(Ordering::Relaxed) > 0 && current().is_some()
}

/// Runs `f` with the current run, from the thread's cache when nothing changed.
///
/// Always inlined: with tracking off, a logging call is the load of `LIVE` and nothing else;
/// the uncached path is kept out of line so the cached one stays small.
#[inline(always)]
pub(super) fn with_current(
    f: impl FnOnce(&Run, &mut ThreadCache) -> Result<(), Error>,
) -> Result<(), Error> {
    if LIVE.load(Ordering::Relaxed) == 0 {
        return inactive();
    }
    let mut f = Some(f);
    let cached = LOCAL.try_with(|local| {
        let entered = local.entered.try_borrow().ok()?;
        let mut cache = local.cache.try_borrow_mut().ok()?;
        let Cache {
            generation,
            process,
            local: thread,
        } = &mut *cache;
        // Borrowed, not cloned: no reference count is touched on the hot path.
        let run = match entered.last() {
            Some(run) => run,
            None => {
                let now = GENERATION.load(Ordering::Acquire);
                if *generation != now {
                    *process = process_run();
                    *generation = now;
                }
                match process {
                    Some(run) => run,
                    None => return Some(inactive()),
                }
            }
        };
        Some((f.take()?)(run, thread))
    });
    match cached {
        Ok(Some(result)) => result,
        _ => with_current_uncached(f),
    }
}

/// [`with_current`] without the thread's cache: re-entered from inside a logging call (a
/// logger that logs metrics, say), or called while the thread's locals are being destroyed
/// (from a `Drop`). Same result, slower.
#[cold]
#[inline(never)]
fn with_current_uncached(
    f: Option<impl FnOnce(&Run, &mut ThreadCache) -> Result<(), Error>>,
) -> Result<(), Error> {
    match (f, current()) {
        (Some(f), Some(run)) => f(&run, &mut ThreadCache::uncached()),
        (Some(_), None) => inactive(),
        (None, _) => Ok(()),
    }
}

/// Drops the calling thread's ring to run `run` (see [`Rings::forget`]), when its locals can
/// be reached.
pub(super) fn forget_ring(run: u64) {
    let _ = LOCAL.try_with(|local| {
        if let Ok(mut cache) = local.cache.try_borrow_mut() {
            cache.local.rings.forget(run);
        }
    });
}

/// Makes `run` the calling thread's current run until the guard is dropped.
pub(super) fn enter(run: &Run) -> Entered {
    let pushed = LOCAL
        .try_with(|local| match local.entered.try_borrow_mut() {
            Ok(mut entered) => {
                entered.push(run.clone());
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false);
    if !pushed {
        log::error!(
            target: "polytrack",
            "a run could not be entered on this thread (entered from inside a logging call, \
             or while the thread ends); calls here reach the process's run"
        );
    }
    Entered {
        run: pushed.then(|| run.clone()),
        _not_send: PhantomData,
    }
}

/// The run entered on this thread by [`Run::enter`]: it stays the thread's current run until
/// this guard is dropped (and a run entered later has been left). Not `Send`: a run is
/// entered on one thread; to carry it into another, enter it there.
#[must_use = "the run is left when the guard is dropped"]
pub struct Entered {
    run: Option<Run>,
    _not_send: PhantomData<*const ()>,
}

impl std::fmt::Debug for Entered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Entered").field(&self.run).finish()
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let Some(run) = self.run.take() else {
            return;
        };
        let _ = LOCAL.try_with(|local| {
            if let Ok(mut entered) = local.entered.try_borrow_mut() {
                // Guards dropped out of order leave their own entry, not the innermost one.
                if let Some(i) = entered.iter().rposition(|r| r.same_run(&run)) {
                    entered.remove(i);
                }
            }
        });
    }
}
