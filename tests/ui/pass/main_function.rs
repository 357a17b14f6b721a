// `main` itself can be the tracked function; without any Polyaxon setting it runs untracked.
use polytrack::track_run;

#[track_run(name = "main-as-run")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let steps: u32 = "3".parse()?;
    assert_eq!(steps, 3);
    Ok(())
}
