//! Bad parameters and inputs give typed errors naming the parameter and the bound; empty input
//! gives empty output (as TA-Lib); nothing panics.

use sextant_core::decl::{InputData, Value};
use sextant_core::registry;
use sextant_core::{alloc, risk, ta, Error};

#[test]
fn period_zero_names_parameter_and_bound() {
    let e = ta::sma(&[1.0, 2.0], 0).unwrap_err();
    assert_eq!(e.code(), "OUT_OF_RANGE");
    assert_eq!(e.subject(), Some("timeperiod"));
    assert!(e.to_string().contains(">= 1"), "{e}");
    let d = registry::find("ta", "RSI").unwrap();
    let e = d.params_named([("timeperiod", Value::Int(1))]).unwrap_err();
    assert_eq!(e.to_string(), "parameter `timeperiod` = 1 is out of range: must be in [2, 100000]");
    let e = d.params_named([("timeperiod", Value::Int(100_001))]).unwrap_err();
    assert_eq!(e.code(), "OUT_OF_RANGE");
}

#[test]
fn wrong_types_are_typed_errors() {
    let d = registry::find("ta", "SMA").unwrap();
    let e = d.params_named([("timeperiod", Value::Str("14".into()))]).unwrap_err();
    assert!(matches!(e, Error::InvalidType { .. }), "{e}");
    assert!(e.to_string().contains("timeperiod") && e.to_string().contains("integer"));
    let e = d.params_named([("timeperiod", Value::Float(14.5))]).unwrap_err();
    assert_eq!(e.code(), "INVALID_TYPE");
    // integral floats (JS numbers) are fine
    assert!(d.params_named([("timeperiod", Value::Float(14.0))]).is_ok());
    let e = d.params_named([("period", Value::Int(3))]).unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_PARAMETER");
    assert!(e.to_string().contains("timeperiod"));
    let s = registry::find("risk", "sharpe_ratio").unwrap();
    let e = s.params_named([("period", Value::Str("hourly".into()))]).unwrap_err();
    assert_eq!(e.code(), "UNKNOWN_OPTION");
    assert!(e.to_string().contains("daily, weekly, monthly, quarterly, yearly"));
    let e = s.params_named([("annualization", Value::Float(-1.0))]).unwrap_err();
    assert_eq!(e.code(), "OUT_OF_RANGE");
    let e = s.params_named([("risk_free", Value::Float(f64::NAN))]).unwrap_err();
    assert_eq!(e.subject(), Some("risk_free"));
    let b = registry::find("ta", "BBANDS").unwrap();
    let e = b.params_named([("matype", Value::Int(14))]).unwrap_err();
    assert_eq!(e.code(), "OUT_OF_RANGE");
    // matype 7 is MAMA (its default limits, the period ignored): a 32-bar warm-up, as TA-Lib
    let p = b.params_named([("matype", Value::Int(7))]).unwrap();
    assert_eq!((b.lookback.unwrap())(&p).unwrap(), 32);
    let e = b.params_named([("unstable_period", Value::Int(-1))]).unwrap_err();
    assert_eq!(e.subject(), Some("unstable_period"));
}

#[test]
fn mismatched_lengths_name_both_inputs() {
    let e = ta::atr(&[1.0, 2.0], &[1.0], &[1.0, 2.0], 14).unwrap_err();
    assert_eq!(
        e.to_string(),
        "input `low` has length 1, but `high` has length 2; they must be equal"
    );
    let d = registry::find("ta", "CDLENGULFING").unwrap();
    let e = d
        .call(
            &[
                InputData::Series(&[1.0]),
                InputData::Series(&[1.0]),
                InputData::Series(&[1.0]),
                InputData::Series(&[]),
            ],
            &d.default_params(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "LENGTH_MISMATCH");
    let e = d.call(&[InputData::Series(&[1.0])], &d.default_params()).unwrap_err();
    assert_eq!(e.code(), "ARITY");
}

#[test]
fn empty_and_short_inputs_follow_talib() {
    assert!(ta::sma(&[], 30).unwrap().is_empty());
    assert!(ta::rsi(&[1.0; 5], 14).unwrap().iter().all(|v| v.is_nan()));
    let (u, _, _) = ta::bbands(&[], 20, 2.0, 2.0, ta::MaType::Sma).unwrap();
    assert!(u.is_empty());
    assert!(risk::sharpe_ratio(&[], 0.0, "daily", None).unwrap().is_nan());
}

#[test]
fn bad_covariance_is_rejected() {
    let e = alloc::inverse_volatility(&[1.0, 0.0, 0.0], 1, 3).unwrap_err();
    assert!(e.to_string().contains("square"), "{e}");
    let e = alloc::inverse_volatility(&[0.04, 0.0, 0.0, -0.01], 2, 2).unwrap_err();
    assert!(e.to_string().contains("cov[1][1]"), "{e}");
    let e = alloc::inverse_volatility(&[], 0, 0).unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
    let d = registry::find("alloc", "inverse_volatility").unwrap();
    let e = d
        .call(
            &[InputData::Matrix { data: &[1.0, 2.0, 3.0], rows: 2, cols: 2 }],
            &d.default_params(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
    let e = d.call(&[InputData::Series(&[1.0])], &d.default_params()).unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
}

#[test]
fn wrong_output_buffers_are_rejected() {
    use sextant_core::decl::OutBuf;
    let d = registry::find("ta", "CDLENGULFING").unwrap();
    let x = [1.0; 4];
    let ins = [
        InputData::Series(&x),
        InputData::Series(&x),
        InputData::Series(&x),
        InputData::Series(&x),
    ];
    let mut f = [0.0; 4];
    let e = d.call_into(&ins, &d.default_params(), &mut [OutBuf::F64(&mut f)]).unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
    let mut i = [0i32; 3];
    let e = d.call_into(&ins, &d.default_params(), &mut [OutBuf::I32(&mut i)]).unwrap_err();
    assert_eq!(e.code(), "ARITY");
}

#[test]
fn names_are_unique_and_parameters_have_valid_defaults() {
    let mut seen = std::collections::HashSet::new();
    for d in registry::REGISTRY {
        assert!(seen.insert((d.module, d.name)), "duplicate {}", d.name);
        for p in d.params {
            p.check(p.default_value())
                .unwrap_or_else(|e| panic!("{}.{} default: {e}", d.name, p.name));
        }
        assert_eq!(d.lookback.is_some(), d.module == sextant_core::decl::Module::Ta, "{}", d.name);
        assert_eq!(d.stream.is_some(), d.module == sextant_core::decl::Module::Ta, "{}", d.name);
    }
}

#[test]
fn info_describes_declarations_as_json() {
    let d = registry::find("ta", "BBANDS").unwrap();
    let j = serde_json::to_value(d.info()).unwrap();
    assert_eq!(j["params"][0]["name"], "timeperiod");
    assert_eq!(j["params"][0]["default"], 20);
    assert_eq!(j["params"][1]["default"], 2.0);
    assert_eq!(j["outputs"][2]["name"], "lowerband");
    assert_eq!(j["default_lookback"], 19);
    let s = serde_json::to_value(registry::find("risk", "sharpe_ratio").unwrap().info()).unwrap();
    assert_eq!(s["params"][2]["default"], serde_json::Value::Null);
    assert_eq!(s["params"][1]["options"][1], "weekly");
}
