//! Lineage references by kind: Python's `log_data_ref`, `log_model_ref`, `log_file_ref`,
//! `log_dir_ref`, `log_tensorboard_ref` and `get_tensorboard_path`.
//!
//! Each is one lineage entry (`POST .../lineage/artifacts`, or `lineages.plx.json` offline),
//! resolved as [`Run::log_artifact_ref`] resolves it: the name defaults from the path, the
//! path is made relative to the run, and a file or folder is hashed (md5, 12 hex characters)
//! on the background thread unless a hash is given.

use crate::error::Error;
use crate::kind::ArtifactKind;
use crate::lineage::{self, ArtifactRef};
use crate::record::Artifact;
use crate::run::{current, inactive, Run};
use crate::sink::Update;
use crate::value::sanitize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The options of a lineage reference (Python's keyword arguments `name`, `hash`, `summary`,
/// `is_input` and `skip_hash_calculation`).
#[derive(Clone, Debug, Default)]
pub struct RefOptions {
    name: Option<String>,
    hash: Option<String>,
    summary: Map<String, Value>,
    is_input: Option<bool>,
    skip_hash: bool,
}

impl RefOptions {
    /// Default options: the name from the path, hashed, an output (a data ref: an input).
    pub fn new() -> Self {
        Self::default()
    }

    /// The entry's name, instead of the one derived from the path (sanitized as Polyaxon does).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The version's hash, instead of hashing the file (Python's `hash`).
    pub fn hash(mut self, hash: impl Into<String>) -> Self {
        self.hash = Some(hash.into());
        self
    }

    /// The hash of `content`, as Python's `content=` computes it for a string: md5 of the
    /// bytes, 12 hex characters.
    pub fn content(self, content: impl AsRef<[u8]>) -> Self {
        self.hash(content_hash(content.as_ref()))
    }

    /// One more summary entry shown in the lineage table.
    pub fn summary(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.summary.insert(key.into(), value.into());
        self
    }

    /// Whether the reference is an input of the run (Python's `is_input`).
    pub fn is_input(mut self, is_input: bool) -> Self {
        self.is_input = Some(is_input);
        self
    }

    /// Do not hash the file or folder (Python's `skip_hash_calculation`).
    pub fn skip_hash(mut self) -> Self {
        self.skip_hash = true;
        self
    }
}

/// md5 of `content` as 12 hex characters (Python's `hash_value` of a string).
pub(crate) fn content_hash(content: &[u8]) -> String {
    use md5::Digest;
    let digest = format!("{:x}", md5::Md5::digest(content));
    digest[..12].to_owned()
}

impl Run {
    /// Records a data reference (Python's `log_data_ref(name, hash, path, content, summary,
    /// is_input=True)`): kind `data`, an input unless [`RefOptions::is_input`] says otherwise.
    /// With a `path`, it is resolved like a file reference; without one, only the name,
    /// hash and summary are recorded.
    pub fn log_data_ref(
        &self,
        name: &str,
        path: Option<&Path>,
        options: RefOptions,
    ) -> Result<(), Error> {
        let options = options.name(name);
        match path {
            Some(path) => self.log_ref(ArtifactKind::Data, path, options, true),
            None => {
                if !self.is_tracking() {
                    return Ok(());
                }
                let mut summary = options.summary;
                if let Some(hash) = options.hash {
                    summary.insert("hash".to_owned(), Value::String(hash));
                }
                let artifact = Artifact {
                    name: sanitize(name)?,
                    kind: ArtifactKind::Data,
                    path: None,
                    summary,
                    connection: None,
                    is_input: options.is_input.unwrap_or(true),
                };
                self.send_update(Update::Lineage(vec![artifact]))
            }
        }
    }

    /// Records a model file or folder (Python's `log_model_ref(path, name, framework,
    /// summary)`): kind `model`, `framework` in the summary, and `has_model` set once.
    pub fn log_model_ref(
        &self,
        path: impl AsRef<Path>,
        framework: Option<&str>,
        options: RefOptions,
    ) -> Result<(), Error> {
        let Some(state) = self.state() else {
            return Ok(());
        };
        let framework = framework.map_or(Value::Null, |f| Value::String(f.to_owned()));
        let options = options.summary("framework", framework);
        if state.first_model() {
            let mut values = Map::new();
            values.insert("has_model".to_owned(), Value::Bool(true));
            self.send_update(Update::Meta { values })?;
        }
        self.log_ref(ArtifactKind::Model, path.as_ref(), options, false)
    }

    /// Records a file (Python's `log_file_ref(path, name, hash, content, summary, is_input)`).
    pub fn log_file_ref(&self, path: impl AsRef<Path>, options: RefOptions) -> Result<(), Error> {
        self.log_ref(ArtifactKind::File, path.as_ref(), options, false)
    }

    /// Records a folder (Python's `log_dir_ref(path, name, hash, summary, is_input)`); the
    /// name defaults to the folder's whole base name.
    pub fn log_dir_ref(&self, path: impl AsRef<Path>, options: RefOptions) -> Result<(), Error> {
        let path = path.as_ref();
        let options = match options.name {
            Some(_) => options,
            None => {
                let base = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                options.name(base)
            }
        };
        self.log_ref(ArtifactKind::Dir, path, options, false)
    }

    /// Records a TensorBoard log folder (Python's `log_tensorboard_ref(path,
    /// name="tensorboard")`), not hashed, once per run, then sets `has_tensorboard` so
    /// Polyaxon's UI offers its TensorBoard view. Later calls do nothing.
    pub fn log_tensorboard_ref(
        &self,
        path: impl AsRef<Path>,
        options: RefOptions,
    ) -> Result<(), Error> {
        let Some(state) = self.state() else {
            return Ok(());
        };
        if !state.first_tensorboard() {
            return Ok(());
        }
        let options = match options.name {
            Some(_) => options,
            None => options.name("tensorboard"),
        };
        self.log_ref(
            ArtifactKind::Tensorboard,
            path.as_ref(),
            options.skip_hash(),
            false,
        )?;
        let mut values = Map::new();
        values.insert("has_tensorboard".to_owned(), Value::Bool(true));
        self.send_update(Update::Meta { values })
    }

    /// `<artifacts>/outputs/tensorboard`, for a TensorBoard writer (tensorboard-rs, say), and
    /// records it with [`log_tensorboard_ref`](Self::log_tensorboard_ref) (Python's
    /// `get_tensorboard_path()`). The folder itself is left for the writer to create.
    pub fn get_tensorboard_path(&self) -> Result<PathBuf, Error> {
        let path = self.get_outputs_path("tensorboard")?;
        self.log_tensorboard_ref(&path, RefOptions::new())?;
        Ok(path)
    }

    fn log_ref(
        &self,
        kind: ArtifactKind,
        path: &Path,
        options: RefOptions,
        input_by_default: bool,
    ) -> Result<(), Error> {
        if !self.is_tracking() {
            return Ok(());
        }
        let name = match &options.name {
            Some(n) => sanitize(n)?,
            None => sanitize(&lineage::default_name(path))?,
        };
        let mut summary = options.summary;
        if let Some(hash) = options.hash {
            summary.insert("hash".to_owned(), Value::String(hash));
        }
        self.send_artifact_ref(ArtifactRef {
            path: path.to_owned(),
            kind,
            name,
            is_input: options.is_input.unwrap_or(input_by_default),
            summary,
            skip_hash: options.skip_hash,
        })
    }
}

macro_rules! on_current {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*)) => {
        $(#[$doc])*
        pub fn $name($($arg: $ty),*) -> Result<(), Error> {
            match current() {
                Some(run) => run.$name($($arg),*),
                None => inactive(),
            }
        }
    };
}

