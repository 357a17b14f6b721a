use polytrack::track_metrics;

#[track_metrics]
fn forever() -> ! {
    loop {}
}

fn main() {}
