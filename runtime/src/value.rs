//! Turning user values into what Polyaxon stores: metric numbers and JSON maps.

use crate::error::Error;
use crate::fqn::to_fqn_name;
use serde::ser::{self, Serialize};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::fmt;

/// A number that can be logged as a metric: every primitive integer and float, and `bool`.
pub trait MetricValue: Copy {
    /// The value as Polyaxon stores it (Python's `float(value)`).
    fn to_f64(self) -> f64;
}

macro_rules! metric_value {
    ($($t:ty),*) => {$(
        impl MetricValue for $t {
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
metric_value!(f64, f32, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

impl MetricValue for bool {
    #[inline]
    fn to_f64(self) -> f64 {
        if self {
            1.0
        } else {
            0.0
        }
    }
}

/// Sanitizes a name with Polyaxon's fqn rule, or says why it cannot be used.
pub(crate) fn sanitize(name: &str) -> Result<String, Error> {
    let sanitized = to_fqn_name(name).ok_or_else(|| Error::InvalidName {
        name: name.to_owned(),
    })?;
    crate::limits::check_name(name, &sanitized)?;
    Ok(sanitized)
}

/// The most JSON one input or output value may take, about (estimated while walking it).
pub(crate) const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The most elements a sequence inside an input or output value may have.
pub(crate) const MAX_SEQUENCE_LEN: usize = 4096;

/// Serializes one value to JSON, refusing NaN and infinities (which JSON would turn into
/// `null`, silently losing them) and values over the size limits ([`MAX_VALUE_BYTES`],
/// [`MAX_SEQUENCE_LEN`]). A walk of the value checks both first and stops at the first
/// problem, so a huge value costs next to nothing before it is refused.
pub(crate) fn to_json<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<Value, Error> {
    let used = Cell::new(0);
    value
        .serialize(FiniteProbe { used: &used })
        .map_err(|ProbeError(kind)| match kind {
            ProbeFailure::NonFinite(found) => Error::NonFinite {
                key: found.unwrap_or_else(|| key.to_owned()),
            },
            ProbeFailure::TooLarge(found, what) => Error::TooLarge {
                key: found.unwrap_or_else(|| key.to_owned()),
                what,
            },
            ProbeFailure::Custom(msg) => Error::Serialize(msg),
        })?;
    // Through text rather than `to_value`: an `f32` is printed in its shortest form and read
    // back as the decimal it shows (`0.9f32` is logged as `0.9`, not `0.8999999761581421`).
    serde_json::to_string(value)
        .and_then(|text| serde_json::from_str(&text))
        .map_err(|e| Error::Serialize(e.to_string()))
}

/// Serializes a struct or map into a map of sanitized names to JSON values.
pub(crate) fn to_json_map<T: Serialize + ?Sized>(values: &T) -> Result<Map<String, Value>, Error> {
    match to_json("<value>", values)? {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, value) in map {
                out.insert(sanitize(&key)?, value);
            }
            Ok(out)
        }
        other => Err(Error::NotAMap {
            found: kind_of(&other),
        }),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a map",
    }
}

enum ProbeFailure {
    /// The outermost key under which the bad float was found, once known.
    NonFinite(Option<String>),
    /// Over a size limit: the outermost key, once known, and which limit.
    TooLarge(Option<String>, String),
    Custom(String),
}

struct ProbeError(ProbeFailure);

impl fmt::Debug for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            ProbeFailure::NonFinite(_) => f.write_str("non-finite float"),
            ProbeFailure::TooLarge(_, what) => f.write_str(what),
            ProbeFailure::Custom(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for ProbeError {}

impl ProbeError {
    /// Records `key` as where a bad float sits; outer keys overwrite inner ones.
    fn under(self, key: impl FnOnce() -> String) -> Self {
        match self.0 {
            ProbeFailure::NonFinite(_) => ProbeError(ProbeFailure::NonFinite(Some(key()))),
            ProbeFailure::TooLarge(_, what) => {
                ProbeError(ProbeFailure::TooLarge(Some(key()), what))
            }
            other => ProbeError(other),
        }
    }
}

impl ser::Error for ProbeError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        ProbeError(ProbeFailure::Custom(msg.to_string()))
    }
}

/// A serializer that only walks a value looking for NaN or infinite floats, and counts the
/// bytes of JSON it would take (an estimate) against [`MAX_VALUE_BYTES`].
#[derive(Clone, Copy)]
struct FiniteProbe<'a> {
    used: &'a Cell<usize>,
}

impl FiniteProbe<'_> {
    fn charge(self, bytes: usize) -> Result<(), ProbeError> {
        let used = self.used.get().saturating_add(bytes);
        self.used.set(used);
        if used > MAX_VALUE_BYTES {
            return Err(ProbeError(ProbeFailure::TooLarge(
                None,
                format!("its JSON takes more than {} KiB", MAX_VALUE_BYTES / 1024),
            )));
        }
        Ok(())
    }

    fn sequence(self, len: usize) -> Result<Self, ProbeError> {
        if len > MAX_SEQUENCE_LEN {
            return Err(ProbeError(ProbeFailure::TooLarge(
                None,
                format!("it holds a sequence of {len} elements (more than {MAX_SEQUENCE_LEN})"),
            )));
        }
        self.charge(2)?;
        Ok(self)
    }
}

