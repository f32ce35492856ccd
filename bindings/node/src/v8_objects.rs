//! Hand-built V8 values for the per-login hot path, and the one module of the binding with `unsafe`.
//!
//! napi-rs builds `#[napi(object)]` values with one property definition per field, naming
//! each by a C string that V8 looks up in its string table on every call, and makes every
//! string through the UTF-8 decoder. Here requests and token sets are made by a JS
//! object-literal factory in one call (an object literal gets its final shape at once),
//! ASCII strings go through the cheaper Latin-1 path, and strings are read with one call
//! into a stack buffer. The objects are the ones napi-rs would make: same keys, same order
//! (always-present fields first, then the optional ones that are set), plain data properties.
//!
//! Every raw Node-API call is in one of the [`Scope`] methods at the top, each a single
//! `unsafe` block with its `SAFETY:` note; everything below them is safe Rust.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::ptr;

use authflow::{HttpRequest, TokenSet};
use napi::bindgen_prelude::{FromNapiValue, Null, ToNapiValue, TypeName, Unknown};
use napi::{check_status, sys, JsValue, ValueType};

/// The env of the Node-API call being served, on the JS thread that serves it.
///
/// Made only from an env napi-rs hands to a conversion ([`ToNapiValue`], [`FromNapiValue`])
/// or from a [`napi::Env`], so it is live for as long as a `Scope` is used, and every
/// `napi_value` passed to its methods is a handle made in that same call.
#[derive(Clone, Copy)]
struct Scope(sys::napi_env);

type Value = sys::napi_value;

impl Scope {
    fn of(env: &napi::Env) -> Scope {
        Scope(env.raw())
    }

    /// A JS string: Latin-1 (a copy) when ASCII, else UTF-8.
    fn string(self, s: &str) -> napi::Result<Value> {
        let mut value = ptr::null_mut();
        let (data, len) = (s.as_ptr().cast(), s.len() as isize);
        // SAFETY: the env is live (see `Scope`); `data`/`len` describe `s`, which outlives the call,
        // and Latin-1 is only used for ASCII, which is the same bytes in both encodings.
        let status = unsafe {
            if s.is_ascii() {
                sys::napi_create_string_latin1(self.0, data, len, &mut value)
            } else {
                sys::napi_create_string_utf8(self.0, data, len, &mut value)
            }
        };
        check_status!(status)?;
        Ok(value)
    }

    /// A value as napi-rs converts it (numbers, `()` as undefined, `Null`, JSON, `#[napi(object)]` structs).
    fn plain<T: ToNapiValue>(self, value: T) -> napi::Result<Value> {
        // SAFETY: the env is live (see `Scope`), which is all napi-rs's conversion requires.
        unsafe { T::to_napi_value(self.0, value) }
    }

    /// The elements of a JS array; `None` if the value is not an array.
    fn elements(self, value: Value) -> napi::Result<Option<Vec<Value>>> {
        let mut is_array = false;
        // SAFETY: the env is live and `value` a handle of this call (see `Scope`).
        check_status!(unsafe { sys::napi_is_array(self.0, value, &mut is_array) })?;
        if !is_array {
            return Ok(None);
        }
        let mut len = 0u32;
        // SAFETY: as above; `value` is an array.
        check_status!(unsafe { sys::napi_get_array_length(self.0, value, &mut len) })?;
        let mut out = Vec::with_capacity(len as usize);
        for i in 0..len {
            let mut item = ptr::null_mut();
            // SAFETY: as above; a getter on the array may run JS, which napi allows here.
            check_status!(unsafe { sys::napi_get_element(self.0, value, i, &mut item) })?;
            out.push(item);
        }
        Ok(Some(out))
    }

    fn call(self, f: Value, args: &[Value]) -> napi::Result<Value> {
        let this = self.plain(())?;
        let mut result = ptr::null_mut();
        // SAFETY: the env is live, `f` and `args` are handles of this call (see `Scope`), and
        // `args` outlives the call.
        check_status!(unsafe { sys::napi_call_function(self.0, this, f, args.len(), args.as_ptr(), &mut result) })?;
        Ok(result)
    }

