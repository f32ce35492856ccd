//! Transcripts of each provider's flow (the states it walks), a secret-leak sweep over every
//! Debug and Display the flow can produce, serde round trips, and entropy checks.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns are test code too

use std::sync::Arc;

use authflow_core::{
    AccessToken, AuthorizationCode, ClientConfig, Error, Flow, HttpRequest, HttpResponse, IdToken, Nonce, PkceVerifier,
    Provider, RefreshToken, SeededEntropy, State, StateToken, TokenKind, TokenSet,
};
use base64::Engine;
use serde_json::{json, Value};

const NOW: u64 = 1_700_000_000;

fn json_response(status: u16, body: &str) -> HttpResponse {
    HttpResponse::new(status, "application/json", body)
}

/// The `state` value of a pending flow, read from its authorization URL.
fn state_param(flow: &Flow) -> String {
    let url = url::Url::parse(&flow.authorization_url().unwrap()).unwrap();
    url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()).expect("state in the url")
}

/// A flow and the names of the states it passed through, one per call.
struct Transcript {
    flow: Flow,
    states: Vec<&'static str>,
}

impl Transcript {
    fn start(config: ClientConfig) -> Self {
        let flow = Flow::start_with(config, NOW, &mut SeededEntropy::new(1)).unwrap();
        let states = vec![flow.state_name().as_str()];
        Transcript { flow, states }
    }

    fn note<T>(&mut self, result: Result<T, Error>) -> Result<T, Error> {
        self.states.push(self.flow.state_name().as_str());
        result
    }

    fn callback(&mut self, query: &str) -> Result<(), Error> {
        let redirect = self.flow.config().redirect_uri.as_str().to_owned();
        let state = state_param(&self.flow);
        let url = format!("{redirect}?{}", query.replace("{state}", &state));
        let r = self.flow.callback(&url);
        self.note(r)
    }

    fn exchange(&mut self, response: HttpResponse, now: u64) -> Result<HttpRequest, Error> {
        let request = self.flow.exchange_request();
        let request = self.note(request)?;
        let r = self.flow.exchange_response(&response, now);
        self.note(r).map(|()| request)
    }

    fn refresh(&mut self, response: HttpResponse, now: u64) -> Result<HttpRequest, Error> {
        let request = self.flow.refresh_request();
        let request = self.note(request)?;
        let r = self.flow.refresh_response(&response, now);
        self.note(r).map(|()| request)
    }
}

fn sipgate_config() -> ClientConfig {
    ClientConfig::new(
        Provider::sipgate("third-party").unwrap(),
        "2556404-0-client:third-party",
        "http://localhost:8080/oauth",
    )
    .unwrap()
    .with_secret("sipgate-secret")
    .with_scopes(["account:read"])
}

#[test]
fn sipgate_transcript() {
    let mut t = Transcript::start(sipgate_config());
    assert_eq!(t.callback("code=c&state=stale-tab").unwrap_err().kind(), "state_mismatch");
    t.callback(
        "state={state}&session_state=s&iss=https%3A%2F%2Flogin.sipgate.com%2Fauth%2Frealms%2Fthird-party&code=c",
    )
    .unwrap();
    let body = r#"{"access_token":"a1","expires_in":300,"refresh_expires_in":2592000,"refresh_token":"r1","token_type":"bearer","id_token":"i1","not-before-policy":0,"session_state":"s","scope":"account:read"}"#;
    t.exchange(json_response(200, body), NOW + 5).unwrap();
    let api = t.flow.authorize(HttpRequest::get("https://api.sipgate.com/v2/account")).unwrap();
    assert_eq!(api.header("authorization"), Some("Bearer a1"));
    assert!(!t.flow.refresh_due(NOW + 274) && t.flow.refresh_due(NOW + 275));
    let rotated = body.replace("a1", "a2").replace("r1", "r2");
    let request = t.refresh(json_response(200, &rotated), NOW + 280).unwrap();
    assert!(String::from_utf8(request.body).unwrap().contains("refresh_token=r1"));
    assert_eq!(t.flow.tokens().unwrap().refresh_token.as_ref().unwrap().expose(), "r2");
    assert_eq!(
        t.states,
        ["AwaitingCallback", "AwaitingCallback", "Exchanging", "Exchanging", "Authorized", "Refreshing", "Authorized"]
    );
}

