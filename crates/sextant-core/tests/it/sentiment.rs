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

/// `(module, function)` of every case in tests/golden/sentiment/manifest.json.
pub fn manifest_cases() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(golden_dir().join("sentiment/manifest.json"))
        .expect("tests/golden/sentiment/manifest.json");
    let m: serde_json::Value = serde_json::from_str(&text).expect("manifest json");
    m["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            (
                c["module"].as_str().unwrap_or("").to_owned(),
                c["function"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn label_of(compound: f64) -> &'static str {
    if compound >= 0.05 {
        "positive"
    } else if compound <= -0.05 {
        "negative"
    } else {
        "neutral"
    }
}

#[test]
fn declared_functions_match_package_through_the_registry() {
    use sextant_core::decl::{InputData, OutVec, Value};
    use sextant_core::registry::find;
    let cases = vader_cases();
    let sample: Vec<&(String, [f64; 4])> = cases.iter().step_by(7).collect();
    let vader = find("sentiment", "vader").expect("declared");
    let score = find("sentiment", "score").expect("declared");
    let batch = find("sentiment", "score_batch").expect("declared");
    let p = score.params_named([("model", Value::Str("vader".into()))]).unwrap();
    for (text, want) in &sample {
        let out = vader.call(&[InputData::Text(text)], &vader.default_params()).unwrap();
        let OutVec::Record(r) = &out[0] else { panic!("record expected") };
        let got: Vec<f64> = r.fields.iter().map(|f| f.1).collect();
        assert_eq!(got, want.to_vec(), "{text:?}");
        assert_eq!(
            r.fields.iter().map(|f| f.0).collect::<Vec<_>>(),
            ["neg", "neu", "pos", "compound"]
        );
        let out = score.call(&[InputData::Text(text)], &p).unwrap();
        let OutVec::Record(r) = &out[0] else { panic!("record expected") };
        assert_eq!(r.fields, [("score", want[3])]);
        assert_eq!(r.label, Some(label_of(want[3])));
    }
    let texts: Vec<&str> = sample.iter().map(|c| c.0.as_str()).collect();
    let out = batch.call(&[InputData::TextList(&texts)], &p).unwrap();
    let OutVec::Records(rs) = &out[0] else { panic!("records expected") };
    assert_eq!(rs.len(), texts.len());
    for (r, (_, want)) in rs.iter().zip(&sample) {
        assert_eq!(r.fields, [("score", want[3])]);
        assert_eq!(r.label, Some(label_of(want[3])));
    }
    // wrong input kinds are typed errors
    assert!(vader.call(&[InputData::Series(&[1.0])], &vader.default_params()).is_err());
    assert!(batch.call(&[InputData::Text("x")], &p).is_err());
}

mod property_tests {
    use proptest::prelude::*;
    use sextant_core::sentiment::{score_batch, Model, Vader};

    fn texty() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            Just("good".to_owned()),
            Just("BAD".to_owned()),
            Just("not".to_owned()),
            Just("no".to_owned()),
            Just("but".to_owned()),
            Just("least".to_owned()),
            Just("kind of".to_owned()),
            Just("very".to_owned()),
            Just("!!".to_owned()),
            Just("??".to_owned()),
            Just("😀".to_owned()),
            Just("\u{1c}".to_owned()),
            Just("the shit".to_owned()),
            Just("never so".to_owned()),
            any::<String>(),
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(pieces, 0..40).prop_map(|v| v.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn prop_vader_never_panics_and_is_bounded(text in texty()) {
            let s = Vader::builtin().polarity_scores(&text);
            prop_assert!((-1.0..=1.0).contains(&s.compound));
            for x in [s.neg, s.neu, s.pos] { prop_assert!((0.0..=1.0).contains(&x)); }
        }

        #[test]
        fn prop_batch_equals_single(texts in prop::collection::vec(texty(), 0..20)) {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let b = score_batch(&refs, Model::Vader, 0.05).unwrap();
            for (t, s) in refs.iter().zip(&b) {
                prop_assert_eq!(Vader::builtin().polarity_scores(t).compound, s.score);
            }
        }
    }

    #[test]
    fn huge_and_odd_texts_do_not_panic() {
        let v = Vader::builtin();
        let huge = "good but bad, not very GOOD!!! 😀 ".repeat(40_000);
        let s = v.polarity_scores(&huge);
        assert!((-1.0..=1.0).contains(&s.compound));
        assert_eq!(v.polarity_scores("😀😀😀").compound, v.polarity_scores("😀 😀 😀").compound);
        let lossy = String::from_utf8_lossy(&[0xff, 0xfe, b' ', b'g', b'o', b'o', b'd']);
        assert!(v.polarity_scores(&lossy).compound > 0.0);
        assert_eq!(v.polarity_scores("\u{0}\u{1c}\u{1f}").compound, 0.0);
    }
}

/// The finance scorer on its dev set (tests/sentiment/finance_dev.csv, labelled by
/// docs/sentiment-labelling.md): a regression floor, not a claim of out-of-sample accuracy
/// (the lexicon was developed on this set).
#[test]
fn finance_scorer_dev_set_floor() {
    use sextant_core::sentiment::{evaluate, Label, Model};
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/sentiment/finance_dev.csv"),
    )
    .unwrap();
    let rows: Vec<(String, Label)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let (t, lab) = l.rsplit_once(',').unwrap();
            (
                t.trim_matches('"').replace("\"\"", "\""),
                Label::parse(lab.trim_matches('"')).unwrap(),
            )
        })
        .collect();
    assert!(rows.len() >= 1000);
    let fin = evaluate(rows.iter().map(|(t, l)| (t.as_str(), *l)), Model::Finance, 0.05).unwrap();
    let vad = evaluate(rows.iter().map(|(t, l)| (t.as_str(), *l)), Model::Vader, 0.05).unwrap();
    assert!(fin.accuracy() > 0.95, "finance accuracy {}", fin.accuracy());
    assert!(
        fin.accuracy() > vad.accuracy() + 0.2,
        "{} vs vader {}",
        fin.accuracy(),
        vad.accuracy()
    );
}

