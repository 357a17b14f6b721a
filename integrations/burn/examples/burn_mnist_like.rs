//! A small MLP trained by burn on synthetic "MNIST-like" data (8×8 images of 10 classes drawn
//! around class prototypes; no downloads), tracked by Polyaxon with one line:
//! `.with_polytrack(&run)` on burn's `SupervisedTraining`.
//!
//! Offline by default: the run goes to `$POLYAXON_OFFLINE_ROOT/runs/<uuid>` (default
//! `/tmp/plx/offline`), printed at the end, and `polyaxon ops push -uid <uuid>` uploads it.
//! The environment Polyaxon sets in a cluster makes it a managed run instead.
//!
//! ```text
//! cargo run -p polytrack-burn --example burn_mnist_like
//! ```
//!
//! What the run holds: the training configuration as inputs, `train__loss`,
//! `train__accuracy`, `train__learning_rate` per iteration, `valid__loss`, `valid__accuracy`
//! per validation iteration, `epoch__<split>__<metric>` per epoch, the final model
//! (`outputs/model.bpk`, through `log_model`) as a `model` artifact of framework `burn`, and
//! burn's own log lines both in `outputs/burn/experiment.log` and in the run's logs
//! (`plxlogs/`, Polyaxon's Logs tab), through `polytrack_burn::ApplicationLogger`.

use burn::config::Config;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataset::InMemDataset;
use burn::lr_scheduler::constant::ConstantLr;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig, Relu};
use burn::optim::AdamConfig;
use burn::tensor::{Device, Int, Tensor, TensorData};
use burn::train::metric::{AccuracyMetric, LearningRateMetric, LossMetric};
use burn::train::{
    ClassificationOutput, InferenceStep, Learner, LearningResult, SupervisedTraining, TrainOutput,
    TrainStep,
};
use polytrack::Settings;
use polytrack_burn::{ApplicationLogger, PolytrackTraining};
use std::path::PathBuf;

/// Side of the square images.
const SIDE: usize = 8;
/// Pixels of an image.
const PIXELS: usize = SIDE * SIDE;
/// Classes.
const CLASSES: usize = 10;

/// The training's configuration, logged as the run's inputs (burn's `Config` types are
/// `Serialize`).
#[derive(Config, Debug)]
pub struct TrainingConfig {
    /// Epochs to train.
    #[config(default = 3)]
    pub num_epochs: usize,
    /// Items per batch.
    #[config(default = 64)]
    pub batch_size: usize,
    /// Training items.
    #[config(default = 1024)]
    pub train_items: usize,
    /// Validation items.
    #[config(default = 256)]
    pub valid_items: usize,
    /// Hidden units of the MLP.
    #[config(default = 32)]
    pub hidden: usize,
    /// Adam's learning rate.
    #[config(default = 1e-2)]
    pub learning_rate: f64,
    /// Seed of the synthetic data.
    #[config(default = 42)]
    pub seed: u64,
    /// The optimizer.
    pub optimizer: AdamConfig,
}

/// A two-layer perceptron.
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Linear,
    activation: Relu,
    output: Linear,
}

impl Mlp {
    fn new(hidden: usize, device: &Device) -> Self {
        Self {
            hidden: LinearConfig::new(PIXELS, hidden).init(device),
            activation: Relu::new(),
            output: LinearConfig::new(hidden, CLASSES).init(device),
        }
    }

    fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        self.output
            .forward(self.activation.forward(self.hidden.forward(images)))
    }

    fn classify(&self, batch: Batch) -> ClassificationOutput {
        let logits = self.forward(batch.images);
        let loss = CrossEntropyLossConfig::new()
            .init(&logits.device())
            .forward(logits.clone(), batch.targets.clone());
        ClassificationOutput::new(loss, logits, batch.targets)
    }
}

impl TrainStep for Mlp {
    type Input = Batch;
    type Output = ClassificationOutput;

