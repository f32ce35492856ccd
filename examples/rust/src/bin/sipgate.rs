//! Seed 001 (sipgate, Python sample) in Rust: sign in, GET /account, refresh the tokens, GET /account again.
//!
//! Without `CLIENT_ID` it runs against the embedded devserver; with `CLIENT_ID`, `CLIENT_SECRET`
//! and optionally `REDIRECT_URI`, `OAUTH_SCOPE`, `AUTH_URL`/`TOKEN_URL` and `TEST_API_ENDPOINT`
//! it signs in at login.sipgate.com, like the seed's `.env`.

use std::process::ExitCode;

use authflow::{endpoint, Client, ClientConfig, Error, Provider};
use authflow_devserver as dev;
use authflow_examples::{self as ex, Mode};

fn main() -> ExitCode {
    ex::run(sipgate)
}

fn sipgate() -> Result<(), Error> {
    let mode = ex::mode("sipgate")?;
    let (config, test_api_endpoint) = match &mode {
        Mode::Devserver(server) => {
            let base = server.base_url();
            let provider = Provider::sipgate_at(&base, &format!("{base}/v2"), dev::SIPGATE_REALM)?;
            let config = ClientConfig::new(provider, dev::SIPGATE_CLIENT_ID, ex::DEVSERVER_REDIRECT_URI)?
                .with_secret(dev::SIPGATE_CLIENT_SECRET)
                .with_scopes(["account:read"]);
            (config, format!("{base}/v2/account"))
        }
        Mode::Real => real_config()?,
    };
    let client = Client::new(config);
    ex::login(&client, &mode)?;

    // The seed queries the test endpoint, refreshes (which invalidates the first set) and queries again.
    ex::show("GET /account", &client.get(&test_api_endpoint)?)?;
    let fresh = client.refresh()?;
    println!("Refreshed: {} (the previous set is no longer valid)", ex::describe(&fresh, client.now()));
    ex::show("GET /account after the refresh", &client.get(&test_api_endpoint)?)?;
    Ok(())
}

/// The seed's `.env`: CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, OAUTH_SCOPE, AUTH_URL, TOKEN_URL, TEST_API_ENDPOINT.
fn real_config() -> Result<(ClientConfig, String), Error> {
    let mut provider = Provider::sipgate("third-party")?;
    if let (Some(auth_url), Some(token_url)) = (ex::env("AUTH_URL"), ex::env("TOKEN_URL")) {
        // Another realm (sipgate-apps for older clients): its issuer is the part before /protocol.
        provider.issuer = auth_url.split_once("/protocol/openid-connect").map(|(realm, _)| realm.to_owned());
        provider.authorization_endpoint = endpoint("AUTH_URL", &auth_url)?;
        provider.token_endpoint = endpoint("TOKEN_URL", &token_url)?;
    }
    let config =
        ClientConfig::new(provider, &ex::require("CLIENT_ID")?, &ex::env_or("REDIRECT_URI", ex::DEFAULT_REDIRECT_URI))?
            .with_secret(ex::require("CLIENT_SECRET")?)
            .with_scopes([ex::env_or("OAUTH_SCOPE", "account:read")]);
    Ok((config, ex::env_or("TEST_API_ENDPOINT", "https://api.sipgate.com/v2/account")))
}
