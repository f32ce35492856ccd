//! The client scenarios of `conformance/scenarios/*.json`, run through the binding layer's
//! [`ClientHandle`] (the one the Python and Node bindings wrap) against the
//! `authflow-devserver` binary, as the Python and Node suites run the same files.
//!
//! One interpreter loop over each file's steps; every OAuth decision is the client's. The
//! step language is described in `conformance/README.md` ("Client scenarios").
// Helpers outside #[test] functions panic on failure too: they are test code.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use authflow::{ClientConfig, Error, HttpClient, HttpRequest, HttpResponse, Method, TokenSet, UreqTransport};
use authflow_bind::{ClientHandle, ClientSpec, FlowHandle, Job, LoginSpec, ProviderSpec, StoreSpec};
use serde_json::{Map, Value};

/// The runner fails if it finds fewer scenario files than this (no silent empty run).
const MIN_SCENARIOS: usize = 17;

type Obj = Map<String, Value>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A devserver child process, killed by its PID when dropped.
struct Devserver {
    child: Child,
    base: String,
}

impl Devserver {
    /// `$AUTHFLOW_DEVSERVER`, else the binary beside this test's profile directory, built first.
    fn start() -> Devserver {
        let binary = match std::env::var_os("AUTHFLOW_DEVSERVER") {
            Some(path) => PathBuf::from(path),
            None => {
                // target/<profile>/deps/scenarios-HASH -> target/<profile>
                let exe = std::env::current_exe().unwrap();
                let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
                let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
                build.args(["build", "--quiet", "-p", "authflow-devserver", "--bin", "authflow-devserver"]);
                if profile_dir.ends_with("release") {
                    build.arg("--release");
                }
                let status = build.current_dir(root()).status().unwrap();
                assert!(status.success(), "cargo build -p authflow-devserver failed");
                profile_dir.join("authflow-devserver")
            }
        };
        let mut child = Command::new(&binary)
            .args(["--port", "0", "--lifetime", "600"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = line.trim().to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "the devserver printed {base:?} instead of its URL");
        Devserver { child, base }
    }

    /// A `/_dev` call; anything but 2xx is a broken scenario (a knob typo, say).
    fn control(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Option<Value>, String> {
        let mut request = HttpRequest::get(format!("{}{path}", self.base));
        request.method = method;
        if let Some(body) = body {
            request = request.with_header("Content-Type", "application/json");
            request.body = body.to_string().into_bytes();
        }
        let response = UreqTransport::new().send(&request).map_err(|e| format!("{path}: {e}"))?;
        let text = String::from_utf8_lossy(&response.body);
        if !(200..300).contains(&response.status) {
            return Err(format!("{path} answered {}: {text}", response.status));
        }
        Ok(if text.is_empty() { None } else { Some(serde_json::from_str(&text).map_err(|e| e.to_string())?) })
    }
}

impl Drop for Devserver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser at an auto-approving authorization endpoint: one GET, the redirect's Location.
fn browse(authorization_url: &str) -> Result<String, String> {
    let response = UreqTransport::new().send(&HttpRequest::get(authorization_url)).map_err(|e| e.to_string())?;
    match response.header("location") {
        Some(location) if matches!(response.status, 302 | 303) => Ok(location.to_owned()),
        _ => Err(format!("authorize answered {} without a redirect", response.status)),
    }
}

/// What a step yields, checked against its `expect`.
enum Outcome {
    Nothing,
    Tokens(Option<TokenSet>),
    Response(HttpResponse),
    Counters(Value),
}

/// One scenario's client and the names its steps gave to flows, callbacks, tokens and store copies.
struct Run<'a> {
    server: &'a Devserver,
    client: ClientHandle,
    store_file: Option<PathBuf>,
    flows: HashMap<String, Arc<FlowHandle>>,
    callbacks: HashMap<String, String>,
    saved: HashMap<String, TokenSet>,
    files: HashMap<String, Vec<u8>>,
}

fn obj<'v>(value: &'v Value, what: &str) -> Result<&'v Obj, String> {
    value.as_object().ok_or_else(|| format!("{what} must be an object"))
}

