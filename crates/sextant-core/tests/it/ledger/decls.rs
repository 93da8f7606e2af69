//! The ledger through its declarations (JSON in, JSON out), as every adapter calls it: the
//! cases of tests/golden/ledger/decls.json (the worked FIFO / LIFO / average example of
//! `worked.rs` with hand-derived numbers, TWR, domain error codes, XIRR against scipy's brentq
//! within 1e-9), and malformed documents.

use serde_json::{json, Value as J};
use sextant_core::decl::{InputData, OutVec};
use sextant_core::registry::find;

const TXS: &str = r#"[
  {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "3000"},
  {"timestamp": "2024-01-02T15:01:00Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "100", "fee": "1"},
  {"timestamp": "2024-01-03T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "120", "fee": "1"},
  {"timestamp": "2024-01-04T15:00:00Z", "type": "sell", "instrument": "X", "quantity": "15", "price": "130", "fee": "2"}
]"#;

fn config(basis: &str) -> String {
    json!({"base_currency": "USD", "instruments": [{"symbol": "X", "currency": "USD"}],
           "cost_basis": basis})
    .to_string()
}

fn call(name: &str, docs: &[&str]) -> Result<Vec<OutVec>, sextant_core::Error> {
    let decl = find("ledger", name).unwrap();
    let inputs: Vec<InputData<'_>> = docs.iter().map(|d| InputData::Json(d)).collect();
    decl.call(&inputs, &decl.default_params())
}

#[test]
fn domain_errors_keep_their_code_and_name_the_record() {
    let cfg = config("fifo");
    let oversell = r#"[
      {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "3000"},
      {"timestamp": "2024-01-02T15:01:00Z", "type": "sell", "instrument": "X", "quantity": "1", "price": "100"}
    ]"#;
    let e = call("book", &[&cfg, oversell, "null"]).unwrap_err();
    assert_eq!(e.code(), "INSUFFICIENT_QUANTITY", "{e}");
    assert!(e.subject().unwrap().starts_with("transactions[1]"), "{e}");
    // malformed and mistyped documents name the input
    let e = call("book", &[&cfg, "[{\"timestamp\": ", "null"]).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("INVALID_INPUT", Some("transactions")), "{e}");
    let e = call("book", &[r#"{"instruments": []}"#, TXS, "null"]).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("INVALID_INPUT", Some("config")), "{e}");
    let e = call("valuation", &[&cfg, TXS, "null", r#"{"when": "2024-01-01"}"#]).unwrap_err();
    assert_eq!(e.subject(), Some("options"), "{e}");
}

/// The declaration cases of tests/golden/ledger/decls.json (scripts/golden/generate_ledger.py).
pub fn manifest() -> J {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/ledger/decls.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Checks one output against a case's `checks` (JSON pointer, expected: strings exactly,
/// numbers within `tol`).
pub fn check(id: &str, out: &J, checks: &J, tol: f64) {
    for c in checks.as_array().unwrap() {
        let (ptr, want) = (c[0].as_str().unwrap(), &c[1]);
        let got = out.pointer(ptr).unwrap_or_else(|| panic!("{id}: no {ptr} in {out}"));
        match want {
            J::Number(w) => {
                let (w, g) = (w.as_f64().unwrap(), got.as_f64().unwrap_or(f64::NAN));
                assert!((g - w).abs() <= tol, "{id}: {ptr} = {g}, expected {w}");
            }
            _ => assert_eq!(got, want, "{id}: {ptr}"),
        }
    }
}

#[test]
fn every_declaration_case_through_the_registry() {
    let m = manifest();
    let tol = m["tolerance"].as_f64().unwrap();
    for c in m["cases"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let decl = find("ledger", c["function"].as_str().unwrap()).unwrap();
        let docs: Vec<String> =
            decl.inputs.iter().map(|i| c["inputs"][i.name].to_string()).collect();
        let inputs: Vec<InputData<'_>> = docs.iter().map(|d| InputData::Json(d)).collect();
        let got = decl.call(&inputs, &decl.default_params());
        if let Some(code) = c["error"].as_str() {
            assert_eq!(got.unwrap_err().code(), code, "{id}");
            continue;
        }
        let out = match got.unwrap_or_else(|e| panic!("{id}: {e}")).remove(0) {
            OutVec::Json(s) => serde_json::from_str(&s).unwrap(),
            OutVec::Scalar(x) => json!(x),
            o => panic!("{id}: {o:?}"),
        };
        check(id, &out, &c["checks"], tol);
    }
}
