//! Every (state, input) pair of the machine against one table, in the style of h11's
//! transition tests: what `Flow::step` answers and which state the flow is in afterwards.

#![allow(clippy::unwrap_used)]

use authflow_core::{ClientConfig, Flow, HttpResponse, Input, Next, Provider, SeededEntropy};

const NOW: u64 = 1_700_000_000;
const TOKENS: &str = r#"{"access_token":"at-1","token_type":"Bearer","expires_in":300,"refresh_token":"rt-1"}"#;
const NO_REFRESH: &str = r#"{"access_token":"at-1","token_type":"Bearer","expires_in":300}"#;
const REFUSED: &str = r#"{"error":"invalid_grant"}"#;

fn config() -> ClientConfig {
    let provider = Provider::generic("https://as.example/authorize", "https://as.example/token").unwrap();
    ClientConfig::new(provider, "client", "http://127.0.0.1:8080/cb").unwrap().with_secret("secret")
}

fn state_param(flow: &Flow) -> String {
    let url = url::Url::parse(&flow.authorization_url().unwrap()).unwrap();
    url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned()
}

/// A flow in the named situation, reached by the public API.
fn flow_in(situation: &str) -> Flow {
    let mut flow = Flow::start_with(config(), NOW, &mut SeededEntropy::new(7)).unwrap();
    if situation == "AwaitingCallback" {
        return flow;
    }
    let state = state_param(&flow);
    flow.callback(&format!("http://127.0.0.1:8080/cb?code=c0de&state={state}")).unwrap();
    if situation == "Exchanging(code held)" {
        return flow;
    }
    flow.exchange_request().unwrap();
    if situation == "Exchanging(code sent)" {
        return flow;
    }
    let body = if situation == "Authorized(no refresh token)" { NO_REFRESH } else { TOKENS };
    flow.exchange_response(&HttpResponse::new(200, "application/json", body), NOW).unwrap();
    if situation.starts_with("Authorized") {
        return flow;
    }
    flow.refresh_request().unwrap();
    assert_eq!(situation, "Refreshing");
    flow
}

/// The situation a flow is in: its state name, told apart where the table needs it.
fn situation(flow: &Flow) -> String {
    let json: serde_json::Value = serde_json::from_str(&flow.to_json()).unwrap();
    let name = flow.state_name().as_str();
    match name {
        "Exchanging" if json.get("code").is_some() => "Exchanging(code held)".to_owned(),
        "Exchanging" => "Exchanging(code sent)".to_owned(),
        "Authorized" if json["tokens"].get("refresh_token").is_none() => "Authorized(no refresh token)".to_owned(),
        other => other.to_owned(),
    }
}

fn answer(flow: &mut Flow, input: &str) -> String {
    let ok = HttpResponse::new(200, "application/json", TOKENS);
    let refused = HttpResponse::new(400, "application/json", REFUSED);
    let callback = match flow.state_name().as_str() {
        "AwaitingCallback" => format!("http://127.0.0.1:8080/cb?code=c0de&state={}", state_param(flow)),
        _ => "http://127.0.0.1:8080/cb?code=c0de&state=x".to_owned(),
    };
    let result = match input {
        "Callback" => flow.step(Input::Callback(&callback)),
        "Callback(forged)" => flow.step(Input::Callback("http://127.0.0.1:8080/cb?code=c0de&state=forged")),
        "SendExchange" => flow.step(Input::SendExchange),
        "ExchangeResponse(ok)" => flow.step(Input::ExchangeResponse(&ok, NOW)),
        "ExchangeResponse(refused)" => flow.step(Input::ExchangeResponse(&refused, NOW)),
        "SendRefresh" => flow.step(Input::SendRefresh),
        "RefreshResponse(ok)" => flow.step(Input::RefreshResponse(&ok, NOW)),
        "RefreshResponse(refused)" => flow.step(Input::RefreshResponse(&refused, NOW)),
        "RequestFailed" => flow.step(Input::RequestFailed),
        other => panic!("unknown input {other}"),
    };
    match result {
        Ok(Next::Send(_)) => "Send".to_owned(),
        Ok(Next::Exchange) => "Exchange".to_owned(),
        Ok(Next::UseTokens) => "UseTokens".to_owned(),
        Ok(Next::StartOver) => "StartOver".to_owned(),
        Err(e) => format!("error {}", e.kind()),
    }
}

