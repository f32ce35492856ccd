//! Writes `python/authflow/_native.pyi` from the annotated Rust API; `--check` fails if it is stale.
//!
//! Run `cargo run -p authflow-python --bin stub_gen --no-default-features --features stub-gen` after changing the API.

use std::process::ExitCode;

const REGENERATE: &str = "cargo run -p authflow-python --bin stub_gen --no-default-features --features stub-gen";

/// The exceptions and the attributes `errors::to_py` sets on them (the generator knows neither).
const EXCEPTIONS: [(&str, &[&str]); 13] = [
    ("AuthflowError", &["code: builtins.str"]),
    ("ConfigError", &[]),
    ("CallbackError", &[]),
    ("WrongRedirect", &["expected: builtins.str", "got: builtins.str"]),
    ("MalformedCallback", &[]),
    (
        "AuthorizationDenied",
        &["error: builtins.str", "description: typing.Optional[builtins.str]", "uri: typing.Optional[builtins.str]"],
    ),
    ("StateMismatch", &[]),
    ("IssuerMismatch", &["expected: builtins.str", "got: typing.Optional[builtins.str]"]),
    ("MissingCode", &[]),
    (
        "OAuthError",
        &[
            "error: builtins.str",
            "description: typing.Optional[builtins.str]",
            "uri: typing.Optional[builtins.str]",
            "status: builtins.int",
        ],
    ),
    ("UnexpectedResponse", &["status: builtins.int", "content_type: typing.Optional[builtins.str]"]),
    ("InvalidStateError", &["state: builtins.str", "operation: builtins.str"]),
    ("TransportError", &["kind: builtins.str"]),
];

/// Names the exception bases as the module's own classes, and declares the exceptions' attributes.
fn finish(mut text: String) -> String {
    for (name, attributes) in EXCEPTIONS {
        text = text.replace(&format!("(builtins.{name})"), &format!("({name})"));
        if attributes.is_empty() {
            continue;
        }
        let head = format!("\nclass {name}(");
        let Some(start) = text.find(&head) else { continue };
        let Some(offset) = text[start..].find("    \"\"\"\n    ...\n") else { continue };
        let at = start + offset + "    \"\"\"\n".len();
        let body: String = attributes.iter().map(|a| format!("    {a}\n")).collect();
        text.replace_range(at..at + "    ...\n".len(), &body);
    }
    text
}

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let info = match _native::stub_info() {
        Ok(info) => info,
        Err(e) => {
            eprintln!("stub_gen: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    for (name, module) in &info.modules {
        if module.is_empty() {
            continue;
        }
        let path = info.python_root.join(format!("{}.pyi", name.replace('.', "/")));
        let text = finish(module.format_with_config(info.config.use_type_statement));
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                eprintln!("{} is stale: run `{REGENERATE}`", path.display());
                return ExitCode::FAILURE;
            }
            println!("{} is up to date", path.display());
        } else if let Err(e) = std::fs::write(&path, text) {
            eprintln!("stub_gen: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", path.display());
        }
    }
    ExitCode::SUCCESS
}
