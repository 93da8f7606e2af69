//! `sextant._native`: the Python adapter. It exposes the core's registry generically (one
//! `Function` object per declaration, one `Stream` class for every streaming state); the
//! public Python API (`sextant.ta`, `sextant.risk`, `sextant.alloc`) is generated from the
//! declarations in `python/src/sextant/_surface.py`. No function is wrapped by hand here.

mod columns;
mod errors;

use numpy::{
    PyArray1, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn,
    PyReadwriteArrayDyn, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use sextant_core::decl::{
    FunctionDecl, InputData, InputKind, OutBuf, OutVec, OutputKind, Params, Record, Stream, Value,
};
use sextant_core::registry::{self, REGISTRY};
use sextant_core::Error;

use crate::errors::{to_py, ToPyResult};

/// A fresh output array for an output of `kind`: uninitialised like `np.empty` (TA-Lib's
/// wrapper allocates its outputs so) for series outputs, zeroed for the others. `np.zeros`
/// costs a memset of a warm heap chunk: 0.13-0.17 ms per 8 MB, a tenth of an EMA of 1M bars.
#[allow(unsafe_code, reason = "an uninitialised numpy array, written in full before use")]
pub(crate) fn output_array<'py, T, D, I>(
    py: Python<'py>,
    kind: OutputKind,
    dims: I,
    fortran: bool,
) -> Bound<'py, numpy::PyArray<T, D>>
where
    T: numpy::Element,
    D: numpy::ndarray::Dimension,
    I: numpy::ndarray::IntoDimension<Dim = D>,
{
    if kind.is_series() {
        // SAFETY: the element types are float64 and int32 (no invalid bit patterns, nothing
        // to drop) and every function writes every element of its series outputs before the
        // array is returned to Python (`every_function_writes_every_element_of_its_outputs`
        // in crates/sextant-core/tests/it/golden.rs, on every declared function with a series
        // output); on an error the array is dropped without Python having seen it.
        unsafe { numpy::PyArray::<T, D>::new(py, dims, fortran) }
    } else {
        numpy::PyArray::<T, D>::zeros(py, dims, fortran)
    }
}

/// Converts a Python parameter value to a core [`Value`]; the declaration validates it.
fn to_value(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_none() {
        return Ok(Value::None);
    }
    if v.is_instance_of::<PyBool>() {
        // only boolean parameters accept it (the declaration says "expects a number" otherwise)
        return Ok(Value::Bool(v.extract::<bool>()?));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(Value::Str(v.extract::<String>()?));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(v.extract::<f64>()?));
    }
    if v.is_instance_of::<PyInt>() || v.hasattr("__index__")? {
        return match v.extract::<i64>() {
            Ok(i) => Ok(Value::Int(i)),
            Err(_) => Err(to_py(
                v.py(),
                Error::OutOfRange {
                    param: name.into(),
                    value: v.str()?.to_string(),
                    bound: "must fit in 64 bits".into(),
                },
            )),
        };
    }
    if let Ok(f) = v.extract::<f64>() {
        return Ok(Value::Float(f));
    }
    let tname = v.get_type().name()?.to_string();
    Err(to_py(
        v.py(),
        Error::InvalidType {
            param: name.into(),
            expected: "a number or string".into(),
            got: tname,
        },
    ))
}

