// `crate = ::reexport` names an extern crate; the re-export is a module of this crate, so the
// path is `crate::reexport` (or `reexport`). One error, on the path written.
mod reexport {
    #[allow(unused_imports)]
    pub use polytrack::*;
}

#[polytrack::track_run(crate = ::reexport)]
fn train(lr: f64) {
    let _ = lr;
}

fn main() {
    train(0.1);
}
