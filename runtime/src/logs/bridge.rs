//! The `log` bridge: records of the `log` facade into the run's logs.

use super::line::is_own_target;
use super::route;
use crate::error::Error;
use log::{LevelFilter, Log, Metadata, Record};

/// A [`log::Log`] logger that writes each record, as `LEVEL target: message`, into the current
/// run's logs (`plxlogs/`), and hands it on to another logger (the program's own, which keeps
/// printing as before) when one is given.
///
/// Records of polytrack itself (target `polytrack...`) and records logged on polytrack's own
/// threads only go to the other logger, never into a run. While no run records logs, a record
/// costs one atomic load more than the other logger alone.
///
/// Python's counterpart is the handler `tracking.init()` attaches to the `logging` module
/// (`traceml/logging/handler.py::LogStreamHandler`).
///
/// ```no_run
/// // Keep env_logger's output and record the same records into the run.
/// # struct EnvLogger; impl log::Log for EnvLogger {
/// #     fn enabled(&self, _: &log::Metadata<'_>) -> bool { true }
/// #     fn log(&self, _: &log::Record<'_>) {} fn flush(&self) {} }
/// polytrack::logs::LogBridge::new()
///     .wrap(EnvLogger)
///     .install()
///     .expect("no other logger was installed");
/// let run = polytrack::init()?;
/// log::info!("epoch 1 done"); // in the run's logs, and printed by the other logger
/// # Ok::<(), polytrack::Error>(())
/// ```
pub struct LogBridge {
    inner: Option<Box<dyn Log>>,
    level: LevelFilter,
}

impl std::fmt::Debug for LogBridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogBridge")
            .field("inner", &self.inner.is_some())
            .field("level", &self.level)
            .finish()
    }
}

impl Default for LogBridge {
    fn default() -> Self {
        Self::new()
    }
}

impl LogBridge {
    /// A bridge recording records at `Info` and above (Python records from `INFO`), with no
    /// other logger.
    pub fn new() -> Self {
        super::note_structured_logging();
        LogBridge {
            inner: None,
            level: LevelFilter::Info,
        }
    }

    /// Hands every record on to `inner` too (env_logger, simplelog, ...), whatever the run
    /// records; `inner.enabled` decides what it prints.
    pub fn wrap(mut self, inner: impl Log + 'static) -> Self {
        self.inner = Some(Box::new(inner));
        self
    }

    /// Records records up to `level` into the run (default `Info`).
    pub fn level(mut self, level: LevelFilter) -> Self {
        self.level = level;
        self
    }

    /// Installs the bridge as the `log` facade's logger, for the rest of the process.
    /// Fails when another logger is already installed.
    pub fn install(self) -> Result<(), Error> {
        let max = if self.inner.is_some() {
            LevelFilter::Trace // the other logger filters by itself
        } else {
            self.level
        };
        log::set_logger(Box::leak(Box::new(self))).map_err(|_| Error::Config {
            var: "log::set_logger".into(),
            value: "a logger is already installed".into(),
            expected: "LogBridge::install called before any other logger is installed; \
                       wrap that logger instead (LogBridge::wrap)"
                .into(),
        })?;
        log::set_max_level(log::max_level().max(max));
        Ok(())
    }

    fn records(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level && !is_own_target(metadata.target())
    }
}

impl Log for LogBridge {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        (route::is_attached() && self.records(metadata))
            || self
                .inner
                .as_ref()
                .is_some_and(|inner| inner.enabled(metadata))
    }

    fn log(&self, record: &Record<'_>) {
        if route::is_attached() && self.records(record.metadata()) {
            route::emit(|| format!("{} {}: {}", record.level(), record.target(), record.args()));
        }
        if let Some(inner) = &self.inner {
            if inner.enabled(record.metadata()) {
                inner.log(record);
            }
        }
    }

    fn flush(&self) {
        if let Some(inner) = &self.inner {
            inner.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::lock;
    use crate::logs::route::tests::{fake, pretend_current, Collect, SERIAL};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[derive(Clone, Default)]
    struct Counting(Arc<AtomicUsize>);
    impl Log for Counting {
        fn enabled(&self, m: &Metadata<'_>) -> bool {
            m.level() <= log::Level::Warn
        }
        fn log(&self, _: &Record<'_>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        fn flush(&self) {}
    }

    fn record<'a>(level: log::Level, target: &'a str, args: std::fmt::Arguments<'a>) -> Record<'a> {
        Record::builder()
            .level(level)
            .target(target)
            .args(args)
            .build()
    }

    #[test]
    fn records_reach_the_run_with_level_and_target_and_the_other_logger_still_prints() {
        let _turn = lock(&SERIAL);
        pretend_current(None); // whatever runs other tests have live
        let inner = Counting::default();
        let bridge = LogBridge::new().wrap(inner.clone());
        let sink = Arc::new(Collect::default());
        assert_eq!(
            route::attach(fake(21), sink.clone(), false).ok(),
            Some(false)
        );
        bridge.log(&record(
            log::Level::Info,
            "train",
            format_args!("epoch {}", 1),
        ));
        bridge.log(&record(
            log::Level::Debug,
            "train",
            format_args!("too verbose"),
        ));
        bridge.log(&record(
            log::Level::Error,
            "polytrack::worker",
            format_args!("own"),
        ));
        bridge.log(&record(log::Level::Warn, "data", format_args!("slow disk")));
        route::detach(fake(21), Duration::from_secs(1));
        assert_eq!(
            *lock(&sink.lines),
            ["INFO train: epoch 1", "WARN data: slow disk"]
        );
        assert_eq!(
            inner.0.load(Ordering::Relaxed),
            2,
            "the other logger printed what it enables (the error and the warning)"
        );
    }

    #[test]
    fn enabled_follows_the_run_and_the_other_logger() {
        let _turn = lock(&SERIAL);
        pretend_current(None); // whatever runs other tests have live
        let bridge = LogBridge::new().level(LevelFilter::Debug);
        let debug = Metadata::builder()
            .level(log::Level::Debug)
            .target("x")
            .build();
        assert!(!bridge.enabled(&debug), "no run records logs");
        let sink = Arc::new(Collect::default());
        assert_eq!(route::attach(fake(22), sink, false).ok(), Some(false));
        assert!(bridge.enabled(&debug));
        let own = Metadata::builder()
            .level(log::Level::Error)
            .target("polytrack")
            .build();
        assert!(!bridge.enabled(&own));
        route::detach(fake(22), Duration::from_secs(1));
    }
}