/// Parameters given positionally; one extra trailing dict `{id: period}` sets TA-Lib unstable
/// periods per function id (what `sextant.ta.set_unstable_period` passes), and its entries
/// `{setting: (rangetype, avgperiod, factor)}` TA-Lib candle settings (what
/// `sextant.ta.set_candle_settings` passes).
fn to_params(decl: &FunctionDecl, values: &Bound<'_, PyTuple>) -> PyResult<Params> {
    let py = values.py();
    let mut vs = Vec::with_capacity(values.len());
    let mut per_id: Option<Bound<'_, PyDict>> = None;
    for (i, v) in values.iter().enumerate() {
        if i == decl.params.len() {
            if let Ok(d) = v.cast::<PyDict>() {
                per_id = Some(d.clone());
                continue;
            }
        }
        let name = decl.params.get(i).map_or("?", |p| p.name);
        vs.push(to_value(name, &v)?);
    }
    let mut params = decl.params_positional(&vs).into_py_result(py)?;
    if let Some(d) = per_id {
        for (k, v) in d.iter() {
            let id: String = k.extract()?;
            // `{setting: (rangetype, avgperiod, factor)}`: TA-Lib candle settings
            // (`sextant.ta.set_candle_settings`); `{id: period}`: unstable periods
            if let Ok((range, period, factor)) = v.extract::<(i64, i64, f64)>() {
                params.set_candle(&id, "", range, period, factor).into_py_result(py)?;
                continue;
            }
            let period: u32 = v.extract()?;
            params.set_unstable(&id, period).into_py_result(py)?;
        }
    }
    Ok(params)
}

fn value_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => f.into_pyobject(py)?.into_any(),
        Value::Str(s) => s.into_pyobject(py)?.into_any(),
        Value::None => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
    })
}

/// Borrows each input as a read-only float64 numpy array. A float32 array is widened to a
/// float64 copy here (in its own memory order), so every function takes float32 input and
/// computes in f64.
fn read_arrays<'py>(
    py: Python<'py>,
    decl: &FunctionDecl,
    inputs: &Bound<'py, PyTuple>,
) -> PyResult<Vec<PyReadonlyArrayDyn<'py, f64>>> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if let Ok(r) = a.extract::<PyReadonlyArrayDyn<'py, f64>>() {
                return Ok(r);
            }
            let name = decl.inputs.get(i).map_or("?", |s| s.name);
            if a.cast::<PyArrayDyn<f32>>().is_ok() {
                return a.call_method1("astype", ("float64",))?.extract().map_err(Into::into);
            }
            Err(to_py(
                py,
                Error::InvalidInput {
                    input: name.into(),
                    reason: "expected a float64 or float32 numpy array".into(),
                },
            ))
        })
        .collect()
}

/// Checks caller-provided output buffers (`out=`) before anything is written: one array per
/// declared output, each writable, C-contiguous, of the output's dtype and shape. Errors name
/// `out` and give the expected shape.
fn check_out(
    py: Python<'_>,
    decl: &FunctionDecl,
    data: &[InputData<'_>],
    params: &Params,
    out: &Bound<'_, PyTuple>,
) -> PyResult<()> {
    let bad = |reason: String| to_py(py, Error::InvalidInput { input: "out".into(), reason });
    if out.len() != decl.outputs.len() {
        let names: Vec<&str> = decl.outputs.iter().map(|o| o.name).collect();
        return Err(bad(format!(
            "expected {} array(s), one per output ({}), got {}",
            decl.outputs.len(),
            names.join(", "),
            out.len()
        )));
    }
    let checked = decl.check_inputs(data).into_py_result(py)?;
    decl.check_output_sizes(&checked, params).into_py_result(py)?;
    let fmt_shape = |s: &[usize]| match s {
        [n] => format!("({n},)"),
        _ => format!("({})", s.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
    };
    for (i, (spec, o)) in decl.outputs.iter().zip(out.iter()).enumerate() {
        let shape = if spec.kind.is_array() {
            decl.output_shape(i, &checked, params)
        } else {
            vec![decl.output_len_with(i, &checked, params)]
        };
        let dtype = if spec.kind == OutputKind::SeriesI32 { "int32" } else { "float64" };
        let want = format!(
            "out[{i}] (`{}`) must be a writable C-contiguous {dtype} numpy array of shape {}",
            spec.name,
            fmt_shape(&shape)
        );
        let Ok(arr) = o.cast::<PyUntypedArray>() else {
            let t = o.get_type().name()?.to_string();
            return Err(bad(format!("{want}, got {t}")));
        };
        let got_dtype = arr.dtype().str()?.to_string();
        let ok_dtype = if spec.kind == OutputKind::SeriesI32 {
            arr.dtype().is_equiv_to(&numpy::dtype::<i32>(py))
        } else {
            arr.dtype().is_equiv_to(&numpy::dtype::<f64>(py))
        };
        if !ok_dtype || arr.shape() != shape.as_slice() {
            return Err(bad(format!(
                "{want}, got {got_dtype} of shape {}",
                fmt_shape(arr.shape())
            )));
        }
        if !arr.is_c_contiguous() {
            return Err(bad(format!("{want}, got a non-contiguous view")));
        }
        if !arr.getattr("flags")?.getattr("writeable")?.extract::<bool>()? {
            return Err(bad(format!("{want}, got a read-only array")));
        }
    }
    Ok(())
}

/// One text: `str` (lone surrogates replaced) or UTF-8 `bytes` (invalid sequences replaced).
fn to_text(name: &str, v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_string_lossy().into_owned());
    }
    if let Ok(b) = v.cast::<PyBytes>() {
        return Ok(String::from_utf8_lossy(b.as_bytes()).into_owned());
    }
    if let Ok(b) = v.cast::<PyByteArray>() {
        return Ok(String::from_utf8_lossy(&b.to_vec()).into_owned());
    }
    let tname = v.get_type().name()?.to_string();
    Err(to_py(
        v.py(),
        Error::InvalidInput { input: name.into(), reason: format!("expected a str, got {tname}") },
    ))
}

