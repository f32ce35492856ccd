//! Command-line options: `--name value`, `--flag` and positional arguments, parsed by hand.

use std::collections::HashMap;

/// Flags that take no value.
const SWITCHES: [&str; 3] = ["open", "access", "interactive"];

/// Parsed options.
#[derive(Debug, Default)]
pub struct Args {
    options: HashMap<String, String>,
    switches: Vec<String>,
    /// Arguments that are not options, in order.
    pub positional: Vec<String>,
}

impl Args {
    /// Parses everything after the command name.
    pub fn parse(argv: &[String]) -> Result<Args, String> {
        let mut args = Args::default();
        let mut iter = argv.iter();
        while let Some(arg) = iter.next() {
            let Some(name) = arg.strip_prefix("--") else {
                args.positional.push(arg.clone());
                continue;
            };
            if let Some((name, value)) = name.split_once('=') {
                args.options.insert(name.to_owned(), value.to_owned());
            } else if SWITCHES.contains(&name) {
                args.switches.push(name.to_owned());
            } else {
                let value = iter.next().ok_or_else(|| format!("--{name} needs a value"))?;
                args.options.insert(name.to_owned(), value.clone());
            }
        }
        Ok(args)
    }

    /// The value of `--name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.options.get(name).map(String::as_str)
    }

    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }

    /// `--name` as a number of seconds.
    pub fn seconds(&self, name: &str, default: u64) -> Result<u64, String> {
        self.get(name).map_or(Ok(default), |v| v.parse().map_err(|_| format!("--{name} wants seconds, got {v:?}")))
    }
}
