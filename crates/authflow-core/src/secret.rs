//! Secret newtypes: values that must never show up in `Debug`, `Display`, logs or errors.
//!
//! Each type serializes to its real value (a pending flow must survive a
//! round trip through a cookie or a store), but prints as `Name(***)`.
//! Read the value with [`expose`](ClientSecret::expose), which is easy to grep for.

use serde::{Deserialize, Serialize};

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself. Every call site is a place where the secret leaves.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }
    };
}

secret_type!(
    /// The client secret issued by the provider.
    ClientSecret
);
secret_type!(
    /// The one-time authorization code from the callback.
    AuthorizationCode
);
secret_type!(
    /// The PKCE code verifier (RFC 7636), kept until the code is exchanged.
    PkceVerifier
);
secret_type!(
    /// The `state` value sent with the authorization request (CSRF protection).
    StateToken
);
secret_type!(
    /// The OpenID Connect nonce sent with the authorization request.
    Nonce
);
secret_type!(
    /// An access token.
    AccessToken
);
secret_type!(
    /// A refresh token.
    RefreshToken
);
secret_type!(
    /// An OpenID Connect ID token (a JWT, not validated by this crate).
    IdToken
);

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimizer from short-circuiting the fold.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_serde_keeps_value() {
        let t = AccessToken::new("s3cr3t");
        assert_eq!(format!("{t:?}"), "AccessToken(***)");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"s3cr3t\"");
        assert_eq!(t.expose(), "s3cr3t");
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
