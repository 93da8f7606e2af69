//! Monte Carlo models beyond GBM: Student-t shocks, Merton's jump-diffusion, the historical
//! bootstrap and the investment simulation. Closed forms with tolerances of 5 standard errors
//! of the sample size (a fixed seed makes each check deterministic), reproducibility across
//! threads and `first_path` splits, and typed errors.

use sextant_core::decl::{InputData, OutVec, Value};
use sextant_core::mc::{
    bootstrap_indices, bootstrap_returns, simulate_correlated_gbm, simulate_correlated_gbm_t_into,
    simulate_gbm, simulate_gbm_t_into, simulate_merton, simulate_portfolio, Bootstrap,
    CorrelatedGbm, Gbm, Merton, Portfolio, PortfolioStats, Resampling, Run,
};
use sextant_core::registry;

const K: f64 = 5.0;

fn moments(xs: &[f64]) -> (f64, f64, f64) {
    // mean, sample variance, fourth central moment
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    let m4 = xs.iter().map(|x| (x - m).powi(4)).sum::<f64>() / n;
    (m, v, m4)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap()
}

/// Standard normal CDF (Abramowitz-Stegun 7.1.26 is too coarse; erfc from libm).
fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

fn t_gbm(g: &Gbm, df: Option<f64>, run: &Run) -> Vec<f64> {
    let per = if run.full_paths { g.steps + 1 } else { 1 };
    let mut out = vec![0.0; run.paths * per];
    simulate_gbm_t_into(g, df, run, &mut out).unwrap();
    out
}

#[test]
fn student_t_shocks_have_unit_variance_and_the_t_kurtosis() {
    // one step: the standardised log return is the unit-variance t variate itself
    let g = Gbm { s0: 100.0, mu: 0.05, sigma: 0.2, years: 1.0, steps: 1 };
    let df = 10.0;
    let n = 200_000;
    let t = t_gbm(&g, Some(df), &Run { paths: n, seed: 4, ..Run::default() });
    let z: Vec<f64> = t.iter().map(|s| ((s / g.s0).ln() - (g.mu - 0.02)) / g.sigma).collect();
    let (m, v, _) = moments(&z);
    // unit-variance t(nu): E z^4 = 3 (nu - 2) / (nu - 4), E z^8 = 105 (nu - 2)^3 / ((nu - 4)(nu - 6)(nu - 8))
    let e4 = 3.0 * (df - 2.0) / (df - 4.0);
    let e8 = 105.0 * (df - 2.0f64).powi(3) / ((df - 4.0) * (df - 6.0) * (df - 8.0));
    let nf = n as f64;
    assert!(m.abs() <= K / nf.sqrt(), "mean {m}");
    assert!((v - 1.0).abs() <= K * ((e4 - 1.0) / nf).sqrt(), "variance {v}");
    let m4 = z.iter().map(|x| x.powi(4)).sum::<f64>() / nf;
    assert!((m4 - e4).abs() <= K * ((e8 - e4 * e4) / nf).sqrt(), "E z^4 {m4} vs {e4}");
    // the normal path is untouched: df = None is simulate_gbm bit for bit
    let run = Run { paths: 50, seed: 9, full_paths: true, ..Run::default() };
    let g = Gbm { steps: 20, ..g };
    assert_eq!(bits(&t_gbm(&g, None, &run)), bits(&simulate_gbm(&g, &run).unwrap()));
    // terminal values are the last column of the full paths with t shocks too
    let full = t_gbm(&g, Some(5.0), &run);
    let term = t_gbm(&g, Some(5.0), &Run { full_paths: false, ..run });
    for p in 0..50 {
        assert_eq!(term[p].to_bits(), full[p * 21 + 20].to_bits());
    }
}

