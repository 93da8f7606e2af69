//! Every golden fixture through its route: the same numbers as the reference libraries, over
//! JSON (NaN as null, infinities as strings).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value as Json};
use sextant_core::registry::REGISTRY;
use sextant_server::convert::{f64_to_json, json_to_f64};

use crate::common::start;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

fn read_f64(rel: &str) -> Vec<f64> {
    let bytes = std::fs::read(golden_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
}

fn read_i32(rel: &str) -> Vec<i32> {
    let bytes = std::fs::read(golden_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    bytes.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().unwrap())).collect()
}

fn shape(v: &Json) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|s| usize::try_from(s.as_u64().unwrap()).unwrap()).collect()
}

fn input_json(data: &[f64], shape: &[usize]) -> Json {
    match shape {
        [_rows, cols] if *cols > 0 => Json::Array(
            data.chunks(*cols).map(|r| r.iter().map(|x| f64_to_json(*x)).collect()).collect(),
        ),
        [_, _] => json!([]),
        _ => Json::Array(data.iter().map(|x| f64_to_json(*x)).collect()),
    }
}

fn close(got: f64, want: f64, rel: f64, abs: f64) -> bool {
    if want.is_nan() {
        got.is_nan()
    } else if want.is_infinite() {
        got == want
    } else {
        (got - want).abs() <= rel * want.abs() + abs
    }
}

#[tokio::test]
async fn every_golden_case_through_its_route() {
    let server = start().await;
    let text = std::fs::read_to_string(golden_dir().join("manifest.json")).unwrap();
    let manifest: Json = serde_json::from_str(&text).unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    let mut covered = BTreeSet::new();
    let mut checked_values = 0usize;
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let (module, function) =
            (case["module"].as_str().unwrap(), case["function"].as_str().unwrap());
        let mut inputs = Map::new();
        let mut max_abs = 0.0f64;
        for i in case["inputs"].as_array().unwrap() {
            let data = read_f64(i["file"].as_str().unwrap());
            max_abs = data.iter().filter(|v| v.is_finite()).fold(max_abs, |m, v| m.max(v.abs()));
            inputs.insert(
                i["name"].as_str().unwrap().to_owned(),
                input_json(&data, &shape(&i["shape"])),
            );
        }
        let body = json!({"inputs": inputs, "params": case["params"]});
        let (status, out) = server.post_json(&format!("/v1/{module}/{function}"), &body).await;
        assert_eq!(status, 200, "{id}: {out}");
        assert_eq!(out["module"], module, "{id}");
        assert_eq!(out["function"], function, "{id}");
        let rel = case["tolerance"]["rel"].as_f64().unwrap();
        let abs = case["tolerance"]["abs_scale"].as_f64().unwrap() * max_abs;
        for o in case["outputs"].as_array().unwrap() {
            let name = o["name"].as_str().unwrap();
            let got = &out["outputs"][name];
            // matrices (square outputs) come back as nested arrays: flatten row-major
            fn flat<'j>(v: &'j Json, out: &mut Vec<&'j Json>) {
                match v {
                    Json::Array(items) => items.iter().for_each(|x| flat(x, out)),
                    scalar => out.push(scalar),
                }
            }
            let mut got_flat = Vec::new();
            flat(got, &mut got_flat);
            let got = got_flat;
            if o["dtype"] == "i32" {
                let want = read_i32(o["file"].as_str().unwrap());
                let got: Vec<i32> =
                    got.iter().map(|v| i32::try_from(v.as_i64().unwrap()).unwrap()).collect();
                assert_eq!(got, want, "{id} {name}");
                checked_values += want.len();
            } else {
                let want = read_f64(o["file"].as_str().unwrap());
                assert_eq!(got.len(), want.len(), "{id} {name}: length");
                for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                    let g = json_to_f64(g).unwrap_or_else(|| panic!("{id} {name}[{k}]: {g}"));
                    assert!(close(g, *w, rel, abs), "{id} {name}[{k}]: got {g:e}, reference {w:e}");
                }
                checked_values += want.len();
            }
        }
        covered.insert(format!("{module}/{function}"));
    }
    checked_values += text_cases_through_their_routes(&server, &mut covered).await;
    checked_values += ledger_cases_through_their_routes(&server, &mut covered).await;
    // Monte Carlo and AutoIndex have no reference library (tests/it/mc.rs, tests/it/autoindex.rs
    // and sextant-core's tests instead)
    let declared: BTreeSet<String> = REGISTRY
        .iter()
        .filter(|d| {
            !matches!(
                d.module,
                sextant_core::decl::Module::Mc | sextant_core::decl::Module::AutoIndex
            )
        })
        .map(|d| format!("{}/{}", d.module.as_str(), d.name))
        .collect();
    let missing: Vec<_> = declared.difference(&covered).collect();
    assert!(missing.is_empty(), "declared functions without a golden case: {missing:?}");
    assert!(checked_values > 10_000, "only {checked_values} values checked");
}

