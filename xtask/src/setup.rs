//! `cargo xtask setup`: every system-wide install the tests need (apt packages, rustup components).
//!
//! It says what it installs and why, skips what is present, and can be run any number of
//! times. `cargo xtask test` installs nothing system-wide: a missing package fails the suite
//! that needs it, naming this command. Per-project set-up (the venv under `target/`, npm
//! packages from their lockfiles) stays with the test steps, which do it on first use.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::{root, run_plain};

/// How setup tells that a requirement is already met.
pub enum Present {
    /// A command of this name is on `PATH`.
    Command(&'static str),
    /// This file exists.
    File(&'static str),
    /// This command runs and exits with success.
    Succeeds(&'static [&'static str]),
}

/// One Debian package the tests need: its name, why, and how to see that it is installed.
pub struct AptPackage {
    pub name: &'static str,
    pub why: &'static str,
    pub present: Present,
}

/// Where the examples' browser test looks for Debian's chromium (unless `CHROMIUM` names another).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The Debian packages `cargo xtask test` needs, installed with `apt-get install -y` when missing.
pub const APT_PACKAGES: &[AptPackage] = &[
    AptPackage {
        name: "nodejs",
        why: "the Node binding, the Node examples and the oidc-provider test server run on node",
        present: Present::Command("node"),
    },
    AptPackage {
        name: "npm",
        why: "installs the napi CLI, the test servers and the examples' packages from their lockfiles",
        present: Present::Command("npm"),
    },
    AptPackage {
        name: "python3-venv",
        why: "the wheel is built and tested in a venv under target/ (`python3 -m venv` needs ensurepip)",
        present: Present::Succeeds(&["python3", "-c", "import ensurepip"]),
    },
    AptPackage {
        name: "chromium",
        why: "the browser test of examples/node drives a real chromium (playwright-core cannot download one here)",
        present: Present::File(CHROMIUM),
    },
];

/// The rustup components `cargo xtask lint` needs, added when rustup manages the toolchain.
pub const RUSTUP_COMPONENTS: &[(&str, &str)] = &[
    ("rustfmt", "`cargo xtask lint` checks formatting"),
    ("clippy", "`cargo xtask lint` runs clippy with warnings denied"),
];

impl Present {
    pub fn holds(&self) -> bool {
        match self {
            Present::Command(name) => find_command(name).is_some(),
            Present::File(path) => Path::new(path).exists(),
            Present::Succeeds(argv) => Command::new(argv[0])
                .args(&argv[1..])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success()),
        }
    }

    /// What was found, for a package that is present.
    fn found(&self) -> String {
        match self {
            Present::Command(name) => find_command(name).map_or_else(|| name.to_string(), |p| p.display().to_string()),
            Present::File(path) => path.to_string(),
            Present::Succeeds(argv) => format!("`{}` succeeds", shell_words(argv)),
        }
    }

    /// What is missing, for a package that is not.
    fn lacking(&self) -> String {
        match self {
            Present::Command(name) => format!("no `{name}` on PATH"),
            Present::File(path) => format!("no {path}"),
            Present::Succeeds(argv) => format!("`{}` fails", shell_words(argv)),
        }
    }
}

fn shell_words(argv: &[&str]) -> String {
    argv.iter().map(|a| if a.contains(' ') { format!("\"{a}\"") } else { a.to_string() }).collect::<Vec<_>>().join(" ")
}

/// The executable of this name on `PATH`, if any.
pub fn find_command(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// Installs what is missing from [`APT_PACKAGES`] and [`RUSTUP_COMPONENTS`], and says so.
pub fn setup() -> Result<(), String> {
    let mut installed = Vec::new();
    let missing: Vec<&AptPackage> = APT_PACKAGES
        .iter()
        .filter(|p| {
            let present = p.present.holds();
            if present {
                println!("setup: {}: present ({})", p.name, p.present.found());
            } else {
                println!("setup: {}: missing ({}); installing it: {}", p.name, p.present.lacking(), p.why);
            }
            !present
        })
        .collect();
    if !missing.is_empty() {
        apt_install(&missing)?;
        let still: Vec<String> = missing
            .iter()
            .filter(|p| !p.present.holds())
            .map(|p| format!("{} ({})", p.name, p.present.lacking()))
            .collect();
        if !still.is_empty() {
            return Err(format!("apt-get ran, but these are still missing: {}", still.join(", ")));
        }
        installed.extend(missing.iter().map(|p| p.name.to_owned()));
    }
    installed.extend(rustup_components()?);
    if installed.is_empty() {
        println!("setup: nothing to install");
    } else {
        println!("setup: installed {}", installed.join(", "));
    }
    Ok(())
}

/// `apt-get update` once, then `apt-get install -y` of the missing packages (with sudo when not root).
fn apt_install(missing: &[&AptPackage]) -> Result<(), String> {
    let names: Vec<&str> = missing.iter().map(|p| p.name).collect();
    if find_command("apt-get").is_none() {
        return Err(format!("apt-get is not available: install {} yourself (see why above)", names.join(", ")));
    }
    let root_user =
        Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if root_user {
            Command::new("apt-get")
        } else if find_command("sudo").is_some() {
            let mut cmd = Command::new("sudo");
            cmd.arg("apt-get");
            cmd
        } else {
            return Err(format!("not root and no sudo: install {} as root (see why above)", names.join(", ")));
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        Ok(cmd)
    };
    run_plain("apt-get update", &mut apt(&["update", "-qq"])?)?;
    run_plain(&format!("apt-get install -y {}", names.join(" ")), apt(&["install", "-y", "-qq"])?.args(&names))
}

/// Adds the missing [`RUSTUP_COMPONENTS`] to the workspace's toolchain; returns the ones it added.
fn rustup_components() -> Result<Vec<String>, String> {
    if find_command("rustup").is_none() {
        println!("setup: rustup is not installed: the toolchain must bring rustfmt and clippy itself");
        return Ok(Vec::new());
    }
    let out = Command::new("rustup")
        .args(["component", "list", "--installed"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot run rustup: {e}"))?;
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut added = Vec::new();
    for (name, why) in RUSTUP_COMPONENTS {
        let present = listed.lines().any(|l| l.trim() == *name || l.trim().starts_with(&format!("{name}-")));
        if present {
            println!("setup: rustup component {name}: present");
            continue;
        }
        println!("setup: rustup component {name}: missing; installing it: {why}");
        run_plain(
            &format!("rustup component add {name}"),
            Command::new("rustup").args(["component", "add", name]).current_dir(root()),
        )?;
        added.push(format!("rustup component {name}"));
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_checks() {
        assert!(Present::Command("sh").holds());
        assert!(!Present::Command("no-such-command-authflow").holds());
        assert!(Present::File("/").holds());
        assert!(Present::Succeeds(&["sh", "-c", "exit 0"]).holds());
        assert!(!Present::Succeeds(&["sh", "-c", "exit 1"]).holds());
        assert!(!Present::Succeeds(&["no-such-command-authflow"]).holds());
    }

    #[test]
    fn every_package_says_why() {
        for p in APT_PACKAGES {
            assert!(!p.name.is_empty() && !p.why.is_empty(), "{}", p.name);
        }
    }
}
