//! PKCE (RFC 7636): which challenges are accepted and how verifiers are checked.

use crate::crypto::{constant_time_eq, s256};

/// Validates an authorization request's challenge; only S256 is accepted.
pub(crate) fn check_challenge(challenge: &str, method: Option<&str>) -> Result<(), &'static str> {
    // RFC 7636 §4.3: a missing method means "plain".
    if method != Some("S256") {
        return Err("Invalid parameter: code_challenge_method (only S256 is supported)");
    }
    if !is_pkce_string(challenge) {
        return Err("Invalid parameter: code_challenge");
    }
    Ok(())
}

/// Checks a token request's verifier against the stored challenge.
pub(crate) fn verify(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), &'static str> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err("PKCE verifier given but no challenge was sent"),
        (Some(_), None) => Err("PKCE verification failed: code_verifier missing"),
        (Some(challenge), Some(verifier)) => {
            if is_pkce_string(verifier) && constant_time_eq(&s256(verifier), challenge) {
                Ok(())
            } else {
                Err("PKCE verification failed: code verifier not valid")
            }
        }
    }
}

/// 43 to 128 unreserved characters (RFC 7636 §4.1 and §4.2).
fn is_pkce_string(text: &str) -> bool {
    (43..=128).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn only_s256_is_accepted() {
        assert!(check_challenge(CHALLENGE, Some("S256")).is_ok());
        assert!(check_challenge(CHALLENGE, Some("plain")).is_err());
        assert!(check_challenge(CHALLENGE, None).is_err());
        assert!(check_challenge("short", Some("S256")).is_err());
    }

    #[test]
    fn verifier_must_match() {
        assert!(verify(Some(CHALLENGE), Some(VERIFIER)).is_ok());
        assert!(verify(Some(CHALLENGE), Some(&VERIFIER.replace('d', "e"))).is_err());
        assert!(verify(Some(CHALLENGE), None).is_err());
        assert!(verify(None, Some(VERIFIER)).is_err());
        assert!(verify(None, None).is_ok());
    }
}
