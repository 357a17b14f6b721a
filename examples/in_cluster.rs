//! The Polyaxon page "Tracking in-cluster", line for line, in Rust.
//!
//! It takes no arguments: the environment Polyaxon sets decides where the run goes. In a
//! cluster (`POLYAXON_IS_MANAGED`, `POLYAXON_RUN_INSTANCE`) it tracks the managed run;
//! with `POLYAXON_IS_OFFLINE=true` it writes an offline run that `polyaxon ops push` uploads.
//!
//! ```text
//! POLYAXON_IS_OFFLINE=true cargo run -p polytrack-examples --example in_cluster
//! ```

use polytrack::ArtifactKind;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// `random.random()`: a float in [0, 1).
fn random() -> f64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// `random.randint(a, b)`: an integer in [a, b].
fn randint(a: i64, b: i64) -> i64 {
    a + (random() * (b - a + 1) as f64) as i64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    polytrack_examples::init_logging();

    // No need to specify anything, a context is provided in-cluster
    let run = polytrack::init()?;

    // Log additional parameter
    polytrack::log_inputs!(param1 = randint(0, 100))?;

    // Log additional tags
    polytrack::log_tags(["foo", "bar"])?;

    // Log a single metric
    polytrack::log_metric_with("metric1", random(), Some(1), None)?;
    // Log multiple metrics at once
    polytrack::log_metrics!(step = 1; metric2 = random(), metric3 = random())?;

    // Log a final results
    polytrack::log_outputs!(res1 = randint(0, 100), res2 = "test value")?;

    // Save the artifact
    let asset_path = polytrack::get_outputs_path("test.txt")?;
    std::fs::write(&asset_path, "Artifact content.")?;
    // Track the lineage Name will default to test
    polytrack::log_artifact_ref(&asset_path, ArtifactKind::File, None)?;

    // Save a second artifact
    let asset_path = polytrack::get_outputs_path("file.csv")?;
    std::fs::write(&asset_path, "Artifact content.")?;
    // Track the with a different name
    polytrack::log_artifact_ref(&asset_path, ArtifactKind::Csv, Some("my-csv"))?;

    let report = run.end()?;
    println!("{report}");
    Ok(())
}
