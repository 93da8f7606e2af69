//! Conversions shared by the two JS adapters (this crate and `sextant-wasm`, which includes this
//! file with `#[path]`): parameters as JSON, inputs with their shapes, and errors as
//! (code, subject, message). Pure Rust: no napi or wasm-bindgen types, so both adapters agree by
//! construction.

use sextant_core::decl::{FunctionDecl, InputData, InputKind, OutVec, Params, Value};
use sextant_core::{registry, Error};

/// The registry as a JSON array of `FunctionInfo` (what the JS layer builds its surface from).
pub(crate) fn registry_json() -> String {
    let infos: Vec<_> = registry::REGISTRY.iter().map(|d| d.info()).collect();
    // FunctionInfo holds only strings, numbers and lists: serialising cannot fail.
    serde_json::to_string(&infos).unwrap_or_else(|_| "[]".to_owned())
}

/// Looks a declaration up or fails with `UNKNOWN_FUNCTION`.
pub(crate) fn find(module: &str, name: &str) -> Result<&'static FunctionDecl, Error> {
    registry::find(module, name).ok_or_else(|| Error::UnknownFunction(format!("{module}.{name}")))
}

/// Parses the parameters the JS layer sends: a JSON object keyed by declared (snake_case)
/// names. Non-finite numbers, which JSON cannot carry, arrive as `{"$f": "NaN" | "Infinity" |
/// "-Infinity"}`. Validation (types, bounds, unknown names, defaults) is the core's.
pub(crate) fn params(decl: &FunctionDecl, json: &str) -> Result<Params, Error> {
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(if json.is_empty() { "{}" } else { json }).map_err(|e| {
            Error::InvalidInput { input: "params".into(), reason: format!("bad JSON: {e}") }
        })?;
    let mut named = Vec::with_capacity(map.len());
    for (k, v) in &map {
        named.push((k.as_str(), json_value(k, v)?));
    }
    decl.params_named(named)
}

fn json_value(name: &str, v: &serde_json::Value) -> Result<Value, Error> {
    use serde_json::Value as J;
    Ok(match v {
        J::Null => Value::None,
        J::Bool(b) => Value::Bool(*b),
        J::String(s) => Value::Str(s.clone()),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::Object(o) if o.len() == 1 && o.contains_key("$f") => {
            match o.get("$f").and_then(J::as_str) {
                Some("Infinity") => Value::Float(f64::INFINITY),
                Some("-Infinity") => Value::Float(f64::NEG_INFINITY),
                _ => Value::Float(f64::NAN),
            }
        }
        other => {
            return Err(Error::InvalidType {
                param: name.to_owned(),
                expected: "a number, a string, a boolean or null".into(),
                got: match other {
                    J::Array(_) => "an array".into(),
                    _ => "an object".into(),
                },
            })
        }
    })
}

/// Pairs input arrays with the declaration: series as they are, matrices with their shape from
/// `shapes` (`[rows, cols]` per input, in input order; ignored for series).
pub(crate) fn inputs<'a, A: AsRef<[f64]>>(
    decl: &FunctionDecl,
    arrays: &'a [A],
    shapes: &[u32],
) -> Result<Vec<InputData<'a>>, Error> {
    if arrays.len() != decl.inputs.len() {
        return Err(Error::Arity {
            what: format!(
                "number of inputs of `{}` ({})",
                decl.name,
                decl.inputs.iter().map(|i| i.name).collect::<Vec<_>>().join(", ")
            ),
            expected: decl.inputs.len(),
            got: arrays.len(),
        });
    }
    decl.inputs
        .iter()
        .zip(arrays)
        .enumerate()
        .map(|(i, (spec, a))| {
            let data = a.as_ref();
            Ok(match spec.kind {
                InputKind::Series => InputData::Series(data),
                InputKind::Matrix => {
                    let (Some(&rows), Some(&cols)) = (shapes.get(2 * i), shapes.get(2 * i + 1))
                    else {
                        return Err(Error::InvalidInput {
                            input: spec.name.to_owned(),
                            reason: "matrix shape (rows, cols) missing".into(),
                        });
                    };
                    InputData::Matrix { data, rows: rows as usize, cols: cols as usize }
                }
                InputKind::Text | InputKind::TextList | InputKind::Json => {
                    return Err(Error::InvalidInput {
                        input: spec.name.to_owned(),
                        reason: "text and JSON inputs go through `callText`".into(),
                    })
                }
            })
        })
        .collect()
}

/// Checks the number of values in one streaming bar.
pub(crate) fn check_bar(expected: usize, got: usize) -> Result<(), Error> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::Arity { what: "number of inputs per bar".into(), expected, got })
    }
}

/// What a JS error carries: the stable code, the parameter or input at fault, the message.
pub(crate) struct JsErrorParts {
    pub(crate) code: &'static str,
    pub(crate) subject: Option<String>,
    pub(crate) message: String,
}

impl From<Error> for JsErrorParts {
    fn from(e: Error) -> Self {
        Self { code: e.code(), subject: e.subject().map(str::to_owned), message: e.to_string() }
    }
}

