//! criterion benchmarks of the sentiment scorers on the golden headlines
//! (tests/golden/sentiment/vader.jsonl: 24,213 probes and generated financial headlines).
//! `cargo bench -p sextant-benches --bench sentiment`; the Python comparison with
//! vaderSentiment is benches/compare_sentiment.py.
#![allow(missing_docs, reason = "bench harness")]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sextant_core::sentiment::{score_batch, FinanceScorer, Model, Scratch, Vader};

#[path = "data/sentiment.rs"]
mod data;
use data::headlines;

fn sentiment(c: &mut Criterion) {
    let texts = headlines();
    let short: Vec<&str> = texts.iter().map(String::as_str).filter(|t| t.len() <= 120).collect();
    let words: usize = short.iter().map(|t| t.split_whitespace().count()).sum();
    eprintln!(
        "{} headlines of <= 120 bytes, {:.1} words on average",
        short.len(),
        words as f64 / short.len() as f64
    );
    let v = Vader::builtin();
    let f = FinanceScorer::builtin();
    let mut g = c.benchmark_group("sentiment/headlines");
    g.throughput(Throughput::Elements(short.len() as u64));
    g.sample_size(20);
    g.bench_function("vader_polarity_scores_1thread", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            let mut acc = 0.0;
            for t in &short {
                acc += v.polarity_scores_with(black_box(t), &mut scratch).compound;
            }
            acc
        })
    });
    g.bench_function("finance_score_1thread", |b| {
        b.iter(|| short.iter().map(|t| f.score(black_box(t))).sum::<f64>())
    });
    g.bench_function("score_batch_vader_all_threads", |b| {
        b.iter(|| score_batch(black_box(&short), Model::Vader, 0.05).unwrap())
    });
    g.finish();
}

criterion_group!(benches, sentiment);
criterion_main!(benches);
