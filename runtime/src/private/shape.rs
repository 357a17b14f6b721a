//! Which parts of a value serde serializes as a struct: the only values the attributes
//! flatten into their fields.
//!
//! JSON cannot tell a struct from a map (`HashMap<u32, f64>`) or from an enum's struct
//! variant: all three are objects. The value's `Serialize` impl can: a struct calls
//! `serialize_struct`. [`shape_of`] walks a value with a serializer that records exactly
//! that, down the chains of struct fields, and stops at the first value that is not a
//! struct (a sequence of a million numbers costs one call).

use serde::ser::{self, Impossible, Serialize};
use std::fmt;

/// What a value is, as far as flattening cares.
#[derive(Debug, PartialEq)]
pub(crate) enum Shape {
    /// A struct: its fields, by their serialized names, in order.
    Struct(Vec<(&'static str, Shape)>),
    /// Anything else (a number, a sequence, a map, an enum variant, ...): logged whole.
    Other,
}

/// The shape of `value`. `Option` and newtype structs are transparent, as they are in JSON.
pub(crate) fn shape_of<T: Serialize + ?Sized>(value: &T) -> Shape {
    value.serialize(ShapeProbe).unwrap_or(Shape::Other)
}

struct ShapeProbe;

/// The walk stops here: the value is not a struct.
#[derive(Debug)]
struct NotAStruct;

impl fmt::Display for NotAStruct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a struct")
    }
}

impl std::error::Error for NotAStruct {}

impl ser::Error for NotAStruct {
    fn custom<M: fmt::Display>(_: M) -> Self {
        NotAStruct
    }
}

macro_rules! not_a_struct {
    ($($method:ident($($arg:ty),*);)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<Shape, NotAStruct> {
            Err(NotAStruct)
        }
    )*};
}

type Never = Impossible<Shape, NotAStruct>;

impl ser::Serializer for ShapeProbe {
    type Ok = Shape;
    type Error = NotAStruct;
    type SerializeSeq = Never;
    type SerializeTuple = Never;
    type SerializeTupleStruct = Never;
    type SerializeTupleVariant = Never;
    type SerializeMap = Never;
    type SerializeStruct = StructShape;
    type SerializeStructVariant = Never;

    not_a_struct! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_i128(i128); serialize_u8(u8); serialize_u16(u16);
        serialize_u32(u32); serialize_u64(u64); serialize_u128(u128); serialize_f32(f32);
        serialize_f64(f64); serialize_char(char); serialize_str(&str); serialize_bytes(&[u8]);
        serialize_none(); serialize_unit(); serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Shape, NotAStruct> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Shape, NotAStruct> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Shape, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Never, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_tuple(self, _: usize) -> Result<Never, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Never, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Never, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Never, NotAStruct> {
        Err(NotAStruct)
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<StructShape, NotAStruct> {
        Ok(StructShape {
            fields: Vec::with_capacity(len.min(64)),
        })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Never, NotAStruct> {
        Err(NotAStruct)
    }
}

/// The fields of a struct, each with its own shape.
struct StructShape {
    fields: Vec<(&'static str, Shape)>,
}

impl ser::SerializeStruct for StructShape {
    type Ok = Shape;
    type Error = NotAStruct;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), NotAStruct> {
        self.fields.push((key, shape_of(value)));
        Ok(())
    }

    fn end(self) -> Result<Shape, NotAStruct> {
        Ok(Shape::Struct(self.fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::HashMap;

    #[derive(Serialize)]
    struct Dims {
        units: u32,
    }

    #[derive(Serialize)]
    struct Layer {
        dims: Dims,
        #[serde(rename = "drop")]
        dropout: Option<f64>,
        weights: HashMap<u32, f64>,
    }

    #[derive(Serialize)]
    enum Schedule {
        Cosine { warmup: u32 },
        Constant,
        Step(u32),
    }

    #[derive(Serialize)]
    struct Lr(f64);

    #[test]
    fn structs_are_walked_field_by_field_and_nothing_else_is() {
        let layer = Layer {
            dims: Dims { units: 4 },
            dropout: None,
            weights: HashMap::new(),
        };
        assert_eq!(
            shape_of(&layer),
            Shape::Struct(vec![
                ("dims", Shape::Struct(vec![("units", Shape::Other)])),
                ("drop", Shape::Other),
                ("weights", Shape::Other),
            ])
        );
        assert_eq!(
            shape_of(&Some(Dims { units: 1 })),
            shape_of(&Dims { units: 1 })
        );
        assert_eq!(shape_of(&Schedule::Cosine { warmup: 1 }), Shape::Other);
        assert_eq!(shape_of(&Schedule::Constant), Shape::Other);
        assert_eq!(shape_of(&Schedule::Step(3)), Shape::Other);
        assert_eq!(shape_of(&HashMap::from([(0u32, 1.0f64)])), Shape::Other);
        assert_eq!(shape_of(&Lr(0.1)), Shape::Other);
        assert_eq!(shape_of(&vec![0.5f64; 1_000_000]), Shape::Other);
        assert_eq!(shape_of(&serde_json::json!({"a": 1})), Shape::Other);
    }
}