#[test]
fn speakap_transcript() {
    let config = ClientConfig::new(Provider::speakap("acme").unwrap(), "app-1", "https://app.example.com/cb")
        .unwrap()
        .with_secret("s");
    let mut t = Transcript::start(config);
    let denied = t.callback("error=access_denied&error_description=no&state={state}").unwrap_err();
    assert_eq!(denied.kind(), "authorization_denied");
    t.callback("code=c1&state={state}").unwrap();
    let request =
        t.exchange(json_response(200, r#"{"access_token":"a","token_type":"Bearer","expires_in":3600}"#), NOW).unwrap();
    assert!(request.header("authorization").is_some_and(|v| v.starts_with("Basic ")));
    let api = t.flow.authorize(HttpRequest::get("https://api.speakap.io/networks/n/")).unwrap();
    assert_eq!(api.header("accept"), Some("application/vnd.speakap.api-v2024.3.2+json"));
    // No refresh token was granted, so refreshing is refused and the flow stays put.
    let no_refresh = t.flow.refresh_request();
    assert_eq!(t.note(no_refresh).unwrap_err().kind(), "invalid_state");
    assert_eq!(
        t.states,
        ["AwaitingCallback", "AwaitingCallback", "Exchanging", "Exchanging", "Authorized", "Authorized"]
    );
}

#[test]
fn phorge_transcript() {
    let config = ClientConfig::new(
        Provider::phorge("https://phorge.example.com").unwrap(),
        "PHID-OASC-1",
        "http://localhost:8080/oauth",
    )
    .unwrap()
    .with_secret("s");
    let mut t = Transcript::start(config);
    t.callback("code=c&scope=&state={state}").unwrap();
    t.exchange(json_response(200, r#"{"access_token":"tok","token_type":"Bearer"}"#), NOW).unwrap();
    let api = t.flow.authorize(HttpRequest::get("https://phorge.example.com/api/user.whoami")).unwrap();
    assert_eq!(api.url, "https://phorge.example.com/api/user.whoami?access_token=tok");
    assert!(api.header("authorization").is_none());
    assert!(!t.flow.expires_within(u64::MAX - 1, 0));
    let refresh = t.flow.refresh_request();
    assert_eq!(t.note(refresh).unwrap_err().kind(), "invalid_state");
    assert_eq!(t.states, ["AwaitingCallback", "Exchanging", "Exchanging", "Authorized", "Authorized"]);
}

#[test]
fn generic_transcript_with_a_failed_refresh() {
    let mut provider = Provider::generic("https://as.example/authorize", "https://as.example/token").unwrap();
    provider.issuer = Some("https://as.example".into());
    provider.require_iss = true;
    let config = ClientConfig::new(provider, "c", "http://127.0.0.1:9000/cb").unwrap().with_secret("s");
    let mut t = Transcript::start(config);
    assert_eq!(t.callback("code=c&state={state}").unwrap_err().kind(), "issuer_mismatch");
    t.callback("code=c&state={state}&iss=https%3A%2F%2Fas.example").unwrap();
    let ok = r#"{"access_token":"a","token_type":"Bearer","expires_in":60,"refresh_token":"r"}"#;
    t.exchange(json_response(200, ok), NOW).unwrap();
    let refused = t.refresh(json_response(400, r#"{"error":"invalid_grant"}"#), NOW + 50).unwrap_err();
    assert_eq!(refused.kind(), "oauth");
    assert_eq!(t.flow.tokens().unwrap().access_token.expose(), "a");
    let request = t.flow.refresh_request();
    t.note(request).unwrap();
    let failed = t.flow.request_failed();
    t.note(failed).unwrap();
    t.refresh(json_response(200, &ok.replace("\"a\"", "\"b\"")), NOW + 55).unwrap();
    assert_eq!(
        t.states,
        [
            "AwaitingCallback",
            "AwaitingCallback",
            "Exchanging",
            "Exchanging",
            "Authorized",
            "Refreshing",
            "Authorized",
            "Refreshing",
            "Authorized",
            "Refreshing",
            "Authorized"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Secret leaks
// ---------------------------------------------------------------------------------------------

const CLIENT_SECRET: &str = "SECRET-CLIENT-xyz";
const CODE: &str = "SECRET-CODE-xyz";
const ACCESS: &str = "SECRET-AT-xyz";
const REFRESH: &str = "SECRET-RT-xyz";
const ID_TOKEN: &str = "SECRET-IDT-xyz";
const ACCESS_2: &str = "SECRET-AT2-xyz";

/// Everything printed while driving flows, to search for secrets afterwards.
#[derive(Default)]
struct Printed(Vec<(String, String)>);

impl Printed {
    fn debug(&mut self, what: &str, value: &dyn std::fmt::Debug) {
        self.0.push((what.to_owned(), format!("{value:?}")));
    }

    fn error(&mut self, what: &str, result: Result<impl std::fmt::Debug, Error>) {
        let e = result.expect_err(what);
        self.0.push((format!("{what} (Display)"), e.to_string()));
        self.0.push((format!("{what} (Debug)"), format!("{e:?}")));
    }

    fn flow(&mut self, what: &str, flow: &Flow) {
        self.debug(&format!("{what}: Flow"), flow);
        self.debug(&format!("{what}: State"), flow.state());
        if let Some(tokens) = flow.tokens() {
            self.debug(&format!("{what}: TokenSet"), tokens);
        }
    }
}

fn leak_config(openid: bool) -> ClientConfig {
    let mut provider = Provider::sipgate("third-party").unwrap();
    provider.require_iss = true;
    let scopes = if openid { vec!["openid", "account:read"] } else { vec!["account:read"] };
    ClientConfig::new(provider, "client-id", "http://localhost:8080/oauth")
        .unwrap()
        .with_secret(CLIENT_SECRET)
        .with_scopes(scopes)
}

const ISS: &str = "iss=https%3A%2F%2Flogin.sipgate.com%2Fauth%2Frealms%2Fthird-party";

fn exchanging(printed: &mut Printed, secrets: &mut Vec<String>) -> Flow {
    let mut flow = Flow::start(leak_config(true), NOW).unwrap();
    let saved: Value = serde_json::from_str(&flow.to_json()).unwrap();
    for key in ["csrf", "verifier", "nonce"] {
        secrets.push(saved[key].as_str().expect(key).to_owned());
    }
    printed.flow("AwaitingCallback", &flow);
    let state = state_param(&flow);
    let cb = |query: &str| format!("http://localhost:8080/oauth?{query}");

    // Every callback error, each with the code (and the state) in the URL.
    printed.error("wrong state", flow.callback(&cb(&format!("code={CODE}&state=x{state}&{ISS}"))));
    printed.error("wrong path", flow.callback(&format!("http://localhost:8080/other?code={CODE}&state={state}&{ISS}")));
    printed.error("wrong host", flow.callback(&format!("http://127.0.0.1:8080/oauth?code={CODE}&state={state}")));
    printed.error("duplicate code", flow.callback(&cb(&format!("code={CODE}&code={CODE}&state={state}&{ISS}"))));
    printed.error("duplicate state", flow.callback(&cb(&format!("code={CODE}&state={state}&state={state}&{ISS}"))));
    printed.error("iss missing", flow.callback(&cb(&format!("code={CODE}&state={state}"))));
    printed.error("iss wrong", flow.callback(&cb(&format!("code={CODE}&state={state}&iss=https%3A%2F%2Fevil"))));
    printed.error("code missing", flow.callback(&cb(&format!("state={state}&{ISS}"))));
    printed.error("not a url", flow.callback(&format!("code={CODE} state={state}")));
    printed.error("oversized", flow.callback(&cb(&format!("code={CODE}&state={state}&pad={}", "p".repeat(17_000)))));
    printed.error(
        "denied, echoing the state",
        flow.callback(&cb(&format!("error=access_denied&error_description=state+{state}+refused&error_uri=https%3A%2F%2Fx%2F{state}&state={state}"))),
    );
    printed.error("exchange too early", flow.exchange_request());
    printed.error("authorize too early", flow.authorize(HttpRequest::get("https://api.sipgate.com/v2/account")));
    printed.flow("AwaitingCallback after errors", &flow);

    flow.callback(&cb(&format!("code={CODE}&state={state}&{ISS}"))).unwrap();
    printed.flow("Exchanging with code", &flow);
    let request = flow.exchange_request().unwrap();
    let body = String::from_utf8(request.body.clone()).unwrap();
    assert!(body.contains(CODE) && body.contains(CLIENT_SECRET), "the request itself must carry the secrets");
    printed.debug("exchange HttpRequest", &request);
    printed.flow("Exchanging, code spent", &flow);
    printed.error("exchange twice", flow.exchange_request());
    flow
}

#[test]
fn no_secret_in_any_debug_or_display() {
    let mut printed = Printed::default();
    let mut secrets: Vec<String> =
        [CLIENT_SECRET, CODE, ACCESS, REFRESH, ID_TOKEN, ACCESS_2].iter().map(|s| (*s).to_owned()).collect();

    let mut flow = exchanging(&mut printed, &mut secrets);
    let verifier = secrets[7].clone();
    let bad_exchanges = [
        HttpResponse::new(200, "application/json", format!(r#"{{"access_token":"{ACCESS}","token_type":"Bearer","#)),
        json_response(
            400,
            &format!(r#"{{"error":"invalid_grant","error_description":"Invalid authorization code: {CODE}"}}"#),
        ),
        json_response(
            401,
            &format!(
                r#"{{"error":"invalid_client","error_description":"bad secret {CLIENT_SECRET}","error_uri":"https://as/{CLIENT_SECRET}"}}"#
            ),
        ),
        json_response(
            400,
            &format!(r#"{{"error":"invalid_grant","error_description":"verifier {verifier} does not match"}}"#),
        ),
        HttpResponse::new(500, "text/html", format!("<html><body>code {CODE} rejected</body></html>")),
        HttpResponse::new(200, "text/plain", format!("code {CODE} unknown")),
        HttpResponse::new(200, "application/x-www-form-urlencoded", format!("access_token={ACCESS}&token_type=bearer")),
        HttpResponse::new(200, "text/plain", format!("access_token={ACCESS}&refresh_token={REFRESH}")),
        json_response(200, &format!(r#"[{{"access_token":"{ACCESS}"}}]"#)),
        json_response(200, &format!(r#""{ACCESS}""#)),
        json_response(200, &format!(r#"{{"access_token":"{ACCESS}","token_type":"mac"}}"#)),
        json_response(200, &format!(r#"{{"access_token":"{ACCESS}","token_type":"Bearer","refresh_token":17}}"#)),
        json_response(200, &format!(r#"{{"token":"{ACCESS}","refresh_token":"{REFRESH}"}}"#)),
        json_response(403, &format!(r#"{{"message":"no","access_token":"{ACCESS}"}}"#)),
        json_response(200, &format!(r#"{{"access_token":"{ACCESS}{}","token_type":"Bearer"}}"#, "A".repeat(70_000))),
    ];
    for (i, response) in bad_exchanges.iter().enumerate() {
        printed.debug(&format!("bad exchange response {i}"), response);
        printed.error(&format!("bad exchange response {i}"), flow.exchange_response(response, NOW));
    }
    printed.flow("Exchanging after bad responses", &flow);

    let good = format!(
        r#"{{"access_token":"{ACCESS}","token_type":"bearer","expires_in":300,"refresh_token":"{REFRESH}","id_token":"{ID_TOKEN}","session_state":"{REFRESH}","custom":{{"nested":"{ACCESS}"}}}}"#
    );
    let good = json_response(200, &good);
    printed.debug("good HttpResponse", &good);
    flow.exchange_response(&good, NOW).unwrap();
    printed.flow("Authorized", &flow);
    printed.debug("warnings", &flow.warnings());
    printed.error("callback when authorized", flow.callback("http://localhost:8080/oauth?code=x"));
    printed.debug(
        "authorize HttpRequest",
        &flow.authorize(HttpRequest::get("https://api.sipgate.com/v2/account")).unwrap(),
    );
    printed.debug("revocation HttpRequest", &flow.revocation_request(TokenKind::RefreshToken).unwrap());

    let mut phorge_config = leak_config(false);
    phorge_config.provider = Provider::phorge("https://phorge.example.com").unwrap();
    let phorge = Flow::from_tokens(phorge_config, flow.tokens().unwrap().clone());
    let placed = phorge.authorize(HttpRequest::get("https://phorge.example.com/api/user.whoami?x=1")).unwrap();
    assert!(placed.url.contains(ACCESS));
    printed.debug("phorge authorize HttpRequest", &placed);

    // RFC 7009 answers: errors name the revocation endpoint and quote no held token.
    let bad_revocations = [
        json_response(
            400,
            &format!(
                r#"{{"error":"invalid_token {REFRESH}","error_description":"token {REFRESH} unknown to client {CLIENT_SECRET}"}}"#
            ),
        ),
        json_response(503, &format!(r#"{{"error":"temporarily_unavailable","error_description":"{ACCESS} later"}}"#)),
        json_response(400, &format!(r#"{{"message":"{ID_TOKEN}"}}"#)),
        HttpResponse::new(500, "text/html", format!("<html>cannot revoke {REFRESH}</html>")),
    ];
    for (i, response) in bad_revocations.iter().enumerate() {
        let err = flow.revocation_response(response).unwrap_err();
        if err.kind() == "oauth" {
            assert!(err.to_string().starts_with("revocation endpoint said"), "{err}");
        }
        printed.error(&format!("bad revocation response {i}"), Err::<(), _>(err));
    }
    flow.revocation_response(&HttpResponse::new(200, "text/plain", "")).unwrap();

    let bad_refreshes = [
        json_response(
            400,
            &format!(r#"{{"error":"invalid_grant","error_description":"Refresh token {REFRESH} revoked"}}"#),
        ),
        json_response(
            400,
            &format!(r#"{{"error":"invalid_grant","error_description":"session of {ACCESS} / {ID_TOKEN} ended"}}"#),
        ),
        HttpResponse::new(502, "text/html", format!("<html>bad gateway for {REFRESH}</html>")),
        HttpResponse::new(200, "application/json", format!(r#"{{"access_token":"{ACCESS_2}","#)),
        HttpResponse::new(200, "application/x-www-form-urlencoded", format!("access_token={ACCESS_2}")),
        json_response(200, &format!(r#"{{"access_token":"{ACCESS_2}","token_type":"DPoP"}}"#)),
    ];
    for (i, response) in bad_refreshes.iter().enumerate() {
        let request = flow.refresh_request().unwrap();
        printed.debug(&format!("refresh HttpRequest {i}"), &request);
        printed.flow(&format!("Refreshing {i}"), &flow);
        printed
            .error(&format!("authorize while refreshing {i}"), flow.authorize(HttpRequest::get("https://x.example/")));
        printed.error(&format!("bad refresh response {i}"), flow.refresh_response(response, NOW + 10));
        assert_eq!(flow.tokens().unwrap().access_token.expose(), ACCESS);
    }
    flow.refresh_request().unwrap();
    flow.request_failed().unwrap();
    printed.flow("Authorized after a failed request", &flow);

    let mut leaks = Vec::new();
    for (what, text) in &printed.0 {
        for secret in &secrets {
            if text.contains(secret.as_str()) {
                leaks.push(format!("{what} shows {secret}: {}", &text[..text.len().min(300)]));
            }
        }
    }
    assert!(printed.0.len() > 80, "the sweep printed too little: {}", printed.0.len());
    assert!(leaks.is_empty(), "secrets leaked:\n  {}", leaks.join("\n  "));
}

// ---------------------------------------------------------------------------------------------
// Serialization
// ---------------------------------------------------------------------------------------------

fn full_token_set() -> TokenSet {
    let mut extra = serde_json::Map::new();
    extra.insert("session_state".into(), json!("s"));
    extra.insert("not-before-policy".into(), json!(0));
    TokenSet {
        access_token: AccessToken::new("at"),
        token_type: "Bearer".into(),
        refresh_token: Some(RefreshToken::new("rt")),
        expires_at: Some(NOW + 300),
        issued_at: NOW,
        scope: Some("openid account:read".into()),
        id_token: Some(IdToken::new("idt")),
        extra,
    }
}

#[test]
fn every_state_round_trips_through_json() {
    let minimal = TokenSet {
        access_token: AccessToken::new("at"),
        token_type: "Bearer".into(),
        refresh_token: None,
        expires_at: None,
        issued_at: 0,
        scope: None,
        id_token: None,
        extra: serde_json::Map::new(),
    };
    let states = [
        State::AwaitingCallback {
            csrf: StateToken::new("st"),
            verifier: Some(PkceVerifier::new("v")),
            nonce: Some(Nonce::new("n")),
            created_at: NOW,
        },
        State::AwaitingCallback { csrf: StateToken::new("st"), verifier: None, nonce: None, created_at: 0 },
        State::Exchanging {
            code: Some(AuthorizationCode::new("c")),
            verifier: Some(PkceVerifier::new("v")),
            nonce: Some(Nonce::new("n")),
        },
        State::Exchanging { code: None, verifier: None, nonce: None },
        State::Authorized { tokens: full_token_set() },
        State::Authorized { tokens: minimal },
        State::Refreshing { tokens: full_token_set() },
    ];
    for state in states {
        let json = serde_json::to_string(&state).unwrap();
        let back: State = serde_json::from_str(&json).unwrap();
        assert_eq!(back, state, "{json}");
        // The same through the flow API, which is what the bindings call.
        let flow = Flow::resume(sipgate_config(), state.clone());
        let restored = Flow::from_json(sipgate_config(), &flow.to_json()).unwrap();
        assert_eq!(restored.state(), &state);
        assert_eq!(restored.state_name(), state.name());
        let tagged: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(tagged["state"], state.name().as_str());
    }
    let error = Flow::from_json(sipgate_config(), r#"{"state":"Flying"}"#).unwrap_err();
    assert_eq!(error.kind(), "config");
}

#[test]
fn flows_in_every_state_round_trip() {
    let config = Arc::new(leak_config(true));
    let mut flow = Flow::start(config.clone(), NOW).unwrap();
    let state = state_param(&flow);
    let check = |flow: &Flow| {
        let restored = Flow::from_json(config.clone(), &flow.to_json()).unwrap();
        assert_eq!(restored.state(), flow.state());
    };
    check(&flow);
    flow.callback(&format!("http://localhost:8080/oauth?code=c&state={state}&{ISS}")).unwrap();
    check(&flow);
    flow.exchange_request().unwrap();
    check(&flow);
    flow.exchange_response(&json_response(200, r#"{"access_token":"a","refresh_token":"r","x":1}"#), NOW).unwrap();
    check(&flow);
    flow.refresh_request().unwrap();
    check(&flow);
}

#[test]
fn a_pending_flow_fits_in_a_cookie() {
    let flow = Flow::start(leak_config(true), u64::MAX).unwrap();
    let json = flow.to_json();
    let saved: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(saved["state"], "AwaitingCallback");
    assert!(saved["verifier"].is_string() && saved["nonce"].is_string(), "{json}");
    assert!(json.len() <= 512, "{} bytes: {json}", json.len());
}

// ---------------------------------------------------------------------------------------------
// Entropy
// ---------------------------------------------------------------------------------------------

fn url_with(seed: Option<u64>) -> String {
    let config = leak_config(true);
    let flow = match seed {
        Some(seed) => Flow::start_with(config, NOW, &mut SeededEntropy::new(seed)).unwrap(),
        None => Flow::start(config, NOW).unwrap(),
    };
    flow.authorization_url().unwrap()
}

#[test]
fn same_seed_same_url() {
    assert_eq!(url_with(Some(42)), url_with(Some(42)));
    assert_ne!(url_with(Some(42)), url_with(Some(44)));
}

#[test]
fn os_entropy_differs_between_starts() {
    let (a, b) = (url_with(None), url_with(None));
    assert_ne!(a, b);
    let config = Arc::new(leak_config(true));
    let (x, y) = (Flow::start(config.clone(), NOW).unwrap(), Flow::start(config, NOW).unwrap());
    let (sx, sy): (Value, Value) =
        (serde_json::from_str(&x.to_json()).unwrap(), serde_json::from_str(&y.to_json()).unwrap());
    for key in ["csrf", "verifier", "nonce"] {
        assert_ne!(sx[key], sy[key], "{key}");
    }
}

#[test]
fn state_verifier_and_nonce_carry_enough_entropy() {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    for seed in [None, Some(42)] {
        let config = leak_config(true);
        let flow = match seed {
            Some(seed) => Flow::start_with(config, NOW, &mut SeededEntropy::new(seed)).unwrap(),
            None => Flow::start(config, NOW).unwrap(),
        };
        let state = state_param(&flow);
        assert!(b64.decode(&state).unwrap().len() >= 16, "state {state} has fewer than 128 bits");
        let saved: Value = serde_json::from_str(&flow.to_json()).unwrap();
        let verifier = saved["verifier"].as_str().unwrap();
        // RFC 7636 §4.1: 43 to 128 characters of the unreserved set.
        assert!((43..=128).contains(&verifier.len()), "{verifier}");
        assert!(verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        assert!(b64.decode(saved["nonce"].as_str().unwrap()).unwrap().len() >= 16);
    }
}
