//! The local mirror of a Polyaxon run (`V1Run`) and of its lineage (`V1RunArtifact`): what an
//! offline run persists as `run.plx.json` and `lineages.plx.json`, with the server's merge
//! semantics.

use crate::kind::{ArtifactKind, Status};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A status condition, as Polyaxon's `V1StatusCondition`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// The status.
    #[serde(rename = "type")]
    pub kind: Status,
    /// Always `true` for conditions polytrack writes.
    pub status: Value,
    /// Why, e.g. `PolyaxonClient`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// ISO-8601 time of the update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<String>,
    /// ISO-8601 time of the transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

impl Condition {
    /// A condition of `kind` at `at`, with Polyaxon's default reason `PolyaxonClient`.
    pub fn new(kind: Status, reason: Option<&str>, message: Option<&str>, at: Timestamp) -> Self {
        let time = at.to_iso();
        Condition {
            kind,
            status: Value::Bool(true),
            reason: Some(reason.unwrap_or("PolyaxonClient").to_owned()),
            message: message.map(str::to_owned),
            last_update_time: Some(time.clone()),
            last_transition_time: Some(time),
        }
    }
}

/// One lineage entry, as Polyaxon's `V1RunArtifact`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// The name (sanitized).
    pub name: String,
    /// The kind.
    pub kind: ArtifactKind,
    /// The path, relative to the run's folder where possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Free-form summary: hash and path for files, statistics for event files.
    #[serde(default)]
    pub summary: Map<String, Value>,
    /// The artifacts store connection, for event summaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Whether the artifact is an input of the run.
    #[serde(default)]
    pub is_input: bool,
}

/// The run as Polyaxon's `V1Run`, holding the fields the tracking client writes. Unknown
/// fields of a run read from disk or from the API are kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The uuid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// The name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The readme (markdown), as `set_readme` sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readme: Option<String>,
    /// The tags, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// When the run was created (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the run was last updated (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// When the run started running (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When the run finished (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// Seconds between creation and start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_time: Option<f64>,
    /// Seconds between start and finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// Who manages the run: `user` for runs the client creates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    /// Whether Polyaxon's scheduler manages the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_managed: Option<bool>,
    /// The current status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Meta information, e.g. the `has_metrics` flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_info: Option<Map<String, Value>>,
    /// The run kind: `job`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The runtime: `job`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Inputs (hyperparameters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Map<String, Value>>,
    /// Outputs (results and the last value of every metric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Map<String, Value>>,
    /// Every status condition, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_conditions: Vec<Condition>,
    /// Fields polytrack does not interpret, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Merges `values` into `target` the way the server does: a shallow update with `merge`,
/// a replacement without.
pub(crate) fn merge_map(
    target: &mut Option<Map<String, Value>>,
    values: &Map<String, Value>,
    reset: bool,
) {
    match target {
        Some(existing) if !reset => {
            for (k, v) in values {
                existing.insert(k.clone(), v.clone());
            }
        }
        _ => *target = Some(values.clone()),
    }
}

/// Appends the tags not present yet, in order (the server's merge), or replaces them.
pub(crate) fn merge_tags(target: &mut Option<Vec<String>>, tags: &[String], reset: bool) {
    let existing = target.get_or_insert_with(Vec::new);
    if reset {
        existing.clear();
    }
    for tag in tags {
        if !existing.contains(tag) {
            existing.push(tag.clone());
        }
    }
}

/// Inserts or replaces a lineage entry; outputs are identified by name, inputs by name and
/// path (the server's `(name, state)` identity).
pub(crate) fn upsert_artifact(lineage: &mut Vec<Artifact>, artifact: Artifact) {
    let same = |a: &Artifact| {
        a.name == artifact.name
            && a.is_input == artifact.is_input
            && (!artifact.is_input || a.path == artifact.path)
    };
    match lineage.iter_mut().find(|a| same(a)) {
        Some(slot) => *slot = artifact,
        None => lineage.push(artifact),
    }
}

/// Seconds between two ISO-8601 times, rounded to 0.01 as Polyaxon does.
fn seconds_between(from: &str, to: &str) -> Option<f64> {
    let secs = (parse_iso_micros(to)? - parse_iso_micros(from)?) as f64 / 1e6;
    Some((secs * 100.0).round() / 100.0)
}

/// An ISO-8601 time as microseconds since the epoch (UTC).
fn parse_iso_micros(s: &str) -> Option<i64> {
    crate::timestamp::parse_timestamp(s).map(|t| t.epoch_micros())
}