/// An owned text input.
enum OwnedText {
    One(String),
    Many(Vec<String>),
    /// A JSON document (the Python layer serialises dicts and lists).
    Json(String),
}

fn read_texts(decl: &FunctionDecl, inputs: &Bound<'_, PyTuple>) -> PyResult<Vec<OwnedText>> {
    let py = inputs.py();
    if inputs.len() != decl.inputs.len() {
        return Err(to_py(
            py,
            Error::Arity {
                what: format!("number of inputs of `{}`", decl.name),
                expected: decl.inputs.len(),
                got: inputs.len(),
            },
        ));
    }
    decl.inputs
        .iter()
        .zip(inputs.iter())
        .map(|(spec, v)| match spec.kind {
            InputKind::TextList => {
                if v.is_instance_of::<PyString>() || v.is_instance_of::<PyBytes>() {
                    return Err(to_py(
                        py,
                        Error::InvalidInput {
                            input: spec.name.into(),
                            reason: "expected a list of texts, got a single text".into(),
                        },
                    ));
                }
                let mut out = Vec::new();
                for (k, item) in v.try_iter()?.enumerate() {
                    out.push(to_text(&format!("{}[{k}]", spec.name), &item?)?);
                }
                Ok(OwnedText::Many(out))
            }
            InputKind::Json => to_text(spec.name, &v).map(OwnedText::Json),
            _ => to_text(spec.name, &v).map(OwnedText::One),
        })
        .collect()
}

fn record_to_py<'py>(py: Python<'py>, r: &Record) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, v) in &r.fields {
        d.set_item(k, v)?;
    }
    if let Some(l) = r.label {
        d.set_item("label", l)?;
    }
    Ok(d)
}

/// One declared function, callable with converted inputs.
#[pyclass(frozen, module = "sextant._native", name = "Function")]
struct PyFunction {
    decl: &'static FunctionDecl,
}

