//! Seed 003 (Speakap SSO tutorial) in Rust: sign in, GET the network with `?embed=userProfile`, print the user.
//!
//! Without `CLIENT_ID` it runs against the embedded devserver; with `CLIENT_ID` (the App ID),
//! `CLIENT_SECRET`, `NETWORK_AUTH_URL` or `SPEAKAP_NETWORK`, and `NETWORK_EID` it signs in at Speakap.

use std::process::ExitCode;

use authflow::{Client, ClientConfig, Error, Provider};
use authflow_devserver as dev;
use authflow_examples::{self as ex, Mode};

fn main() -> ExitCode {
    ex::run(speakap)
}

fn speakap() -> Result<(), Error> {
    let mode = ex::mode("speakap")?;
    let (config, network_eid) = match &mode {
        Mode::Devserver(server) => {
            let base = server.base_url();
            let provider = Provider::speakap_at(&format!("{base}/auth"), &format!("{base}/oauth/v2/token"), &base)?;
            let config = ClientConfig::new(provider, dev::SPEAKAP_APP_ID, ex::DEVSERVER_REDIRECT_URI)?
                .with_secret(dev::SPEAKAP_APP_SECRET)
                .with_scopes(["profile.basic.read"]);
            (config, dev::SPEAKAP_NETWORK_EID.to_owned())
        }
        Mode::Real => real_config()?,
    };
    let client = Client::new(config);
    ex::login(&client, &mode)?;

    // The seed: GET https://api.speakap.io/networks/{eid}/?embed=userProfile with the v2024 media type.
    let network = ex::show(
        &format!("GET /networks/{network_eid}/?embed=userProfile"),
        &client.get(&format!("networks/{network_eid}/?embed=userProfile"))?,
    )?;
    let profile = &network["_embedded"]["userProfile"];
    if profile.is_null() {
        return Err(ex::config_error("the network answer has no _embedded.userProfile"));
    }
    let text = |key: &str| profile[key].as_str().unwrap_or("?").to_owned();
    println!("Signed-in Speakap user: {} <{}>", text("name"), text("email"));
    Ok(())
}

/// The real Speakap: the network's auth URL (or subdomain), the network EID, the app's id and secret.
fn real_config() -> Result<(ClientConfig, String), Error> {
    let provider = match (ex::env("NETWORK_AUTH_URL"), ex::env("SPEAKAP_NETWORK")) {
        (Some(network_auth_url), _) => Provider::speakap_from_network_auth_url(&network_auth_url)?,
        (None, Some(network)) => Provider::speakap(&network)?,
        (None, None) => {
            return Err(ex::config_error(
                "set NETWORK_AUTH_URL (the network_auth_url your app received) or SPEAKAP_NETWORK (the subdomain)",
            ))
        }
    };
    let config =
        ClientConfig::new(provider, &ex::require("CLIENT_ID")?, &ex::env_or("REDIRECT_URI", ex::DEFAULT_REDIRECT_URI))?
            .with_secret(ex::require("CLIENT_SECRET")?)
            .with_scopes([ex::env_or("OAUTH_SCOPE", "profile.basic.read")]);
    Ok((config, ex::require("NETWORK_EID")?))
}
