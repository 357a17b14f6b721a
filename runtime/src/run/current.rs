//! The current run: the stack of runs started and not ended, the thread's cached copy of its
//! top, and the one-time warnings of logging calls made without a run.

use super::names::Names;
use super::Run;
use crate::error::Error;
use crate::util::lock;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// Per-thread state of the hot path: the current run (checked against a generation counter)
/// and the ids of the names this thread has logged to a run.
pub(super) struct Local {
    generation: u64,
    pub(super) current: Option<Run>,
    pub(super) names: Names,
}

thread_local! {
    pub(super) static LOCAL: RefCell<Local> = const {
        RefCell::new(Local {
            generation: 0,
            current: None,
            names: Names::new(),
        })
    };
}

/// Whether a run is current: the only thing a logging call reads when tracking is off.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Bumped whenever the current run changes, so threads refresh their cached run.
static GENERATION: AtomicU64 = AtomicU64::new(1);
/// Runs started and not ended; the last one is current.
static STACK: Mutex<Vec<Run>> = Mutex::new(Vec::new());
/// Set once anything called `init`, so calls before it warn but calls in no-op mode don't.
pub(super) static INITIALISED: AtomicBool = AtomicBool::new(false);
static WARNED_INACTIVE: AtomicBool = AtomicBool::new(false);
/// Set when a tracking (not no-op) run ended: later calls without a run then warn once too.
pub(super) static HAD_RUN: AtomicBool = AtomicBool::new(false);

pub(super) fn set_stack(f: impl FnOnce(&mut Vec<Run>)) {
    let mut stack = lock(&STACK);
    f(&mut stack);
    ACTIVE.store(!stack.is_empty(), Ordering::Release);
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// A logging call without a current run: nothing (two loads), after one warning when `init`
/// was never called or the last run already ended.
#[inline]
pub(crate) fn inactive() -> Result<(), Error> {
    if !WARNED_INACTIVE.load(Ordering::Relaxed)
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
                "polytrack: a logging function was called after the run ended (its guard was \
                 dropped or end() was called); nothing is tracked until a new run starts"
            );
        } else {
            log::warn!(
                "polytrack: a logging function was called before polytrack::init(); nothing \
                 is tracked until a run is initialised"
            );
        }
    }
}

/// The current run, if any: one atomic load when there is none.
pub fn current() -> Option<Run> {
    if !ACTIVE.load(Ordering::Acquire) {
        return None;
    }
    lock(&STACK).last().cloned()
}

/// Whether a run is current (one atomic load).
#[inline]
pub fn is_active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Runs `f` with the current run, from the thread's cache when nothing changed.
///
/// Always inlined: with tracking off, a logging call is the load of `ACTIVE` and nothing else;
/// the uncached path is kept out of line so the cached one stays small.
#[inline(always)]
pub(super) fn with_current(
    f: impl FnOnce(&Run, &mut Names) -> Result<(), Error>,
) -> Result<(), Error> {
    if !ACTIVE.load(Ordering::Relaxed) {
        return inactive();
    }
    let mut f = Some(f);
    let cached = LOCAL.try_with(|cell| {
        let mut local = cell.try_borrow_mut().ok()?;
        let generation = GENERATION.load(Ordering::Acquire);
        if local.generation != generation {
            local.current = current();
            local.generation = generation;
        }
        // Borrowed, not cloned: no reference count is touched on the hot path.
        let Local { current, names, .. } = &mut *local;
        Some(match current {
            Some(run) => (f.take()?)(run, names),
            None => inactive(),
        })
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
    f: Option<impl FnOnce(&Run, &mut Names) -> Result<(), Error>>,
) -> Result<(), Error> {
    match (f, current()) {
        (Some(f), Some(run)) => f(&run, &mut Names::default()),
        (Some(_), None) => inactive(),
        (None, _) => Ok(()),
    }
}
