//! # sextant-node
//!
//! The napi-rs adapter of Sextant: a private native module (`native`) with a handful of
//! generic entry points over the core registry. The public `sextant` npm package (`node/`)
//! builds the `ta`, `risk` and `alloc` namespaces from [`registry_json`] with the JS layer it
//! shares with the WASM package, so no function is wrapped by hand here.
//!
//! Every entry point converts its arguments, calls the core and converts the result or error;
//! errors become JS `Error` objects with a stable `code` (the core's [`sextant_core::Error::code`])
//! and `param` (the parameter or input at fault, or `null`). Entry points that run core code are
//! `catch_unwind`: the core never panics on any input, and if it ever did, JS would get an Error
//! instead of an aborted process.
#![allow(unsafe_code, reason = "napi-derive generates the FFI glue; this file writes none")]
#![allow(missing_docs, reason = "napi-derive generates undocumented items")]

mod common;

use napi::bindgen_prelude::{
    AsyncTask, Either, Either3, Float64Array, Int32Array, JsObjectValue, Null, Uint8Array,
};
use napi::Task;
use napi::{Env, JsValue};
use napi_derive::napi;
use sextant_core::decl::{OutVec, Stream};

use common::JsErrorParts;

/// Maps core results to napi results through one conversion ([`to_js_error`]).
trait OrThrow<T> {
    fn or_throw(self, env: &Env) -> napi::Result<T>;
}

impl<T> OrThrow<T> for Result<T, sextant_core::Error> {
    fn or_throw(self, env: &Env) -> napi::Result<T> {
        self.map_err(|e| to_js_error(env, e.into()))
    }
}

/// Builds a JS `Error` with `code` and `param` properties; napi rethrows the object as is.
fn to_js_error(env: &Env, p: JsErrorParts) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut obj = env.create_error(napi::Error::from_reason(p.message.clone()))?;
        obj.set_named_property("code", p.code)?;
        match &p.subject {
            Some(s) => obj.set_named_property("param", s.as_str())?,
            None => obj.set_named_property("param", Null)?,
        }
        Ok(napi::Error::from(obj.to_unknown()))
    };
    build().unwrap_or_else(|_| napi::Error::from_reason(p.message))
}

/// The declarations of every function, as a JSON array of `FunctionInfo`.
#[napi(js_name = "registryJson", catch_unwind)]
pub fn registry_json() -> String {
    common::registry_json()
}

/// Runs `module.name` on `inputs` (one Float64Array per declared input, matrices row-major
/// with `[rows, cols]` at `shapes[2i..2i+2]`) with parameters given as a JSON object keyed by
/// declared names. Returns one entry per declared output: Float64Array, Int32Array or number.
#[napi(catch_unwind)]
pub fn call(
    env: Env,
    module: String,
    name: String,
    inputs: Vec<Float64Array>,
    shapes: Vec<u32>,
    params_json: String,
) -> napi::Result<Vec<Either3<Float64Array, Int32Array, f64>>> {
    let decl = common::find(&module, &name).or_throw(&env)?;
    let params = common::params(decl, &params_json).or_throw(&env)?;
    let data = common::inputs(decl, &inputs, &shapes).or_throw(&env)?;
    let outs = decl.call(&data, &params).or_throw(&env)?;
    Ok(to_js_outputs(outs))
}

/// Outputs as the JS layer takes them: n-D outputs flat (row-major; the JS layer adds the
/// shape), scalars as numbers.
fn to_js_outputs(outs: Vec<OutVec>) -> Vec<Either3<Float64Array, Int32Array, f64>> {
    outs.into_iter()
        .map(|o| match o {
            // n-D outputs travel flat (row-major); the JS layer adds the shape
            OutVec::F64(v) | OutVec::Array { data: v, .. } => Either3::A(Float64Array::new(v)),
            OutVec::I32(v) => Either3::B(Int32Array::new(v)),
            OutVec::Scalar(x) => Either3::C(x),
            // record outputs belong to text functions, which go through `callText`
            OutVec::Record(_) | OutVec::Records(_) | OutVec::Json(_) => Either3::C(f64::NAN),
        })
        .collect()
}