/// Every declared function answers its route with its default parameters and the example body
/// of the OpenAPI document, and the response has every declared output.
#[tokio::test]
async fn every_declared_function_answers_its_documented_example() {
    let server = start().await;
    let (status, doc) = server.get("/openapi.json").await;
    assert_eq!(status, 200);
    for decl in REGISTRY {
        let path = format!("/v1/{}/{}", decl.module.as_str(), decl.name);
        let op = &doc["paths"][&path]["post"];
        let example = &op["requestBody"]["content"]["application/json"]["example"];
        assert!(example.is_object(), "{path}: no example");
        let (status, out) = server.post_json(&path, example).await;
        assert_eq!(status, 200, "{path}: {out}");
        for spec in decl.outputs {
            assert!(!out["outputs"][spec.name].is_null(), "{path}: output {}", spec.name);
        }
        for spec in decl.params {
            assert!(out["params"].get(spec.name).is_some(), "{path}: param {}", spec.name);
        }
    }
}

/// The text functions' cases (tests/golden/sentiment, vaderSentiment 3.3.2, exact): list inputs
/// with every text in one request, single texts on every 10th row.
async fn text_cases_through_their_routes(
    server: &crate::common::TestServer,
    covered: &mut BTreeSet<String>,
) -> usize {
    let dir = golden_dir().join("sentiment");
    let manifest: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let mut checked = 0;
    for case in manifest["cases"].as_array().unwrap() {
        let (module, function) =
            (case["module"].as_str().unwrap(), case["function"].as_str().unwrap());
        let rows: Vec<Json> = std::fs::read_to_string(dir.join(case["file"].as_str().unwrap()))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let decl = sextant_core::registry::find(module, function).unwrap();
        let path = format!("/v1/{module}/{function}");
        if case["expect"] == "json" {
            // records: {inputs, params, output} rows, numbers within json_tolerance
            let tol = manifest["json_tolerance"].as_f64().unwrap();
            for r in &rows {
                let inputs: serde_json::Map<String, Json> = decl
                    .inputs
                    .iter()
                    .zip(r["inputs"].as_array().unwrap())
                    .map(|(spec, v)| (spec.name.to_owned(), v.clone()))
                    .collect();
                let body = json!({"inputs": inputs, "params": r["params"]});
                let (status, out) = server.post_json(&path, &body).await;
                assert_eq!(status, 200, "{path}: {out}");
                let got = &out["outputs"][decl.outputs[0].name];
                assert!(json_close(got, &r["output"], tol), "{path}: {got}\nwant {}", r["output"]);
                checked += 1;
            }
            covered.insert(format!("{module}/{function}"));
            continue;
        }
        let t = case["params"]["threshold"].as_f64().unwrap_or(0.05);
        let want = |r: &Json| -> Json {
            let c = r[4].as_f64().unwrap();
            if case["expect"] == "polarity_scores" {
                json!({"neg": r[1], "neu": r[2], "pos": r[3], "compound": r[4]})
            } else {
                let label = if c >= t {
                    "positive"
                } else if c <= -t {
                    "negative"
                } else {
                    "neutral"
                };
                json!({"score": r[4], "label": label})
            }
        };
        let (input, output) = (decl.inputs[0].name, decl.outputs[0].name);
        if decl.inputs[0].kind == sextant_core::decl::InputKind::TextList {
            let texts: Vec<&Json> = rows.iter().map(|r| &r[0]).collect();
            let body = json!({"inputs": {input: texts}, "params": case["params"]});
            let (status, out) = server.post_json(&path, &body).await;
            assert_eq!(status, 200, "{path}: {out}");
            let got = out["outputs"][output].as_array().unwrap();
            assert_eq!(got.len(), rows.len());
            for (g, r) in got.iter().zip(&rows) {
                assert_eq!(g, &want(r), "{path}: {}", r[0]);
            }
            checked += rows.len();
        } else {
            for r in rows.iter().step_by(10) {
                let body = json!({"inputs": {input: r[0]}, "params": case["params"]});
                let (status, out) = server.post_json(&path, &body).await;
                assert_eq!(status, 200, "{path}: {out}");
                assert_eq!(out["outputs"][output], want(r), "{path}: {}", r[0]);
                checked += 1;
            }
        }
        covered.insert(format!("{module}/{function}"));
    }
    checked
}

