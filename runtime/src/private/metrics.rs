//! `#[track_metrics]`: a returned value's numbers as metrics, at a step.

use super::{first_time, join, Ending, SEPARATOR};
use crate::Run;
use serde::ser::{self, Serialize};
use serde_json::Value;
use std::fmt::{self, Display};
use std::sync::{Mutex, PoisonError};

/// A returned value that can be logged as metrics.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be logged as metrics: it does not implement `serde::Serialize`",
    label = "the returned value cannot be logged as metrics",
    note = "return a struct of numbers that derives `serde::Serialize` (or a number)"
)]
pub trait MetricsValue: Serialize {}
impl<T: Serialize + ?Sized> MetricsValue for T {}

/// An argument that `#[track_metrics(step = ..)]` can use as the step.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a metric step",
    label = "`step` must name an integer argument",
    note = "name an argument of an integer type with `step = ..`, or leave `step` out to count calls"
)]
pub trait StepValue {
    /// The step, saturated into `i64`.
    fn to_step(&self) -> i64;
}

macro_rules! step_value {
    (lossless: $($small:ty),*; saturating: $($large:ty),*) => {
        $(
            impl StepValue for $small {
                #[inline]
                fn to_step(&self) -> i64 {
                    i64::from(*self)
                }
            }
        )*
        $(
            impl StepValue for $large {
                #[inline]
                fn to_step(&self) -> i64 {
                    i64::try_from(*self).unwrap_or(if *self > 0 { i64::MAX } else { i64::MIN })
                }
            }
        )*
    };
}
step_value!(lossless: i8, i16, i32, i64, u8, u16, u32; saturating: i128, isize, u64, u128, usize);

impl<T: StepValue + ?Sized> StepValue for &T {
    fn to_step(&self) -> i64 {
        (**self).to_step()
    }
}

impl<T: StepValue + ?Sized> StepValue for &mut T {
    fn to_step(&self) -> i64 {
        (**self).to_step()
    }
}

/// Reads the step from an argument, when the function is called.
#[inline]
pub fn step<T: StepValue + ?Sized>(value: &T) -> i64 {
    value.to_step()
}

/// Where a `#[track_metrics]` call's metrics are logged.
pub enum Step<'a> {
    /// At the value of the `step = ..` argument.
    At(i64),
    /// At the number of earlier calls during the same run.
    Next(&'a StepCounter),
}

/// Counts a `#[track_metrics]` function's calls during each run; a new run starts from 0,
/// and a run that was interrupted by a nested one goes on where it was.
pub struct StepCounter {
    /// The runs counted in (the most recent few), each with the last step given.
    state: Mutex<Vec<(String, i64)>>,
}

/// How many runs a counter remembers: enough for nested runs and a parallel sweep.
const REMEMBERED_RUNS: usize = 64;

impl StepCounter {
    /// A counter at 0.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> StepCounter {
        StepCounter {
            state: Mutex::new(Vec::new()),
        }
    }

    fn next(&self, run: &Run) -> i64 {
        let mut runs = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let id = run.uuid().unwrap_or_default();
        if let Some((_, step)) = runs.iter_mut().find(|(counted, _)| counted == id) {
            *step += 1;
            return *step;
        }
        if runs.len() >= REMEMBERED_RUNS {
            runs.remove(0);
        }
        runs.push((id.to_owned(), 0));
        0
    }
}

/// Logs the returned value's numbers as metrics of `run`: each field of a struct (nested ones
/// under compound names), or a number under the function's name; `prefix` goes in front.
/// Nothing is logged for an `Err`.
pub fn log_metrics<T: MetricsValue + ?Sized>(
    run: &Run,
    ending: Ending<'_, T>,
    function: &str,
    prefix: Option<&str>,
    step: Step<'_>,
) {
    // Every call takes its step, also one that logs nothing (an `Err`, no numbers), so that
    // automatic steps stay equal to the number of calls before this one.
    let step = match step {
        Step::At(step) => step,
        Step::Next(counter) => counter.next(run),
    };
    let Ending::Returned(value) = ending else {
        return;
    };
    let mut metrics = Collected::default();
    let root = Collector {
        path: None,
        function,
        prefix,
        out: &mut metrics,
    };
    if let Err(error) = value.serialize(root) {
        log::error!(target: "polytrack", "the metrics of `{function}` are not logged: {error}");
        return;
    }
    if !metrics.skipped.is_empty() && first_time(function, &metrics.skipped) {
        log::warn!(
            target: "polytrack",
            "`{function}` returned values that are not numbers, not logged as metrics: {} \
             (said once; return only numbers, or `#[serde(skip)]` the others)",
            metrics.skipped.join(", ")
        );
    }
    if metrics.values.is_empty() {
        return;
    }
    if let Err(error) = run.log_metrics(&metrics.values, Some(step), None) {
        log::error!(target: "polytrack", "the metrics of `{function}` are not logged: {error}");
    }
}

#[derive(Default)]
struct Collected {
    values: Vec<(String, f64)>,
    skipped: Vec<String>,
}

/// A serializer that collects numbers by name, keeping NaN and infinities (which a trip
/// through JSON would turn into `null`).
struct Collector<'a, 'o> {
    /// The compound name so far; `None` at the top.
    path: Option<String>,
    function: &'a str,
    prefix: Option<&'a str>,
    out: &'o mut Collected,
}