/// One [`call`] on the libuv thread pool (`callAsync`): the inputs are copied, the
/// parameters checked on the main thread, the computation runs off it.
pub struct CallTask {
    decl: &'static sextant_core::decl::FunctionDecl,
    inputs: Vec<Vec<f64>>,
    shapes: Vec<u32>,
    params: sextant_core::decl::Params,
    error: Option<sextant_core::Error>,
}

impl Task for CallTask {
    type Output = Vec<OutVec>;
    type JsValue = Vec<Either3<Float64Array, Int32Array, f64>>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let run = || {
            let data = common::inputs(self.decl, &self.inputs, &self.shapes)?;
            self.decl.call(&data, &self.params)
        };
        run().map_err(|e| {
            let reason = e.to_string();
            self.error = Some(e);
            napi::Error::from_reason(reason)
        })
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(to_js_outputs(output))
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Self::JsValue> {
        Err(self.error.take().map_or(err, |e| to_js_error(&env, e.into())))
    }
}

/// [`call`] off the main thread: returns a Promise of the same outputs (rejected with the same
/// `code`/`param` errors). The JS layer's `<name>Async` functions.
#[napi(js_name = "callAsync", catch_unwind)]
pub fn call_async(
    env: Env,
    module: String,
    name: String,
    inputs: Vec<Float64Array>,
    shapes: Vec<u32>,
    params_json: String,
) -> napi::Result<AsyncTask<CallTask>> {
    let decl = common::find(&module, &name).or_throw(&env)?;
    let params = common::params(decl, &params_json).or_throw(&env)?;
    let inputs: Vec<Vec<f64>> = inputs.iter().map(|a| a.to_vec()).collect();
    // shape errors before the work is queued
    common::inputs(decl, &inputs, &shapes).or_throw(&env)?;
    Ok(AsyncTask::new(CallTask { decl, inputs, shapes, params, error: None }))
}

/// Runs `module.name` over JSON: `inputs_json` holds one entry per declared input (a string for
/// text, an array of strings for a text list, an array of numbers for a series), `params_json`
/// the parameters keyed by declared names. Returns the outputs as a JSON array (records as
/// objects with their fields and `label`). The path of text functions (`sentiment.*`).
#[napi(js_name = "callText", catch_unwind)]
pub fn call_text(
    env: Env,
    module: String,
    name: String,
    inputs_json: String,
    params_json: String,
) -> napi::Result<String> {
    let decl = common::find(&module, &name).or_throw(&env)?;
    common::call_json(decl, &inputs_json, &params_json).or_throw(&env)
}

/// Most outputs a streaming indicator declares (BBANDS has 3); kept on the stack per update.
const MAX_OUTPUTS: usize = 8;

/// One output as a number (no allocation: the common case), several as an array.
fn one_or_many(out: &[f64]) -> Either<f64, Vec<f64>> {
    match out {
        [x] => Either::A(*x),
        _ => Either::B(out.to_vec()),
    }
}

/// A streaming state object of one indicator (see DESIGN.md "Streaming"). A bar arrives as a
/// Float64Array with one value per declared input, borrowed (no copy); the new value comes back
/// as a number, or an array of numbers when the indicator has several outputs.
#[napi]
pub struct NativeStream {
    inner: Box<dyn Stream>,
}

