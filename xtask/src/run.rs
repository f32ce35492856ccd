//! Running tools for the xtask steps: the workspace's paths, commands whose output is streamed,
//! and the test counts read from that output.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Skip reasons CI accepts, as prefixes of the reason a runner prints. Any other skip,
/// and a skip with no reason, counts as a failure in the `cargo xtask test` tally.
pub const ACCEPTED_SKIPS: &[&str] = &[
    // xtask's `node::tests::node_step` runs the Node step alone for whoever works on it;
    // `cargo xtask test` runs that same step in the same tally (`node::test`).
    "builds and runs the npm package; `cargo xtask test` runs it",
];

/// Whether a skip reason is one of [`ACCEPTED_SKIPS`].
pub fn accepted_skip(reason: &str) -> bool {
    !reason.is_empty() && ACCEPTED_SKIPS.iter().any(|p| !p.is_empty() && reason.starts_with(p))
}

/// Tests that did not run: the suite, the runner's name for the test (may be empty), and the reason given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub suite: String,
    pub test: String,
    pub reason: String,
    pub count: u64,
}

/// Passed and failed counts, and the skips, summed over suites.
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    pub skips: Vec<Skip>,
}

impl Tally {
    /// One passed test.
    pub fn pass() -> Tally {
        Tally { passed: 1, ..Tally::default() }
    }

    /// One failed test.
    pub fn fail() -> Tally {
        Tally { failed: 1, ..Tally::default() }
    }

    pub fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skips.extend(other.skips);
    }

    /// The closing lines of `cargo xtask test`: each skip CI does not accept (counted as a
    /// failure), then `N passed, N failed` (and `, N skipped` for accepted skips). Returns the
    /// text and the number of failures.
    pub fn report(&self) -> (String, u64) {
        let (accepted, refused): (Vec<&Skip>, Vec<&Skip>) = self.skips.iter().partition(|s| accepted_skip(&s.reason));
        let refused_count: u64 = refused.iter().map(|s| s.count).sum();
        let accepted_count: u64 = accepted.iter().map(|s| s.count).sum();
        let mut text = String::new();
        if !refused.is_empty() {
            text.push_str(&format!(
                "\n{refused_count} skipped without a reason CI accepts (each counts as a failure; \
                 the accepted reasons are ACCEPTED_SKIPS in xtask/src/run.rs):\n"
            ));
            for s in refused {
                let test = if s.test.is_empty() { "(unnamed)" } else { &s.test };
                let reason = if s.reason.is_empty() { "no reason given" } else { &s.reason };
                let times = if s.count > 1 { format!(" ({} tests)", s.count) } else { String::new() };
                text.push_str(&format!("  {}: {test}{times}: {reason}\n", s.suite));
            }
        }
        let failed = self.failed + refused_count;
        text.push_str(&format!("\n{} passed, {failed} failed", self.passed));
        if accepted_count > 0 {
            text.push_str(&format!(", {accepted_count} skipped"));
        }
        (text, failed)
    }
}

/// The counts of one summary line.
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

/// Reads the counts from one line of a test runner's output, if it is a summary line.
pub fn parse_summary(line: &str) -> Option<Counts> {
    let line = line.trim();
    // cargo test: "test result: ok. 12 passed; 0 failed; 1 ignored; ..."
    if let Some(rest) = line.strip_prefix("test result: ") {
        let passed = number_before(rest, " passed")?;
        let failed = number_before(rest, " failed")?;
        let skipped = number_before(rest, " ignored").unwrap_or(0);
        return Some(Counts { passed, failed, skipped });
    }
    // node --test (TAP): "# pass 8", "# fail 0", "# cancelled 0", "# skipped 0", "# todo 0"
    if let Some((word, n)) = line.strip_prefix("# ").and_then(|l| l.split_once(' ')) {
        if !matches!(word, "pass" | "fail" | "cancelled" | "skipped" | "todo") {
            return None;
        }
        let n: u64 = n.trim().parse().ok()?;
        let mut counts = Counts::default();
        match word {
            "pass" => counts.passed = n,
            "fail" | "cancelled" => counts.failed = n,
            _ => counts.skipped = n,
        }
        return Some(counts);
    }
    // pytest: "===== 2 failed, 40 passed, 1 skipped in 3.21s =====" (errors count as failures,
    // xfailed as skipped: an expected failure proves nothing)
    if let Some(inner) = line.strip_prefix('=').and_then(|l| l.strip_suffix('=')) {
        let inner = inner.trim_matches(|c| c == '=' || c == ' ');
        let items = inner.rsplit_once(" in ").map_or(inner, |(items, _)| items);
        let mut counts = Counts::default();
        for item in items.split(", ") {
            let Some((n, word)) = item.split_once(' ') else { continue };
            let Ok(n) = n.parse::<u64>() else { continue };
            match word {
                "passed" | "xpassed" => counts.passed += n,
                "failed" | "error" | "errors" => counts.failed += n,
                "skipped" | "xfailed" => counts.skipped += n,
                _ => {}
            }
        }
        return Some(counts).filter(|c| c.passed + c.failed + c.skipped > 0);
    }
    None
}

