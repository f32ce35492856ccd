//! The `authflow` command: `demo` against the embedded devserver, and `login`, `refresh`, `get`, `revoke` for real providers.

mod args;
mod demo;
mod exit;
mod real;
mod settings;
mod show;

use std::process::ExitCode;

const USAGE: &str = "usage: authflow <command> [options]

commands:
  demo [--provider sipgate|speakap|phorge|generic|all]
        run the whole flow against the embedded devserver (default: all providers)
  login [--provider P] [--open] [--store PATH] [--timeout SECS] [--env-file PATH]
        sign in at a real provider through the browser, call TEST_API_ENDPOINT,
        refresh and call it again (the sipgate sample's behaviour)
  refresh --store PATH     refresh the stored tokens now
  get URL --store PATH     GET an API URL or path with the stored tokens (refreshing when due)
  revoke --store PATH [--access]
        revoke the refresh token (or the access token) and forget it

configuration (login, refresh, get, revoke) comes from the environment and a .env file:
  CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, PORT, OAUTH_SCOPE, AUTH_URL, TOKEN_URL,
  TEST_API_ENDPOINT, and for presets SIPGATE_REALM, SPEAKAP_NETWORK, PHORGE_URL.
  --provider sipgate|speakap|phorge|generic picks the endpoints (default: generic from
  AUTH_URL/TOKEN_URL, or sipgate when they point at login.sipgate.com).

exit codes: 0 success, 2 usage or configuration error, 3 the user denied access,
            4 the server refused or answered wrongly, 5 network or timeout";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = argv.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(exit::USAGE);
    };
    let parsed = match args::Args::parse(rest) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("authflow: {e}\n\n{USAGE}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let result = match command.as_str() {
        "demo" => demo::run(&parsed),
        "login" => real::login(&parsed),
        "refresh" => real::refresh(&parsed),
        "get" => real::get(&parsed),
        "revoke" => real::revoke(&parsed),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("authflow: unknown command {other:?}\n\n{USAGE}");
            return ExitCode::from(exit::USAGE);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("authflow: {e}");
            if let authflow::Error::PortInUse { .. } = e {
                eprintln!("hint: set REDIRECT_URI (and the redirect uri registered at the provider) to a free port");
            }
            ExitCode::from(exit::code(&e))
        }
    }
}
