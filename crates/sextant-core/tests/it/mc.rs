//! Monte Carlo engine: closed-form statistics (tolerances from the sample size), bit-identical
//! results across thread counts and `first_path` splits, the cross-target expected values
//! (tests/mc/expected.json, also asserted by the WASM and Node suites), and typed errors.

use sextant_core::decl::{InputData, OutVec, Value};
use sextant_core::mc::{
    cholesky, simulate_correlated_gbm, simulate_gbm, standard_normal, CorrelatedGbm, Gbm, Run,
};
use sextant_core::registry;

/// Standard-error multiple for the statistical checks: a fixed seed makes each check
/// deterministic; 5 SE would fail by chance with probability below 1e-6 for a fresh seed.
const K: f64 = 5.0;

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, v)
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    // linear interpolation between order statistics (numpy's default)
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

const G: Gbm = Gbm { s0: 100.0, mu: 0.08, sigma: 0.3, years: 2.0, steps: 24 };

#[test]
fn gbm_terminal_mean_and_variance_match_the_lognormal() {
    let n = 40_000;
    let t = simulate_gbm(&G, &Run { paths: n, seed: 7, ..Run::default() }).unwrap();
    let (m, v) = mean_var(&t);
    let (mu, s2, tt) = (G.mu, G.sigma * G.sigma, G.years);
    let em = G.s0 * (mu * tt).exp();
    let ev = G.s0 * G.s0 * (2.0 * mu * tt).exp() * ((s2 * tt).exp() - 1.0);
    assert!((m - em).abs() <= K * (ev / n as f64).sqrt(), "mean {m} vs {em}");
    // the variance of the sample variance from the log-normal's fourth central moment
    let w = (s2 * tt).exp();
    let kurt_excess = w.powi(4) + 2.0 * w.powi(3) + 3.0 * w.powi(2) - 6.0;
    let se_v = ev * ((kurt_excess + 2.0) / n as f64).sqrt();
    assert!((v - ev).abs() <= K * se_v, "variance {v} vs {ev} (se {se_v})");
    // log returns: exactly normal
    let logs: Vec<f64> = t.iter().map(|s| (s / G.s0).ln()).collect();
    let (lm, lv) = mean_var(&logs);
    let (m0, v0) = ((mu - 0.5 * s2) * tt, s2 * tt);
    assert!((lm - m0).abs() <= K * (v0 / n as f64).sqrt(), "log mean {lm} vs {m0}");
    assert!((lv - v0).abs() <= K * v0 * (2.0 / (n as f64 - 1.0)).sqrt(), "log var {lv} vs {v0}");
}

#[test]
fn gbm_quantiles_match_the_lognormal() {
    let n = 40_000;
    let mut t = simulate_gbm(&G, &Run { paths: n, seed: 11, ..Run::default() }).unwrap();
    t.sort_by(f64::total_cmp);
    let (m0, s) = ((G.mu - 0.5 * G.sigma * G.sigma) * G.years, G.sigma * G.years.sqrt());
    // (p, standard normal quantile) from scipy.stats.norm.ppf
    for (p, z) in [
        (0.01, -2.326_347_874_040_841),
        (0.05, -1.644_853_626_951_472_2),
        (0.25, -0.674_489_750_196_081_7),
        (0.5, 0.0),
        (0.75, 0.674_489_750_196_081_7),
        (0.95, 1.644_853_626_951_472_2),
        (0.99, 2.326_347_874_040_841),
    ] {
        let q = quantile(&t, p);
        let want = G.s0 * (m0 + s * z).exp();
        // asymptotic s.e. of a sample quantile, in log space: sqrt(p(1-p)/n) / phi(z) * s
        let phi = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let se = (p * (1.0 - p) / n as f64).sqrt() / phi * s;
        assert!(((q / want).ln()).abs() <= K * se, "p={p}: {q} vs {want}");
    }
}

