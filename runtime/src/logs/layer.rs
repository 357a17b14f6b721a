//! The `tracing` layer: events into the run's logs.

use super::line::is_own_target;
use super::route;
use std::fmt::Write as _;
use tracing_core::field::{Field, Visit};
use tracing_core::{Event, LevelFilter, Subscriber};
use tracing_subscriber::layer::Context;

/// A [`tracing_subscriber::Layer`] that writes each event, as `LEVEL target: message
/// field=value ...`, into the current run's logs (`plxlogs/`). Stack it with the program's
/// own layers (a `fmt` layer keeps printing as before); the subscriber's filters apply first.
///
/// Records events at `INFO` and above unless [`Layer::with_max_level`] says otherwise; events
/// of polytrack itself (target `polytrack...`) and events on polytrack's own threads are never
/// recorded. While no run records logs, an event costs this layer one atomic load.
///
/// Python's counterpart is the handler `tracking.init()` attaches to the `logging` module
/// (`traceml/logging/handler.py::LogStreamHandler`).
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// tracing_subscriber::registry()
///     .with(polytrack::logs::layer())
///     .init();
/// tracing::info!(epoch = 1, "training");  // "INFO rust_out: training epoch=1" in the run
/// ```
#[derive(Clone, Debug)]
pub struct Layer {
    max_level: LevelFilter,
}

/// The layer, recording `INFO` and above; see [`Layer`].
pub fn layer() -> Layer {
    super::note_structured_logging();
    Layer {
        max_level: LevelFilter::INFO,
    }
}

impl Layer {
    /// Records events up to `level` (e.g. `LevelFilter::DEBUG`); default `INFO`.
    pub fn with_max_level(mut self, level: impl Into<LevelFilter>) -> Self {
        self.max_level = level.into();
        self
    }
}

impl<S: Subscriber> tracing_subscriber::Layer<S> for Layer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if !route::is_attached() {
            return;
        }
        let meta = event.metadata();
        if *meta.level() > self.max_level || is_own_target(meta.target()) {
            return;
        }
        if meta.target() == LOG_TARGET {
            // A `log` record seen through tracing-log (burn's, say): its target is a field.
            let fields = Fields::of(event);
            if fields.log_target.as_deref().is_some_and(is_own_target) {
                return; // polytrack's own `log` records, which tracing-log turned into events
            }
            route::emit(|| fields.line(event));
            return;
        }
        route::emit(|| Fields::of(event).line(event));
    }
}

/// The target of the events tracing-log makes of `log` records (the record's own target is
/// their `log.target` field).
const LOG_TARGET: &str = "log";

struct Fields {
    message: String,
    fields: String,
    /// A `log` record's own target (`log.target`).
    log_target: Option<String>,
}

impl Fields {
    fn of(event: &Event<'_>) -> Fields {
        let mut fields = Fields {
            message: String::new(),
            fields: String::new(),
            log_target: None,
        };
        event.record(&mut fields);
        fields
    }

    /// `LEVEL target: message key=value ...`, as tracing's `fmt` prints an event (without the
    /// time, which the run's logs keep apart; a `log` record with its own target, as `fmt`
    /// shows it too).
    fn line(self, event: &Event<'_>) -> String {
        let meta = event.metadata();
        let target = self.log_target.as_deref().unwrap_or(meta.target());
        let mut line =
            String::with_capacity(target.len() + self.message.len() + self.fields.len() + 8);
        let _ = write!(line, "{} {}: {}", meta.level(), target, self.message);
        line.push_str(&self.fields);
        line
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else if field.name() == "log.target" {
            self.log_target = Some(value.to_owned());
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            // `log` records seen through tracing-log carry their origin as `log.*` fields.
            if field.name().starts_with("log.") {
                return;
            }
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lock::lock;
    use crate::logs::route;
    use crate::logs::route::tests::{fake, pretend_current, Collect, SERIAL};
    use std::sync::Arc;
    use std::time::Duration;
    use tracing_subscriber::prelude::*;

    #[test]
    fn events_reach_the_run_formatted_with_level_target_and_fields() {
        let _turn = lock(&SERIAL);
        pretend_current(None); // whatever runs other tests have live
        let sink = Arc::new(Collect::default());
        let subscriber = tracing_subscriber::registry().with(super::layer());
        assert_eq!(
            route::attach(fake(31), sink.clone(), false).ok(),
            Some(false)
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "train", epoch = 3, loss = 0.25, "epoch {} done", 3);
            tracing::debug!(target: "train", "not recorded at the default level");
            tracing::error!(target: "polytrack::worker", "own events are never recorded");
            tracing::warn!(target: "data", name = "a b", "slow");
            // `log` records as tracing-log hands them on (burn's, say), and polytrack's own.
            for (level, target, text) in [
                (log::Level::Info, "burn_train::learner", "epoch 1"),
                (log::Level::Warn, "polytrack::worker", "own, via log"),
            ] {
                let traced = tracing_log::format_trace(
                    &log::Record::builder()
                        .level(level)
                        .target(target)
                        .args(format_args!("{text}"))
                        .build(),
                );
                assert!(traced.is_ok());
            }
        });
        route::detach(fake(31), Duration::from_secs(1));
        assert_eq!(
            *lock(&sink.lines),
            [
                "INFO train: epoch 3 done epoch=3 loss=0.25",
                "WARN data: slow name=\"a b\"",
                "INFO burn_train::learner: epoch 1",
            ]
        );
    }

    #[test]
    fn the_max_level_is_configurable() {
        let _turn = lock(&SERIAL);
        pretend_current(None); // whatever runs other tests have live
        let sink = Arc::new(Collect::default());
        let subscriber = tracing_subscriber::registry()
            .with(super::layer().with_max_level(tracing::Level::DEBUG));
        assert_eq!(
            route::attach(fake(32), sink.clone(), false).ok(),
            Some(false)
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "t", "kept");
            tracing::trace!(target: "t", "not kept");
        });
        route::detach(fake(32), Duration::from_secs(1));
        assert_eq!(*lock(&sink.lines), ["DEBUG t: kept"]);
    }
}