impl RunRecord {
    /// Records a status condition and the times it implies.
    pub(crate) fn apply_status(&mut self, condition: &Condition) {
        let time = condition.last_transition_time.clone();
        self.status = Some(condition.kind);
        self.updated_at.clone_from(&time);
        if condition.kind == Status::Created && self.created_at.is_none() {
            self.created_at.clone_from(&time);
        }
        if condition.kind == Status::Running && self.started_at.is_none() {
            self.started_at.clone_from(&time);
            if let (Some(c), Some(s)) = (&self.created_at, &self.started_at) {
                self.wait_time = seconds_between(c, s);
            }
        }
        if condition.kind.is_done() {
            self.finished_at.clone_from(&time);
            if let (Some(s), Some(f)) = (&self.started_at, &self.finished_at) {
                self.duration = seconds_between(s, f);
            }
        }
        self.status_conditions.push(condition.clone());
    }

    /// Replaces run fields (`set_name`, `set_description`, `set_readme`); other keys are kept
    /// as extra fields.
    pub(crate) fn apply_fields(&mut self, values: &Map<String, Value>) {
        for (key, value) in values {
            let text = value.as_str().map(str::to_owned);
            match key.as_str() {
                "name" => self.name = text,
                "description" => self.description = text,
                "readme" => self.readme = text,
                _ => {
                    self.extra.insert(key.clone(), value.clone());
                }
            }
        }
    }

    /// Whether `meta_info[key]` is `true`.
    pub(crate) fn has_meta(&self, key: &str) -> bool {
        self.meta_info
            .as_ref()
            .and_then(|m| m.get(key))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn merges_like_the_server() {
        let mut target = None;
        merge_map(&mut target, &map(json!({"a": 1, "b": {"x": 1}})), false);
        merge_map(&mut target, &map(json!({"b": {"y": 2}, "c": 3})), false);
        assert_eq!(
            Value::Object(target.clone().unwrap()),
            json!({"a":1,"b":{"y":2},"c":3})
        );
        merge_map(&mut target, &map(json!({"z": 0})), true);
        assert_eq!(Value::Object(target.unwrap()), json!({"z":0}));

        let mut tags = Some(vec!["a".to_string()]);
        merge_tags(&mut tags, &["b".into(), "a".into(), "c".into()], false);
        assert_eq!(tags.as_deref().unwrap(), ["a", "b", "c"]);
        merge_tags(&mut tags, &["x".into()], true);
        assert_eq!(tags.unwrap(), ["x"]);
    }

    #[test]
    fn status_times() {
        let mut run = RunRecord::default();
        let t0 = Timestamp::from_micros(1_700_000_000_000_000);
        let t1 = Timestamp::from_micros(1_700_000_001_500_000);
        let t2 = Timestamp::from_micros(1_700_000_004_256_000);
        run.apply_status(&Condition::new(
            Status::Created,
            Some("OfflineOperation"),
            None,
            t0,
        ));
        run.apply_status(&Condition::new(Status::Running, None, None, t1));
        run.apply_status(&Condition::new(Status::Succeeded, None, None, t2));
        assert_eq!(run.wait_time, Some(1.5));
        assert_eq!(run.duration, Some(2.76));
        assert_eq!(run.status, Some(Status::Succeeded));
        assert_eq!(run.status_conditions.len(), 3);
        let json = serde_json::to_value(&run).unwrap();
        assert_eq!(json["status_conditions"][0]["type"], "created");
        assert_eq!(json["status_conditions"][1]["reason"], "PolyaxonClient");
        assert!(json.get("inputs").is_none());
    }

    #[test]
    fn parses_iso_times() {
        for micros in [
            0i64,
            1_700_000_001_500_000,
            951_782_400_000_001,
            -86_400_000_000,
        ] {
            let ts = Timestamp::from_micros(micros);
            assert_eq!(
                parse_iso_micros(&ts.to_iso()),
                Some(micros),
                "{}",
                ts.to_iso()
            );
        }
        assert_eq!(parse_iso_micros("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_iso_micros("garbage"), None);
    }

    #[test]
    fn lineage_upsert() {
        let a = |name: &str, path: &str| Artifact {
            name: name.into(),
            kind: ArtifactKind::File,
            path: Some(path.into()),
            summary: Map::new(),
            connection: None,
            is_input: false,
        };
        let mut lineage = vec![a("x", "p1")];
        upsert_artifact(&mut lineage, a("x", "p2"));
        upsert_artifact(&mut lineage, a("y", "p3"));
        assert_eq!(lineage.len(), 2);
        assert_eq!(lineage[0].path.as_deref(), Some("p2"));
    }
}
