//! Timing helpers: warm up, then take the median of several timed batches.

use std::time::{Duration, Instant};

/// Nanoseconds per iteration: the median of `rounds` batches of `iters` calls, after one warm-up batch.
pub fn ns_per_iter(iters: u32, rounds: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..iters / 4 {
        f();
    }
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples[rounds / 2].as_nanos() as f64 / f64::from(iters)
}

/// Prints one result line with a verdict against a target.
pub fn report(name: &str, value: String, target: &str, met: bool) {
    let verdict = if met { "ok" } else { "MISSED" };
    println!("  {name:<44} {value:>18}   target {target:<28} {verdict}");
}
