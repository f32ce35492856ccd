//! Hand-built JS values for the per-login hot path (`Flow.start` .. `flow.tokens`).
//!
//! napi-rs builds `#[napi(object)]` values with one property definition per field, naming
//! each by a C string that V8 has to look up in its string table on every call, and makes
//! every string through the UTF-8 decoder. Here the property names are interned once per
//! thread (kept by `napi_ref`), an object is made with one `napi_define_properties` call,
//! ASCII strings go through the cheaper Latin-1 path, and strings are read with one call
//! into a stack buffer. The objects are the same as napi-rs makes: same keys, same order
//! (always-present fields first, then the optional ones that are set), plain data properties.
//!
//! This is the one module with `unsafe`: raw Node-API calls, each checked for its status.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::ffi::CStr;
use std::ptr;

use authflow::{HttpRequest, TokenSet};
use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName};
use napi::{check_status, sys, ValueType};

/// The property names used on the hot path (NUL-terminated for `utf8name`).
#[derive(Clone, Copy)]
pub struct Key(&'static CStr);

impl Key {
    pub const METHOD: Key = Key(c"method");
    pub const URL: Key = Key(c"url");
    pub const HEADERS: Key = Key(c"headers");
    pub const BODY: Key = Key(c"body");
    pub const REDIRECT: Key = Key(c"redirect");
    pub const ACCESS_TOKEN: Key = Key(c"accessToken");
    pub const TOKEN_TYPE: Key = Key(c"tokenType");
    pub const ISSUED_AT: Key = Key(c"issuedAt");
    pub const EXTRA: Key = Key(c"extra");
    pub const REFRESH_TOKEN: Key = Key(c"refreshToken");
    pub const EXPIRES_AT: Key = Key(c"expiresAt");
    pub const SCOPE: Key = Key(c"scope");
    pub const ID_TOKEN: Key = Key(c"idToken");
}

/// A JS string: Latin-1 (a copy) when ASCII, else UTF-8.
pub fn string(env: sys::napi_env, s: &str) -> napi::Result<sys::napi_value> {
    let mut value = ptr::null_mut();
    let len = s.len() as isize;
    if s.is_ascii() {
        check_status!(unsafe { sys::napi_create_string_latin1(env, s.as_ptr().cast(), len, &mut value) })?;
    } else {
        check_status!(unsafe { sys::napi_create_string_utf8(env, s.as_ptr().cast(), len, &mut value) })?;
    }
    Ok(value)
}

fn number(env: sys::napi_env, n: f64) -> napi::Result<sys::napi_value> {
    let mut value = ptr::null_mut();
    check_status!(unsafe { sys::napi_create_double(env, n, &mut value) })?;
    Ok(value)
}

/// A plain object with these data properties (writable, enumerable, configurable), in order.
pub fn object(env: sys::napi_env, props: &[(Key, sys::napi_value)]) -> napi::Result<sys::napi_value> {
    let mut obj = ptr::null_mut();
    check_status!(unsafe { sys::napi_create_object(env, &mut obj) })?;
    let mut descriptors = Vec::with_capacity(props.len());
    for &(k, value) in props {
        descriptors.push(sys::napi_property_descriptor {
            utf8name: k.0.as_ptr(),
            name: ptr::null_mut(),
            method: None,
            getter: None,
            setter: None,
            value,
            attributes: sys::PropertyAttributes::writable
                | sys::PropertyAttributes::enumerable
                | sys::PropertyAttributes::configurable,
            data: ptr::null_mut(),
        });
    }
    check_status!(unsafe { sys::napi_define_properties(env, obj, descriptors.len(), descriptors.as_ptr()) })?;
    Ok(obj)
}

/// JS functions that build the returned objects. An object literal made by JS code gets its
/// final shape at once; properties defined one by one from native code each take V8's slow
/// generic path (about a third of the binding's time before). The functions only arrange
/// values Rust computed. If code generation is disabled (`--disallow-code-generation-from-strings`),
/// the objects are defined property by property instead.
struct Factories {
    env: sys::napi_env,
    /// `(method, url, body, ...headerNamesAndValues) => request`, or null.
    request: sys::napi_ref,
    /// `(accessToken, tokenType, issuedAt, extra, refreshToken, expiresAt, scope, idToken) => tokens`, or null.
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

/// `new Function(...source)`, kept by a reference; null when JS code cannot be generated.
fn compile(env: sys::napi_env, source: &[&str]) -> sys::napi_ref {
    let made = (|| -> napi::Result<sys::napi_ref> {
        let mut global = ptr::null_mut();
        check_status!(unsafe { sys::napi_get_global(env, &mut global) })?;
        let mut ctor = ptr::null_mut();
        check_status!(unsafe { sys::napi_get_named_property(env, global, c"Function".as_ptr(), &mut ctor) })?;
        let args = source.iter().map(|s| string(env, s)).collect::<napi::Result<Vec<_>>>()?;
        let mut f = ptr::null_mut();
        check_status!(unsafe { sys::napi_new_instance(env, ctor, args.len(), args.as_ptr(), &mut f) })?;
        let mut r = ptr::null_mut();
        check_status!(unsafe { sys::napi_create_reference(env, f, 1, &mut r) })?;
        Ok(r)
    })();
    match made {
        Ok(r) => r,
        Err(_) => {
            // Clear the exception of a refused `new Function` and take the fallback path.
            let mut exception = ptr::null_mut();
            let mut pending = false;
            if unsafe { sys::napi_is_exception_pending(env, &mut pending) } == sys::Status::napi_ok && pending {
                unsafe { sys::napi_get_and_clear_last_exception(env, &mut exception) };
            }
            ptr::null_mut()
        }
    }
}

/// The factory function `pick` selects, if JS code could be generated in this env.
fn factory(env: sys::napi_env, pick: fn(&Factories) -> sys::napi_ref) -> napi::Result<Option<sys::napi_value>> {
    FACTORIES.with(|cell| {
        let mut cache = cell.borrow_mut();
        if cache.as_ref().is_none_or(|c| c.env != env) {
            // A previous env on this thread is gone; its references go with it.
            *cache =
                Some(Factories { env, request: compile(env, &REQUEST_FACTORY), tokens: compile(env, &TOKENS_FACTORY) });
        }
        let Some(r) = cache.as_ref().map(pick).filter(|r| !r.is_null()) else { return Ok(None) };
        let mut f = ptr::null_mut();
        check_status!(unsafe { sys::napi_get_reference_value(env, r, &mut f) })?;
        Ok(Some(f))
    })
}

fn call(env: sys::napi_env, f: sys::napi_value, args: &[sys::napi_value]) -> napi::Result<sys::napi_value> {
    let mut undefined = ptr::null_mut();
    check_status!(unsafe { sys::napi_get_undefined(env, &mut undefined) })?;
    let mut result = ptr::null_mut();
    check_status!(unsafe { sys::napi_call_function(env, undefined, f, args.len(), args.as_ptr(), &mut result) })?;
    Ok(result)
}

fn undefined(env: sys::napi_env) -> napi::Result<sys::napi_value> {
    let mut value = ptr::null_mut();
    check_status!(unsafe { sys::napi_get_undefined(env, &mut value) })?;
    Ok(value)
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
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let r = val.0;
        if let Some(f) = factory(env, |c| c.request)? {
            let mut args = Vec::with_capacity(3 + 2 * r.headers.len());
            args.push(string(env, r.method.as_str())?);
            args.push(string(env, &r.url)?);
            args.push(if r.body.is_empty() {
                undefined(env)?
            } else {
                string(env, &String::from_utf8_lossy(&r.body))?
            });
            for (name, value) in &r.headers {
                args.push(string(env, name)?);
                args.push(string(env, value)?);
            }
            return call(env, f, &args);
        }
        let mut headers = ptr::null_mut();
        check_status!(unsafe { sys::napi_create_array_with_length(env, r.headers.len(), &mut headers) })?;
        for (i, (name, value)) in r.headers.iter().enumerate() {
            let mut pair = ptr::null_mut();
            check_status!(unsafe { sys::napi_create_array_with_length(env, 2, &mut pair) })?;
            check_status!(unsafe { sys::napi_set_element(env, pair, 0, string(env, name)?) })?;
            check_status!(unsafe { sys::napi_set_element(env, pair, 1, string(env, value)?) })?;
            check_status!(unsafe { sys::napi_set_element(env, headers, i as u32, pair) })?;
        }
        let mut props = Vec::with_capacity(5);
        props.push((Key::METHOD, string(env, r.method.as_str())?));
        props.push((Key::URL, string(env, &r.url)?));
        props.push((Key::HEADERS, headers));
        if !r.body.is_empty() {
            let body = String::from_utf8_lossy(&r.body);
            props.push((Key::BODY, string(env, &body)?));
        }
        props.push((Key::REDIRECT, string(env, "manual")?));
        object(env, &props)
    }
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
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let Some(t) = val.0 else {
            let mut null = ptr::null_mut();
            check_status!(unsafe { sys::napi_get_null(env, &mut null) })?;
            return Ok(null);
        };
        let extra = if t.extra.is_empty() {
            let mut obj = ptr::null_mut();
            check_status!(unsafe { sys::napi_create_object(env, &mut obj) })?;
            obj
        } else {
            unsafe { serde_json::Value::to_napi_value(env, serde_json::Value::Object(t.extra)) }?
        };
        if let Some(f) = factory(env, |c| c.tokens)? {
            let opt = |v: Option<napi::Result<sys::napi_value>>| v.unwrap_or_else(|| undefined(env));
            let args = [
                string(env, t.access_token.expose())?,
                string(env, &t.token_type)?,
                number(env, t.issued_at as f64)?,
                extra,
                opt(t.refresh_token.as_ref().map(|r| string(env, r.expose())))?,
                opt(t.expires_at.map(|e| number(env, e as f64)))?,
                opt(t.scope.as_deref().map(|s| string(env, s)))?,
                opt(t.id_token.as_ref().map(|i| string(env, i.expose())))?,
            ];
            return call(env, f, &args);
        }
        let mut props = Vec::with_capacity(8);
        props.push((Key::ACCESS_TOKEN, string(env, t.access_token.expose())?));
        props.push((Key::TOKEN_TYPE, string(env, &t.token_type)?));
        props.push((Key::ISSUED_AT, number(env, t.issued_at as f64)?));
        props.push((Key::EXTRA, extra));
        if let Some(r) = &t.refresh_token {
            props.push((Key::REFRESH_TOKEN, string(env, r.expose())?));
        }
        if let Some(e) = t.expires_at {
            props.push((Key::EXPIRES_AT, number(env, e as f64)?));
        }
        if let Some(s) = &t.scope {
            props.push((Key::SCOPE, string(env, s)?));
        }
        if let Some(i) = &t.id_token {
            props.push((Key::ID_TOKEN, string(env, i.expose())?));
        }
        object(env, &props)
    }
}

