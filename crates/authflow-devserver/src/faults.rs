//! Injected failures and delays for the token endpoints.

use crate::http::{Params, Reply, Response};
use crate::model::{Fault, Knobs};
use serde_json::json;
use std::time::Duration;

/// The size of the [`Fault::Oversized`] body.
const OVERSIZED_BYTES: usize = 5 * 1024 * 1024;

/// Sleeps for `slow_ms`, then returns the fault's reply if one is set; `form` is the request's form, if it had one.
pub(crate) fn apply(knobs: &Knobs, form: Option<&Params>) -> Option<Reply> {
    if knobs.slow_ms > 0 {
        std::thread::sleep(Duration::from_millis(knobs.slow_ms));
    }
    knobs.fault.map(|fault| reply(fault, form))
}

/// The [`Fault::Echo`] answer: the request's secrets quoted in the error code and description.
pub(crate) fn echo(form: Option<&Params>) -> Response {
    let secrets: Vec<&str> = ["code", "refresh_token", "token", "client_secret"]
        .iter()
        .filter_map(|name| form.and_then(|f| f.get(name)))
        .collect();
    let first = secrets.first().copied().unwrap_or("nothing");
    let quoted: Vec<String> = secrets
        .iter()
        .map(|s| format!("{s} (sent as {})", url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()))
        .collect();
    let description = format!("{} refused: {}", ".".repeat(500), quoted.join(", "));
    Response::json(400, &json!({ "error": format!("invalid_grant {first}"), "error_description": description }))
        .no_store()
}

fn reply(fault: Fault, form: Option<&Params>) -> Reply {
    match fault {
        Fault::ServerError => Response::html(
            500,
            "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>\
             <body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p>\
             </body></html>"
                .to_string(),
        )
        .into(),
        Fault::Garbage => Response::new(200)
            .header("Content-Type", "application/json")
            .body(b"<html>this is not JSON {\"access_token\": ".to_vec())
            .into(),
        Fault::EmptyBadRequest => Response::new(400).into(),
        Fault::Drop => Reply::Drop,
        Fault::Oversized => Response::new(200).header("Content-Type", "application/json").body(oversized_body()).into(),
        Fault::Echo => echo(form).into(),
    }
}

/// A syntactically valid JSON object of exactly [`OVERSIZED_BYTES`] bytes.
fn oversized_body() -> Vec<u8> {
    let prefix = b"{\"access_token\":\"";
    let suffix = b"\",\"token_type\":\"Bearer\"}";
    let mut body = Vec::with_capacity(OVERSIZED_BYTES);
    body.extend_from_slice(prefix);
    body.resize(OVERSIZED_BYTES - suffix.len(), b'a');
    body.extend_from_slice(suffix);
    body
}