#[test]
fn terminal_values_are_the_last_column_of_full_paths() {
    let run = Run { paths: 300, seed: 3, first_path: 17, antithetic: true, ..Run::default() };
    let t = simulate_gbm(&G, &run).unwrap();
    let f = simulate_gbm(&G, &Run { full_paths: true, ..run }).unwrap();
    let w = G.steps + 1;
    assert_eq!(f.len(), 300 * w);
    for p in 0..300 {
        assert_eq!(f[p * w], G.s0);
        assert_eq!(t[p].to_bits(), f[p * w + G.steps].to_bits(), "path {p}");
    }
    // the terminal kernel walks paths in pairs: an odd count leaves one path of a block alone
    for (paths, first_path) in [(7, 4), (129, 1)] {
        let run = Run { paths, seed: 5, first_path, antithetic: true, ..Run::default() };
        let t = simulate_gbm(&G, &run).unwrap();
        let f = simulate_gbm(&G, &Run { full_paths: true, ..run }).unwrap();
        for p in 0..paths {
            assert_eq!(t[p].to_bits(), f[p * w + G.steps].to_bits(), "{paths}: path {p}");
        }
    }
    let cov = [0.04, 0.01, 0.01, 0.09];
    let c = CorrelatedGbm { s0: &[10.0, 20.0], mu: &[0.0, 0.1], cov: &cov, years: 1.0, steps: 5 };
    let run = Run { paths: 50, seed: 1, ..Run::default() };
    let t = simulate_correlated_gbm(&c, &run).unwrap();
    let f = simulate_correlated_gbm(&c, &Run { full_paths: true, ..run }).unwrap();
    for p in 0..50 {
        assert_eq!(&f[p * 12..p * 12 + 2], &[10.0, 20.0]);
        assert_eq!(t[p * 2..p * 2 + 2], f[p * 12 + 10..p * 12 + 12]);
    }
    // terminal values walk two paths side by side: odd offsets and counts, antithetic pairs
    // cut in the middle, 3 and 17 assets (the general loop beyond 16)
    for n in [3usize, 17] {
        let mut cov = vec![0.005; n * n];
        for i in 0..n {
            cov[i * n + i] = 0.04;
        }
        let (s0, mu) = (vec![1.0; n], vec![0.05; n]);
        let c = CorrelatedGbm { s0: &s0, mu: &mu, cov: &cov, years: 1.0, steps: 7 };
        let run = Run { paths: 131, seed: 6, first_path: 3, antithetic: true, ..Run::default() };
        let t = simulate_correlated_gbm(&c, &run).unwrap();
        let f = simulate_correlated_gbm(&c, &Run { full_paths: true, ..run }).unwrap();
        let w = 8 * n;
        for p in 0..131 {
            assert_eq!(bits(&t[p * n..p * n + n]), bits(&f[p * w + 7 * n..p * w + w]), "{n}: {p}");
        }
    }
}

#[test]
fn antithetic_pairs_mirror_their_log_returns() {
    let t = simulate_gbm(&G, &Run { paths: 1000, seed: 5, antithetic: true, ..Run::default() })
        .unwrap();
    let m0 = (G.mu - 0.5 * G.sigma * G.sigma) * G.years;
    for k in 0..500 {
        let s = (t[2 * k] / G.s0).ln() + (t[2 * k + 1] / G.s0).ln();
        assert!((s - 2.0 * m0).abs() < 1e-12, "pair {k}: {s}");
    }
    // and the plain run is not antithetic
    let u = simulate_gbm(&G, &Run { paths: 2, seed: 5, ..Run::default() }).unwrap();
    assert_eq!(u[0], t[0]);
    assert_ne!(u[1], t[1]);
}

