//! Invariants of the tree, checked as plain tests: the sans-IO core stays sans-IO, modules say what they own,
//! and the modules of each crate import each other one way (no cycle).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
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

/// Crates with a module cycle that is known and not yet broken. Each must still have one,
/// so a crate leaves this list when its cycle is gone.
const KNOWN_CYCLES: &[&str] = &[];

#[test]
fn no_crate_has_a_module_import_cycle() {
    let mut cycles = Vec::new();
    let mut edges = 0;
    for member in workspace_members() {
        let graph = module_graph(&member);
        edges += graph.values().map(BTreeMap::len).sum::<usize>();
        let name = crate_name(&member);
        let found = module_cycles(&graph);
        if KNOWN_CYCLES.contains(&name.as_str()) {
            assert!(!found.is_empty(), "{name} has no module cycle any more: remove it from KNOWN_CYCLES");
            continue;
        }
        cycles.extend(found.into_iter().map(|cycle| format!("{name}: {cycle}")));
    }
    assert!(edges > 0, "no `use crate::` found in the whole workspace: the module graph reader is broken");
    assert!(
        cycles.is_empty(),
        "module import cycles (move the shared items into a leaf module):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_cycle_check_reads_paths_and_skips_tests_comments_and_strings() {
    let dir = std::env::temp_dir().join(format!("authflow-tidy-cycles-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let files = [
        ("src/lib.rs", "//! Root.\nmod a;\nmod b;\nmod c;\nmod d;\nuse crate::a::A;\n"),
        ("src/a.rs", "//! A.\nuse crate::{b::B, c};\nfn f() { crate::d::f() }\n"),
        (
            "src/b/mod.rs",
            r##"//! B.
mod inner;
// use crate::a;
const S: &str = "crate::a::A";
const C: char = '{';
fn f<'a>(s: &'a str) -> &'a str { let _ = r#"use crate::a;"#; s }
"##,
        ),
        (
            "src/b/inner.rs",
            "//! B's part.\nuse super::super::c::C;\nuse super::B;\nmod deep {\n    use super::super::X;\n}\n",
        ),
        ("src/c.rs", "//! C.\npub struct C;\n#[cfg(test)]\nmod tests {\n    use crate::a::A;\n}\n"),
        ("src/d.rs", "//! D.\nuse super::a;\n"),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let graph = module_graph(&dir);
    let edges: Vec<String> =
        graph.iter().flat_map(|(from, to)| to.keys().map(move |to| format!("{from} -> {to}"))).collect();
    assert_eq!(edges, ["a -> b", "a -> c", "a -> d", "b -> c", "d -> a"]);
    assert_eq!(module_cycles(&graph), ["a -> d -> a (src/a.rs:3 uses d, src/d.rs:2 uses a)"]);
    fs::remove_dir_all(&dir).unwrap();
}

/// The member directories listed in the root manifest's `[workspace] members`.
fn workspace_members() -> Vec<PathBuf> {
    let manifest = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let list = manifest.split("members = [").nth(1).unwrap().split(']').next().unwrap();
    let members: Vec<PathBuf> = list.split('"').skip(1).step_by(2).map(|member| root().join(member)).collect();
    assert!(!members.is_empty(), "no workspace members in Cargo.toml");
    members
}

/// The `name` of a member's `[package]`.
fn crate_name(member: &Path) -> String {
    let manifest = fs::read_to_string(member.join("Cargo.toml")).unwrap();
    let package = manifest.split("[package]").nth(1).unwrap_or_default();
    let line = package.lines().find(|line| line.trim_start().starts_with("name")).unwrap_or_default();
    line.split('"').nth(1).unwrap_or_default().to_string()
}

/// Which top-level module uses which, each edge with the first place that uses it.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// The `crate::` and `super::` uses between the top-level modules under `member/src`.
///
/// A top-level module is a file under `src/` or a folder there; the files of a folder
/// count as the folder. The crate roots (`lib.rs`, `main.rs`, `src/bin/`) are left out.
fn module_graph(member: &Path) -> Graph {
    let src = member.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut modules: Vec<(String, Vec<String>, PathBuf)> = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let mut path: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        let root_file = path.len() == 1 && (path[0] == "lib.rs" || path[0] == "main.rs");
        if root_file || path[0] == "bin" {
            continue;
        }
        let last = path.pop().unwrap();
        if last != "mod.rs" {
            path.push(last.trim_end_matches(".rs").to_string());
        }
        modules.push((path[0].clone(), path, file));
    }
    let mut graph: Graph = modules.iter().map(|(top, _, _)| (top.clone(), BTreeMap::new())).collect();
    for (top, path, file) in &modules {
        let code = without_test_modules(&code_only(&fs::read_to_string(file).unwrap()));
        for (at, used) in module_uses(&code, path.len()) {
            if used != *top && graph.contains_key(&used) {
                let line = code[..at].matches('\n').count() + 1;
                let place = format!("{}:{line}", file.strip_prefix(member).unwrap().display());
                graph.get_mut(top).unwrap().entry(used).or_insert(place);
            }
        }
    }
    graph
}

/// The text with comments and the contents of string and char literals blanked out; lines stay where they were.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        if at(i) == '/' && at(i + 1) == '/' {
            while i < chars.len() && at(i) != '\n' {
                i += 1;
            }
        } else if at(i) == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some((open, hashes)) = raw_string_start(&chars, i).filter(|_| i == 0 || !is_ident(at(i - 1))) {
            let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            i = open + 1;
            while i < chars.len() && !chars[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
        } else if at(i) == '"' {
            i += 1;
            while i < chars.len() && at(i) != '"' {
                i += if at(i) == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if at(i) == '\'' && at(i + 1) == '\\' {
            i += 3;
            while i < chars.len() && at(i) != '\'' {
                i += 1;
            }
            i += 1;
        } else if at(i) == '\'' && at(i + 2) == '\'' {
            i += 3;
        } else {
            out.push(at(i));
            i += 1;
            continue;
        }
        let end = i.min(chars.len());
        out.extend(chars[start..end].iter().map(|&c| if c == '\n' { '\n' } else { ' ' }));
    }
    out
}

/// Where a raw string (`r"`, `r#"`, `br"`, ...) starting at `i` has its opening quote, and its `#` count.
fn raw_string_start(chars: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    (chars.get(j + hashes) == Some(&'"')).then_some((j + hashes, hashes))
}

/// The code with every `#[cfg(test)] mod tests { ... }` blanked out.
fn without_test_modules(code: &str) -> String {
    let mut code = code.to_string();
    let mut from = 0;
    while let Some(found) = code[from..].find("#[cfg(test)]") {
        let start = from + found;
        let after = code[start + "#[cfg(test)]".len()..].trim_start();
        let Some(body) = after.strip_prefix("mod tests").map(str::trim_start).filter(|rest| rest.starts_with('{'))
        else {
            from = start + 1;
            continue;
        };
        let open = code.len() - body.len();
        let end = matching_brace(&code, open).unwrap_or(code.len() - 1) + 1;
        let blanked: String = code[start..end].chars().map(|c| if c == '\n' { '\n' } else { ' ' }).collect();
        code.replace_range(start..end, &blanked);
        from = end;
    }
    code
}

/// The byte index of the `}` that closes the `{` at `open`.
fn matching_brace(code: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in code[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The top-level modules a file's code names, with where: `crate::x`, `crate::{x, y::Z}`,
/// and `super::x` where the `super`s climb to the crate root. `depth` is the file's module depth.
fn module_uses(code: &str, depth: usize) -> Vec<(usize, String)> {
    let inline_modules = inline_modules(code);
    let mut uses = Vec::new();
    for keyword in ["crate", "super"] {
        for (at, _) in code.match_indices(keyword) {
            let before = code[..at].chars().next_back().unwrap_or(' ');
            if before.is_alphanumeric() || before == '_' || code[..at].trim_end().ends_with("::") {
                continue;
            }
            let mut rest = &code[at..];
            let mut climbs = 0;
            while let Some(next) = rest.strip_prefix(keyword).and_then(|r| r.trim_start().strip_prefix("::")) {
                climbs += 1;
                rest = next.trim_start();
                if keyword == "crate" {
                    break;
                }
            }
            if climbs == 0 {
                continue;
            }
            if keyword == "super" {
                let inside = inline_modules.iter().filter(|(open, close)| (*open..*close).contains(&at)).count();
                if depth + inside != climbs {
                    continue;
                }
            }
            uses.extend(first_segments(rest).into_iter().map(|name| (at, name)));
        }
    }
    uses
}

/// The first path segment, or the first segment of each item of a `{ ... }` group.
fn first_segments(path: &str) -> Vec<String> {
    let ident = |text: &str| text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let Some(group) = path.strip_prefix('{') else {
        return vec![ident(path)];
    };
    let inner = &group[..matching_brace(path, 0).map_or(group.len(), |close| close - 1)];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items.into_iter().map(|item| ident(item.trim_start())).filter(|name| !name.is_empty() && name != "self").collect()
}

/// The byte ranges of the `mod name { ... }` blocks of a file.
fn inline_modules(code: &str) -> Vec<(usize, usize)> {
    let mut blocks = Vec::new();
    for (at, _) in code.match_indices("mod ") {
        if code[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = code[at + 4..].trim_start();
        let name_len = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').count();
        if name_len > 0 && rest[name_len..].trim_start().starts_with('{') {
            let open = code.len() - rest[name_len..].trim_start().len();
            blocks.push((open, matching_brace(code, open).unwrap_or(code.len())));
        }
    }
    blocks
}

/// One cycle for each group of modules that reach each other: the shortest through the group's first module.
fn module_cycles(graph: &Graph) -> Vec<String> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut queue: VecDeque<&str> = graph[from].keys().map(String::as_str).collect();
        while let Some(node) = queue.pop_front() {
            if seen.insert(node.to_string()) {
                queue.extend(graph[node].keys().map(String::as_str));
            }
        }
        seen
    };
    let reached: BTreeMap<&str, BTreeSet<String>> = graph.keys().map(|node| (node.as_str(), reach(node))).collect();
    let mut done = BTreeSet::new();
    let mut cycles = Vec::new();
    for (&node, reachable) in &reached {
        if done.contains(node) || !reachable.contains(node) {
            continue;
        }
        let group: BTreeSet<&str> =
            reachable.iter().map(String::as_str).filter(|other| reached[other].contains(node)).collect();
        done.extend(group.iter().copied());
        let mut cycle = shortest_cycle(graph, node, &group);
        let places: Vec<String> =
            cycle.windows(2).map(|pair| format!("{} uses {}", graph[pair[0]][pair[1]], pair[1])).collect();
        let mut text = format!("{} ({})", cycle.join(" -> "), places.join(", "));
        cycle.pop();
        if group.len() > cycle.len() {
            text += &format!("; all in one cycle: {}", group.into_iter().collect::<Vec<_>>().join(", "));
        }
        cycles.push(text);
    }
    cycles
}

/// The shortest path from `start` back to itself within `group`, both ends included.
fn shortest_cycle<'a>(graph: &'a Graph, start: &'a str, group: &BTreeSet<&str>) -> Vec<&'a str> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in graph[node].keys().map(String::as_str).filter(|next| group.contains(next)) {
            if next == start {
                let mut path = vec![node];
                while let Some(&previous) = came_from.get(path[path.len() - 1]) {
                    path.push(previous);
                }
                path.reverse();
                path.push(start);
                return path;
            }
            if !came_from.contains_key(next) {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    vec![start]
}
