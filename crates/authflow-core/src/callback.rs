//! Checks a redirect back from the authorization server, in the order RFC 9700 asks for.

use std::borrow::Cow;

use url::Url;

use crate::config::{without_query, ClientConfig};
use crate::form;
use crate::redact::Redactor;
use crate::secret::{constant_time_eq, AuthorizationCode, StateToken};
use crate::Error;

/// Longest callback URL accepted.
pub const MAX_CALLBACK_LEN: usize = 16 << 10;

#[derive(Default)]
struct Params<'a> {
    code: Option<Cow<'a, str>>,
    state: Option<Cow<'a, str>>,
    iss: Option<Cow<'a, str>>,
    error: Option<Cow<'a, str>>,
    error_description: Option<Cow<'a, str>>,
    error_uri: Option<Cow<'a, str>>,
}

/// Checks `raw` (an absolute URL, or a path with query such as Node's `req.url`) and returns the code.
///
/// Order (RFC 9700 §4.7, RFC 6749 §4.1.2.1, RFC 9207 §2.4): the URL is the configured
/// redirect URI (scheme, host, port, path); `state` matches in constant time, for error
/// responses too, so a page that sends the browser to the redirect URI with `error=` cannot
/// end a login it did not start; `iss` matches the provider's issuer (RFC 9207), error or
/// not; `error=` becomes [`Error::AuthorizationDenied`]; `code` is present. A provider whose
/// errors come without `state` ([`Provider::errors_without_state`](crate::Provider::errors_without_state),
/// Phorge) has an `error=` without any `state` honoured; a wrong `state` is still refused.
/// Text from the callback that goes into an error has the flow's secrets (`r`) taken out first.
pub(crate) fn check(
    config: &ClientConfig,
    expected_state: &StateToken,
    raw: &str,
    r: &Redactor<'_>,
) -> Result<AuthorizationCode, Error> {
    if raw.len() > MAX_CALLBACK_LEN {
        return Err(Error::malformed(format!(
            "callback of {} bytes exceeds the {MAX_CALLBACK_LEN} byte limit",
            raw.len()
        )));
    }
    let p = params(target_query(config, raw, r)?)?;
    let state_ok =
        p.state.as_deref().is_some_and(|s| constant_time_eq(s.as_bytes(), expected_state.expose().as_bytes()));
    let stateless_error = p.error.is_some() && p.state.is_none() && config.provider.errors_without_state;
    if !state_ok && !stateless_error {
        return Err(Error::StateMismatch);
    }
    check_issuer(config, p.iss, r)?;
    if let Some(error) = p.error {
        return Err(Error::AuthorizationDenied {
            error: r.code(&error),
            // Descriptions come from the server and end up in messages: keep them short.
            description: p.error_description.as_deref().map(|d| r.text(d)),
            uri: p.error_uri.as_deref().map(|u| r.text(u)),
        });
    }
    match p.code {
        Some(code) if !code.is_empty() => Ok(AuthorizationCode::new(code.into_owned())),
        _ => Err(Error::MissingCode),
    }
}

/// Checks that `raw` targets the redirect URI and returns its query string.
fn target_query<'a>(config: &ClientConfig, raw: &'a str, r: &Redactor<'_>) -> Result<&'a str, Error> {
    let without_fragment = raw.split('#').next().unwrap_or_default();
    let (target, query) = without_fragment.split_once('?').unwrap_or((without_fragment, ""));
    // Fast path: the target is spelled exactly as configured (the usual case).
    let expected = config.redirect_uri.as_str().split(['?', '#']).next().unwrap_or_default();
    if target == expected || (raw.starts_with('/') && target == config.redirect_uri.path()) {
        return Ok(query);
    }
    // Slow path: compare the parsed parts, so `:443` or an upper-case host still match.
    let parsed = if raw.starts_with('/') { config.redirect_uri.join(raw) } else { Url::parse(raw) };
    let got = parsed.map_err(|e| Error::malformed(format!("not a url: {e}")))?;
    let want = &config.redirect_uri;
    let same = want.scheme() == got.scheme()
        && want.host() == got.host()
        && want.port_or_known_default() == got.port_or_known_default()
        && want.path() == got.path();
    if same {
        Ok(query)
    } else {
        Err(Error::WrongRedirect { expected: without_query(want), got: r.text(&without_query(&got)) })
    }
}

fn params(query: &str) -> Result<Params<'_>, Error> {
    let mut p = Params::default();
    for (name, value) in form::parse(query) {
        let slot = match name.as_ref() {
            "code" => &mut p.code,
            "state" => &mut p.state,
            "iss" => &mut p.iss,
            "error" => &mut p.error,
            "error_description" => &mut p.error_description,
            "error_uri" => &mut p.error_uri,
            _ => continue,
        };
        if slot.is_some() {
            // RFC 6749 §3.1: parameters must not be included more than once.
            return Err(Error::malformed(format!("parameter {name} appears more than once")));
        }
        *slot = Some(value);
    }
    Ok(p)
}

fn check_issuer(config: &ClientConfig, iss: Option<Cow<'_, str>>, r: &Redactor<'_>) -> Result<(), Error> {
    let provider = &config.provider;
    let Some(expected) = provider.issuer.as_deref() else {
        return Ok(());
    };
    match iss {
        Some(got) if got.as_ref() == expected => Ok(()),
        None if !provider.require_iss => Ok(()),
        got => Err(Error::IssuerMismatch { expected: expected.to_owned(), got: got.as_deref().map(|g| r.text(g)) }),
    }
}
