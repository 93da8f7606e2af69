//! Every declared function equals its reference on every golden fixture (DESIGN.md tolerance).

use sextant_core::decl::{InputData, OutBuf, OutVec, OutputKind};
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

/// Computes `decl` into output buffers pre-filled with `f` (float64) and `i` (int32); the
/// outputs as bit patterns, or the error.
fn outputs_over(
    decl: &sextant_core::decl::FunctionDecl,
    inputs: &[InputData<'_>],
    params: &sextant_core::decl::Params,
    f: f64,
    i: i32,
) -> Result<Vec<Vec<u64>>, String> {
    let checked = decl.check_inputs(inputs).map_err(|e| e.to_string())?;
    decl.check_output_sizes(&checked, params).map_err(|e| e.to_string())?;
    let mut f64s: Vec<Vec<f64>> = Vec::new();
    let mut i32s: Vec<Vec<i32>> = Vec::new();
    let mut jsons: Vec<String> = Vec::new();
    for (k, spec) in decl.outputs.iter().enumerate() {
        let n = decl.output_len_with(k, &checked, params);
        match spec.kind {
            OutputKind::SeriesI32 => i32s.push(vec![i; n]),
            OutputKind::Json => jsons.push(String::new()),
            _ => f64s.push(vec![f; n]),
        }
    }
    {
        let (mut fi, mut ii, mut ji) = (f64s.iter_mut(), i32s.iter_mut(), jsons.iter_mut());
        let mut bufs: Vec<OutBuf<'_>> = Vec::new();
        for spec in decl.outputs {
            match spec.kind {
                OutputKind::SeriesI32 => bufs.extend(ii.next().map(|v| OutBuf::I32(v))),
                OutputKind::Json => bufs.extend(ji.next().map(OutBuf::Json)),
                _ => bufs.extend(fi.next().map(|v| OutBuf::F64(v))),
            }
        }
        decl.call_into(inputs, params, &mut bufs).map_err(|e| e.to_string())?;
    }
    // every NaN reads alike (payloads are not part of the contract)
    let bits = |v: f64| if v.is_nan() { f64::NAN.to_bits() } else { v.to_bits() };
    Ok(f64s
        .iter()
        .map(|o| o.iter().map(|&v| bits(v)).collect())
        .chain(i32s.iter().map(|o| o.iter().map(|&v| u64::from(v as u32)).collect()))
        .collect())
}

/// The Python binding computes into uninitialised numpy memory (`np.empty`, as TA-Lib's
/// wrapper does), so every function must write every element of every output. Outputs
/// pre-filled with two different garbage patterns must come out bit-identical, on every
/// golden case and on short prefixes of its series (the empty, warm-up-only and first-value
/// paths), where both fills must also give the same error, if any.
#[test]
fn every_function_writes_every_element_of_its_outputs() {
    let mut failures: Vec<String> = Vec::new();
    let mut checked = 0usize;
    let cases = cases();
    for case in &cases {
        let decl = registry::find(&case.module, &case.function)
            .unwrap_or_else(|| panic!("{} not declared", case.id));
        let params =
            decl.params_named(case.params.iter().map(|(k, v)| (k.as_str(), v.clone()))).unwrap();
        let full = case.input_data();
        let all_series = full.iter().all(|d| matches!(d, InputData::Series(_)));
        let mut lens: Vec<Option<usize>> = vec![None];
        if all_series {
            lens.extend([0, 1, 2, 3, 5, 9, 17, 40, 100].map(Some));
        }
        for len in lens {
            let inputs: Vec<InputData<'_>> = full
                .iter()
                .map(|d| match (d, len) {
                    (InputData::Series(s), Some(k)) => InputData::Series(&s[..k.min(s.len())]),
                    _ => *d,
                })
                .collect();
            let a = outputs_over(decl, &inputs, &params, 1.25e300, 0x5a5a_5a5a);
            let b = outputs_over(decl, &inputs, &params, -7.5, -3);
            checked += 1;
            if a != b {
                let at = match (&a, &b) {
                    (Ok(a), Ok(b)) => a
                        .iter()
                        .zip(b)
                        .enumerate()
                        .find_map(|(o, (x, y))| {
                            x.iter()
                                .zip(y)
                                .position(|(p, q)| p != q)
                                .map(|i| format!("output {} element {i}", decl.outputs[o].name))
                        })
                        .unwrap_or_default(),
                    _ => format!("{a:?} vs {b:?}"),
                };
                failures.push(format!("{} (first {:?} bars): {at} not written", case.id, len));
            }
        }
    }
    assert!(checked > 500, "only {checked} runs");
    // The binding leaves series outputs uninitialised (`OutputKind::is_series`), so every
    // function with one must have been checked here.
    let uncovered: Vec<&str> = REGISTRY
        .iter()
        .filter(|d| d.outputs.iter().any(|o| o.kind.is_series()))
        .filter(|d| !cases.iter().any(|c| c.module == d.module.as_str() && c.function == d.name))
        .map(|d| d.name)
        .collect();
    assert!(uncovered.is_empty(), "series outputs without a golden case: {uncovered:?}");
    assert!(
        failures.is_empty(),
        "{} run(s) leave output unwritten:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
