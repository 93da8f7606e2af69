//! criterion benchmarks of the ledger: booking transactions, performance over ten years of
//! trading days, XIRR. `cargo bench -p sextant-benches --bench ledger`.
#![allow(missing_docs, reason = "bench harness")]

use std::hint::black_box;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rust_decimal::Decimal;
use sextant_core::ledger::{
    xirr, Instrument, Ledger, LedgerConfig, MarketData, PerformanceOptions, Transaction, TxKind,
};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

const SYMS: [&str; 10] = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"];

/// `n` transactions over ten years: a deposit, then buys and sales of ten instruments.
fn transactions(n: usize) -> Vec<Transaction> {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let t0: DateTime<Utc> = "2015-01-02T15:00:00Z".parse().unwrap();
    let step = 3650 * 86_400 / n as i64;
    let mut held = [Decimal::ZERO; 10];
    (0..n)
        .map(|i| {
            let timestamp = t0 + Duration::seconds(step * i as i64);
            let k = (r.next() % 10) as usize;
            let instrument = SYMS[k].to_string();
            let price = Decimal::new(5_000 + (r.next() % 20_000) as i64, 2);
            let quantity = Decimal::new(1 + (r.next() % 1_000) as i64, 1);
            let kind = if i % 50 == 0 {
                TxKind::Deposit { currency: "USD".into(), amount: Decimal::from(100_000) }
            } else if r.next() % 3 == 0 && held[k] >= quantity {
                held[k] -= quantity;
                TxKind::Sell { instrument, quantity, price, fee: Decimal::ONE }
            } else {
                held[k] += quantity;
                TxKind::Buy { instrument, quantity, price, fee: Decimal::ONE }
            };
            Transaction { timestamp, kind }
        })
        .collect()
}

fn config() -> LedgerConfig {
    LedgerConfig::new("USD", SYMS.iter().map(|s| Instrument::new(s, "USD")).collect())
}

fn market() -> MarketData {
    let mut m = MarketData::default();
    let d0 = NaiveDate::from_ymd_opt(2015, 1, 1).unwrap();
    for (j, s) in SYMS.iter().enumerate() {
        let mut r = Rng(j as u64 + 1);
        let series = (0..3652)
            .map(|d| (d0 + Duration::days(d), Decimal::new(5_000 + (r.next() % 20_000) as i64, 2)))
            .filter(|(d, _)| chrono::Datelike::weekday(d).number_from_monday() <= 5)
            .collect();
        m.prices.insert(s.to_string(), series);
    }
    m
}

fn ledger(c: &mut Criterion) {
    let mut g = c.benchmark_group("ledger");
    g.sample_size(10);
    let txs = transactions(100_000);
    g.throughput(Throughput::Elements(txs.len() as u64));
    g.bench_function("new+book/100000", |b| {
        b.iter(|| Ledger::new(config(), black_box(txs.clone())).unwrap())
    });
    let l = Ledger::new(config(), transactions(10_000)).unwrap();
    let m = market();
    g.throughput(Throughput::Elements(2_600));
    g.bench_function("performance/10y_10k_tx", |b| {
        b.iter(|| l.performance(black_box(&m), &PerformanceOptions::default()).unwrap())
    });
    let times: Vec<f64> = (0..100).map(|i| i as f64 / 12.0).collect();
    let amounts: Vec<f64> =
        (0..100).map(|i| if i == 99 { 30_000.0 } else { -200.0 - i as f64 }).collect();
    g.throughput(Throughput::Elements(100));
    g.bench_function("xirr/100_flows", |b| b.iter(|| xirr(black_box(&times), &amounts).unwrap()));
    g.finish();
}

criterion_group!(benches, ledger);
criterion_main!(benches);