/// Entity extraction on a hand-labelled set (tests/sentiment/entities_dev.tsv: ambiguous short
/// tickers, company names that are common words): sentence-level precision and recall of the
/// symbol sets, printed and held to floors.
#[test]
fn entity_extraction_precision_recall() {
    use sextant_core::sentiment::{Asset, Universe};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sentiment");
    let lines = |f: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(f))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_owned)
            .collect()
    };
    let assets: Vec<Asset> = lines("entities_universe.tsv")
        .iter()
        .map(|l| {
            let (s, n) = l.split_once('\t').unwrap();
            Asset { symbol: s.into(), names: n.split(';').map(str::to_owned).collect() }
        })
        .collect();
    let u = Universe::new(assets).unwrap();
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut errors = Vec::new();
    let cases = lines("entities_dev.tsv");
    for l in &cases {
        let (text, want) = l.split_once('\t').unwrap_or((l, ""));
        let want: Vec<&str> = want.split(';').filter(|s| !s.is_empty()).collect();
        let got = u.symbols(text);
        for g in &got {
            if want.contains(&g.as_str()) {
                tp += 1
            } else {
                fp += 1;
                errors.push(format!("FP {g}: {text}"))
            }
        }
        for w in &want {
            if !got.iter().any(|g| g == w) {
                fn_ += 1;
                errors.push(format!("FN {w}: {text}"))
            }
        }
    }
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / (tp + fn_) as f64;
    eprintln!(
        "entities: {} sentences, precision {precision:.3}, recall {recall:.3}\n{}",
        cases.len(),
        errors.join("\n")
    );
    assert!(cases.len() >= 80);
    assert!(precision >= 0.9 && recall >= 0.85, "precision {precision}, recall {recall}");
    // spans and kinds
    let m = u.extract("Apple (AAPL) and $TSLA rose; NASDAQ: MSFT fell");
    let kinds: Vec<_> = m
        .iter()
        .map(|m| {
            (m.symbol.as_str(), &"Apple (AAPL) and $TSLA rose; NASDAQ: MSFT fell"[m.start..m.end])
        })
        .collect();
    assert_eq!(kinds, [("AAPL", "Apple"), ("AAPL", "AAPL"), ("TSLA", "$TSLA"), ("MSFT", "MSFT")]);
    assert!(Universe::new(vec![
        Asset { symbol: "X".into(), names: vec![] },
        Asset { symbol: "x".into(), names: vec![] }
    ])
    .is_err());
    assert!(u.extract("").is_empty() && u.extract("😀 $ : ( )").is_empty());
}

