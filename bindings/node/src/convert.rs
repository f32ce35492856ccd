//! Plain JS values for the core's HTTP requests and responses, token sets, warnings and time.

use std::time::{SystemTime, UNIX_EPOCH};

use authflow::{HttpRequest, HttpResponse, Method, TokenSet, Warning};
use napi::bindgen_prelude::{Buffer, Either, FromNapiValue, Function, JsObjectValue, Object, Unknown};
use napi::{Env, JsValue, ValueType};

use crate::error;

/// A request to send, as `fetch(request.url, request)` takes it: redirects are never followed.
// Built by hand in `fast::Request`; this declaration gives index.d.ts its type.
#[allow(dead_code)]
#[napi(object, js_name = "HttpRequest")]
pub struct JsHttpRequest {
    /// `GET` or `POST`.
    #[napi(ts_type = "'GET' | 'POST'")]
    pub method: String,
    /// The absolute URL.
    pub url: String,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body (form-encoded text); absent for GET.
    pub body: Option<String>,
    /// Always `'manual'`: token requests must not follow redirects.
    #[napi(ts_type = "'manual'")]
    pub redirect: Option<String>,
}

/// A request handed to `authorize()` or `Client.send()`.
#[napi(object, js_name = "ApiRequest")]
pub struct JsRequestInit {
    /// `GET` (default) or `POST`.
    #[napi(ts_type = "'GET' | 'POST'")]
    pub method: Option<String>,
    /// The absolute URL.
    pub url: String,
    /// `[name, value]` pairs, a plain object, or a `Headers`/`Map`.
    #[napi(ts_type = "Array<[string, string]> | Record<string, string | string[]> | Iterable<[string, string]>")]
    pub headers: Option<Unknown<'static>>,
    /// The body.
    pub body: Option<Either<String, Buffer>>,
}

/// A response received, handed back to the flow.
#[napi(object, js_name = "HttpResponse", object_to_js = false)]
pub struct JsHttpResponse {
    /// The status code.
    pub status: u32,
    /// `[name, value]` pairs, a plain object (node:http `res.headers`), or a fetch `Headers`.
    #[napi(ts_type = "Array<[string, string]> | Record<string, string | string[]> | Iterable<[string, string]>")]
    pub headers: Option<Unknown<'static>>,
    /// The body as text or bytes.
    #[napi(ts_type = "string | Buffer")]
    pub body: Option<crate::fast::BodyIn>,
}

/// The tokens a flow or client holds.
#[napi(object)]
pub struct Tokens {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// The refresh token, if any.
    pub refresh_token: Option<String>,
    /// Unix seconds at which the access token expires, if the server said.
    pub expires_at: Option<f64>,
    /// Unix seconds at which the tokens were received.
    pub issued_at: f64,
    /// The granted scope.
    pub scope: Option<String>,
    /// The OpenID Connect ID token (not validated).
    pub id_token: Option<String>,
    /// Every other field of the token response.
    #[napi(ts_type = "Record<string, unknown>")]
    pub extra: serde_json::Value,
}

pub fn tokens(t: &TokenSet) -> Tokens {
    Tokens {
        access_token: t.access_token.expose().to_owned(),
        token_type: t.token_type.clone(),
        refresh_token: t.refresh_token.as_ref().map(|r| r.expose().to_owned()),
        expires_at: t.expires_at.map(|s| s as f64),
        issued_at: t.issued_at as f64,
        scope: t.scope.clone(),
        id_token: t.id_token.as_ref().map(|i| i.expose().to_owned()),
        extra: serde_json::Value::Object(t.extra.clone()),
    }
}

pub fn warnings(w: &[Warning]) -> Vec<serde_json::Value> {
    w.iter().map(|w| serde_json::to_value(w).unwrap_or_default()).collect()
}

/// The JS value of a request (built by hand in [`crate::fast`], shaped as [`JsHttpRequest`]).
pub fn request_out(r: HttpRequest) -> crate::fast::Request {
    crate::fast::Request(r)
}

pub fn request_in(env: &Env, r: JsRequestInit) -> napi::Result<HttpRequest> {
    let method = match r.method.as_deref().unwrap_or("GET") {
        m if m.eq_ignore_ascii_case("GET") => Method::Get,
        m if m.eq_ignore_ascii_case("POST") => Method::Post,
        other => return Err(error::config(env, format!("request method {other:?} is not GET or POST"))),
    };
    Ok(HttpRequest { method, url: r.url, headers: headers(env, r.headers)?, body: body(r.body) })
}

pub fn response_in(env: &Env, r: JsHttpResponse) -> napi::Result<HttpResponse> {
    let status = u16::try_from(r.status)
        .ok()
        .filter(|s| (100..=999).contains(s))
        .ok_or_else(|| error::config(env, format!("response status {} is not an http status", r.status)))?;
    Ok(HttpResponse { status, headers: headers(env, r.headers)?, body: r.body.map(|b| b.0).unwrap_or_default() })
}

fn body(b: Option<Either<String, Buffer>>) -> Vec<u8> {
    match b {
        None => Vec::new(),
        Some(Either::A(s)) => s.into_bytes(),
        Some(Either::B(b)) => b.to_vec(),
    }
}

/// Reads headers from pairs, a plain object (values may be arrays, as in node:http), or an iterable (`Headers`, `Map`).
pub fn headers(env: &Env, value: Option<Unknown>) -> napi::Result<Vec<(String, String)>> {
    let Some(value) = value else { return Ok(Vec::new()) };
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => return Ok(Vec::new()),
        ValueType::Object => {}
        _ => return Err(error::config(env, "headers must be [name, value] pairs, an object or a Headers")),
    }
    if value.is_array()? {
        return pairs(env, value);
    }
    let obj: Object = value.coerce_to_object()?;
    let for_each: Option<Unknown> = obj.get("forEach")?;
    if for_each.is_some_and(|f| f.get_type().ok() == Some(ValueType::Function)) {
        // A fetch Headers or a Map: Array.from() turns it into pairs.
        let array_ctor = env.get_global()?.get_named_property::<Unknown>("Array")?.coerce_to_object()?;
        let from: Function<Unknown, Unknown> = array_ctor.get_named_property("from")?;
        let list = from.apply(array_ctor, value)?;
        return pairs(env, list);
    }
    let mut out = Vec::new();
    for name in Object::keys(&obj)? {
        let v: Unknown = obj.get_named_property(&name)?;
        if v.is_array()? {
            let items = Vec::<String>::from_unknown(v)?;
            out.extend(items.into_iter().map(|i| (name.clone(), i)));
        } else if let Some(s) = scalar(v)? {
            out.push((name, s));
        }
    }
    Ok(out)
}

fn pairs(env: &Env, value: Unknown) -> napi::Result<Vec<(String, String)>> {
    crate::fast::pairs(env.raw(), value.raw())?
        .ok_or_else(|| error::config(env, "each header must be a [name, value] pair of strings"))
}

fn scalar(v: Unknown) -> napi::Result<Option<String>> {
    Ok(match v.get_type()? {
        ValueType::String | ValueType::Number | ValueType::Boolean => {
            Some(v.coerce_to_string()?.into_utf8()?.into_owned()?)
        }
        _ => None,
    })
}

/// `now` as given (Unix seconds), or the system clock.
pub fn now(env: &Env, now: Option<f64>) -> napi::Result<u64> {
    match now {
        None => Ok(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)),
        Some(n) if (0.0..=9.0e15).contains(&n) => Ok(n as u64),
        Some(n) => Err(error::config(env, format!("now must be unix seconds (a non-negative number), got {n}"))),
    }
}