    /// `new Function(...source)`, kept by a reference that lives as long as the env.
    fn compile(self, source: &[&str]) -> napi::Result<sys::napi_ref> {
        let mut global = ptr::null_mut();
        // SAFETY: the env is live (see `Scope`) and `global` is a local out-pointer.
        check_status!(unsafe { sys::napi_get_global(self.0, &mut global) })?;
        let mut ctor = ptr::null_mut();
        // SAFETY: as above; the name is a NUL-terminated static string.
        check_status!(unsafe { sys::napi_get_named_property(self.0, global, c"Function".as_ptr(), &mut ctor) })?;
        let args = source.iter().map(|s| self.string(s)).collect::<napi::Result<Vec<_>>>()?;
        let mut f = ptr::null_mut();
        // SAFETY: as above; `ctor` and `args` are handles of this call and `args` outlives it.
        check_status!(unsafe { sys::napi_new_instance(self.0, ctor, args.len(), args.as_ptr(), &mut f) })?;
        let mut reference = ptr::null_mut();
        // SAFETY: as above; `f` was just made in this env.
        check_status!(unsafe { sys::napi_create_reference(self.0, f, 1, &mut reference) })?;
        Ok(reference)
    }

    fn referenced(self, reference: sys::napi_ref) -> napi::Result<Value> {
        let mut value = ptr::null_mut();
        // SAFETY: the env is live (see `Scope`) and `reference` was made by `compile` in this
        // same env (the cache in `factory` is keyed by env), with a count of 1, so it is alive.
        check_status!(unsafe { sys::napi_get_reference_value(self.0, reference, &mut value) })?;
        Ok(value)
    }

    /// Clears the exception a failed call left pending.
    fn clear_exception(self) {
        let mut pending = false;
        // SAFETY: the env is live (see `Scope`) and `pending` is a local out-pointer.
        let status = unsafe { sys::napi_is_exception_pending(self.0, &mut pending) };
        if status == sys::Status::napi_ok && pending {
            let mut exception = ptr::null_mut();
            // SAFETY: as above; an exception is pending.
            unsafe { sys::napi_get_and_clear_last_exception(self.0, &mut exception) };
        }
    }

    /// Copies a JS string's UTF-8 into `buf` (NUL-terminated, cut short when it does not fit);
    /// `None` if the value is not a string, else the bytes written and the string's full length.
    fn utf8_into(self, value: Value, buf: &mut [u8]) -> napi::Result<Option<usize>> {
        let mut len = 0usize;
        // SAFETY: the env is live and `value` a handle of this call (see `Scope`); napi writes at
        // most `buf.len()` bytes into `buf`, and a zero-length buffer asks for the length only.
        let status = unsafe {
            let data = if buf.is_empty() { ptr::null_mut() } else { buf.as_mut_ptr().cast() };
            sys::napi_get_value_string_utf8(self.0, value, data, buf.len(), &mut len)
        };
        if status == sys::Status::napi_string_expected {
            return Ok(None);
        }
        check_status!(status, "cannot read a string")?;
        Ok(Some(len))
    }

    /// A copy of a Buffer's bytes; `None` if the value is not a Buffer.
    fn buffer_bytes(self, value: Value) -> napi::Result<Option<Vec<u8>>> {
        let mut is_buffer = false;
        // SAFETY: the env is live and `value` a handle of this call (see `Scope`).
        check_status!(unsafe { sys::napi_is_buffer(self.0, value, &mut is_buffer) })?;
        if !is_buffer {
            return Ok(None);
        }
        let mut data = ptr::null_mut();
        let mut len = 0usize;
        // SAFETY: as above; `value` is a Buffer.
        check_status!(unsafe { sys::napi_get_buffer_info(self.0, value, &mut data, &mut len) })?;
        if len == 0 || data.is_null() {
            return Ok(Some(Vec::new()));
        }
        // SAFETY: napi says `data` points at the Buffer's `len` bytes, which stay put while this
        // call runs (no JS runs in between); they are copied out before it returns.
        Ok(Some(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }.to_vec()))
    }
}

// ---------------------------------------------------------------- safe code from here on

/// A request to send, as `fetch(request.url, request)` takes it: redirects are never followed.
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

