//! API updates as they are spooled and sent, and how consecutive ones coalesce.

use crate::record::{upsert_artifact, Artifact, Condition};
use crate::sink::Update;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Lineage entries one request carries at most. The real server (haupt 2.18, SQLite) refuses
/// a lineage post of 998 entries or more with an empty-bodied HTTP 405: it links them in one
/// query of one `OR` term per entry, past SQLite's expression depth of 1000. Its body size is
/// no limit (a 3 MB post of one entry is taken). Half that count leaves room for other stores.
pub(crate) const MAX_LINEAGE_BATCH: usize = 500;

/// One update of a run on the API. Each is one request unless coalesced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Op {
    /// Creates the run with the client's uuid: `POST /api/v1/{o}/{p}/runs/sync` (the plain
    /// create endpoint ignores a uuid in the body).
    Create {
        /// The run (`V1Run` fields the sync endpoint accepts).
        run: Map<String, Value>,
    },
    /// `PATCH /api/v1/{o}/{p}/runs/{u}`: inputs, outputs, tags or meta_info, with
    /// `"merge": true` unless it replaces them.
    Patch {
        /// The request body.
        body: Map<String, Value>,
    },
    /// `POST /api/v1/{o}/{p}/runs/{u}/lineage/artifacts`.
    Lineage {
        /// The entries.
        artifacts: Vec<Artifact>,
    },
    /// `POST /api/v1/{o}/{p}/runs/{u}/statuses`.
    Status {
        /// The condition.
        condition: Condition,
    },
    /// Uploads the run's folder through the streams API (a tar.gz, untarred at the run's root).
    Upload,
}

impl Op {
    /// The request for an update of the run's data; `None` when it changes nothing (an empty
    /// merge: the server would take an empty dict as "clear"). Statuses only when `statuses`.
    pub(crate) fn from_update(update: &Update, statuses: bool) -> Option<Op> {
        match update {
            Update::Inputs { values, reset } => patch("inputs", values, *reset),
            Update::Outputs { values, reset } => patch("outputs", values, *reset),
            Update::Meta { values } => patch("meta_info", values, false),
            Update::Tags { tags, reset } => {
                if tags.is_empty() && !reset {
                    return None;
                }
                let tags = Value::Array(tags.iter().cloned().map(Value::String).collect());
                Some(patch_body("tags", tags, *reset))
            }
            Update::Lineage(items) if items.is_empty() => None,
            Update::Lineage(items) => Some(Op::Lineage {
                artifacts: items.clone(),
            }),
            Update::Status(condition) if statuses => Some(Op::Status {
                condition: condition.clone(),
            }),
            Update::Status(_) => None,
            Update::UserStatus(condition) => Some(Op::Status {
                condition: condition.clone(),
            }),
            Update::Fields { values } if values.is_empty() => None,
            Update::Fields { values } => Some(Op::Patch {
                body: values.clone(),
            }),
        }
    }

    /// This update as requests the server takes: a lineage of more than
    /// [`MAX_LINEAGE_BATCH`] entries in several posts, anything else as it is.
    pub(crate) fn split(self) -> Vec<Op> {
        match self {
            Op::Lineage { artifacts } if artifacts.len() > MAX_LINEAGE_BATCH => artifacts
                .chunks(MAX_LINEAGE_BATCH)
                .map(|chunk| Op::Lineage {
                    artifacts: chunk.to_vec(),
                })
                .collect(),
            op => vec![op],
        }
    }

    /// A lineage post in two halves, for one the server refused whole; `None` for anything
    /// else (or a single entry).
    pub(crate) fn halves(&self) -> Option<[Op; 2]> {
        match self {
            Op::Lineage { artifacts } if artifacts.len() > 1 => {
                let (a, b) = artifacts.split_at(artifacts.len() / 2);
                Some([
                    Op::Lineage {
                        artifacts: a.to_vec(),
                    },
                    Op::Lineage {
                        artifacts: b.to_vec(),
                    },
                ])
            }
            _ => None,
        }
    }

    /// A short description for messages: `PATCH inputs, tags`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Op::Create { .. } => "create run".to_owned(),
            Op::Patch { body } => {
                let fields: Vec<&str> = body
                    .keys()
                    .filter(|k| *k != "merge")
                    .map(String::as_str)
                    .collect();
                format!("PATCH {}", fields.join(", "))
            }
            Op::Lineage { artifacts } => format!("lineage ({} entries)", artifacts.len()),
            Op::Status { condition } => format!("status {}", condition.kind),
            Op::Upload => "artifacts upload".to_owned(),
        }
    }

    /// Folds `next` into `self` when one request has exactly the effect of the two in order:
    /// two merging PATCHes (dicts updated shallowly, tags unioned in order, as the server
    /// does), or two lineage posts (upserted by the server's identity). A replacing PATCH, a
    /// status, a create or an upload never coalesces.
    pub(crate) fn absorb(&mut self, next: &Op) -> bool {
        match (self, next) {
            (Op::Patch { body: a }, Op::Patch { body: b }) if is_merge(a) && is_merge(b) => {
                merge_patch(a, b);
                true
            }
            (Op::Lineage { artifacts: a }, Op::Lineage { artifacts: b })
                if a.len() + b.len() <= MAX_LINEAGE_BATCH =>
            {
                for item in b {
                    upsert_artifact(a, item.clone());
                }
                true
            }
            _ => false,
        }
    }
}

fn patch(field: &str, values: &Map<String, Value>, reset: bool) -> Option<Op> {
    if values.is_empty() && !reset {
        return None;
    }
    Some(patch_body(field, Value::Object(values.clone()), reset))
}