#[pymethods]
impl PyFunction {
    /// Public name.
    #[getter]
    fn name(&self) -> &'static str {
        self.decl.name
    }

    /// Module name.
    #[getter]
    fn module(&self) -> &'static str {
        self.decl.module.as_str()
    }

    /// Computes the function.
    ///
    /// `inputs`: tuple of C-contiguous float64 numpy arrays (1-D series, 2-D matrices), in the
    /// declared order. `params`: tuple of parameter values in the declared order. `out`: None
    /// or a tuple of writable C-contiguous arrays (float64, int32 for integer outputs) that
    /// receive the results. Returns a list of outputs (arrays, or floats for scalars).
    #[pyo3(signature = (inputs, params, out=None))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        inputs: &Bound<'py, PyTuple>,
        params: &Bound<'py, PyTuple>,
        out: Option<&Bound<'py, PyTuple>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let decl = self.decl;
        let params = to_params(decl, params)?;
        let arrays = read_arrays(py, decl, inputs)?;
        let mut data: Vec<InputData<'_>> = Vec::with_capacity(arrays.len());
        for (i, a) in arrays.iter().enumerate() {
            let name = decl.inputs.get(i).map_or("?", |s| s.name);
            let slice = a.as_slice().map_err(|_| {
                to_py(
                    py,
                    Error::InvalidInput {
                        input: name.into(),
                        reason: "array must be C-contiguous".into(),
                    },
                )
            })?;
            data.push(match (a.ndim(), a.shape()) {
                (2, &[rows, cols]) => InputData::Matrix { data: slice, rows, cols },
                (1, _) => InputData::Series(slice),
                (nd, _) => {
                    return Err(to_py(
                        py,
                        Error::InvalidInput {
                            input: name.into(),
                            reason: format!("expected 1-D or 2-D, got {nd}-D"),
                        },
                    ))
                }
            });
        }
        // Outputs are numpy arrays allocated here when the caller gives none: numpy's allocator
        // asks for huge pages on large arrays, which makes the first write of a 80 MB output
        // several times cheaper than a fresh Rust Vec handed over to numpy.
        let allocated;
        let out: &Bound<'py, PyTuple> = match out {
            Some(out) => {
                check_out(py, decl, &data, &params, out)?;
                out
            }
            None => {
                let checked = decl.check_inputs(&data).into_py_result(py)?;
                decl.check_output_sizes(&checked, &params).into_py_result(py)?;
                let lens: Vec<usize> = (0..decl.outputs.len())
                    .map(|i| decl.output_len_with(i, &checked, &params))
                    .collect();
                let block = decl.outputs.len() > 1
                    && decl.outputs.iter().all(|s| s.kind == OutputKind::SeriesF64)
                    && lens.iter().all(|&n| n == lens[0])
                    // (empty rows would share one address: numpy's borrow check refuses that)
                    && lens[0] > 0;
                let arrays: Vec<Bound<'py, PyAny>> = if block {
                    // Several float64 series (MACD, BBANDS, STOCH...): one (outputs x bars)
                    // allocation, and each output a row of it. Freed, one block leaves glibc's
                    // malloc warm memory for the next call where three 8 MB arrays are trimmed
                    // back to the OS and fault in again (1M-bar MACD: 4.2-4.5 -> 1.4-1.7 ms). A row
                    // keeps the whole block alive.
                    let rows = output_array::<f64, _, _>(
                        py,
                        OutputKind::SeriesF64,
                        [lens.len(), lens[0]],
                        false,
                    );
                    (0..lens.len()).map(|i| rows.get_item(i)).collect::<PyResult<_>>()?
                } else {
                    decl.outputs
                        .iter()
                        .enumerate()
                        .map(|(i, spec)| {
                            let n = lens[i];
                            if spec.kind.is_array() {
                                // n-D (paths, [steps + 1,] [assets]), (cols, cols), (steps + 1,
                                // columns) or (points, cols), C order
                                let shape = decl.output_shape(i, &checked, &params);
                                PyArrayDyn::<f64>::zeros(py, shape, false).into_any()
                            } else if spec.kind == OutputKind::SeriesI32 {
                                output_array::<i32, _, _>(py, spec.kind, n, false).into_any()
                            } else {
                                output_array::<f64, _, _>(py, spec.kind, n, false).into_any()
                            }
                        })
                        .collect()
                };
                allocated = PyTuple::new(py, arrays)?;
                &allocated
            }
        };
        {
            {
                // Borrow every buffer mutably, then compute straight into numpy memory.
                let mut f64s: Vec<PyReadwriteArrayDyn<'py, f64>> = Vec::new();
                let mut i32s: Vec<PyReadwriteArrayDyn<'py, i32>> = Vec::new();
                for (i, o) in out.iter().enumerate() {
                    let want_i32 =
                        decl.outputs.get(i).is_some_and(|s| s.kind == OutputKind::SeriesI32);
                    let bad = |what: &str| {
                        to_py(
                            py,
                            Error::InvalidInput {
                                input: format!("out[{i}]"),
                                reason: format!(
                                    "expected a writable C-contiguous {what} numpy array"
                                ),
                            },
                        )
                    };
                    if want_i32 {
                        i32s.push(
                            o.extract::<PyReadwriteArrayDyn<'py, i32>>()
                                .map_err(|_| bad("int32"))?,
                        );
                    } else {
                        f64s.push(
                            o.extract::<PyReadwriteArrayDyn<'py, f64>>()
                                .map_err(|_| bad("float64"))?,
                        );
                    }
                }
                let mut fi = f64s.iter_mut();
                let mut ii = i32s.iter_mut();
                let mut bufs: Vec<OutBuf<'_>> = Vec::with_capacity(out.len());
                for (i, _) in out.iter().enumerate() {
                    let want_i32 =
                        decl.outputs.get(i).is_some_and(|s| s.kind == OutputKind::SeriesI32);
                    let contiguous = |_| {
                        to_py(
                            py,
                            Error::InvalidInput {
                                input: format!("out[{i}]"),
                                reason: "array must be C-contiguous".into(),
                            },
                        )
                    };
                    if want_i32 {
                        if let Some(a) = ii.next() {
                            bufs.push(OutBuf::I32(a.as_slice_mut().map_err(contiguous)?));
                        }
                    } else if let Some(a) = fi.next() {
                        bufs.push(OutBuf::F64(a.as_slice_mut().map_err(contiguous)?));
                    }
                }
                py.detach(|| decl.call_into(&data, &params, &mut bufs)).into_py_result(py)?;
                // Scalars are read from the buffers before the borrows end.
                let scalars: Vec<f64> = bufs
                    .iter()
                    .map(|b| match b {
                        OutBuf::F64(s) => s.first().copied().unwrap_or(f64::NAN),
                        OutBuf::I32(_) | OutBuf::Json(_) => f64::NAN,
                    })
                    .collect();
                drop(bufs);
                let list = PyList::empty(py);
                for ((spec, o), scalar) in decl.outputs.iter().zip(out.iter()).zip(scalars) {
                    if spec.kind == OutputKind::Scalar {
                        list.append(scalar)?;
                    } else {
                        list.append(o)?;
                    }
                }
                Ok(list)
            }
        }
    }

    /// Computes a function whose inputs are texts (`str`/`bytes`, or a list of them for
    /// list inputs), with the GIL released. Returns a list of outputs: a dict per record output,
    /// a list of dicts per record-list output.
    fn call_text<'py>(
        &self,
        py: Python<'py>,
        inputs: &Bound<'py, PyTuple>,
        params: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyList>> {
        let decl = self.decl;
        let params = to_params(decl, params)?;
        let owned = read_texts(decl, inputs)?;
        let refs: Vec<Vec<&str>> = owned
            .iter()
            .map(|o| match o {
                OwnedText::Many(v) => v.iter().map(String::as_str).collect(),
                OwnedText::One(_) | OwnedText::Json(_) => Vec::new(),
            })
            .collect();
        let data: Vec<InputData<'_>> = owned
            .iter()
            .zip(&refs)
            .map(|(o, r)| match o {
                OwnedText::One(s) => InputData::Text(s),
                OwnedText::Json(s) => InputData::Json(s),
                OwnedText::Many(_) => InputData::TextList(r),
            })
            .collect();
        let outs = py.detach(|| decl.call(&data, &params)).into_py_result(py)?;
        let json_loads = py.import("json")?.getattr("loads")?;
        let list = PyList::empty(py);
        for o in &outs {
            match o {
                OutVec::Record(r) => list.append(record_to_py(py, r)?)?,
                OutVec::Records(rs) => {
                    let items = PyList::empty(py);
                    for r in rs {
                        items.append(record_to_py(py, r)?)?;
                    }
                    list.append(items)?;
                }
                OutVec::Scalar(x) => list.append(*x)?,
                OutVec::F64(v) => list.append(PyArray1::from_slice(py, v))?,
                OutVec::I32(v) => list.append(PyArray1::from_slice(py, v))?,
                OutVec::Array { data, shape } => {
                    list.append(PyArray1::from_slice(py, data).reshape(shape.as_slice())?)?;
                }
                OutVec::Json(text) => list.append(json_loads.call1((text.as_str(),))?)?,
            }
        }
        Ok(list)
    }

    /// Number of leading warm-up values for these parameters (indicators only).
    fn lookback(&self, py: Python<'_>, params: &Bound<'_, PyTuple>) -> PyResult<Option<usize>> {
        let params = to_params(self.decl, params)?;
        match self.decl.lookback {
            Some(f) => Ok(Some(f(&params).into_py_result(py)?)),
            None => Ok(None),
        }
    }

    /// A fresh streaming state for these parameters.
    fn stream(&self, py: Python<'_>, params: &Bound<'_, PyTuple>) -> PyResult<PyStream> {
        let params = to_params(self.decl, params)?;
        let inner = self.decl.stream(&params).into_py_result(py)?;
        Ok(PyStream::new(self.decl, params, inner))
    }

    fn __repr__(&self) -> String {
        format!("<sextant function {}.{}>", self.decl.module.as_str(), self.decl.name)
    }
}