#[test]
fn multivariate_t_keeps_the_covariance() {
    let cov = [0.04, 0.018, 0.018, 0.09];
    let c = CorrelatedGbm { s0: &[1.0, 1.0], mu: &[0.0, 0.0], cov: &cov, years: 1.0, steps: 1 };
    let n = 100_000;
    let run = Run { paths: n, seed: 5, ..Run::default() };
    let mut out = vec![0.0; 2 * n];
    simulate_correlated_gbm_t_into(&c, Some(8.0), &run, &mut out).unwrap();
    let a: Vec<f64> = out.iter().step_by(2).map(|x| x.ln()).collect();
    let b: Vec<f64> = out.iter().skip(1).step_by(2).map(|x| x.ln()).collect();
    let (ma, va, _) = moments(&a);
    let (mb, vb, _) = moments(&b);
    let cab = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (n as f64 - 1.0);
    let rho = cab / (va * vb).sqrt();
    // t(8) has excess kurtosis 3: the correlation's s.e. is about sqrt(1 + kurt/2)(1 - rho^2)/sqrt(n)
    let se = (2.5f64).sqrt() * (1.0 - 0.09) / (n as f64).sqrt();
    assert!((rho - 0.3).abs() <= K * se, "rho {rho}");
    let e4 = 3.0 * 6.0 / 4.0;
    assert!((va - 0.04).abs() <= K * 0.04 * ((e4 - 1.0) / n as f64).sqrt(), "var {va}");
    // None is simulate_correlated_gbm bit for bit
    let mut none = vec![0.0; 2 * 100];
    let r = Run { paths: 100, seed: 5, ..Run::default() };
    simulate_correlated_gbm_t_into(&c, None, &r, &mut none).unwrap();
    assert_eq!(bits(&none), bits(&simulate_correlated_gbm(&c, &r).unwrap()));
}

const M: Merton = Merton {
    s0: 100.0,
    mu: 0.06,
    sigma: 0.15,
    jump_intensity: 2.0,
    jump_mean: -0.08,
    jump_std: 0.12,
    years: 1.5,
    steps: 30,
};

#[test]
fn merton_mean_is_s0_exp_mu_t_and_log_moments_match() {
    let n = 100_000;
    let t = simulate_merton(&M, &Run { paths: n, seed: 21, ..Run::default() }).unwrap();
    let (m, _, _) = moments(&t);
    let tt = M.years;
    let k = (M.jump_mean + 0.5 * M.jump_std.powi(2)).exp() - 1.0;
    let em = M.s0 * (M.mu * tt).exp();
    // E[S^2] = s0^2 exp(2 mu T + sigma^2 T - 2 lambda k T + lambda T (E[J^2] - 1))
    let ej2 = (2.0 * M.jump_mean + 2.0 * M.jump_std.powi(2)).exp();
    let es2 = M.s0.powi(2)
        * (2.0 * M.mu * tt + M.sigma.powi(2) * tt - 2.0 * M.jump_intensity * k * tt
            + M.jump_intensity * tt * (ej2 - 1.0))
            .exp();
    let ev = es2 - em * em;
    assert!((m - em).abs() <= K * (ev / n as f64).sqrt(), "E[S_T] {m} vs {em}");
    // log return: mean (mu - sigma^2/2 - lambda k) T + lambda T m, variance sigma^2 T + lambda T (m^2 + d^2)
    let logs: Vec<f64> = t.iter().map(|s| (s / M.s0).ln()).collect();
    let (lm, lv, l4) = moments(&logs);
    let mean0 = (M.mu - 0.5 * M.sigma.powi(2) - M.jump_intensity * k) * tt
        + M.jump_intensity * tt * M.jump_mean;
    let var0 =
        M.sigma.powi(2) * tt + M.jump_intensity * tt * (M.jump_mean.powi(2) + M.jump_std.powi(2));
    assert!((lm - mean0).abs() <= K * (var0 / n as f64).sqrt(), "log mean {lm} vs {mean0}");
    assert!((lv - var0).abs() <= K * ((l4 - lv * lv) / n as f64).sqrt(), "log var {lv} vs {var0}");
    // no jumps: exactly GBM's law (and its bits differ only by the Poisson draws)
    let none = Merton { jump_intensity: 0.0, ..M };
    let t0 = simulate_merton(&none, &Run { paths: 40_000, seed: 2, ..Run::default() }).unwrap();
    let (m0, _, _) = moments(&t0);
    let v0 = M.s0.powi(2) * (2.0 * M.mu * tt).exp() * ((M.sigma.powi(2) * tt).exp() - 1.0);
    assert!((m0 - em).abs() <= K * (v0 / 40_000.0).sqrt(), "{m0} vs {em}");
}