/// The tokens a flow, client or store holds (Unix seconds for the times).
#[napi(object)]
pub struct Tokens {
    /// The access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Unix seconds at which the tokens were received.
    pub issued_at: f64,
    /// Every other field of the token response.
    #[napi(ts_type = "Record<string, unknown>")]
    pub extra: serde_json::Value,
    /// The refresh token, if any.
    pub refresh_token: Option<String>,
    /// Unix seconds at which the access token expires, if the server said.
    pub expires_at: Option<f64>,
    /// The granted scope.
    pub scope: Option<String>,
    /// The OpenID Connect ID token (not validated).
    pub id_token: Option<String>,
}

impl From<TokenSet> for Tokens {
    fn from(t: TokenSet) -> Tokens {
        Tokens {
            access_token: t.access_token.expose().to_owned(),
            token_type: t.token_type,
            issued_at: t.issued_at as f64,
            extra: serde_json::Value::Object(t.extra),
            refresh_token: t.refresh_token.map(|r| r.expose().to_owned()),
            expires_at: t.expires_at.map(|e| e as f64),
            scope: t.scope,
            id_token: t.id_token.map(|i| i.expose().to_owned()),
        }
    }
}

/// JS functions that build the returned objects; null where JS code cannot be generated
/// (`--disallow-code-generation-from-strings`): napi-rs then makes them from [`JsHttpRequest`]
/// and [`Tokens`], with the same keys in the same order.
struct Factories {
    env: sys::napi_env,
    /// `(method, url, body, ...headerNamesAndValues) => request`.
    request: sys::napi_ref,
    /// `(accessToken, tokenType, issuedAt, extra, refreshToken, expiresAt, scope, idToken) => tokens`.
    tokens: sys::napi_ref,
}

const REQUEST_FACTORY: [&str; 4] = [
    "m",
    "u",
    "b",
    "const h = new Array((arguments.length - 3) >> 1);\
     for (let i = 3, j = 0; i + 1 < arguments.length; i += 2, j++) h[j] = [arguments[i], arguments[i + 1]];\
     return b === undefined ? { method: m, url: u, headers: h, redirect: 'manual' }\
     : { method: m, url: u, headers: h, body: b, redirect: 'manual' }",
];

const TOKENS_FACTORY: [&str; 9] = [
    "a",
    "t",
    "i",
    "e",
    "r",
    "x",
    "s",
    "d",
    "const o = { accessToken: a, tokenType: t, issuedAt: i, extra: e };\
     if (r !== undefined) o.refreshToken = r;\
     if (x !== undefined) o.expiresAt = x;\
     if (s !== undefined) o.scope = s;\
     if (d !== undefined) o.idToken = d;\
     return o",
];

thread_local! {
    static FACTORIES: RefCell<Option<Factories>> = const { RefCell::new(None) };
}

/// The factory `pick` selects, compiled once per env; `None` when JS code cannot be generated.
fn factory(scope: Scope, pick: fn(&Factories) -> sys::napi_ref) -> napi::Result<Option<Value>> {
    let compile = |source: &[&str]| {
        scope.compile(source).unwrap_or_else(|_| {
            // A refused `new Function`: clear its exception and take the fallback path.
            scope.clear_exception();
            ptr::null_mut()
        })
    };
    let reference = FACTORIES.with(|cell| {
        let mut cache = cell.borrow_mut();
        if cache.as_ref().is_none_or(|c| c.env != scope.0) {
            // A previous env on this thread is gone; its references went with it.
            let (request, tokens) = (compile(&REQUEST_FACTORY), compile(&TOKENS_FACTORY));
            *cache = Some(Factories { env: scope.0, request, tokens });
        }
        cache.as_ref().map(pick).filter(|r| !r.is_null())
    });
    reference.map(|r| scope.referenced(r)).transpose()
}

/// A request as `{method, url, headers: [[name, value], ...], body?, redirect: 'manual'}`.
pub struct Request(pub HttpRequest);

