//! Build, test and bench steps for the `authflow` wheel (bindings/python).
//!
//! Everything happens in a venv at `target/py-venv`, created on first use: the
//! pinned tools are installed there with pip, the wheel is built with
//! `maturin build --release` (abi3) once per xtask run, and the built `.whl`
//! file is installed with pip, the way users install it. [`STUBS`] is the codegen step that
//! writes the wheel's `.pyi` from the Rust API.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::codegen::Generator;
use crate::run::{cargo, devserver, root, run_counting, run_plain, target_dir, Tally};

/// The Python tools and bench peers, pinned. Changing this list reinstalls them.
const REQUIREMENTS: &[&str] = &[
    "maturin==1.16.0",
    "pytest==9.2.0",
    "authlib==1.9.9",
    "httpx==0.28.1",
    "requests==2.32.5",
    "requests-oauthlib==2.0.0",
];

const STUB_GEN: &str = "cargo run -p authflow-python --bin stub_gen --no-default-features --features stub-gen";

fn venv() -> PathBuf {
    root().join("target/py-venv")
}

fn venv_python() -> PathBuf {
    venv().join("bin/python")
}

/// Creates the venv and installs the pinned requirements, unless that was already done.
fn ensure_venv() -> Result<(), String> {
    if !venv_python().exists() {
        run_plain(
            "python3 -m venv target/py-venv",
            Command::new("python3").args(["-m", "venv"]).arg(venv()).current_dir(root()),
        )?;
    }
    let stamp = venv().join("authflow-requirements.txt");
    let wanted = REQUIREMENTS.join("\n");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    run_plain(
        "pip install (pinned python tools)",
        Command::new(venv_python())
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args(REQUIREMENTS),
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// Builds the release wheel once per run and installs the file into the venv with pip.
fn ensure_wheel() -> Result<PathBuf, String> {
    static WHEEL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    WHEEL.get_or_init(build_and_install_wheel).clone()
}

fn build_and_install_wheel() -> Result<PathBuf, String> {
    ensure_venv()?;
    let out = target_dir().join("py-wheels");
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("cannot clean {}: {e}", out.display()))?;
    }
    let maturin = venv().join("bin/maturin");
    run_plain(
        "maturin build --release (abi3 wheel)",
        Command::new(maturin)
            .args(["build", "--release", "--quiet", "--manifest-path", "bindings/python/Cargo.toml", "--out"])
            .arg(&out)
            .arg("--interpreter")
            .arg(venv_python())
            .current_dir(root()),
    )?;
    let wheel = std::fs::read_dir(&out)
        .map_err(|e| format!("cannot read {}: {e}", out.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| format!("maturin left no .whl in {}", out.display()))?;
    run_plain(
        "pip install the built wheel",
        Command::new(venv_python())
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--force-reinstall", "--no-deps"])
            .arg(&wheel),
    )?;
    Ok(wheel)
}

/// The directory holding libpython, which the stub generator (not an extension module) links to.
fn python_libdir() -> Result<String, String> {
    let out = Command::new(venv_python())
        .args(["-c", "import sysconfig; print(sysconfig.get_config_var('LIBDIR') or '')"])
        .output()
        .map_err(|e| format!("cannot run the venv's python: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The type stubs of the wheel, generated from the annotated Rust API by the `stub_gen` binary.
pub const STUBS: Generator = Generator {
    name: "Python type stubs (stub_gen)",
    outputs: &["bindings/python/python/authflow/_native.pyi"],
    generate: generate_stubs,
};

/// Runs `stub_gen`, which writes the `.pyi`; it links libpython, so it runs with the venv's python.
fn generate_stubs() -> Result<(), String> {
    ensure_venv()?;
    let libdir = python_libdir()?;
    let ld_path = match std::env::var("LD_LIBRARY_PATH") {
        Ok(old) if !old.is_empty() => format!("{libdir}:{old}"),
        _ => libdir,
    };
    run_plain(
        STUB_GEN,
        cargo()
            .args(["run", "--quiet", "-p", "authflow-python", "--bin", "stub_gen"])
            .args(["--no-default-features", "--features", "stub-gen"])
            .env("LD_LIBRARY_PATH", ld_path)
            .env("PYO3_PYTHON", venv_python()),
    )
}

/// Builds the package the way users install it and runs its tests.
pub fn test() -> Result<Tally, String> {
    let mut tally = Tally::default();
    ensure_venv()?;
    tally.add(crate::codegen::check_one(&STUBS));
    let devserver = devserver(false)?;
    ensure_wheel()?;
    tally.add(run_counting(
        "pytest bindings/python/tests",
        Command::new(venv_python())
            .args(["-m", "pytest", "-p", "no:cacheprovider", "-ra"])
            .arg(Path::new("bindings/python/tests"))
            .env("AUTHFLOW_DEVSERVER", devserver)
            .current_dir(root()),
    )?);
    Ok(tally)
}

/// Runs its benchmarks side by side with the peers (only for `bench` or `bench python`).
pub fn bench(args: &[String]) -> Result<(), String> {
    if !(args.is_empty() || args.iter().any(|a| a == "python")) {
        return Ok(());
    }
    let devserver = devserver(true)?;
    let wheel = ensure_wheel()?;
    run_plain(
        "python benchmarks (bindings/python/bench)",
        Command::new(venv_python())
            .arg("bindings/python/bench/run.py")
            .env("AUTHFLOW_DEVSERVER", devserver)
            .env("AUTHFLOW_WHEEL", wheel)
            .current_dir(root()),
    )
}
