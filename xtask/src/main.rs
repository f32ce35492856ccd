//! Project automation: `cargo xtask setup|test|codegen|bench|lint|ci|demo`. CI calls only this.

mod codegen;
mod node;
mod python;
mod run;
mod setup;
mod steps;
#[cfg(test)]
mod tidy;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

  setup    the system-wide installs the tests need (apt-get: node, npm, python3-venv, chromium;
           rustup: rustfmt, clippy); says what it installs and why, skips what is present
  test     every test suite of every language; installs nothing system-wide (run setup first);
           ends with `N passed, N failed` (a skip without an accepted reason counts as failed)
  codegen  rewrite the generated files (.pyi stubs, Node index.d.ts and index.js, docs/errors.md);
           `codegen --check` compares them byte for byte instead (no git needed)
  bench    benchmarks against the peers named in the issues (optional filter: cpu, ...)
  lint     rustfmt check and clippy with warnings denied
  ci       lint, then test (no installs: .ci/run runs setup before it)
  demo     `authflow demo` against the embedded devserver";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = &args.get(1..).unwrap_or_default().to_vec();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::setup(),
        Some("test") => steps::test(),
        Some("codegen") => steps::codegen(rest),
        Some("bench") => steps::bench(rest),
        Some("lint") => steps::lint(),
        Some("ci") => steps::lint().and_then(|()| steps::test()),
        Some("demo") => steps::demo(rest),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
