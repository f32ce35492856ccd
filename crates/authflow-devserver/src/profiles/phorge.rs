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

/// `GET|POST /api/user.whoami`; the token comes as a parameter, never a header.
pub(crate) fn whoami(app: &App, request: &Request) -> Response {
    let params = request.params();
    let valid = params
        .get("access_token")
        .is_some_and(|token| app.store().access_grant(token).is_some_and(|grant| grant.profile == Profile::Phorge));
    let body = if valid {
        json!({ "result": user(&app.base_url), "error_code": null, "error_info": null })
    } else {
        json!({
            "result": null,
            "error_code": "ERR-INVALID-AUTH",
            "error_info": "Access token does not exist or has expired.",
        })
    };
    Response::json(200, &body)
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