/// Reads one skipped test from a runner's per-test line: (test, reason, how many tests).
pub fn parse_skip(line: &str) -> Option<(String, String, u64)> {
    let line = line.trim();
    // cargo test: "test a::b ... ignored" or "test a::b ... ignored, <reason>"
    if let Some((test, outcome)) = line.strip_prefix("test ").and_then(|l| l.rsplit_once(" ... ")) {
        let reason = outcome.strip_prefix("ignored")?;
        if !(reason.is_empty() || reason.starts_with(", ")) {
            return None;
        }
        return Some((test.to_owned(), reason.trim_start_matches(", ").trim().to_owned(), 1));
    }
    // pytest -ra: "SKIPPED [2] tests/test_x.py:12: <reason>" and "XFAIL tests/test_x.py::test_y - <reason>"
    if let Some(rest) = line.strip_prefix("SKIPPED [") {
        let (n, rest) = rest.split_once("] ")?;
        let count = n.parse().ok()?;
        let (test, reason) = rest.split_once(": ").unwrap_or((rest, ""));
        return Some((test.to_owned(), reason.trim().to_owned(), count));
    }
    if let Some(rest) = line.strip_prefix("XFAIL ") {
        let (test, reason) = rest.split_once(" - ").unwrap_or((rest, ""));
        return Some((test.to_owned(), reason.trim().to_owned(), 1));
    }
    // node --test (TAP): "ok 3 - name # SKIP <reason>", "not ok 4 - name # TODO <reason>"
    let rest = line.strip_prefix("ok ").or_else(|| line.strip_prefix("not ok "))?;
    let (_, rest) = rest.split_once(" - ")?;
    let (test, directive) = rest.rsplit_once(" # ")?;
    let (word, reason) = directive.split_once(' ').unwrap_or((directive, ""));
    if !(word.eq_ignore_ascii_case("skip") || word.eq_ignore_ascii_case("todo")) {
        return None;
    }
    Some((test.replace("\\#", "#"), reason.trim().to_owned(), 1))
}

/// Sums one command's output: its summary lines, and its skipped tests with their reasons.
#[derive(Default)]
pub struct Output {
    counts: Counts,
    skips: Vec<(String, String, u64)>,
}

impl Output {
    pub fn line(&mut self, line: &str) {
        if let Some(c) = parse_summary(line) {
            self.counts.passed += c.passed;
            self.counts.failed += c.failed;
            self.counts.skipped += c.skipped;
        } else if let Some(skip) = parse_skip(line) {
            self.skips.push(skip);
        }
    }

    /// The tally of suite `suite`. Skips the summaries counted beyond those named line by line
    /// (pytest without `-ra`, say) are kept as unnamed skips without a reason.
    pub fn finish(self, suite: &str) -> Tally {
        let named: u64 = self.skips.iter().map(|s| s.2).sum();
        let mut skips: Vec<Skip> = self
            .skips
            .into_iter()
            .map(|(test, reason, count)| Skip { suite: suite.to_owned(), test, reason, count })
            .collect();
        if self.counts.skipped > named {
            let count = self.counts.skipped - named;
            skips.push(Skip { suite: suite.to_owned(), test: String::new(), reason: String::new(), count });
        }
        Tally { passed: self.counts.passed, failed: self.counts.failed, skips }
    }
}

fn number_before(text: &str, marker: &str) -> Option<u64> {
    let end = text.find(marker)?;
    let start = text[..end].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
    text[start..end].parse().ok()
}

