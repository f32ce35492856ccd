//! Project automation: `cargo xtask test|bench|ci`.
fn main() {}
