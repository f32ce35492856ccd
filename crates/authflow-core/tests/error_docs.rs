//! `docs/errors.md`, the table of error names per language, is written from the core's
//! [`ERROR_KINDS`] table; this test fails when the file differs from what the table gives.
//! `UPDATE_DOCS=1 cargo test -p authflow-core --test error_docs` rewrites it.

use authflow_core::{ErrorCategory, FieldType, ERROR_KINDS};

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn render() -> String {
    let mut out = String::from(
        "# Errors in every language\n\n\
         Written from the core's `ERROR_KINDS` table by `crates/authflow-core/tests/error_docs.rs`\n\
         (`UPDATE_DOCS=1 cargo test -p authflow-core --test error_docs`); do not edit by hand.\n\n\
         Every error carries the same three names in every language: `kind` (the core's\n\
         `Error::kind()`), `code` (`ERR_` and the kind in capitals; for OAuth error responses\n\
         `ERR_OAUTH_` and the RFC 6749 code, e.g. `ERR_OAUTH_INVALID_GRANT`) and `category`.\n\
         Python raises one class per row, below its category's class, below `AuthflowError`;\n\
         Node rejects with an `Error` whose `name` is the same class name. Fields are\n\
         snake_case in Python and camelCase in Node. No message or field holds a secret.\n\n\
         ## Categories\n\n| category | Python base class | what the caller does |\n|---|---|---|\n",
    );
    for category in ErrorCategory::ALL {
        out += &format!("| `{}` | `{}` | {} |\n", category.as_str(), category.type_name(), category.doc());
    }
    out += "\n## Kinds\n\n| kind | category | Rust | Python class | Node `code` | fields (Python / Node) | meaning |\n|---|---|---|---|---|---|---|\n";
    for info in ERROR_KINDS {
        let code = if info.kind == "oauth" {
            "`ERR_OAUTH_<CODE>`".to_owned()
        } else {
            format!("`ERR_{}`", info.kind.to_ascii_uppercase())
        };
        let fields: Vec<String> = info
            .fields
            .iter()
            .map(|(name, ty)| {
                let ty = match ty {
                    FieldType::Text => "str",
                    FieldType::OptionalText => "str?",
                    FieldType::Int => "int",
                };
                if camel(name) == *name {
                    format!("`{name}`: {ty}")
                } else {
                    format!("`{name}` / `{}`: {ty}", camel(name))
                }
            })
            .collect();
        out += &format!(
            "| `{}` | `{}` | `Error::{}` | `{}` | {code} | {} | {} |\n",
            info.kind,
            info.category.as_str(),
            info.variant,
            info.type_name,
            if fields.is_empty() { "none".to_owned() } else { fields.join(", ") },
            info.doc.replace('|', "\\|"),
        );
    }
    out
}

#[test]
fn docs_errors_md_is_written_from_the_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/errors.md");
    let wanted = render();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        // A test that rewrites the docs when asked, not the core: the core's I/O ban does not apply.
        #[allow(clippy::disallowed_methods)]
        std::fs::write(&path, &wanted).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == wanted,
        "docs/errors.md is stale: run `UPDATE_DOCS=1 cargo test -p authflow-core --test error_docs`"
    );
}
