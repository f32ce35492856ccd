//! Runs each seed example against the embedded devserver, with the real-provider variables removed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use authflow_examples::REAL_PROVIDER_VARS;

/// Runs one example binary without any real-provider configuration and returns its output.
fn run(binary: &str) -> (String, String) {
    let mut command = Command::new(binary);
    for name in REAL_PROVIDER_VARS {
        command.env_remove(name);
    }
    // A stray $BROWSER must not matter: the devserver mode never opens one.
    command.env_remove("BROWSER");
    let Output { status, stdout, stderr } = command.output().expect("the example runs");
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    assert!(status.success(), "{binary} exited with {status}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("running against the embedded devserver"), "{stdout}");
    assert!(stdout.contains("Please open the following URL in your browser"), "{stdout}");
    assert!(stdout.contains("Signed in: Bearer access token"), "{stdout}");
    (stdout, stderr)
}

#[test]
fn sipgate_calls_account_refreshes_and_calls_again() {
    let (stdout, _) = run(env!("CARGO_BIN_EXE_sipgate"));
    let first = stdout.find("GET /account: http 200").expect(&stdout);
    let refreshed = stdout.find("Refreshed: Bearer access token").expect(&stdout);
    let second = stdout.find("GET /account after the refresh: http 200").expect(&stdout);
    assert!(first < refreshed && refreshed < second, "{stdout}");
    assert_eq!(stdout.matches("\"company\": \"Demo GmbH\"").count(), 2, "both answers are shown: {stdout}");
    assert!(stdout.contains("/auth/realms/third-party/protocol/openid-connect/auth?"), "{stdout}");
}

#[test]
fn speakap_shows_the_user_profile() {
    let (stdout, _) = run(env!("CARGO_BIN_EXE_speakap"));
    assert!(stdout.contains("GET /networks/0f1e2d3c4b/?embed=userProfile: http 200"), "{stdout}");
    assert!(stdout.contains("\"userProfile\""), "{stdout}");
    assert!(stdout.contains("Signed-in Speakap user: Demo User <demo@example.invalid>"), "{stdout}");
}

#[test]
fn phorge_shows_whoami_and_no_refresh_token() {
    let (stdout, _) = run(env!("CARGO_BIN_EXE_phorge"));
    assert!(stdout.contains("GET /api/user.whoami?access_token=...: http 200"), "{stdout}");
    assert!(stdout.contains("Signed-in Phorge user: demo"), "{stdout}");
    assert!(stdout.contains("no refresh token"), "{stdout}");
    assert!(stdout.contains("No refresh token: Phorge issues none"), "{stdout}");
    assert!(stdout.contains("Refreshing anyway fails as expected"), "{stdout}");
}

#[test]
fn real_mode_without_its_settings_is_a_clear_error() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_speakap"));
    for name in REAL_PROVIDER_VARS {
        command.env_remove(name);
    }
    let output = command.env("CLIENT_ID", "app-id").env("CLIENT_SECRET", "app-secret").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("set NETWORK_AUTH_URL"), "{stderr}");
    assert!(!stderr.contains("app-secret"), "no secret in the message: {stderr}");
}
