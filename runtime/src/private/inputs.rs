//! Arguments as inputs, and returned values as outputs: what is flattened, and how names that
//! collide are kept apart.
//!
//! The rule: only a value serde serializes as a struct is logged as its fields (a nested
//! struct's fields under compound names, `optimizer__lr`); a map, an enum with data, a
//! sequence and every other value is logged whole under the argument's name. When fields of
//! two arguments of one call (or a field and a plain argument) would have the same name, each
//! field is logged under `<argument>__<field>` instead, with one warning. A name is never
//! logged twice: a value whose name is still taken is left out, with a warning.

use super::shape::{shape_of, Shape};
use super::{first_time, InputValue, SEPARATOR};
use crate::value::to_json;
use crate::Run;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// How an argument that is a struct is logged.
#[derive(Clone, Copy)]
pub enum Layout {
    /// Its fields, by their own names.
    Fields,
    /// Its fields, each under `<key>__<name>` (the argument was renamed to `key`).
    Prefixed,
    /// As one value under its key (`whole(..)`).
    Whole,
}

/// What one argument contributes: names (before any prefix) and values.
struct Argument {
    key: String,
    entries: Vec<(String, Value)>,
    /// Whether the entries are the struct's own field names, which yield to a collision.
    fields: bool,
}

/// The arguments of one call, gathered into one `log_inputs`.
pub struct Inputs {
    run: Run,
    prefix: Option<&'static str>,
    arguments: Vec<Argument>,
}

/// Where `#[track_params]` logs: the current run, if any. When there is none this costs one
/// atomic load, and no argument is serialized.
#[inline]
pub fn current_inputs(prefix: Option<&'static str>) -> Option<Inputs> {
    crate::current().map(|run| Inputs::new(run, prefix))
}

impl Inputs {
    pub(super) fn new(run: Run, prefix: Option<&'static str>) -> Inputs {
        Inputs {
            run,
            prefix,
            arguments: Vec::new(),
        }
    }

    /// Adds one argument under `key`; a struct is added as `layout` says.
    pub fn add<T: InputValue + ?Sized>(&mut self, key: &str, value: &T, layout: Layout) {
        let json = match to_json(key, value) {
            Ok(json) => json,
            Err(error) => {
                log::error!(target: "polytrack", "input `{key}` is not logged: {error}");
                return;
            }
        };
        let mut entries = Vec::new();
        let fields = match layout {
            Layout::Whole => {
                entries.push((key.to_owned(), json));
                false
            }
            Layout::Fields => flatten_struct(&mut entries, key, None, json, value),
            // Already under the argument's own name: nothing to yield to.
            Layout::Prefixed => {
                flatten_struct(&mut entries, key, Some(key), json, value);
                false
            }
        };
        self.arguments.push(Argument {
            key: key.to_owned(),
            entries,
            fields,
        });
    }

    /// Logs what was added.
    pub fn log(self) {
        let values = resolve(self.prefix, self.arguments);
        if values.is_empty() {
            return;
        }
        if let Err(error) = self.run.log_inputs(&values) {
            log::error!(target: "polytrack", "the arguments are not logged: {error}");
        }
    }
}

/// The names of every argument, collisions resolved as the module docs say.
fn resolve(prefix: Option<&str>, arguments: Vec<Argument>) -> Map<String, Value> {
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for argument in &arguments {
        for (name, _) in &argument.entries {
            *uses.entry(name.as_str()).or_default() += 1;
        }
    }
    let collide: Vec<bool> = arguments
        .iter()
        .flat_map(|argument| {
            let uses = &uses;
            argument
                .entries
                .iter()
                .map(move |(name, _)| argument.fields && uses[name.as_str()] > 1)
        })
        .collect();
    let mut collide = collide.into_iter();
    let mut moved = Vec::new();
    let mut out = Map::new();
    for argument in arguments {
        for (name, value) in argument.entries {
            let name = if collide.next().unwrap_or(false) {
                let name = join(Some(&argument.key), &name);
                moved.push(name.clone());
                name
            } else {
                name
            };
            insert_new(&mut out, join(prefix, &name), value, "input");
        }
    }
    if !moved.is_empty() && first_time("inputs", &moved) {
        log::warn!(
            target: "polytrack",
            "fields of different arguments have the same names, so each is logged under its \
             argument's name: {} (said once; `rename(..)` or `whole(..)` choose other names)",
            moved.join(", ")
        );
    }
    out
}