#[test]
fn correlated_gbm_recovers_the_covariance() {
    // vols 20%, 30%, 25%; correlations 0.5, -0.3, 0.2
    let (s1, s2, s3) = (0.2, 0.3, 0.25);
    let cov = [
        s1 * s1,
        0.5 * s1 * s2,
        -0.3 * s1 * s3,
        0.5 * s1 * s2,
        s2 * s2,
        0.2 * s2 * s3,
        -0.3 * s1 * s3,
        0.2 * s2 * s3,
        s3 * s3,
    ];
    let mu = [0.05, 0.1, -0.02];
    let c = CorrelatedGbm { s0: &[100.0, 50.0, 10.0], mu: &mu, cov: &cov, years: 0.5, steps: 10 };
    let n = 30_000;
    let t = simulate_correlated_gbm(&c, &Run { paths: n, seed: 99, ..Run::default() }).unwrap();
    let logs: Vec<[f64; 3]> = t
        .chunks(3)
        .map(|r| [(r[0] / 100.0).ln(), (r[1] / 50.0).ln(), (r[2] / 10.0).ln()])
        .collect();
    let nf = n as f64;
    let mean: Vec<f64> = (0..3).map(|i| logs.iter().map(|r| r[i]).sum::<f64>() / nf).collect();
    for i in 0..3 {
        let want = (mu[i] - 0.5 * cov[i * 3 + i]) * c.years;
        assert!((mean[i] - want).abs() <= K * (cov[i * 3 + i] * c.years / nf).sqrt());
        for j in 0..3 {
            let got = logs.iter().map(|r| (r[i] - mean[i]) * (r[j] - mean[j])).sum::<f64>()
                / (nf - 1.0)
                / c.years;
            let (sii, sjj, sij) = (cov[i * 3 + i], cov[j * 3 + j], cov[i * 3 + j]);
            // s.e. of a sample covariance of normals: sqrt((s_ii s_jj + s_ij^2) / n)
            let se = ((sii * sjj + sij * sij) / nf).sqrt();
            assert!((got - sij).abs() <= K * se, "cov[{i}][{j}] {got} vs {sij}");
            if i != j {
                let rho = sij / (sii * sjj).sqrt();
                let r = got / (sii * sjj).sqrt();
                assert!(
                    (r - rho).abs() <= K * (1.0 - rho * rho) / nf.sqrt() + 1e-3,
                    "rho {r} vs {rho}"
                );
            }
        }
    }
}

#[test]
fn perfectly_correlated_assets_move_together() {
    // singular but PSD: rank one
    let cov = [0.04, 0.04, 0.04, 0.04];
    let l = cholesky(&cov, 2).unwrap();
    assert!(l.iter().zip([0.2, 0.0, 0.2, 0.0]).all(|(a, b)| (a - b).abs() < 1e-15), "{l:?}");
    let c = CorrelatedGbm { s0: &[1.0, 2.0], mu: &[0.1, 0.1], cov: &cov, years: 1.0, steps: 8 };
    let t = simulate_correlated_gbm(&c, &Run { paths: 20, seed: 4, ..Run::default() }).unwrap();
    for r in t.chunks(2) {
        assert!((r[1] / r[0] - 2.0).abs() < 1e-12);
    }
}

fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn same_bits_on_one_and_two_threads() {
    let g = Gbm { steps: 50, ..G };
    let run =
        Run { paths: 1000, seed: 12345, antithetic: true, full_paths: true, ..Run::default() };
    let a = pool(1).install(|| simulate_gbm(&g, &run).unwrap());
    let b = pool(2).install(|| simulate_gbm(&g, &run).unwrap());
    assert_eq!(bits(&a), bits(&b));
    let cov = [0.04, 0.01, 0.01, 0.09];
    let c = CorrelatedGbm { s0: &[1.0, 2.0], mu: &[0.1, 0.1], cov: &cov, years: 1.0, steps: 30 };
    let run = Run { paths: 777, seed: 2, ..Run::default() };
    let a = pool(1).install(|| simulate_correlated_gbm(&c, &run).unwrap());
    let b = pool(2).install(|| simulate_correlated_gbm(&c, &run).unwrap());
    assert_eq!(bits(&a), bits(&b));
    let a = pool(1).install(|| standard_normal(100_000, 9, 0).unwrap());
    let b = pool(2).install(|| standard_normal(100_000, 9, 0).unwrap());
    assert_eq!(bits(&a), bits(&b));
}