/// A streaming indicator state (see `sextant.ta.stream`).
#[pyclass(module = "sextant._native", name = "Stream")]
struct PyStream {
    decl: &'static FunctionDecl,
    params: Params,
    inner: Box<dyn Stream>,
    int_output: bool,
    /// The declared inputs and outputs per bar (kept here: the per-tick path makes no virtual
    /// call to ask).
    n_in: usize,
    n_out: usize,
}

impl PyStream {
    fn new(decl: &'static FunctionDecl, params: Params, inner: Box<dyn Stream>) -> Self {
        let int_output = decl.outputs.iter().all(|o| o.kind == OutputKind::SeriesI32);
        let (n_in, n_out) = (inner.n_inputs(), inner.n_outputs());
        Self { decl, params, inner, int_output, n_in, n_out }
    }

    fn result<'py>(&self, py: Python<'py>, vals: &[f64]) -> PyResult<Bound<'py, PyAny>> {
        let conv = |v: f64| -> PyResult<Bound<'py, PyAny>> {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "integer outputs are small exact codes"
            )]
            if self.int_output {
                Ok((v as i32).into_pyobject(py)?.into_any())
            } else {
                Ok(PyFloat::new(py, v).into_any())
            }
        };
        if vals.len() == 1 {
            conv(vals[0])
        } else {
            let items: Vec<Bound<'py, PyAny>> =
                vals.iter().map(|v| conv(*v)).collect::<PyResult<_>>()?;
            Ok(PyTuple::new(py, items)?.into_any())
        }
    }

    fn bar(&self, py: Python<'_>, x: [Option<f64>; 5]) -> PyResult<([f64; 5], usize)> {
        let n = self.inner.n_inputs();
        let given = x.iter().take_while(|v| v.is_some()).count();
        if given != n || x.iter().skip(given).any(Option::is_some) {
            let names: Vec<&str> = self.decl.inputs.iter().map(|i| i.name).collect();
            return Err(to_py(
                py,
                Error::Arity {
                    what: format!(
                        "number of values per bar for {} ({})",
                        self.decl.name,
                        names.join(", ")
                    ),
                    expected: n,
                    got: given,
                },
            ));
        }
        Ok((x.map(|v| v.unwrap_or(f64::NAN)), n))
    }

    /// Runs one per-bar operation (update, peek or replace_last) and converts its result. The
    /// common case, one input and one float output (EMA, RSI, SMA... fed a price per tick),
    /// goes straight through: this is a per-tick call, where the adapter's share is most of
    /// the cost.
    fn apply<'py>(
        &mut self,
        py: Python<'py>,
        x: [Option<f64>; 5],
        op: fn(&mut dyn Stream, &[f64], &mut [f64]) -> sextant_core::Result<()>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut out = [f64::NAN; 8];
        let k = self.n_out;
        if self.n_in == 1 && x[1..].iter().all(Option::is_none) {
            let bar = [x[0].unwrap_or(f64::NAN)];
            op(self.inner.as_mut(), &bar, &mut out[..k]).into_py_result(py)?;
        } else {
            let (bar, n) = self.bar(py, x)?;
            op(self.inner.as_mut(), &bar[..n], &mut out[..k]).into_py_result(py)?;
        }
        if k == 1 && !self.int_output {
            return Ok(PyFloat::new(py, out[0]).into_any());
        }
        self.result(py, &out[..k])
    }
}

