//! The `authflow` binary end to end: the demo per profile, `login` against the devserver, and exit codes.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::thread;

use authflow::{HttpClient, HttpRequest, UreqTransport};
use authflow_devserver::{DevServer, Knobs, Options, GENERIC_POST_CLIENT_ID, GENERIC_POST_CLIENT_SECRET};

fn authflow() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authflow"));
    // Keep the developer's own settings out of the tests.
    for key in [
        "CLIENT_ID",
        "CLIENT_SECRET",
        "REDIRECT_URI",
        "PORT",
        "OAUTH_SCOPE",
        "AUTH_URL",
        "TOKEN_URL",
        "TEST_API_ENDPOINT",
        "PROVIDER",
        "CLIENT_AUTH",
    ] {
        cmd.env_remove(key);
    }
    cmd.current_dir(std::env::temp_dir());
    cmd
}

#[test]
fn demo_walks_every_state_for_each_profile() {
    for (profile, refreshes) in [("sipgate", true), ("speakap", true), ("phorge", false), ("generic", true)] {
        let out = authflow().args(["demo", "--provider", profile]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{profile}: {text}\n{}", String::from_utf8_lossy(&out.stderr));
        let order = ["AwaitingCallback:", "Exchanging:", "Authorized:", "api: GET"];
        let mut at = 0;
        for step in order {
            let found =
                text[at..].find(step).unwrap_or_else(|| panic!("{profile}: {step} missing after byte {at}:\n{text}"));
            at += found;
        }
        assert_eq!(text.contains("Refreshing"), refreshes, "{profile}:\n{text}");
        assert!(text.contains("    200 {"), "{profile}: the api answered\n{text}");
    }
}

#[test]
fn demo_rejects_an_unknown_provider_with_exit_code_2() {
    let out = authflow().args(["demo", "--provider", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown provider"));
}

#[test]
fn login_without_configuration_is_a_config_error() {
    let out = authflow().args(["login", "--provider", "generic"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not set"));
}

/// `authflow` configured, through the environment, for the devserver's generic post client.
fn configured(server: &DevServer) -> Command {
    let base = server.base_url();
    let mut cmd = authflow();
    cmd.env("CLIENT_ID", GENERIC_POST_CLIENT_ID)
        .env("CLIENT_SECRET", GENERIC_POST_CLIENT_SECRET)
        .env("CLIENT_AUTH", "client_secret_post")
        .env("AUTH_URL", format!("{base}/authorize"))
        .env("TOKEN_URL", format!("{base}/token"))
        .env("REDIRECT_URI", "http://127.0.0.1:0/oauth");
    cmd
}

/// Runs `authflow login` against the devserver, playing the user's browser; returns exit code and output.
fn login(server: &DevServer, extra: &[&str]) -> (Option<i32>, String, String) {
    let base = server.base_url();
    let mut child = configured(server)
        .args(["login", "--provider", "generic", "--timeout", "20"])
        .args(extra)
        .env("OAUTH_SCOPE", "openid profile")
        .env("TEST_API_ENDPOINT", format!("{base}/userinfo"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = String::new();
    // The URL comes on a line of its own, after the prompt.
    let url = loop {
        let line = lines.next().expect("login printed no authorization url").unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("http") {
            break line;
        }
    };
    let browser = thread::spawn(move || {
        let http = UreqTransport::new();
        let answer = http.send(&HttpRequest::get(url)).unwrap();
        let location = answer.header("location").unwrap().to_owned();
        http.send(&HttpRequest::get(location)).unwrap().status
    });
    for line in lines.map_while(Result::ok) {
        seen.push_str(&line);
        seen.push('\n');
    }
    let page_status = browser.join().unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (status.code(), format!("{seen}page {page_status}\n"), err)
}

#[test]
fn login_signs_in_calls_the_api_refreshes_and_calls_again() {
    let server = DevServer::start(Options::default()).unwrap();
    let store = std::env::temp_dir().join(format!("authflow-cli-test-{}.json", std::process::id()));
    let (code, out, err) = login(&server, &["--store", store.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.contains("Signed in: access token #"), "{out}");
    assert_eq!(out.matches("\"preferred_username\":\"demo\"").count(), 2, "userinfo before and after refresh:\n{out}");
    assert!(out.contains("Refreshed:"), "{out}");
    assert!(out.contains("page 200"), "the browser saw the success page:\n{out}");
    let c = server.counters();
    assert_eq!((c.code_grants, c.refresh_grants, c.api_requests), (1, 1, 2));
    // The store holds the refreshed tokens; `refresh` and `get` work from it.
    let base = server.base_url();
    let with_store = |args: &[&str]| {
        configured(&server)
            .args(args)
            .args(["--store", store.to_str().unwrap(), "--provider", "generic"])
            .output()
            .unwrap()
    };
    let refreshed = with_store(&["refresh"]);
    assert!(refreshed.status.success(), "{}", String::from_utf8_lossy(&refreshed.stderr));
    let got = with_store(&["get", &format!("{base}/userinfo")]);
    assert!(String::from_utf8_lossy(&got.stdout).contains("Demo User"));
    assert_eq!(server.counters().refresh_grants, 2);
    let _ = std::fs::remove_file(&store);
}

#[test]
fn login_denied_by_the_user_exits_with_3() {
    let server = DevServer::start(Options { port: 0, knobs: Knobs { deny: true, ..Knobs::default() } }).unwrap();
    let (code, out, err) = login(&server, &[]);
    assert_eq!(code, Some(3), "{out}\n{err}");
    assert!(err.contains("access_denied"), "{err}");
    assert!(out.contains("page 4") || out.contains("page 2"), "the browser got a page:\n{out}");
    assert_eq!(server.counters().code_grants, 0);
}
