//! The Python exception classes, all declared here, and the one mapping from core errors.
//!
//! ```text
//! SextantError(Exception)                    base of everything Sextant raises
//! ├── ParameterError(SextantError, ValueError)   bad parameter: range, type, option, name
//! │   └── UnsupportedError(ParameterError)       valid value not implemented (yet)
//! ├── InputError(SextantError, ValueError)       bad input data: lengths, shapes, content
//! ├── StateError(SextantError, ValueError)       stream state cannot be restored / is empty
//! └── UnknownFunctionError(SextantError, LookupError)
//! ```
//! Every instance carries `code` (the core's stable code, e.g. "OUT_OF_RANGE") and `parameter`
//! (the parameter or input at fault, or None).

use pyo3::exceptions::{PyException, PyLookupError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use sextant_core::Error;

struct Classes {
    base: Py<PyType>,
    parameter: Py<PyType>,
    unsupported: Py<PyType>,
    input: Py<PyType>,
    state: Py<PyType>,
    unknown: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn make<'py>(
    py: Python<'py>,
    name: &str,
    bases: &[Bound<'py, PyAny>],
    doc: &str,
) -> PyResult<Bound<'py, PyType>> {
    let ns = PyDict::new(py);
    ns.set_item("__module__", "sextant.errors")?;
    ns.set_item("__doc__", doc)?;
    let ty = py.get_type::<PyType>();
    Ok(ty.call1((name, PyTuple::new(py, bases)?, ns))?.cast_into::<PyType>()?)
}

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let exc = py.get_type::<PyException>().into_any();
        let val = py.get_type::<PyValueError>().into_any();
        let look = py.get_type::<PyLookupError>().into_any();
        let base =
            make(py, "SextantError", &[exc], "Base class of every error raised by Sextant.")?;
        let b = base.clone().into_any();
        let parameter = make(
            py,
            "ParameterError",
            &[b.clone(), val.clone()],
            "A parameter is out of range, of the wrong type, or unknown.",
        )?;
        let unsupported = make(
            py,
            "UnsupportedError",
            &[parameter.clone().into_any()],
            "A valid parameter value this function does not implement yet.",
        )?;
        let input = make(
            py,
            "InputError",
            &[b.clone(), val.clone()],
            "Input data is invalid: lengths, shapes or content.",
        )?;
        let state = make(
            py,
            "StateError",
            &[b.clone(), val],
            "A streaming state cannot be restored, or needs a bar first.",
        )?;
        let unknown =
            make(py, "UnknownFunctionError", &[b, look], "No function of that name is declared.")?;
        Ok(Classes {
            base: base.unbind(),
            parameter: parameter.unbind(),
            unsupported: unsupported.unbind(),
            input: input.unbind(),
            state: state.unbind(),
            unknown: unknown.unbind(),
        })
    })
}

/// Maps a core error to its Python exception (with `code` and `parameter` attributes).
pub(crate) fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let Ok(c) = classes(py) else {
        return PyValueError::new_err(e.to_string());
    };
    let class = match e {
        Error::Unsupported { .. } => &c.unsupported,
        Error::OutOfRange { .. }
        | Error::InvalidType { .. }
        | Error::UnknownOption { .. }
        | Error::UnknownParameter { .. } => &c.parameter,
        Error::LengthMismatch { .. }
        | Error::InvalidInput { .. }
        | Error::Rejected { .. }
        | Error::Arity { .. } => &c.input,
        Error::State(_) | Error::EmptyStream(_) => &c.state,
        Error::UnknownFunction(_) => &c.unknown,
        _ => &c.base,
    };
    let err = PyErr::from_type(class.bind(py).clone(), e.to_string());
    let value = err.value(py);
    let _ = value.setattr("code", e.code());
    let _ = value.setattr("parameter", e.subject());
    err
}

/// `Result<T, Error>` -> `PyResult<T>` through [`to_py`].
pub(crate) trait ToPyResult<T> {
    fn into_py_result(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> ToPyResult<T> for Result<T, Error> {
    fn into_py_result(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

/// Adds the classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let c = classes(py)?;
    for (name, cls) in [
        ("SextantError", &c.base),
        ("ParameterError", &c.parameter),
        ("UnsupportedError", &c.unsupported),
        ("InputError", &c.input),
        ("StateError", &c.state),
        ("UnknownFunctionError", &c.unknown),
    ] {
        m.add(name, cls.bind(py))?;
    }
    Ok(())
}