/// Runs a command, echoing its stdout and summing the summaries and skips it prints.
pub fn run_counting(name: &str, cmd: &mut Command) -> Result<Tally, String> {
    eprintln!("\n==> {name}");
    let mut child = cmd.stdout(Stdio::piped()).spawn().map_err(|e| format!("{name}: cannot start: {e}"))?;
    let mut output = Output::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            output.line(&line);
        }
    }
    let status = child.wait().map_err(|e| format!("{name}: {e}"))?;
    let mut tally = output.finish(name);
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
/// them. Then `npm install` installs the same locked versions and skips what is missing;
/// it rewrites the lockfile as it goes, so the committed one is put back afterwards.
pub fn npm_ci(dir: &Path) -> Result<(), String> {
    if dir.join("node_modules").is_dir() {
        return Ok(());
    }
    let name = format!("npm ci in {}", dir.display());
    run_plain(&name, Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(dir)).or_else(|e| {
        eprintln!("{e}; installing from the same lockfile with npm install instead");
        let lockfile = dir.join("package-lock.json");
        let committed = std::fs::read(&lockfile).ok();
        let installed = run_plain(
            &format!("npm install in {}", dir.display()),
            Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(dir),
        );
        if let Some(bytes) = committed {
            if std::fs::read(&lockfile).ok().as_ref() != Some(&bytes) {
                std::fs::write(&lockfile, bytes).map_err(|e| format!("cannot restore {}: {e}", lockfile.display()))?;
            }
        }
        installed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(passed: u64, failed: u64, skipped: u64) -> Option<Counts> {
        Some(Counts { passed, failed, skipped })
    }

    fn skip(test: &str, reason: &str, count: u64) -> Option<(String, String, u64)> {
        Some((test.to_owned(), reason.to_owned(), count))
    }

    #[test]
    fn reads_cargo_and_node_summaries() {
        let t = parse_summary("test result: ok. 12 passed; 3 failed; 2 ignored; 0 measured; 0 filtered out");
        assert_eq!(t, counts(12, 3, 2));
        assert_eq!(parse_summary("# pass 8"), counts(8, 0, 0));
        assert_eq!(parse_summary("# fail 1"), counts(0, 1, 0));
        assert_eq!(parse_summary("# cancelled 2"), counts(0, 2, 0));
        assert_eq!(parse_summary("# skipped 4"), counts(0, 0, 4));
        assert_eq!(parse_summary("# todo 1"), counts(0, 0, 1));
        assert_eq!(parse_summary("# tests 8"), None);
        assert_eq!(parse_summary("# Subtest: pass 1"), None);
        assert_eq!(parse_summary("running 3 tests"), None);
    }

    #[test]
    fn reads_pytest_summaries() {
        let t = parse_summary("==== 1 failed, 40 passed, 4 skipped, 1 xfailed, 1 xpassed, 2 errors in 0.04s ====");
        assert_eq!(t, counts(41, 3, 5));
        assert_eq!(parse_summary("==== 12 passed in 0.50s ===="), counts(12, 0, 0));
        assert_eq!(parse_summary("=== 1 skipped in 0.01s ==="), counts(0, 0, 1));
        assert_eq!(parse_summary("=== 3 deselected in 0.01s ==="), None);
        assert_eq!(parse_summary("============ test session starts ============"), None);
        assert_eq!(parse_summary("==== FAILURES ===="), None);
    }

    #[test]
    fn reads_cargo_skips() {
        let line =
            "test node::tests::node_step ... ignored, builds and runs the npm package; `cargo xtask test` runs it";
        assert_eq!(
            parse_skip(line),
            skip("node::tests::node_step", "builds and runs the npm package; `cargo xtask test` runs it", 1)
        );
        assert_eq!(parse_skip("test a::b ... ignored"), skip("a::b", "", 1));
        assert_eq!(parse_skip("test src/lib.rs - f (line 3) ... ignored"), skip("src/lib.rs - f (line 3)", "", 1));
        assert_eq!(parse_skip("test a::b ... ok"), None);
        assert_eq!(parse_skip("test a::b ... FAILED"), None);
        assert_eq!(parse_skip("test a::ignored ... ok"), None);
    }

    #[test]
    fn reads_pytest_skips() {
        assert_eq!(
            parse_skip("SKIPPED [1] tests/test_a.py:3: needs the moon"),
            skip("tests/test_a.py:3", "needs the moon", 1)
        );
        assert_eq!(
            parse_skip("SKIPPED [2] tests/conftest.py:95: node is not installed"),
            skip("tests/conftest.py:95", "node is not installed", 2)
        );
        assert_eq!(
            parse_skip("XFAIL tests/test_a.py::test_xf - known bug"),
            skip("tests/test_a.py::test_xf", "known bug", 1)
        );
        assert_eq!(parse_skip("XFAIL tests/test_a.py::test_xf"), skip("tests/test_a.py::test_xf", "", 1));
        assert_eq!(parse_skip("FAILED tests/test_a.py::test_fail - assert False"), None);
        assert_eq!(parse_skip("XPASS tests/test_a.py::test_xp - flaky"), None);
    }

    #[test]
    fn reads_node_skips() {
        assert_eq!(
            parse_skip("ok 2 - skipped with reason # SKIP needs the moon"),
            skip("skipped with reason", "needs the moon", 1)
        );
        assert_eq!(parse_skip("    ok 2 - inner skip # SKIP"), skip("inner skip", "", 1));
        assert_eq!(parse_skip("ok 5 - todo one # TODO later"), skip("todo one", "later", 1));
        assert_eq!(parse_skip("not ok 6 - todo failing # TODO"), skip("todo failing", "", 1));
        assert_eq!(parse_skip("ok 7 - a \\# b # SKIP why"), skip("a # b", "why", 1));
        assert_eq!(parse_skip("ok 1 - plain"), None);
        assert_eq!(parse_skip("not ok 3 - broken"), None);
        assert_eq!(parse_skip("ok 1 - issue # 12 fixed"), None);
    }

    fn tally_of(suite: &str, output: &str) -> Tally {
        let mut out = Output::default();
        output.lines().for_each(|l| out.line(l));
        out.finish(suite)
    }

    #[test]
    fn skips_without_a_named_reason_are_kept() {
        // pytest without -ra: the summary counts two skips, no line names them.
        let t = tally_of("pytest", "=== 3 passed, 2 skipped in 0.1s ===\n");
        let unnamed = Skip { suite: "pytest".into(), test: String::new(), reason: String::new(), count: 2 };
        assert_eq!(t, Tally { passed: 3, failed: 0, skips: vec![unnamed] });
        // node counts a skipped suite on its line only: the line's count wins.
        let t = tally_of("node", "ok 1 - a # SKIP x\nok 2 - suite # SKIP\n# pass 1\n# fail 0\n# skipped 1\n# todo 0\n");
        assert_eq!((t.passed, t.skips.len()), (1, 2));
    }

    #[test]
    fn unaccepted_skips_fail_the_tally() {
        let cargo =
            "test node::tests::node_step ... ignored, builds and runs the npm package; `cargo xtask test` runs it\n\
                     test other ... ignored\n\
                     test result: ok. 5 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out\n";
        let mut total = tally_of("cargo test", cargo);
        total.add(tally_of(
            "pytest",
            "SKIPPED [2] tests/conftest.py:95: node is not installed\n=== 7 passed, 2 skipped in 1s ===\n",
        ));
        let (text, failed) = total.report();
        assert_eq!(failed, 3);
        assert!(text.contains("3 skipped without a reason CI accepts"), "{text}");
        assert!(text.contains("  cargo test: other: no reason given\n"), "{text}");
        assert!(text.contains("  pytest: tests/conftest.py:95 (2 tests): node is not installed\n"), "{text}");
        assert!(text.ends_with("\n12 passed, 3 failed, 1 skipped"), "{text}");

        let (text, failed) = tally_of("x", "test result: ok. 5 passed; 0 failed; 0 ignored;\n").report();
        assert_eq!((text.as_str(), failed), ("\n5 passed, 0 failed", 0));
    }

    #[test]
    fn accepted_reasons_are_prefixes_and_each_is_still_used() {
        assert!(accepted_skip("builds and runs the npm package; `cargo xtask test` runs it"));
        assert!(!accepted_skip(""));
        assert!(!accepted_skip("node is not installed"));
        // An accepted reason no test source gives any more is a stale entry: remove it.
        fn sources(dir: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let (path, name) = (entry.path(), entry.file_name());
                let name = name.to_string_lossy();
                if name.starts_with('.') || name == "target" || name == "node_modules" {
                    continue;
                }
                if path.is_dir() {
                    sources(&path, out);
                } else if ["rs", "py", "mjs", "js"].iter().any(|e| path.extension().is_some_and(|x| x == *e)) {
                    out.extend(std::fs::read_to_string(&path).ok());
                }
            }
        }
        let mut texts = Vec::new();
        for dir in ["crates", "bindings", "examples", "tests", "xtask"] {
            sources(&root().join(dir), &mut texts);
        }
        for reason in ACCEPTED_SKIPS {
            let used = texts.iter().filter(|t| t.contains(reason)).count();
            // This file is one of them; the test that skips must be another.
            assert!(used > 1, "no test skips with {reason:?}: remove it from ACCEPTED_SKIPS");
        }
    }
}
