//! What the hardening tests share: a devserver, the generic client_secret_post client, a sign-in.
#![allow(dead_code, clippy::unwrap_used)] // each test crate uses a part of it

use authflow::{endpoint, Client, ClientConfig, Flow, HttpClient, HttpRequest, Provider, TokenSet, UreqTransport};
use authflow_devserver::{DevServer, Knobs, Options, GENERIC_POST_CLIENT_ID, GENERIC_POST_CLIENT_SECRET};

/// A devserver on a free port with the default knobs.
pub fn devserver() -> DevServer {
    DevServer::start(Options { port: 0, knobs: Knobs::default() }).unwrap()
}

/// The generic profile with client_secret_post (so the secret is in the form) and its revocation endpoint.
pub fn generic(server: &DevServer) -> ClientConfig {
    let base = server.base_url();
    let mut p = Provider::generic(&format!("{base}/authorize"), &format!("{base}/token")).unwrap();
    p.client_auth = authflow::ClientAuth::ClientSecretPost;
    p.revocation_endpoint = Some(endpoint("revocation endpoint", &format!("{base}/revoke")).unwrap());
    ClientConfig::new(p, GENERIC_POST_CLIENT_ID, "http://127.0.0.1:8080/cb")
        .unwrap()
        .with_secret(GENERIC_POST_CLIENT_SECRET)
        .with_scopes(["openid", "profile"])
}

/// Start, authorize in the "browser" (the redirect is not followed), finish.
pub fn sign_in(client: &Client) -> TokenSet {
    let mut flow: Flow = client.start().unwrap();
    let response = UreqTransport::new().send(&HttpRequest::get(flow.authorization_url().unwrap())).unwrap();
    assert_eq!(response.status, 302, "{}", String::from_utf8_lossy(&response.body));
    client.finish(&mut flow, response.header("location").unwrap()).unwrap()
}
