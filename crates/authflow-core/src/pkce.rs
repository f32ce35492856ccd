//! PKCE (RFC 7636): the verifier and its S256 challenge.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::secret::PkceVerifier;

/// How the authorization request proves possession of the code (RFC 7636).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PkceMethod {
    /// `code_challenge = BASE64URL(SHA256(verifier))`, the default (RFC 9700 §2.1.1).
    #[default]
    S256,
    /// The challenge is the verifier itself. Only for servers that cannot do S256.
    Plain,
    /// No PKCE parameters at all. Only for servers that reject them.
    Disabled,
}

/// Bytes of entropy in a verifier: 32 bytes give 43 base64url characters (the RFC's minimum length).
pub(crate) const VERIFIER_BYTES: usize = 32;

/// Encodes random bytes as a verifier.
pub(crate) fn verifier_from_bytes(bytes: &[u8]) -> PkceVerifier {
    PkceVerifier::new(crate::base64::url_safe(bytes))
}

/// The `code_challenge` for a verifier, or `None` when PKCE is disabled.
pub fn challenge(method: PkceMethod, verifier: &PkceVerifier) -> Option<String> {
    let mut out = String::with_capacity(43);
    challenge_into(method, verifier, &mut out).then_some(out)
}

/// Appends the `code_challenge` to `out` (it is form-safe as it stands); false when PKCE is disabled.
pub(crate) fn challenge_into(method: PkceMethod, verifier: &PkceVerifier, out: &mut String) -> bool {
    match method {
        PkceMethod::S256 => {
            let digest = Sha256::digest(verifier.expose().as_bytes());
            crate::base64::encode_into(out, &digest, crate::base64::Alphabet::UrlSafeNoPad);
            true
        }
        PkceMethod::Plain => {
            out.push_str(verifier.expose());
            true
        }
        PkceMethod::Disabled => false,
    }
}

impl PkceMethod {
    /// The `code_challenge_method` parameter value.
    pub fn as_param(self) -> Option<&'static str> {
        match self {
            PkceMethod::S256 => Some("S256"),
            PkceMethod::Plain => Some("plain"),
            PkceMethod::Disabled => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let v = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(challenge(PkceMethod::S256, &v).as_deref(), Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
    }
}
