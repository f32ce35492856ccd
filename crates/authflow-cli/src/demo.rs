//! `authflow demo`: the whole flow against the embedded devserver, for each provider profile.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use authflow::{Client, ClientConfig, Error, HttpClient, HttpRequest, LoopbackListener, Provider, UreqTransport, Url};
use authflow_devserver::{self as dev, DevServer, Options};

use crate::args::Args;
use crate::show;

const PROFILES: [&str; 4] = ["sipgate", "speakap", "phorge", "generic"];

/// Runs the demo for one profile or all of them.
pub fn run(args: &Args) -> Result<(), Error> {
    let wanted = args.get("provider").unwrap_or("all");
    let profiles: Vec<&str> = match wanted {
        "all" => PROFILES.to_vec(),
        one if PROFILES.contains(&one) => vec![one],
        other => {
            return Err(Error::Config {
                reason: format!("unknown provider {other:?}: use sipgate, speakap, phorge, generic or all"),
            })
        }
    };
    let server = DevServer::start(Options::default())
        .map_err(|e| Error::Config { reason: format!("cannot start the devserver: {e}") })?;
    println!("devserver listening at {}", server.base_url());
    for profile in profiles {
        one(profile, &server)?;
    }
    let c = server.counters();
    println!(
        "\ndevserver served {} authorizations, {} code grants, {} refresh grants, {} api calls",
        c.authorize_requests, c.code_grants, c.refresh_grants, c.api_requests
    );
    Ok(())
}

/// The demo client and the API path to call for a profile.
fn setup(profile: &str, base: &str, redirect: &str, http: &dyn HttpClient) -> Result<(ClientConfig, String), Error> {
    Ok(match profile {
        "sipgate" => {
            let p = Provider::sipgate_at(base, &format!("{base}/v2"), dev::SIPGATE_REALM)?;
            let c = ClientConfig::new(p, dev::SIPGATE_CLIENT_ID, redirect)?
                .with_secret(dev::SIPGATE_CLIENT_SECRET)
                .with_scopes(["account:read"]);
            (c, "account".to_owned())
        }
        "speakap" => {
            let p = Provider::speakap_at(&format!("{base}/auth"), &format!("{base}/oauth/v2/token"), base)?;
            let c = ClientConfig::new(p, dev::SPEAKAP_APP_ID, redirect)?
                .with_secret(dev::SPEAKAP_APP_SECRET)
                .with_scopes(["profile.basic.read"]);
            (c, format!("networks/{}/?embed=userProfile", dev::SPEAKAP_NETWORK_EID))
        }
        "phorge" => {
            let p = Provider::phorge(base)?;
            let c = ClientConfig::new(p, dev::PHORGE_CLIENT_ID, redirect)?
                .with_secret(dev::PHORGE_CLIENT_SECRET)
                .with_scopes(["whoami"]);
            (c, "user.whoami".to_owned())
        }
        _ => {
            println!("    discovery of {base} (OpenID Connect, then RFC 8414)");
            let p = authflow::discover(http, base)?;
            let c = ClientConfig::new(p, dev::GENERIC_BASIC_CLIENT_ID, redirect)?
                .with_secret(dev::GENERIC_BASIC_CLIENT_SECRET)
                .with_scopes(["openid", "profile"]);
            (c, "userinfo".to_owned())
        }
    })
}

fn one(profile: &str, server: &DevServer) -> Result<(), Error> {
    println!("\n== {profile}");
    let base = server.base_url();
    let listener = LoopbackListener::bind(
        &Url::parse("http://127.0.0.1:0/oauth").map_err(|e| Error::Config { reason: e.to_string() })?,
    )?;
    let http: Arc<dyn HttpClient> = Arc::new(show::Logged(UreqTransport::new()));
    let (config, api_path) = setup(profile, &base, listener.redirect_uri().as_str(), http.as_ref())?;
    let client = Client::new(config).with_transport(Arc::clone(&http));

    let mut flow = client.start()?;
    let url = flow.authorization_url()?;
    println!("  {}: send the user to", flow.state_name());
    println!("    {url}");
    let browser = thread::spawn(move || simulated_user(&url));
    let tokens = listener.wait(Duration::from_secs(30), |callback| {
        println!("  callback caught by the loopback listener: redirect target, state, iss and code checked");
        flow.callback(callback)?;
        println!("  {}: exchanging the code (once)", flow.state_name());
        client.exchange(&mut flow)
    })?;
    // The simulated browser reports what it did; its own failure is already visible in the wait.
    let _ = browser.join();
    println!("  {}: {}", flow.state_name(), show::tokens(&tokens, client.now()));

    println!("  api: GET {api_path}");
    println!("    {}", show::response(&client.get(&api_path)?));

    if tokens.refresh_token.is_none() {
        println!("  no refresh token: {profile} issues none, so there is nothing to refresh");
        return Ok(());
    }
    println!("  Refreshing (rotating refresh token)");
    let fresh = client.refresh()?;
    println!("  Authorized: {}", show::tokens(&fresh, client.now()));
    println!("  api again: GET {api_path}");
    println!("    {}", show::response(&client.get(&api_path)?));
    Ok(())
}

/// The user's browser: opens the authorization URL, and follows the redirect back to the listener.
fn simulated_user(url: &str) -> Result<(), Error> {
    let browser = UreqTransport::new();
    let answer = browser.send(&HttpRequest::get(url))?;
    let location = answer.header("location").map(str::to_owned).ok_or_else(|| Error::UnexpectedResponse {
        status: answer.status,
        content_type: answer.media_type(),
        summary: "the authorization server did not redirect back".to_owned(),
    })?;
    println!("    user approves; the server redirects back ({})", answer.status);
    browser.send(&HttpRequest::get(location)).map(drop)
}