impl<'a> Collector<'a, '_> {
    fn name(&self) -> String {
        match &self.path {
            Some(path) => path.clone(),
            None => join(self.prefix, self.function),
        }
    }

    fn child(&mut self, field: &str) -> Collector<'a, '_> {
        let path = match &self.path {
            Some(path) => format!("{path}{SEPARATOR}{field}"),
            None => join(self.prefix, field),
        };
        Collector {
            path: Some(path),
            function: self.function,
            prefix: self.prefix,
            out: self.out,
        }
    }

    fn number(self, value: f64) -> Result<(), CollectError> {
        let name = self.name();
        self.out.values.push((name, value));
        Ok(())
    }

    fn skip(self) -> Result<(), CollectError> {
        let name = self.name();
        self.out.skipped.push(name);
        Ok(())
    }

    fn skip_compound(self) -> Result<Ignore, CollectError> {
        self.skip()?;
        Ok(Ignore)
    }
}

/// Why the returned value could not be read as metrics.
#[derive(Debug)]
struct CollectError(String);

impl Display for CollectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CollectError {}

impl ser::Error for CollectError {
    fn custom<M: Display>(message: M) -> Self {
        CollectError(message.to_string())
    }
}

macro_rules! collect_numbers {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, value: $t) -> Result<(), CollectError> {
            // Metrics are floats in Polyaxon (Python's `float(value)`).
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            self.number(value as f64)
        }
    )*};
}

impl<'a, 'o> ser::Serializer for Collector<'a, 'o> {
    type Ok = ();
    type Error = CollectError;
    type SerializeSeq = Ignore;
    type SerializeTuple = Ignore;
    type SerializeTupleStruct = Ignore;
    type SerializeTupleVariant = Ignore;
    type SerializeMap = MapCollector<'a, 'o>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Ignore;

    collect_numbers!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128, serialize_f32: f32, serialize_f64: f64
    );

    fn serialize_bool(self, value: bool) -> Result<(), CollectError> {
        self.number(if value { 1.0 } else { 0.0 })
    }

    fn serialize_char(self, _: char) -> Result<(), CollectError> {
        self.skip()
    }

    fn serialize_str(self, _: &str) -> Result<(), CollectError> {
        self.skip()
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), CollectError> {
        self.skip()
    }

    /// `None` logs nothing: an `Option<f64>` field is a metric only when it has a value.
    fn serialize_none(self) -> Result<(), CollectError> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), CollectError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), CollectError> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), CollectError> {
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), CollectError> {
        self.skip()
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), CollectError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), CollectError> {
        self.skip()
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Ignore, CollectError> {
        self.skip_compound()
    }

    fn serialize_tuple(self, _: usize) -> Result<Ignore, CollectError> {
        self.skip_compound()
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Ignore, CollectError> {
        self.skip_compound()
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Ignore, CollectError> {
        self.skip_compound()
    }

    fn serialize_map(self, _: Option<usize>) -> Result<MapCollector<'a, 'o>, CollectError> {
        Ok(MapCollector {
            parent: self,
            key: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, CollectError> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Ignore, CollectError> {
        self.skip_compound()
    }
}

impl ser::SerializeStruct for Collector<'_, '_> {
    type Ok = ();
    type Error = CollectError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        field: &'static str,
        value: &T,
    ) -> Result<(), CollectError> {
        value.serialize(self.child(field))
    }

    fn end(self) -> Result<(), CollectError> {
        Ok(())
    }
}

/// A map's entries are metrics named by their keys (strings or integers).
struct MapCollector<'a, 'o> {
    parent: Collector<'a, 'o>,
    key: Option<String>,
}

impl ser::SerializeMap for MapCollector<'_, '_> {
    type Ok = ();
    type Error = CollectError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CollectError> {
        self.key = match serde_json::to_value(key) {
            Ok(Value::String(key)) => Some(key),
            Ok(Value::Number(key)) => Some(key.to_string()),
            _ => None,
        };
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CollectError> {
        match self.key.take() {
            Some(key) => value.serialize(self.parent.child(&key)),
            None => Ok(()),
        }
    }

    fn end(self) -> Result<(), CollectError> {
        Ok(())
    }
}

/// Accepts the elements of a value that is not a metric, and drops them.
struct Ignore;

macro_rules! ignore {
    ($($trait:ident :: $method:ident ($($arg:ty),*)),*) => {$(
        impl ser::$trait for Ignore {
            type Ok = ();
            type Error = CollectError;

            fn $method<T: Serialize + ?Sized>(&mut self, $(_: $arg,)* _: &T) -> Result<(), CollectError> {
                Ok(())
            }

            fn end(self) -> Result<(), CollectError> {
                Ok(())
            }
        }
    )*};
}

ignore!(
    SerializeSeq::serialize_element(),
    SerializeTuple::serialize_element(),
    SerializeTupleStruct::serialize_field(),
    SerializeTupleVariant::serialize_field(),
    SerializeStructVariant::serialize_field(&'static str)
);

#[cfg(test)]
mod tests {
    use super::first_time;

    #[test]
    fn the_not_a_number_warning_is_given_once_per_function_and_names() {
        let names = vec!["name".to_owned()];
        assert!(first_time("validate_once", &names));
        assert!(!first_time("validate_once", &names));
        assert!(first_time("validate_once", &["other".to_owned()]));
        assert!(first_time("evaluate_once", &names));
    }
}
