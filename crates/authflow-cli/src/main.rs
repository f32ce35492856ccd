//! The `authflow` command.
fn main() {}
