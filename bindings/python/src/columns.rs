//! Many series at once: a function of series over every column of 2-D inputs (bars x
//! symbols), computed by the core's [`FunctionDecl::call_columns`] with the GIL released and
//! the columns shared among threads.

use numpy::{PyArrayDescrMethods, PyReadwriteArray2, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use sextant_core::columns::{Columns, ColumnsOut};
use sextant_core::decl::{FunctionDecl, OutputKind};
use sextant_core::Error;

use crate::errors::{to_py, ToPyResult};
use crate::{read_arrays, to_params, PyFunction};

/// Computes `function` on every column of the 2-D float64 `inputs` (all the same shape, C or
/// Fortran order; a 1-D input of the same length is used for every column) on `threads`
/// threads (0: all cores). Returns one column-major array per
/// output, shape `(length of the output for one column, columns)`: new arrays, or the arrays of
/// `out` (one per output, Fortran-contiguous, writable, of that shape and the output's dtype).
#[pyfunction]
#[pyo3(signature = (function, inputs, params, threads=0, out=None))]
pub(crate) fn call_columns<'py>(
    py: Python<'py>,
    function: PyRef<'py, PyFunction>,
    inputs: &Bound<'py, PyTuple>,
    params: &Bound<'py, PyTuple>,
    threads: usize,
    out: Option<&Bound<'py, PyTuple>>,
) -> PyResult<Bound<'py, PyList>> {
    let decl = function.decl;
    let params = to_params(decl, params)?;
    let arrays = read_arrays(py, decl, inputs)?;
    let mut cols_in = Vec::with_capacity(arrays.len());
    for (i, a) in arrays.iter().enumerate() {
        let name = decl.inputs.get(i).map_or("?", |s| s.name);
        let bad = |reason: &str| {
            to_py(py, Error::InvalidInput { input: name.into(), reason: reason.into() })
        };
        let slice = a.as_slice().map_err(|_| bad("the array must be C- or Fortran-contiguous"))?;
        cols_in.push(match *a.shape() {
            [rows, cols] if a.is_c_contiguous() => Columns::row_major(slice, rows, cols),
            [rows, cols] => Columns::col_major(slice, rows, cols),
            // a 1-D input is used for every column (set below, once the 2-D shape is known)
            [_] => Columns::broadcast(slice, 0),
            _ => {
                return Err(bad(&format!(
                    "expected a 2-D (bars x series) array or one series, got {}-D",
                    a.ndim()
                )))
            }
        });
    }
    let Some((rows, cols)) =
        arrays.iter().zip(&cols_in).find(|(a, _)| a.ndim() == 2).map(|(_, c)| (c.rows, c.cols))
    else {
        return Err(to_py(
            py,
            Error::InvalidInput {
                input: decl.inputs.first().map_or("inputs", |s| s.name).into(),
                reason: "at least one input must be 2-D (bars x series)".into(),
            },
        ));
    };
    for (a, c) in arrays.iter().zip(cols_in.iter_mut()) {
        if a.ndim() == 1 {
            c.cols = cols;
        }
    }
    let lens = decl.column_output_lens(rows, &params).into_py_result(py)?;
    let out: Vec<Bound<'py, PyAny>> = if let Some(out) = out {
        check_out(py, decl, &lens, cols, out)?;
        out.iter().collect()
    } else {
        new_outputs(py, decl, &lens, cols)?
    };
    {
        let mut f64s: Vec<PyReadwriteArray2<'py, f64>> = Vec::new();
        let mut i32s: Vec<PyReadwriteArray2<'py, i32>> = Vec::new();
        for (spec, o) in decl.outputs.iter().zip(&out) {
            if spec.kind == OutputKind::SeriesI32 {
                i32s.push(o.extract()?);
            } else {
                f64s.push(o.extract()?);
            }
        }
        let (mut fi, mut ii) = (f64s.iter_mut(), i32s.iter_mut());
        let mut bufs: Vec<ColumnsOut<'_>> = Vec::with_capacity(out.len());
        for spec in decl.outputs {
            let contiguous = |_| to_py(py, Error::State("an output is not contiguous".into()));
            if spec.kind == OutputKind::SeriesI32 {
                if let Some(a) = ii.next() {
                    bufs.push(ColumnsOut::I32(a.as_slice_mut().map_err(contiguous)?));
                }
            } else if let Some(a) = fi.next() {
                bufs.push(ColumnsOut::F64(a.as_slice_mut().map_err(contiguous)?));
            }
        }
        py.detach(|| decl.call_columns(&cols_in, &params, &mut bufs, threads))
            .into_py_result(py)?;
    }
    PyList::new(py, out)
}