/// Inserts `name = value` unless `name` is taken; then warns (once per name) and keeps the
/// first value.
fn insert_new(out: &mut Map<String, Value>, name: String, value: Value, what: &str) {
    if out.contains_key(&name) {
        if first_time(what, std::slice::from_ref(&name)) {
            log::warn!(
                target: "polytrack",
                "{what} `{name}` is logged once: another value of this call has the same name \
                 and was logged first (said once)"
            );
        }
        return;
    }
    out.insert(name, value);
}

/// The returned value as outputs: whole under `key` when given; a struct's fields by name; any
/// other value under `ret`; nothing for `None` and `()`.
pub(super) fn outputs<T: Serialize + ?Sized>(
    value: &T,
    key: Option<&str>,
) -> Result<Map<String, Value>, crate::Error> {
    let json = to_json(key.unwrap_or("ret"), value)?;
    let mut entries = Vec::new();
    match (key, json) {
        (_, Value::Null) => {}
        (Some(key), json) => entries.push((key.to_owned(), json)),
        (None, json) => {
            flatten_struct(&mut entries, "ret", None, json, value);
        }
    }
    let mut out = Map::new();
    for (name, value) in entries {
        insert_new(&mut out, name, value, "output");
    }
    Ok(out)
}

/// Pushes a struct's fields (prefixed with `prefix__` when given) and returns `true`, or the
/// whole value under `key` and returns `false` when `value` is not a struct.
fn flatten_struct<T: Serialize + ?Sized>(
    out: &mut Vec<(String, Value)>,
    key: &str,
    prefix: Option<&str>,
    json: Value,
    value: &T,
) -> bool {
    match (json, shape_of(value)) {
        (Value::Object(map), Shape::Struct(fields)) => {
            flatten(out, prefix, map, &fields);
            true
        }
        (json, _) => {
            out.push((key.to_owned(), json));
            false
        }
    }
}

/// A struct's fields, nested structs' fields under compound names; an empty nested struct is
/// kept as `{}`.
fn flatten(
    out: &mut Vec<(String, Value)>,
    prefix: Option<&str>,
    map: Map<String, Value>,
    fields: &[(&'static str, Shape)],
) {
    for (index, (field, value)) in map.into_iter().enumerate() {
        // Serialized in the order of `fields`; searched only when a field was skipped.
        let shape = match fields.get(index) {
            Some((name, shape)) if *name == field => shape,
            _ => fields
                .iter()
                .find(|(name, _)| *name == field)
                .map_or(&Shape::Other, |(_, shape)| shape),
        };
        let name = join(prefix, &field);
        match (value, shape) {
            (Value::Object(nested), Shape::Struct(inner)) if !nested.is_empty() => {
                flatten(out, Some(&name), nested, inner);
            }
            (value, _) => out.push((name, value)),
        }
    }
}

/// `prefix__name`, or `name`.
pub(super) fn join(prefix: Option<&str>, name: &str) -> String {
    match prefix {
        Some(prefix) => format!("{prefix}{SEPARATOR}{name}"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn argument(key: &str, fields: bool, entries: Value) -> Argument {
        let Value::Object(map) = entries else {
            panic!("entries are a map")
        };
        Argument {
            key: key.to_owned(),
            entries: map.into_iter().collect(),
            fields,
        }
    }

    #[test]
    fn fields_that_collide_move_under_their_arguments_and_plain_names_stay() {
        let resolved = resolve(
            Some("enc"),
            vec![
                argument("encoder", true, json!({"units": 4, "depth": 2})),
                argument("decoder", true, json!({"units": 8})),
                argument("depth", false, json!({"depth": 3})),
            ],
        );
        assert_eq!(
            Value::Object(resolved),
            json!({
                "enc__encoder__units": 4,
                "enc__encoder__depth": 2,
                "enc__decoder__units": 8,
                "enc__depth": 3,
            })
        );
    }

    #[test]
    fn a_name_still_taken_keeps_its_first_value() {
        // A field `a__b` of one argument and a nested `a.b` of another, both moved, do not
        // meet; a plain argument renamed onto another's name keeps the first.
        let resolved = resolve(
            None,
            vec![
                argument("x", false, json!({"lr": 1})),
                argument("y", false, json!({"lr": 2})),
            ],
        );
        assert_eq!(Value::Object(resolved), json!({"lr": 1}));
    }
}
