// A user's own `core`, `std`, `serde_json` and `polytrack` modules and items named like the
// prelude's do not change what the expansions refer to.
#![allow(dead_code, non_camel_case_types)]

mod core {}
mod std {}
mod serde_json {}

mod polytrack {
    pub mod __private {}
}

struct Result;
struct Option;
struct Some;
struct None;
struct Ok;
struct Err;
struct Wrap;
fn drop() {}

#[derive(::serde::Serialize)]
struct Eval {
    loss: f64,
}

#[::polytrack::track_params]
fn configure(lr: f64) -> f64 {
    lr
}

#[::polytrack::track_metrics(step = epoch)]
fn evaluate(epoch: u32, loss: f64) -> Eval {
    let _ = epoch;
    Eval { loss }
}

#[::polytrack::track_run]
fn train(lr: f64) -> ::std::result::Result<f64, ::std::string::String> {
    configure(lr);
    evaluate(1, lr);
    ::std::result::Result::Ok(lr)
}

fn main() {
    let _ = train(0.1);
}
