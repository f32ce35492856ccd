//! Project automation: `cargo xtask test|bench|lint|ci|demo`. CI calls only this.

mod node;
mod python;
mod run;
#[cfg(test)]
mod tidy;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

  test     every test suite of every language; ends with `N passed, N failed`
  bench    benchmarks against the peers named in the issues (optional filter: cpu, ...)
  lint     rustfmt check and clippy with warnings denied
  ci       lint, then test (what .ci/run does)
  demo     `authflow demo` against the embedded devserver";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = &args.get(1..).unwrap_or_default().to_vec();
    let result = match args.first().map(String::as_str) {
        Some("test") => run::test(),
        Some("bench") => run::bench(rest),
        Some("lint") => run::lint(),
        Some("ci") => run::lint().and_then(|()| run::test()),
        Some("demo") => run::demo(rest),
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
