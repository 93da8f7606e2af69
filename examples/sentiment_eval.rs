//! Evaluates a sentiment model on any labelled CSV and prints accuracy, macro F1 and the
//! confusion matrix.
//!
//! ```text
//! cargo run --release -p sextant-core --example sentiment_eval -- FILE.csv \
//!     [--model finance|vader] [--threshold 0.05] [--text-col text] [--label-col label] [--errors N]
//! ```
//! Labels may be negative/neutral/positive (or neg/neu/pos, -1/0/1). The CSV is RFC 4180
//! (quoted fields, doubled quotes, a header row).

use sextant_core::sentiment::{evaluate, FinanceScorer, Label, Model, Vader};

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opt = |name: &str, default: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
            .unwrap_or_else(|| default.to_owned())
    };
    let path = args.first().filter(|a| !a.starts_with("--")).ok_or("usage: sentiment_eval FILE.csv [--model finance|vader] [--threshold 0.05] [--text-col text] [--label-col label] [--errors N]")?;
    let model = Model::parse(&opt("--model", "finance"))?;
    let threshold: f64 = opt("--threshold", "0.05").parse()?;
    let show: usize = opt("--errors", "0").parse()?;
    let rows = parse_csv(&std::fs::read_to_string(path)?);
    let header = rows.first().ok_or("empty CSV")?;
    let col = |name: &str| {
        header.iter().position(|h| h.trim() == name).ok_or(format!("no column `{name}`"))
    };
    let (ti, li) = (col(&opt("--text-col", "text"))?, col(&opt("--label-col", "label"))?);
    let mut pairs = Vec::new();
    for r in &rows[1..] {
        if let (Some(t), Some(l)) = (r.get(ti), r.get(li)) {
            pairs.push((t.as_str(), Label::parse(l)?));
        }
    }
    let c = evaluate(pairs.iter().copied(), model, threshold)?;
    println!("{path}: {} sentences, model {model:?}, threshold {threshold}", c.total());
    println!("accuracy {:.4}  macro-F1 {:.4}", c.accuracy(), c.macro_f1());
    println!("truth \\ predicted   negative  neutral  positive");
    for (i, name) in Label::ALL.iter().enumerate() {
        println!("{name:>17}   {:>8}  {:>7}  {:>8}", c.0[i][0], c.0[i][1], c.0[i][2]);
    }
    if show > 0 {
        let mut n = 0;
        for (t, truth) in &pairs {
            let s = match model {
                Model::Finance => FinanceScorer::builtin().score(t),
                Model::Vader => Vader::builtin().polarity_scores(t).compound,
            };
            let got = Label::of(s, threshold);
            if got != *truth && n < show {
                n += 1;
                let items: Vec<String> = FinanceScorer::builtin()
                    .explain(t)
                    .iter()
                    .filter(|i| i.value != 0.0)
                    .map(|i| format!("{}={:+}", i.phrase, i.value))
                    .collect();
                println!(
                    "{:>8} -> {:<8} {s:+.3} {t}  [{}]",
                    truth.as_str(),
                    got.as_str(),
                    items.join(" ")
                );
            }
        }
    }
    Ok(())
}
