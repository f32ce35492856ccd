//! The handles against a real devserver: refresh tickets make one refresh for every caller
//! who asked before it completed, a shared flow is never locked while its request is out,
//! and a flow's own jobs adopt the tokens they end with.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use authflow::{ClientConfig, HttpClient, HttpRequest, Provider, StateName, UreqTransport};
use authflow_bind::{ClientHandle, FlowHandle, Randomness, StoreSpec};
use authflow_devserver::{DevServer, Knobs, Options, SIPGATE_CLIENT_ID, SIPGATE_CLIENT_SECRET, SIPGATE_REALM};

fn sipgate(server: &DevServer) -> ClientConfig {
    let base = server.base_url();
    let provider = Provider::sipgate_at(&base, &format!("{base}/v2"), SIPGATE_REALM).unwrap();
    ClientConfig::new(provider, SIPGATE_CLIENT_ID, "http://localhost:8080/oauth")
        .unwrap()
        .with_secret(SIPGATE_CLIENT_SECRET)
        .with_scopes(["account:read"])
}

/// Plays the browser: where the authorization endpoint redirects to.
fn redirect_back(flow: &FlowHandle) -> String {
    let response = UreqTransport::new().send(&HttpRequest::get(flow.authorization_url().unwrap())).unwrap();
    assert_eq!(response.status, 302);
    response.header("location").unwrap().to_owned()
}

fn signed_in(server: &DevServer) -> ClientHandle {
    let client = ClientHandle::new(sipgate(server), StoreSpec::Memory);
    let flow = client.start().unwrap();
    let back = redirect_back(&flow);
    client.finish(&flow, back).unwrap().run().unwrap();
    client
}

#[test]
fn refreshes_asked_for_before_one_completes_share_it() {
    let server = DevServer::start(Options { port: 0, knobs: Knobs::default() }).unwrap();
    let client = signed_in(&server);
    let jobs: Vec<_> = (0..8).map(|_| client.refresh()).collect();
    let results: Vec<_> =
        jobs.into_iter().map(|job| std::thread::spawn(move || job.run().unwrap())).map(|t| t.join().unwrap()).collect();
    assert!(results.windows(2).all(|w| w[0] == w[1]), "every caller got the same tokens");
    assert_eq!(server.counters().refresh_grants, 1);
    let later = client.refresh().run().unwrap();
    assert_ne!(later, results[0], "a refresh asked for afterwards is a new one");
    assert_eq!(server.counters().refresh_grants, 2);
}

#[test]
fn a_flow_is_not_locked_while_its_exchange_is_out() {
    let knobs = Knobs { slow_ms: 1500, ..Knobs::default() };
    let server = DevServer::start(Options { port: 0, knobs }).unwrap();
    let client = ClientHandle::new(sipgate(&server), StoreSpec::Memory);
    let flow = client.start().unwrap();
    let back = redirect_back(&flow);
    let job = client.finish(&flow, back.clone()).unwrap();
    assert_eq!(client.finish(&flow, back).unwrap_err().kind(), "invalid_state", "one request per flow at a time");
    let worker = std::thread::spawn(move || job.run());
    std::thread::sleep(Duration::from_millis(100));
    // Had the lock been held across the request, these would wait for it and see `Authorized`.
    assert!(flow.busy());
    assert_eq!(flow.state_name(), StateName::Exchanging);
    assert_eq!(flow.exchange_request().unwrap_err().kind(), "invalid_state");
    assert!(!worker.is_finished());
    worker.join().unwrap().unwrap();
    assert!(!flow.busy());
    assert_eq!(flow.state_name(), StateName::Authorized);
    assert_eq!(server.counters().code_grants, 1);
}

#[test]
fn a_flows_own_jobs_adopt_the_tokens_they_end_with() {
    let server = DevServer::start(Options { port: 0, knobs: Knobs::default() }).unwrap();
    let flow = FlowHandle::start(Arc::new(sipgate(&server)), None, Randomness::Os).unwrap();
    flow.callback(&redirect_back(&flow)).unwrap();
    let first = flow.exchange().unwrap().run().unwrap();
    assert_eq!(flow.tokens(), Some(first.clone()));
    let fresh = flow.refresh().unwrap().run().unwrap();
    assert_ne!(fresh, first);
    assert_eq!(flow.tokens(), Some(fresh), "the flow holds the refreshed tokens");
    let answer = flow.get("account".to_owned()).unwrap().run().unwrap();
    assert_eq!(answer.status, 200);
    let signed_out = ClientHandle::new(sipgate(&server), StoreSpec::Memory);
    assert_eq!(signed_out.valid_tokens().run().unwrap_err().kind(), "not_signed_in");
}
