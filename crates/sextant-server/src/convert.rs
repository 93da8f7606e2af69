//! JSON <-> core data: request bodies to core inputs and parameters, core outputs to JSON.
//!
//! Numbers travel as JSON numbers; NaN travels as `null` in both directions, and the infinities
//! (which JSON cannot write) as the strings `"Infinity"` and `"-Infinity"`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value as Json};
use sextant_core::decl::{
    FunctionDecl, InputData, InputKind, OutVec, OutputKind, ParamKind, Params, Value,
};
use sextant_core::Error;

/// A compute request: `{"inputs": {name: array}, "params": {name: value}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeRequest {
    /// Inputs by declared name: a series is an array of numbers, a matrix an array of rows.
    pub inputs: Map<String, Json>,
    /// Parameters by declared name; missing ones take their defaults.
    #[serde(default)]
    pub params: Map<String, Json>,
}

/// An owned input column.
#[derive(Debug)]
pub enum OwnedInput {
    /// A series.
    Series(Vec<f64>),
    /// A row-major matrix.
    Matrix {
        /// Values, row-major.
        data: Vec<f64>,
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
    /// A text.
    Text(String),
    /// A list of texts, with their borrowed views.
    TextList(Vec<String>, Vec<usize>),
    /// A JSON document, as text.
    Json(String),
}

impl OwnedInput {
    /// Borrowed view for the core.
    #[must_use]
    pub fn view(&self) -> InputData<'_> {
        match self {
            Self::Series(s) => InputData::Series(s),
            Self::Matrix { data, rows, cols } => {
                InputData::Matrix { data, rows: *rows, cols: *cols }
            }
            Self::Text(s) => InputData::Text(s),
            Self::Json(s) => InputData::Json(s),
            // list views are built by `compute` (they borrow the strings)
            Self::TextList(..) => InputData::TextList(&[]),
        }
    }
}

/// A JSON number, `null` (NaN) or `"Infinity"` / `"-Infinity"` as an f64.
#[must_use]
pub fn json_to_f64(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::Null => Some(f64::NAN),
        Json::String(s) if s == "Infinity" => Some(f64::INFINITY),
        Json::String(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// An f64 as JSON: a number, `null` for NaN, `"Infinity"` / `"-Infinity"`.
#[must_use]
pub fn f64_to_json(x: f64) -> Json {
    if x.is_nan() {
        Json::Null
    } else if x.is_infinite() {
        Json::String(if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned())
    } else {
        Number::from_f64(x).map_or(Json::Null, Json::Number)
    }
}

fn kind_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn invalid(input: &str, reason: String) -> Error {
    Error::InvalidInput { input: input.to_owned(), reason }
}

const NUMBER_EXPECTED: &str = "expected a number, null (NaN), \"Infinity\" or \"-Infinity\"";

fn parse_numbers(input: &str, items: &[Json], what: &str) -> Result<Vec<f64>, Error> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            json_to_f64(v).ok_or_else(|| {
                invalid(input, format!("{what}{i} is {}; {NUMBER_EXPECTED}", kind_name(v)))
            })
        })
        .collect()
}