#[test]
fn same_bits_when_split_four_ways_with_first_path() {
    let g = Gbm { steps: 40, ..G };
    for antithetic in [false, true] {
        let whole = simulate_gbm(
            &g,
            &Run { paths: 1000, seed: 8, antithetic, full_paths: true, ..Run::default() },
        )
        .unwrap();
        let mut parts = Vec::new();
        // uneven cuts, odd offsets (the middle of antithetic pairs)
        for (first, n) in [(0u64, 137usize), (137, 363), (500, 1), (501, 499)] {
            let r = Run { paths: n, seed: 8, first_path: first, antithetic, full_paths: true };
            parts.extend(simulate_gbm(&g, &r).unwrap());
        }
        assert_eq!(bits(&whole), bits(&parts), "antithetic={antithetic}");
    }
    let cov = [0.04, 0.01, 0.01, 0.09];
    let c = CorrelatedGbm { s0: &[1.0, 2.0], mu: &[0.1, 0.1], cov: &cov, years: 1.0, steps: 30 };
    let whole =
        simulate_correlated_gbm(&c, &Run { paths: 400, seed: 3, ..Run::default() }).unwrap();
    let mut parts = Vec::new();
    for (first, n) in [(0u64, 99usize), (99, 101), (200, 100), (300, 100)] {
        parts.extend(
            simulate_correlated_gbm(
                &c,
                &Run { paths: n, seed: 3, first_path: first, ..Run::default() },
            )
            .unwrap(),
        );
    }
    assert_eq!(bits(&whole), bits(&parts));
    let whole = standard_normal(20_000, 1, 0).unwrap();
    let mut parts = standard_normal(5_000, 1, 0).unwrap();
    parts.extend(standard_normal(3, 1, 5_000).unwrap());
    parts.extend(standard_normal(14_997, 1, 5_003).unwrap());
    assert_eq!(bits(&whole), bits(&parts));
}

#[test]
fn standard_normal_moments() {
    let n = 200_000;
    let z = standard_normal(n, 2024, 0).unwrap();
    let (m, v) = mean_var(&z);
    let nf = n as f64;
    assert!(m.abs() <= K / nf.sqrt(), "mean {m}");
    assert!((v - 1.0).abs() <= K * (2.0 / nf).sqrt(), "var {v}");
    // the tails: P(|Z| > 3) = 0.0026998 (scipy.stats.norm.sf(3) * 2)
    let p = 2.0 * 1.349_898_031_630_094_6e-3;
    let tail = z.iter().filter(|x| x.abs() > 3.0).count() as f64 / nf;
    assert!((tail - p).abs() <= K * (p * (1.0 - p) / nf).sqrt(), "tail {tail}");
    let third = z.iter().map(|x| x * x * x).sum::<f64>() / nf;
    assert!(third.abs() <= K * (15.0 / nf).sqrt(), "skew {third}");
}

/// The cross-target expected values: small runs whose exact bits are committed in
/// tests/mc/expected.json and asserted here, by the WASM suite and by the Node suite.
/// `SEXTANT_BLESS_MC=1 cargo test -p sextant-core mc::` rewrites the file.
#[test]
fn matches_the_committed_cross_target_values() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/mc/expected.json");
    let mut cases = Vec::new();
    for (name, inputs, params) in expected_cases() {
        let d = registry::find("mc", name).unwrap();
        let ins: Vec<InputData<'_>> = inputs
            .iter()
            .zip(d.inputs)
            .map(|(v, spec): (&Vec<f64>, _)| {
                // matrices are square in these cases
                let n = (v.len() as f64).sqrt() as usize;
                if spec.kind == sextant_core::decl::InputKind::Matrix {
                    InputData::Matrix { data: v, rows: n, cols: n }
                } else {
                    InputData::Series(v)
                }
            })
            .collect();
        let p = d.params_named(params.iter().map(|(k, v)| (*k, v.clone()))).unwrap();
        let out = d.call(&ins, &p).unwrap();
        let (data, shape) = match &out[0] {
            OutVec::Array { data, shape } => (data.clone(), shape.clone()),
            OutVec::F64(v) => (v.clone(), vec![v.len()]),
            // a number (estimate_payoff's estimate): shape [], one value
            OutVec::Scalar(v) => (vec![*v], vec![]),
            other => panic!("{other:?}"),
        };
        cases.push(serde_json::json!({
            "function": name,
            "inputs": inputs,
            "params": params.iter().map(|(k, v)| (k.to_string(), serde_json::to_value(v).unwrap())).collect::<serde_json::Map<_, _>>(),
            "shape": shape,
            "values": data,
            "bits": data.iter().map(|x| format!("{:016x}", x.to_bits())).collect::<Vec<_>>(),
        }));
    }
    let doc = serde_json::json!({
        "about": "Small Monte Carlo runs: `values` for reading, `bits` (each f64's IEEE-754 bits in hex) for the comparison. Asserted bit for bit by sextant-core (tests/it/mc.rs), the WASM suite and the Node suite: the same seed gives the same bits on every target. Regenerate with SEXTANT_BLESS_MC=1 cargo test -p sextant-core mc:: only when the generator changes on purpose.",
        "cases": cases,
    });
    if std::env::var_os("SEXTANT_BLESS_MC").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let key =
        |d: &serde_json::Value| -> Vec<(serde_json::Value, serde_json::Value, serde_json::Value)> {
            d["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (c["function"].clone(), c["shape"].clone(), c["bits"].clone()))
                .collect()
        };
    assert_eq!(
        key(&committed),
        key(&doc),
        "tests/mc/expected.json differs from this build's results"
    );
}

