//! Benchmarks run by `cargo xtask bench`: authflow against its peers, in one process, one run.
//!
//! Each benchmark prints its figures and the ratios the issues set targets for.

mod cpu;
mod measure;
mod refresh;

fn main() {
    let filter: Option<String> = std::env::args().nth(1);
    let wants = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    if wants("cpu") {
        cpu::run();
    }
    if wants("refresh") {
        refresh::run();
    }
}
