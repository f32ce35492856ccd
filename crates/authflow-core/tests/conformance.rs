//! Runs every conformance vector in `conformance/vectors/*.json` through the core API.
//!
//! The format is documented in `conformance/README.md`; the Python and Node bindings run
//! the same files through their own APIs. This runner is the reference: when it and the
//! README disagree, one of them is a bug.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use authflow_core::{
    pkce_challenge, provider_from_discovery, ClientAuth, ClientConfig, Error, Flow, HttpRequest, HttpResponse, Method,
    PkceMethod, PkceVerifier, Provider, SeededEntropy, TokenKind, TokenPlacement, Url,
};
use serde_json::{Map, Value};

/// Deleting vectors must not go unnoticed.
const MIN_VECTORS: usize = 30;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../conformance/vectors")
}

#[test]
fn conformance_vectors() {
    let dir = vectors_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= MIN_VECTORS,
        "expected at least {MIN_VECTORS} vectors in {}, found {}",
        dir.display(),
        files.len()
    );

    let mut failures = Vec::new();
    let mut names = HashMap::new();
    for file in &files {
        let short = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {short}: {e}"));
        match serde_json::from_str::<Value>(&text) {
            Ok(vector) => {
                if let Some(name) = vector.get("name").and_then(Value::as_str) {
                    if let Some(other) = names.insert(name.to_owned(), short.clone()) {
                        failures.push(format!("{short}: name {name:?} is also used by {other}"));
                    }
                }
                if let Err(e) = run_vector(&vector) {
                    failures.push(format!("{short}: {e}"));
                }
            }
            Err(e) => failures.push(format!("{short}: not valid JSON: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} vectors failed:\n  {}", failures.len(), files.len(), failures.join("\n  "));
}

/// The variables `{{name}}` placeholders refer to.
#[derive(Default)]
struct Vars(HashMap<&'static str, String>);

impl Vars {
    /// Learns `state`, `verifier`, `nonce` and `code_challenge` from the flow's serialized state.
    fn learn(&mut self, flow: &Flow) {
        let Ok(Value::Object(state)) = serde_json::from_str::<Value>(&flow.to_json()) else { return };
        for (key, var) in [("csrf", "state"), ("verifier", "verifier"), ("nonce", "nonce")] {
            if let Some(v) = state.get(key).and_then(Value::as_str) {
                self.0.insert(var, v.to_owned());
            }
        }
        if let Some(v) = self.0.get("verifier") {
            let challenge = pkce_challenge(PkceMethod::S256, &PkceVerifier::new(v.clone())).unwrap_or_default();
            self.0.insert("code_challenge", challenge);
        }
    }

    fn substitute(&self, s: &str) -> Result<String, String> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| format!("unclosed placeholder in {s:?}"))?;
            let name = &after[..end];
            let value = self.0.get(name).ok_or_else(|| format!("placeholder {{{{{name}}}}} is not known yet"))?;
            out.push_str(value);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// A string field: a JSON string with placeholders, or a generator object
    /// `{"prefix": .., "repeat": .., "count": .., "suffix": ..}`.
    fn text(&self, v: &Value) -> Result<String, String> {
        match v {
            Value::String(s) => self.substitute(s),
            Value::Object(o) => {
                check_keys(o, &["prefix", "repeat", "count", "suffix"], "string generator")?;
                let part = |k: &str| o.get(k).map(|v| str_of(v, k)).transpose().map(Option::unwrap_or_default);
                let count = o.get("count").and_then(Value::as_u64).ok_or("string generator needs a count")?;
                let repeat = o.get("repeat").ok_or("string generator needs repeat")?;
                let repeat = str_of(repeat, "repeat")?;
                let mut s = self.substitute(part("prefix")?)?;
                s.push_str(&repeat.repeat(usize::try_from(count).map_err(|e| e.to_string())?));
                s.push_str(&self.substitute(part("suffix")?)?);
                Ok(s)
            }
            other => Err(format!("expected a string or a string generator, got {other}")),
        }
    }
}

fn str_of<'a>(v: &'a Value, what: &str) -> Result<&'a str, String> {
    v.as_str().ok_or_else(|| format!("{what} must be a string, got {v}"))
}

fn obj<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object().ok_or_else(|| format!("{what} must be an object, got {v}"))
}

fn check_keys(o: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("unknown key {k:?} in {what} (allowed: {})", allowed.join(", "))),
        None => Ok(()),
    }
}