on_current!(
    /// Records a data reference on the current run; see [`Run::log_data_ref`].
    fn log_data_ref(name: &str, path: Option<&Path>, options: RefOptions)
);
on_current!(
    /// Records a model reference on the current run; see [`Run::log_model_ref`].
    fn log_model_ref(path: &Path, framework: Option<&str>, options: RefOptions)
);
on_current!(
    /// Records a file reference on the current run; see [`Run::log_file_ref`].
    fn log_file_ref(path: &Path, options: RefOptions)
);
on_current!(
    /// Records a folder reference on the current run; see [`Run::log_dir_ref`].
    fn log_dir_ref(path: &Path, options: RefOptions)
);
on_current!(
    /// Records a TensorBoard folder on the current run; see [`Run::log_tensorboard_ref`].
    fn log_tensorboard_ref(path: &Path, options: RefOptions)
);

/// The current run's TensorBoard folder, recorded; see [`Run::get_tensorboard_path`].
pub fn get_tensorboard_path() -> Result<PathBuf, Error> {
    current().ok_or(Error::Inactive)?.get_tensorboard_path()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Record, Recorder};
    use crate::Settings;
    use serde_json::json;

    fn artifacts(recorder: &Recorder) -> Vec<Artifact> {
        recorder
            .records()
            .into_iter()
            .filter_map(|r| match r {
                Record::Artifact(a) if a.kind != ArtifactKind::Env => Some(a),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn content_hashes_match_pythons_hash_value() {
        // hashlib.md5(str("hello").encode()).hexdigest()[:12]
        assert_eq!(content_hash(b"hello"), "5d41402abc4b");
    }

    #[test]
    fn refs_carry_pythons_fields() {
        let dir = std::env::temp_dir().join(format!("polytrack-refs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("ckpt")).unwrap();
        std::fs::write(dir.join("ckpt/model.safetensors"), "weights").unwrap();
        std::fs::write(dir.join("train.csv"), "a,b\n1,2\n").unwrap();
        let recorder = Recorder::new();
        let run = crate::init_with(Settings::new().recorder(recorder.clone())).unwrap();
        run.log_data_ref(
            "mnist",
            None,
            RefOptions::new().content("hello").summary("rows", 60000),
        )
        .unwrap();
        run.log_data_ref("train", Some(&dir.join("train.csv")), RefOptions::new())
            .unwrap();
        run.log_model_ref(
            dir.join("ckpt/model.safetensors"),
            Some("burn"),
            RefOptions::new(),
        )
        .unwrap();
        run.log_file_ref(dir.join("train.csv"), RefOptions::new().hash("given"))
            .unwrap();
        run.log_dir_ref(dir.join("ckpt"), RefOptions::new().is_input(true))
            .unwrap();
        let tb = run.get_tensorboard_path().unwrap();
        assert!(tb.ends_with("outputs/tensorboard"));
        run.log_tensorboard_ref(dir.join("other"), RefOptions::new())
            .unwrap();
        assert!(matches!(
            run.log_file_ref(dir.join("x"), RefOptions::new().name("")),
            Err(Error::InvalidName { .. })
        ));
        run.end().unwrap();

        let got = artifacts(&recorder);
        let by = |name: &str| got.iter().find(|a| a.name == name).unwrap().clone();
        assert_eq!(got.len(), 6, "{got:#?}");
        let mnist = by("mnist");
        assert_eq!(mnist.kind, ArtifactKind::Data);
        assert_eq!(mnist.path, None);
        assert!(mnist.is_input);
        assert_eq!(
            Value::Object(mnist.summary),
            json!({"rows": 60000, "hash": "5d41402abc4b"})
        );
        let train = by("train");
        assert_eq!(train.kind, ArtifactKind::Data);
        assert!(train.is_input);
        assert_eq!(
            train.summary["hash"],
            lineage::hash_path(&dir.join("train.csv"), &Default::default())
                .unwrap()
                .unwrap()
        );
        let model = by("model");
        assert_eq!(model.kind, ArtifactKind::Model);
        assert_eq!(model.summary["framework"], "burn");
        assert!(!model.is_input);
        let file = got.iter().find(|a| a.kind == ArtifactKind::File).unwrap();
        assert_eq!(file.summary["hash"], "given");
        let ckpt = by("ckpt");
        assert_eq!(ckpt.kind, ArtifactKind::Dir);
        assert!(ckpt.is_input);
        let tensorboard = by("tensorboard");
        assert_eq!(tensorboard.kind, ArtifactKind::Tensorboard);
        assert_eq!(tensorboard.path.as_deref(), Some("outputs/tensorboard"));
        assert!(tensorboard.summary.get("hash").is_none());
        let metas: Vec<Value> = recorder
            .records()
            .into_iter()
            .filter_map(|r| match r {
                Record::Meta(m) => Some(Value::Object(m)),
                _ => None,
            })
            .collect();
        assert_eq!(
            metas,
            [json!({"has_model": true}), json!({"has_tensorboard": true})]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
