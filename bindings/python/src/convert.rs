//! Python objects in and out: JSON values, header pairs, bodies, and blocking jobs run with
//! the GIL released. What the values mean is checked in authflow-bind, not here.

use authflow_bind::Job;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;

use crate::errors::{self, to_py};

/// Runs a job of authflow-bind with the GIL released, its error as the matching exception.
pub fn run<T: Send>(py: Python<'_>, job: Job<T>) -> PyResult<T> {
    py.detach(|| job.run()).map_err(to_py)
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

/// A Python object as JSON: `None`, `bool`, `int`, `float`, `str`, lists and tuples, dicts
/// with string keys; `what` names the argument in the error.
pub fn py_to_json(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    let refused = || errors::config(format!("{what}: {} is not a JSON value", type_name(obj)));
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return match (obj.extract::<i64>(), obj.extract::<u64>()) {
            (Ok(i), _) => Ok(i.into()),
            (_, Ok(u)) => Ok(u.into()),
            _ => Err(refused()),
        };
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value()).map(Value::Number).ok_or_else(refused);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (key, item) in dict.iter() {
            let key = key.cast::<PyString>().map_err(|_| refused())?.to_cow()?.into_owned();
            map.insert(key, py_to_json(&item, what)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return obj.try_iter()?.map(|item| py_to_json(&item?, what)).collect::<PyResult<_>>().map(Value::Array);
    }
    Err(refused())
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "the value".to_owned())
}

/// A serializable value of the core (warnings, a token set) as Python objects.
pub fn to_python<'py>(py: Python<'py>, value: &impl serde::Serialize) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(value).map_err(|e| errors::config(e.to_string()))?;
    json_to_py(py, &value)
}

/// Name/value pairs from a list of pairs, a dict, or anything with `multi_items()` (httpx) or
/// `items()`; `what` names the argument in the error.
pub fn pairs(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Vec<(String, String)>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(Vec::new()) };
    let refused = || errors::config(format!("{what} must be (name, value) pairs of strings"));
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
    for pair in pairs.try_iter().map_err(|_| refused())? {
        let pair = pair?;
        let (name, value) = match pair.extract::<(String, String)>() {
            Ok(p) => p,
            Err(_) => match pair.extract::<Vec<String>>() {
                Ok(v) if v.len() == 2 => (v[0].clone(), v[1].clone()),
                _ => return Err(refused()),
            },
        };
        out.push((name, value));
    }
    Ok(out)
}

/// Headers, as [`pairs`].
pub fn headers(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    pairs(obj, "headers")
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
