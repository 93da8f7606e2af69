//! Every declared function equals its reference on every golden fixture (DESIGN.md tolerance).

use sextant_core::decl::OutVec;
use sextant_core::registry::{self, REGISTRY};

use crate::fixtures::{cases, check_close, Expected};

#[test]
fn every_case_matches_its_reference() {
    let cases = cases();
    assert!(cases.len() > 50, "fixtures missing: {} cases", cases.len());
    // every failing case is reported, not just the first
    let mut failures: Vec<String> = Vec::new();
    for case in &cases {
        let decl = registry::find(&case.module, &case.function)
            .unwrap_or_else(|| panic!("{} not declared", case.id));
        let r = std::panic::catch_unwind(|| check_case(decl, case));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(msg);
        }
    }
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

fn check_case(decl: &sextant_core::decl::FunctionDecl, case: &crate::fixtures::Case) {
    {
        let params =
            decl.params_named(case.params.iter().map(|(k, v)| (k.as_str(), v.clone()))).unwrap();
        let got =
            decl.call(&case.input_data(), &params).unwrap_or_else(|e| panic!("{}: {e}", case.id));
        let abs = case.abs_scale * case.max_abs_input();
        assert_eq!(got.len(), case.outputs.len(), "{}: number of outputs", case.id);
        for ((spec, out), want) in decl.outputs.iter().zip(&got).zip(&case.outputs) {
            let r = match (out, want) {
                (OutVec::F64(g) | OutVec::Array { data: g, .. }, Expected::F64(w)) => {
                    check_close(&case.id, spec.name, g, w, case.rel, abs)
                }
                (OutVec::Scalar(g), Expected::F64(w)) => {
                    check_close(&case.id, spec.name, &[*g], w, case.rel, abs)
                }
                (OutVec::I32(g), Expected::I32(w)) => {
                    match g.iter().zip(w).position(|(a, b)| a != b) {
                        None if g.len() == w.len() => Ok(()),
                        None => Err(format!("{} {}: length", case.id, spec.name)),
                        Some(i) => Err(format!(
                            "{} {}[{i}]: got {}, reference {}",
                            case.id, spec.name, g[i], w[i]
                        )),
                    }
                }
                _ => Err(format!("{}: dtype mismatch", case.id)),
            };
            if let Err(e) = r {
                panic!("{e}");
            }
        }
    }
}

#[test]
fn every_declared_function_has_a_fixture() {
    let cases = cases();
    let mut text_cases = crate::sentiment::manifest_cases();
    // the ledger's record cases (JSON in, JSON out)
    let ledger = crate::ledger::decls::manifest();
    text_cases.extend(ledger["cases"].as_array().unwrap().iter().map(|c| {
        (c["module"].as_str().unwrap().to_owned(), c["function"].as_str().unwrap().to_owned())
    }));
    // Monte Carlo results have no reference library: their closed-form statistical tests and
    // cross-target expected values are in tests/it/mc.rs.
    // AutoIndex backtests have no reference library either: hand-derived backtests, the report
    // against the risk functions and the simulation against the engine are in
    // tests/it/autoindex.rs (and empyrical / a numpy re-implementation in python/tests).
    for d in REGISTRY.iter().filter(|d| {
        !matches!(d.module, sextant_core::decl::Module::Mc | sextant_core::decl::Module::AutoIndex)
    }) {
        assert!(
            cases.iter().any(|c| c.function == d.name && c.module == d.module.as_str())
                || text_cases.iter().any(|(m, f)| f == d.name && m == d.module.as_str()),
            "{} has no golden fixture",
            d.name
        );
    }
}

#[test]
fn into_matches_call_on_fixtures() {
    use sextant_core::decl::OutBuf;
    for case in cases().iter().filter(|c| c.module == "ta") {
        let decl = registry::find(&case.module, &case.function).unwrap();
        let params =
            decl.params_named(case.params.iter().map(|(k, v)| (k.as_str(), v.clone()))).unwrap();
        let want = decl.call(&case.input_data(), &params).unwrap();
        let n = case.inputs[0].0.len();
        let mut f: Vec<Vec<f64>> = vec![vec![123.0; n]; decl.outputs.len()];
        let mut i: Vec<Vec<i32>> = vec![vec![7; n]; decl.outputs.len()];
        let mut bufs: Vec<OutBuf<'_>> = decl
            .outputs
            .iter()
            .zip(f.iter_mut().zip(i.iter_mut()))
            .map(|(s, (fv, iv))| match s.kind {
                sextant_core::decl::OutputKind::SeriesI32 => OutBuf::I32(iv),
                _ => OutBuf::F64(fv),
            })
            .collect();
        decl.call_into(&case.input_data(), &params, &mut bufs).unwrap();
        drop(bufs);
        for (k, w) in want.iter().enumerate() {
            match w {
                OutVec::F64(w) | OutVec::Array { data: w, .. } => assert!(
                    w.iter().zip(&f[k]).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{}",
                    case.id
                ),
                OutVec::I32(w) => assert_eq!(w, &i[k], "{}", case.id),
                OutVec::Scalar(_) | OutVec::Record(_) | OutVec::Records(_) | OutVec::Json(_) => {
                    unreachable!()
                }
            }
        }
    }
}
