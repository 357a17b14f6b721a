//! Typed inputs: the run's inputs read back into the program's config struct, which is how a
//! Rust program joins a Polyaxon sweep (a Polyaxonfile's `matrix` or tuner sets each trial's
//! inputs on the server; the process reads them at its start).

use crate::error::Error;
use crate::run::{current, Run};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::time::Duration;

/// How long reading the inputs waits for the run's writer.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(10);

/// The current run's inputs, deserialized into `T` (Python's `get_inputs()`, typed).
///
/// Where they come from:
/// - managed runs (and resumed external runs): the run on the Polyaxon API, one `GET`, which
///   holds the inputs a Polyaxonfile's `params`, `matrix` or tuner set; inputs this process
///   logged since are laid over them;
/// - new external runs, offline runs and test recorders: the run record as this process knows
///   it (for a resumed offline run, what `run.plx.json` held, plus what was logged since).
///
/// A missing or mistyped field is an [`Error::Inputs`] naming it (`lr: invalid type:
/// string "x", expected f64`); `#[serde(default)]` fields may be absent. This call waits for
/// an answer (up to the API's timeout): call it once, at the start.
///
/// ```no_run
/// #[derive(serde::Deserialize)]
/// struct Config {
///     lr: f64,
///     #[serde(default)]
///     epochs: Option<u32>,
/// }
/// let _run = polytrack::init()?;
/// let config: Config = polytrack::inputs()?;
/// # Ok::<(), polytrack::Error>(())
/// ```
///
/// # A `#[track_run]` trial of a sweep
///
/// A tracked function can take its configuration from its run instead of its arguments: in a
/// Polyaxon sweep each trial is a managed run whose inputs the Polyaxonfile's `matrix` (or
/// tuner) set, and `inputs()` reads them; run by hand (offline, external), the run has no
/// inputs yet and `#[serde(default)]` gives the defaults. Logging the config back records the
/// values the trial actually used (in a sweep they are the same, and merge as one).
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize, Serialize)]
/// #[serde(default)]
/// struct Config {
///     lr: f64,
///     epochs: u32,
/// }
///
/// impl Default for Config {
///     fn default() -> Self {
///         Config { lr: 0.1, epochs: 5 }
///     }
/// }
///
/// #[derive(Serialize)]
/// struct Outcome {
///     loss: f64,
/// }
///
/// #[polytrack::track_run]
/// fn trial() -> Result<Outcome, polytrack::Error> {
///     let config: Config = polytrack::inputs()?; // the sweep's values, or the defaults
///     polytrack::log_inputs(&config)?;
///     let mut loss = 1.0;
///     for epoch in 0..config.epochs {
///         loss *= 1.0 - config.lr;
///         polytrack::log_metric_at("loss", loss, i64::from(epoch))?;
///     }
///     Ok(Outcome { loss })
/// }
///
/// let recorder = polytrack::testing::Recorder::install(); // the next run, in memory
/// let outcome = trial()?;
/// assert_eq!(recorder.inputs()["lr"], 0.1);
/// assert_eq!(recorder.metric("loss").len(), 5);
/// assert_eq!(recorder.outputs()["loss"], outcome.loss);
/// # Ok::<(), polytrack::Error>(())
/// ```
///
/// A field the sweep set with the wrong type fails the trial at its first line, with an
/// [`Error::Inputs`] naming the field, before any training time is spent.
pub fn inputs<T: DeserializeOwned>() -> Result<T, Error> {
    current().ok_or(Error::Inactive)?.inputs()
}

impl Run {
    /// This run's inputs, deserialized into `T`; see [`inputs`](crate::inputs).
    pub fn inputs<T: DeserializeOwned>(&self) -> Result<T, Error> {
        from_inputs(self.inputs_map()?)
    }

    /// This run's inputs as JSON (Python's `get_inputs()`).
    pub fn inputs_map(&self) -> Result<Map<String, Value>, Error> {
        let state = self.state().ok_or(Error::Inactive)?;
        let local = self.snapshot(SNAPSHOT_TIMEOUT)?.inputs.unwrap_or_default();
        let mut inputs = match (&state.api, self.project(), self.uuid()) {
            (Some(api), Some((owner, project)), Some(uuid)) => {
                crate::api::read_run_inputs(api, owner, project, uuid)?
            }
            _ => Map::new(),
        };
        for (k, v) in local {
            inputs.insert(k, v);
        }
        Ok(inputs)
    }
}

/// Deserializes inputs into `T`, naming the field that does not fit.
pub(crate) fn from_inputs<T: DeserializeOwned>(inputs: Map<String, Value>) -> Result<T, Error> {
    let value = Value::Object(inputs);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        Error::Inputs {
            message: if path == "." || path.is_empty() {
                inner
            } else {
                format!("{path}: {inner}")
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Recorder;
    use crate::Settings;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Config {
        lr: f64,
        layers: Vec<u32>,
        #[serde(default)]
        dropout: Option<f64>,
        optimizer: Optimizer,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Optimizer {
        name: String,
        momentum: f64,
    }

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn errors_name_the_field() {
        let ok: Config = from_inputs(map(json!({
            "lr": 0.1, "layers": [64, 32], "optimizer": {"name": "sgd", "momentum": 0.9},
            "unrelated": true
        })))
        .unwrap();
        assert_eq!(ok.layers, [64, 32]);
        assert_eq!(ok.dropout, None);

        let missing = from_inputs::<Config>(map(
            json!({"layers": [], "optimizer": {"name": "sgd", "momentum": 0.9}}),
        ))
        .unwrap_err()
        .to_string();
        assert!(missing.contains("missing field `lr`"), "{missing}");

        let mistyped = from_inputs::<Config>(map(json!({
            "lr": "fast", "layers": [], "optimizer": {"name": "sgd", "momentum": 0.9}
        })))
        .unwrap_err()
        .to_string();
        assert!(
            mistyped.contains("lr: invalid type: string \"fast\""),
            "{mistyped}"
        );

        let nested = from_inputs::<Config>(map(json!({
            "lr": 0.1, "layers": [1, -2], "optimizer": {"name": "sgd", "momentum": "x"}
        })))
        .unwrap_err()
        .to_string();
        assert!(nested.contains("layers[1]"), "{nested}");
    }

    #[test]
    fn reads_back_what_the_run_holds() {
        let recorder = Recorder::new();
        let guard = crate::init_with(Settings::new().recorder(recorder)).unwrap();
        let run = guard.run();
        run.log_inputs(
            &json!({"lr": 0.01, "layers": [8], "optimizer": {"name": "adam", "momentum": 0.0}}),
        )
        .unwrap();
        let config: Config = run.inputs().unwrap();
        assert_eq!(config.lr, 0.01);
        assert_eq!(config.optimizer.name, "adam");
        guard.end().unwrap();
        assert!(matches!(run.inputs::<Config>(), Err(Error::Ended)));
    }
}
