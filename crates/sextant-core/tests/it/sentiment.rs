//! VADER-exact against vaderSentiment 3.3.2: every key of polarity_scores, bit for bit, on the
//! probes and generated headlines in tests/golden/sentiment/vader.jsonl
//! (scripts/golden/generate_sentiment.py).

use sextant_core::sentiment::{Scratch, Vader};

use crate::fixtures::golden_dir;

pub fn vader_cases() -> Vec<(String, [f64; 4])> {
    let text = std::fs::read_to_string(golden_dir().join("sentiment/vader.jsonl"))
        .expect("tests/golden/sentiment/vader.jsonl");
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            let a = v.as_array().expect("array");
            let f = |i: usize| a[i].as_f64().expect("number");
            (a[0].as_str().expect("text").to_owned(), [f(1), f(2), f(3), f(4)])
        })
        .collect()
}

#[test]
fn vader_matches_package_on_every_key() {
    let cases = vader_cases();
    assert!(cases.len() >= 20_000, "only {} cases", cases.len());
    let v = Vader::builtin();
    let mut scratch = Scratch::default();
    let mut bad = Vec::new();
    for (text, want) in &cases {
        let s = v.polarity_scores_with(text, &mut scratch);
        let got = [s.neg, s.neu, s.pos, s.compound];
        if got.iter().zip(want).any(|(g, w)| g.to_bits() != w.to_bits()) {
            bad.push(format!("{text:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        cases.len(),
        bad[..bad.len().min(20)].join("\n")
    );
}