    fn step(&self, batch: Batch) -> TrainOutput<ClassificationOutput> {
        let item = self.classify(batch);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl InferenceStep for Mlp {
    type Input = Batch;
    type Output = ClassificationOutput;

    fn step(&self, batch: Batch) -> ClassificationOutput {
        self.classify(batch)
    }
}

/// One synthetic image and its class.
#[derive(Clone, Debug)]
pub struct Sample {
    pixels: Vec<f32>,
    label: i64,
}

/// A batch of images and their classes.
#[derive(Clone, Debug)]
pub struct Batch {
    images: Tensor<2>,
    targets: Tensor<1, Int>,
}

struct SampleBatcher;

impl Batcher<Sample, Batch> for SampleBatcher {
    fn batch(&self, items: Vec<Sample>, device: &Device) -> Batch {
        let n = items.len();
        let pixels: Vec<f32> = items
            .iter()
            .flat_map(|s| s.pixels.iter().copied())
            .collect();
        let labels: Vec<i64> = items.iter().map(|s| s.label).collect();
        Batch {
            images: Tensor::from_data(TensorData::new(pixels, [n, PIXELS]), device),
            targets: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}

/// SplitMix64: deterministic data without a dependency.
struct Rng(u64);

impl Rng {
    fn next_f32(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// `items` noisy images around 10 fixed class prototypes.
fn samples(items: usize, seed: u64) -> Vec<Sample> {
    let mut prototypes = Rng(7);
    let prototypes: Vec<Vec<f32>> = (0..CLASSES)
        .map(|_| (0..PIXELS).map(|_| prototypes.next_f32()).collect())
        .collect();
    let mut rng = Rng(seed);
    (0..items)
        .map(|i| {
            let label = i % CLASSES;
            let pixels = prototypes[label]
                .iter()
                .map(|p| p + 0.8 * (rng.next_f32() - 0.5))
                .collect();
            Sample {
                pixels,
                label: label as i64,
            }
        })
        .collect()
}

/// What a tracked training leaves behind.
pub struct Trained {
    /// burn's result.
    pub result: LearningResult<Mlp>,
    /// The run's folder (offline and managed runs).
    pub run_dir: Option<PathBuf>,
    /// The run's uuid.
    pub uuid: Option<String>,
}

/// Trains the MLP in a run started from `settings`, with `customize` applied to burn's
/// training last (metrics beyond loss, accuracy and learning rate, early stopping, ...).
pub fn train(
    config: &TrainingConfig,
    settings: Settings,
    customize: impl FnOnce(SupervisedTraining<Mlp>) -> SupervisedTraining<Mlp>,
) -> Result<Trained, Box<dyn std::error::Error>> {
    let run = polytrack::init_with(settings.name("burn-mnist-like").tags(["burn"]))?;
    // This thread's lines (burn logs the epochs on it) go to this run, even while another
    // run is live in the process.
    let entered = run.enter();
    run.log_inputs(config)?;

    let device = Device::flex().autodiff();
    let loader = |items, seed| {
        DataLoaderBuilder::new(SampleBatcher)
            .batch_size(config.batch_size)
            .shuffle(seed)
            .build(InMemDataset::new(samples(items, seed)))
    };
    let model = Mlp::new(config.hidden, &device);
    let learner = Learner::new(
        model,
        config.optimizer.init(),
        ConstantLr::new(config.learning_rate),
    );
    let burn_dir = run.get_outputs_path("burn/experiment.log")?;
    let burn_dir = burn_dir.parent().map(PathBuf::from).unwrap_or_default();

    let training = SupervisedTraining::new(
        &burn_dir,
        loader(config.train_items, config.seed),
        loader(config.valid_items, config.seed + 1),
    )
    .metrics((LossMetric::new(), AccuracyMetric::new()))
    .metric_train_numeric(LearningRateMetric::new())
    .num_epochs(config.num_epochs)
    // burn's experiment.log, and the same lines in the run's logs.
    .with_application_logger(Some(Box::new(ApplicationLogger::new(
        burn_dir.join("experiment.log"),
    ))));
    let result = customize(training)
        .with_polytrack(&run) // the one line
        .launch(learner);

    // Saved outside the run, then copied into its outputs by `log_model`.
    let saved = std::env::temp_dir().join(format!(
        "polytrack-burn-{}-{}",
        std::process::id(),
        run.uuid().unwrap_or("no-op")
    ));
    if result.error.is_none() && result.interrupted.is_none() {
        std::fs::create_dir_all(&saved)?;
        let path = saved.join("model.bpk");
        result.model.clone().save_file(&path)?;
        // Python's `log_model(path, name="model", framework="burn")`: `outputs/model.bpk`, a
        // lineage entry of kind `model`, and `has_model`.
        run.log_model(&path, Some("model"), Some("burn"), None, None)?;
    }
    drop(entered);
    let report = run.end()?;
    let _ = std::fs::remove_dir_all(&saved); // copied by the time the run has ended
    Ok(Trained {
        result,
        run_dir: report.run_dir,
        uuid: report.uuid,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Offline unless the environment says where the run goes (a cluster, a project, no-op).
    let offline = [
        "POLYAXON_IS_MANAGED",
        "POLYAXON_IS_OFFLINE",
        "POLYAXON_NO_OP",
        "POLYTRACK_PROJECT",
    ]
    .iter()
    .all(|v| std::env::var_os(v).is_none());
    let config = TrainingConfig::new(AdamConfig::new());
    let trained = train(&config, Settings::new().offline(offline), |t| t)?;
    if let Some(error) = &trained.result.error {
        return Err(format!("training failed: {error}").into());
    }
    match (&trained.uuid, &trained.run_dir) {
        (Some(uuid), Some(dir)) => println!("run {uuid}: {}", dir.display()),
        (Some(uuid), None) => println!("run {uuid}"),
        _ => println!("not tracked (no-op)"),
    }
    Ok(())
}