fn check_keys(o: &Obj, allowed: &[&str], what: &str) -> Result<(), String> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(format!("unknown key {key:?} in {what}")),
        None => Ok(()),
    }
}

fn text<'v>(o: &'v Obj, key: &str) -> Result<&'v str, String> {
    o.get(key).and_then(Value::as_str).ok_or_else(|| format!("{key} must be a string"))
}

fn opt_text<'v>(o: &'v Obj, key: &str) -> Result<Option<&'v str>, String> {
    o.get(key).map(|v| v.as_str().ok_or_else(|| format!("{key} must be a string"))).transpose()
}

/// The scenario's provider and client, built from their specs as every binding builds them.
fn config(scenario: &Obj) -> Result<ClientConfig, String> {
    let provider = scenario.get("provider").ok_or("scenario needs provider")?;
    let provider = ProviderSpec::from_value(provider.clone()).and_then(|spec| spec.build());
    let client = ClientSpec::from_value(scenario.get("client").ok_or("scenario needs client")?.clone());
    provider.and_then(|p| client?.build(p)).map_err(|e| e.to_string())
}

impl Run<'_> {
    /// Runs one step: the outer error is a broken scenario or a failed check, the inner one the client's.
    fn step(&mut self, step: &Obj) -> Result<Result<Outcome, Error>, String> {
        let op = text(step, "op")?;
        let (inputs, yields_tokens): (&[&str], bool) = match op {
            "login" => (&["via"], true),
            "start" => (&["as"], false),
            "browse" => (&["flow", "as"], false),
            "finish" => (&["flow", "callback"], true),
            "refresh" | "valid_tokens" | "tokens" => (&[], true),
            "get" => (&["path"], false),
            "revoke" => (&["token"], false),
            "knobs" => (&["set"], false),
            "sleep" => (&["ms"], false),
            "store_copy" => (&["as"], false),
            "store_restore" => (&["from"], false),
            "sign_out" | "counters" => (&[], false),
            other => return Err(format!("unknown op {other:?}")),
        };
        let save = if yields_tokens { &["save_as"][..] } else { &[] };
        check_keys(step, &[&["op", "expect"][..], inputs, save].concat(), "step")?;
        let tokens = |result: Result<TokenSet, Error>| result.map(|t| Outcome::Tokens(Some(t)));
        let nothing = |result: Result<(), Error>| result.map(|()| Outcome::Nothing);
        Ok(match op {
            "login" => match opt_text(step, "via")?.unwrap_or("browser") {
                "browser" => {
                    let flow = self.client.start().map_err(|e| e.to_string())?;
                    let back = browse(&flow.authorization_url().map_err(|e| e.to_string())?)?;
                    tokens(self.client.finish(&flow, back).and_then(Job::run))
                }
                "loopback" => {
                    let on_url = |url: &str| {
                        let url = url.to_owned();
                        std::thread::spawn(move || {
                            let back = browse(&url).unwrap();
                            let _ = UreqTransport::new().send(&HttpRequest::get(back));
                        });
                    };
                    let spec = LoginSpec {
                        timeout_seconds: Some(20.0),
                        on_url: Some(Box::new(on_url)),
                        ..LoginSpec::default()
                    };
                    tokens(self.client.login(spec).and_then(Job::run))
                }
                other => return Err(format!("unknown via {other:?}")),
            },
            "start" => {
                let flow = self.client.start().map_err(|e| format!("start: {e}"))?;
                self.flows.insert(text(step, "as")?.to_owned(), flow);
                Ok(Outcome::Nothing)
            }
            "browse" => {
                let flow = self.flows.get(text(step, "flow")?).ok_or("no flow of that name")?;
                let back = browse(&flow.authorization_url().map_err(|e| e.to_string())?)?;
                self.callbacks.insert(text(step, "as")?.to_owned(), back);
                Ok(Outcome::Nothing)
            }
            "finish" => {
                let flow = self.flows.get(text(step, "flow")?).ok_or("no flow of that name")?;
                let back = self.callbacks.get(text(step, "callback")?).ok_or("no callback of that name")?;
                tokens(self.client.finish(flow, back.clone()).and_then(Job::run))
            }
            "refresh" => tokens(self.client.refresh().run()),
            "valid_tokens" => tokens(self.client.valid_tokens().run()),
            "tokens" => self.client.tokens().map(Outcome::Tokens),
            "get" => self.client.get(text(step, "path")?.to_owned()).run().map(Outcome::Response),
            "revoke" => nothing(self.client.revoke(Some(text(step, "token")?)).and_then(Job::run)),
            "sign_out" => nothing(self.client.sign_out().run()),
            "knobs" => {
                obj(step.get("set").ok_or("knobs needs set")?, "set")?;
                self.server.control(Method::Post, "/_dev/knobs", step.get("set"))?;
                Ok(Outcome::Nothing)
            }
            "counters" => Ok(Outcome::Counters(self.server.control(Method::Get, "/_dev/counters", None)?.unwrap())),
            "sleep" => {
                std::thread::sleep(Duration::from_millis(step.get("ms").and_then(Value::as_u64).ok_or("ms")?));
                Ok(Outcome::Nothing)
            }
            "store_copy" => {
                let file = self.store_file.as_ref().ok_or("store_copy needs \"store\": \"file\"")?;
                let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
                self.files.insert(text(step, "as")?.to_owned(), bytes);
                Ok(Outcome::Nothing)
            }
            _ => {
                let file = self.store_file.as_ref().ok_or("store_restore needs \"store\": \"file\"")?;
                let bytes = self.files.get(text(step, "from")?).ok_or("no store copy of that name")?;
                std::fs::write(file, bytes).map_err(|e| format!("{}: {e}", file.display()))?;
                Ok(Outcome::Nothing)
            }
        })
    }

    /// Compares what a step yielded with its `expect` (absent: it only has to succeed).
    fn check(&mut self, step: &Obj, result: Result<Outcome, Error>) -> Result<(), String> {
        let empty = Obj::new();
        let expect = step.get("expect").map(|e| obj(e, "expect")).transpose()?.unwrap_or(&empty);
        let outcome = match (result, expect.get("error")) {
            (Err(e), Some(want)) => {
                check_keys(expect, &["error"], "an expect with error")?;
                return check_error(&e, obj(want, "error")?);
            }
            (Err(e), None) => return Err(format!("failed with {}: {e}", e.kind())),
            (Ok(_), Some(want)) => return Err(format!("succeeded, expected the error {want}")),
            (Ok(outcome), None) => outcome,
        };
        match outcome {
            Outcome::Nothing => check_keys(expect, &[], "expect"),
            Outcome::Counters(counters) => {
                for (name, want) in expect {
                    let got = counters.get(name).ok_or_else(|| format!("no counter {name:?}"))?;
                    if got != want {
                        return Err(format!("counter {name}: got {got}, expected {want}"));
                    }
                }
                Ok(())
            }
            Outcome::Response(response) => {
                check_keys(expect, &["status", "body_contains"], "expect")?;
                let body = String::from_utf8_lossy(&response.body);
                if let Some(want) = expect.get("status") {
                    if Some(u64::from(response.status)) != want.as_u64() {
                        return Err(format!("status {}, expected {want}: {body}", response.status));
                    }
                }
                if let Some(want) = opt_text(expect, "body_contains")? {
                    if !body.contains(want) {
                        return Err(format!("body lacks {want:?}: {body}"));
                    }
                }
                Ok(())
            }
            Outcome::Tokens(tokens) => {
                check_keys(expect, &["present", "refresh_token", "same_as", "differs_from"], "expect")?;
                let present = tokens.is_some();
                if expect.get("present").is_some_and(|want| want.as_bool() != Some(present)) {
                    return Err(format!("tokens present: {present}, expected {}", expect["present"]));
                }
                let Some(tokens) = tokens else {
                    let more = expect.keys().any(|k| k != "present") || step.contains_key("save_as");
                    return if more { Err("no tokens stored".to_owned()) } else { Ok(()) };
                };
                let got = pair(&tokens);
                if let Some(want) = expect.get("refresh_token") {
                    if want.as_bool() != Some(got.1.is_some()) {
                        return Err(format!("has a refresh token: {}, expected {want}", got.1.is_some()));
                    }
                }
                if let Some(name) = opt_text(expect, "same_as")? {
                    if got != pair(self.saved.get(name).ok_or("no tokens saved under that name")?) {
                        return Err(format!("tokens are not the ones saved as {name:?}"));
                    }
                }
                if let Some(name) = opt_text(expect, "differs_from")? {
                    let old = pair(self.saved.get(name).ok_or("no tokens saved under that name")?);
                    if got.0 == old.0 || got.1.is_none() || got.1 == old.1 {
                        return Err(format!("access and refresh token must both differ from {name:?}'s"));
                    }
                }
                if let Some(name) = opt_text(step, "save_as")? {
                    self.saved.insert(name.to_owned(), tokens);
                }
                Ok(())
            }
        }
    }
}

