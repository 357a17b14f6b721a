//! Every rich event kind: logged by an offline run, read back with Polyaxon's own readers and
//! compared with numpy, scikit-learn and traceml's image processors on the same inputs
//! (`tests/compat/check_events.py`), then pushed to the real server and served back by its
//! streams API; and logged by a managed run into the server's store, where the streams API
//! serves them and the same checks pass on what it serves.

use std::path::{Path, PathBuf};
use std::process::Command;

use polytrack::{
    ArtifactKind, Audio, Chart, ConfusionMatrix, Dataframe, Image, Layout, Settings, Video,
    VideoLayout,
};
use polytrack_tests::{repo_root, run_ok, scratch, venv};
use serde::Serialize;
use serde_json::{json, Value};

/// A small deterministic generator (xorshift64*), so Rust and Python see the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-12), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

#[derive(Serialize)]
struct Row {
    epoch: u32,
    loss: f64,
    split: String,
    best: bool,
}

/// Logs one of every kind (and a few variants) on `run`, returning what it logged.
fn log_every_kind(run: &polytrack::Run, files: &Path) -> Value {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    run.log_text("sample", "héllo | wörld", Some(1)).unwrap();
    run.log_html("report", "<b>bold</b>", None).unwrap();

    let weights: Vec<f64> = (0..20_000).map(|_| rng.normal()).collect();
    // Values on and around the edges of 7 bins of [0, 9.9]: numpy's one-ulp corrections.
    let grid: Vec<f64> = (0..100).map(|i| f64::from(i) * 0.1).collect();
    let singles = vec![3.0; 5];
    let sines: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
    run.log_histogram("weights", &weights, 30, Some(1)).unwrap();
    run.log_histogram("grid", &grid, 7, Some(1)).unwrap();
    run.log_histogram("single", &singles, 4, Some(2)).unwrap();
    run.log_histogram("f32", &sines, 512, None).unwrap();
    run.log_np_histogram("prebinned", &[1.0, 2.0], &[0.0, 0.5, 1.0], Some(3))
        .unwrap();

    let n = 600;
    let labels: Vec<bool> = (0..n).map(|_| rng.next() < 0.4).collect();
    // Scores with many ties (two decimals), better for positives.
    let scores: Vec<f64> = labels
        .iter()
        .map(|&l| ((rng.next() * 0.7 + if l { 0.3 } else { 0.0 }) * 100.0).round() / 100.0)
        .collect();
    run.log_roc_auc_curve("roc", &labels, &scores, Some(1))
        .unwrap();
    run.log_pr_curve("pr", &labels, &scores, Some(1)).unwrap();
    let dense: Vec<f64> = (0..3000).map(|_| rng.next()).collect();
    let dense_labels: Vec<bool> = dense.iter().map(|s| rng.next() < *s).collect();
    run.log_roc_auc_curve("roc_dense", &dense_labels, &dense, Some(2))
        .unwrap();
    run.log_pr_curve("pr_dense", &dense_labels, &dense, Some(2))
        .unwrap();
    run.log_curve(
        "custom",
        &[0.0, 0.5, 1.0],
        &[1.0, 0.25, 0.0],
        Some("decay"),
        None,
    )
    .unwrap();

    let truth = ["cat", "dog", "cat", "bird", "dog", "dog"];
    let predicted = ["cat", "cat", "cat", "bird", "dog", "bird"];
    let cm = ConfusionMatrix::from_predictions(&truth, &predicted).unwrap();
    run.log_confusion_matrix("confusion", cm, Some(1)).unwrap();

    let mut images = Vec::new();
    let mut image = |name: &str,
                     data: Value,
                     shape: &[usize],
                     layout: Layout,
                     step: Option<i64>,
                     boxes: Option<Vec<[f32; 4]>>| {
        let img = match data[0].as_f64() {
            Some(_) if data[0].is_f64() => Image::from_f32(
                data.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap() as f32)
                    .collect::<Vec<_>>(),
                shape,
                layout,
            ),
            _ => Image::from_u8(
                data.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap() as u8)
                    .collect::<Vec<_>>(),
                shape,
                layout,
            ),
        }
        .unwrap();
        match &boxes {
            Some(b) => run.log_image_with_boxes(img, b, Some(name), step).unwrap(),
            None => run.log_image(img, Some(name), step).unwrap(),
        }
        let layout = format!("{layout:?}").to_uppercase();
        images.push(json!({
            "name": name, "data": data, "shape": shape, "layout": layout, "step": step,
            "dtype": if data[0].is_f64() { "f32" } else { "u8" }, "boxes": boxes,
        }));
    };
    let u8s = |n: usize, rng: &mut Rng| -> Value {
        (0..n)
            .map(|_| (rng.next() * 256.0) as u8)
            .collect::<Vec<_>>()
            .into()
    };
    // f32 values that are exact in f32 and f64 (multiples of 1/1024), so JSON carries them.
    let f32s = |n: usize, rng: &mut Rng| -> Value {
        (0..n)
            .map(|_| ((rng.next() * 1024.0).floor() / 1024.0).max(1.0 / 1024.0))
            .collect::<Vec<f64>>()
            .into()
    };
    image(
        "rgb",
        u8s(6 * 5 * 3, &mut rng),
        &[6, 5, 3],
        Layout::Hwc,
        Some(1),
        None,
    );
    image(
        "rgba",
        u8s(4 * 3 * 4, &mut rng),
        &[4, 3, 4],
        Layout::Hwc,
        Some(1),
        None,
    );
    image(
        "chw",
        f32s(3 * 4 * 5, &mut rng),
        &[3, 4, 5],
        Layout::Chw,
        Some(2),
        None,
    );
    image(
        "gray",
        u8s(7 * 3, &mut rng),
        &[7, 3],
        Layout::Hw,
        None,
        None,
    );
    image(
        "batch",
        f32s(10 * 3 * 4 * 5, &mut rng),
        &[10, 3, 4, 5],
        Layout::Nchw,
        Some(3),
        None,
    );
    image(
        "batch_gray",
        f32s(3 * 5 * 4, &mut rng),
        &[3, 5, 4, 1],
        Layout::Nhwc,
        Some(3),
        None,
    );
    image(
        "boxed",
        f32s(3 * 32 * 32, &mut rng),
        &[3, 32, 32],
        Layout::Chw,
        Some(4),
        Some(vec![[2.0, 3.0, 20.0, 25.0], [10.0, 10.0, 40.0, 40.0]]),
    );
    let photo = files.join("photo.JPEG");
    let photo_bytes = b"\xff\xd8\xff\xe0 not really a jpeg".to_vec();
    std::fs::write(&photo, &photo_bytes).unwrap();
    run.log_image(Image::file(&photo), None, Some(5)).unwrap();

    let samples: Vec<f32> = (0..400).map(|i| (i as f32 * 0.05).sin() * 1.2).collect();
    run.log_audio(
        Audio::mono(samples.clone(), 8000).unwrap(),
        Some("clip"),
        Some(1),
    )
    .unwrap();

    // 3 frames of 4 x 6 RGB, 4 colors each (a GIF keeps them exactly).
    let palette = [[255u8, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
    let frames: Vec<u8> = (0..3 * 4 * 6)
        .flat_map(|i| palette[(i / 6 + i / 24) % 4])
        .collect();
    run.log_video(
        Video::from_u8(frames.clone(), &[3, 4, 6, 3], VideoLayout::Thwc, 4).unwrap(),
        Some("movie"),
        Some(1),
    )
    .unwrap();

    // Files logged as they are: a real 16-bit stereo WAV, and an MP4 (bytes only: it is
    // copied, never decoded) whose upper-case extension names its content type.
    let pcm: Vec<i16> = (0..600).map(|i| ((i * 97) % 2000 - 1000) as i16).collect();
    let voice = files.join("voice.wav");
    std::fs::write(&voice, wav_bytes(16_000, 2, &pcm)).unwrap();
    run.log_audio_file(&voice, None, Some(2)).unwrap();
    let spin = files.join("spin.MP4");
    let spin_bytes = b"\x00\x00\x00\x18ftypmp42 not really a movie".to_vec();
    std::fs::write(&spin, &spin_bytes).unwrap();
    run.log_video_file(&spin, None, None).unwrap();

    let figure = json!({"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": [{"a": 1, "b": 0.5}, {"a": 2, "b": 0.25}]},
        "mark": "line", "encoding": {"x": {"field": "a"}, "y": {"field": "b"}}});
    run.log_chart("loss_chart", Chart::Vega(figure.clone()), Some(1))
        .unwrap();

    let rows = vec![
        Row {
            epoch: 1,
            loss: 0.5,
            split: "train, a".into(),
            best: false,
        },
        Row {
            epoch: 2,
            loss: 1e-5,
            split: "val".into(),
            best: true,
        },
    ];
    let df_json: Vec<Value> = rows
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    run.log_dataframe("table", Dataframe::from_rows(&rows).unwrap(), Some(2))
        .unwrap();

    let model = files.join("weights.bin");
    std::fs::write(&model, "model bytes").unwrap();
    let spec = json!({"layers": 2, "hidden": [16, 8]});
    run.log_model(
        &model,
        Some("net"),
        Some("burn"),
        spec.as_object().cloned(),
        Some(2),
    )
    .unwrap();
    let ckpt = files.join("ckpt");
    std::fs::create_dir_all(ckpt.join("inner")).unwrap();
    std::fs::write(ckpt.join("inner/a.txt"), "a").unwrap();
    run.log_model(&ckpt, Some("final"), Some("burn"), None, None)
        .unwrap();
    let tensor = files.join("acts.npy");
    std::fs::write(&tensor, "tensor bytes").unwrap();
    run.log_artifact(&tensor, Some("acts"), Some(ArtifactKind::Tensor), Some(1))
        .unwrap();
    let notes = files.join("notes.txt");
    std::fs::write(&notes, "notes").unwrap();
    run.log_artifact(&notes, None, None, None).unwrap();

    json!({
        "text": {"name": "sample", "value": "héllo | wörld"},
        "html": {"name": "report", "value": "<b>bold</b>"},
        "histograms": [
            {"name": "weights", "values": weights, "bins": 30},
            {"name": "grid", "values": grid, "bins": 7},
            {"name": "single", "values": singles, "bins": 4},
            {"name": "f32", "values": sines.iter().map(|v| f64::from(*v)).collect::<Vec<_>>(), "bins": 512},
        ],
        "np_histogram": {"name": "prebinned", "counts": [1.0, 2.0], "edges": [0.0, 0.5, 1.0]},
        "curves": [
            {"name": "roc", "kind": "roc", "labels": labels, "scores": scores},
            {"name": "pr", "kind": "pr", "labels": labels, "scores": scores},
            {"name": "roc_dense", "kind": "roc", "labels": dense_labels, "scores": dense},
            {"name": "pr_dense", "kind": "pr", "labels": dense_labels, "scores": dense},
        ],
        "custom_curve": {"name": "custom", "x": [0.0, 0.5, 1.0], "y": [1.0, 0.25, 0.0], "annotation": "decay"},
        "confusion": {"name": "confusion", "truth": truth, "predicted": predicted},
        "images": images,
        "image_file": {"name": "photo", "path": "assets/image/photo_5.jpeg", "bytes": photo_bytes},
        "audio": {"name": "clip", "samples": samples, "sample_rate": 8000},
        "video": {"name": "movie", "data": frames, "shape": [3, 4, 6, 3]},
        "audio_file": {"name": "voice", "path": "assets/audio/voice_2.wav", "source": voice,
            "sample_rate": 16_000, "channels": 2, "samples": pcm},
        "video_file": {"name": "spin", "path": "assets/video/spin.mp4", "source": spin,
            "content_type": "mp4", "bytes": spin_bytes},
        "chart": {"name": "loss_chart", "figure": figure},
        "dataframe": {"name": "table", "rows": df_json, "step": 2},
        "model": {"name": "net", "content": "model bytes", "framework": "burn", "spec": spec, "step": 2},
        "model_outputs": {"name": "final", "path": "outputs/ckpt", "framework": "burn"},
        "artifact": {"name": "acts", "kind": "tensor", "content": "tensor bytes"},
        "artifact_outputs": {"name": "notes", "path": "outputs/notes.txt"},
    })
}

