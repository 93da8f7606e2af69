//! # sextant-wasm
//!
//! The wasm-bindgen adapter of Sextant. It exports the same few generic entry points as the
//! Node adapter (`registryJson`, `call`, `NativeStream`), and the `wasm/` npm package wraps them
//! with the JS layer shared with `node/`, so the browser and Node see one surface derived from
//! the core registry. Conversions of parameters, inputs and errors are the Node adapter's
//! (`bindings/node/src/common.rs`, included below), so both adapters agree by construction.
//!
//! Errors are thrown as real `Error` objects (wasm-bindgen's `JsError`) carrying `code` (the
//! core's [`sextant_core::Error::code`]) and `param` (the parameter or input at fault, or null).
#![allow(unsafe_code, reason = "wasm-bindgen generates the FFI glue; this file writes none")]
#![allow(missing_docs, reason = "wasm-bindgen generates undocumented items")]

#[path = "../../node/src/common.rs"]
mod common;

use js_sys::{Array, Float64Array, Int32Array, Reflect};
use sextant_core::decl::{OutVec, Stream};
use wasm_bindgen::prelude::*;

use common::JsErrorParts;

/// Maps core results to JS results through one conversion ([`to_js_error`]).
trait OrThrow<T> {
    fn or_throw(self) -> Result<T, JsValue>;
}

impl<T> OrThrow<T> for Result<T, sextant_core::Error> {
    fn or_throw(self) -> Result<T, JsValue> {
        self.map_err(|e| to_js_error(e.into()))
    }
}

/// Builds a JS `Error` (via `JsError`) with `code` and `param` properties.
fn to_js_error(p: JsErrorParts) -> JsValue {
    let err: JsValue = JsError::new(&p.message).into();
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&err, &"code".into(), &p.code.into());
    let param = p.subject.map_or(JsValue::NULL, |s| JsValue::from_str(&s));
    let _ = Reflect::set(&err, &"param".into(), &param);
    err
}

/// The declarations of every function, as a JSON array of `FunctionInfo`.
#[wasm_bindgen(js_name = registryJson)]
pub fn registry_json() -> String {
    common::registry_json()
}

/// Copies a JS array of Float64Arrays into linear memory (one copy is unavoidable).
fn columns(arrays: &Array) -> Result<Vec<Vec<f64>>, JsValue> {
    arrays
        .iter()
        .enumerate()
        .map(|(i, a)| {
            a.dyn_into::<Float64Array>().map(|a| a.to_vec()).map_err(|_| {
                to_js_error(
                    sextant_core::Error::InvalidInput {
                        input: format!("inputs[{i}]"),
                        reason: "expected a Float64Array".into(),
                    }
                    .into(),
                )
            })
        })
        .collect()
}

/// Runs `module.name` on `inputs` (an array with one Float64Array per declared input, matrices
/// row-major with `[rows, cols]` at `shapes[2i..2i+2]`) with parameters given as a JSON object
/// keyed by declared names. Returns one entry per declared output: Float64Array, Int32Array or
/// number.
#[wasm_bindgen]
pub fn call(
    module: &str,
    name: &str,
    inputs: &Array,
    shapes: &[u32],
    params_json: &str,
) -> Result<Array, JsValue> {
    let decl = common::find(module, name).or_throw()?;
    let params = common::params(decl, params_json).or_throw()?;
    let cols = columns(inputs)?;
    let data = common::inputs(decl, &cols, shapes).or_throw()?;
    let outs = decl.call(&data, &params).or_throw()?;
    Ok(outs
        .into_iter()
        .map(|o| -> JsValue {
            match o {
                // n-D outputs travel flat (row-major); the JS layer adds the shape
                OutVec::F64(v) | OutVec::Array { data: v, .. } => Float64Array::from(&v[..]).into(),
                OutVec::I32(v) => Int32Array::from(&v[..]).into(),
                OutVec::Scalar(x) => x.into(),
                // record outputs belong to text functions, which go through `callText`
                OutVec::Record(_) | OutVec::Records(_) | OutVec::Json(_) => JsValue::NULL,
            }
        })
        .collect())
}

/// Runs `module.name` over JSON (see the Node adapter's `callText`): one entry per declared
/// input in `inputs_json`, parameters in `params_json`; returns the outputs as a JSON array.
#[wasm_bindgen(js_name = callText)]
pub fn call_text(
    module: &str,
    name: &str,
    inputs_json: &str,
    params_json: &str,
) -> Result<String, JsValue> {
    let decl = common::find(module, name).or_throw()?;
    common::call_json(decl, inputs_json, params_json).or_throw()
}