#[pymethods]
impl PyStream {
    /// Appends a bar (the declared inputs, positionally) and returns the new value(s);
    /// NaN during warm-up.
    #[pyo3(signature = (x0, x1=None, x2=None, x3=None, x4=None))]
    fn update<'py>(
        &mut self,
        py: Python<'py>,
        x0: f64,
        x1: Option<f64>,
        x2: Option<f64>,
        x3: Option<f64>,
        x4: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.apply(py, [Some(x0), x1, x2, x3, x4], |s, b, o| s.update(b, o))
    }

    /// The value(s) this bar would give, without changing the state.
    #[pyo3(signature = (x0, x1=None, x2=None, x3=None, x4=None))]
    fn peek<'py>(
        &self,
        py: Python<'py>,
        x0: f64,
        x1: Option<f64>,
        x2: Option<f64>,
        x3: Option<f64>,
        x4: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (bar, n) = self.bar(py, [Some(x0), x1, x2, x3, x4])?;
        let k = self.inner.n_outputs();
        let mut out = [f64::NAN; 8];
        self.inner.peek(&bar[..n], &mut out[..k]).into_py_result(py)?;
        self.result(py, &out[..k])
    }

    /// Replaces the last bar (the forming candle changed) and returns the new value(s).
    #[pyo3(signature = (x0, x1=None, x2=None, x3=None, x4=None))]
    fn replace_last<'py>(
        &mut self,
        py: Python<'py>,
        x0: f64,
        x1: Option<f64>,
        x2: Option<f64>,
        x3: Option<f64>,
        x4: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.apply(py, [Some(x0), x1, x2, x3, x4], |s, b, o| s.replace_last(b, o))
    }

    /// Feeds whole input columns (C-contiguous float64 arrays of equal length) bar by bar;
    /// returns the value(s) after the last bar.
    fn extend<'py>(
        &mut self,
        py: Python<'py>,
        inputs: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let arrays = read_arrays(py, self.decl, inputs)?;
        let n_in = self.inner.n_inputs();
        if arrays.len() != n_in {
            return Err(to_py(
                py,
                Error::Arity {
                    what: format!("number of history inputs of {}", self.decl.name),
                    expected: n_in,
                    got: arrays.len(),
                },
            ));
        }
        let cols: Vec<&[f64]> = arrays
            .iter()
            .map(|a| {
                a.as_slice().map_err(|_| {
                    to_py(
                        py,
                        Error::InvalidInput {
                            input: "history".into(),
                            reason: "must be C-contiguous".into(),
                        },
                    )
                })
            })
            .collect::<PyResult<_>>()?;
        for (i, c) in cols.iter().enumerate().skip(1) {
            sextant_core::error::check_same_len(
                self.decl.inputs[i].name,
                c.len(),
                self.decl.inputs[0].name,
                cols[0].len(),
            )
            .into_py_result(py)?;
        }
        let k = self.inner.n_outputs();
        let mut out = [f64::NAN; 8];
        let inner = &mut self.inner;
        py.detach(|| {
            let mut bar = [0.0; 8];
            for i in 0..cols.first().map_or(0, |c| c.len()) {
                for (b, c) in bar.iter_mut().zip(&cols) {
                    *b = c[i];
                }
                inner.update(&bar[..n_in], &mut out[..k])?;
            }
            Ok::<(), Error>(())
        })
        .into_py_result(py)?;
        self.inner.value(&mut out[..k]);
        self.result(py, &out[..k])
    }

    /// Back to the state before the first bar.
    fn reset(&mut self) {
        self.inner.reset();
    }

    /// An independent copy.
    fn copy(&self) -> Self {
        Self::new(self.decl, self.params.clone(), self.inner.clone_box())
    }

    fn __copy__(&self) -> Self {
        self.copy()
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.copy()
    }

    /// The value(s) after the last bar (NaN before any bar).
    #[getter]
    fn value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let k = self.inner.n_outputs();
        let mut out = [f64::NAN; 8];
        self.inner.value(&mut out[..k]);
        self.result(py, &out[..k])
    }

    /// Number of bars seen since construction or reset.
    #[getter]
    fn bars(&self) -> u64 {
        self.inner.bars()
    }

    /// The function's name.
    #[getter]
    fn name(&self) -> &'static str {
        self.decl.name
    }

    /// The state as bytes (restore with `sextant.ta.stream.load`).
    fn save<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.save())
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let restore = py.import("sextant._native")?.getattr("_restore_stream")?;
        let params: Vec<Bound<'py, PyAny>> =
            self.params.values().iter().map(|v| value_to_py(py, v)).collect::<PyResult<_>>()?;
        let args =
            (self.decl.module.as_str(), self.decl.name, PyTuple::new(py, params)?, self.save(py));
        PyTuple::new(py, [restore, args.into_pyobject(py)?.into_any()])
    }

    fn __repr__(&self) -> String {
        format!("<stream {} bars={}>", self.decl.display_with(&self.params), self.inner.bars())
    }
}

