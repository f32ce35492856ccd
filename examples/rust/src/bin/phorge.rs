//! Seed 004 (Phorge OAuth server guide) in Rust: sign in, call Conduit `user.whoami` with `?access_token=`.
//!
//! Without `CLIENT_ID` it runs against the embedded devserver; with `CLIENT_ID` (the client PHID),
//! `CLIENT_SECRET` and `PHORGE_URL` it signs in at that Phorge instance.

use std::process::ExitCode;

use authflow::{Client, ClientConfig, Error, Provider};
use authflow_devserver as dev;
use authflow_examples::{self as ex, Mode};

fn main() -> ExitCode {
    ex::run(phorge)
}

fn phorge() -> Result<(), Error> {
    let mode = ex::mode("phorge")?;
    let config = match &mode {
        Mode::Devserver(server) => {
            let provider = Provider::phorge(&server.base_url())?;
            ClientConfig::new(provider, dev::PHORGE_CLIENT_ID, ex::DEVSERVER_REDIRECT_URI)?
                .with_secret(dev::PHORGE_CLIENT_SECRET)
                .with_scopes(["whoami"])
        }
        Mode::Real => {
            let provider = Provider::phorge(&ex::require("PHORGE_URL")?)?;
            ClientConfig::new(
                provider,
                &ex::require("CLIENT_ID")?,
                &ex::env_or("REDIRECT_URI", ex::DEFAULT_REDIRECT_URI),
            )?
            .with_secret(ex::require("CLIENT_SECRET")?)
            .with_scopes([ex::env_or("OAUTH_SCOPE", "whoami")])
        }
    };
    let client = Client::new(config);
    let tokens = ex::login(&client, &mode)?;

    // The preset puts the token in the query (Phorge ignores a Bearer header).
    let whoami = ex::show("GET /api/user.whoami?access_token=...", &client.get("user.whoami")?)?;
    // Conduit reports errors as http 200 with an error_code.
    if let Some(code) = whoami["error_code"].as_str() {
        let info = whoami["error_info"].as_str().unwrap_or_default();
        return Err(ex::config_error(format!("conduit said {code}: {info}")));
    }
    let user = whoami["result"]["userName"].as_str().unwrap_or("?");
    println!("Signed-in Phorge user: {user}");

    // Phorge issues no refresh token and its tokens do not expire: sign in again when one is revoked.
    match &tokens.refresh_token {
        None => println!("No refresh token: Phorge issues none, so there is nothing to refresh."),
        Some(_) => println!("This server issued a refresh token, which Phorge itself never does."),
    }
    match client.refresh() {
        Err(e) => println!("Refreshing anyway fails as expected: {e}"),
        Ok(_) => println!("Refreshing anyway succeeded, unlike Phorge."),
    }
    Ok(())
}