/// Most outputs a streaming indicator declares (BBANDS has 3); kept on the stack per update.
const MAX_OUTPUTS: usize = 8;

/// One output as a number (the common case), several as a Float64Array.
fn one_or_many(out: &[f64]) -> JsValue {
    match out {
        [x] => JsValue::from_f64(*x),
        _ => Float64Array::from(out).into(),
    }
}

/// A streaming state object of one indicator (see DESIGN.md "Streaming"). A bar arrives as a
/// Float64Array with one value per declared input; the new value comes back as a number, or a
/// Float64Array when the indicator has several outputs.
#[wasm_bindgen]
pub struct NativeStream {
    inner: Box<dyn Stream>,
}

#[wasm_bindgen]
impl NativeStream {
    /// A fresh state for `module.name` with parameters as a JSON object.
    #[wasm_bindgen(constructor)]
    pub fn new(module: &str, name: &str, params_json: &str) -> Result<NativeStream, JsValue> {
        let decl = common::find(module, name).or_throw()?;
        let params = common::params(decl, params_json).or_throw()?;
        Ok(Self { inner: decl.stream(&params).or_throw()? })
    }

    /// Restores a state saved by `save`.
    pub fn restore(module: &str, name: &str, bytes: &[u8]) -> Result<NativeStream, JsValue> {
        let decl = common::find(module, name).or_throw()?;
        Ok(Self { inner: decl.stream_load(bytes).or_throw()? })
    }

    /// Number of outputs per bar.
    #[wasm_bindgen(getter = nOutputs)]
    pub fn n_outputs(&self) -> u32 {
        u32::try_from(self.inner.n_outputs()).unwrap_or(u32::MAX)
    }

    /// Number of inputs per bar.
    #[wasm_bindgen(getter = nInputs)]
    pub fn n_inputs(&self) -> u32 {
        u32::try_from(self.inner.n_inputs()).unwrap_or(u32::MAX)
    }

    /// Appends a bar; returns the new value(s).
    pub fn update(&mut self, bar: &[f64]) -> Result<JsValue, JsValue> {
        common::check_bar(self.inner.n_inputs(), bar.len()).or_throw()?;
        let mut out = [0.0; MAX_OUTPUTS];
        let out = &mut out[..self.inner.n_outputs().min(MAX_OUTPUTS)];
        self.inner.update(bar, out).or_throw()?;
        Ok(one_or_many(out))
    }

    /// The value(s) this bar would give; the state is untouched.
    pub fn peek(&self, bar: &[f64]) -> Result<JsValue, JsValue> {
        common::check_bar(self.inner.n_inputs(), bar.len()).or_throw()?;
        let mut out = [0.0; MAX_OUTPUTS];
        let out = &mut out[..self.inner.n_outputs().min(MAX_OUTPUTS)];
        self.inner.peek(bar, out).or_throw()?;
        Ok(one_or_many(out))
    }

    /// Replaces the last bar; returns the new value(s).
    #[wasm_bindgen(js_name = replaceLast)]
    pub fn replace_last(&mut self, bar: &[f64]) -> Result<JsValue, JsValue> {
        common::check_bar(self.inner.n_inputs(), bar.len()).or_throw()?;
        let mut out = [0.0; MAX_OUTPUTS];
        let out = &mut out[..self.inner.n_outputs().min(MAX_OUTPUTS)];
        self.inner.replace_last(bar, out).or_throw()?;
        Ok(one_or_many(out))
    }

    /// Feeds whole columns (an array with one Float64Array per input), as `update` bar by bar;
    /// returns the value(s) after the last bar.
    pub fn prime(&mut self, columns_: &Array) -> Result<Vec<f64>, JsValue> {
        let cols = columns(columns_)?;
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        common::stream_prime(self.inner.as_mut(), &refs).or_throw()
    }

    /// Back to the state before the first bar.
    pub fn reset(&mut self) {
        self.inner.reset();
    }

    /// The value(s) after the last bar (NaN before any bar).
    pub fn value(&self) -> JsValue {
        let mut out = [0.0; MAX_OUTPUTS];
        let out = &mut out[..self.inner.n_outputs().min(MAX_OUTPUTS)];
        self.inner.value(out);
        one_or_many(out)
    }

    /// Number of bars seen since construction or reset.
    #[allow(clippy::cast_precision_loss, reason = "bar counts stay far below 2^53")]
    pub fn bars(&self) -> f64 {
        self.inner.bars() as f64
    }

    /// An independent copy.
    pub fn copy(&self) -> NativeStream {
        Self { inner: self.inner.clone_box() }
    }

    /// The full state as bytes.
    pub fn save(&self) -> Vec<u8> {
        self.inner.save()
    }
}
