//! AutoIndex backtests at index scale (issue #12): 500 assets x 20 years of daily bars (5,040),
//! monthly rebalancing. The full backtest for the cheap weightings (equal, inverse volatility,
//! momentum); for the optimisers (min-variance, ERC, HRP) a run with a few rebalances, reported
//! in docs/benchmarks.md as milliseconds per rebalance. `cargo bench -p sextant-benches --bench autoindex`.
#![allow(missing_docs, reason = "bench harness")]

use std::hint::black_box;
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Weekday};
use criterion::{criterion_group, criterion_main, Criterion};
use sextant_core::autoindex::{backtest, AssetData, MarketData, Strategy};

/// Reproducible random walks (xorshift; no RNG crate), `m` assets x `n` business days.
#[allow(clippy::cast_precision_loss, reason = "bench data")]
fn market(n: usize, m: usize) -> MarketData {
    let mut d = NaiveDate::from_ymd_opt(2005, 1, 3).unwrap_or_default();
    let mut dates = Vec::with_capacity(n);
    while dates.len() < n {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            dates.push(d);
        }
        d = d.succ_opt().unwrap_or(d);
    }
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let assets = (0..m)
        .map(|i| {
            let vol = 0.01 + 0.02 * (i % 7) as f64 / 7.0;
            let mut p = 50.0;
            let close = (0..n)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    let u = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                    p *= 1.0 + 0.0002 + vol * 3.4 * u;
                    p
                })
                .collect();
            AssetData {
                symbol: format!("S{i:03}"),
                close,
                open: None,
                total_return: None,
                volume: None,
            }
        })
        .collect();
    MarketData { dates, assets, benchmark: None }
}

fn strategy(weighting: &str) -> Strategy {
    Strategy::from_json(&format!(
        r#"{{"version": 1, "universe": {{"kind": "all"}}, "weighting": {weighting},
            "schedule": {{"kind": "monthly"}}, "costs": {{"bps": 5}}}}"#
    ))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn full(c: &mut Criterion) {
    let data = market(5040, 500);
    let mut g = c.benchmark_group("autoindex_500x5040_monthly");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    for (name, w) in [
        ("equal", r#"{"scheme": "equal"}"#),
        ("inverse_volatility_252", r#"{"scheme": "inverse_volatility", "window": 252}"#),
        ("momentum_252_top50", r#"{"scheme": "momentum", "window": 252, "top_n": 50}"#),
    ] {
        let s = strategy(w);
        g.bench_function(name, |b| b.iter(|| black_box(backtest(&s, &data))));
    }
    g.finish();
}

/// `window` + 130 bars: the initial rebalance and 6 monthly ones (7 in all). With 500 assets a
/// 252-bar sample covariance is singular; the optimisers get two years (504 bars).
fn optimisers(c: &mut Criterion) {
    let data = market(504 + 130, 500);
    let mut g = c.benchmark_group("autoindex_500_assets_7_rebalances");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, w) in [
        ("min_variance_504", r#"{"scheme": "min_variance", "window": 504}"#),
        ("risk_parity_504", r#"{"scheme": "risk_parity", "window": 504}"#),
        ("hrp_504", r#"{"scheme": "hrp", "window": 504}"#),
    ] {
        let s = strategy(w);
        match backtest(&s, &data) {
            Ok(b) => eprintln!("{name}: {} rebalances", b.rebalances.len()),
            Err(e) => {
                eprintln!("{name}: {e}");
                continue;
            }
        }
        g.bench_function(name, |b| b.iter(|| black_box(backtest(&s, &data))));
    }
    g.finish();
}

criterion_group!(benches, full, optimisers);
criterion_main!(benches);
