//! The xtask commands that span languages: every test, the benchmarks, lint, the demo and codegen.

use std::process::Command;

use crate::codegen::{Generator, REGENERATE};
use crate::run::{cargo, npm_ci, root, run_counting, run_plain, Tally};

/// Every generator, in the order `codegen` runs them. Add Kotlin/Swift/PHP stubs here.
pub const GENERATORS: &[&Generator] = &[&crate::python::STUBS, &crate::node::LOADER, &crate::codegen::ERROR_DOCS];

/// `cargo xtask codegen [--check]`.
pub fn codegen(args: &[String]) -> Result<(), String> {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err(format!("usage: {REGENERATE} [--check]")),
    };
    if !check {
        for generator in GENERATORS {
            eprintln!("\n==> codegen: {}", generator.name);
            (generator.generate)()?;
            for file in generator.outputs {
                println!("wrote {file}");
            }
        }
        return Ok(());
    }
    let mut total = Tally::default();
    for generator in GENERATORS {
        total.add(crate::codegen::check_one(generator));
    }
    println!("\ncodegen check: {} passed, {} failed", total.passed, total.failed);
    if total.failed == 0 {
        Ok(())
    } else {
        Err(format!("codegen check failed (see FAILED above): fix the generator, or run `{REGENERATE}` and commit"))
    }
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
    total.add(crate::codegen::check_one(&crate::codegen::ERROR_DOCS));
    total.add(crate::python::test()?);
    total.add(crate::node::test()?);
    let (report, failed) = total.report();
    println!("{report}");
    if failed == 0 && total.passed > 0 {
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