/// state | input | answer | state after. `=` means the state is unchanged.
const TABLE: &str = "
AwaitingCallback             | Callback                  | Exchange              | Exchanging(code held)
AwaitingCallback             | Callback(forged)          | error state_mismatch  | =
AwaitingCallback             | SendExchange              | error invalid_state   | =
AwaitingCallback             | ExchangeResponse(ok)      | error invalid_state   | =
AwaitingCallback             | ExchangeResponse(refused) | error invalid_state   | =
AwaitingCallback             | SendRefresh               | error invalid_state   | =
AwaitingCallback             | RefreshResponse(ok)       | error invalid_state   | =
AwaitingCallback             | RefreshResponse(refused)  | error invalid_state   | =
AwaitingCallback             | RequestFailed             | error invalid_state   | =
Exchanging(code held)        | Callback                  | error invalid_state   | =
Exchanging(code held)        | Callback(forged)          | error invalid_state   | =
Exchanging(code held)        | SendExchange              | Send                  | Exchanging(code sent)
Exchanging(code held)        | ExchangeResponse(ok)      | error invalid_state   | =
Exchanging(code held)        | ExchangeResponse(refused) | error invalid_state   | =
Exchanging(code held)        | SendRefresh               | error invalid_state   | =
Exchanging(code held)        | RefreshResponse(ok)       | error invalid_state   | =
Exchanging(code held)        | RefreshResponse(refused)  | error invalid_state   | =
Exchanging(code held)        | RequestFailed             | error invalid_state   | =
Exchanging(code sent)        | Callback                  | error invalid_state   | =
Exchanging(code sent)        | Callback(forged)          | error invalid_state   | =
Exchanging(code sent)        | SendExchange              | error invalid_state   | =
Exchanging(code sent)        | ExchangeResponse(ok)      | UseTokens             | Authorized
Exchanging(code sent)        | ExchangeResponse(refused) | error oauth           | =
Exchanging(code sent)        | SendRefresh               | error invalid_state   | =
Exchanging(code sent)        | RefreshResponse(ok)       | error invalid_state   | =
Exchanging(code sent)        | RefreshResponse(refused)  | error invalid_state   | =
Exchanging(code sent)        | RequestFailed             | StartOver             | =
Authorized                   | Callback                  | error invalid_state   | =
Authorized                   | Callback(forged)          | error invalid_state   | =
Authorized                   | SendExchange              | error invalid_state   | =
Authorized                   | ExchangeResponse(ok)      | error invalid_state   | =
Authorized                   | ExchangeResponse(refused) | error invalid_state   | =
Authorized                   | SendRefresh               | Send                  | Refreshing
Authorized                   | RefreshResponse(ok)       | error invalid_state   | =
Authorized                   | RefreshResponse(refused)  | error invalid_state   | =
Authorized                   | RequestFailed             | error invalid_state   | =
Authorized(no refresh token) | Callback                  | error invalid_state   | =
Authorized(no refresh token) | Callback(forged)          | error invalid_state   | =
Authorized(no refresh token) | SendExchange              | error invalid_state   | =
Authorized(no refresh token) | ExchangeResponse(ok)      | error invalid_state   | =
Authorized(no refresh token) | ExchangeResponse(refused) | error invalid_state   | =
Authorized(no refresh token) | SendRefresh               | error invalid_state   | =
Authorized(no refresh token) | RefreshResponse(ok)       | error invalid_state   | =
Authorized(no refresh token) | RefreshResponse(refused)  | error invalid_state   | =
Authorized(no refresh token) | RequestFailed             | error invalid_state   | =
Refreshing                   | Callback                  | error invalid_state   | =
Refreshing                   | Callback(forged)          | error invalid_state   | =
Refreshing                   | SendExchange              | error invalid_state   | =
Refreshing                   | ExchangeResponse(ok)      | error invalid_state   | =
Refreshing                   | ExchangeResponse(refused) | error invalid_state   | =
Refreshing                   | SendRefresh               | error invalid_state   | =
Refreshing                   | RefreshResponse(ok)       | UseTokens             | Authorized
Refreshing                   | RefreshResponse(refused)  | error oauth           | Authorized
Refreshing                   | RequestFailed             | UseTokens             | Authorized
";

#[test]
fn every_state_and_input_walks_the_table() {
    let rows: Vec<Vec<&str>> =
        TABLE.lines().filter(|l| !l.trim().is_empty()).map(|l| l.split('|').map(str::trim).collect()).collect();
    let states: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0]).collect();
    let inputs: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[1]).collect();
    assert_eq!(rows.len(), states.len() * inputs.len(), "the table covers every (state, input) pair once");
    let mut wrong = Vec::new();
    for row in &rows {
        let (state, input, expected, after) = (row[0], row[1], row[2], row[3]);
        let mut flow = flow_in(state);
        assert_eq!(situation(&flow), state, "fixture");
        let got = answer(&mut flow, input);
        let expected_after = if after == "=" { state } else { after };
        let got_after = situation(&flow);
        if got != expected || got_after != expected_after {
            wrong.push(format!(
                "{state} + {input}: got {got} -> {got_after}, table says {expected} -> {expected_after}"
            ));
        }
    }
    assert!(wrong.is_empty(), "transitions that differ from the table:\n{}", wrong.join("\n"));
}
