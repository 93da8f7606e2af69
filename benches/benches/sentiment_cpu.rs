//! Headlines per second of *CPU time* of the scoring thread (Linux: /proc/thread-self/schedstat),
//! which is what "per core" means and which, unlike wall time, a machine shared with other
//! builds does not inflate (cache and frequency effects of the neighbours remain).
//! `cargo bench -p sextant-benches --bench sentiment_cpu`; same headlines as `--bench sentiment`.
#![allow(missing_docs, clippy::cast_precision_loss, reason = "bench harness")]

use std::hint::black_box;

use sextant_core::sentiment::{FinanceScorer, Scratch, Vader};

#[path = "data/sentiment.rs"]
mod data;

fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn measure(label: &str, texts: &[&str], mut f: impl FnMut(&str) -> f64) {
    // warm up, then passes until 3 s of CPU time
    let mut acc = 0.0;
    for t in texts {
        acc += f(t);
    }
    let (Some(c0), w0) = (cpu_ns(), std::time::Instant::now()) else {
        eprintln!("no /proc/thread-self/schedstat: CPU time unavailable");
        return;
    };
    let mut n = 0usize;
    let mut c1 = c0;
    while c1 - c0 < 3_000_000_000 {
        for t in texts {
            acc += f(black_box(t));
        }
        n += texts.len();
        c1 = cpu_ns().unwrap_or(c1);
    }
    let cpu = (c1 - c0) as f64 / 1e9;
    let wall = w0.elapsed().as_secs_f64();
    println!(
        "{label}: {:.0} headlines per CPU-second ({:.0} ns each; {n} headlines, {cpu:.2} s CPU, {wall:.2} s wall) [{}]",
        n as f64 / cpu,
        cpu * 1e9 / n as f64,
        black_box(acc).is_finite()
    );
}

fn main() {
    let texts = data::headlines();
    let short: Vec<&str> = texts.iter().map(String::as_str).filter(|t| t.len() <= 120).collect();
    println!("{} headlines of <= 120 bytes", short.len());
    let v = Vader::builtin();
    let mut scratch = Scratch::default();
    measure("vader polarity_scores, 1 thread", &short, |t| {
        v.polarity_scores_with(t, &mut scratch).compound
    });
    // two thirds of the golden headlines carry emoji or non-ASCII whitespace on purpose (each
    // emoji becomes its description's words); wire headlines are mostly plain ASCII
    let ascii: Vec<&str> = short.iter().copied().filter(|t| t.is_ascii()).collect();
    println!("{} of them ASCII", ascii.len());
    measure("vader polarity_scores, ASCII headlines, 1 thread", &ascii, |t| {
        v.polarity_scores_with(t, &mut scratch).compound
    });
    if std::env::var_os("SEXTANT_BENCH_VADER_ONLY").is_some() {
        return;
    }
    let f = FinanceScorer::builtin();
    measure("finance score, 1 thread", &short, |t| f.score(t));
}