#[test]
fn bootstrap_draws_uniform_rows_and_geometric_blocks() {
    let rows = 10;
    let (paths, steps) = (2_000, 50);
    // i.i.d.: every row with probability 1/rows
    let mut counts = vec![0usize; rows];
    for p in 0..paths as u64 {
        for i in bootstrap_indices(rows, steps, Resampling::Iid, 3, p) {
            counts[i] += 1;
        }
    }
    let total = (paths * steps) as f64;
    let sd = (total * 0.1 * 0.9).sqrt();
    for c in &counts {
        assert!((*c as f64 - total * 0.1).abs() <= K * sd, "{counts:?}");
    }
    // stationary: a block breaks with probability p = 1/L, and the new row is the next one
    // with probability 1/rows, so an observed break has probability p (1 - 1/rows)
    let l = 4.0;
    let mut breaks = 0usize;
    let mut pairs = 0usize;
    for p in 0..paths as u64 {
        let idx = bootstrap_indices(rows, steps, Resampling::Stationary { mean_block: l }, 3, p);
        for w in idx.windows(2) {
            pairs += 1;
            if w[1] != (w[0] + 1) % rows {
                breaks += 1;
            }
        }
    }
    let q = (1.0 / l) * (1.0 - 1.0 / rows as f64);
    let se = (q * (1.0 - q) / pairs as f64).sqrt();
    let f = breaks as f64 / pairs as f64;
    assert!((f - q).abs() <= K * se, "break frequency {f} vs {q}");
}

#[test]
fn bootstrap_reproduces_the_sample_distribution() {
    // two assets, the second exactly twice the first: rows are drawn whole
    let r1: Vec<f64> = (0..250).map(|i| 0.01 * ((i * 37 % 101) as f64 / 50.0 - 1.0)).collect();
    let m: Vec<f64> = r1.iter().flat_map(|&x| [x, 2.0 * x]).collect();
    let b = Bootstrap { returns: &m, rows: 250, cols: 2, steps: 1, resampling: Resampling::Iid };
    let n = 100_000;
    let g = bootstrap_returns(&b, &Run { paths: n, seed: 1, ..Run::default() }).unwrap();
    for pair in g.chunks(2) {
        assert!(((pair[1] - 1.0) - 2.0 * (pair[0] - 1.0)).abs() < 1e-15);
    }
    let one: Vec<f64> = g.iter().step_by(2).map(|x| x - 1.0).collect();
    let (sm, sv, _) = moments(&r1);
    let (bm, bv, _) = moments(&one);
    assert!((bm - sm).abs() <= K * (sv / n as f64).sqrt(), "mean {bm} vs {sm}");
    let m4 = r1.iter().map(|x| (x - sm).powi(4)).sum::<f64>() / 250.0;
    assert!((bv - sv).abs() <= K * ((m4 - sv * sv) / n as f64).sqrt(), "var {bv} vs {sv}");
    // the empirical CDF at the sample's quartiles
    let mut sorted = r1.clone();
    sorted.sort_by(f64::total_cmp);
    for k in [62, 125, 187] {
        let x = sorted[k];
        let want = r1.iter().filter(|&&v| v <= x).count() as f64 / 250.0;
        let got = one.iter().filter(|&&v| v <= x).count() as f64 / n as f64;
        assert!((got - want).abs() <= K * (want * (1.0 - want) / n as f64).sqrt(), "{x}");
    }
    // many steps compound: the terminal growth is the last column of the full paths
    let b = Bootstrap { steps: 24, resampling: Resampling::Stationary { mean_block: 5.0 }, ..b };
    let run = Run { paths: 30, seed: 7, full_paths: true, ..Run::default() };
    let full = bootstrap_returns(&b, &run).unwrap();
    let term = bootstrap_returns(&b, &Run { full_paths: false, ..run }).unwrap();
    for p in 0..30 {
        assert_eq!(full[p * 50], 1.0);
        assert_eq!(term[2 * p].to_bits(), full[p * 50 + 48].to_bits());
        assert_eq!(term[2 * p + 1].to_bits(), full[p * 50 + 49].to_bits());
    }
}