fn opt_str<'a>(o: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, String> {
    o.get(key).map(|v| str_of(v, key)).transpose()
}

fn req_str<'a>(o: &'a Map<String, Value>, key: &str, what: &str) -> Result<&'a str, String> {
    opt_str(o, key)?.ok_or_else(|| format!("{what} needs {key:?}"))
}

fn run_vector(vector: &Value) -> Result<(), String> {
    let v = obj(vector, "vector")?;
    check_keys(v, &["name", "description", "provider", "client", "seed", "now", "steps"], "vector")?;
    req_str(v, "name", "a vector")?;
    req_str(v, "description", "a vector")?;
    let steps = v.get("steps").and_then(Value::as_array).ok_or("vector needs a steps array")?;
    let now = v.get("now").and_then(Value::as_u64).ok_or("vector needs now (unix seconds)")?;
    let seed = v.get("seed").map(|s| s.as_u64().ok_or("seed must be an unsigned integer")).transpose()?;
    let mut run = Run { vector: v, now, seed, flow: None, config: None, vars: Vars::default() };
    for (i, step) in steps.iter().enumerate() {
        let op = step.get("op").and_then(Value::as_str).unwrap_or("?");
        run.step(step).map_err(|e| format!("step {i} ({op}): {e}"))?;
    }
    Ok(())
}

struct Run<'a> {
    vector: &'a Map<String, Value>,
    now: u64,
    seed: Option<u64>,
    flow: Option<Flow>,
    config: Option<Arc<ClientConfig>>,
    vars: Vars,
}

/// What a step produced besides its effect on the flow.
enum Produced {
    Nothing,
    Url(String),
    Request(HttpRequest),
    Expiry { expires_within: bool, refresh_due: bool },
}

