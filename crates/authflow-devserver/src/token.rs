//! The token endpoints: form parsing, grant dispatch, code and refresh grants.

use crate::app::App;
use crate::clients;
use crate::error::OAuthError;
use crate::faults;
use crate::http::{Params, Reply, Request, Response};
use crate::model::{Client, Profile};
use crate::pkce;
use crate::profiles;
use crate::store::{CodeError, CodeRecord, Grant};
use serde_json::Value;

/// Answers a token request; the fault and delay knobs apply here.
pub(crate) fn token(app: &App, profile: Profile, request: &Request) -> Reply {
    app.count(|c| c.token_requests += 1);
    let form = read_form(request);
    if let Ok(form) = &form {
        count_grant(app, form.get("grant_type"));
    }
    if let Some(reply) = faults::apply(&app.knobs(), form.as_ref().ok()) {
        return reply;
    }
    let answer = form.and_then(|form| grant(app, profile, request, &form));
    match answer {
        Ok(body) => Response::json(200, &body).no_store().into(),
        Err(error) => error.response().into(),
    }
}

/// The body of a form-encoded POST; other content types are refused.
pub(crate) fn read_form(request: &Request) -> Result<Params, OAuthError> {
    if !request.content_type_is("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request("The body must be application/x-www-form-urlencoded"));
    }
    let form = Params::parse(&request.body);
    match form.repeated() {
        Some(name) => Err(OAuthError::invalid_request(format!("The parameter {name} was sent more than once"))),
        None => Ok(form),
    }
}

/// Counts every attempt of a grant type, whether it succeeds or not.
fn count_grant(app: &App, grant_type: Option<&str>) {
    match grant_type {
        Some("authorization_code") => app.count(|c| c.code_grants += 1),
        Some("refresh_token") => app.count(|c| c.refresh_grants += 1),
        _ => {}
    }
}

fn grant(app: &App, profile: Profile, request: &Request, form: &Params) -> Result<Value, OAuthError> {
    let grant_type = OAuthError::require(form.get("grant_type"), "grant_type")?;
    let client = clients::authenticate(profile, request, form)?;
    match grant_type {
        "authorization_code" => code_grant(app, profile, client, form),
        "refresh_token" if profile.supports_refresh() => refresh_grant(app, profile, client, form),
        other => Err(OAuthError::unsupported_grant_type(other)),
    }
}

/// Redeems a code (RFC 6749 §4.1.3) with its redirect URI and PKCE checks.
fn code_grant(app: &App, profile: Profile, client: &Client, form: &Params) -> Result<Value, OAuthError> {
    let code = OAuthError::require(form.get("code"), "code")?;
    let record = redeem(app, profile, client, code)?;
    check_redirect(&record, form.get("redirect_uri"))?;
    if profile.uses_pkce() {
        pkce::verify(record.challenge.as_deref(), form.get("code_verifier")).map_err(OAuthError::invalid_grant)?;
    }
    Ok(issue_tokens(app, profile, record.grant))
}

/// Marks the code used; a reused Speakap code takes its tokens down with it.
fn redeem(app: &App, profile: Profile, client: &Client, code: &str) -> Result<CodeRecord, OAuthError> {
    let mut store = app.store();
    match store.redeem_code(code, client.id) {
        Ok(record) => Ok(record),
        Err(CodeError::Reused(grant_id)) if profile.revokes_on_code_reuse() => {
            store.revoke_grant(grant_id);
            Err(OAuthError::invalid_grant("Code already used; every token issued from it is revoked"))
        }
        Err(CodeError::Reused(_)) => Err(OAuthError::invalid_grant("Code already used")),
        Err(CodeError::Invalid) => Err(OAuthError::invalid_grant("Code not valid")),
    }
}

/// The redirect URI must repeat the authorization request's, if it named one.
fn check_redirect(record: &CodeRecord, given: Option<&str>) -> Result<(), OAuthError> {
    let matches = match given {
        Some(given) => given == record.redirect_uri,
        None => !record.redirect_sent,
    };
    if matches {
        Ok(())
    } else {
        Err(OAuthError::invalid_grant("Incorrect redirect_uri"))
    }
}

/// Rotates a refresh token (RFC 6749 §6): the old refresh and access tokens die.
fn refresh_grant(app: &App, profile: Profile, client: &Client, form: &Params) -> Result<Value, OAuthError> {
    let token = OAuthError::require(form.get("refresh_token"), "refresh_token")?;
    let grant =
        app.store().take_refresh(token, client.id).ok_or_else(|| OAuthError::invalid_grant("Token is not active"))?;
    Ok(issue_tokens(app, profile, grant))
}

/// Issues a token set for a grant and renders it the profile's way.
fn issue_tokens(app: &App, profile: Profile, grant: Grant) -> Value {
    let ttl = profile.access_ttl(app.knobs().access_token_lifetime);
    let issued = app.store().issue(grant, ttl, profile.supports_refresh());
    profiles::token_body(profile, &app.base_url, &issued, ttl)
}