/// New outputs of a 2-D call: `(len, cols)` arrays in Fortran order.
fn new_outputs<'py>(
    py: Python<'py>,
    decl: &FunctionDecl,
    lens: &[usize],
    cols: usize,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let block = decl.outputs.len() > 1
        && decl.outputs.iter().all(|s| s.kind == OutputKind::SeriesF64)
        && lens.iter().all(|&n| n == lens[0])
        // (empty outputs would share one address: numpy's borrow check refuses that)
        && lens[0] * cols > 0;
    Ok(if block {
        // Several float64 series (BBANDS, MACD...): one allocation, as in the 1-D call
        // (freed, separate 20 MB arrays go back to the OS and fault in again on the next call;
        // one block stays warm). Output i is `block[i].T`, `(len, cols)` in Fortran order.
        let block = crate::output_array::<f64, _, _>(
            py,
            OutputKind::SeriesF64,
            [lens.len(), cols, lens[0]],
            false,
        );
        (0..lens.len()).map(|i| block.get_item(i)?.getattr("T")).collect::<PyResult<_>>()?
    } else {
        decl.outputs
            .iter()
            .zip(lens)
            .map(|(spec, &len)| {
                if spec.kind == OutputKind::SeriesI32 {
                    crate::output_array::<i32, _, _>(py, spec.kind, [len, cols], true).into_any()
                } else {
                    crate::output_array::<f64, _, _>(py, spec.kind, [len, cols], true).into_any()
                }
            })
            .collect()
    })
}

/// Checks the caller's outputs of a 2-D call: one per output, each a writable Fortran-contiguous
/// array of shape `(len, cols)` and the output's dtype.
fn check_out(
    py: Python<'_>,
    decl: &FunctionDecl,
    lens: &[usize],
    cols: usize,
    out: &Bound<'_, PyTuple>,
) -> PyResult<()> {
    let bad = |reason: String| to_py(py, Error::InvalidInput { input: "out".into(), reason });
    if out.len() != decl.outputs.len() {
        let names: Vec<String> = decl
            .outputs
            .iter()
            .zip(lens)
            .map(|(o, l)| format!("{} ({l}, {cols})", o.name))
            .collect();
        return Err(bad(format!(
            "expected {} array(s), one per output ({}), got {}",
            decl.outputs.len(),
            names.join(", "),
            out.len()
        )));
    }
    for (i, ((spec, o), &len)) in decl.outputs.iter().zip(out.iter()).zip(lens).enumerate() {
        let dtype = if spec.kind == OutputKind::SeriesI32 { "int32" } else { "float64" };
        let want = format!(
            "out[{i}] (`{}`) must be a writable Fortran-contiguous {dtype} numpy array of shape \
             ({len}, {cols}), e.g. np.empty(({len}, {cols}), order=\"F\")",
            spec.name
        );
        let Ok(arr) = o.cast::<PyUntypedArray>() else {
            let t = o.get_type().name()?.to_string();
            return Err(bad(format!("{want}, got {t}")));
        };
        let ok_dtype = if spec.kind == OutputKind::SeriesI32 {
            arr.dtype().is_equiv_to(&numpy::dtype::<i32>(py))
        } else {
            arr.dtype().is_equiv_to(&numpy::dtype::<f64>(py))
        };
        if !ok_dtype || arr.shape() != [len, cols] {
            let shape: Vec<String> = arr.shape().iter().map(ToString::to_string).collect();
            return Err(bad(format!(
                "{want}, got {} of shape ({})",
                arr.dtype().str()?,
                shape.join(", ")
            )));
        }
        if !arr.is_fortran_contiguous() {
            return Err(bad(format!("{want}, got an array that is not Fortran-contiguous")));
        }
        if !arr.getattr("flags")?.getattr("writeable")?.extract::<bool>()? {
            return Err(bad(format!("{want}, got a read-only array")));
        }
    }
    Ok(())
}
