//! The revocation endpoints (RFC 7009).

use crate::app::App;
use crate::clients;
use crate::error::OAuthError;
use crate::faults;
use crate::http::{Request, Response};
use crate::model::{Fault, Profile};
use crate::token::read_form;

/// Revokes a token; unknown tokens are answered with 200 too (RFC 7009 §2.2).
pub(crate) fn revoke(app: &App, profile: Profile, request: &Request) -> Response {
    if app.knobs().fault == Some(Fault::Echo) {
        return faults::echo(read_form(request).ok().as_ref());
    }
    match revoke_token(app, profile, request) {
        Ok(()) => Response::new(200).no_store(),
        Err(error) => error.response(),
    }
}

fn revoke_token(app: &App, profile: Profile, request: &Request) -> Result<(), OAuthError> {
    let form = read_form(request)?;
    let client = clients::authenticate(profile, request, &form)?;
    let token = OAuthError::require(form.get("token"), "token")?;
    app.store().revoke_token(token, client.id);
    app.count(|c| c.revocations += 1);
    Ok(())
}