#[test]
fn new_models_are_bit_identical_across_threads_and_splits() {
    let g = Gbm { s0: 10.0, mu: 0.1, sigma: 0.3, years: 1.0, steps: 25 };
    let r1: Vec<f64> = (0..40).map(|i| 0.002 * (i as f64 - 20.0)).collect();
    let b = Bootstrap {
        returns: &r1,
        rows: 40,
        cols: 1,
        steps: 25,
        resampling: Resampling::Stationary { mean_block: 3.0 },
    };
    type Sim<'a> = Box<dyn Fn(&Run) -> Vec<f64> + Sync + 'a>;
    let sims: Vec<(&str, Sim<'_>)> = vec![
        ("t", Box::new(|r: &Run| t_gbm(&g, Some(4.5), r))),
        ("merton", Box::new(|r: &Run| simulate_merton(&M, r).unwrap())),
        ("bootstrap", Box::new(|r: &Run| bootstrap_returns(&b, r).unwrap())),
    ];
    for (name, sim) in &sims {
        let run = Run { paths: 600, seed: 77, full_paths: true, ..Run::default() };
        let a = pool(1).install(|| sim(&run));
        let c = pool(2).install(|| sim(&run));
        assert_eq!(bits(&a), bits(&c), "{name} threads");
        let mut parts = Vec::new();
        for (first, n) in [(0u64, 137usize), (137, 63), (200, 1), (201, 399)] {
            parts.extend(sim(&Run { paths: n, first_path: first, ..run }));
        }
        assert_eq!(bits(&a), bits(&parts), "{name} split");
    }
    // the portfolio's terminal wealth too
    let cov = [0.04, 0.01, 0.01, 0.09];
    let p = Portfolio {
        weights: &[0.5, 0.5],
        mu: &[0.05, 0.08],
        cov: &cov,
        initial: 100.0,
        cashflows: &[1.0],
        rebalance_every: 4,
        fee: 0.01,
        years: 2.0,
        steps: 24,
    };
    let st = PortfolioStats { percentiles: &[50.0], goal: None, cutoff: 0.05 };
    let run = Run { paths: 300, seed: 4, ..Run::default() };
    let a = pool(1).install(|| simulate_portfolio(&p, &st, &run).unwrap());
    let c = pool(2).install(|| simulate_portfolio(&p, &st, &run).unwrap());
    assert_eq!(bits(&a.terminal), bits(&c.terminal));
    assert_eq!(bits(&a.bands), bits(&c.bands));
    assert_eq!((a.var.to_bits(), a.es.to_bits()), (c.var.to_bits(), c.es.to_bits()));
    let mut parts = Vec::new();
    for (first, n) in [(0u64, 100usize), (100, 7), (107, 193)] {
        parts.extend(
            simulate_portfolio(&p, &st, &Run { paths: n, first_path: first, ..run })
                .unwrap()
                .terminal,
        );
    }
    assert_eq!(bits(&a.terminal), bits(&parts));
}

const COV1: [f64; 1] = [0.04];

fn one_asset<'a>(cashflows: &'a [f64], cov: &'a [f64]) -> Portfolio<'a> {
    Portfolio {
        weights: &[1.0],
        mu: &[0.07],
        cov,
        initial: 1000.0,
        cashflows,
        rebalance_every: 0,
        fee: 0.0,
        years: 5.0,
        steps: 20,
    }
}

