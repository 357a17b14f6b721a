//! Attribute macros for polytrack. Use them through the `polytrack` crate, which re-exports
//! them with this documentation: `#[polytrack::track_run]`, `#[polytrack::track_params]`,
//! `#[polytrack::track_metrics]`.
//!
//! The expansions reach polytrack only through its hidden `::polytrack::__private` module
//! (not public API), by absolute paths and hygienic locals.

mod attr;
mod ctxt;
mod dependency;
mod expand;
mod fallback;
mod func;
mod validate;

use attr::Kind;
use proc_macro::TokenStream;

/// Makes a function a tracked Polyaxon run: its arguments become the run's inputs, its
/// returned value the outputs, and how it ends the run's status.
///
/// ```
/// use polytrack::testing::Recorder;
/// use polytrack::{track_run, Status};
/// use serde::Serialize;
/// use serde_json::json;
///
/// #[derive(Serialize)]
/// struct Config {
///     lr: f64,
///     epochs: u32,
/// }
///
/// #[derive(Serialize)]
/// struct Report {
///     loss: f64,
/// }
///
/// #[track_run(project = "acme/regression", tags("sgd"))]
/// fn train(config: Config) -> Report {
///     for epoch in 0..config.epochs {
///         polytrack::log_metric_at("lr", config.lr, i64::from(epoch)).ok();
///     }
///     Report { loss: 0.25 }
/// }
///
/// // Record in memory instead of sending anything (what tests do).
/// let recorder = Recorder::install();
/// train(Config { lr: 0.1, epochs: 3 });
/// assert_eq!(recorder.inputs()["lr"], json!(0.1));
/// assert_eq!(recorder.inputs()["epochs"], json!(3));
/// assert_eq!(recorder.outputs()["loss"], json!(0.25));
/// assert_eq!(recorder.statuses().last(), Some(&Status::Succeeded));
/// ```
///
/// # What a call does
///
/// 1. **Starts a run** like `polytrack::init_with`, from the environment (in cluster,
///    against a Polyaxon API, offline, or no-op) and the options below. The run is the
///    current run *of the calling thread* while the body runs (of an `async fn`'s own
///    future, entered on every poll, whichever thread polls it), so `polytrack::log_metric`
///    and the other module-level functions called from the body reach it, and so do
///    `#[track_params]` and `#[track_metrics]`; see [Concurrent runs](#concurrent-runs).
///    Tracking never fails the function: when the run cannot start, the error is logged
///    through the `log` facade and the function runs untracked (its calls reach no run).
/// 2. **Logs the arguments as inputs**, keyed by parameter name. `self` is never logged.
///    A struct argument is logged as its fields, so that the inputs carry the names of the
///    hyperparameters of a Polyaxonfile; see [Flattening](#flattening) for the exact rule.
///    A destructured argument, `(width, height): (u32, u32)`, is logged by the names it
///    binds. An argument whose type is not `serde::Serialize` is a compile error on that
///    argument: derive `Serialize` for it, or leave it out with `skip`. An argument over the
///    size limit (64 KiB of JSON, or a sequence of more than 4096 elements) is not logged:
///    a warning names it and says `skip(..)`, and the other arguments are logged.
/// 3. **Runs the body unchanged**: `return`, `?`, `.await` and the signature keep their
///    meaning.
/// 4. **Logs the returned value as outputs**: a struct's fields by name (nested ones as
///    for inputs), any other value (a map, an enum, a number) under `ret`; `()` and `None`
///    log nothing. For a `Result`, the
///    `Ok` value is logged. At the end of a run, the last value of each metric becomes an
///    output too, but only under names the run did not log as outputs itself: an explicit
///    output, the returned value included, is never replaced (a departure from Python's
///    end-of-run sync, which overwrites them).
/// 5. **Ends the run**: succeeded; failed with the error's `Display` text (or its `Debug`
///    text, or its type's name) when it returns `Err`; failed with the panic's text when it
///    panics, and the panic then unwinds as before. An `async fn` future dropped before it
///    completes ends its run as failed too.
///
/// Works on `fn` and `async fn`, free functions, methods (of `impl` blocks and traits),
/// generic functions and `main`, with or without `#[tokio::main]`.
///
/// # Options
///
/// ## `name = ".."`
///
/// The run's name; by default the function's name.
///
/// ```
/// # let recorder = polytrack::testing::Recorder::install();
/// #[polytrack::track_run(name = "baseline")]
/// fn train() {}
/// train();
/// # assert_eq!(recorder.statuses().last(), Some(&polytrack::Status::Succeeded));
/// ```
///
/// ## `project = ".."`
///
/// The project, as `"owner/project"` or `"project"`; by default the environment's
/// (`POLYTRACK_PROJECT`, or the cluster's run).
///
/// ```
/// # let recorder = polytrack::testing::Recorder::install();
/// #[polytrack::track_run(project = "acme/vision")]
/// fn train() {}
/// train();
/// # assert_eq!(recorder.statuses().last(), Some(&polytrack::Status::Succeeded));
/// ```
///
/// ## `description = ".."`
///
/// The run's description.
///
/// ```
/// # let recorder = polytrack::testing::Recorder::install();
/// #[polytrack::track_run(description = "SGD with a cosine schedule")]
/// fn train() {}
/// train();
/// # assert_eq!(recorder.statuses().last(), Some(&polytrack::Status::Succeeded));
/// ```
///
/// ## `tags("a", "b")`
///
/// Tags added to the run.
///
/// ```
/// let recorder = polytrack::testing::Recorder::install();
/// #[polytrack::track_run(tags("baseline", "sgd"))]
/// fn train() {}
/// train();
/// assert_eq!(recorder.tags(), ["baseline", "sgd"]);
/// ```
///
/// ## `offline`
///
/// Tracks into a local folder (`POLYAXON_OFFLINE_ROOT`, by default `/tmp/plx/offline`) that
/// `polyaxon ops push` can upload later, whatever the environment says.
///
/// ```
/// # let recorder = polytrack::testing::Recorder::install();
/// #[polytrack::track_run(offline)]
/// fn train() {}
/// train();
/// # assert_eq!(recorder.statuses().last(), Some(&polytrack::Status::Succeeded));
/// ```
///
/// ## `skip(a, b)`
///
/// Leaves these arguments out of the inputs: data sets, models, anything large or not
/// `Serialize`.
///
/// ```
/// use serde_json::json;
/// struct Dataset(Vec<f64>); // not Serialize
///
/// #[polytrack::track_run(skip(data))]
/// fn train(data: &Dataset, lr: f64) -> usize {
///     data.0.len()
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// train(&Dataset(vec![1.0, 2.0]), 0.1);
/// let logged: Vec<_> = recorder.inputs().into_iter().collect();
/// assert_eq!(logged, [("lr".to_owned(), json!(0.1))]);
/// ```
///
/// ## `skip_all`
///
/// Logs no argument.
///
/// ```
/// #[polytrack::track_run(skip_all)]
/// fn train(token: &str) -> usize {
///     token.len()
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// train("secret");
/// assert!(recorder.inputs().is_empty());
/// ```
///
/// ## `rename(a = "key")`
///
/// Logs argument `a` under `key`. A struct argument that is logged as its fields gets the
/// new name in front of them: `rename(opt = "optimizer")` logs `opt.lr` as `optimizer__lr`.
///
/// ```
/// use serde_json::json;
/// #[polytrack::track_run(rename(lr = "learning_rate"))]
/// fn train(lr: f64) {}
///
/// let recorder = polytrack::testing::Recorder::install();
/// train(0.1);
/// assert_eq!(recorder.inputs()["learning_rate"], json!(0.1));
/// ```
///
/// ## `whole(a)`
///
/// Logs a struct argument as one value under its name instead of as its fields.
///
/// ```
/// use serde_json::json;
/// #[derive(serde::Serialize)]
/// struct Augment {
///     flip: bool,
///     crop: u32,
/// }
///
/// #[polytrack::track_run(whole(augment))]
/// fn train(augment: Augment) {}
///
/// let recorder = polytrack::testing::Recorder::install();
/// train(Augment { flip: true, crop: 24 });
/// assert_eq!(recorder.inputs()["augment"], json!({"flip": true, "crop": 24}));
/// ```
///
/// ## `outputs = ".."`
///
/// Logs the returned value (the `Ok` value of a `Result`) as one output of this name,
/// whole, instead of as its fields or under `ret`.
///
/// ```
/// use serde_json::json;
/// #[polytrack::track_run(outputs = "accuracy")]
/// fn train() -> Result<f64, String> {
///     Ok(0.93)
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// assert_eq!(train(), Ok(0.93));
/// assert_eq!(recorder.outputs()["accuracy"], json!(0.93));
/// ```
///
/// ## `skip_ret`
///
/// Logs no outputs; the returned value need not be `Serialize`. A `Result` still decides
/// the run's status.
///
/// ```
/// struct Model {
///     weights: Vec<f64>,
/// } // not Serialize
///
/// #[polytrack::track_run(skip_ret)]
/// fn train() -> Model {
///     Model { weights: vec![0.5] }
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// assert_eq!(train().weights, [0.5]);
/// assert!(recorder.outputs().is_empty());
/// ```
///
/// ## `crate = path`
///
/// The path to polytrack, for a crate that reaches it through a re-export (the default is
/// the name this crate's `Cargo.toml` gives polytrack: `::polytrack`, or `::pt` for
/// `pt = { package = "polytrack", .. }`).
///
/// ```
/// mod tracking {
///     pub use polytrack as inner;
/// }
///
/// #[polytrack::track_run(crate = tracking::inner)]
/// fn train() {}
/// # let recorder = polytrack::testing::Recorder::install();
/// train();
/// # assert_eq!(recorder.statuses().last(), Some(&polytrack::Status::Succeeded));
/// ```
///
/// # Mistakes
///
/// Are compile errors on the attribute's or the function's tokens. The attribute's own
/// mistakes are all reported in one compile, and the function stays usable for the rest of
/// the crate: unknown or repeated options, a `skip`, `rename` or `whole` naming no
/// parameter, `step = self.epoch` (an expression, where an argument's name is needed), an
/// argument with no name to log it under (`_`), a `const fn`, the attribute on something
/// that is not a function with a body. Type errors, such as an argument or returned value
/// that is not `Serialize`, come from the compiler on the expanded function, so they show
/// only once the attribute's own mistakes are fixed. A body that does not parse (being
/// edited) is given back to the compiler as written, with its own syntax error.
///
/// A crate whose `Cargo.toml` lacks polytrack (it uses a facade crate's re-export) gets one
/// error saying so: add `polytrack` to `[dependencies]`, or name the re-export as the code
/// that uses it would (`crate = facade::polytrack`; `crate = crate::reexport` for a module
/// of this crate). A wrong `crate = ..` path is one unresolved import on that path.
///
/// # Flattening
///
/// Only a value serde serializes as a struct is logged as its fields; a nested struct's
/// fields get compound names joined with `__` (`optimizer: Optimizer { lr }` gives
/// `optimizer__lr`; Polyaxon's name sanitization keeps `__`, it is what it turns `/` into).
/// A map (`HashMap<u32, f64>`), an enum (unit variants and variants with data), a sequence
/// and any other value are logged whole, under the argument's name (or the field's, inside
/// a struct): their keys are data, not hyperparameter names. `Option` and newtype structs
/// are transparent; a struct with `#[serde(flatten)]` fields serializes as a map, so it is
/// logged whole too.
///
/// Nothing is overwritten. When fields of two arguments would have the same name (an
/// `encoder` and a `decoder` of one type), or a field has the name of another argument,
/// each such field is logged under `<argument>__<field>` instead, with one warning through
/// the `log` facade; a name still taken after that keeps its first value, with a warning.
///
/// ```
/// use serde::Serialize;
/// use serde_json::json;
/// use std::collections::HashMap;
///
/// #[derive(Serialize)]
/// struct Layer {
///     units: u32,
///     dropout: f64,
/// }
///
/// #[derive(Serialize)]
/// enum Schedule {
///     Cosine { warmup: u32 },
/// }
///
/// #[polytrack::track_run]
/// fn train(encoder: Layer, decoder: Layer, schedule: Schedule, weights: HashMap<u32, f64>, dropout: f64) {}
///
/// let recorder = polytrack::testing::Recorder::install();
/// train(
///     Layer { units: 64, dropout: 0.1 },
///     Layer { units: 32, dropout: 0.2 },
///     Schedule::Cosine { warmup: 5 },
///     HashMap::from([(0, 0.25)]),
///     0.5,
/// );
/// assert_eq!(
///     serde_json::Value::Object(recorder.inputs()),
///     json!({
///         "encoder__units": 64, "encoder__dropout": 0.1,
///         "decoder__units": 32, "decoder__dropout": 0.2,
///         "schedule": {"Cosine": {"warmup": 5}},
///         "weights": {"0": 0.25},
///         "dropout": 0.5,
///     })
/// );
/// ```
///
/// # Concurrent runs
///
/// Trials of a sweep can run at once, each a `#[track_run]` call on its own thread (a
/// `std::thread::scope`, a rayon pool) or task (`tokio::join!`, `tokio::spawn` on a
/// multi-thread runtime): each run holds exactly its own inputs, outputs and metrics.
/// Calls nested in one thread stack: a `#[track_run]` called from another one is current
/// until it returns, then the outer run is again.
///
/// A thread with no run of its own (one the body spawns, say) reaches the process's run,
/// the one `polytrack::init()` started, if any; otherwise its calls are not tracked (with
/// one warning). Carry the run into it with `polytrack::current()` and `Run::enter`, or
/// into a task with `Run::instrument`:
///
/// ```
/// use polytrack::track_run;
///
/// #[track_run]
/// fn train(lr: f64) -> f64 {
///     let run = polytrack::current().expect("inside #[track_run]");
///     std::thread::scope(|s| {
///         s.spawn(|| {
///             let _entered = run.enter(); // until dropped, this thread logs to `train`
///             polytrack::log_metric_at("loader/batches", 128, 0).ok();
///         });
///     });
///     lr * 2.0
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// assert_eq!(train(0.1), 0.2);
/// assert_eq!(recorder.metric("loader__batches"), vec![(Some(0), 128.0)]);
/// ```
///
/// # Limitations
///
/// - The body runs in a closure (so that `return` and `?` keep their meaning), so
///   `#[track_caller]` on the function no longer reaches panics and `Location::caller()`
///   inside the body. A `-> !` function is the exception: its body runs inline.
/// - Whether the returned value is a `Result` is decided from the written return type: a
///   generic `T` that happens to be a `Result` is logged as a value.
#[proc_macro_attribute]
pub fn track_run(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Kind::Run, attr.into(), item.into()).into()
}