fn parse_input(name: &str, kind: InputKind, v: &Json) -> Result<OwnedInput, Error> {
    match (kind, v) {
        (InputKind::Text, Json::String(s)) => return Ok(OwnedInput::Text(s.clone())),
        // any JSON value: the core parses it into the function's own types
        (InputKind::Json, doc) => return Ok(OwnedInput::Json(doc.to_string())),
        (InputKind::Text, _) => {
            return Err(invalid(name, format!("expected a string, got {}", kind_name(v))))
        }
        (InputKind::TextList, Json::Array(items)) => {
            let texts = items
                .iter()
                .enumerate()
                .map(|(k, x)| match x {
                    Json::String(s) => Ok(s.clone()),
                    other => Err(invalid(
                        name,
                        format!("item {k} is {}; expected a string", kind_name(other)),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(OwnedInput::TextList(texts, Vec::new()));
        }
        _ => {}
    }
    let Json::Array(items) = v else {
        return Err(invalid(name, format!("expected an array, got {}", kind_name(v))));
    };
    match kind {
        InputKind::Series => Ok(OwnedInput::Series(parse_numbers(name, items, "element ")?)),
        InputKind::Matrix => {
            let mut data = Vec::new();
            let mut cols = None;
            for (r, row) in items.iter().enumerate() {
                let Json::Array(row) = row else {
                    return Err(invalid(
                        name,
                        format!("row {r} is {}; a matrix is an array of rows", kind_name(row)),
                    ));
                };
                match cols {
                    None => cols = Some(row.len()),
                    Some(c) if c != row.len() => {
                        return Err(invalid(
                            name,
                            format!("row {r} has {} values, row 0 has {c}", row.len()),
                        ))
                    }
                    Some(_) => {}
                }
                data.extend(parse_numbers(name, row, &format!("row {r}, column "))?);
            }
            Ok(OwnedInput::Matrix { data, rows: items.len(), cols: cols.unwrap_or(0) })
        }
        InputKind::Text | InputKind::TextList | InputKind::Json => {
            Err(invalid(name, "expected an array of strings".to_owned()))
        }
    }
}

/// Inputs in declaration order; unknown or missing names are errors naming the input.
pub fn inputs(decl: &FunctionDecl, given: &Map<String, Json>) -> Result<Vec<OwnedInput>, Error> {
    let names = || decl.inputs.iter().map(|i| i.name).collect::<Vec<_>>().join(", ");
    if let Some(extra) = given.keys().find(|k| !decl.inputs.iter().any(|i| i.name == *k)) {
        return Err(invalid(
            extra,
            format!("`{}` has no input of this name; inputs: {}", decl.name, names()),
        ));
    }
    decl.inputs
        .iter()
        .map(|spec| match given.get(spec.name) {
            Some(v) => parse_input(spec.name, spec.kind, v),
            None => Err(invalid(
                spec.name,
                format!("missing; `{}` needs inputs: {}", decl.name, names()),
            )),
        })
        .collect()
}

/// Parameters validated against the declaration (defaults filled in).
pub fn params(decl: &FunctionDecl, given: &Map<String, Json>) -> Result<Params, Error> {
    let mut named = Vec::with_capacity(given.len());
    for (name, v) in given {
        let value = match v {
            Json::Null => Value::None,
            Json::Bool(b) => Value::Bool(*b),
            Json::String(s) => Value::Str(s.clone()),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            // a JSON parameter (portfolio constraints) takes objects and arrays as JSON text
            Json::Object(_) | Json::Array(_)
                if decl
                    .params
                    .iter()
                    .any(|p| p.name == name && matches!(p.kind, ParamKind::Json)) =>
            {
                Value::Str(v.to_string())
            }
            other => {
                return Err(Error::InvalidType {
                    param: name.clone(),
                    expected: "a number, a string, a boolean or null".to_owned(),
                    got: kind_name(other).to_owned(),
                })
            }
        };
        named.push((name.as_str(), value));
    }
    decl.params_named(named)
}

/// A validated parameter value as JSON.
#[must_use]
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => f64_to_json(*f),
        Value::Str(s) => Json::String(s.clone()),
        Value::None => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
    }
}

/// An output as JSON: arrays for series and per-column outputs, a number for scalars.
#[must_use]
pub fn output_to_json(out: &OutVec) -> Json {
    match out {
        OutVec::F64(v) => Json::Array(v.iter().map(|x| f64_to_json(*x)).collect()),
        OutVec::I32(v) => Json::Array(v.iter().map(|x| Json::from(*x)).collect()),
        OutVec::Scalar(x) => f64_to_json(*x),
        OutVec::Record(r) => record_to_json(r),
        OutVec::Records(rs) => Json::Array(rs.iter().map(record_to_json).collect()),
        OutVec::Array { data, shape } => nested(data, shape),
        // the core writes valid JSON; a parse failure would be a core bug, reported as null
        OutVec::Json(doc) => serde_json::from_str(doc).unwrap_or(Json::Null),
    }
}

/// An n-dimensional row-major array as nested JSON arrays (`[paths][steps + 1][assets]`).
fn nested(data: &[f64], shape: &[usize]) -> Json {
    match shape {
        [] | [_] => Json::Array(data.iter().map(|x| f64_to_json(*x)).collect()),
        [_, inner @ ..] => {
            let row: usize = inner.iter().product();
            if row == 0 {
                return Json::Array(vec![Json::Array(Vec::new()); shape[0]]);
            }
            Json::Array(data.chunks(row).map(|c| nested(c, inner)).collect())
        }
    }
}

/// A record as a JSON object: its fields in order, then `label`.
fn record_to_json(r: &sextant_core::decl::Record) -> Json {
    let mut m = Map::new();
    for (k, v) in &r.fields {
        m.insert((*k).to_owned(), f64_to_json(*v));
    }
    if let Some(l) = r.label {
        m.insert("label".to_owned(), Json::String(l.to_owned()));
    }
    Json::Object(m)
}

/// JSON object whose keys keep the declaration order (serde_json's own map sorts them).
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered(pub Vec<(&'static str, Json)>);

impl Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// A compute response: the function, the parameters used (defaults filled in) and the outputs,
/// both in declaration order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComputeResponse {
    /// Module name.
    pub module: &'static str,
    /// Function name.
    pub function: &'static str,
    /// Parameters used.
    pub params: Ordered,
    /// Outputs by declared name.
    pub outputs: Ordered,
}

/// Most values one response may hold: the parameter-sized outputs (simulated paths, a counted
/// vector) are capped here so that one request cannot ask for gigabytes of JSON.
pub const MAX_RESPONSE_VALUES: usize = 1 << 20;
/// Most simulated steps (paths x steps x assets) one request may ask for (about a second).
pub const MAX_SIMULATED_STEPS: usize = 50_000_000;

/// Rejects requests whose parameter-sized outputs or simulation work exceed the server's
/// limits, with a typed error naming the parameter (a 422, never an out-of-memory).
fn check_response_size(
    decl: &FunctionDecl,
    views: &[InputData<'_>],
    params: &Params,
) -> Result<(), Error> {
    let checked = decl.check_inputs(views)?;
    let int = |name: &str| {
        decl.params
            .iter()
            .position(|p| p.name == name)
            .and_then(|k| params.values().get(k))
            .and_then(Value::as_int)
            .map_or(1, |v| usize::try_from(v.max(0)).unwrap_or(usize::MAX))
    };
    for (i, o) in decl.outputs.iter().enumerate() {
        let param = match o.kind {
            OutputKind::Paths => "paths",
            OutputKind::PerStep(_) => "steps",
            OutputKind::Counted(p) | OutputKind::Grid(p) => p,
            _ => continue,
        };
        let n = decl.output_len_with(i, &checked, params);
        if n > MAX_RESPONSE_VALUES {
            return Err(Error::OutOfRange {
                param: param.to_owned(),
                value: int(param).to_string(),
                bound: format!(
                    "the response would hold {n} values; the server returns at most {MAX_RESPONSE_VALUES} per request"
                ),
            });
        }
        if matches!(o.kind, OutputKind::Paths | OutputKind::PerStep(_)) {
            // the trailing axis is the number of assets when the function has series inputs
            // (per-step tables: the first series input's length is the number of assets)
            let has_assets = decl.inputs.iter().any(|s| s.kind == InputKind::Series);
            let shape = decl.output_shape(i, &checked, params);
            let full_paths = decl
                .params
                .iter()
                .position(|p| p.name == "full_paths")
                .and_then(|k| params.values().get(k))
                == Some(&Value::Bool(true));
            let assets = match o.kind {
                OutputKind::PerStep(_) => decl
                    .inputs
                    .iter()
                    .position(|s| s.kind == InputKind::Series)
                    .map_or(1, |k| checked.series(k).len()),
                _ if has_assets => shape.last().copied().unwrap_or(1),
                // a matrix-only function (bootstrap): its 2-D input's columns
                _ if shape.len() > 1 + usize::from(full_paths) => {
                    shape.last().copied().unwrap_or(1)
                }
                _ => 1,
            };
            let work = int("paths").saturating_mul(int("steps")).saturating_mul(assets.max(1));
            if work > MAX_SIMULATED_STEPS {
                return Err(Error::OutOfRange {
                    param: "steps".to_owned(),
                    value: int("steps").to_string(),
                    bound: format!(
                        "paths x steps x assets = {work} exceeds the server's limit of {MAX_SIMULATED_STEPS} per request"
                    ),
                });
            }
        }
    }
    // a simulation that returns only numbers (mc.estimate_payoff) walks paths x steps too
    let simulates = ["paths", "steps"].iter().all(|n| decl.params.iter().any(|p| p.name == *n));
    let sized =
        decl.outputs.iter().any(|o| matches!(o.kind, OutputKind::Paths | OutputKind::PerStep(_)));
    if simulates && !sized {
        let work = int("paths").saturating_mul(int("steps"));
        if work > MAX_SIMULATED_STEPS {
            return Err(Error::OutOfRange {
                param: "steps".to_owned(),
                value: int("steps").to_string(),
                bound: format!(
                    "paths x steps = {work} exceeds the server's limit of {MAX_SIMULATED_STEPS} per request"
                ),
            });
        }
    }
    Ok(())
}

/// Parses, validates and computes one request: the whole adapter, transport aside.
pub fn compute(decl: &FunctionDecl, req: &ComputeRequest) -> Result<ComputeResponse, Error> {
    let owned = inputs(decl, &req.inputs)?;
    let params = params(decl, &req.params)?;
    let lists: Vec<Vec<&str>> = owned
        .iter()
        .map(|o| match o {
            OwnedInput::TextList(v, _) => v.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        })
        .collect();
    let views: Vec<InputData<'_>> = owned
        .iter()
        .zip(&lists)
        .map(|(o, l)| match o {
            OwnedInput::TextList(..) => InputData::TextList(l),
            _ => o.view(),
        })
        .collect();
    check_response_size(decl, &views, &params)?;
    let outs = decl.call(&views, &params)?;
    Ok(ComputeResponse {
        module: decl.module.as_str(),
        function: decl.name,
        params: Ordered(
            decl.params
                .iter()
                .zip(params.values())
                .map(|(p, v)| (p.name, value_to_json(v)))
                .collect(),
        ),
        outputs: Ordered(
            decl.outputs.iter().zip(&outs).map(|(o, out)| (o.name, output_to_json(out))).collect(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_and_infinities_round_trip() {
        for x in [1.5, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e-300] {
            let back = json_to_f64(&f64_to_json(x)).unwrap();
            assert!(back.to_bits() == x.to_bits() || (x.is_nan() && back.is_nan()), "{x}");
        }
        assert_eq!(json_to_f64(&Json::Bool(true)), None);
        assert_eq!(json_to_f64(&Json::String("NaN".into())), None);
    }

    #[test]
    fn matrix_rows_must_agree() {
        let v: Json = serde_json::from_str("[[1, 2], [3]]").unwrap();
        let e = parse_input("cov", InputKind::Matrix, &v).unwrap_err();
        assert_eq!(e.subject(), Some("cov"));
        let v: Json = serde_json::from_str("[[1, null], [3, \"Infinity\"]]").unwrap();
        let OwnedInput::Matrix { data, rows, cols } =
            parse_input("cov", InputKind::Matrix, &v).unwrap()
        else {
            panic!("matrix expected")
        };
        assert_eq!((rows, cols), (2, 2));
        assert!(data[1].is_nan() && data[3].is_infinite());
    }
}