/// Steps a stream over whole columns (the `history` of a new stream object); returns the
/// value(s) after the last bar. Shared by both JS adapters.
pub(crate) fn stream_prime(
    s: &mut dyn sextant_core::decl::Stream,
    cols: &[&[f64]],
) -> Result<Vec<f64>, sextant_core::Error> {
    check_bar(s.n_inputs(), cols.len())?;
    let n = cols.first().map_or(0, |c| c.len());
    if let Some((k, c)) = cols.iter().enumerate().find(|(_, c)| c.len() != n) {
        return Err(sextant_core::Error::LengthMismatch {
            input: format!("history[{k}]"),
            len: c.len(),
            other: "history[0]".into(),
            other_len: n,
        });
    }
    let mut bar = vec![0.0; cols.len()];
    let mut out = vec![0.0; s.n_outputs()];
    for i in 0..n {
        for (b, c) in bar.iter_mut().zip(cols) {
            *b = c[i];
        }
        s.update(&bar, &mut out)?;
    }
    s.value(&mut out);
    Ok(out)
}

/// Runs a function generically over JSON: `inputs_json` is an array with one entry per declared
/// input (a string for text, an array of strings for a text list, an array of numbers or nulls
/// for a series); the result is a JSON array with one entry per declared output (a record is an
/// object of its fields plus `label`, a record list an array of them, NaN is null). This is the
/// path of text functions, whose inputs do not fit typed arrays; shared by both JS adapters.
pub(crate) fn call_json(
    decl: &FunctionDecl,
    inputs_json: &str,
    params_json: &str,
) -> Result<String, Error> {
    use serde_json::Value as J;
    let params = params(decl, params_json)?;
    let bad = |input: &str, reason: String| Error::InvalidInput { input: input.to_owned(), reason };
    let given: Vec<J> =
        serde_json::from_str(inputs_json).map_err(|e| bad("inputs", format!("bad JSON: {e}")))?;
    if given.len() != decl.inputs.len() {
        return Err(Error::Arity {
            what: format!("number of inputs of `{}`", decl.name),
            expected: decl.inputs.len(),
            got: given.len(),
        });
    }
    // Parsed JSON values only: serialising cannot fail.
    let text = |v: &J| serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned());
    enum Owned<'a> {
        Text(&'a str),
        Texts(Vec<&'a str>),
        Series(Vec<f64>),
        Json(String),
    }
    let mut owned = Vec::with_capacity(given.len());
    for (spec, v) in decl.inputs.iter().zip(&given) {
        owned.push(match (spec.kind, v) {
            (InputKind::Text, J::String(s)) => Owned::Text(s),
            (InputKind::TextList, J::Array(items)) => Owned::Texts(
                items
                    .iter()
                    .enumerate()
                    .map(|(k, x)| {
                        x.as_str()
                            .ok_or_else(|| bad(spec.name, format!("item {k} is not a string")))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            // any JSON value: the core parses it into the function's own types
            (InputKind::Json, doc) => Owned::Json(text(doc)),
            (InputKind::Series, J::Array(items)) => Owned::Series(
                items
                    .iter()
                    .enumerate()
                    .map(|(k, x)| match x {
                        J::Null => Ok(f64::NAN),
                        _ => x
                            .as_f64()
                            .ok_or_else(|| bad(spec.name, format!("item {k} is not a number"))),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            (kind, _) => {
                return Err(bad(
                    spec.name,
                    match kind {
                        InputKind::Text => "expected a string".into(),
                        InputKind::TextList => "expected an array of strings".into(),
                        InputKind::Series => "expected an array of numbers".into(),
                        InputKind::Matrix => "matrix inputs go through `call`".into(),
                        InputKind::Json => "expected a JSON value".into(),
                    },
                ))
            }
        });
    }
    let data: Vec<InputData<'_>> = owned
        .iter()
        .map(|o| match o {
            Owned::Text(s) => InputData::Text(s),
            Owned::Texts(v) => InputData::TextList(v),
            Owned::Series(v) => InputData::Series(v),
            Owned::Json(s) => InputData::Json(s),
        })
        .collect();
    let outs = decl.call(&data, &params)?;
    let num = |x: f64| serde_json::Number::from_f64(x).map_or(J::Null, J::Number);
    // records are written by hand so their keys keep the declared order (serde_json's map
    // would sort them): {neg, neu, pos, compound}, as vaderSentiment's dict
    let record = |out: &mut String, r: &sextant_core::decl::Record| {
        out.push('{');
        for (i, (k, v)) in r.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&text(&J::String((*k).to_owned())));
            out.push(':');
            out.push_str(&text(&num(*v)));
        }
        if let Some(l) = r.label {
            if !r.fields.is_empty() {
                out.push(',');
            }
            out.push_str("\"label\":");
            out.push_str(&text(&J::String(l.to_owned())));
        }
        out.push('}');
    };
    let mut out = String::from("[");
    for (i, o) in outs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match o {
            OutVec::F64(v) | OutVec::Array { data: v, .. } => {
                out.push_str(&text(&J::Array(v.iter().map(|x| num(*x)).collect())));
            }
            OutVec::I32(v) => {
                out.push_str(&text(&J::Array(v.iter().map(|x| J::from(*x)).collect())))
            }
            OutVec::Scalar(x) => out.push_str(&text(&num(*x))),
            OutVec::Record(r) => record(&mut out, r),
            OutVec::Records(rs) => {
                out.push('[');
                for (j, r) in rs.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    record(&mut out, r);
                }
                out.push(']');
            }
            // already JSON text, written by the core
            OutVec::Json(doc) => out.push_str(doc),
        }
    }
    out.push(']');
    Ok(out)
}