type Case = (&'static str, Vec<Vec<f64>>, Vec<(&'static str, Value)>);

fn expected_cases() -> Vec<Case> {
    vec![
        (
            "simulate_gbm",
            vec![],
            vec![
                ("s0", Value::Float(100.0)),
                ("mu", Value::Float(0.05)),
                ("sigma", Value::Float(0.2)),
                ("steps", Value::Int(6)),
                ("paths", Value::Int(4)),
                ("seed", Value::Int(42)),
                ("full_paths", Value::Bool(true)),
            ],
        ),
        (
            "simulate_gbm",
            vec![],
            vec![
                ("sigma", Value::Float(0.5)),
                ("paths", Value::Int(5)),
                ("seed", Value::Int(9_007_199_254_740_991)),
                ("first_path", Value::Int(1_000_001)),
                ("antithetic", Value::Bool(true)),
            ],
        ),
        (
            "simulate_correlated_gbm",
            vec![vec![100.0, 50.0], vec![0.05, 0.1], vec![0.04, 0.018, 0.018, 0.09]],
            vec![
                ("steps", Value::Int(3)),
                ("paths", Value::Int(3)),
                ("seed", Value::Int(7)),
                ("full_paths", Value::Bool(true)),
            ],
        ),
        (
            "standard_normal",
            vec![],
            vec![("size", Value::Int(8)), ("seed", Value::Int(1)), ("first", Value::Int(4090))],
        ),
        // appended with Student-t shocks, Merton, the bootstrap and the portfolio: the cases
        // above are unchanged
        (
            "simulate_gbm",
            vec![],
            vec![
                ("df", Value::Float(4.5)),
                ("steps", Value::Int(5)),
                ("paths", Value::Int(3)),
                ("seed", Value::Int(11)),
                ("full_paths", Value::Bool(true)),
            ],
        ),
        (
            "simulate_merton",
            vec![],
            vec![
                ("jump_intensity", Value::Float(3.0)),
                ("steps", Value::Int(4)),
                ("paths", Value::Int(3)),
                ("seed", Value::Int(5)),
                ("antithetic", Value::Bool(true)),
                ("full_paths", Value::Bool(true)),
            ],
        ),
        (
            "bootstrap_returns",
            vec![vec![0.01, -0.02, 0.005, 0.003, 0.011, -0.007, -0.015, 0.002, 0.009]],
            vec![
                ("method", Value::Str("stationary".into())),
                ("block_length", Value::Float(2.0)),
                ("steps", Value::Int(4)),
                ("paths", Value::Int(3)),
                ("seed", Value::Int(2)),
                ("full_paths", Value::Bool(true)),
            ],
        ),
        (
            "simulate_portfolio",
            vec![
                vec![0.5, 0.5],
                vec![0.05, 0.08],
                vec![0.04, 0.01, 0.01, 0.09],
                vec![10.0],
                vec![10.0, 50.0, 90.0],
            ],
            vec![
                ("rebalance_every", Value::Int(2)),
                ("fee", Value::Float(0.01)),
                ("steps", Value::Int(4)),
                ("paths", Value::Int(5)),
                ("seed", Value::Int(3)),
            ],
        ),
        (
            "estimate_payoff",
            vec![],
            vec![
                ("strike", Value::Float(105.0)),
                ("discount", Value::Float(0.05)),
                ("steps", Value::Int(6)),
                ("paths", Value::Int(50)),
                ("seed", Value::Int(4)),
                ("first_path", Value::Int(3)),
            ],
        ),
    ]
}

