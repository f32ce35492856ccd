//! The steps behind each xtask command: run tools, stream their output, count test results.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Passed and failed counts summed over suites.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Reads the counts from one line of a test runner's output, if it is a summary line.
pub fn parse_summary(line: &str) -> Option<Tally> {
    let line = line.trim();
    // cargo test: "test result: ok. 12 passed; 0 failed; 0 ignored; ..."
    if let Some(rest) = line.strip_prefix("test result: ") {
        let passed = number_before(rest, " passed")?;
        let failed = number_before(rest, " failed")?;
        return Some(Tally { passed, failed });
    }
    // node --test (TAP): "# pass 8" and "# fail 0"
    if let Some(n) = line.strip_prefix("# pass ") {
        return n.trim().parse().ok().map(|passed| Tally { passed, failed: 0 });
    }
    if let Some(n) = line.strip_prefix("# fail ") {
        return n.trim().parse().ok().map(|failed| Tally { passed: 0, failed });
    }
    // pytest: "===== 2 failed, 40 passed, 1 skipped in 3.21s =====" (errors count as failures)
    if let Some(inner) = line.strip_prefix('=').and_then(|l| l.strip_suffix('=')) {
        let inner = inner.trim_matches(|c| c == '=' || c == ' ');
        let counts = inner.rsplit_once(" in ").map_or(inner, |(counts, _)| counts);
        let mut tally = None::<Tally>;
        for item in counts.split(", ") {
            let Some((n, word)) = item.split_once(' ') else { continue };
            let Ok(n) = n.parse::<u64>() else { continue };
            let t = tally.get_or_insert_with(Tally::default);
            match word {
                "passed" => t.passed += n,
                "failed" | "error" | "errors" => t.failed += n,
                _ => {}
            }
        }
        return tally.filter(|t| t.passed + t.failed > 0);
    }
    None
}

fn number_before(text: &str, marker: &str) -> Option<u64> {
    let end = text.find(marker)?;
    let start = text[..end].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
    text[start..end].parse().ok()
}

/// Runs a command in `dir`, echoing its stdout and summing the summaries it prints.
pub fn run_counting(name: &str, cmd: &mut Command) -> Result<Tally, String> {
    eprintln!("\n==> {name}");
    let mut child = cmd.stdout(Stdio::piped()).spawn().map_err(|e| format!("{name}: cannot start: {e}"))?;
    let mut tally = Tally::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(t) = parse_summary(&line) {
                tally.add(t);
            }
        }
    }
    let status = child.wait().map_err(|e| format!("{name}: {e}"))?;
    if !status.success() && tally.failed == 0 {
        // A crash or a build failure counts as one failure, so it is never silent.
        tally.failed = 1;
    }
    Ok(tally)
}

pub fn run_plain(name: &str, cmd: &mut Command) -> Result<(), String> {
    eprintln!("\n==> {name}");
    let status = cmd.status().map_err(|e| format!("{name}: cannot start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.current_dir(root());
    cmd
}

/// Where cargo puts its builds.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// Builds the devserver binary the other languages' tests spawn, and returns its path.
pub fn devserver(release: bool) -> Result<PathBuf, String> {
    let mut cmd = cargo();
    cmd.args(["build", "--quiet", "-p", "authflow-devserver"]);
    if release {
        cmd.arg("--release");
    }
    run_plain("cargo build -p authflow-devserver", &mut cmd)?;
    Ok(target_dir().join(if release { "release" } else { "debug" }).join("authflow-devserver"))
}

/// Installs the npm packages of a folder from its lockfile, unless they are already there.
///
/// `npm ci` refuses a lockfile that lacks optional packages for other platforms, and
/// the registry reachable here does not serve some of those (the napi CLI's lzma and
/// tar builds for macOS, Windows, ...), so such a lockfile can only be written without
/// them. Then `npm install` installs the same locked versions and skips what is missing.
pub fn npm_ci(dir: &Path) -> Result<(), String> {
    if dir.join("node_modules").is_dir() {
        return Ok(());
    }
    let name = format!("npm ci in {}", dir.display());
    run_plain(&name, Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir)).or_else(|e| {
        eprintln!("{e}; installing from the same lockfile with npm install instead");
        run_plain(
            &format!("npm install in {}", dir.display()),
            Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(dir),
        )
    })
}

/// Every test of every language. Ends with one `N passed, N failed` line.
pub fn test() -> Result<(), String> {
    let oidc = root().join("tests/oidc-provider");
    npm_ci(&oidc)?;
    let mut total = Tally::default();
    total.add(run_counting("cargo test (workspace)", cargo().args(["test", "--workspace", "--no-fail-fast"]))?);
    total.add(run_counting(
        "node --test (oidc-provider smoke)",
        Command::new("node").args(["--test", "smoke.mjs"]).current_dir(&oidc),
    )?);
    total.add(crate::python::test()?);
    total.add(crate::node::test()?);
    println!("\n{} passed, {} failed", total.passed, total.failed);
    if total.failed == 0 && total.passed > 0 {
        Ok(())
    } else {
        Err("tests failed".to_owned())
    }
}

/// The benchmarks, side by side with the peers.
pub fn bench(args: &[String]) -> Result<(), String> {
    run_plain(
        "authflow-bench",
        cargo().args(["run", "--release", "--quiet", "-p", "authflow-bench", "--"]).args(args),
    )?;
    crate::python::bench(args)?;
    crate::node::bench(args)
}

/// rustfmt and clippy.
pub fn lint() -> Result<(), String> {
    run_plain("cargo fmt --check", cargo().args(["fmt", "--all", "--", "--check"]))?;
    run_plain("cargo clippy", cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))
}

/// `authflow demo` against the embedded devserver.
pub fn demo(args: &[String]) -> Result<(), String> {
    run_plain("authflow demo", cargo().args(["run", "--quiet", "-p", "authflow-cli", "--", "demo"]).args(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_and_node_summaries() {
        let t = parse_summary("test result: ok. 12 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out");
        assert_eq!(t, Some(Tally { passed: 12, failed: 3 }));
        assert_eq!(parse_summary("# pass 8"), Some(Tally { passed: 8, failed: 0 }));
        assert_eq!(parse_summary("# fail 1"), Some(Tally { passed: 0, failed: 1 }));
        assert_eq!(parse_summary("running 3 tests"), None);
    }

    #[test]
    fn reads_pytest_summaries() {
        let t = parse_summary("======= 2 failed, 40 passed, 1 skipped, 1 error in 3.21s =======");
        assert_eq!(t, Some(Tally { passed: 40, failed: 3 }));
        assert_eq!(parse_summary("==== 12 passed in 0.50s ===="), Some(Tally { passed: 12, failed: 0 }));
        assert_eq!(parse_summary("=== 1 skipped in 0.01s ==="), None);
        assert_eq!(parse_summary("============ test session starts ============"), None);
        assert_eq!(parse_summary("==== FAILURES ===="), None);
    }
}
