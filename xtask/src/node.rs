//! Build, test and bench steps for the `authflow` npm package (bindings/node).
//!
//! `test` installs the package's tools from its lockfile, builds the addon in release mode
//! with the napi CLI, checks that the generated `index.d.ts` and `index.js` are as committed
//! (the codegen check, against copies made before the build), packs the package, installs
//! the tarball into a fresh folder and loads it there (CommonJS and ESM), then runs the
//! node:test suites of the package and of `examples/node`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::codegen::{Generator, Snapshot};
use crate::run::{devserver, npm_ci, root, run_counting, run_plain, Tally};
use crate::setup::CHROMIUM;

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

/// The loader and types napi writes next to the addon; `cargo xtask codegen` builds the addon to make them.
pub const LOADER: Generator = Generator {
    name: "Node loader and types (napi build)",
    outputs: &["bindings/node/index.d.ts", "bindings/node/index.js"],
    generate: build_addon,
};

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
///
/// The build rewrites `index.d.ts` and `index.js`: they are compared with copies made before
/// it (the codegen check), the tests run against the build, and the copies are put back.
pub fn test() -> Result<Tally, String> {
    let devserver = devserver(false)?;
    let committed = Snapshot::take(&LOADER);
    let result = build_addon().and_then(|()| {
        let mut tally = committed.verdict();
        tally.add(test_built(&devserver)?);
        Ok(tally)
    });
    committed.restore()?;
    result
}

fn test_built(devserver: &Path) -> Result<Tally, String> {
    let mut tally = pack_and_install()?;
    npm_ci(&root().join("tests/oidc-provider"))?;
    tally.add(run_counting(
        "node --test (bindings/node)",
        Command::new("node").args(["--test", "test/"]).env("AUTHFLOW_DEVSERVER", devserver).current_dir(package_dir()),
    )?);
    let examples = root().join("examples/node");
    if examples.join("package.json").is_file() {
        let named = std::env::var_os("CHROMIUM").map(PathBuf::from);
        let chromium = named.clone().unwrap_or_else(|| PathBuf::from(CHROMIUM));
        if !chromium.exists() {
            eprintln!("\n==> node --test (examples/node)");
            if named.is_some() {
                println!(
                    "FAILED: examples/node: its browser test needs the chromium CHROMIUM names, {}",
                    chromium.display()
                );
            } else {
                println!(
                    "FAILED: examples/node: its browser test needs Debian's chromium at {CHROMIUM}: \
                     run `cargo xtask setup`"
                );
            }
            tally.add(Tally::fail());
            return Ok(tally);
        }
        npm_ci(&examples)?;
        tally.add(run_counting(
            "node --test (examples/node)",
            Command::new("node").args(["--test", "test/"]).env("AUTHFLOW_DEVSERVER", devserver).current_dir(&examples),
        )?);
    }
    Ok(tally)
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