#[test]
fn typed_errors() {
    let code = |r: sextant_core::Result<Vec<f64>>| r.unwrap_err();
    let run = Run { paths: 10, ..Run::default() };
    let e = code(simulate_gbm(&Gbm { sigma: -0.1, ..G }, &run));
    assert_eq!((e.code(), e.subject()), ("OUT_OF_RANGE", Some("sigma")));
    let e = code(simulate_gbm(&Gbm { steps: 0, ..G }, &run));
    assert_eq!((e.code(), e.subject()), ("OUT_OF_RANGE", Some("steps")));
    let e = code(simulate_gbm(&Gbm { s0: 0.0, ..G }, &run));
    assert_eq!(e.subject(), Some("s0"));
    let e = code(simulate_gbm(&G, &Run { paths: 10, seed: 1 << 53, ..Run::default() }));
    assert_eq!(e.subject(), Some("seed"));
    let e = code(simulate_gbm(&G, &Run { paths: 1 << 27, full_paths: true, ..Run::default() }));
    assert_eq!(e.subject(), Some("paths"));
    let mk = |s0: &'static [f64], mu: &'static [f64], cov: &'static [f64]| {
        simulate_correlated_gbm(&CorrelatedGbm { s0, mu, cov, years: 1.0, steps: 3 }, &run)
    };
    let e = code(mk(&[1.0, 1.0], &[0.0], &[1.0, 0.0, 0.0, 1.0]));
    assert_eq!((e.code(), e.subject()), ("LENGTH_MISMATCH", Some("mu")));
    let e = code(mk(&[1.0, 1.0], &[0.0, 0.0], &[1.0, 0.0, 0.0]));
    assert_eq!((e.code(), e.subject()), ("INVALID_INPUT", Some("cov")));
    let e = code(mk(&[1.0, 1.0], &[0.0, 0.0], &[1.0, 2.0, 2.0, 1.0]));
    assert_eq!((e.code(), e.subject()), ("INVALID_INPUT", Some("cov")));
    assert!(e.to_string().contains("not positive semi-definite"), "{e}");
    let e = code(mk(&[1.0, 1.0], &[0.0, 0.0], &[1.0, 0.5, 0.4, 1.0]));
    assert!(e.to_string().contains("not symmetric"), "{e}");
    let e = code(mk(&[1.0, -1.0], &[0.0, 0.0], &[1.0, 0.0, 0.0, 1.0]));
    assert_eq!(e.subject(), Some("s0[1]"));

    // the same through the declarations (every adapter's path)
    let d = registry::find("mc", "simulate_gbm").unwrap();
    let e = d.params_named([("sigma", Value::Float(-0.2))]).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("OUT_OF_RANGE", Some("sigma")));
    let e = d.params_named([("steps", Value::Int(0))]).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("OUT_OF_RANGE", Some("steps")));
    let e = d.params_named([("full_paths", Value::Int(1))]).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("INVALID_TYPE", Some("full_paths")));
    let p = d
        .params_named([("paths", Value::Int(1 << 27)), ("full_paths", Value::Bool(true))])
        .unwrap();
    let e = d.call(&[], &p).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("OUT_OF_RANGE", Some("paths")));
    let c = registry::find("mc", "simulate_correlated_gbm").unwrap();
    let p = c.params_named([("paths", Value::Int(3))]).unwrap();
    let e = c
        .call(
            &[
                InputData::Series(&[1.0, 1.0]),
                InputData::Series(&[0.0]),
                InputData::Matrix { data: &[1.0; 4], rows: 2, cols: 2 },
            ],
            &p,
        )
        .unwrap_err();
    assert_eq!(e.code(), "LENGTH_MISMATCH");
    let e = c
        .call(
            &[
                InputData::Series(&[1.0, 1.0]),
                InputData::Series(&[0.0, 0.0]),
                InputData::Matrix { data: &[1.0; 6], rows: 2, cols: 3 },
            ],
            &p,
        )
        .unwrap_err();
    assert_eq!((e.code(), e.subject()), ("INVALID_INPUT", Some("cov")));
}