#[test]
fn portfolio_buy_and_hold_is_the_correlated_gbm() {
    // the same streams: buy-and-hold wealth = sum_i initial w_i S_i(T) / S_i(0)
    let cov = [0.04, 0.01, 0.01, 0.09];
    let p = Portfolio {
        weights: &[0.3, 0.7],
        mu: &[0.05, 0.08],
        cov: &cov,
        initial: 500.0,
        cashflows: &[],
        rebalance_every: 0,
        fee: 0.0,
        years: 3.0,
        steps: 36,
    };
    let st = PortfolioStats { percentiles: &[10.0, 50.0, 90.0], goal: None, cutoff: 0.05 };
    let run = Run { paths: 200, seed: 8, ..Run::default() };
    let r = simulate_portfolio(&p, &st, &run).unwrap();
    let c = CorrelatedGbm { s0: &[1.0, 1.0], mu: p.mu, cov: &cov, years: 3.0, steps: 36 };
    let s = simulate_correlated_gbm(&c, &run).unwrap();
    for k in 0..200 {
        let want = 500.0 * (0.3 * s[2 * k] + 0.7 * s[2 * k + 1]);
        assert!((r.terminal[k] - want).abs() <= 1e-11 * want, "{} vs {want}", r.terminal[k]);
    }
    assert_eq!(&r.bands[..3], &[500.0; 3]);
    // a fee of f a year scales every path by (1 - f)^T (buy and hold, no flows)
    let f = simulate_portfolio(&Portfolio { fee: 0.02, ..p }, &st, &run).unwrap();
    for k in 0..200 {
        let want = r.terminal[k] * 0.98f64.powf(3.0);
        assert!((f.terminal[k] - want).abs() <= 1e-11 * want);
    }
    assert!(r.prob_goal.is_nan() && r.prob_ruin == 0.0);
}

#[test]
fn portfolio_bands_goal_and_var_match_the_lognormal() {
    let p = one_asset(&[], &COV1);
    let n = 40_000;
    let goal = 1500.0;
    let st = PortfolioStats { percentiles: &[5.0, 50.0, 95.0], goal: Some(goal), cutoff: 0.05 };
    let r = simulate_portfolio(&p, &st, &Run { paths: n, seed: 12, ..Run::default() }).unwrap();
    let (w0, mu, s2) = (1000.0, 0.07, 0.04);
    let nf = n as f64;
    // (p, z_p) from scipy.stats.norm.ppf
    let z = [(0.05, -1.644_853_626_951_472_2), (0.5, 0.0), (0.95, 1.644_853_626_951_472_2)];
    for t in [4usize, 20] {
        let tt = 5.0 * t as f64 / 20.0;
        let (m, s) = ((mu - 0.5 * s2) * tt, (s2 * tt).sqrt());
        for (k, (pr, zp)) in z.iter().enumerate() {
            let q = w0 * (m + s * zp).exp();
            // s.e. of a sample quantile: sqrt(p (1 - p) / n) / density at q
            let dens = (-0.5 * zp * zp).exp() / ((2.0 * std::f64::consts::PI).sqrt() * s * q);
            let se = (pr * (1.0 - pr) / nf).sqrt() / dens;
            let got = r.bands[t * 3 + k];
            assert!((got - q).abs() <= K * se, "step {t} p {pr}: {got} vs {q}");
        }
    }
    let tt = 5.0;
    let (m, s) = ((mu - 0.5 * s2) * tt, (s2 * tt).sqrt());
    let pg = 1.0 - norm_cdf(((goal / w0).ln() - m) / s);
    assert!(
        (r.prob_goal - pg).abs() <= K * (pg * (1.0 - pg) / nf).sqrt(),
        "{} vs {pg}",
        r.prob_goal
    );
    let zc = z[0].1;
    let var = w0 * ((m + s * zc).exp() - 1.0);
    let dens = (-0.5 * zc * zc).exp() / ((2.0 * std::f64::consts::PI).sqrt() * s * (var + w0));
    assert!((r.var - var).abs() <= K * (0.05 * 0.95 / nf).sqrt() / dens, "{} vs {var}", r.var);
    // ES: E[W - w0 | W <= q] = w0 (exp(m + s^2/2) Phi(z_c - s) / c - 1)
    let es = w0 * ((m + 0.5 * s * s).exp() * norm_cdf(zc - s) / 0.05 - 1.0);
    assert!((r.es - es).abs() <= 0.02 * es.abs(), "{} vs {es}", r.es);
    assert!(r.es < r.var);
    let (mean, _, _) = moments(&r.terminal);
    assert_eq!(mean.to_bits(), r.mean.to_bits());
    let em = w0 * (mu * tt).exp();
    let ev = w0 * w0 * (2.0 * mu * tt).exp() * ((s2 * tt).exp() - 1.0);
    assert!((r.mean - em).abs() <= K * (ev / nf).sqrt());
}

