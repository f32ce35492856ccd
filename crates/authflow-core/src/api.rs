//! API answers read the provider's way: a refused access token (an HTTP 401, or Conduit's
//! `ERR-INVALID-AUTH` in a 200) and errors an API reports in its own body.

use serde::Deserialize;
use serde_json::Value;

use crate::config::{ApiErrors, Provider};
use crate::http::HttpResponse;
use crate::redact::Redactor;
use crate::Error;

/// Conduit's code for a token it does not accept (unknown, revoked or expired).
pub const CONDUIT_INVALID_AUTH: &str = "ERR-INVALID-AUTH";

/// What an API answer means for the access token it was sent with ([`Flow::api_response`](crate::Flow::api_response)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiAnswer {
    /// Use the response as it is, whatever its status.
    Ok,
    /// The API refused the access token: refresh and retry once when a refresh token is held.
    /// When none is (or the retry is refused too), the tokens are dead: report the error, or
    /// for an HTTP 401 (`None`) hand the response back as it is, as before.
    TokenRefused(Option<Error>),
}

/// The fields of a Conduit answer that matter here; the result, however large, is skipped.
#[derive(Deserialize)]
struct Conduit {
    #[serde(default)]
    error_code: Option<Value>,
    #[serde(default)]
    error_info: Option<Value>,
}

/// Reads an API answer for `provider`; an error in the API's own format is [`Error::ApiError`].
pub(crate) fn read_api_response(
    provider: &Provider,
    response: &HttpResponse,
    r: &Redactor<'_>,
) -> Result<ApiAnswer, Error> {
    if response.status == 401 {
        return Ok(ApiAnswer::TokenRefused(None));
    }
    match provider.api_errors {
        ApiErrors::Status => Ok(ApiAnswer::Ok),
        ApiErrors::Conduit => conduit(response, r),
    }
}

fn conduit(response: &HttpResponse, r: &Redactor<'_>) -> Result<ApiAnswer, Error> {
    let body = response.body.trim_ascii_start();
    if body.first() != Some(&b'{') {
        return Ok(ApiAnswer::Ok);
    }
    let Ok(answer) = serde_json::from_slice::<Conduit>(body) else { return Ok(ApiAnswer::Ok) };
    let code = match answer.error_code {
        Some(Value::String(code)) if !code.is_empty() => code,
        _ => return Ok(ApiAnswer::Ok),
    };
    let info = match answer.error_info {
        Some(Value::String(info)) => Some(r.text(&info)),
        _ => None,
    };
    let refused = code == CONDUIT_INVALID_AUTH;
    let error = r.error(Error::ApiError { status: response.status, error_code: r.text(&code), error_info: info });
    if refused {
        Ok(ApiAnswer::TokenRefused(Some(error)))
    } else {
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conduit_answer(body: &str) -> Result<ApiAnswer, Error> {
        let p = Provider::phorge("https://phorge.example").unwrap();
        let secrets = [Some("dead-token-123")];
        read_api_response(&p, &HttpResponse::new(200, "application/json", body), &Redactor(&secrets))
    }

    #[test]
    fn conduit_errors_are_read_from_the_body() {
        let ok = r#"{"result":{"userName":"demo"},"error_code":null,"error_info":null}"#;
        assert_eq!(conduit_answer(ok).unwrap(), ApiAnswer::Ok);
        let dead =
            r#"{"result":null,"error_code":"ERR-INVALID-AUTH","error_info":"Token dead-token-123 does not exist."}"#;
        let ApiAnswer::TokenRefused(Some(e)) = conduit_answer(dead).unwrap() else { panic!("refused") };
        assert_eq!(e.kind(), "api_error");
        assert_eq!(e.to_string(), "api answered ERR-INVALID-AUTH (http 200): Token *** does not exist.");
        let other = r#"{"result":null,"error_code":"ERR-CONDUIT-CORE","error_info":"Unknown method."}"#;
        let e = conduit_answer(other).unwrap_err();
        assert!(
            matches!(&e, Error::ApiError { status: 200, error_code, .. } if error_code == "ERR-CONDUIT-CORE"),
            "{e:?}"
        );
        assert_eq!(conduit_answer("<html>oops</html>").unwrap(), ApiAnswer::Ok);
    }

    #[test]
    fn a_401_refuses_the_token_for_every_provider() {
        let p = Provider::generic("https://as.example/a", "https://as.example/t").unwrap();
        let r = HttpResponse::new(401, "application/json", r#"{"error_code":"ERR-X"}"#);
        assert_eq!(read_api_response(&p, &r, &Redactor::NONE).unwrap(), ApiAnswer::TokenRefused(None));
        let r = HttpResponse::new(200, "application/json", r#"{"error_code":"ERR-X"}"#);
        assert_eq!(read_api_response(&p, &r, &Redactor::NONE).unwrap(), ApiAnswer::Ok, "only Conduit reads bodies");
    }
}