#[test]
fn shapes_through_the_declaration() {
    let d = registry::find("mc", "simulate_gbm").unwrap();
    let p = d
        .params_named([
            ("paths", Value::Int(3)),
            ("steps", Value::Int(4)),
            ("full_paths", Value::Bool(true)),
        ])
        .unwrap();
    let out = d.call(&[], &p).unwrap();
    let OutVec::Array { data, shape } = &out[0] else { panic!() };
    assert_eq!((shape.as_slice(), data.len()), (&[3usize, 5][..], 15));
    let c = registry::find("mc", "simulate_correlated_gbm").unwrap();
    let cov = [0.04, 0.0, 0.0, 0.04];
    let ins = [
        InputData::Series(&[1.0, 1.0]),
        InputData::Series(&[0.0, 0.0]),
        InputData::Matrix { data: &cov, rows: 2, cols: 2 },
    ];
    let p = c.params_named([("paths", Value::Int(3)), ("steps", Value::Int(4))]).unwrap();
    let OutVec::Array { shape, .. } = &c.call(&ins, &p).unwrap()[0] else { panic!() };
    assert_eq!(shape, &[3, 2]);
    let p = c
        .params_named([
            ("paths", Value::Int(3)),
            ("steps", Value::Int(4)),
            ("full_paths", Value::Bool(true)),
        ])
        .unwrap();
    let OutVec::Array { shape, data } = &c.call(&ins, &p).unwrap()[0] else { panic!() };
    assert_eq!((shape.as_slice(), data.len()), (&[3usize, 5, 2][..], 30));
}

/// Black and Scholes' prices (scipy.stats.norm for N(.)): (s0, strike, r, sigma, years, call,
/// price).
const BLACK_SCHOLES: [(f64, f64, f64, f64, f64, bool, f64); 5] = [
    (100.0, 100.0, 0.05, 0.2, 1.0, true, 10.450_583_572_185_565),
    (100.0, 100.0, 0.05, 0.2, 1.0, false, 5.573_526_022_256_971),
    (100.0, 120.0, 0.03, 0.25, 0.5, true, 1.766_906_460_210_549_3),
    (100.0, 80.0, 0.03, 0.25, 2.0, true, 28.308_465_142_504_268),
    (100.0, 110.0, 0.02, 0.3, 1.0, false, 16.686_010_012_082_08),
];