#[test]
fn portfolio_cashflows_compound_and_withdrawals_ruin() {
    // no volatility: W_t = W_{t-1} e^{mu dt} (1 - fee)^dt + c, every path the same
    let zero = [0.0];
    let p =
        Portfolio { cashflows: &[50.0], fee: 0.01, rebalance_every: 1, ..one_asset(&[], &zero) };
    let st = PortfolioStats { percentiles: &[0.0, 50.0, 100.0], goal: Some(2000.0), cutoff: 0.1 };
    let r = simulate_portfolio(&p, &st, &Run { paths: 10, seed: 1, ..Run::default() }).unwrap();
    let g = (0.07f64 * 0.25).exp() * 0.99f64.powf(0.25);
    let mut w = 1000.0;
    for t in 1..=20 {
        w = w * g + 50.0;
        for k in 0..3 {
            assert!((r.bands[t * 3 + k] - w).abs() <= 1e-9 * w, "step {t}");
        }
    }
    assert_eq!(r.prob_goal, if w >= 2000.0 { 1.0 } else { 0.0 });
    assert!((r.var - (w - 2000.0)).abs() <= 1e-9 * w, "profit over 1000 + 20 x 50");
    // withdrawals of 300 a quarter empty 1000 growing at 7% a year within four quarters
    let flows = vec![-300.0; 20];
    let p = Portfolio { cashflows: &flows, ..p };
    let r = simulate_portfolio(&p, &st, &Run { paths: 10, seed: 1, ..Run::default() }).unwrap();
    assert_eq!(r.prob_ruin, 1.0);
    assert!(r.terminal.iter().all(|&w| w == 0.0));
}

#[test]
fn portfolio_through_the_declaration() {
    let d = registry::find("mc", "simulate_portfolio").unwrap();
    let cov = [0.04, 0.0, 0.0, 0.01];
    let ins = [
        InputData::Series(&[0.6, 0.4]),
        InputData::Series(&[0.07, 0.03]),
        InputData::Matrix { data: &cov, rows: 2, cols: 2 },
        InputData::Series(&[]),
        InputData::Series(&[5.0, 25.0, 50.0, 75.0, 95.0]),
    ];
    let p = d
        .params_named([
            ("paths", Value::Int(500)),
            ("steps", Value::Int(12)),
            ("goal", Value::Float(11_000.0)),
            ("rebalance_every", Value::Int(3)),
        ])
        .unwrap();
    let out = d.call(&ins, &p).unwrap();
    let OutVec::Array { shape, data } = &out[0] else { panic!("{:?}", out[0]) };
    assert_eq!(shape, &[13, 5]);
    assert_eq!(data[0], 10_000.0);
    let OutVec::F64(term) = &out[1] else { panic!() };
    assert_eq!(term.len(), 500);
    let OutVec::Scalar(pg) = out[3] else { panic!() };
    assert!(pg > 0.0 && pg < 1.0);
    // errors name the input or parameter
    let bad = [
        InputData::Series(&[0.6, 0.3]),
        InputData::Series(&[0.07, 0.03]),
        InputData::Matrix { data: &cov, rows: 2, cols: 2 },
        InputData::Series(&[]),
        InputData::Series(&[50.0]),
    ];
    let e = d.call(&bad, &p).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("INVALID_INPUT", Some("weights")));
    let bad = [
        InputData::Series(&[0.6, 0.4]),
        InputData::Series(&[0.07, 0.03]),
        InputData::Matrix { data: &cov, rows: 2, cols: 2 },
        InputData::Series(&[1.0, 2.0]),
        InputData::Series(&[50.0]),
    ];
    let e = d.call(&bad, &p).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("INVALID_INPUT", Some("cashflows")));
    let bad = [
        InputData::Series(&[0.6, 0.4]),
        InputData::Series(&[0.07, 0.03]),
        InputData::Matrix { data: &cov, rows: 2, cols: 2 },
        InputData::Series(&[]),
        InputData::Series(&[101.0]),
    ];
    let e = d.call(&bad, &p).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("INVALID_INPUT", Some("percentiles")));
}