impl Run<'_> {
    fn flow(&mut self) -> Result<&mut Flow, String> {
        self.flow.as_mut().ok_or_else(|| "no flow: the first step must be a successful start".to_owned())
    }

    fn step(&mut self, step: &Value) -> Result<(), String> {
        let s = obj(step, "step")?;
        let op = req_str(s, "op", "a step")?;
        let allowed: &[&str] = match op {
            "callback" => &["op", "url", "expect"],
            "authorize" => &["op", "request", "expect"],
            "exchange_response" | "refresh_response" => &["op", "response", "now", "expect"],
            "revocation_request" => &["op", "token", "expect"],
            "expiry" => &["op", "now", "skew", "expect"],
            "start" => &["op", "now", "expect"],
            _ => &["op", "expect"],
        };
        check_keys(s, allowed, "step")?;
        let now = s.get("now").map(|n| n.as_u64().ok_or("now must be an unsigned integer")).transpose()?;
        let now = now.unwrap_or(self.now);
        let result: Result<Produced, Error> = match op {
            "start" => self.start(now)?,
            "authorization_url" => self.flow()?.authorization_url().map(Produced::Url),
            "callback" => {
                let url = self.vars.text(s.get("url").ok_or("callback needs url")?)?;
                self.flow()?.callback(&url).map(|()| Produced::Nothing)
            }
            "exchange_request" => self.flow()?.exchange_request().map(Produced::Request),
            "exchange_response" => {
                let response = self.response(s)?;
                self.flow()?.exchange_response(&response, now).map(|()| Produced::Nothing)
            }
            "refresh_request" => self.flow()?.refresh_request().map(Produced::Request),
            "refresh_response" => {
                let response = self.response(s)?;
                self.flow()?.refresh_response(&response, now).map(|()| Produced::Nothing)
            }
            "request_failed" => self.flow()?.request_failed().map(|()| Produced::Nothing),
            "authorize" => {
                let request = self.request(s.get("request").ok_or("authorize needs request")?)?;
                self.flow()?.authorize(request).map(Produced::Request)
            }
            "revocation_request" => {
                let which = match req_str(s, "token", "revocation_request")? {
                    "access_token" => TokenKind::AccessToken,
                    "refresh_token" => TokenKind::RefreshToken,
                    other => return Err(format!("token must be access_token or refresh_token, not {other:?}")),
                };
                self.flow()?.revocation_request(which).map(Produced::Request)
            }
            "expiry" => {
                let skew = s.get("skew").and_then(Value::as_u64).unwrap_or(0);
                let flow = self.flow()?;
                Ok(Produced::Expiry {
                    expires_within: flow.expires_within(now, skew),
                    refresh_due: flow.refresh_due(now),
                })
            }
            "save_restore" => {
                let config = self.config.clone().ok_or("no flow to save")?;
                let json = self.flow()?.to_json();
                let restored = Flow::from_json(config, &json).map_err(|e| format!("from_json failed: {e}"))?;
                if restored.to_json() != json {
                    return Err(format!("to_json after from_json differs:\n  {json}\n  {}", restored.to_json()));
                }
                self.flow = Some(restored);
                Ok(Produced::Nothing)
            }
            other => return Err(format!("unknown op {other:?}")),
        };
        if let Some(flow) = &self.flow {
            self.vars.learn(flow);
        }
        let empty = Value::Object(Map::new());
        self.check(s.get("expect").unwrap_or(&empty), result)
    }

    fn start(&mut self, now: u64) -> Result<Result<Produced, Error>, String> {
        let built = self.config_from_vector()?;
        let config = match built {
            Ok(c) => Arc::new(c),
            Err(e) => return Ok(Err(e)),
        };
        self.config = Some(config.clone());
        let started = match self.seed {
            Some(seed) => Flow::start_with(config, now, &mut SeededEntropy::new(seed)),
            None => Flow::start(config, now),
        };
        Ok(match started {
            Ok(flow) => {
                let url = flow.authorization_url();
                self.vars = Vars::default();
                self.flow = Some(flow);
                url.map(Produced::Url)
            }
            Err(e) => Err(e),
        })
    }

    /// The outer error is a broken vector, the inner one an error the core reported.
    fn config_from_vector(&self) -> Result<Result<ClientConfig, Error>, String> {
        let p = obj(self.vector.get("provider").ok_or("vector needs provider")?, "provider")?;
        let c = obj(self.vector.get("client").ok_or("vector needs client")?, "client")?;
        let preset = req_str(p, "preset", "provider")?;
        let (preset_keys, built): (&[&str], Result<Provider, Error>) = match preset {
            "sipgate" => {
                let realm = opt_str(p, "realm")?.unwrap_or("third-party");
                let built = match opt_str(p, "login_base")? {
                    Some(login) => Provider::sipgate_at(
                        login,
                        opt_str(p, "api_base")?.unwrap_or("https://api.sipgate.com/v2"),
                        realm,
                    ),
                    None => Provider::sipgate(realm),
                };
                (&["login_base", "api_base", "realm"], built)
            }
            "speakap" => {
                let built = if let Some(network) = opt_str(p, "network")? {
                    Provider::speakap(network)
                } else if let Some(url) = opt_str(p, "network_auth_url")? {
                    Provider::speakap_from_network_auth_url(url)
                } else {
                    Provider::speakap_at(
                        req_str(p, "auth_url", "speakap")?,
                        req_str(p, "token_url", "speakap")?,
                        req_str(p, "api_base", "speakap")?,
                    )
                };
                (&["network", "network_auth_url", "auth_url", "token_url", "api_base"], built)
            }
            "phorge" => (&["base_url"], Provider::phorge(req_str(p, "base_url", "phorge")?)),
            "generic" => (
                &["authorization_endpoint", "token_endpoint"],
                Provider::generic(
                    req_str(p, "authorization_endpoint", "generic")?,
                    req_str(p, "token_endpoint", "generic")?,
                ),
            ),
            "discovery" => {
                let issuer = req_str(p, "issuer", "discovery")?;
                let doc = p.get("document").ok_or("discovery needs document")?;
                let body = match doc {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (&["document"], provider_from_discovery(issuer, &HttpResponse::new(200, "application/json", body)))
            }
            other => return Err(format!("unknown preset {other:?}")),
        };
        const OVERRIDES: [&str; 8] = [
            "issuer",
            "require_iss",
            "client_auth",
            "pkce",
            "token_placement",
            "api_accept",
            "revocation_endpoint",
            "preset",
        ];
        let allowed: Vec<&str> = OVERRIDES.iter().chain(preset_keys).copied().collect();
        check_keys(p, &allowed, "provider")?;
        let mut provider = match built {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        if preset != "discovery" {
            if let Some(issuer) = p.get("issuer") {
                provider.issuer = issuer.as_str().map(str::to_owned);
            }
        }
        if let Some(v) = p.get("require_iss") {
            provider.require_iss = v.as_bool().ok_or("require_iss must be a boolean")?;
        }
        if let Some(v) = p.get("client_auth") {
            provider.client_auth = enum_of::<ClientAuth>(v, "client_auth")?;
        }
        if let Some(v) = p.get("pkce") {
            provider.pkce = enum_of::<PkceMethod>(v, "pkce")?;
        }
        if let Some(v) = p.get("token_placement") {
            provider.token_placement = enum_of::<TokenPlacement>(v, "token_placement")?;
        }
        if let Some(v) = p.get("api_accept") {
            provider.api_accept = v.as_str().map(str::to_owned);
        }
        if let Some(v) = p.get("revocation_endpoint") {
            provider.revocation_endpoint =
                v.as_str().map(|u| Url::parse(u).map_err(|e| format!("revocation_endpoint: {e}"))).transpose()?;
        }

        check_keys(c, &["client_id", "client_secret", "redirect_uri", "scopes", "nonce", "extra_params"], "client")?;
        let client_id = req_str(c, "client_id", "client")?;
        let redirect = req_str(c, "redirect_uri", "client")?;
        let mut config = match ClientConfig::new(provider, client_id, redirect) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(secret) = opt_str(c, "client_secret")? {
            config = config.with_secret(secret);
        }
        if let Some(scopes) = c.get("scopes") {
            let scopes = scopes.as_array().ok_or("scopes must be an array")?;
            let scopes: Vec<&str> = scopes.iter().map(|s| str_of(s, "scope")).collect::<Result<_, _>>()?;
            config = config.with_scopes(scopes);
        }
        if let Some(nonce) = c.get("nonce") {
            config.nonce = nonce.as_bool().ok_or("nonce must be a boolean")?;
        }
        if let Some(params) = c.get("extra_params") {
            for (name, value) in pairs(params, "extra_params")? {
                config = config.with_param(&name, &value);
            }
        }
        Ok(Ok(config))
    }

    fn response(&self, s: &Map<String, Value>) -> Result<HttpResponse, String> {
        let r = obj(s.get("response").ok_or("step needs response")?, "response")?;
        check_keys(r, &["status", "headers", "body"], "response")?;
        let status = r.get("status").and_then(Value::as_u64).ok_or("response needs status")?;
        let headers = r.get("headers").map(|h| pairs(h, "headers")).transpose()?.unwrap_or_default();
        let body = r.get("body").map(|b| self.vars.text(b)).transpose()?.unwrap_or_default();
        Ok(HttpResponse { status: u16::try_from(status).map_err(|e| e.to_string())?, headers, body: body.into_bytes() })
    }

    fn request(&self, v: &Value) -> Result<HttpRequest, String> {
        let r = obj(v, "request")?;
        check_keys(r, &["method", "url", "headers", "body"], "request")?;
        let method = match opt_str(r, "method")?.unwrap_or("GET") {
            "GET" => Method::Get,
            "POST" => Method::Post,
            other => return Err(format!("method {other:?}")),
        };
        let url = self.vars.text(r.get("url").ok_or("request needs url")?)?;
        let headers = r.get("headers").map(|h| pairs(h, "headers")).transpose()?.unwrap_or_default();
        let body = r.get("body").map(|b| self.vars.text(b)).transpose()?.unwrap_or_default();
        Ok(HttpRequest { method, url, headers, body: body.into_bytes() })
    }

    fn check(&self, expect: &Value, result: Result<Produced, Error>) -> Result<(), String> {
        let e = obj(expect, "expect")?;
        check_keys(
            e,
            &["state", "error", "authorization_url", "request", "tokens", "warnings", "expires_within", "refresh_due"],
            "expect",
        )?;
        let produced = match (result, e.get("error")) {
            (Ok(_), Some(want)) => return Err(format!("expected error {want}, but the step succeeded")),
            (Err(err), None) => return Err(format!("unexpected error {}: {err}", err.kind())),
            (Err(err), Some(want)) => {
                self.check_error(&err, want)?;
                None
            }
            (Ok(p), None) => Some(p),
        };
        if let Some(want) = e.get("state") {
            let want = str_of(want, "state")?;
            let got = self.flow.as_ref().map(|f| f.state_name().as_str()).unwrap_or("none");
            if got != want {
                return Err(format!("state: expected {want}, got {got}"));
            }
        }
        if let Some(want) = e.get("authorization_url") {
            let want = self.vars.text(want)?;
            match &produced {
                Some(Produced::Url(got)) if *got == want => {}
                Some(Produced::Url(got)) => {
                    return Err(format!("authorization_url:\n  expected {want}\n  got      {got}"))
                }
                _ => return Err("authorization_url expected, but this step yields none".into()),
            }
        }
        if let Some(want) = e.get("request") {
            match &produced {
                Some(Produced::Request(got)) => self.check_request(got, want)?,
                _ => return Err("request expected, but this step yields none".into()),
            }
        }
        if let Some(want) = e.get("tokens") {
            self.check_tokens(want)?;
        }
        if let Some(want) = e.get("warnings") {
            self.check_warnings(want)?;
        }
        for key in ["expires_within", "refresh_due"] {
            if let Some(want) = e.get(key) {
                let want = want.as_bool().ok_or_else(|| format!("{key} must be a boolean"))?;
                let got = match &produced {
                    Some(Produced::Expiry { expires_within, refresh_due }) => {
                        if key == "expires_within" {
                            *expires_within
                        } else {
                            *refresh_due
                        }
                    }
                    _ => return Err(format!("{key} expected, but only the expiry op yields it")),
                };
                if got != want {
                    return Err(format!("{key}: expected {want}, got {got}"));
                }
            }
        }
        Ok(())
    }

    fn check_error(&self, err: &Error, want: &Value) -> Result<(), String> {
        let w = obj(want, "error")?;
        check_keys(
            w,
            &["kind", "oauth_error", "status", "description", "uri", "message_contains", "message_excludes"],
            "error",
        )?;
        let message = err.to_string();
        let debug = format!("{err:?}");
        let kind = req_str(w, "kind", "error")?;
        if err.kind() != kind {
            return Err(format!("error kind: expected {kind}, got {} ({message})", err.kind()));
        }
        if let Some(code) = opt_str(w, "oauth_error")? {
            let got = err.oauth_code().map(|c| c.as_str().to_owned());
            if got.as_deref() != Some(code) {
                return Err(format!("oauth_error: expected {code}, got {got:?} ({message})"));
            }
        }
        let (status, description, uri) = match err {
            Error::OAuth { status, description, uri, .. } => (Some(*status), description.clone(), uri.clone()),
            Error::UnexpectedResponse { status, .. } => (Some(*status), None, None),
            Error::AuthorizationDenied { description, uri, .. } => (None, description.clone(), uri.clone()),
            _ => (None, None, None),
        };
        if let Some(want) = w.get("status") {
            let want = want.as_u64().ok_or("status must be a number")?;
            if status.map(u64::from) != Some(want) {
                return Err(format!("error status: expected {want}, got {status:?} ({message})"));
            }
        }
        for (key, got) in [("description", description), ("uri", uri)] {
            if let Some(want) = w.get(key) {
                let want = want.as_str().map(|s| self.vars.substitute(s)).transpose()?;
                if got != want {
                    return Err(format!("error {key}: expected {want:?}, got {got:?}"));
                }
            }
        }
        for part in list_of(w.get("message_contains"))? {
            let part = self.vars.substitute(&part)?;
            if !message.contains(&part) {
                return Err(format!("error message {message:?} does not contain {part:?}"));
            }
        }
        for part in list_of(w.get("message_excludes"))? {
            let part = self.vars.substitute(&part)?;
            if message.contains(&part) || debug.contains(&part) {
                return Err(format!("error Display or Debug contains {part:?}: {debug}"));
            }
        }
        Ok(())
    }

    fn check_request(&self, got: &HttpRequest, want: &Value) -> Result<(), String> {
        let w = obj(want, "expected request")?;
        check_keys(w, &["method", "url", "headers", "body", "form"], "expected request")?;
        if let Some(m) = opt_str(w, "method")? {
            if got.method.as_str() != m {
                return Err(format!("request method: expected {m}, got {}", got.method.as_str()));
            }
        }
        if let Some(url) = w.get("url") {
            let url = self.vars.text(url)?;
            if got.url != url {
                return Err(format!("request url:\n  expected {url}\n  got      {}", got.url));
            }
        }
        if let Some(headers) = w.get("headers") {
            let mut want: Vec<(String, String)> = pairs(headers, "headers")?
                .into_iter()
                .map(|(n, v)| Ok((n.to_ascii_lowercase(), self.vars.substitute(&v)?)))
                .collect::<Result<_, String>>()?;
            let mut have: Vec<(String, String)> =
                got.headers.iter().map(|(n, v)| (n.to_ascii_lowercase(), v.clone())).collect();
            want.sort();
            have.sort();
            if want != have {
                return Err(format!("request headers:\n  expected {want:?}\n  got      {have:?}"));
            }
        }
        let body = String::from_utf8(got.body.clone()).map_err(|_| "request body is not UTF-8")?;
        if let Some(b) = w.get("body") {
            let b = self.vars.text(b)?;
            if body != b {
                return Err(format!("request body:\n  expected {b}\n  got      {body}"));
            }
        }
        if let Some(form) = w.get("form") {
            let mut want: Vec<(String, String)> = pairs(form, "form")?
                .into_iter()
                .map(|(n, v)| Ok((n, self.vars.substitute(&v)?)))
                .collect::<Result<_, String>>()?;
            let mut have: Vec<(String, String)> =
                url::form_urlencoded::parse(body.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            want.sort();
            have.sort();
            if want != have {
                return Err(format!("request form:\n  expected {want:?}\n  got      {have:?}"));
            }
        }
        Ok(())
    }

    fn check_tokens(&self, want: &Value) -> Result<(), String> {
        let flow = self.flow.as_ref().ok_or("no flow")?;
        let got = flow.tokens();
        let Some(w) = want.as_object() else {
            if want.is_null() && got.is_none() {
                return Ok(());
            }
            return Err(format!("tokens: expected {want}, got {}", if got.is_some() { "a token set" } else { "none" }));
        };
        check_keys(
            w,
            &["access_token", "refresh_token", "id_token", "token_type", "scope", "expires_at", "issued_at", "extra"],
            "tokens",
        )?;
        let got = got.ok_or("tokens: expected a token set, the flow holds none")?;
        let got = serde_json::to_value(got).map_err(|e| e.to_string())?;
        for (key, want) in w {
            let want = match want {
                Value::String(s) => Value::String(self.vars.substitute(s)?),
                Value::Object(o) if o.contains_key("repeat") => Value::String(self.vars.text(want)?),
                other => other.clone(),
            };
            let have =
                got.get(key).cloned().unwrap_or(if key == "extra" { Value::Object(Map::new()) } else { Value::Null });
            if have != want {
                return Err(format!("tokens.{key}: expected {}, got {}", short(&want), short(&have)));
            }
        }
        Ok(())
    }

    fn check_warnings(&self, want: &Value) -> Result<(), String> {
        let flow = self.flow.as_ref().ok_or("no flow")?;
        let want = want.as_array().ok_or("warnings must be an array")?;
        let have: Vec<Value> =
            flow.warnings().iter().map(|w| sorted_names(serde_json::to_value(w).unwrap_or_default())).collect();
        let mut used = vec![false; have.len()];
        for w in want {
            let found = have.iter().enumerate().position(|(i, h)| {
                !used[i]
                    && match w {
                        Value::String(tag) => h.get("warning").and_then(Value::as_str) == Some(tag),
                        other => *h == sorted_names(other.clone()),
                    }
            });
            match found {
                Some(i) => used[i] = true,
                None => return Err(format!("warning {w} not reported; warnings: {}", Value::Array(have.clone()))),
            }
        }
        if used.iter().any(|u| !u) {
            return Err(format!(
                "unexpected warnings: expected {}, got {}",
                Value::Array(want.clone()),
                Value::Array(have)
            ));
        }
        Ok(())
    }
}

/// `extra_fields` names are compared as a set.
fn sorted_names(mut warning: Value) -> Value {
    if let Some(Value::Array(names)) = warning.get_mut("names") {
        names.sort_by_key(Value::to_string);
    }
    warning
}

fn enum_of<T: serde::de::DeserializeOwned>(v: &Value, what: &str) -> Result<T, String> {
    serde_json::from_value(v.clone()).map_err(|e| format!("{what}: {e}"))
}

fn pairs(v: &Value, what: &str) -> Result<Vec<(String, String)>, String> {
    let list = v.as_array().ok_or_else(|| format!("{what} must be an array of [name, value] pairs"))?;
    list.iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            Some([Value::String(n), Value::String(v)]) => Ok((n.clone(), v.clone())),
            _ => Err(format!("{what}: {p} is not a [name, value] pair of strings")),
        })
        .collect()
}

fn list_of(v: Option<&Value>) -> Result<Vec<String>, String> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) => a.iter().map(|s| str_of(s, "message part").map(str::to_owned)).collect(),
        Some(other) => Err(format!("expected a string or a list of strings, got {other}")),
    }
}

/// A value shortened for messages (generated tokens can be 64 KiB).
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 200 {
        let mut end = 200;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}... ({} bytes)", &s[..end], s.len())
    } else {
        s
    }
}