/// A 16-bit PCM WAV file, as Python's `wave` module writes one.
fn wav_bytes(sample_rate: u32, channels: u16, samples: &[i16]) -> Vec<u8> {
    let data = u32::try_from(samples.len() * 2).unwrap();
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * u32::from(channels) * 2).to_le_bytes());
    out.extend_from_slice(&(channels * 2).to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

fn offline_run(label: &str) -> (polytrack::RunGuard, PathBuf, PathBuf) {
    let root = scratch(label);
    let run = polytrack::init_with(
        Settings::new()
            .offline(true)
            .offline_root(&root)
            .name("rich-events")
            .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")]),
    )
    .unwrap();
    let dir = root.join("runs").join(run.uuid().unwrap());
    (run, root, dir)
}

/// Every check of `tests/compat/check_events.py`, one per logged kind and variant.
const CHECKS: [&str; 33] = [
    "artifact:outputs",
    "artifact:step",
    "audio",
    "audio:file",
    "chart",
    "confusion",
    "curve:custom",
    "curve:pr",
    "curve:pr_dense",
    "curve:roc",
    "curve:roc_dense",
    "dataframe",
    "histogram:f32",
    "histogram:grid",
    "histogram:single",
    "histogram:weights",
    "html",
    "image:batch",
    "image:batch_gray",
    "image:boxed",
    "image:chw",
    "image:file",
    "image:gray",
    "image:rgb",
    "image:rgba",
    "lineage:events",
    "meta_info",
    "model:outputs",
    "model:step",
    "np_histogram",
    "text",
    "video",
    "video:file",
];

/// Runs `tests/compat/check_events.py` on the run folder `run_dir` against what was logged,
/// and asserts that every one of [`CHECKS`] ran and passed.
fn assert_every_check_passes(venv: &Path, run_dir: &Path, inputs: &Value) {
    let file = run_dir.with_extension("inputs.json");
    std::fs::write(&file, serde_json::to_vec(inputs).unwrap()).unwrap();
    let out = run_ok(
        Command::new(venv.join("bin/python"))
            .arg(repo_root().join("tests/compat/check_events.py"))
            .arg(run_dir)
            .arg(&file),
    );
    let report: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("no JSON from the checker ({e}): {out}"));
    let checks = report.as_object().expect("an object of checks");
    let failed: Vec<_> = checks.iter().filter(|(_, v)| v["ok"] != true).collect();
    assert!(failed.is_empty(), "checks failed: {failed:#?}");
    let mut names: Vec<&str> = checks.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, CHECKS);
}

