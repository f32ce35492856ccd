//! The four provider profiles: their redirect parameters, token responses, ID tokens and resource APIs.

pub(crate) mod generic;
pub(crate) mod phorge;
pub(crate) mod sipgate;
pub(crate) mod speakap;

use crate::app::App;
use crate::http::{Request, Response};
use crate::model::Profile;
use crate::store::{Grant, Issued};
use serde_json::{json, Value};

/// The demo user's login name.
pub const DEMO_USER_NAME: &str = "demo";
/// The demo user's display name.
pub const DEMO_USER_REAL_NAME: &str = "Demo User";
/// The demo user's e-mail address.
pub const DEMO_USER_EMAIL: &str = "demo@example.invalid";

/// The RFC 9207 `iss` sent back on the redirect, where the provider sends one.
pub(crate) fn issuer(profile: Profile, base: &str) -> Option<String> {
    match profile {
        Profile::Sipgate => Some(sipgate::issuer(base)),
        Profile::Generic => Some(base.to_string()),
        Profile::Speakap | Profile::Phorge => None,
    }
}

/// The query parameters of a successful redirect back to the client.
pub(crate) fn code_params(
    profile: Profile,
    base: &str,
    code: String,
    grant: &Grant,
    state: Option<&str>,
) -> Vec<(&'static str, String)> {
    let state = state.map(|state| ("state", state.to_string()));
    let iss = issuer(profile, base).map(|iss| ("iss", iss));
    let params = match profile {
        Profile::Sipgate => vec![state, Some(("session_state", grant.session.clone())), iss, Some(("code", code))],
        Profile::Speakap => vec![Some(("code", code)), state],
        // Phorge sends the code and the state, nothing else (no `scope`, no `iss`).
        Profile::Phorge => vec![Some(("code", code)), state],
        Profile::Generic => vec![Some(("code", code)), state, iss],
    };
    params.into_iter().flatten().collect()
}

/// The JSON body of a successful token response.
pub(crate) fn token_body(profile: Profile, base: &str, issued: &Issued, ttl: Option<u64>) -> Value {
    match profile {
        Profile::Sipgate => sipgate::token_body(base, issued, ttl),
        Profile::Speakap => speakap::token_body(issued, ttl),
        Profile::Phorge => phorge::token_body(issued),
        Profile::Generic => generic::token_body(base, issued, ttl),
    }
}

/// The grant behind the request's bearer token, or a 401 JSON answer.
pub(crate) fn bearer_grant(app: &App, request: &Request, profile: Profile) -> Result<Grant, Response> {
    let Some(token) = request.bearer() else {
        return Err(unauthorized("invalid_request", "Bearer token missing"));
    };
    app.store()
        .access_grant(token)
        .filter(|grant| grant.profile == profile)
        .cloned()
        .ok_or_else(|| unauthorized("invalid_token", "The access token is invalid or expired"))
}

/// A 401 with an RFC 6750 challenge.
fn unauthorized(error: &str, description: &str) -> Response {
    let challenge =
        format!("Bearer realm=\"authflow-devserver\", error=\"{error}\", error_description=\"{description}\"");
    Response::json(401, &json!({ "error": error, "error_description": description }))
        .header("WWW-Authenticate", challenge)
}

/// A JWT-shaped ID token; the signature is random bytes, not a real one.
pub(crate) fn fake_id_token(issuer: &str, issued: &Issued, ttl: Option<u64>) -> String {
    let now = unix_now();
    let grant = &issued.grant;
    let mut claims = json!({
        "iss": issuer,
        "sub": DEMO_USER_NAME,
        "aud": grant.client_id,
        "azp": grant.client_id,
        "iat": now,
        "auth_time": now,
        "exp": now + ttl.unwrap_or(300),
        "jti": crate::crypto::random_uuid(),
        "typ": "ID",
        "sid": grant.session,
        "session_state": grant.session,
        "preferred_username": DEMO_USER_NAME,
        "name": DEMO_USER_REAL_NAME,
        "email": DEMO_USER_EMAIL,
    });
    if let Some(nonce) = &grant.nonce {
        claims["nonce"] = json!(nonce);
    }
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": "authflow-devserver" });
    format!(
        "{}.{}.{}",
        crate::crypto::base64url(header.to_string().as_bytes()),
        crate::crypto::base64url(claims.to_string().as_bytes()),
        crate::crypto::random_string(64)
    )
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}