/// The access and refresh token, which is what `same_as` and `differs_from` compare.
fn pair(tokens: &TokenSet) -> (String, Option<String>) {
    (tokens.access_token.expose().to_owned(), tokens.refresh_token.as_ref().map(|t| t.expose().to_owned()))
}

fn check_error(e: &Error, want: &Obj) -> Result<(), String> {
    check_keys(want, &["kind", "oauth_error", "status", "transport"], "error")?;
    let status = match e {
        Error::OAuth { status, .. } | Error::UnexpectedResponse { status, .. } => Some(Value::from(*status)),
        _ => None,
    };
    let transport = match e {
        Error::Transport { kind, .. } => serde_json::to_value(kind).ok(),
        _ => None,
    };
    let got = [
        ("kind", Some(Value::from(e.kind()))),
        ("oauth_error", e.oauth_code().map(|c| Value::from(c.as_str()))),
        ("status", status),
        ("transport", transport),
    ];
    for (key, got) in got {
        if let Some(want) = want.get(key) {
            if got.as_ref() != Some(want) {
                let got = got.map_or("nothing".to_owned(), |v| v.to_string());
                return Err(format!("error {key}: got {got}, expected {want} ({}: {e})", e.kind()));
            }
        }
    }
    Ok(())
}

/// Runs one file; the error names the step index and op.
fn run_file(server: &Devserver, path: &Path) -> Result<(), String> {
    let source = std::fs::read_to_string(path).map_err(|e| e.to_string())?.replace("{{base}}", &server.base);
    if source.contains("{{") {
        return Err("a placeholder other than {{base}}".to_owned());
    }
    let scenario: Value = serde_json::from_str(&source).map_err(|e| e.to_string())?;
    let scenario = obj(&scenario, "scenario")?;
    check_keys(scenario, &["name", "description", "provider", "client", "store", "steps"], "scenario")?;
    server.control(Method::Post, "/_dev/reset", None)?;
    let dir = std::env::temp_dir().join(format!(
        "authflow-scenario-{}-{}",
        std::process::id(),
        path.file_stem().unwrap().to_string_lossy()
    ));
    let (store, store_file) = match opt_text(scenario, "store")?.unwrap_or("memory") {
        "memory" => (StoreSpec::Memory, None),
        "file" => {
            let file = dir.join("tokens.json");
            (StoreSpec::File(file.clone()), Some(file))
        }
        other => return Err(format!("unknown store {other:?}")),
    };
    let client = ClientHandle::new(config(scenario)?, store);
    let mut run = Run {
        server,
        client,
        store_file,
        flows: HashMap::new(),
        callbacks: HashMap::new(),
        saved: HashMap::new(),
        files: HashMap::new(),
    };
    let steps = scenario.get("steps").and_then(Value::as_array).ok_or("steps must be a list")?;
    let result = steps.iter().enumerate().try_for_each(|(index, step)| {
        let op = step.get("op").and_then(Value::as_str).unwrap_or("?");
        let step = obj(step, "step").map_err(|e| format!("step {index}: {e}"))?;
        run.step(step)
            .and_then(|result| run.check(step, result))
            .map_err(|message| format!("step {index} ({op}): {message}"))
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[test]
fn every_client_scenario_passes() {
    let folder = root().join("conformance/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= MIN_SCENARIOS, "found {} scenario files, expected at least {MIN_SCENARIOS}", files.len());
    let server = Devserver::start();
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            run_file(&server, path).err().map(|message| format!("{name}: {message}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} scenarios failed:\n{}", failures.len(), files.len(), failures.join("\n"));
}
