//! Wire names of the core's enums: one spelling that every binding prints and parses.

/// Gives an enum `as_str`, `ALL`, `Display` and a case-insensitive `FromStr` whose error is a
/// configuration error listing the accepted names. Serde uses the same spelling (tested).
macro_rules! wire_names {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The name as written on the wire and in every binding.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::Error;

            /// Parses a name in any ASCII case.
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                $(if value.eq_ignore_ascii_case($name) {
                    return Ok($ty::$variant);
                })+
                let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                Err(crate::Error::Config {
                    reason: format!("unknown {} {value:?}: expected one of {}", $what, names.join(", ")),
                })
            }
        }
    };
}

wire_names!(ClientAuth, "client auth method", {
    ClientSecretBasic => "client_secret_basic",
    ClientSecretPost => "client_secret_post",
    None => "none",
});
wire_names!(TokenPlacement, "token placement", { Header => "header", Query => "query" });
wire_names!(PkceMethod, "pkce method", { S256 => "s256", Plain => "plain", Disabled => "disabled" });
wire_names!(Method, "http method", { Get => "GET", Post => "POST" });
wire_names!(TokenKind, "token kind", { AccessToken => "access_token", RefreshToken => "refresh_token" });
wire_names!(DiscoveryKind, "discovery kind", { OpenId => "openid", OAuth => "oauth" });
wire_names!(StateName, "state", {
    AwaitingCallback => "AwaitingCallback",
    Exchanging => "Exchanging",
    Authorized => "Authorized",
    Refreshing => "Refreshing",
});
wire_names!(TransportErrorKind, "transport error kind", {
    Connect => "connect",
    Timeout => "timeout",
    Io => "io",
    Tls => "tls",
    TooLarge => "too_large",
    Insecure => "insecure",
    Redirect => "redirect",
    Other => "other",
});

use crate::{ClientAuth, DiscoveryKind, Method, PkceMethod, StateName, TokenKind, TokenPlacement, TransportErrorKind};

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_name<T: serde::Serialize>(value: T) -> String {
        serde_json::to_value(value).unwrap().as_str().unwrap().to_owned()
    }

    fn round_trips<T>(all: &[T])
    where
        T: Copy
            + serde::Serialize
            + std::str::FromStr<Err = crate::Error>
            + std::fmt::Display
            + PartialEq
            + std::fmt::Debug,
    {
        for &value in all {
            let name = value.to_string();
            assert_eq!(serde_name(value), name, "serde and as_str disagree");
            assert_eq!(name.parse::<T>().unwrap(), value);
            assert_eq!(name.to_ascii_uppercase().parse::<T>().unwrap(), value);
        }
    }

    #[test]
    fn names_parse_print_and_match_serde() {
        round_trips(ClientAuth::ALL);
        round_trips(TokenPlacement::ALL);
        round_trips(PkceMethod::ALL);
        round_trips(Method::ALL);
        round_trips(TokenKind::ALL);
        round_trips(StateName::ALL);
        round_trips(TransportErrorKind::ALL);
        for kind in DiscoveryKind::ALL {
            assert_eq!(kind.to_string().parse::<DiscoveryKind>().unwrap(), *kind);
        }
    }

    #[test]
    fn unknown_names_list_the_choices() {
        let e = "client_secret_jwt".parse::<ClientAuth>().unwrap_err();
        assert_eq!(e.kind(), "config");
        assert!(e.to_string().contains("client_secret_basic, client_secret_post, none"), "{e}");
    }
}
