//! The pre-registered demo clients and client authentication at the token endpoints.

use crate::crypto::constant_time_eq;
use crate::error::OAuthError;
use crate::http::{Params, Request};
use crate::model::{AuthMethod, Client, Profile};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;

/// The Keycloak realm the sipgate demo client lives in.
pub const SIPGATE_REALM: &str = "third-party";
/// The sipgate demo client's id (sipgate ids end in `:{realm}`).
pub const SIPGATE_CLIENT_ID: &str = "2556404-0-dc848ae6-4b1c-4a8e-9b3e-devserver000:third-party";
/// The sipgate demo client's secret (client_secret_post, or Basic).
pub const SIPGATE_CLIENT_SECRET: &str = "sipgate-devserver-secret-0b9f3c2e";
/// The Speakap demo app's id.
pub const SPEAKAP_APP_ID: &str = "a1b2c3d4e5";
/// The Speakap demo app's secret (HTTP Basic, or in the body).
pub const SPEAKAP_APP_SECRET: &str = "speakap-devserver-secret-7d41e8a2";
/// The Speakap demo network's EID.
pub const SPEAKAP_NETWORK_EID: &str = "0f1e2d3c4b";
/// The Phorge demo client's PHID.
pub const PHORGE_CLIENT_ID: &str = "PHID-OASC-devserverdemo0000000";
/// The Phorge demo client's secret.
pub const PHORGE_CLIENT_SECRET: &str = "phorgedevserversecret3k5m7p9r2t4";
/// The redirect URI registered for the Phorge client, used when a request names none.
pub const PHORGE_REDIRECT_URI: &str = "http://localhost:8080/oauth";
/// A generic client that authenticates with HTTP Basic only.
pub const GENERIC_BASIC_CLIENT_ID: &str = "generic-basic-client";
/// The secret of [`GENERIC_BASIC_CLIENT_ID`].
pub const GENERIC_BASIC_CLIENT_SECRET: &str = "generic-basic-secret-5c8e1f";
/// A generic client that authenticates with `client_secret` in the body only.
pub const GENERIC_POST_CLIENT_ID: &str = "generic-post-client";
/// The secret of [`GENERIC_POST_CLIENT_ID`].
pub const GENERIC_POST_CLIENT_SECRET: &str = "generic-post-secret-9a2d4b";
/// A generic public client: no secret, PKCE required.
pub const GENERIC_PUBLIC_CLIENT_ID: &str = "generic-public-client";

/// A demo client as the control API and the library describe it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientInfo {
    /// `sipgate`, `speakap`, `phorge` or `generic`.
    pub profile: &'static str,
    /// The client id.
    pub client_id: &'static str,
    /// The client secret; `None` for public clients.
    pub client_secret: Option<&'static str>,
    /// `client_secret_post`, `client_secret_basic` or `none`.
    pub auth_method: &'static str,
}

const SECRET_BOTH: &[AuthMethod] = &[AuthMethod::Post, AuthMethod::Basic];

static CLIENTS: [Client; 6] = [
    Client {
        profile: Profile::Sipgate,
        id: SIPGATE_CLIENT_ID,
        secret: Some(SIPGATE_CLIENT_SECRET),
        methods: SECRET_BOTH,
        pkce_required: false,
    },
    Client {
        profile: Profile::Speakap,
        id: SPEAKAP_APP_ID,
        secret: Some(SPEAKAP_APP_SECRET),
        methods: &[AuthMethod::Basic, AuthMethod::Post],
        pkce_required: false,
    },
    Client {
        profile: Profile::Phorge,
        id: PHORGE_CLIENT_ID,
        secret: Some(PHORGE_CLIENT_SECRET),
        methods: SECRET_BOTH,
        pkce_required: false,
    },
    Client {
        profile: Profile::Generic,
        id: GENERIC_BASIC_CLIENT_ID,
        secret: Some(GENERIC_BASIC_CLIENT_SECRET),
        methods: &[AuthMethod::Basic],
        pkce_required: false,
    },
    Client {
        profile: Profile::Generic,
        id: GENERIC_POST_CLIENT_ID,
        secret: Some(GENERIC_POST_CLIENT_SECRET),
        methods: &[AuthMethod::Post],
        pkce_required: false,
    },
    Client {
        profile: Profile::Generic,
        id: GENERIC_PUBLIC_CLIENT_ID,
        secret: None,
        methods: &[AuthMethod::None],
        pkce_required: true,
    },
];