/// Digits of an integer in decimal, plus its sign.
fn int_len(negative: bool, magnitude: u128) -> usize {
    usize::from(negative) + magnitude.checked_ilog10().map_or(1, |d| d as usize + 1)
}

macro_rules! probe_ints {
    ($($method:ident($t:ty);)*) => {$(
        #[allow(clippy::cast_lossless)]
        fn $method(self, v: $t) -> Result<(), ProbeError> {
            self.charge(int_len(v < 0, v.unsigned_abs() as u128))
        }
    )*};
}

macro_rules! probe_uints {
    ($($method:ident($t:ty);)*) => {$(
        #[allow(clippy::cast_lossless)]
        fn $method(self, v: $t) -> Result<(), ProbeError> {
            self.charge(int_len(false, v as u128))
        }
    )*};
}

impl<'a> ser::Serializer for FiniteProbe<'a> {
    type Ok = ();
    type Error = ProbeError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = MapProbe<'a>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    probe_ints! {
        serialize_i8(i8); serialize_i16(i16); serialize_i32(i32); serialize_i64(i64);
        serialize_i128(i128);
    }

    probe_uints! {
        serialize_u8(u8); serialize_u16(u16); serialize_u32(u32); serialize_u64(u64);
        serialize_u128(u128);
    }

    fn serialize_bool(self, _: bool) -> Result<(), ProbeError> {
        self.charge(5)
    }

    fn serialize_char(self, _: char) -> Result<(), ProbeError> {
        self.charge(6)
    }

    fn serialize_str(self, v: &str) -> Result<(), ProbeError> {
        self.charge(v.len().saturating_add(2))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), ProbeError> {
        // A sequence of numbers in JSON.
        self.sequence(v.len())?;
        self.charge(v.len().saturating_mul(4))
    }

    fn serialize_none(self) -> Result<(), ProbeError> {
        self.charge(4)
    }

    fn serialize_unit(self) -> Result<(), ProbeError> {
        self.charge(4)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), ProbeError> {
        self.charge(4)
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), ProbeError> {
        self.charge(variant.len() + 2)
    }

    fn serialize_f32(self, v: f32) -> Result<(), ProbeError> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), ProbeError> {
        if v.is_finite() {
            // The longest shortest round-trip form; most are shorter.
            self.charge(20)
        } else {
            Err(ProbeError(ProbeFailure::NonFinite(None)))
        }
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ProbeError> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), ProbeError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), ProbeError> {
        value.serialize(self)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self, ProbeError> {
        self.sequence(len.unwrap_or(0))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self, ProbeError> {
        self.sequence(len)
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Self, ProbeError> {
        self.sequence(len)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        len: usize,
    ) -> Result<Self, ProbeError> {
        self.sequence(len)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<MapProbe<'a>, ProbeError> {
        self.charge(2)?;
        Ok(MapProbe {
            probe: self,
            key: None,
        })
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, ProbeError> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, ProbeError> {
        Ok(self)
    }
}

macro_rules! probe_compound {
    ($($trait:ident :: $method:ident ($($name:ident : $arg:ty),*);)*) => {$(
        impl ser::$trait for FiniteProbe<'_> {
            type Ok = ();
            type Error = ProbeError;

            fn $method<T: Serialize + ?Sized>(&mut self, $($name: $arg,)* value: &T) -> Result<(), ProbeError> {
                // A separator, and a field's quoted name and colon.
                self.charge(1 $(+ $name.len() + 3)*)?;
                let result = value.serialize(*self);
                $(let result = result.map_err(|e| e.under(|| $name.to_owned()));)*
                result
            }

            fn end(self) -> Result<(), ProbeError> {
                Ok(())
            }
        }
    )*};
}

probe_compound! {
    SerializeSeq::serialize_element();
    SerializeTuple::serialize_element();
    SerializeTupleStruct::serialize_field();
    SerializeTupleVariant::serialize_field();
    SerializeStruct::serialize_field(key: &'static str);
    SerializeStructVariant::serialize_field(key: &'static str);
}

/// Walks a map, remembering the current key for error messages.
struct MapProbe<'a> {
    probe: FiniteProbe<'a>,
    key: Option<String>,
}

impl ser::SerializeMap for MapProbe<'_> {
    type Ok = ();
    type Error = ProbeError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ProbeError> {
        self.probe.charge(2)?;
        key.serialize(self.probe)?;
        self.key = serde_json::to_value(key).ok().map(|k| match k {
            Value::String(s) => s,
            other => other.to_string(),
        });
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ProbeError> {
        let key = self.key.take();
        value
            .serialize(self.probe)
            .map_err(|e| e.under(|| key.unwrap_or_default()))
    }

    fn end(self) -> Result<(), ProbeError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct Inner {
        lr: f64,
    }

    #[derive(Serialize)]
    struct Params {
        epochs: u32,
        #[serde(rename = "my.param")]
        my_param: &'static str,
        inner: Inner,
        list: Vec<f32>,
    }

    #[test]
    fn struct_becomes_sanitized_map() {
        let map = to_json_map(&Params {
            epochs: 3,
            my_param: "x",
            inner: Inner { lr: 0.1 },
            list: vec![1.0, 2.0],
        })
        .unwrap();
        assert_eq!(map["epochs"], 3);
        assert_eq!(map["my-param"], "x");
        assert_eq!(map["inner"]["lr"], 0.1);
    }

    #[test]
    fn nested_nan_is_refused_with_its_key() {
        let err = to_json_map(&Params {
            epochs: 3,
            my_param: "x",
            inner: Inner { lr: f64::NAN },
            list: vec![],
        })
        .unwrap_err();
        assert!(
            matches!(&err, Error::NonFinite { key } if key == "inner"),
            "{err}"
        );
        let mut m = BTreeMap::new();
        m.insert("a", vec![1.0, f64::INFINITY]);
        assert!(matches!(to_json_map(&m), Err(Error::NonFinite { key }) if key == "a"));
        assert!(matches!(to_json("k", &f32::NAN), Err(Error::NonFinite { key }) if key == "k"));
    }

    #[test]
    fn f32_values_are_logged_as_written() {
        #[derive(Serialize)]
        struct Adam {
            beta_1: f32,
            epsilon: f32,
            steps: Vec<f32>,
        }
        let adam = Adam {
            beta_1: 0.9,
            epsilon: 1e-5,
            steps: vec![0.1, 3.3],
        };
        assert_eq!(
            to_json("adam", &adam).unwrap(),
            serde_json::json!({"beta_1": 0.9, "epsilon": 1e-5, "steps": [0.1, 3.3]})
        );
        assert_eq!(to_json("k", &0.1f64).unwrap(), serde_json::json!(0.1));
        assert_eq!(
            to_json("k", &u64::MAX).unwrap(),
            serde_json::json!(u64::MAX)
        );
    }

    #[test]
    fn non_maps_and_bad_names_are_refused() {
        assert!(matches!(
            to_json_map(&3),
            Err(Error::NotAMap { found: "a number" })
        ));
        let mut m = BTreeMap::new();
        m.insert("@@@", 1);
        assert!(matches!(to_json_map(&m), Err(Error::InvalidName { .. })));
    }

    #[test]
    fn values_over_the_size_limits_are_refused_with_their_key() {
        let data = vec![0.5f64; 1_000_000];
        let err = to_json("data", &data).unwrap_err();
        assert!(
            matches!(&err, Error::TooLarge { key, what } if key == "data" && what.contains("1000000 elements")),
            "{err}"
        );
        assert!(err.to_string().contains("skip(data)"), "{err}");
        let text = "x".repeat(MAX_VALUE_BYTES);
        assert!(
            matches!(to_json("notes", &text), Err(Error::TooLarge { key, .. }) if key == "notes")
        );
        let mut m = BTreeMap::new();
        m.insert("small", vec![1u8]);
        m.insert("large", vec![7u8; MAX_SEQUENCE_LEN + 1]);
        assert!(matches!(to_json_map(&m), Err(Error::TooLarge { key, .. }) if key == "large"));
        // Many small entries add up: 5,000 strings of 20 characters are about 110 KB.
        let many: BTreeMap<String, String> = (0..5000)
            .map(|i| (format!("k{i}"), "y".repeat(20)))
            .collect();
        assert!(matches!(
            to_json("many", &many),
            Err(Error::TooLarge { .. })
        ));
    }

    #[test]
    fn values_under_the_limits_are_logged_whole() {
        let layers = vec![512u32; MAX_SEQUENCE_LEN];
        assert_eq!(
            to_json("layers", &layers).unwrap().as_array().map(Vec::len),
            Some(4096)
        );
        let text = "x".repeat(MAX_VALUE_BYTES - 10);
        assert_eq!(to_json("notes", &text).unwrap(), Value::String(text));
        assert_eq!(int_len(false, 0), 1);
        assert_eq!(int_len(true, 1000), 5);
        assert_eq!(int_len(false, u128::MAX), 39);
    }

    #[test]
    fn metric_values() {
        assert_eq!(3u64.to_f64(), 3.0);
        assert_eq!(true.to_f64(), 1.0);
        assert_eq!(0.5f32.to_f64(), 0.5);
    }
}

/// Support for the keyword macros (`log_inputs!`, `log_outputs!`); reached through
/// `__private::kwargs`.
pub mod kwargs {
    use super::{to_json, Error};
    use serde::Serialize;

    /// The map the macros build.
    pub type Map = serde_json::Map<String, serde_json::Value>;

    /// Inserts `key = value`, refusing values JSON cannot hold.
    pub fn insert<T: Serialize + ?Sized>(map: &mut Map, key: &str, value: &T) -> Result<(), Error> {
        map.insert(key.to_owned(), to_json(key, value)?);
        Ok(())
    }
}