#[test]
fn typed_errors_of_the_new_models() {
    let run = Run { paths: 3, ..Run::default() };
    let e = simulate_merton(&Merton { jump_std: -0.1, ..M }, &run).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("OUT_OF_RANGE", Some("jump_std")));
    let e = simulate_merton(&Merton { jump_intensity: 1e9, ..M }, &run).unwrap_err();
    assert_eq!(e.subject(), Some("jump_intensity"));
    let g = Gbm { s0: 1.0, mu: 0.0, sigma: 0.1, years: 1.0, steps: 3 };
    let e = simulate_gbm_t_into(&g, Some(2.0), &run, &mut [0.0; 3]).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("OUT_OF_RANGE", Some("df")));
    let e = bootstrap_returns(
        &Bootstrap {
            returns: &[0.1, f64::NAN],
            rows: 2,
            cols: 1,
            steps: 3,
            resampling: Resampling::Iid,
        },
        &run,
    )
    .unwrap_err();
    assert_eq!((e.code(), e.subject()), ("INVALID_INPUT", Some("returns")));
    let e = bootstrap_returns(
        &Bootstrap {
            returns: &[0.1, 0.2],
            rows: 2,
            cols: 1,
            steps: 3,
            resampling: Resampling::Stationary { mean_block: 0.5 },
        },
        &run,
    )
    .unwrap_err();
    assert_eq!(e.subject(), Some("block_length"));
    // through the declarations
    let d = registry::find("mc", "simulate_gbm").unwrap();
    let e = d.params_named([("df", Value::Float(1.0))]).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("OUT_OF_RANGE", Some("df")));
    let b = registry::find("mc", "bootstrap_returns").unwrap();
    let p = b.params_named([("paths", Value::Int(2)), ("steps", Value::Int(3))]).unwrap();
    let e = b.call(&[InputData::Series(&[0.1, 0.2])], &p).unwrap_err();
    assert_eq!((e.code(), e.subject()), ("INVALID_INPUT", Some("returns")));
    let out = b.call(&[InputData::Matrix { data: &[0.1, 0.2], rows: 2, cols: 1 }], &p).unwrap();
    let OutVec::Array { shape, .. } = &out[0] else { panic!() };
    assert_eq!(shape, &[2, 1]);
    let m = registry::find("mc", "simulate_merton").unwrap();
    let p = m
        .params_named([
            ("paths", Value::Int(2)),
            ("steps", Value::Int(3)),
            ("full_paths", Value::Bool(true)),
        ])
        .unwrap();
    let OutVec::Array { shape, .. } = &m.call(&[], &p).unwrap()[0] else { panic!() };
    assert_eq!(shape, &[2, 4]);
}

