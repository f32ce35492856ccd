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
use std::ffi::CStr;
use std::ptr;

use authflow::{HttpRequest, TokenSet};
use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, TypeName, Unknown};
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

    fn number(self, n: f64) -> napi::Result<Value> {
        let mut value = ptr::null_mut();
        // SAFETY: the env is live (see `Scope`) and `value` is a local out-pointer.
        check_status!(unsafe { sys::napi_create_double(self.0, n, &mut value) })?;
        Ok(value)
    }

    fn undefined(self) -> napi::Result<Value> {
        let mut value = ptr::null_mut();
        // SAFETY: the env is live (see `Scope`) and `value` is a local out-pointer.
        check_status!(unsafe { sys::napi_get_undefined(self.0, &mut value) })?;
        Ok(value)
    }

    fn null(self) -> napi::Result<Value> {
        let mut value = ptr::null_mut();
        // SAFETY: the env is live (see `Scope`) and `value` is a local out-pointer.
        check_status!(unsafe { sys::napi_get_null(self.0, &mut value) })?;
        Ok(value)
    }

    fn json(self, json: serde_json::Value) -> napi::Result<Value> {
        // SAFETY: the env is live (see `Scope`), which is all napi-rs's conversion requires.
        unsafe { serde_json::Value::to_napi_value(self.0, json) }
    }

    /// A plain object with these data properties (writable, enumerable, configurable), in order.
    fn object(self, props: &[(&'static CStr, Value)]) -> napi::Result<Value> {
        let descriptors: Vec<sys::napi_property_descriptor> = props
            .iter()
            .map(|&(name, value)| sys::napi_property_descriptor {
                utf8name: name.as_ptr(),
                name: ptr::null_mut(),
                method: None,
                getter: None,
                setter: None,
                value,
                attributes: sys::PropertyAttributes::writable
                    | sys::PropertyAttributes::enumerable
                    | sys::PropertyAttributes::configurable,
                data: ptr::null_mut(),
            })
            .collect();
        let mut obj = ptr::null_mut();
        // SAFETY: the env is live (see `Scope`); the descriptors point at NUL-terminated static
        // names and at values of this call, and `descriptors` outlives both calls.
        check_status!(unsafe { sys::napi_create_object(self.0, &mut obj) })?;
        // SAFETY: as above; `obj` was just made in this env.
        check_status!(unsafe { sys::napi_define_properties(self.0, obj, descriptors.len(), descriptors.as_ptr()) })?;
        Ok(obj)
    }

    fn array(self, items: &[Value]) -> napi::Result<Value> {
        let mut array = ptr::null_mut();
        // SAFETY: the env is live (see `Scope`) and `array` is a local out-pointer.
        check_status!(unsafe { sys::napi_create_array_with_length(self.0, items.len(), &mut array) })?;
        for (i, &item) in items.iter().enumerate() {
            // SAFETY: `array` and `item` are handles of this call (see `Scope`).
            check_status!(unsafe { sys::napi_set_element(self.0, array, i as u32, item) })?;
        }
        Ok(array)
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
        let this = self.undefined()?;
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

/// JS functions that build the returned objects; null where JS code cannot be generated
/// (`--disallow-code-generation-from-strings`): the objects are then defined property by property.
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
    let body = (!r.body.is_empty()).then(|| String::from_utf8_lossy(&r.body));
    if let Some(f) = factory(s, |c| c.request)? {
        let mut args = Vec::with_capacity(3 + 2 * r.headers.len());
        args.push(s.string(r.method.as_str())?);
        args.push(s.string(&r.url)?);
        args.push(match &body {
            Some(body) => s.string(body)?,
            None => s.undefined()?,
        });
        for (name, value) in &r.headers {
            args.push(s.string(name)?);
            args.push(s.string(value)?);
        }
        return s.call(f, &args);
    }
    let pairs = r
        .headers
        .iter()
        .map(|(name, value)| s.array(&[s.string(name)?, s.string(value)?]))
        .collect::<napi::Result<Vec<_>>>()?;
    let mut props = vec![(c"method", s.string(r.method.as_str())?), (c"url", s.string(&r.url)?)];
    props.push((c"headers", s.array(&pairs)?));
    if let Some(body) = &body {
        props.push((c"body", s.string(body)?));
    }
    props.push((c"redirect", s.string("manual")?));
    s.object(&props)
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
            None => Scope(env).null(),
        }
    }
}

fn tokens(s: Scope, t: TokenSet) -> napi::Result<Value> {
    let extra = if t.extra.is_empty() { s.object(&[])? } else { s.json(serde_json::Value::Object(t.extra))? };
    let (access, token_type, issued) =
        (s.string(t.access_token.expose())?, s.string(&t.token_type)?, s.number(t.issued_at as f64)?);
    let refresh = t.refresh_token.as_ref().map(|r| s.string(r.expose())).transpose()?;
    let expires = t.expires_at.map(|e| s.number(e as f64)).transpose()?;
    let scope = t.scope.as_deref().map(|v| s.string(v)).transpose()?;
    let id = t.id_token.as_ref().map(|i| s.string(i.expose())).transpose()?;
    if let Some(f) = factory(s, |c| c.tokens)? {
        let or_undefined = |v: Option<Value>| v.map_or_else(|| s.undefined(), Ok);
        let args = [
            access,
            token_type,
            issued,
            extra,
            or_undefined(refresh)?,
            or_undefined(expires)?,
            or_undefined(scope)?,
            or_undefined(id)?,
        ];
        return s.call(f, &args);
    }
    let mut props =
        vec![(c"accessToken", access), (c"tokenType", token_type), (c"issuedAt", issued), (c"extra", extra)];
    let optional = [(c"refreshToken", refresh), (c"expiresAt", expires), (c"scope", scope), (c"idToken", id)];
    props.extend(optional.into_iter().filter_map(|(name, value)| Some((name, value?))));
    s.object(&props)
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