/// JSON values equal, numbers within `tol` (relative above 1).
fn json_close(got: &Json, want: &Json, tol: f64) -> bool {
    match (got, want) {
        (Json::Number(a), Json::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap_or(f64::NAN), b.as_f64().unwrap_or(f64::NAN));
            (a - b).abs() <= tol * b.abs().max(1.0)
        }
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_close(x, y, tol))
        }
        (Json::Object(a), Json::Object(b)) => {
            a.len() == b.len()
                && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| json_close(x, y, tol)))
        }
        _ => got == want,
    }
}

/// The ledger's record cases (tests/golden/ledger/decls.json: hand derivations and scipy's
/// XIRR roots): JSON documents in, a document out; checks by JSON pointer (strings exactly,
/// numbers within the file's tolerance), or the expected error code with a 422.
async fn ledger_cases_through_their_routes(
    server: &crate::common::TestServer,
    covered: &mut BTreeSet<String>,
) -> usize {
    let path = golden_dir().join("ledger/decls.json");
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let tol = doc["tolerance"].as_f64().unwrap();
    let mut checked = 0;
    for case in doc["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let (module, function) =
            (case["module"].as_str().unwrap(), case["function"].as_str().unwrap());
        let decl = sextant_core::registry::find(module, function).unwrap();
        let route = format!("/v1/{module}/{function}");
        let (status, out) = server.post_json(&route, &json!({"inputs": case["inputs"]})).await;
        if let Some(code) = case["error"].as_str() {
            assert_eq!(status, 422, "{id}: {out}");
            assert_eq!(out["error"]["code"], code, "{id}: {out}");
        } else {
            assert_eq!(status, 200, "{id}: {out}");
            let result = &out["outputs"][decl.outputs[0].name];
            for check in case["checks"].as_array().unwrap() {
                let (ptr, want) = (check[0].as_str().unwrap(), &check[1]);
                let got =
                    result.pointer(ptr).unwrap_or_else(|| panic!("{id}: no {ptr} in {result}"));
                match want.as_f64() {
                    Some(w) if want.is_number() => {
                        let g = json_to_f64(got).unwrap_or(f64::NAN);
                        assert!((g - w).abs() <= tol, "{id}: {ptr} = {g}, expected {w}");
                    }
                    _ => assert_eq!(got, want, "{id}: {ptr}"),
                }
                checked += 1;
            }
        }
        covered.insert(format!("{module}/{function}"));
    }
    checked
}