#[test]
fn nearest_psd_clips_negative_eigenvalues() {
    use sextant_core::mc::{cholesky, nearest_psd};
    // [[1, 2], [2, 1]]: eigenvalues 3 (along (1, 1)) and -1: the nearest PSD is 3 v v^T
    let r = nearest_psd(&[1.0, 2.0, 2.0, 1.0], 2).unwrap();
    for v in &r {
        assert!((v - 1.5).abs() < 1e-14, "{r:?}");
    }
    // a PSD matrix is returned unchanged up to rounding
    let cov = [0.04, 0.018, 0.006, 0.018, 0.09, 0.01, 0.006, 0.01, 0.0225];
    let r = nearest_psd(&cov, 3).unwrap();
    for (a, b) in r.iter().zip(&cov) {
        assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    }
    // an inconsistent correlation matrix (numpy.linalg.eigh: eigenvalues -0.22377392, 0.9,
    // 2.32377392)
    let bad = [1.0, 0.9, 0.1, 0.9, 1.0, 0.9, 0.1, 0.9, 1.0];
    assert!(cholesky(&bad, 3).is_err());
    let r = nearest_psd(&bad, 3).unwrap();
    assert!(cholesky(&r, 3).is_ok());
    // the distance is the clipped eigenvalue: ||A - A+||_F = 0.22377392028569973 (numpy)
    let d = bad.iter().zip(&r).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
    assert!((d - 0.223_773_920_285_699_73).abs() < 1e-12, "{d}");
    // through the declaration: an error without the flag, a run with it
    let c = registry::find("mc", "simulate_correlated_gbm").unwrap();
    let ins = [
        InputData::Series(&[1.0, 1.0, 1.0]),
        InputData::Series(&[0.0, 0.0, 0.0]),
        InputData::Matrix { data: &bad, rows: 3, cols: 3 },
    ];
    let p = c.params_named([("paths", Value::Int(5)), ("steps", Value::Int(2))]).unwrap();
    assert_eq!(c.call(&ins, &p).unwrap_err().code(), "INVALID_INPUT");
    let p = c
        .params_named([
            ("paths", Value::Int(5)),
            ("steps", Value::Int(2)),
            ("nearest_psd", Value::Bool(true)),
        ])
        .unwrap();
    assert!(c.call(&ins, &p).is_ok());
}

mod no_panic {
    use proptest::prelude::*;
    use sextant_core::decl::{InputData, Value};
    use sextant_core::registry;

    fn num() -> impl Strategy<Value = f64> {
        prop_oneof![
            -2.0f64..2.0,
            Just(0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-1.0),
            Just(1e300)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any values of the new models' inputs and parameters give a result or a typed error.
        #[test]
        fn new_models_never_panic(
            xs in prop::collection::vec(num(), 0..5),
            ys in prop::collection::vec(num(), 0..5),
            m in prop::collection::vec(num(), 0..10),
            a in num(), b in num(), c in num(),
            steps in 0i64..4, paths in 0i64..4, flag in any::<bool>(),
        ) {
            let n = (m.len() as f64).sqrt() as usize;
            let cov = &m[..n * n];
            let f = |name: &str, ins: &[InputData<'_>], named: Vec<(&str, Value)>| {
                let d = registry::find("mc", name).unwrap();
                if let Ok(p) = d.params_named(named) {
                    let _ = d.call(ins, &p);
                }
            };
            let run = |extra: Vec<(&'static str, Value)>| {
                let mut v = vec![("steps", Value::Int(steps)), ("paths", Value::Int(paths))];
                v.extend(extra);
                v
            };
            f("simulate_gbm", &[], run(vec![("sigma", Value::Float(a)), ("df", Value::Float(b)), ("full_paths", Value::Bool(flag))]));
            f("simulate_merton", &[], run(vec![("jump_intensity", Value::Float(a)), ("jump_mean", Value::Float(b)), ("jump_std", Value::Float(c))]));
            f("bootstrap_returns", &[InputData::Matrix { data: &m, rows: m.len(), cols: 1 }],
              run(vec![("method", Value::Str("stationary".into())), ("block_length", Value::Float(a)), ("full_paths", Value::Bool(flag))]));
            f("simulate_correlated_gbm", &[InputData::Series(&xs), InputData::Series(&xs), InputData::Matrix { data: cov, rows: n, cols: n }],
              run(vec![("df", Value::Float(a)), ("nearest_psd", Value::Bool(flag))]));
            f("simulate_portfolio", &[InputData::Series(&xs), InputData::Series(&xs), InputData::Matrix { data: cov, rows: n, cols: n },
                                      InputData::Series(&ys), InputData::Series(&ys)],
              run(vec![("initial", Value::Float(a)), ("fee", Value::Float(b)), ("goal", Value::Float(c)), ("rebalance_every", Value::Int(steps)), ("nearest_psd", Value::Bool(flag))]));
            let _ = sextant_core::mc::nearest_psd(&m, n);
        }
    }
}