#[test]
fn entity_sentiment_averages_the_sentences_that_mention_it() {
    use sextant_core::sentiment::{sentences, Asset, FinanceScorer, Universe};
    let u = Universe::new(vec![
        Asset { symbol: "AAPL".into(), names: vec!["Apple".into()] },
        Asset { symbol: "MSFT".into(), names: vec!["Microsoft".into()] },
    ])
    .unwrap();
    let text = "Apple beats estimates and raises guidance. Microsoft cuts its outlook!\nApple shares were flat on May 4.";
    assert_eq!(sentences(text).len(), 3);
    let f = FinanceScorer::builtin();
    let es = u.entity_sentiment(text, |s| f.score(s));
    assert_eq!(es.len(), 2);
    let (a, m) = (&es[0], &es[1]);
    assert_eq!((a.symbol.as_str(), a.sentences, a.mentions), ("AAPL", 2, 2));
    let first = f.score("Apple beats estimates and raises guidance.");
    assert!((a.score - (first + 0.0) / 2.0).abs() < 1e-12 && a.score > 0.0);
    assert_eq!(m.symbol, "MSFT");
    assert!(m.score < 0.0);
}

/// The example of docs/sentiment.md ("Entities").
#[test]
fn docs_entities_example() {
    use sextant_core::sentiment::{Asset, FinanceScorer, Universe};
    let u = Universe::new(vec![
        Asset { symbol: "AAPL".into(), names: vec!["Apple".into(), "Apple Inc".into()] },
        Asset { symbol: "T".into(), names: vec!["AT&T".into()] },
    ])
    .unwrap();
    assert_eq!(u.symbols("AT&T (T) cuts its dividend; $AAPL rises"), ["T", "AAPL"]);
    assert!(u.symbols("She ate an apple. It is a T-bill.").is_empty());
    let f = FinanceScorer::builtin();
    let per_asset =
        u.entity_sentiment("Apple beats estimates. AT&T cuts its dividend.", |s| f.score(s));
    assert!(per_asset[0].score > 0.0 && per_asset[1].score < 0.0);
}

#[test]
fn compact_lexicon_equals_the_shipped_file() {
    use sextant_core::sentiment::{parse_lexicon, VADER_LEXICON};
    let full = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/vader/vader_lexicon.txt"),
    )
    .unwrap();
    assert_eq!(parse_lexicon(&full).unwrap(), parse_lexicon(VADER_LEXICON).unwrap());
}

#[test]
fn compact_emoji_lexicon_equals_the_shipped_file() {
    use sextant_core::sentiment::{Vader, EMOJI_LEXICON, VADER_LEXICON};
    let full = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/vader/emoji_utf8_lexicon.txt"),
    )
    .unwrap();
    let a = Vader::from_lexicons(VADER_LEXICON, &full).unwrap();
    let b = Vader::from_lexicons(VADER_LEXICON, EMOJI_LEXICON).unwrap();
    let mut n = 0;
    for line in full.lines() {
        for c in line.split('\t').next().unwrap().chars() {
            assert_eq!(a.emoji_description(c), b.emoji_description(c), "{c:?}");
            n += usize::from(b.emoji_description(c).is_some());
        }
    }
    assert!(n > 1000);
}
