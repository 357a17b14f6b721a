//! Locking that survives a poisoned mutex, for state shared by the tracking threads.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, recovering the data of a poisoned lock: tracking state stays usable after a
/// panic elsewhere, and tracking itself never panics on it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