#[napi]
impl NativeStream {
    /// A fresh state for `module.name` with parameters as a JSON object.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, module: String, name: String, params_json: String) -> napi::Result<Self> {
        let decl = common::find(&module, &name).or_throw(&env)?;
        let params = common::params(decl, &params_json).or_throw(&env)?;
        Ok(Self { inner: decl.stream(&params).or_throw(&env)? })
    }

    /// Restores a state saved by [`NativeStream::save`].
    #[napi(factory, catch_unwind)]
    pub fn restore(
        env: Env,
        module: String,
        name: String,
        bytes: Uint8Array,
    ) -> napi::Result<Self> {
        let decl = common::find(&module, &name).or_throw(&env)?;
        Ok(Self { inner: decl.stream_load(&bytes).or_throw(&env)? })
    }

    /// Number of outputs per bar.
    #[napi(getter, js_name = "nOutputs")]
    pub fn n_outputs(&self) -> u32 {
        u32::try_from(self.inner.n_outputs()).unwrap_or(u32::MAX)
    }

    /// Number of inputs per bar.
    #[napi(getter, js_name = "nInputs")]
    pub fn n_inputs(&self) -> u32 {
        u32::try_from(self.inner.n_inputs()).unwrap_or(u32::MAX)
    }

    /// Appends a bar; returns the new value(s).
    #[napi(catch_unwind)]
    pub fn update(&mut self, env: Env, bar: &[f64]) -> napi::Result<Either<f64, Vec<f64>>> {
        common::check_bar(self.inner.n_inputs(), bar.len()).or_throw(&env)?;
        let mut out = [0.0; MAX_OUTPUTS];
        let out = &mut out[..self.inner.n_outputs().min(MAX_OUTPUTS)];
        self.inner.update(bar, out).or_throw(&env)?;
        Ok(one_or_many(out))
    }

    /// The value(s) this bar would give; the state is untouched.
    #[napi(catch_unwind)]
    pub fn peek(&self, env: Env, bar: &[f64]) -> napi::Result<Either<f64, Vec<f64>>> {
        common::check_bar(self.inner.n_inputs(), bar.len()).or_throw(&env)?;
        let mut out = [0.0; MAX_OUTPUTS];
        let out = &mut out[..self.inner.n_outputs().min(MAX_OUTPUTS)];
        self.inner.peek(bar, out).or_throw(&env)?;
        Ok(one_or_many(out))
    }

    /// Replaces the last bar; returns the new value(s).
    #[napi(js_name = "replaceLast", catch_unwind)]
    pub fn replace_last(&mut self, env: Env, bar: &[f64]) -> napi::Result<Either<f64, Vec<f64>>> {
        common::check_bar(self.inner.n_inputs(), bar.len()).or_throw(&env)?;
        let mut out = [0.0; MAX_OUTPUTS];
        let out = &mut out[..self.inner.n_outputs().min(MAX_OUTPUTS)];
        self.inner.replace_last(bar, out).or_throw(&env)?;
        Ok(one_or_many(out))
    }

    /// Feeds whole columns (one Float64Array per input), as `update` bar by bar; returns the
    /// value(s) after the last bar.
    #[napi(catch_unwind)]
    pub fn prime(&mut self, env: Env, columns: Vec<Float64Array>) -> napi::Result<Vec<f64>> {
        let cols: Vec<&[f64]> = columns.iter().map(|c| &c[..]).collect();
        common::stream_prime(self.inner.as_mut(), &cols).or_throw(&env)
    }

    /// Back to the state before the first bar.
    #[napi]
    pub fn reset(&mut self) {
        self.inner.reset();
    }

    /// The value(s) after the last bar (NaN before any bar).
    #[napi]
    pub fn value(&self) -> Either<f64, Vec<f64>> {
        let mut out = [0.0; MAX_OUTPUTS];
        let out = &mut out[..self.inner.n_outputs().min(MAX_OUTPUTS)];
        self.inner.value(out);
        one_or_many(out)
    }

    /// Number of bars seen since construction or reset.
    #[napi]
    #[allow(clippy::cast_precision_loss, reason = "bar counts stay far below 2^53")]
    pub fn bars(&self) -> f64 {
        self.inner.bars() as f64
    }

    /// An independent copy.
    #[napi]
    pub fn copy(&self) -> Self {
        Self { inner: self.inner.clone_box() }
    }

    /// The full state as bytes.
    #[napi]
    pub fn save(&self) -> Uint8Array {
        Uint8Array::new(self.inner.save())
    }
}
