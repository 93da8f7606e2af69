//! criterion benchmarks of the public batch and streaming entry points, grouped by size.
//! `cargo bench -p sextant-benches`; the Python comparison with TA-Lib is benches/compare_ta.py.
#![allow(missing_docs, reason = "bench harness")]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sextant_core::decl::Kernel;
use sextant_core::{registry, risk, ta};

/// A reproducible random walk (xorshift; no RNG crate needed for benchmarks).
fn walk(n: usize) -> Vec<f64> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut x = 100.0;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            x += ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5;
            x
        })
        .collect()
}

fn indicators(c: &mut Criterion) {
    for n in [10_000usize, 1_000_000] {
        let close = walk(n);
        let high: Vec<f64> = close.iter().map(|x| x + 0.3).collect();
        let low: Vec<f64> = close.iter().map(|x| x - 0.3).collect();
        let mut out = vec![0.0; n];
        let mut g = c.benchmark_group(format!("ta/{n}"));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function("copy_floor", |b| b.iter(|| out.copy_from_slice(black_box(&close))));
        g.bench_function("SMA30", |b| b.iter(|| ta::sma_into(black_box(&close), 30, &mut out)));
        g.bench_function("EMA30", |b| b.iter(|| ta::ema_into(black_box(&close), 30, &mut out)));
        g.bench_function("RSI14", |b| b.iter(|| ta::rsi_into(black_box(&close), 14, &mut out)));
        g.bench_function("ATR14", |b| {
            b.iter(|| ta::atr_into(&high, &low, black_box(&close), 14, &mut out))
        });
        g.bench_function("BBANDS20", |b| {
            b.iter(|| ta::bbands(black_box(&close), 20, 2.0, 2.0, ta::MaType::Sma))
        });
        g.finish();
    }
}

fn streams(c: &mut Criterion) {
    let close = walk(100_000);
    let mut g = c.benchmark_group("stream/100000");
    g.throughput(Throughput::Elements(close.len() as u64));
    for name in ["SMA", "RSI", "BBANDS"] {
        let d = registry::find("ta", name).unwrap();
        g.bench_with_input(BenchmarkId::new("update", name), &close, |b, xs| {
            b.iter(|| {
                let mut s = d.stream(&d.default_params()).unwrap();
                let mut out = [0.0; 3];
                for x in xs {
                    s.update(&[*x], &mut out[..d.outputs.len()]).unwrap();
                }
                out[0]
            })
        });
    }
    g.bench_function("RSI kernel step", |b| {
        b.iter(|| {
            let mut k = ta::RelativeStrengthIndex::new(14).unwrap();
            let mut o = [0.0];
            for x in &close {
                k.step(&[*x], &mut o);
            }
            o[0]
        })
    });
    g.finish();
}

fn risk_metrics(c: &mut Criterion) {
    let r: Vec<f64> = walk(1_000_001).windows(2).map(|w| w[1] / w[0] - 1.0).collect();
    let mut g = c.benchmark_group("risk/1000000");
    g.throughput(Throughput::Elements(r.len() as u64));
    g.bench_function("sharpe_ratio", |b| {
        b.iter(|| risk::sharpe_ratio(black_box(&r), 0.0, "daily", None))
    });
    g.bench_function("sortino_ratio", |b| {
        b.iter(|| risk::sortino_ratio(black_box(&r), 0.0, "daily", None))
    });
    g.bench_function("max_drawdown", |b| b.iter(|| risk::max_drawdown(black_box(&r))));
    g.bench_function("value_at_risk", |b| {
        b.iter(|| risk::value_at_risk(black_box(&r), 0.05, "historical", 1))
    });
    g.bench_function("conditional_value_at_risk", |b| {
        b.iter(|| risk::conditional_value_at_risk(black_box(&r), 0.05, "historical", 1))
    });
    g.bench_function("summary", |b| b.iter(|| risk::summary(black_box(&r), "daily", None, 0.05)));
    g.finish();
}

criterion_group!(benches, indicators, streams, risk_metrics);
criterion_main!(benches);
