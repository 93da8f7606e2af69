//! Property tests: no panic on any f64 input, stream == batch with NaN gaps, invariants.

use proptest::prelude::*;
use sextant_core::decl::{InputData, InputKind, OutVec};
use sextant_core::registry::REGISTRY;

use crate::streams::check_stream_equals_batch;

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -1e6f64..1e6,
        1 => Just(f64::NAN),
        1 => prop::num::f64::ANY,
    ]
}

fn prices() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![20 => 50.0f64..150.0, 1 => Just(f64::NAN)], 0..120)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_no_panic_on_any_input(xs in prop::collection::vec(any_f64(), 0..80), period in 1i64..40) {
        for d in REGISTRY {
            let n_series = d.inputs.iter().filter(|i| i.kind == InputKind::Series).count();
            let side = (xs.len() as f64).sqrt() as usize;
            let inputs: Vec<InputData<'_>> = d.inputs.iter().map(|i| match i.kind {
                InputKind::Series => InputData::Series(&xs),
                InputKind::Matrix => InputData::Matrix { data: &xs[..side * side], rows: side, cols: side },
                InputKind::Text => InputData::Text("not bad at all!"),
                InputKind::TextList => InputData::TextList(&["", "good"]),
                // hostile documents: empty, wrong shapes, truncated, deep nesting
                InputKind::Json => InputData::Json(
                    ["{}", "[]", "null", "{\"a\":", "[1, 2.5, \"x\"]", "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]", ""][xs.len() % 7]),
            }).collect();
            let _ = n_series;
            // simulations (paths, size) stay small so that the property runs quickly
            let named: Vec<(&str, sextant_core::decl::Value)> = d.params.iter()
                .filter(|p| matches!(p.name, "timeperiod" | "paths" | "size"))
                .map(|p| (p.name, sextant_core::decl::Value::Int(period)))
                .collect();
            if let Ok(params) = d.params_named(named) {
                let _ = d.call(&inputs, &params);
                if let Ok(mut s) = d.stream(&params) {
                    let mut out = vec![0.0; d.outputs.len()];
                    for x in &xs {
                        let bar = vec![*x; d.inputs.len()];
                        let _ = s.update(&bar, &mut out);
                        let _ = s.peek(&bar, &mut out);
                        let _ = s.replace_last(&bar, &mut out);
                    }
                }
            }
        }
    }

    #[test]
    fn prop_stream_equals_batch_with_gaps(close in prices(), spread in 0.0f64..5.0, period in 1i64..30) {
        let high: Vec<f64> = close.iter().map(|c| c + spread).collect();
        let low: Vec<f64> = close.iter().map(|c| c - spread).collect();
        let open: Vec<f64> = close.iter().enumerate().map(|(i, c)| if i % 3 == 0 { c - spread / 2.0 } else { c + spread / 3.0 }).collect();
        for d in REGISTRY.iter().filter(|d| d.stream.is_some()) {
            let cols: Vec<&[f64]> = d.inputs.iter().map(|i| match i.name {
                "high" => &high[..], "low" => &low[..], "open" => &open[..], _ => &close[..],
            }).collect();
            let named: Vec<(&str, sextant_core::decl::Value)> = d.params.iter()
                .filter(|p| p.name == "timeperiod")
                .map(|p| (p.name, sextant_core::decl::Value::Int(period.max(2))))
                .collect();
            let params = d.params_named(named).unwrap();
            check_stream_equals_batch(d.name, d, &cols, &params);
        }
    }

    #[test]
    fn prop_outputs_have_input_length_and_warmup(close in prop::collection::vec(0.05f64..0.95, 0..100), period in 2i64..30) {
        for d in REGISTRY.iter().filter(|d| d.lookback.is_some()) {
            let ins: Vec<InputData<'_>> = d.inputs.iter().map(|_| InputData::Series(&close)).collect();
            let named: Vec<(&str, sextant_core::decl::Value)> = d.params.iter()
                .filter(|p| p.name == "timeperiod").map(|p| (p.name, sextant_core::decl::Value::Int(period))).collect();
            let params = d.params_named(named).unwrap();
            let lb = (d.lookback.unwrap())(&params).unwrap();
            for out in d.call(&ins, &params).unwrap() {
                match out {
                    OutVec::F64(v) => {
                        prop_assert_eq!(v.len(), close.len());
                        for (i, x) in v.iter().enumerate() { prop_assert_eq!(x.is_nan(), i < lb, "{} at {}", d.name, i); }
                    }
                    OutVec::I32(v) => { prop_assert_eq!(v.len(), close.len()); prop_assert!(v.iter().take(lb).all(|x| *x == 0)); }
                    OutVec::Scalar(_) | OutVec::Record(_) | OutVec::Records(_) | OutVec::Array { .. } | OutVec::Json(_) => {}
                }
            }
        }
    }

    #[test]
    fn prop_risk_no_panic_any_window_cutoff_method(
        xs in prop::collection::vec(any_f64(), 0..60),
        ys in prop::collection::vec(any_f64(), 60),
        window in prop_oneof![0i64..70, Just(i64::MAX)],
        cutoff in prop_oneof![0.0f64..=1.0, Just(-0.5), Just(f64::NAN)],
        method in prop_oneof![Just("historical"), Just("gaussian"), Just("cornish_fisher"), Just("monte_carlo"), Just("x")],
    ) {
        use sextant_core::decl::Value;
        let ys = &ys[..xs.len()];
        for d in REGISTRY.iter().filter(|d| d.module == sextant_core::decl::Module::Risk) {
            let inputs: Vec<InputData<'_>> = d.inputs.iter().enumerate()
                .map(|(k, _)| InputData::Series(if k == 0 { &xs } else { ys })).collect();
            let named: Vec<(&str, Value)> = d.params.iter().filter_map(|p| match p.name {
                "window" => Some((p.name, Value::Int(window))),
                "cutoff" | "var_p" => Some((p.name, Value::Float(cutoff))),
                "method" => Some((p.name, Value::Str(method.to_owned()))),
                _ => None,
            }).collect();
            if let Ok(params) = d.params_named(named) {
                if let Ok(outs) = d.call(&inputs, &params) {
                    for (i, o) in outs.iter().enumerate() {
                        if let OutVec::F64(v) = o {
                            let n = xs.len();
                            match d.outputs[i].kind {
                                sextant_core::decl::OutputKind::Rolling { clamp } => {
                                    let w = usize::try_from(window.max(1)).unwrap();
                                    prop_assert_eq!(v.len(), sextant_core::decl::rolling_len(n, w, clamp));
                                }
                                sextant_core::decl::OutputKind::SeriesF64 => prop_assert_eq!(v.len(), n),
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn prop_inverse_volatility_sums_to_one(vols in prop::collection::vec(0.001f64..2.0, 1..30)) {
        let n = vols.len();
        let mut cov = vec![0.0; n * n];
        for i in 0..n { cov[i * n + i] = vols[i] * vols[i]; }
        let w = sextant_core::alloc::inverse_volatility(&cov, n, n).unwrap();
        prop_assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        prop_assert!(w.iter().all(|x| *x > 0.0));
    }

    #[test]
    fn prop_alloc_psd_cov_never_panics_and_respects_bounds(
        a in prop::collection::vec(-1.0f64..1.0, 1..36),
        scale_exp in -40i32..40,
        mu in prop::collection::vec(-0.01f64..0.02, 6),
        lower in -0.5f64..0.3,
        width in 0.0f64..1.0,
        rf in -0.01f64..0.01,
    ) {
        // cov = s * A A' for a random k x n A: positive semi-definite, possibly singular
        let n = (a.len() as f64).sqrt().floor().max(1.0) as usize;
        let k = a.len() / n;
        let s = 10f64.powi(scale_exp);
        let mut cov = vec![0.0; n * n];
        for i in 0..n { for j in 0..n {
            cov[i * n + j] = s * (0..k).map(|t| a[t * n + i] * a[t * n + j]).sum::<f64>();
        } }
        let upper = lower + width;
        let mu = &mu[..n];
        let ok = |w: &[f64]| {
            (w.iter().sum::<f64>() - 1.0).abs() < 1e-9
                && w.iter().all(|&x| x >= lower - 1e-9 && x <= upper + 1e-9)
        };
        use sextant_core::alloc as al;
        if let Ok(w) = al::min_variance(&cov, n, n, lower, upper) { prop_assert!(ok(&w), "{w:?}"); }
        if let Ok(w) = al::max_sharpe(mu, &cov, n, n, rf, lower, upper) { prop_assert!(ok(&w), "{w:?}"); }
        if let Ok(w) = al::max_quadratic_utility(mu, &cov, n, n, 2.0, lower, upper) { prop_assert!(ok(&w), "{w:?}"); }
        if let Ok(w) = al::efficient_return(mu, &cov, n, n, 0.001, lower, upper) { prop_assert!(ok(&w), "{w:?}"); }
        if let Ok(w) = al::efficient_risk(mu, &cov, n, n, 0.2 * s.sqrt(), lower, upper) { prop_assert!(ok(&w), "{w:?}"); }
        if let Ok(w) = al::risk_parity(&cov, n, n) {
            prop_assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12 && w.iter().all(|&x| x > 0.0));
        }
        if let Ok(w) = al::hrp(&a, k, n, "ward", "optimal") {
            prop_assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }
}