fn patch_body(field: &str, value: Value, reset: bool) -> Op {
    let mut body = Map::new();
    body.insert(field.to_owned(), value);
    if !reset {
        body.insert("merge".to_owned(), Value::Bool(true));
    }
    Op::Patch { body }
}

fn is_merge(body: &Map<String, Value>) -> bool {
    body.get("merge") == Some(&Value::Bool(true))
}

/// The server's merge, applied to two request bodies.
fn merge_patch(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (key, value) in from {
        match (key.as_str(), into.get_mut(key), value) {
            ("tags", Some(Value::Array(old)), Value::Array(new)) => {
                for tag in new {
                    if !old.contains(tag) {
                        old.push(tag.clone());
                    }
                }
            }
            (_, Some(Value::Object(old)), Value::Object(new)) => {
                for (k, v) in new {
                    old.insert(k.clone(), v.clone());
                }
            }
            _ => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::ArtifactKind;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    fn inputs(v: Value, reset: bool) -> Op {
        Op::from_update(
            &Update::Inputs {
                values: map(v),
                reset,
            },
            false,
        )
        .unwrap()
    }

    #[test]
    fn patches_merge_like_the_server() {
        let mut a = inputs(json!({"a": 1, "b": {"x": 1}}), false);
        assert!(a.absorb(&inputs(json!({"b": {"y": 2}, "c": 3}), false)));
        let tags = |t: &[&str]| {
            Op::from_update(
                &Update::Tags {
                    tags: t.iter().map(|s| s.to_string()).collect(),
                    reset: false,
                },
                false,
            )
            .unwrap()
        };
        assert!(a.absorb(&tags(&["x", "y"])));
        assert!(a.absorb(&tags(&["y", "z"])));
        let outputs = Op::from_update(
            &Update::Outputs {
                values: map(json!({"loss": 0.1})),
                reset: false,
            },
            false,
        )
        .unwrap();
        assert!(a.absorb(&outputs));
        assert_eq!(
            a,
            Op::Patch {
                body: map(json!({
                    "inputs": {"a": 1, "b": {"y": 2}, "c": 3},
                    "merge": true,
                    "tags": ["x", "y", "z"],
                    "outputs": {"loss": 0.1},
                }))
            }
        );
    }

    #[test]
    fn resets_break_coalescing() {
        let mut a = inputs(json!({"a": 1}), false);
        let reset = inputs(json!({"b": 2}), true);
        assert_eq!(
            reset,
            Op::Patch {
                body: map(json!({"inputs": {"b": 2}}))
            }
        );
        assert!(!a.absorb(&reset));
        let mut r = reset.clone();
        assert!(!r.absorb(&a));
    }

    #[test]
    fn empty_merges_send_nothing() {
        assert_eq!(
            Op::from_update(
                &Update::Inputs {
                    values: Map::new(),
                    reset: false
                },
                true
            ),
            None
        );
        assert!(Op::from_update(
            &Update::Inputs {
                values: Map::new(),
                reset: true
            },
            true
        )
        .is_some());
        assert_eq!(
            Op::from_update(
                &Update::Tags {
                    tags: vec![],
                    reset: false
                },
                true
            ),
            None
        );
        assert_eq!(Op::from_update(&Update::Lineage(vec![]), true), None);
    }

    #[test]
    fn statuses_only_when_owned() {
        let c = Condition::new(
            crate::kind::Status::Running,
            None,
            None,
            crate::timestamp::Timestamp::now(),
        );
        assert_eq!(Op::from_update(&Update::Status(c.clone()), false), None);
        let mut op = Op::from_update(&Update::Status(c), true).unwrap();
        assert!(!op.clone().absorb(&op.clone()));
        assert!(!op.absorb(&Op::Upload));
    }

    #[test]
    fn big_lineages_are_split_and_halved() {
        let art = |i: usize| Artifact {
            name: format!("m{i}"),
            kind: ArtifactKind::Metric,
            path: None,
            summary: Map::new(),
            connection: None,
            is_input: false,
        };
        let all: Vec<Artifact> = (0..1203).map(art).collect();
        let ops = Op::Lineage {
            artifacts: all.clone(),
        }
        .split();
        let sizes: Vec<usize> = ops
            .iter()
            .map(|op| match op {
                Op::Lineage { artifacts } => artifacts.len(),
                _ => 0,
            })
            .collect();
        assert_eq!(sizes, [500, 500, 203]);
        let mut back = Vec::new();
        for op in &ops {
            if let Op::Lineage { artifacts } = op {
                back.extend(artifacts.iter().cloned());
            }
        }
        assert_eq!(back, all);
        // Coalescing never builds a request past the limit again.
        let mut first = ops[0].clone();
        assert!(!first.absorb(&ops[2]));
        let [a, b] = ops[2].halves().unwrap();
        assert_eq!(
            (a.describe(), b.describe()),
            (
                "lineage (101 entries)".into(),
                "lineage (102 entries)".into()
            )
        );
        assert!(Op::Lineage {
            artifacts: vec![art(0)]
        }
        .halves()
        .is_none());
        assert!(Op::Upload.halves().is_none());
    }

    #[test]
    fn lineage_upserts() {
        let art = |name: &str, path: &str| Artifact {
            name: name.into(),
            kind: ArtifactKind::File,
            path: Some(path.into()),
            summary: Map::new(),
            connection: None,
            is_input: false,
        };
        let mut a = Op::Lineage {
            artifacts: vec![art("x", "1")],
        };
        assert!(a.absorb(&Op::Lineage {
            artifacts: vec![art("x", "2"), art("y", "3")]
        }));
        assert_eq!(
            a,
            Op::Lineage {
                artifacts: vec![art("x", "2"), art("y", "3")]
            }
        );
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["op"], "lineage");
        let back: Op = serde_json::from_value(json).unwrap();
        assert_eq!(back, a);
    }
}