/// Restores a pickled stream.
#[pyfunction]
fn _restore_stream(
    py: Python<'_>,
    module: &str,
    name: &str,
    params: &Bound<'_, PyTuple>,
    state: &[u8],
) -> PyResult<PyStream> {
    let decl = registry::find(module, name)
        .ok_or_else(|| to_py(py, Error::UnknownFunction(format!("{module}.{name}"))))?;
    let params = to_params(decl, params)?;
    let inner = decl.stream_load(state).into_py_result(py)?;
    Ok(PyStream::new(decl, params, inner))
}

/// The declarations as JSON (a list of function descriptions), from which the Python surface,
/// the stubs and the docs table are generated.
#[pyfunction]
fn registry_json() -> String {
    let infos: Vec<_> = REGISTRY.iter().map(|d| d.info()).collect();
    // Descriptions contain only strings, numbers and nulls; serialisation cannot fail.
    serde_json::to_string(&infos).unwrap_or_default()
}

/// The `Function` object for a declared function.
#[pyfunction]
fn function(py: Python<'_>, module: &str, name: &str) -> PyResult<PyFunction> {
    registry::find(module, name)
        .map(|decl| PyFunction { decl })
        .ok_or_else(|| to_py(py, Error::UnknownFunction(format!("{module}.{name}"))))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFunction>()?;
    m.add_class::<PyStream>()?;
    m.add_function(wrap_pyfunction!(registry_json, m)?)?;
    m.add_function(wrap_pyfunction!(function, m)?)?;
    m.add_function(wrap_pyfunction!(_restore_stream, m)?)?;
    m.add_function(wrap_pyfunction!(columns::call_columns, m)?)?;
    errors::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
