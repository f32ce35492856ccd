//! The exception hierarchy, built from the core's error table, and the one place where an
//! `authflow::Error` becomes a Python exception.
//!
//! The classes are made at module init from [`authflow::ErrorCategory::ALL`] and
//! [`authflow::ERROR_KINDS`]: `AuthflowError`, below it one class per category
//! (`ConfigError`, `CallbackError`, ...), below those one class per kind that has a name of its
//! own (`PortInUse`, `StateMismatch`, ...). The stub generator writes the `.pyi` from the same
//! [`hierarchy`], so the two cannot drift. Every instance carries `kind`, `code` and `category`
//! and the kind's fields; messages are the core's `Display`, which never holds a secret.

use std::ffi::CString;

use authflow::{Error, ErrorCategory, FieldType, FieldValue, ERROR_KINDS};
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// The module the classes name as theirs: users import them from `authflow`.
const MODULE: &str = "authflow";

/// The root class.
const ROOT: &str = "AuthflowError";

/// One exception class: its name, its base (`None`: `Exception`), docstring and attributes.
#[derive(Debug)]
pub struct ExceptionClass {
    /// The class name.
    pub name: &'static str,
    /// The base class, one of this hierarchy; `None` for the root.
    pub base: Option<&'static str>,
    /// The docstring.
    pub doc: &'static str,
    /// The attributes the class declares, with their types (inherited ones not repeated).
    pub fields: Vec<(&'static str, FieldType)>,
    /// Attributes that are `None` on the class itself, for the subclasses that lack them.
    pub class_none: Vec<&'static str>,
}

/// Every class, bases first: the root, then each category followed by its own kinds.
pub fn hierarchy() -> Vec<ExceptionClass> {
    let mut classes = vec![ExceptionClass {
        name: ROOT,
        base: None,
        doc: "Every error authflow raises: `kind` names what happened, `category` how to handle it, `code` is the stable `ERR_...` code.",
        fields: vec![("kind", FieldType::Text), ("code", FieldType::Text), ("category", FieldType::Text)],
        class_none: Vec::new(),
    }];
    for &category in ErrorCategory::ALL {
        let kinds = || ERROR_KINDS.iter().filter(move |info| info.category == category);
        let own = kinds().find(|info| !info.is_subclass()).map_or(&[][..], |info| info.fields);
        let subclasses: Vec<_> = kinds().filter(|info| info.is_subclass()).collect();
        let (doc, fields, class_none) = if subclasses.is_empty() {
            // The category is one kind and nothing else: that kind's (more precise) doc and fields.
            (kinds().next().map_or(category.doc(), |info| info.doc), own.to_vec(), Vec::new())
        } else {
            // Its own kind's fields are missing on the subclasses: `None` there, so typed optional.
            let names: Vec<_> = own.iter().map(|(name, _)| *name).collect();
            (category.doc(), names.iter().map(|name| (*name, FieldType::OptionalText)).collect(), names)
        };
        classes.push(ExceptionClass { name: category.type_name(), base: Some(ROOT), doc, fields, class_none });
        classes.extend(subclasses.into_iter().map(|info| ExceptionClass {
            name: info.type_name,
            base: Some(category.type_name()),
            doc: info.doc,
            fields: info.fields.to_vec(),
            class_none: Vec::new(),
        }));
    }
    classes
}

/// The classes made at module init, in [`hierarchy`] order.
static CLASSES: PyOnceLock<Vec<(&'static str, Py<PyType>)>> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&'static [(&'static str, Py<PyType>)]> {
    CLASSES.get_or_try_init(py, || make_classes(py)).map(Vec::as_slice)
}

fn make_classes(py: Python<'_>) -> PyResult<Vec<(&'static str, Py<PyType>)>> {
    let c_string = |text: String| CString::new(text).map_err(|e| PyValueError::new_err(e.to_string()));
    let mut made: Vec<(&'static str, Py<PyType>)> = Vec::new();
    for class in hierarchy() {
        let base = match class.base {
            None => py.get_type::<PyException>(),
            Some(base) => match made.iter().find(|(name, _)| *name == base) {
                Some((_, made)) => made.bind(py).clone(),
                None => return Err(PyValueError::new_err(format!("{} comes before its base {base}", class.name))),
            },
        };
        let name = c_string(format!("{MODULE}.{}", class.name))?;
        let doc = c_string(class.doc.to_owned())?;
        // No `dict` argument: pyo3 0.27.2's `new_type` drops the one passed before it uses it.
        let made_class = PyErr::new_type(py, &name, Some(&doc), Some(&base), None)?;
        for attribute in &class.class_none {
            made_class.bind(py).setattr(*attribute, py.None())?;
        }
        made.push((class.name, made_class));
    }
    Ok(made)
}

/// Adds every exception class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for (name, class) in classes(m.py())? {
        m.add(*name, class.bind(m.py()))?;
    }
    Ok(())
}

/// The error as an instance of its class, with `kind`, `code`, `category` and its fields set.
pub fn to_py(e: Error) -> PyErr {
    Python::attach(|py| {
        let info = e.info();
        let class = classes(py).ok().and_then(|all| all.iter().find(|(name, _)| *name == info.type_name));
        let err = match class {
            Some((_, class)) => PyErr::from_type(class.bind(py).clone(), e.to_string()),
            // Only if the classes could not be made: the message still gets through.
            None => PyException::new_err(e.to_string()),
        };
        let value = err.value(py);
        let attributes = (|| -> PyResult<()> {
            value.setattr("kind", info.kind)?;
            value.setattr("code", e.code())?;
            value.setattr("category", info.category.as_str())?;
            for (name, field) in e.fields() {
                match field {
                    FieldValue::Text(text) => value.setattr(name, text)?,
                    FieldValue::Int(number) => value.setattr(name, number)?,
                }
            }
            Ok(())
        })();
        // Setting a plain attribute on a fresh exception does not fail in practice; if it
        // did, the exception still goes out with its class and message.
        drop(attributes);
        err
    })
}

/// A `ConfigError` for an argument the binding could not convert.
pub fn config(reason: impl Into<String>) -> PyErr {
    to_py(Error::config(reason))
}
