//! Helpers shared by the seed examples: reading the environment, the devserver and its simulated browser, printing.
//!
//! Each example runs against the embedded devserver unless `CLIENT_ID` is set; then it
//! runs against the real provider and the user signs in with a real browser.

use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use authflow::{Client, Error, HttpClient, HttpRequest, HttpResponse, LoginOptions, TokenSet, UreqTransport};
use authflow_devserver::{DevServer, Options};
use serde_json::Value;

/// The redirect URI the seeds register at the provider.
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:8080/oauth";

/// The redirect URI against the devserver: port 0, so the OS picks a free port.
pub const DEVSERVER_REDIRECT_URI: &str = "http://127.0.0.1:0/oauth";

/// Every variable that configures the real providers; `CLIENT_ID` alone switches to them.
pub const REAL_PROVIDER_VARS: [&str; 11] = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "REDIRECT_URI",
    "OAUTH_SCOPE",
    "AUTH_URL",
    "TOKEN_URL",
    "TEST_API_ENDPOINT",
    "NETWORK_AUTH_URL",
    "SPEAKAP_NETWORK",
    "NETWORK_EID",
    "PHORGE_URL",
];

/// Where an example signs in.
pub enum Mode {
    /// The embedded devserver, which approves every login by itself.
    Devserver(DevServer),
    /// The real provider, configured from the environment.
    Real,
}

/// Picks the mode: the real provider when `CLIENT_ID` is set, else a freshly started devserver.
pub fn mode(provider: &str) -> Result<Mode, Error> {
    if env("CLIENT_ID").is_some() {
        println!("CLIENT_ID is set: signing in at the real {provider}.");
        return Ok(Mode::Real);
    }
    let server =
        DevServer::start(Options::default()).map_err(|e| config_error(format!("cannot start the devserver: {e}")))?;
    println!("No CLIENT_ID set: running against the embedded devserver at {}.", server.base_url());
    Ok(Mode::Devserver(server))
}

/// A trimmed, non-empty environment variable.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// An environment variable, or `default` when it is unset or empty.
pub fn env_or(name: &str, default: &str) -> String {
    env(name).unwrap_or_else(|| default.to_owned())
}

/// A required environment variable; its absence is a configuration error naming it.
pub fn require(name: &str) -> Result<String, Error> {
    env(name).ok_or_else(|| config_error(format!("set {name} in the environment (see examples/rust/README.md)")))
}

/// A configuration error with this reason.
pub fn config_error(reason: impl Into<String>) -> Error {
    Error::Config { reason: reason.into() }
}

/// Runs the loopback login for the mode: a simulated browser for the devserver, the real one otherwise.
pub fn login(client: &Client, mode: &Mode) -> Result<TokenSet, Error> {
    let options = match mode {
        Mode::Devserver(_) => LoginOptions::new().timeout(Duration::from_secs(30)).on_url(|url| {
            println!("Please open the following URL in your browser:\n  {url}");
            let url = url.to_owned();
            // The devserver approves by itself, so a thread plays the user's browser.
            thread::spawn(move || {
                if let Err(e) = simulated_browser(&url) {
                    eprintln!("simulated browser: {e}");
                }
            });
        }),
        Mode::Real => LoginOptions::new().open_browser(true).on_url(|url| {
            println!("Please open the following URL in your browser (it is being opened for you):\n  {url}");
        }),
    };
    let tokens = client.login(options)?;
    println!("Signed in: {}", describe(&tokens, client.now()));
    Ok(tokens)
}

/// The user's browser against the devserver: it GETs the authorization URL and follows the 302 back.
pub fn simulated_browser(url: &str) -> Result<(), Error> {
    let http = UreqTransport::new();
    let answer = http.send(&HttpRequest::get(url))?;
    let location = match (answer.status, answer.header("location")) {
        (302 | 303, Some(location)) => location.to_owned(),
        (status, _) => {
            return Err(Error::UnexpectedResponse {
                status,
                content_type: answer.media_type(),
                summary: "the devserver did not redirect back to the client".to_owned(),
            })
        }
    };
    println!("  (simulated browser: approved with http {}, following the redirect back)", answer.status);
    http.send(&HttpRequest::get(location)).map(drop)
}

/// One line about a token set, with no secret in it.
pub fn describe(tokens: &TokenSet, now: u64) -> String {
    let expiry = match tokens.expires_in(now) {
        Some(seconds) => format!("expires in {seconds} s"),
        None => "never expires (no expires_in)".to_owned(),
    };
    let refresh = if tokens.refresh_token.is_some() { "a refresh token" } else { "no refresh token" };
    let scope = tokens.scope.as_deref().map(|s| format!(", scope {s:?}")).unwrap_or_default();
    format!(
        "{} access token ({} chars, hidden), {expiry}, {refresh}{scope}",
        tokens.token_type,
        tokens.access_token.expose().len()
    )
}

/// Prints an API answer under `label` and returns its JSON body; a non-2xx status or a non-JSON body is an error.
pub fn show(label: &str, response: &HttpResponse) -> Result<Value, Error> {
    println!("{label}: http {}", response.status);
    let unexpected = |summary: &str| Error::UnexpectedResponse {
        status: response.status,
        content_type: response.media_type(),
        summary: summary.to_owned(),
    };
    if !(200..300).contains(&response.status) {
        return Err(unexpected("the api refused the request"));
    }
    let body: Value = serde_json::from_slice(&response.body).map_err(|_| unexpected("the api answer is not json"))?;
    let pretty = serde_json::to_string_pretty(&body).map_err(|_| unexpected("the api answer cannot be printed"))?;
    for line in pretty.lines() {
        println!("  {line}");
    }
    Ok(body)
}

/// Runs an example: on error prints it to standard error and exits with status 1.
pub fn run(example: impl FnOnce() -> Result<(), Error>) -> ExitCode {
    match example() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
