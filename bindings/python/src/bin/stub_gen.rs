//! Writes `python/authflow/_native.pyi`: the classes from the annotated Rust API, the
//! exceptions from the same table the module builds them from; `--check` fails if it is stale.
//!
//! Run `cargo run -p authflow-python --bin stub_gen --no-default-features --features stub-gen` after changing the API.

use std::fmt::Write as _;
use std::process::ExitCode;

use _native::{exception_hierarchy, ExceptionClass};
use authflow::FieldType;

const REGENERATE: &str = "cargo run -p authflow-python --bin stub_gen --no-default-features --features stub-gen";

/// Names the module declares besides its classes and exceptions.
const VARIABLES: &[(&str, &str)] = &[("__version__", "builtins.str")];

fn python_type(field: FieldType) -> &'static str {
    match field {
        FieldType::Text => "builtins.str",
        FieldType::OptionalText => "typing.Optional[builtins.str]",
        FieldType::Int => "builtins.int",
    }
}

/// One exception class in the generator's own layout.
fn exception(class: &ExceptionClass) -> String {
    let base = class.base.unwrap_or("builtins.Exception");
    let mut text = format!("class {}({base}):\n    r\"\"\"\n    {}\n    \"\"\"\n", class.name, class.doc);
    for (name, field) in &class.fields {
        let _ = writeln!(text, "    {name}: {}", python_type(*field));
    }
    if class.fields.is_empty() {
        text.push_str("    ...\n");
    }
    text + "\n"
}

/// The generated classes, then the variables and the exceptions.
fn finish(mut text: String) -> Result<String, String> {
    for import in ["import builtins\n", "import typing\n"] {
        if !text.contains(import) {
            return Err(format!("the generated stub lacks `{}` that the exceptions need", import.trim()));
        }
    }
    text.push_str("# The exceptions: AuthflowError, one class per category, one per kind named on its own\n");
    text.push_str("# (authflow::ErrorCategory::ALL and authflow::ERROR_KINDS).\n\n");
    for (name, ty) in VARIABLES {
        let _ = writeln!(text, "{name}: {ty}\n");
    }
    for class in exception_hierarchy() {
        text.push_str(&exception(&class));
    }
    Ok(text.trim_end().to_owned() + "\n")
}

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let mut info = match _native::stub_info() {
        Ok(info) => info,
        Err(e) => {
            eprintln!("stub_gen: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    for (name, module) in &mut info.modules {
        if module.is_empty() {
            continue;
        }
        let names = exception_hierarchy().into_iter().map(|c| c.name).chain(VARIABLES.iter().map(|(n, _)| *n));
        module.verbatim_all_entries.extend(names.map(str::to_owned));
        let path = info.python_root.join(format!("{}.pyi", name.replace('.', "/")));
        let text = match finish(module.format_with_config(info.config.use_type_statement)) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("stub_gen: {e}");
                return ExitCode::FAILURE;
            }
        };
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