impl TypeName for Request {
    fn type_name() -> &'static str {
        "HttpRequest"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Request {
    /// `env` is the live env of the call (napi-rs's contract), which is what a [`Scope`] needs.
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<Value> {
        request(Scope(env), val.0)
    }
}

fn request(s: Scope, r: HttpRequest) -> napi::Result<Value> {
    let body = (!r.body.is_empty()).then(|| String::from_utf8_lossy(&r.body).into_owned());
    let Some(f) = factory(s, |c| c.request)? else {
        let redirect = Some("manual".to_owned());
        let (method, url, headers) = (r.method.as_str().to_owned(), r.url, r.headers);
        return s.plain(JsHttpRequest { method, url, headers, body, redirect });
    };
    let mut args = Vec::with_capacity(3 + 2 * r.headers.len());
    args.push(s.string(r.method.as_str())?);
    args.push(s.string(&r.url)?);
    args.push(body.as_deref().map_or_else(|| s.plain(()), |b| s.string(b))?);
    for (name, value) in &r.headers {
        args.push(s.string(name)?);
        args.push(s.string(value)?);
    }
    s.call(f, &args)
}

/// A token set as the `Tokens` object, or `null`.
pub struct TokensOut(pub Option<TokenSet>);

impl TypeName for TokensOut {
    fn type_name() -> &'static str {
        "Tokens"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for TokensOut {
    /// `env` is the live env of the call (napi-rs's contract), which is what a [`Scope`] needs.
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<Value> {
        match val.0 {
            Some(t) => tokens(Scope(env), t),
            None => Scope(env).plain(Null),
        }
    }
}

fn tokens(s: Scope, t: TokenSet) -> napi::Result<Value> {
    let Some(f) = factory(s, |c| c.tokens)? else { return s.plain(Tokens::from(t)) };
    let or_undefined = |v: Option<napi::Result<Value>>| v.unwrap_or_else(|| s.plain(()));
    let args = [
        s.string(t.access_token.expose())?,
        s.string(&t.token_type)?,
        s.plain(t.issued_at as f64)?,
        s.plain(serde_json::Value::Object(t.extra))?,
        or_undefined(t.refresh_token.as_ref().map(|r| s.string(r.expose())))?,
        or_undefined(t.expires_at.map(|e| s.plain(e as f64)))?,
        or_undefined(t.scope.as_deref().map(|v| s.string(v)))?,
        or_undefined(t.id_token.as_ref().map(|i| s.string(i.expose())))?,
    ];
    s.call(f, &args)
}

/// A JS string read with one call into a stack buffer when it is short; `None` if not a string.
fn read_string(s: Scope, value: Value) -> napi::Result<Option<String>> {
    let mut buf = [0u8; 512];
    let Some(len) = s.utf8_into(value, &mut buf)? else { return Ok(None) };
    // A longer string stops short of the end by at most one UTF-8 sequence (and the NUL).
    if len + 4 < buf.len() {
        return Ok(Some(String::from_utf8_lossy(&buf[..len]).into_owned()));
    }
    let full = s.utf8_into(value, &mut [])?.unwrap_or(0);
    let mut out = vec![0u8; full + 1];
    let len = s.utf8_into(value, &mut out)?.unwrap_or(0);
    out.truncate(len);
    Ok(Some(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())))
}

/// `[[name, value], ...]` read element by element; `None` if an entry is not a pair of strings.
pub fn pairs(env: &napi::Env, list: Unknown) -> napi::Result<Option<Vec<(String, String)>>> {
    let s = Scope::of(env);
    let Some(entries) = s.elements(list.raw())? else { return Ok(None) };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let pair = match s.elements(entry)?.as_deref() {
            Some(&[name, value]) => (read_string(s, name)?, read_string(s, value)?),
            _ => return Ok(None),
        };
        match pair {
            (Some(name), Some(value)) => out.push((name, value)),
            _ => return Ok(None),
        }
    }
    Ok(Some(out))
}

/// A body given as a string (read with one call when short) or a Buffer (copied once).
pub struct BodyIn(pub Vec<u8>);

impl TypeName for BodyIn {
    fn type_name() -> &'static str {
        "string | Buffer"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl FromNapiValue for BodyIn {
    /// `env` is the live env of the call and `value` its argument (napi-rs's contract).
    unsafe fn from_napi_value(env: sys::napi_env, value: Value) -> napi::Result<Self> {
        let s = Scope(env);
        if let Some(text) = read_string(s, value)? {
            return Ok(BodyIn(text.into_bytes()));
        }
        match s.buffer_bytes(value)? {
            Some(bytes) => Ok(BodyIn(bytes)),
            None => Err(napi::Error::new(napi::Status::InvalidArg, "body must be a string or a Buffer")),
        }
    }
}
