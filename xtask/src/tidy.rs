//! Invariants of the tree, checked as plain tests: the sans-IO core stays sans-IO, modules say what they own.

use std::fs;
use std::path::{Path, PathBuf};

use crate::run::root;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name == "node_modules" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_depends_on_no_http_client_or_runtime() {
    let manifest = fs::read_to_string(root().join("crates/authflow-core/Cargo.toml")).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap().split("\n[").next().unwrap();
    let allowed = ["serde", "serde_json", "url", "thiserror", "getrandom", "sha2", "base64"];
    for line in deps.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let name = line.split(['=', '.', ' ']).next().unwrap();
        assert!(allowed.contains(&name), "authflow-core must stay sans-IO; unexpected dependency {name:?}");
    }
}

#[test]
fn core_source_has_no_clock_sockets_threads_or_ambient_rng() {
    let mut files = Vec::new();
    rust_files(&root().join("crates/authflow-core/src"), &mut files);
    assert!(!files.is_empty());
    let banned = [
        "SystemTime::now",
        "Instant::now",
        "std::net",
        "std::thread",
        "std::fs",
        "thread_rng",
        "rand::",
        "tokio",
        "ureq",
        "reqwest",
        "unsafe ",
    ];
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for word in banned {
            assert!(!text.contains(word), "{} uses {word:?}: the core is sans-IO", file.display());
        }
    }
}

#[test]
fn every_rust_module_starts_with_a_doc_line() {
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "bindings", "examples"] {
        rust_files(&root().join(dir), &mut files);
    }
    let missing: Vec<String> = files
        .iter()
        .filter(|f| !fs::read_to_string(f).unwrap().trim_start().starts_with("//!"))
        .map(|f| f.strip_prefix(root()).unwrap_or(f).display().to_string())
        .collect();
    assert!(missing.is_empty(), "modules without a `//!` line saying what they own: {missing:?}");
}
