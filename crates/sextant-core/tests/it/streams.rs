//! Streaming objects: stream == batch (bit for bit), peek leaves the state untouched,
//! replace_last, reset, and save/restore continue identically.

use sextant_core::decl::{FunctionDecl, OutVec, Params, Stream};
use sextant_core::registry;

use crate::fixtures::cases;

fn bits_eq(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// The batch outputs as float columns.
fn batch_columns(decl: &FunctionDecl, inputs: &[&[f64]], params: &Params) -> Vec<Vec<f64>> {
    let data: Vec<_> = inputs.iter().map(|s| sextant_core::decl::InputData::Series(s)).collect();
    decl.call(&data, params)
        .unwrap()
        .into_iter()
        .map(|o| match o {
            OutVec::F64(v) => v,
            OutVec::I32(v) => v.into_iter().map(f64::from).collect(),
            OutVec::Scalar(s) => vec![s],
            OutVec::Record(_) | OutVec::Records(_) | OutVec::Json(_) => Vec::new(),
            OutVec::Array { data, .. } => data,
        })
        .collect()
}

fn bar(inputs: &[&[f64]], i: usize) -> Vec<f64> {
    inputs.iter().map(|c| c[i]).collect()
}

/// Steps a stream over the inputs and checks every output against the batch columns.
pub fn check_stream_equals_batch(
    id: &str,
    decl: &FunctionDecl,
    inputs: &[&[f64]],
    params: &Params,
) {
    let want = batch_columns(decl, inputs, params);
    let n = inputs.first().map_or(0, |c| c.len());
    let mut s = decl.stream(params).unwrap();
    let mut out = vec![0.0; decl.outputs.len()];
    let mut peeked = vec![0.0; decl.outputs.len()];
    for i in 0..n {
        let b = bar(inputs, i);
        s.peek(&b, &mut peeked).unwrap();
        s.update(&b, &mut out).unwrap();
        for k in 0..out.len() {
            assert!(
                bits_eq(out[k], want[k][i]),
                "{id}: stream {k}[{i}] = {} but batch = {}",
                out[k],
                want[k][i]
            );
            assert!(
                bits_eq(peeked[k], out[k]),
                "{id}: peek {k}[{i}] = {} but update = {}",
                peeked[k],
                out[k]
            );
        }
    }
}

fn ta_cases() -> Vec<crate::fixtures::Case> {
    cases().into_iter().filter(|c| c.module == "ta").collect()
}

#[test]
fn stream_equals_batch_on_every_fixture() {
    for case in ta_cases() {
        let decl = registry::find(&case.module, &case.function).unwrap();
        let params =
            decl.params_named(case.params.iter().map(|(k, v)| (k.as_str(), v.clone()))).unwrap();
        let inputs: Vec<&[f64]> = case.inputs.iter().map(|(d, _)| d.as_slice()).collect();
        check_stream_equals_batch(&case.id, decl, &inputs, &params);
    }
}

#[test]
fn saved_state_continues_identically_and_peek_leaves_state_untouched() {
    for case in
        ta_cases().into_iter().filter(|c| c.id.contains("/walk60k/") || c.id.contains("/gaps/"))
    {
        let decl = registry::find(&case.module, &case.function).unwrap();
        let params =
            decl.params_named(case.params.iter().map(|(k, v)| (k.as_str(), v.clone()))).unwrap();
        let inputs: Vec<&[f64]> = case.inputs.iter().map(|(d, _)| d.as_slice()).collect();
        let n = inputs[0].len();
        let half = n / 2;
        let mut a = decl.stream(&params).unwrap();
        let mut o = vec![0.0; decl.outputs.len()];
        for i in 0..half {
            a.update(&bar(&inputs, i), &mut o).unwrap();
        }
        // peek many times with wild values: the state must not move
        let mut junk = vec![0.0; decl.outputs.len()];
        for x in [1e300, -5.0, f64::NAN, 0.0] {
            a.peek(&vec![x; inputs.len()], &mut junk).unwrap();
        }
        let saved = a.save();
        let mut b: Box<dyn Stream> = decl.stream_load(&saved).unwrap();
        let mut c = a.clone_box();
        assert_eq!(b.bars(), half as u64);
        let (mut ob, mut oc) = (o.clone(), o.clone());
        for i in half..n {
            let x = bar(&inputs, i);
            a.update(&x, &mut o).unwrap();
            b.update(&x, &mut ob).unwrap();
            c.update(&x, &mut oc).unwrap();
            for k in 0..o.len() {
                assert!(
                    bits_eq(o[k], ob[k]) && bits_eq(o[k], oc[k]),
                    "{}: restored/copied stream diverged at {i}",
                    case.id
                );
            }
        }
    }
}

#[test]
fn replace_last_equals_feeding_the_final_bar_directly() {
    for case in ta_cases().into_iter().filter(|c| c.id.contains("/walk60k/")) {
        let decl = registry::find(&case.module, &case.function).unwrap();
        let params =
            decl.params_named(case.params.iter().map(|(k, v)| (k.as_str(), v.clone()))).unwrap();
        let inputs: Vec<&[f64]> = case.inputs.iter().map(|(d, _)| d.as_slice()).collect();
        let n = inputs[0].len().min(300);
        let mut live = decl.stream(&params).unwrap();
        let mut clean = decl.stream(&params).unwrap();
        let (mut o1, mut o2) = (vec![0.0; decl.outputs.len()], vec![0.0; decl.outputs.len()]);
        for i in 0..n {
            let x = bar(&inputs, i);
            // a forming candle: first a provisional value, then two revisions
            let provisional: Vec<f64> = x.iter().map(|v| v * 1.01).collect();
            live.update(&provisional, &mut o1).unwrap();
            live.replace_last(&x.iter().map(|v| v * 0.99).collect::<Vec<_>>(), &mut o1).unwrap();
            live.replace_last(&x, &mut o1).unwrap();
            clean.update(&x, &mut o2).unwrap();
            for k in 0..o1.len() {
                assert!(bits_eq(o1[k], o2[k]), "{}: replace_last diverged at {i}", case.id);
            }
            let mut v = vec![0.0; o1.len()];
            live.value(&mut v);
            assert!(v.iter().zip(&o1).all(|(a, b)| bits_eq(*a, *b)));
        }
        assert_eq!(live.bars(), n as u64);
        live.reset();
        assert_eq!(live.bars(), 0);
        check_stream_equals_batch(
            &case.id,
            decl,
            &inputs[..].iter().map(|c| &c[..n]).collect::<Vec<_>>(),
            &params,
        );
    }
}

#[test]
fn replace_last_on_empty_stream_is_an_error() {
    let mut s = registry::find("ta", "RSI")
        .unwrap()
        .stream(&registry::find("ta", "RSI").unwrap().default_params())
        .unwrap();
    let err = s.replace_last(&[1.0], &mut [0.0]).unwrap_err();
    assert_eq!(err.code(), "EMPTY_STREAM");
    let err = s.update(&[1.0, 2.0], &mut [0.0]).unwrap_err();
    assert_eq!(err.code(), "ARITY");
}

#[test]
fn corrupt_state_is_an_error_not_a_panic() {
    let d = registry::find("ta", "BBANDS").unwrap();
    for bytes in [&[][..], &[1u8][..], &[1, 255, 255, 255][..], &[9, 0][..]] {
        assert_eq!(d.stream_load(bytes).unwrap_err().code(), "INVALID_STATE");
    }
}

#[test]
fn one_bad_value_in_one_input_anywhere_gives_the_streams_values() {
    // The batch fast paths detect NaN and infinity in several ways (checks per block, NaN
    // carried along a chain or a running sum, the last close checked apart): one bad value in
    // one input, at block edges and in the middle of a 700-bar series, must give the stream's
    // bits, for every function with a stream.
    let n = 700;
    let close: Vec<f64> =
        (0..n).map(|i| 100.0 + 10.0 * (f64::from(i) * 0.05).sin() + f64::from(i % 5)).collect();
    let high: Vec<f64> = close.iter().enumerate().map(|(i, c)| c + 1.0 + (i % 3) as f64).collect();
    let low: Vec<f64> = close.iter().enumerate().map(|(i, c)| c - 1.0 - (i % 4) as f64).collect();
    let open: Vec<f64> = close.iter().zip(&low).map(|(c, l)| (c + l) / 2.0).collect();
    let volume: Vec<f64> = (0..n).map(|i| 1000.0 + f64::from(i % 11) * 50.0).collect();
    for d in sextant_core::registry::REGISTRY.iter().filter(|d| d.stream.is_some()) {
        let cols: Vec<&Vec<f64>> = d
            .inputs
            .iter()
            .map(|i| match i.name {
                "high" => &high,
                "low" => &low,
                "open" => &open,
                "volume" => &volume,
                _ => &close,
            })
            .collect();
        let params = d.default_params();
        let bad = (0..cols.len()).map(|k| (k, f64::NAN)).chain([(0, f64::INFINITY)]);
        for (k, bad) in bad {
            for at in [0, 1, 14, 15, 17, 18, 100, 259, 260, 261, 263, 520, 698, 699] {
                let mut cols: Vec<Vec<f64>> = cols.iter().map(|c| (*c).clone()).collect();
                cols[k][at] = bad;
                let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
                check_stream_equals_batch(
                    &format!("{}/input{k}={bad}@{at}", d.name),
                    d,
                    &refs,
                    &params,
                );
            }
        }
    }
}

#[test]
fn a_state_of_another_layout_revision_is_refused_not_misread() {
    // ATR's state changed layout (revision 1); a state tagged with revision 0 (an earlier
    // build) must fail with a typed error naming the revisions, never load into wrong numbers.
    let d = registry::find("ta", "ATR").unwrap();
    let mut s = d.stream(&d.default_params()).unwrap();
    let mut o = [0.0];
    for i in 0..40 {
        let x = 100.0 + f64::from(i % 7);
        s.update(&[x + 1.0, x - 1.0, x], &mut o).unwrap();
    }
    let saved = s.save();
    assert_eq!(saved[0], 0x12, "version 2, revision 1");
    assert!(d.stream_load(&saved).is_ok());
    let mut old = saved.clone();
    old[0] = 0x02;
    let err = d.stream_load(&old).unwrap_err();
    assert_eq!(err.code(), "INVALID_STATE");
    assert!(
        err.to_string().contains("revision 0") && err.to_string().contains("revision 1"),
        "{err}"
    );
    // a function whose state embeds ATR's carries its revision; MACD's EMAs changed likewise
    for f in ["NATR", "KC", "SUPERTREND", "PGO", "RWI", "MACD", "MACDFIX"] {
        let d = registry::find("ta", f).unwrap();
        assert_eq!(d.stream(&d.default_params()).unwrap().save()[0], 0x12, "{f}");
    }
}

#[test]
fn macd_four_lane_batch_equals_the_stream_at_every_length() {
    // MACD's batch loop steps the bars until its three EMAs run four bars apart, computes four
    // bars per vector, then steps the last (fewer than four): every split of a series between
    // the three parts, and parameters that swap, shorten or lengthen the averages.
    let mut p = 100.0;
    let x: Vec<f64> = (0..700u32)
        .map(|i| {
            p += (f64::from(i.wrapping_mul(2_654_435_761) % 1000) - 499.5) / 250.0;
            p
        })
        .collect();
    let macd = registry::find("ta", "MACD").unwrap();
    let fix = registry::find("ta", "MACDFIX").unwrap();
    let int = |v| sextant_core::decl::Value::Int(v);
    let cases = [
        (macd, macd.default_params()),
        (fix, fix.default_params()),
        (
            macd,
            macd.params_named([
                ("fastperiod", int(30)),
                ("slowperiod", int(5)),
                ("signalperiod", int(2)),
            ])
            .unwrap(),
        ),
        (
            macd,
            macd.params_named([
                ("fastperiod", int(2)),
                ("slowperiod", int(3)),
                ("signalperiod", int(40)),
            ])
            .unwrap(),
        ),
    ];
    for (d, params) in &cases {
        for n in (0..60).chain([255, 256, 257, 258, 259, 700]) {
            check_stream_equals_batch(&format!("{}/{n}", d.name), d, &[&x[..n]], params);
        }
    }
}

#[test]
fn index_outputs_count_nan_bars_across_gaps() {
    // MAXINDEX / MININDEX give absolute indices into the input: NaN bars (leading and interior)
    // are counted by the kernel's gap counter, in batch and in the stream alike.
    let nan = f64::NAN;
    let x = [nan, 1.0, 3.0, 2.0, nan, 5.0, 4.0, 4.0, 6.0];
    let decl = registry::find("ta", "MINMAXINDEX").unwrap();
    let params = decl.params_named([("timeperiod", sextant_core::decl::Value::Int(2))]).unwrap();
    let got = batch_columns(decl, &[&x], &params);
    let min: Vec<f64> = vec![0.0, 0.0, 1.0, 3.0, 0.0, 0.0, 6.0, 7.0, 7.0];
    let max: Vec<f64> = vec![0.0, 0.0, 2.0, 2.0, 0.0, 0.0, 5.0, 6.0, 8.0];
    assert_eq!(got, vec![min, max]);
    check_stream_equals_batch("MINMAXINDEX/gap-counter", decl, &[&x], &params);
    // reset() goes back to the constructed state, absolute bar count included: after it the
    // stream equals a fresh one (indices 0, 1 again)
    let mut s = decl.stream(&params).unwrap();
    let mut out = [0.0; 2];
    for v in x {
        s.update(&[v], &mut out).unwrap();
    }
    s.reset();
    s.update(&[1.0], &mut out).unwrap();
    s.update(&[2.0], &mut out).unwrap();
    assert_eq!(out, [0.0, 1.0]);
}
