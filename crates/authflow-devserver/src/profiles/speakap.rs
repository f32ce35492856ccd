//! The Speakap profile: network-hosted authorization and the v2024 network API.

use super::{bearer_grant, DEMO_USER_EMAIL, DEMO_USER_REAL_NAME};
use crate::app::App;
use crate::clients::{SPEAKAP_APP_ID, SPEAKAP_APP_SECRET, SPEAKAP_NETWORK_EID};
use crate::http::{Request, Response};
use crate::model::Profile;
use crate::store::Issued;
use serde_json::{json, Value};

/// The media type the Speakap API insists on.
pub(crate) const API_MEDIA_TYPE: &str = "application/vnd.speakap.api-v2024.3.2+json";

/// Speakap's token response.
pub(crate) fn token_body(issued: &Issued, ttl: Option<u64>) -> Value {
    json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": issued.refresh_token,
    })
}

/// `GET /networks/{eid}/?embed=userProfile`.
pub(crate) fn network(app: &App, request: &Request, eid: &str) -> Response {
    let accepted = request.header("accept").is_some_and(|accept| accept.contains(API_MEDIA_TYPE));
    if !accepted {
        let message = format!("Send Accept: {API_MEDIA_TYPE}");
        return Response::json(406, &json!({ "code": 406, "message": message }));
    }
    if request.bearer() == Some(app_access_token().as_str()) {
        return network_response(request, eid, None);
    }
    match bearer_grant(app, request, Profile::Speakap) {
        Ok(_) => network_response(request, eid, Some(user_profile())),
        Err(response) => response,
    }
}

/// The App Access Token for calls without a user: `{APP_ID}_{APP_SECRET}`.
fn app_access_token() -> String {
    format!("{SPEAKAP_APP_ID}_{SPEAKAP_APP_SECRET}")
}

fn network_response(request: &Request, eid: &str, profile: Option<Value>) -> Response {
    if eid != SPEAKAP_NETWORK_EID {
        return Response::json(404, &json!({ "code": 404, "message": "Network not found" }));
    }
    let mut body = json!({
        "EID": SPEAKAP_NETWORK_EID,
        "name": "Demo Network",
        "subdomain": "demo",
        "_embedded": {},
    });
    let wants_profile =
        request.query_params().get("embed").is_some_and(|embed| embed.split(',').any(|item| item == "userProfile"));
    if let (true, Some(profile)) = (wants_profile, profile) {
        body["_embedded"]["userProfile"] = profile;
    }
    Response::new(200).header("Content-Type", API_MEDIA_TYPE).body(body.to_string().into_bytes())
}

fn user_profile() -> Value {
    json!({
        "EID": "9a8b7c6d5e",
        "name": DEMO_USER_REAL_NAME,
        "fullName": DEMO_USER_REAL_NAME,
        "firstName": "Demo",
        "lastName": "User",
        "email": DEMO_USER_EMAIL,
        "primaryEmail": DEMO_USER_EMAIL,
    })
}
