//! Sequential refresh grants over one keep-alive connection to the local devserver.
//!
//! authflow's blocking driver (store, single-flight lock, parse, rotation) against raw
//! ureq 3 doing the same POST and reading the new refresh token, and against the
//! `oauth2` crate with its ureq backend. Each gets its own rotating token chain.

use std::sync::Arc;
use std::time::Instant;

use authflow::{Client, ClientConfig, HttpClient, HttpRequest, MemoryStore, Provider, TokenSet, UreqTransport};
use authflow_devserver::{self as dev, DevServer, Knobs, Options};
use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, ClientSecret, RefreshToken, TokenResponse, TokenUrl};

use crate::measure::report;

fn count() -> u32 {
    std::env::var("BENCH_REFRESHES").ok().and_then(|v| v.parse().ok()).unwrap_or(3000)
}

/// A signed-in client for the devserver's sipgate profile, with its first token set.
fn signed_in(server: &DevServer) -> Client {
    let base = server.base_url();
    let provider = Provider::sipgate_at(&base, &format!("{base}/v2"), dev::SIPGATE_REALM).expect("provider");
    let config = ClientConfig::new(provider, dev::SIPGATE_CLIENT_ID, "http://127.0.0.1:9/oauth")
        .expect("config")
        .with_secret(dev::SIPGATE_CLIENT_SECRET)
        .with_scopes(["account:read"]);
    let client = Client::new(config).with_store(Arc::new(MemoryStore::new()));
    let mut flow = client.start().expect("start");
    let browser = UreqTransport::new();
    let answer = browser.send(&HttpRequest::get(flow.authorization_url().expect("url"))).expect("authorize");
    let callback = answer.header("location").expect("redirect").to_owned();
    client.finish(&mut flow, &callback).expect("finish");
    client
}

fn refresh_token(tokens: &TokenSet) -> String {
    tokens.refresh_token.as_ref().expect("refresh token").expose().to_owned()
}

fn per_second(n: u32, run: impl FnOnce()) -> f64 {
    let start = Instant::now();
    run();
    f64::from(n) / start.elapsed().as_secs_f64()
}

#[inline(never)]
fn authflow_run(client: &Client, n: u32) -> f64 {
    per_second(n, || {
        for _ in 0..n {
            client.refresh().expect("refresh");
        }
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[inline(never)]
fn raw_ureq_run(token_url: &str, mut refresh: String, n: u32) -> (f64, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().max_redirects(0).http_status_as_error(false).build().into();
    let rate = per_second(n, || {
        for _ in 0..n {
            let mut response = agent
                .post(token_url)
                .header("Accept", "application/json")
                .send_form([
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.as_str()),
                    ("client_id", dev::SIPGATE_CLIENT_ID),
                    ("client_secret", dev::SIPGATE_CLIENT_SECRET),
                ])
                .expect("post");
            let text = response.body_mut().read_to_string().expect("body");
            let body: serde_json::Value = serde_json::from_str(&text).expect("json");
            refresh = body["refresh_token"].as_str().expect("rotated").to_owned();
        }
    });
    (rate, refresh)
}

#[inline(never)]
fn oauth2_run(token_url: &str, refresh: String, n: u32) -> (f64, String) {
    let client = BasicClient::new(ClientId::new(dev::SIPGATE_CLIENT_ID.into()))
        .set_client_secret(ClientSecret::new(dev::SIPGATE_CLIENT_SECRET.into()))
        .set_auth_type(AuthType::RequestBody)
        .set_token_uri(TokenUrl::new(token_url.into()).expect("token url"));
    let agent = oauth2::ureq::builder().redirects(0).build();
    let mut refresh = RefreshToken::new(refresh);
    let rate = per_second(n, || {
        for _ in 0..n {
            let token = client.exchange_refresh_token(&refresh).request(&agent).expect("refresh");
            refresh = token.refresh_token().expect("rotated").clone();
        }
    });
    (rate, refresh.secret().clone())
}

/// Runs the refresh benchmark and prints requests per second and the ratios.
pub fn run() {
    let n = count();
    println!("sequential refresh grants over keep-alive to the local devserver ({n} each)");
    let server =
        DevServer::start(Options { port: 0, knobs: Knobs { access_token_lifetime: 3600, ..Knobs::default() } })
            .expect("devserver");
    let ours = signed_in(&server);
    let token_url = ours.config().provider.token_endpoint.to_string();
    let raw_start = refresh_token(&signed_in(&server).tokens().expect("load").expect("tokens"));
    let oauth2_start = refresh_token(&signed_in(&server).tokens().expect("load").expect("tokens"));

    // Rounds alternate between the three so that noise on a shared machine hits all
    // of them alike; the median round of each is reported. The first round warms up.
    let rounds = 7;
    let per = (n / rounds).max(1);
    let (mut raw_token, mut oauth2_token) = (raw_start, oauth2_start);
    let (mut a, mut r, mut o) = (Vec::new(), Vec::new(), Vec::new());
    authflow_run(&ours, 50);
    for _ in 0..rounds {
        a.push(authflow_run(&ours, per));
        let (rate, next) = raw_ureq_run(&token_url, raw_token, per);
        r.push(rate);
        raw_token = next;
        let (rate, next) = oauth2_run(&token_url, oauth2_token, per);
        o.push(rate);
        oauth2_token = next;
    }
    let (authflow, raw, oauth2) = (median(a), median(r), median(o));
    report("authflow (driver, ureq 3)", format!("{authflow:.0} req/s"), "", true);
    report("raw ureq 3 (same POST)", format!("{raw:.0} req/s"), "", true);
    report("oauth2 5.x (ureq backend)", format!("{oauth2:.0} req/s"), "", true);
    report("ratio authflow / raw ureq", format!("{:.2}x", authflow / raw), ">= 0.90x", authflow >= 0.9 * raw);
    report("ratio authflow / oauth2", format!("{:.2}x", authflow / oauth2), "> 1.00x", authflow > oauth2);
    let c = server.counters();
    println!("  devserver counted {} refresh grants", c.refresh_grants);
}
