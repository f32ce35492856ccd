//! Argument and result conversion between Python objects and the core's plain values.

use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyList, PyString, PyTuple};
use serde_json::Value;

use crate::errors;

/// `now` as given, or the system clock in Unix seconds.
pub fn now_or(now: Option<u64>) -> u64 {
    now.unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0))
}

/// A JSON value as the Python object `json.loads` would give.
pub fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// Headers from a list of pairs, a dict, or anything with `multi_items()` (httpx) or `items()`.
pub fn headers(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(Vec::new()) };
    // Lists and tuples first: probing them for methods would raise (and cost) AttributeErrors.
    let pairs = if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        obj.clone()
    } else if let Ok(dict) = obj.cast::<PyDict>() {
        dict.items().into_any()
    } else if obj.hasattr("multi_items")? {
        obj.call_method0("multi_items")?
    } else if obj.hasattr("items")? {
        obj.call_method0("items")?
    } else {
        obj.clone()
    };
    let mut out = Vec::new();
    for pair in pairs.try_iter()? {
        let pair = pair?;
        let (name, value) = match pair.extract::<(String, String)>() {
            Ok(p) => p,
            Err(_) => match pair.extract::<Vec<String>>() {
                Ok(v) if v.len() == 2 => (v[0].clone(), v[1].clone()),
                _ => return Err(errors::config("headers must be (name, value) pairs of strings")),
            },
        };
        out.push((name, value));
    }
    Ok(out)
}

/// A body from `bytes`, `bytearray`, `memoryview` or `str` (sent as UTF-8); `None` is empty.
pub fn body(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<u8>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(Vec::new()) };
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if obj.hasattr("tobytes")? {
        let bytes = obj.call_method0("tobytes")?;
        if let Ok(b) = bytes.cast::<PyBytes>() {
            return Ok(b.as_bytes().to_vec());
        }
    }
    Err(errors::config("a body must be bytes, bytearray, memoryview or str"))
}

/// A snake_case enum value (`client_secret_post`, `s256`, ...) through the core's serde names.
pub fn enum_value<T: serde::de::DeserializeOwned>(what: &str, value: &str) -> PyResult<T> {
    serde_json::from_value(Value::String(value.to_owned()))
        .map_err(|_| errors::config(format!("unknown {what} {value:?}")))
}

/// The serde name of an enum value.
pub fn enum_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
