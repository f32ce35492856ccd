//! The CPU path: authorization URL with PKCE S256, callback check, token request and response parse.
//!
//! authflow and the `oauth2` crate (5.x) do the same work per iteration; the token
//! endpoint is a closure returning a recorded response, so no socket is involved.

use std::hint::black_box;
use std::sync::Arc;

use authflow_core::{ClientConfig, Flow, HttpResponse, Provider, State};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope, TokenUrl,
};

use crate::measure::{ns_per_iter, report};

const AUTH: &str = "https://login.example.com/auth/realms/third-party/protocol/openid-connect/auth";
const TOKEN: &str = "https://login.example.com/auth/realms/third-party/protocol/openid-connect/token";
const REDIRECT: &str = "http://localhost:8080/oauth";
const BODY: &str = r#"{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl","expires_in":300,"refresh_expires_in":2592000,"refresh_token":"eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOiJSZWZyZXNoIn0.c2ln","token_type":"Bearer","not-before-policy":0,"session_state":"6b2c6a4e-1a7b-4f0e-9c52-3f3b1b0b2a11","scope":"account:read"}"#;
fn iters() -> u32 {
    std::env::var("BENCH_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000)
}
const ROUNDS: usize = 7;

/// One authflow iteration.
fn authflow_once(config: &Arc<ClientConfig>, response: &HttpResponse) {
    let mut flow = Flow::start(Arc::clone(config), 1_700_000_000).expect("start");
    black_box(flow.authorization_url().expect("url"));
    let State::AwaitingCallback { csrf, .. } = flow.state() else { panic!("not awaiting") };
    let callback = format!("{REDIRECT}?code=SplxlOBeZQQYbYS6WxSbIA&state={}", csrf.expose());
    flow.callback(&callback).expect("callback");
    black_box(flow.exchange_request().expect("request"));
    // The response is borrowed, as a transport hands it over; oauth2-rs takes its own by value.
    flow.exchange_response(response, 1_700_000_001).expect("response");
    black_box(flow.tokens());
}

type Oauth2Client = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

/// The same work with oauth2-rs, the way its README does it.
fn oauth2_once(client: &Oauth2Client) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("account:read".into()))
        .set_pkce_challenge(challenge)
        .url();
    black_box(url);
    let callback = format!("{REDIRECT}?code=SplxlOBeZQQYbYS6WxSbIA&state={}", csrf.secret());
    let parsed = url::Url::parse(&callback).expect("callback url");
    let mut code = None;
    let mut state = None;
    for (k, v) in parsed.query_pairs() {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "state" => state = Some(v.into_owned()),
            _ => {}
        }
    }
    assert_eq!(state.as_deref(), Some(csrf.secret().as_str()));
    let endpoint = |req: oauth2::HttpRequest| -> Result<oauth2::HttpResponse, std::io::Error> {
        black_box(req);
        Ok(oauth2::http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(BODY.as_bytes().to_vec())
            .expect("response"))
    };
    let token = client
        .exchange_code(AuthorizationCode::new(code.expect("code")))
        .set_pkce_verifier(verifier)
        .request(&endpoint)
        .expect("token");
    black_box(token);
}

/// A second flow in the same state (flows are not `Clone`: the state is).
fn copy(flow: &Flow) -> Flow {
    Flow::resume(flow.shared_config(), flow.state().clone())
}

/// Times each phase of the authflow iteration on its own, to show where the time goes.
fn breakdown(config: &Arc<ClientConfig>) {
    let start = ns_per_iter(iters(), ROUNDS, || {
        black_box(Flow::start(Arc::clone(config), 1_700_000_000).expect("start"));
    });
    let flow = Flow::start(Arc::clone(config), 1_700_000_000).expect("start");
    let url = ns_per_iter(iters(), ROUNDS, || {
        black_box(flow.authorization_url().expect("url"));
    });
    let State::AwaitingCallback { csrf, .. } = flow.state() else { panic!("not awaiting") };
    let callback = format!("{REDIRECT}?code=SplxlOBeZQQYbYS6WxSbIA&state={}", csrf.expose());
    let cb = ns_per_iter(iters(), ROUNDS, || {
        let mut f = copy(&flow);
        f.callback(&callback).expect("callback");
        black_box(f);
    });
    let clone = ns_per_iter(iters(), ROUNDS, || {
        black_box(copy(&flow));
    });
    let mut exchanging = copy(&flow);
    exchanging.callback(&callback).expect("callback");
    let req = ns_per_iter(iters(), ROUNDS, || {
        let mut f = copy(&exchanging);
        black_box(f.exchange_request().expect("request"));
    });
    let response = HttpResponse::new(200, "application/json", BODY);
    let parse = ns_per_iter(iters(), ROUNDS, || {
        black_box(authflow_core::parse_token_response(&response, 1_700_000_001, None).expect("parse"));
    });
    println!(
        "  breakdown (ns): start {start:.0}, url {url:.0}, callback {:.0}, exchange request {:.0}, token parse {parse:.0}",
        cb - clone,
        req - clone
    );
}

/// Runs the CPU benchmark and prints authflow, oauth2-rs and the ratio.
pub fn run() {
    println!("cpu path: url + pkce s256 + callback check + token request + token parse");
    let provider = Provider::generic(AUTH, TOKEN).expect("provider");
    let config = Arc::new(
        ClientConfig::new(provider, "2556404-0-dc848ae6:third-party", REDIRECT)
            .expect("config")
            .with_secret("client-secret")
            .with_scopes(["account:read"]),
    );
    let client: Oauth2Client = BasicClient::new(ClientId::new("2556404-0-dc848ae6:third-party".into()))
        .set_client_secret(ClientSecret::new("client-secret".into()))
        .set_auth_uri(AuthUrl::new(AUTH.into()).expect("auth url"))
        .set_token_uri(TokenUrl::new(TOKEN.into()).expect("token url"))
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).expect("redirect"));

    let response = HttpResponse::new(200, "application/json", BODY);
    let ours = ns_per_iter(iters(), ROUNDS, || authflow_once(&config, &response));
    let theirs = ns_per_iter(iters(), ROUNDS, || oauth2_once(&client));
    report("authflow-core", format!("{:.2} us/iter", ours / 1000.0), "<= 2.50 us/iter", ours <= 2500.0);
    report("oauth2 5.x (same work)", format!("{:.2} us/iter", theirs / 1000.0), "", true);
    breakdown(&config);
    report("ratio oauth2 / authflow", format!("{:.2}x", theirs / ours), ">= 1.00x (no slower)", ours <= theirs);
}
