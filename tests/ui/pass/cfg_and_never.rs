// An argument that `#[cfg]` removes is not logged (and does not break the build), and a
// function that never returns keeps its `!` type.
#![deny(warnings)]

use polytrack::{track_params, track_run};

#[track_run]
fn train(#[cfg(any())] debug: bool, lr: f64) -> f64 {
    lr
}

#[track_params]
fn tune(#[cfg(all())] kept: u32, #[cfg(any())] dropped: u32) -> u32 {
    kept
}

#[track_run]
fn serve(port: u16) -> ! {
    loop {
        std::thread::park();
        let _ = port;
    }
}

fn main() {
    let _ = train(0.1);
    let _ = tune(3);
    if std::env::args().count() > 100 {
        serve(8080);
    }
}
