//! The compatibility checker (`tests/compat/check_offline_run.py`) is itself checked against
//! real Python output: it must accept a run written by Polyaxon's own client and report each
//! of the defects a broken writer could make (`tests/compat/selftest_checker.py`).

use polytrack_tests::{repo_root, run_ok, scratch, venv};
use std::process::Command;

#[test]
fn the_polyaxon_checker_accepts_python_runs_and_catches_broken_files() {
    let Some(venv) = venv() else { return };
    let work = scratch("checker-selftest");
    let out = run_ok(
        Command::new(venv.join("bin/python"))
            .arg(repo_root().join("tests/compat/selftest_checker.py"))
            .arg(&work),
    );
    assert!(out.contains("0 failure(s)"), "{out}");
    assert!(out.matches("PASS").count() >= 20, "{out}");
    std::fs::remove_dir_all(&work).ok();
}
