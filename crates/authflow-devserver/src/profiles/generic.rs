//! The generic profile: plain RFC 6749 with PKCE (RFC 7636) and metadata (RFC 8414).

use super::{bearer_grant, fake_id_token, DEMO_USER_EMAIL, DEMO_USER_NAME, DEMO_USER_REAL_NAME};
use crate::app::App;
use crate::http::{Request, Response};
use crate::model::Profile;
use crate::store::Issued;
use serde_json::{json, Value};

/// A plain token response; an ID token only when `openid` was asked for.
pub(crate) fn token_body(base: &str, issued: &Issued, ttl: Option<u64>) -> Value {
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "refresh_token": issued.refresh_token,
    });
    let scope = &issued.grant.scope;
    if !scope.is_empty() {
        body["scope"] = json!(scope);
    }
    if scope.split(' ').any(|item| item == "openid") {
        body["id_token"] = json!(fake_id_token(base, issued, ttl));
    }
    body
}

/// The RFC 8414 / OpenID discovery document.
pub(crate) fn discovery(app: &App) -> Response {
    let base = &app.base_url;
    let methods = ["client_secret_basic", "client_secret_post", "none"];
    let document = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "revocation_endpoint": format!("{base}/revoke"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_methods_supported": methods,
        "authorization_response_iss_parameter_supported": true,
    });
    Response::json(200, &document)
}

/// `GET /userinfo` with a bearer token.
pub(crate) fn userinfo(app: &App, request: &Request) -> Response {
    match bearer_grant(app, request, Profile::Generic) {
        Ok(_) => Response::json(
            200,
            &json!({
                "sub": DEMO_USER_NAME,
                "preferred_username": DEMO_USER_NAME,
                "name": DEMO_USER_REAL_NAME,
                "email": DEMO_USER_EMAIL,
                "email_verified": true,
            }),
        ),
        Err(response) => response,
    }
}
