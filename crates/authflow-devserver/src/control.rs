//! The `/_dev` control API that tests in other languages drive the server with.

use crate::app::App;
use crate::clients::clients;
use crate::http::{Request, Response};
use crate::model::Knobs;
use serde_json::json;

/// `GET /_dev/counters`.
pub(crate) fn counters(app: &App) -> Response {
    Response::json(200, &json!(app.counters()))
}

/// `GET /_dev/clients`.
pub(crate) fn list_clients() -> Response {
    Response::json(200, &json!(clients()))
}

/// `GET /_dev/knobs`.
pub(crate) fn knobs(app: &App) -> Response {
    Response::json(200, &json!(app.knobs()))
}

/// `POST /_dev/knobs`: replaces the knobs; missing fields take their defaults.
pub(crate) fn set_knobs(app: &App, request: &Request) -> Response {
    match serde_json::from_slice::<Knobs>(&request.body) {
        Ok(knobs) => {
            app.set_knobs(knobs);
            Response::new(204)
        }
        Err(error) => Response::json(400, &json!({ "error": "invalid_knobs", "error_description": error.to_string() })),
    }
}

/// `POST /_dev/revoke` with `{"token": "..."}`: ends the grant of an access or refresh token
/// at the server, as a user revoking the app in the provider's settings does (Phorge has no
/// RFC 7009 endpoint). 204, or 404 for an unknown token.
pub(crate) fn revoke_grant(app: &App, request: &Request) -> Response {
    let token = serde_json::from_slice::<serde_json::Value>(&request.body)
        .ok()
        .and_then(|body| body.get("token").and_then(|t| t.as_str()).map(str::to_owned));
    match token {
        Some(token) if app.store().revoke_grant_of(&token) => Response::new(204),
        Some(_) => Response::json(404, &json!({ "error": "unknown_token" })),
        None => Response::json(
            400,
            &json!({ "error": "invalid_request", "error_description": "send {\"token\": \"...\"}" }),
        ),
    }
}

/// `POST /_dev/reset`: counters to zero, knobs to their defaults.
pub(crate) fn reset(app: &App) -> Response {
    app.reset();
    Response::new(204)
}
