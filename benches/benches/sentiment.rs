//! criterion benchmarks of the sentiment scorers on the golden headlines
//! (tests/golden/sentiment/vader.jsonl: 24,213 probes and generated financial headlines).
//! `cargo bench -p sextant-benches --bench sentiment`; the Python comparison with
//! vaderSentiment is benches/compare_sentiment.py.
#![allow(missing_docs, reason = "bench harness")]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sextant_core::sentiment::{score_batch, FinanceScorer, Model, Scratch, Vader};

fn headlines() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/golden/sentiment/vader.jsonl");
    let text = std::fs::read_to_string(path).expect("tests/golden/sentiment/vader.jsonl");
    text.split('\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| {
            // the first field of `[text, neg, neu, pos, compound]`
            let v: Vec<&str> = l.rsplitn(5, ", ").collect();
            let raw = v.last()?.strip_prefix('[')?;
            decode_json_string(raw)
        })
        .collect()
}

/// Minimal JSON string decoding (the fixture's texts), enough for the benchmark input.
fn decode_json_string(s: &str) -> Option<String> {
    let s = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'u' => {
                let hex: String = it.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?).unwrap_or('\u{fffd}'));
            }
            other => out.push(other),
        }
    }
    Some(out)
}

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