/// A JS string read with one call into a stack buffer when it is short; `None` if not a string.
pub fn read_string(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Option<String>> {
    let mut buf = [0u8; 512];
    let mut len = 0usize;
    let status = unsafe { sys::napi_get_value_string_utf8(env, value, buf.as_mut_ptr().cast(), buf.len(), &mut len) };
    if status == sys::Status::napi_string_expected {
        return Ok(None);
    }
    check_status!(status, "cannot read a string")?;
    // A longer string stops short of the end by at most one UTF-8 sequence (and the NUL).
    if len + 4 < buf.len() {
        return Ok(Some(String::from_utf8_lossy(&buf[..len]).into_owned()));
    }
    check_status!(unsafe { sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len) })?;
    let mut out = vec![0u8; len + 1];
    check_status!(unsafe {
        sys::napi_get_value_string_utf8(env, value, out.as_mut_ptr().cast(), out.len(), &mut len)
    })?;
    out.truncate(len);
    Ok(Some(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())))
}

/// `[[name, value], ...]` read element by element; `None` if an entry is not a pair of strings.
pub fn pairs(env: sys::napi_env, list: sys::napi_value) -> napi::Result<Option<Vec<(String, String)>>> {
    let mut len = 0u32;
    check_status!(unsafe { sys::napi_get_array_length(env, list, &mut len) })?;
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        let mut pair = ptr::null_mut();
        check_status!(unsafe { sys::napi_get_element(env, list, i, &mut pair) })?;
        let mut is_array = false;
        check_status!(unsafe { sys::napi_is_array(env, pair, &mut is_array) })?;
        if !is_array {
            return Ok(None);
        }
        let mut n = 0u32;
        check_status!(unsafe { sys::napi_get_array_length(env, pair, &mut n) })?;
        if n != 2 {
            return Ok(None);
        }
        let (mut name, mut value) = (ptr::null_mut(), ptr::null_mut());
        check_status!(unsafe { sys::napi_get_element(env, pair, 0, &mut name) })?;
        check_status!(unsafe { sys::napi_get_element(env, pair, 1, &mut value) })?;
        match (read_string(env, name)?, read_string(env, value)?) {
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
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        if let Some(s) = read_string(env, value)? {
            return Ok(BodyIn(s.into_bytes()));
        }
        let mut is_buffer = false;
        check_status!(unsafe { sys::napi_is_buffer(env, value, &mut is_buffer) })?;
        if !is_buffer {
            return Err(napi::Error::new(napi::Status::InvalidArg, "body must be a string or a Buffer"));
        }
        let mut data = ptr::null_mut();
        let mut len = 0usize;
        check_status!(unsafe { sys::napi_get_buffer_info(env, value, &mut data, &mut len) })?;
        if len == 0 || data.is_null() {
            return Ok(BodyIn(Vec::new()));
        }
        // The Buffer's bytes, valid for this call; copied out before returning.
        Ok(BodyIn(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) }.to_vec()))
    }
}