/// Logs a function's arguments as inputs of the current run, on every call. With no run
/// active it costs one atomic load: no argument is serialized.
///
/// Arguments are logged as with `#[track_run]`: by name, a struct as its fields, nested ones
/// with `__`, `self` never. Put it on the functions that take hyperparameters deeper in the
/// code, like an optimizer's constructor. For an `async fn`, the arguments are logged when the
/// future is first polled.
///
/// ```
/// use polytrack::{track_params, track_run};
/// use serde_json::json;
///
/// #[track_params]
/// fn sgd(lr: f64, momentum: f64) -> (f64, f64) {
///     (lr, momentum)
/// }
///
/// #[track_run]
/// fn train(epochs: u32) {
///     let _optimizer = sgd(0.1, 0.9);
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// train(10);
/// let inputs = recorder.inputs();
/// assert_eq!((&inputs["epochs"], &inputs["lr"], &inputs["momentum"]), (&json!(10), &json!(0.1), &json!(0.9)));
/// ```
///
/// # Options
///
/// ## `skip(a, b)`, `skip_all`, `rename(a = "key")`, `whole(a)`
///
/// As for `#[track_run]`.
///
/// ```
/// use serde_json::json;
/// #[polytrack::track_params(skip(data), rename(lr = "learning_rate"))]
/// fn fit(data: &[f64], lr: f64) -> usize {
///     data.len()
/// }
///
/// #[polytrack::track_run]
/// fn train() -> usize {
///     fit(&[1.0, 2.0], 0.1)
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// train();
/// let logged: Vec<_> = recorder.inputs().into_iter().collect();
/// assert_eq!(logged, [("learning_rate".to_owned(), json!(0.1))]);
/// ```
///
/// ## `prefix = ".."`
///
/// Puts `prefix__` in front of every key logged, to keep apart the parameters of two parts
/// of a model.
///
/// ```
/// use serde_json::json;
/// #[polytrack::track_params(prefix = "encoder")]
/// fn encoder(layers: u32, dropout: f64) {}
///
/// #[polytrack::track_run]
/// fn train() {
///     encoder(4, 0.1);
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// train();
/// assert_eq!(recorder.inputs()["encoder__layers"], json!(4));
/// assert_eq!(recorder.inputs()["encoder__dropout"], json!(0.1));
/// ```
///
/// ## `crate = path`
///
/// As for `#[track_run]`.
///
/// ```
/// mod tracking {
///     pub use polytrack as inner;
/// }
///
/// #[polytrack::track_params(crate = tracking::inner)]
/// fn configure(lr: f64) {}
/// configure(0.1); // no run: nothing logged
/// ```
#[proc_macro_attribute]
pub fn track_params(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Kind::Params, attr.into(), item.into()).into()
}

