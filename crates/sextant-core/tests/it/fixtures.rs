//! Reader of the shared golden fixtures in tests/golden (written by scripts/golden/generate.py).

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use sextant_core::decl::{InputData, Value};

pub fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

pub fn manifest() -> Json {
    let text = std::fs::read_to_string(golden_dir().join("manifest.json"))
        .expect("tests/golden/manifest.json");
    serde_json::from_str(&text).expect("valid manifest")
}

pub fn read_f64(rel: &str) -> Vec<f64> {
    let bytes = std::fs::read(golden_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
}

pub fn read_i32(rel: &str) -> Vec<i32> {
    let bytes = std::fs::read(golden_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    bytes.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().unwrap())).collect()
}

pub fn json_to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::None,
        Json::String(s) => Value::Str(s.clone()),
        Json::Number(n) if n.is_i64() => Value::Int(n.as_i64().unwrap()),
        Json::Number(n) => Value::Float(n.as_f64().unwrap()),
        Json::Bool(b) => Value::Bool(*b),
        other => panic!("unexpected parameter {other}"),
    }
}

/// A loaded case: owned input arrays with their shapes.
pub struct Case {
    pub id: String,
    pub module: String,
    pub function: String,
    pub inputs: Vec<(Vec<f64>, Vec<usize>)>,
    pub params: Vec<(String, Value)>,
    pub outputs: Vec<Expected>,
    pub rel: f64,
    pub abs_scale: f64,
}

pub enum Expected {
    F64(Vec<f64>),
    I32(Vec<i32>),
}

impl Case {
    pub fn input_data(&self) -> Vec<InputData<'_>> {
        self.inputs
            .iter()
            .map(|(d, shape)| match shape.as_slice() {
                [r, c] => InputData::Matrix { data: d, rows: *r, cols: *c },
                _ => InputData::Series(d),
            })
            .collect()
    }
    pub fn max_abs_input(&self) -> f64 {
        self.inputs
            .iter()
            .flat_map(|(d, _)| d.iter())
            .filter(|v| v.is_finite())
            .fold(0.0f64, |m, v| m.max(v.abs()))
    }
}

pub fn cases() -> Vec<Case> {
    let m = manifest();
    m["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            id: c["id"].as_str().unwrap().to_owned(),
            module: c["module"].as_str().unwrap().to_owned(),
            function: c["function"].as_str().unwrap().to_owned(),
            inputs: c["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    let shape = i["shape"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|s| s.as_u64().unwrap() as usize)
                        .collect();
                    (read_f64(i["file"].as_str().unwrap()), shape)
                })
                .collect(),
            params: c["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), json_to_value(v)))
                .collect(),
            outputs: c["outputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| match o["dtype"].as_str().unwrap() {
                    "i32" => Expected::I32(read_i32(o["file"].as_str().unwrap())),
                    _ => Expected::F64(read_f64(o["file"].as_str().unwrap())),
                })
                .collect(),
            rel: c["tolerance"]["rel"].as_f64().unwrap(),
            abs_scale: c["tolerance"]["abs_scale"].as_f64().unwrap(),
        })
        .collect()
}

/// DESIGN.md's parity rule (NaN equals NaN, infinities must match exactly): the first element
/// outside the tolerance, if any.
pub fn check_close(
    id: &str,
    what: &str,
    got: &[f64],
    want: &[f64],
    rel: f64,
    abs: f64,
) -> Result<(), String> {
    if got.len() != want.len() {
        return Err(format!("{id} {what}: length {} != {}", got.len(), want.len()));
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w.is_infinite() {
            g == w
        } else {
            (g - w).abs() <= rel * w.abs() + abs
        };
        if !ok {
            return Err(format!(
                "{id} {what}[{i}]: got {g:e}, reference {w:e} (diff {:e})",
                (g - w).abs()
            ));
        }
    }
    Ok(())
}
