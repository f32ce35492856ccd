//! Exit codes that tell a script what went wrong.

use authflow::{Blame, Error};

/// Usage or configuration error.
pub const USAGE: u8 = 2;
/// The user denied access at the provider.
pub const DENIED: u8 = 3;
/// The provider refused or answered something unusable.
pub const SERVER: u8 = 4;
/// The network failed or a wait timed out.
pub const NETWORK: u8 = 5;

/// The exit code for an error.
pub fn code(error: &Error) -> u8 {
    match (error, error.blame()) {
        (Error::Transport { .. }, _) => NETWORK,
        (_, Blame::Local) => USAGE,
        (_, Blame::User) => DENIED,
        (_, Blame::Remote) => SERVER,
    }
}