/// The pre-registered demo clients.
pub fn clients() -> Vec<ClientInfo> {
    CLIENTS
        .iter()
        .map(|client| ClientInfo {
            profile: client.profile.name(),
            client_id: client.id,
            client_secret: client.secret,
            auth_method: client.methods[0].name(),
        })
        .collect()
}

/// The client with this id, if it is registered under `profile`.
pub(crate) fn find(profile: Profile, id: &str) -> Option<&'static Client> {
    CLIENTS.iter().find(|client| client.profile == profile && client.id == id)
}

/// The client id and secret a token request presents, and how.
struct Credentials {
    method: AuthMethod,
    id: String,
    secret: Option<String>,
}

/// Authenticates the client of a token or revocation request.
pub(crate) fn authenticate(profile: Profile, request: &Request, form: &Params) -> Result<&'static Client, OAuthError> {
    let presented = credentials(request, form)?;
    let client = find(profile, &presented.id).ok_or_else(|| rejected(profile))?;
    let secret_ok = match (client.secret, presented.secret.as_deref()) {
        (Some(expected), Some(given)) => constant_time_eq(expected, given),
        (None, None) => true,
        _ => false,
    };
    if secret_ok && client.methods.contains(&presented.method) {
        Ok(client)
    } else {
        Err(rejected(profile))
    }
}

/// Phorge says `invalid_grant` for a bad client; everyone else 401 `invalid_client`.
fn rejected(profile: Profile) -> OAuthError {
    if profile == Profile::Phorge {
        OAuthError::invalid_grant("Client authentication failed")
    } else {
        OAuthError::invalid_client("Invalid client or Invalid client credentials")
    }
}

fn credentials(request: &Request, form: &Params) -> Result<Credentials, OAuthError> {
    let form_id = form.get("client_id");
    let form_secret = form.get("client_secret");
    if let Some(encoded) = request.authorization("Basic") {
        if form_secret.is_some() {
            return Err(OAuthError::invalid_request("Use only one client authentication method"));
        }
        let (id, secret) =
            decode_basic(encoded).ok_or_else(|| OAuthError::invalid_client("Malformed Basic credentials"))?;
        if form_id.is_some_and(|form_id| form_id != id) {
            return Err(OAuthError::invalid_client("client_id does not match"));
        }
        return Ok(Credentials { method: AuthMethod::Basic, id, secret: Some(secret) });
    }
    let id = form_id.ok_or_else(|| OAuthError::invalid_client("Missing client credentials"))?.to_string();
    let method = match form_secret {
        Some(_) => AuthMethod::Post,
        None => AuthMethod::None,
    };
    Ok(Credentials { method, id, secret: form_secret.map(str::to_string) })
}

/// Decodes Basic credentials, form-decoding each half (RFC 6749 §2.3.1).
///
/// Clients that forget to encode an id containing ':' (sipgate's ids do) are
/// understood too: the split that yields a registered id wins.
fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let decoded = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
    let splits: Vec<(String, String)> = decoded
        .match_indices(':')
        .map(|(at, _)| (form_decode(&decoded[..at]), form_decode(&decoded[at + 1..])))
        .collect();
    let known = splits.iter().position(|(id, _)| CLIENTS.iter().any(|client| client.id == id));
    let index = known.unwrap_or(0);
    splits.into_iter().nth(index)
}

fn form_decode(text: &str) -> String {
    let escaped = format!("x={}", text.replace('&', "%26"));
    url::form_urlencoded::parse(escaped.as_bytes()).next().map(|(_, value)| value.into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let encoded = STANDARD.encode("2556404-0-x%3Athird-party:s%2Bt+u");
        let (id, secret) = decode_basic(&encoded).expect("decodes");
        assert_eq!(id, "2556404-0-x:third-party");
        assert_eq!(secret, "s+t u");
    }

    #[test]
    fn unencoded_colon_in_a_known_id_is_understood() {
        let raw = format!("{SIPGATE_CLIENT_ID}:{SIPGATE_CLIENT_SECRET}");
        let (id, secret) = decode_basic(&STANDARD.encode(raw)).expect("decodes");
        assert_eq!(id, SIPGATE_CLIENT_ID);
        assert_eq!(secret, SIPGATE_CLIENT_SECRET);
    }

    #[test]
    fn garbage_basic_credentials_are_refused() {
        assert!(decode_basic("!!!").is_none());
        assert!(decode_basic(&STANDARD.encode("no-colon")).is_none());
    }

    #[test]
    fn every_profile_has_a_client() {
        let names: Vec<_> = clients().iter().map(|c| c.profile).collect();
        for profile in ["sipgate", "speakap", "phorge", "generic"] {
            assert!(names.contains(&profile));
        }
    }
}
