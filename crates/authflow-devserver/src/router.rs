//! Maps request paths to endpoints and checks their methods.

use crate::app::App;
use crate::authorize;
use crate::clients::SIPGATE_REALM;
use crate::control;
use crate::http::{Reply, Request, Response};
use crate::model::Profile;
use crate::profiles::{generic, phorge, sipgate, speakap};
use crate::revoke;
use crate::token;

/// Everything the server answers.
#[derive(Debug, PartialEq, Eq)]
enum Endpoint<'a> {
    Authorize(Profile),
    Token(Profile),
    Revoke(Profile),
    SipgateDiscovery,
    SipgateUserinfo,
    SipgateAccount,
    SpeakapNetwork(&'a str),
    PhorgeWhoami,
    PhorgeMethod(&'a str),
    GenericDiscovery,
    GenericUserinfo,
    Consent,
    Counters,
    Clients,
    Knobs,
    RevokeGrant,
    Reset,
}

impl Endpoint<'_> {
    fn methods(&self) -> &'static [&'static str] {
        match self {
            Endpoint::Authorize(Profile::Phorge) | Endpoint::PhorgeWhoami | Endpoint::PhorgeMethod(_) => {
                &["GET", "POST"]
            }
            Endpoint::Knobs => &["GET", "POST"],
            Endpoint::Token(_) | Endpoint::Revoke(_) | Endpoint::Consent | Endpoint::Reset | Endpoint::RevokeGrant => {
                &["POST"]
            }
            _ => &["GET", "HEAD"],
        }
    }

    fn is_api(&self) -> bool {
        matches!(
            self,
            Endpoint::SipgateUserinfo
                | Endpoint::SipgateAccount
                | Endpoint::SpeakapNetwork(_)
                | Endpoint::PhorgeWhoami
                | Endpoint::PhorgeMethod(_)
                | Endpoint::GenericUserinfo
        )
    }
}

/// Answers one request.
pub(crate) fn route(app: &App, request: &Request) -> Reply {
    let Some(endpoint) = endpoint(&request.path) else {
        return Response::text(404, "Not Found\n").into();
    };
    let methods = endpoint.methods();
    if !methods.contains(&request.method.as_str()) {
        return Response::text(405, "Method Not Allowed\n").header("Allow", methods.join(", ")).into();
    }
    if endpoint.is_api() {
        app.count(|c| c.api_requests += 1);
    }
    dispatch(app, endpoint, request)
}

fn dispatch(app: &App, endpoint: Endpoint<'_>, request: &Request) -> Reply {
    match endpoint {
        Endpoint::Token(profile) => return token::token(app, profile, request),
        Endpoint::Authorize(profile) => authorize::authorize(app, profile, request),
        Endpoint::Revoke(profile) => revoke::revoke(app, profile, request),
        Endpoint::SipgateDiscovery => sipgate::discovery(app),
        Endpoint::SipgateUserinfo => sipgate::userinfo(app, request),
        Endpoint::SipgateAccount => sipgate::account(app, request),
        Endpoint::SpeakapNetwork(eid) => speakap::network(app, request, eid),
        Endpoint::PhorgeWhoami => phorge::whoami(app, request),
        Endpoint::PhorgeMethod(method) => phorge::unknown_method(app, request, method),
        Endpoint::GenericDiscovery => generic::discovery(app),
        Endpoint::GenericUserinfo => generic::userinfo(app, request),
        Endpoint::Consent => authorize::consent(app, request),
        Endpoint::Counters => control::counters(app),
        Endpoint::Clients => control::list_clients(),
        Endpoint::Knobs if request.method == "POST" => control::set_knobs(app, request),
        Endpoint::Knobs => control::knobs(app),
        Endpoint::RevokeGrant => control::revoke_grant(app, request),
        Endpoint::Reset => control::reset(app),
    }
    .into()
}

fn endpoint(path: &str) -> Option<Endpoint<'_>> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let endpoint = match segments.as_slice() {
        ["auth", "realms", realm, rest @ ..] if *realm == SIPGATE_REALM => keycloak(rest)?,
        ["v2", "authorization", "userinfo"] => Endpoint::SipgateUserinfo,
        ["v2", "account"] => Endpoint::SipgateAccount,
        ["auth"] => Endpoint::Authorize(Profile::Speakap),
        ["oauth", "v2", "token"] => Endpoint::Token(Profile::Speakap),
        ["networks", eid] | ["networks", eid, ""] => Endpoint::SpeakapNetwork(eid),
        ["oauthserver", "auth"] | ["oauthserver", "auth", ""] => Endpoint::Authorize(Profile::Phorge),
        ["oauthserver", "token"] | ["oauthserver", "token", ""] => Endpoint::Token(Profile::Phorge),
        ["api", "user.whoami"] => Endpoint::PhorgeWhoami,
        ["api", method] => Endpoint::PhorgeMethod(method),
        ["authorize"] => Endpoint::Authorize(Profile::Generic),
        ["token"] => Endpoint::Token(Profile::Generic),
        ["revoke"] => Endpoint::Revoke(Profile::Generic),
        ["userinfo"] => Endpoint::GenericUserinfo,
        [".well-known", "oauth-authorization-server" | "openid-configuration"] => Endpoint::GenericDiscovery,
        ["_dev", "consent"] => Endpoint::Consent,
        ["_dev", "counters"] => Endpoint::Counters,
        ["_dev", "clients"] => Endpoint::Clients,
        ["_dev", "knobs"] => Endpoint::Knobs,
        ["_dev", "revoke"] => Endpoint::RevokeGrant,
        ["_dev", "reset"] => Endpoint::Reset,
        _ => return None,
    };
    Some(endpoint)
}

/// The paths under `/auth/realms/{realm}/`.
fn keycloak(rest: &[&str]) -> Option<Endpoint<'static>> {
    let endpoint = match rest {
        ["protocol", "openid-connect", "auth"] => Endpoint::Authorize(Profile::Sipgate),
        ["protocol", "openid-connect", "token"] => Endpoint::Token(Profile::Sipgate),
        ["protocol", "openid-connect", "revoke"] => Endpoint::Revoke(Profile::Sipgate),
        [".well-known", "openid-configuration"] => Endpoint::SipgateDiscovery,
        _ => return None,
    };
    Some(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_endpoints() {
        let cases = [
            ("/auth/realms/third-party/protocol/openid-connect/auth", Endpoint::Authorize(Profile::Sipgate)),
            ("/auth/realms/third-party/protocol/openid-connect/token", Endpoint::Token(Profile::Sipgate)),
            ("/auth", Endpoint::Authorize(Profile::Speakap)),
            ("/networks/0f1e2d3c4b/", Endpoint::SpeakapNetwork("0f1e2d3c4b")),
            ("/oauthserver/auth/", Endpoint::Authorize(Profile::Phorge)),
            ("/oauthserver/token/", Endpoint::Token(Profile::Phorge)),
            ("/.well-known/oauth-authorization-server", Endpoint::GenericDiscovery),
            ("/token", Endpoint::Token(Profile::Generic)),
        ];
        for (path, expected) in cases {
            assert_eq!(endpoint(path), Some(expected), "{path}");
        }
        assert_eq!(endpoint("/auth/realms/other/protocol/openid-connect/auth"), None);
        assert_eq!(endpoint("/nope"), None);
    }
}
