//! The process that `api_outage.rs` kills: it starts an external run against the Polyaxon
//! API at `<host>` (through the tests' proxy, with the server away), logs a few updates,
//! waits until they are spooled, writes the run's uuid to `<root>/uuid`, and waits to be
//! killed (SIGKILL: no end, no exit handler).
//!
//! Usage: `api-child <host> <root>`.

use polytrack::Settings;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(host), Some(root)) = (args.next(), args.next()) else {
        return Err("usage: api-child <host> <root>".into());
    };
    let root = Path::new(&root);
    let run = polytrack::init_with(
        Settings::new()
            .project("default/demo")
            .host(host)
            .name("killed")
            .env([
                ("HOME", "/nonexistent".to_owned()),
                ("POLYAXON_NO_CONFIG", "true".to_owned()),
                ("POLYAXON_ARTIFACTS_ROOT", root.display().to_string()),
                ("POLYAXON_TIMEOUT", "5".to_owned()),
            ]),
    )?;
    run.log_inputs(&json!({"lr": 0.1, "epochs": 3}))?;
    run.log_tags(["before-kill"])?;
    run.log_outputs(&json!({"best": 0.5}))?;
    run.flush(Duration::from_secs(5))?;
    std::fs::write(root.join("uuid"), run.uuid().unwrap_or_default())?;
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}