/// Logs the numbers a function returns as metrics of the current run, on every call.
///
/// The function returns a struct of numbers (or a `Result` of one, or one number). Each
/// numeric field becomes a metric named after the field; a `bool` is logged as 0 or 1; a
/// nested struct's fields get compound names joined with `__` (`per_class__cat`); an
/// `Option` field that is `None` is left out, as are fields that are not numbers (with a
/// warning through the `log` facade). A single number is logged under the function's name.
/// NaN and infinities are kept. An `Err` logs nothing. With no run active nothing is logged.
///
/// ```
/// use polytrack::{track_metrics, track_run};
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct Eval {
///     loss: f64,
///     accuracy: f64,
/// }
///
/// #[track_metrics(step = epoch)]
/// fn evaluate(epoch: u32, loss: f64) -> Eval {
///     Eval { loss, accuracy: 1.0 - loss }
/// }
///
/// #[track_run]
/// fn train() {
///     for epoch in 0..3 {
///         evaluate(epoch, 0.5 / f64::from(epoch + 1));
///     }
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// train();
/// assert_eq!(recorder.metric("loss"), [(Some(0), 0.5), (Some(1), 0.25), (Some(2), 0.5 / 3.0)]);
/// assert_eq!(recorder.metric("accuracy").len(), 3);
/// ```
///
/// # Options
///
/// ## `step = argument`
///
/// Logs the metrics at the step given by this integer argument. Without it, the step counts
/// the function's calls during the current run: 0, 1, 2, ...; each new run starts again at 0.
///
/// ```
/// #[polytrack::track_metrics]
/// fn learning_rate(decay: f64) -> f64 {
///     0.1 * decay
/// }
///
/// #[polytrack::track_run]
/// fn train() {
///     learning_rate(1.0);
///     learning_rate(0.5);
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// train();
/// assert_eq!(recorder.metric("learning_rate"), [(Some(0), 0.1), (Some(1), 0.05)]);
/// ```
///
/// ## `prefix = ".."`
///
/// Puts `prefix__` in front of every metric name: `prefix = "val"` logs `loss` as
/// `val__loss`, the name Polyaxon also gives to `val/loss`.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Eval {
///     loss: f64,
/// }
///
/// #[polytrack::track_metrics(prefix = "val", step = epoch)]
/// fn validate(epoch: u64) -> Eval {
///     Eval { loss: 0.3 }
/// }
///
/// #[polytrack::track_run]
/// fn train() {
///     validate(7);
/// }
///
/// let recorder = polytrack::testing::Recorder::install();
/// train();
/// assert_eq!(recorder.metric("val__loss"), [(Some(7), 0.3)]);
/// ```
///
/// ## `crate = path`
///
/// As for `#[track_run]`.
///
/// ```
/// mod tracking {
///     pub use polytrack as inner;
/// }
///
/// #[polytrack::track_metrics(crate = tracking::inner)]
/// fn loss() -> f64 {
///     0.5
/// }
/// assert_eq!(loss(), 0.5); // no run: nothing logged
/// ```
#[proc_macro_attribute]
pub fn track_metrics(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::attribute(Kind::Metrics, attr.into(), item.into()).into()
}
