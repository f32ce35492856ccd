//! JS values for HTTP requests and responses, token sets and warnings, converted to and from
//! authflow-bind's checked values.

use authflow::{AccessToken, HttpRequest, HttpResponse, IdToken, RefreshToken, TokenSet, Warning};
use authflow_bind::values::{self, whole_seconds};
use napi::bindgen_prelude::{Buffer, Either, FromNapiValue, Function, JsObjectValue, Object, Unknown};
use napi::{Env, JsValue, ValueType};

use crate::error::{self, OrThrow};
use crate::v8_objects::{self, BodyIn, Tokens};

/// A request handed to `authorize()` or `send()`.
#[napi(object, js_name = "ApiRequest")]
pub struct JsRequestInit {
    /// `GET` (default) or `POST`, in any case.
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
    /// The status code (100..=599).
    pub status: i64,
    /// `[name, value]` pairs, a plain object (node:http `res.headers`), or a fetch `Headers`.
    #[napi(ts_type = "Array<[string, string]> | Record<string, string | string[]> | Iterable<[string, string]>")]
    pub headers: Option<Unknown<'static>>,
    /// The body as text or bytes.
    #[napi(ts_type = "string | Buffer")]
    pub body: Option<BodyIn>,
}

/// A token set from its JS object.
pub fn tokens_in(env: &Env, t: Tokens) -> napi::Result<TokenSet> {
    let extra = match t.extra {
        serde_json::Value::Null => serde_json::Map::new(),
        serde_json::Value::Object(map) => map,
        _ => return Err(error::config(env, "tokens.extra must be an object")),
    };
    let expires_at = t.expires_at.map(|e| whole_seconds("expiresAt", e)).transpose().or_throw(env)?;
    Ok(TokenSet {
        access_token: AccessToken::new(t.access_token),
        token_type: t.token_type,
        refresh_token: t.refresh_token.map(RefreshToken::new),
        expires_at,
        issued_at: whole_seconds("issuedAt", t.issued_at).or_throw(env)?,
        scope: t.scope,
        id_token: t.id_token.map(IdToken::new),
        extra,
    })
}

/// A token set's JS object.
pub fn tokens(t: TokenSet) -> v8_objects::TokensOut {
    v8_objects::TokensOut(Some(t))
}

/// Warnings as `{warning: 'token_type_case', ...}` objects.
pub fn warnings(w: &[Warning]) -> Vec<serde_json::Value> {
    w.iter().map(|w| serde_json::to_value(w).unwrap_or_default()).collect()
}

/// A request's JS object (made in [`v8_objects`]).
pub fn request_out(r: HttpRequest) -> v8_objects::Request {
    v8_objects::Request(r)
}

pub fn request_in(env: &Env, r: JsRequestInit) -> napi::Result<HttpRequest> {
    let body = match r.body {
        None => Vec::new(),
        Some(Either::A(s)) => s.into_bytes(),
        Some(Either::B(b)) => b.to_vec(),
    };
    values::http_request(r.method.as_deref(), r.url, headers(env, r.headers)?, body).or_throw(env)
}

pub fn response_in(env: &Env, r: JsHttpResponse) -> napi::Result<HttpResponse> {
    let body = r.body.map(|b| b.0).unwrap_or_default();
    values::http_response(r.status, headers(env, r.headers)?, body).or_throw(env)
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
    v8_objects::pairs(env, value)?
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
