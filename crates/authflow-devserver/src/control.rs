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

/// `POST /_dev/reset`: counters to zero, knobs to their defaults.
pub(crate) fn reset(app: &App) -> Response {
    app.reset();
    Response::new(204)
}
