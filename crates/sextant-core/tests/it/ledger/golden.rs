//! XIRR against scipy.optimize.brentq on the same flows (tests/golden/ledger/xirr.json,
//! written by scripts/golden/generate_ledger.py), within 1e-9.

use serde::Deserialize;
use sextant_core::ledger::xirr_dates;

#[derive(Deserialize)]
struct Case {
    name: String,
    dates: Vec<chrono::NaiveDate>,
    amounts: Vec<f64>,
    rate: Option<f64>,
}

#[derive(Deserialize)]
struct File {
    tolerance: f64,
    cases: Vec<Case>,
}

#[test]
fn xirr_matches_scipy() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/ledger/xirr.json");
    let file: File = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(file.cases.len() >= 20);
    for c in &file.cases {
        let got = xirr_dates(&c.dates, &c.amounts);
        match c.rate {
            Some(want) => {
                let got = got.unwrap_or_else(|e| panic!("{}: {e}", c.name));
                assert!((got - want).abs() <= file.tolerance, "{}: {got} vs scipy {want}", c.name);
            }
            None => assert_eq!(got.unwrap_err().code(), "NO_ROOT", "{}", c.name),
        }
    }
}