#[test]
fn control_variate_prices_match_black_scholes() {
    use sextant_core::mc::{estimate_payoff, Payoff};
    for (k, &(s0, strike, r, sigma, years, call, price)) in BLACK_SCHOLES.iter().enumerate() {
        let g = Gbm { s0, mu: r, sigma, years, steps: 12 };
        let run = Run { paths: 100_000, seed: 40 + k as u64, ..Run::default() };
        let payoff = if call { Payoff::Call } else { Payoff::Put };
        let cv = estimate_payoff(&g, payoff, strike, r, true, &run).unwrap();
        let plain = estimate_payoff(&g, payoff, strike, r, false, &run).unwrap();
        // within 3 standard errors of the closed form, with and without the control
        assert!((cv.estimate - price).abs() <= 3.0 * cv.std_error, "{k}: {cv:?} vs {price}");
        assert!((plain.estimate - price).abs() <= 3.0 * plain.std_error, "{k}: {plain:?}");
        // the plain side of the controlled run is the plain run
        assert_eq!(cv.plain_estimate.to_bits(), plain.estimate.to_bits());
        assert_eq!(cv.plain_std_error.to_bits(), plain.std_error.to_bits());
        assert_eq!((plain.beta, plain.variance_reduction), (0.0, 1.0));
        let ratio = cv.variance_reduction;
        assert!((ratio - (plain.std_error / cv.std_error).powi(2)).abs() <= 1e-9 * ratio);
        // the control always helps here: the payoff and S_T are strongly correlated (calls
        // positively, puts negatively)
        assert!(ratio > 1.5, "{k}: variance reduction {ratio}");
        assert!(if call { cv.beta > 0.0 } else { cv.beta < 0.0 });
    }
    // the stated factor (docs/mc.md): the at-the-money call of the first row, seed 40, cuts
    // the standard error by more than 1.7x (variance by more than 3x)
    let g = Gbm { s0: 100.0, mu: 0.05, sigma: 0.2, years: 1.0, steps: 12 };
    let run = Run { paths: 100_000, seed: 40, ..Run::default() };
    let cv = estimate_payoff(&g, Payoff::Call, 100.0, 0.05, true, &run).unwrap();
    assert!(cv.plain_std_error / cv.std_error > 1.7, "{cv:?}");
}

#[test]
fn control_variate_estimates_are_reproducible() {
    use sextant_core::mc::{estimate_payoff, Payoff};
    let g = Gbm { s0: 100.0, mu: 0.04, sigma: 0.3, years: 2.0, steps: 24 };
    let run = Run { paths: 3001, seed: 77, first_path: 5, ..Run::default() };
    let a = pool(1).install(|| estimate_payoff(&g, Payoff::Put, 95.0, 0.04, true, &run).unwrap());
    let b = pool(2).install(|| estimate_payoff(&g, Payoff::Put, 95.0, 0.04, true, &run).unwrap());
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    // the plain estimate is the mean payoff of simulate_gbm's terminal values, in path order
    let st = simulate_gbm(&g, &run).unwrap();
    let df = (-0.04f64 * 2.0).exp();
    let sum: f64 = st.iter().map(|s| df * (95.0 - s).max(0.0)).fold(0.0, |acc, y| acc + y);
    assert_eq!(a.plain_estimate.to_bits(), (sum / 3001.0).to_bits());
    // a zero-volatility path is certain: no variance, no control coefficient
    let flat = Gbm { sigma: 0.0, ..g };
    let e = estimate_payoff(&flat, Payoff::Call, 90.0, 0.0, true, &run).unwrap();
    let want = 100.0 * (0.04f64 * 2.0).exp() - 90.0;
    assert!((e.estimate - want).abs() < 1e-9 && e.std_error < 1e-9 && e.beta == 0.0, "{e:?}");
    // deep in the money on every path: the payoff is S_T - K, explained exactly by the control
    let deep =
        estimate_payoff(&Gbm { sigma: 0.05, ..g }, Payoff::Call, 1.0, 0.0, true, &run).unwrap();
    assert!((deep.estimate - (100.0 * (0.08f64).exp() - 1.0)).abs() < 1e-9, "{deep:?}");
    assert!((deep.beta - 1.0).abs() < 1e-12);
}

#[test]
fn control_variate_errors_name_the_parameter() {
    let d = registry::find("mc", "estimate_payoff").unwrap();
    for (name, v, code) in [
        ("strike", Value::Float(-1.0), "OUT_OF_RANGE"),
        ("sigma", Value::Float(-0.1), "OUT_OF_RANGE"),
        ("steps", Value::Int(0), "OUT_OF_RANGE"),
        ("paths", Value::Int(1), "OUT_OF_RANGE"),
        ("payoff", Value::Str("asian".into()), "UNKNOWN_OPTION"),
    ] {
        let e = d.params_named([(name, v)]).and_then(|p| d.call(&[], &p).map(|_| ())).unwrap_err();
        assert_eq!((e.code(), e.subject()), (code, Some(name)), "{name}: {e}");
    }
}
