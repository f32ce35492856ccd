//! The sipgate profile: a Keycloak realm plus the sipgate REST API (v2).

use super::{bearer_grant, fake_id_token, DEMO_USER_EMAIL, DEMO_USER_NAME};
use crate::app::App;
use crate::clients::SIPGATE_REALM;
use crate::http::{Request, Response};
use crate::model::Profile;
use crate::store::{Issued, REFRESH_LIFETIME_SECS};
use serde_json::{json, Value};

/// The realm's issuer, as Keycloak names it.
pub(crate) fn issuer(base: &str) -> String {
    format!("{base}/auth/realms/{SIPGATE_REALM}")
}

/// Keycloak's token response, extras included.
pub(crate) fn token_body(base: &str, issued: &Issued, ttl: Option<u64>) -> Value {
    json!({
        "access_token": issued.access_token,
        "expires_in": ttl,
        "refresh_expires_in": REFRESH_LIFETIME_SECS,
        "refresh_token": issued.refresh_token,
        "token_type": "bearer",
        "id_token": fake_id_token(&issuer(base), issued, ttl),
        "not-before-policy": 0,
        "session_state": issued.grant.session,
        "scope": issued.grant.scope,
    })
}

/// `/auth/realms/{realm}/.well-known/openid-configuration`.
pub(crate) fn discovery(app: &App) -> Response {
    let issuer = issuer(&app.base_url);
    let endpoint = |name: &str| format!("{issuer}/protocol/openid-connect/{name}");
    let document = json!({
        "issuer": issuer,
        "authorization_endpoint": endpoint("auth"),
        "token_endpoint": endpoint("token"),
        "revocation_endpoint": endpoint("revoke"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "scopes_supported": ["openid", "account:read", "balance:read"],
        "authorization_response_iss_parameter_supported": true,
    });
    Response::json(200, &document)
}

/// `GET /v2/authorization/userinfo`.
pub(crate) fn userinfo(app: &App, request: &Request) -> Response {
    match bearer_grant(app, request, Profile::Sipgate) {
        Ok(_) => Response::json(
            200,
            &json!({
                "sub": "w0",
                "domain": "sipgate.de",
                "masterSipId": "1234567",
                "locale": "de_DE",
                "isTestAccount": true,
                "isAdmin": true,
                "product": "team",
                "flags": [],
                "username": DEMO_USER_NAME,
            }),
        ),
        Err(response) => response,
    }
}

/// `GET /v2/account`.
pub(crate) fn account(app: &App, request: &Request) -> Response {
    match bearer_grant(app, request, Profile::Sipgate) {
        Ok(_) => Response::json(
            200,
            &json!({
                "company": "Demo GmbH",
                "mainProductType": "TEAM",
                "logoUrl": "",
                "verified": true,
                "email": DEMO_USER_EMAIL,
            }),
        ),
        Err(response) => response,
    }
}