#[test]
fn every_kind_reads_back_with_polyaxons_readers_and_matches_the_references() {
    let Some(venv) = venv() else { return };
    let (run, root, dir) = offline_run("events-offline");
    let inputs = log_every_kind(&run, &root);
    let report = run.end().unwrap();
    assert!(report.is_complete(), "{report:?}");
    assert_every_check_passes(&venv, &dir, &inputs);
}

#[test]
fn audio_and_video_files_that_cannot_be_copied_are_reported_and_lose_nothing_else() {
    let (run, root, dir) = offline_run("events-bad-files");
    let folder = root.join("clips");
    std::fs::create_dir_all(&folder).unwrap();
    let missing = root.join("gone.wav");
    // Both calls return at once: the copy, and its failure, are the writer's.
    run.log_audio_file(&missing, None, Some(1)).unwrap();
    run.log_video_file(&folder, None, Some(1)).unwrap();
    let err = run.log_audio_file(&missing, Some("@@"), None);
    assert!(
        matches!(err, Err(polytrack::Error::InvalidName { .. })),
        "{err:?}"
    );
    let good = root.join("ok.gif");
    std::fs::write(&good, b"GIF89a").unwrap();
    run.log_video_file(&good, None, Some(2)).unwrap();
    let report = run.end().unwrap();
    assert!(!report.is_complete(), "{report}");
    for needle in ["gone.wav", "clips is a folder, not a file"] {
        assert!(
            report.errors.iter().any(|e| e.contains(needle)),
            "{needle:?} not in {:?}",
            report.errors
        );
    }
    assert!(
        !dir.join("events/audio").exists(),
        "no row for a failed copy"
    );
    assert!(!dir.join("assets/video/clips_1").exists());
    let rows = std::fs::read_to_string(dir.join("events/video/ok.plx")).unwrap();
    assert_eq!(rows.lines().count(), 2, "{rows}");
    let last = rows.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("2|")
            && last.ends_with("|{\"path\":\"assets/video/ok_2.gif\",\"content_type\":\"gif\"}"),
        "{rows}"
    );
    assert_eq!(
        std::fs::read(dir.join("assets/video/ok_2.gif")).unwrap(),
        b"GIF89a"
    );
}

#[path = "events_served.rs"]
mod served;
