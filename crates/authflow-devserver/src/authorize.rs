//! The authorization endpoints and the answer to the consent form.

use crate::app::App;
use crate::clients::{self, PHORGE_REDIRECT_URI};
use crate::http::{Params, Request, Response};
use crate::model::{Authz, Profile};
use crate::pages;
use crate::pkce;
use crate::profiles;
use url::{Host, Url};

/// The `error_description` of a denied request.
const DENIED: &str = "The user denied access";

/// Answers an authorization request: redirect, error page or consent form.
pub(crate) fn authorize(app: &App, profile: Profile, request: &Request) -> Response {
    app.count(|c| c.authorize_requests += 1);
    let params = request.params();
    let mut authz = match parse(profile, &params) {
        Ok(authz) => authz,
        Err(message) => return pages::error(400, &message),
    };
    if let Err((error, description)) = check(&mut authz, &params) {
        return Response::redirect(error_url(app, &authz, error, description));
    }
    let knobs = app.knobs();
    if knobs.deny {
        return Response::redirect(error_url(app, &authz, "access_denied", DENIED));
    }
    if knobs.interactive {
        let id = app.store().insert_pending(authz.clone());
        return pages::consent(&id, profile.name(), authz.client.id, &authz.scope);
    }
    Response::redirect(approve(app, &authz))
}

/// Answers the consent form (`POST /_dev/consent`).
pub(crate) fn consent(app: &App, request: &Request) -> Response {
    let params = request.params();
    let approved = match params.get("action") {
        Some("approve") => true,
        Some("deny") => false,
        _ => return pages::error(400, "The form's action must be approve or deny."),
    };
    let pending = params.get("request_id").and_then(|id| app.store().take_pending(id));
    let Some(authz) = pending else {
        return pages::error(400, "Unknown or expired authorization request.");
    };
    if !approved {
        return Response::redirect(error_url(app, &authz, "access_denied", DENIED));
    }
    let url = approve(app, &authz);
    if authz.profile.shows_continue_page() {
        pages::continue_to(&url)
    } else {
        Response::redirect(url)
    }
}

/// Checks what must be right before the user may be redirected at all.
fn parse(profile: Profile, params: &Params) -> Result<Authz, String> {
    if let Some(name) = params.repeated() {
        return Err(format!("The parameter {name} was sent more than once."));
    }
    let client_id = params.get("client_id").ok_or("The request has no client_id.")?;
    let client = clients::find(profile, client_id)
        .ok_or_else(|| format!("Unknown client for {}: {client_id}", profile.name()))?;
    let sent = params.get("redirect_uri").map(str::to_string);
    let redirect_uri = match (&sent, profile.requires_redirect_uri()) {
        (Some(uri), _) => uri.clone(),
        (None, false) => PHORGE_REDIRECT_URI.to_string(),
        (None, true) => return Err("The request has no redirect_uri.".to_string()),
    };
    if !is_registered_redirect(&redirect_uri) {
        return Err(format!("Invalid redirect_uri: {redirect_uri}"));
    }
    Ok(Authz {
        profile,
        client,
        redirect_uri,
        redirect_sent: sent.is_some(),
        state: params.get("state").map(str::to_string),
        scope: params.get("scope").unwrap_or_default().to_string(),
        challenge: None,
        nonce: params.get("nonce").map(str::to_string),
    })
}

/// Checks what is reported back to the client by redirect; keeps the PKCE challenge.
fn check(authz: &mut Authz, params: &Params) -> Result<(), (&'static str, &'static str)> {
    let invalid = |description| ("invalid_request", description);
    match params.get("response_type") {
        Some("code") => {}
        Some(_) => return Err(("unsupported_response_type", "Only response_type=code")),
        None if authz.profile.requires_response_type() => return Err(invalid("Missing parameter: response_type")),
        None => {}
    }
    if !authz.profile.uses_pkce() {
        return Ok(());
    }
    match params.get("code_challenge") {
        Some(challenge) => {
            pkce::check_challenge(challenge, params.get("code_challenge_method")).map_err(invalid)?;
            authz.challenge = Some(challenge.to_string());
        }
        None if authz.client.pkce_required => {
            return Err(invalid("Missing parameter: code_challenge (PKCE is required)"))
        }
        None => {}
    }
    Ok(())
}

/// Any loopback http URI counts as registered (RFC 8252 §7.3), whatever its port and path.
fn is_registered_redirect(uri: &str) -> bool {
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    url.scheme() == "http" && loopback && url.fragment().is_none()
}

/// Issues a code for the request and returns the URL that delivers it.
fn approve(app: &App, authz: &Authz) -> String {
    let mut store = app.store();
    let grant = store.new_grant(authz);
    let code =
        store.insert_code(grant.clone(), (authz.redirect_uri.clone(), authz.redirect_sent), authz.challenge.clone());
    drop(store);
    let params = profiles::code_params(authz.profile, &app.base_url, code, &grant, authz.state.as_deref());
    with_params(&authz.redirect_uri, &params)
}

/// The redirect that reports an error to the client (RFC 6749 §4.1.2.1, RFC 9207).
///
/// A real Phorge sends its errors (`error=access_denied`) without the request's `state`;
/// the other profiles send it back as RFC 6749 asks.
fn error_url(app: &App, authz: &Authz, error: &str, description: &str) -> String {
    let mut params = vec![("error", error.to_string()), ("error_description", description.to_string())];
    if let Some(state) = authz.state.as_ref().filter(|_| authz.profile.sends_state_with_errors()) {
        params.push(("state", state.clone()));
    }
    if let Some(iss) = profiles::issuer(authz.profile, &app.base_url) {
        params.push(("iss", iss));
    }
    with_params(&authz.redirect_uri, &params)
}

/// Appends form-encoded parameters to a URI's query.
fn with_params(uri: &str, params: &[(&str, String)]) -> String {
    match Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(params);
            url.into()
        }
        Err(_) => uri.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_are_registered() {
        for uri in [
            "http://127.0.0.1:8080/cb",
            "http://localhost:1/",
            "http://[::1]:49152/oauth?x=1",
            "http://LOCALHOST:8080/oauth",
        ] {
            assert!(is_registered_redirect(uri), "{uri}");
        }
        for uri in [
            "https://example.com/cb",
            "http://example.com/cb",
            "http://127.0.0.1:8080/cb#frag",
            "not a url",
            "https://localhost/cb",
        ] {
            assert!(!is_registered_redirect(uri), "{uri}");
        }
    }

    #[test]
    fn params_are_appended_form_encoded() {
        let url = with_params("http://localhost:8080/oauth?keep=1", &[("error_description", DENIED.to_string())]);
        assert_eq!(url, "http://localhost:8080/oauth?keep=1&error_description=The+user+denied+access");
    }
}
