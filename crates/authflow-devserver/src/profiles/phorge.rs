//! The Phorge profile: the OAuth server application and the Conduit API.

use super::{DEMO_USER_EMAIL, DEMO_USER_NAME, DEMO_USER_REAL_NAME};
use crate::app::App;
use crate::http::{Request, Response};
use crate::model::Profile;
use crate::store::Issued;
use serde_json::{json, Value};

/// Phorge's token response: exactly these two fields.
pub(crate) fn token_body(issued: &Issued) -> Value {
    json!({ "access_token": issued.access_token, "token_type": "Bearer" })
}

/// `GET|POST /api/user.whoami`; the token comes as a parameter, never a header. Conduit
/// answers an unknown, revoked or expired token with HTTP 200 and `ERR-INVALID-AUTH`.
pub(crate) fn whoami(app: &App, request: &Request) -> Response {
    let body = if authenticated(app, request) {
        json!({ "result": user(&app.base_url), "error_code": null, "error_info": null })
    } else {
        invalid_auth()
    };
    Response::json(200, &body)
}

/// `/api/<method>` for any other method: Conduit checks the token first, then answers
/// HTTP 200 with `ERR-CONDUIT-CALL` for a method it does not have.
pub(crate) fn unknown_method(app: &App, request: &Request, method: &str) -> Response {
    let body = if authenticated(app, request) {
        let info: String = method.chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
        json!({
            "result": null,
            "error_code": "ERR-CONDUIT-CALL",
            "error_info": format!("Conduit method \"{info}\" does not exist."),
        })
    } else {
        invalid_auth()
    };
    Response::json(200, &body)
}

fn authenticated(app: &App, request: &Request) -> bool {
    request
        .params()
        .get("access_token")
        .is_some_and(|token| app.store().access_grant(token).is_some_and(|grant| grant.profile == Profile::Phorge))
}

fn invalid_auth() -> Value {
    json!({
        "result": null,
        "error_code": "ERR-INVALID-AUTH",
        "error_info": "Access token does not exist or has expired.",
    })
}

fn user(base: &str) -> Value {
    json!({
        "phid": "PHID-USER-devserverdemo0000000",
        "userName": DEMO_USER_NAME,
        "realName": DEMO_USER_REAL_NAME,
        "image": format!("{base}/file/data/demo/profile.png"),
        "uri": format!("{base}/p/{DEMO_USER_NAME}/"),
        "roles": ["verified", "approved", "activated"],
        "primaryEmail": DEMO_USER_EMAIL,
    })
}
