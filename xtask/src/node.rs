//! Build, test and bench steps for the `authflow` npm package (bindings/node).
//!
//! `test` installs the package's tools from its lockfile, builds the addon in release mode
//! with the napi CLI, checks that the generated `index.d.ts` and `index.js` are committed as
//! built, packs the package, installs the tarball into a fresh folder and loads it there
//! (CommonJS and ESM), then runs the node:test suites of the package and of `examples/node`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::{devserver, npm_ci, root, run_counting, run_plain, Tally};

fn package_dir() -> PathBuf {
    root().join("bindings/node")
}

/// `napi build --platform --release`: the addon next to package.json, and the generated loader and types.
fn build_addon() -> Result<(), String> {
    let dir = package_dir();
    npm_ci(&dir)?;
    run_plain(
        "napi build --platform --release (bindings/node)",
        Command::new(dir.join("node_modules/.bin/napi"))
            .args(["build", "--platform", "--release", "--strip"])
            .current_dir(&dir),
    )
}

/// Fails when the build changed the committed `index.d.ts` or `index.js`.
fn generated_files_are_committed() -> Tally {
    let files = ["bindings/node/index.d.ts", "bindings/node/index.js"];
    eprintln!("\n==> generated files are as built: {}", files.join(", "));
    let status =
        Command::new("git").args(["diff", "--exit-code", "--stat", "--"]).args(files).current_dir(root()).status();
    match status {
        Ok(s) if s.success() => {
            println!("ok: index.d.ts and index.js match the build");
            Tally { passed: 1, failed: 0 }
        }
        Ok(_) => {
            println!(
                "FAILED: bindings/node/index.d.ts or index.js is stale. The build regenerated it from the Rust \
                 source; review and commit it (`cd bindings/node && npm run build`, then \
                 `git add bindings/node/index.d.ts bindings/node/index.js`)"
            );
            Tally { passed: 0, failed: 1 }
        }
        Err(e) => {
            println!("skipped: git is not available to compare the generated files ({e})");
            Tally::default()
        }
    }
}

/// `npm pack`, then `npm install <tarball>` in a fresh folder and a smoke test there.
fn pack_and_install() -> Result<Tally, String> {
    let scratch = std::env::temp_dir().join("authflow-node-pack");
    let _ = std::fs::remove_dir_all(&scratch);
    let app = scratch.join("app");
    std::fs::create_dir_all(&app).map_err(|e| format!("cannot create {}: {e}", app.display()))?;
    run_plain(
        "npm pack (bindings/node)",
        Command::new("npm").args(["pack", "--silent", "--pack-destination"]).arg(&scratch).current_dir(package_dir()),
    )?;
    let tarball = std::fs::read_dir(&scratch)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .ok_or("npm pack made no tarball")?;
    write(&app.join("package.json"), r#"{"name": "authflow-pack-check", "private": true, "type": "module"}"#)?;
    write(&app.join("smoke.test.mjs"), SMOKE)?;
    run_plain(
        "npm install <tarball> in a fresh folder",
        Command::new("npm").args(["install", "--no-audit", "--no-fund", "--silent"]).arg(&tarball).current_dir(&app),
    )?;
    run_counting(
        "node --test (installed tarball)",
        Command::new("node").args(["--test", "smoke.test.mjs"]).current_dir(&app),
    )
}

const SMOKE: &str = r#"import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Flow, ClientConfig, Provider } from 'authflow'

test('the installed package loads with require and import and runs a flow', () => {
  const cjs = createRequire(import.meta.url)('authflow')
  assert.equal(cjs.Flow, Flow)
  const config = new ClientConfig({ provider: Provider.sipgate(), clientId: 'c', clientSecret: 's', redirectUri: 'http://localhost:8080/oauth' })
  const flow = Flow.start(config, { now: 1700000000, seed: 42 })
  assert.match(flow.authorizationUrl, /^https:\/\/login\.sipgate\.com\/.*state=vYAI-wIZs573kjTM_JERdA/)
  assert.throws(() => flow.callback('http://localhost:8080/oauth?code=x&state=y'), { code: 'ERR_STATE_MISMATCH' })
})
"#;

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Builds the package the way users install it and runs its tests.
pub fn test() -> Result<Tally, String> {
    let devserver = devserver(false)?;
    build_addon()?;
    let mut tally = generated_files_are_committed();
    tally.add(pack_and_install()?);
    npm_ci(&root().join("tests/oidc-provider"))?;
    tally.add(run_counting(
        "node --test (bindings/node)",
        Command::new("node").args(["--test", "test/"]).env("AUTHFLOW_DEVSERVER", &devserver).current_dir(package_dir()),
    )?);
    let examples = root().join("examples/node");
    if examples.join("package.json").is_file() {
        ensure_chromium()?;
        npm_ci(&examples)?;
        tally.add(run_counting(
            "node --test (examples/node)",
            Command::new("node").args(["--test", "test/"]).env("AUTHFLOW_DEVSERVER", &devserver).current_dir(&examples),
        )?);
    }
    Ok(tally)
}

/// Debian's chromium for the example's browser test (playwright-core cannot download one here).
fn ensure_chromium() -> Result<(), String> {
    if std::env::var_os("CHROMIUM").is_some() || Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    run_plain("apt-get update", Command::new("apt-get").args(["update", "-qq"]))?;
    run_plain(
        "apt-get install chromium",
        Command::new("apt-get").args(["install", "-y", "-qq", "chromium"]).env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// Runs its benchmarks side by side with the peers (openid-client, oauth4webapi, raw node:http).
pub fn bench(args: &[String]) -> Result<(), String> {
    if !(args.is_empty() || args.iter().any(|a| a.contains("node"))) {
        return Ok(());
    }
    let devserver = devserver(true)?;
    build_addon()?;
    run_plain(
        "node bench/run.mjs (bindings/node)",
        Command::new("node").args(["bench/run.mjs"]).env("AUTHFLOW_DEVSERVER", &devserver).current_dir(package_dir()),
    )
}

#[cfg(test)]
mod tests {
    /// The whole Node step on its own: `cargo test -p xtask node -- --ignored --nocapture`.
    #[test]
    #[ignore = "builds and runs the npm package; `cargo xtask test` runs it"]
    fn node_step() {
        let tally = super::test().expect("node step");
        assert_eq!(tally.failed, 0, "{tally:?}");
        assert!(tally.passed > 100, "{tally:?}");
    }
}
