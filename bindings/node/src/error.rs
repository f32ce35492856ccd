//! The one place where a core [`Error`] becomes a JS `Error`: a loop over the core's error table.
//!
//! Every error gets `name` (the table's type name: `StateMismatch`, `OAuthError`, ...),
//! `code` ([`Error::code`]: `ERR_STATE_MISMATCH`, `ERR_OAUTH_INVALID_GRANT`), `kind` (the
//! core's kind), `category` (`callback`, `oauth`, ...), and each of its kind's fields
//! ([`Error::fields`]) as a camelCase property (`content_type` -> `contentType`; `null` when
//! the server sent none). The message is the core's, which never holds a secret; a field
//! called `message` stays inside it rather than replacing it.

use authflow::{Error, FieldValue};
use napi::bindgen_prelude::{Null, Object};
use napi::{Env, JsValue, Status};

/// The JS error for a core error, ready to throw or reject with.
pub fn to_js(env: &Env, e: &Error) -> napi::Error {
    build(env, e).unwrap_or_else(|failed| napi::Error::new(Status::GenericFailure, format!("{e} ({failed})")))
}

fn build(env: &Env, e: &Error) -> napi::Result<napi::Error> {
    Ok(napi::Error::from(error_object(env, e)?.to_unknown()))
}

/// The JS `Error` object for a core error, as a value (a warning handed out, not thrown).
pub fn error_object<'env>(env: &'env Env, e: &Error) -> napi::Result<Object<'env>> {
    let mut obj: Object = env.create_error(napi::Error::new(Status::GenericFailure, e.to_string()))?;
    obj.set("name", e.info().type_name)?;
    obj.set("code", e.code())?;
    obj.set("kind", e.kind())?;
    obj.set("category", e.category().as_str())?;
    for (name, value) in e.fields() {
        if name == "message" {
            continue;
        }
        let key = camel_case(name);
        match value {
            FieldValue::Text(Some(text)) => obj.set(key, text)?,
            FieldValue::Text(None) => obj.set(key, Null)?,
            FieldValue::Int(n) => obj.set(key, u32::from(n))?,
        }
    }
    Ok(obj)
}

/// `content_type` -> `contentType`.
fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// A configuration error raised by the binding itself (a value it cannot convert), mapped like any other.
pub fn config(env: &Env, reason: impl Into<String>) -> napi::Error {
    to_js(env, &Error::config(reason))
}

/// Maps a `Result` of authflow into one JS can see.
pub trait OrThrow<T> {
    /// Converts the error with [`to_js`].
    fn or_throw(self, env: &Env) -> napi::Result<T>;
}

impl<T> OrThrow<T> for Result<T, Error> {
    fn or_throw(self, env: &Env) -> napi::Result<T> {
        self.map_err(|e| to_js(env, &e))
    }
}
