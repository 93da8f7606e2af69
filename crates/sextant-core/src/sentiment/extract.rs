//! `extract_entities` / `entity_sentiment`: the entity extraction of [`Universe`] declared for
//! every surface, with the universe as JSON and the mentions as JSON records.
//!
//! Spans are given in three units so that every language can slice its own string:
//! `start`/`end` count Unicode code points (Python's `str` indices), `start_utf16`/`end_utf16`
//! count UTF-16 code units (JavaScript's), `start_byte`/`end_byte` count UTF-8 bytes (Rust's).

use serde::Serialize;
use serde_json::Value;

use super::entities::{Asset, Mention, MentionKind, Universe};
use super::score::{check_threshold, raw_score, Label, Model, MODEL_DOC, THRESHOLD_DOC};
use super::vader::Scratch;
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{Error, Result};

fn bad(input: String, reason: impl Into<String>) -> Error {
    Error::InvalidInput { input, reason: reason.into() }
}

/// Names of one universe entry: a string, a list of strings, or null.
fn names_of(v: Option<&Value>, at: &str, out: &mut Vec<String>) -> Result<()> {
    match v {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) => {
            out.push(s.clone());
            Ok(())
        }
        Some(Value::Array(a)) => {
            for (k, n) in a.iter().enumerate() {
                match n {
                    Value::String(s) => out.push(s.clone()),
                    Value::Null => {}
                    _ => return Err(bad(format!("{at}[{k}]"), "expected a string")),
                }
            }
            Ok(())
        }
        Some(_) => Err(bad(at.to_owned(), "expected a string or a list of strings")),
    }
}

/// Parses a universe from JSON: a list of `{symbol, name?, names?, aliases?}` (each of the
/// name fields a string or a list of strings), or an object `{symbol: [names...]}`. Errors
/// name the input and the entry (`universe[2].symbol`).
pub fn universe_from_json(v: &Value, input: &str) -> Result<Universe> {
    let mut assets = Vec::new();
    match v {
        Value::Array(rows) => {
            for (i, row) in rows.iter().enumerate() {
                let at = format!("{input}[{i}]");
                let Value::Object(m) = row else {
                    return Err(bad(at, "expected an object {symbol, names, aliases}"));
                };
                let symbol = match m.get("symbol") {
                    Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
                    Some(Value::String(_)) => return Err(bad(format!("{at}.symbol"), "is empty")),
                    Some(_) => return Err(bad(format!("{at}.symbol"), "expected a string")),
                    None => return Err(bad(format!("{at}.symbol"), "is missing")),
                };
                let mut names = Vec::new();
                for key in ["name", "names", "aliases"] {
                    names_of(m.get(key), &format!("{at}.{key}"), &mut names)?;
                }
                assets.push(Asset { symbol, names });
            }
        }
        Value::Object(m) => {
            for (symbol, names_v) in m {
                let mut names = Vec::new();
                names_of(Some(names_v), &format!("{input}.{symbol}"), &mut names)?;
                assets.push(Asset { symbol: symbol.trim().to_owned(), names });
            }
        }
        _ => return Err(bad(
            input.to_owned(),
            "expected a list of {symbol, names, aliases} objects or an object {symbol: [names]}",
        )),
    }
    Universe::new(assets).map_err(|e| match e {
        Error::InvalidInput { reason, .. } => bad(input.to_owned(), reason),
        other => other,
    })
}

/// Name of a mention kind in the JSON records.
#[must_use]
pub const fn kind_name(k: MentionKind) -> &'static str {
    match k {
        MentionKind::Cashtag => "cashtag",
        MentionKind::ExchangePrefix => "exchange_prefix",
        MentionKind::Parenthesized => "parenthesized",
        MentionKind::Name => "name",
        MentionKind::Ticker => "ticker",
    }
}

/// One mention as a JSON record, with spans in code points, UTF-16 units and bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MentionRecord {
    /// The asset's symbol.
    pub symbol: String,
    /// The mentioned text.
    pub text: String,
    /// Start, in Unicode code points (Python `str` index).
    pub start: usize,
    /// End (exclusive), in code points.
    pub end: usize,
    /// Start, in UTF-16 code units (JavaScript string index).
    pub start_utf16: usize,
    /// End (exclusive), in UTF-16 code units.
    pub end_utf16: usize,
    /// Start, in UTF-8 bytes.
    pub start_byte: usize,
    /// End (exclusive), in UTF-8 bytes.
    pub end_byte: usize,
    /// How it was found: `cashtag`, `exchange_prefix`, `parenthesized`, `name`, `ticker`.
    pub kind: &'static str,
    /// Confidence in (0, 1].
    pub confidence: f64,
}

/// The mentions of `text` as records (spans converted from bytes in one pass).
#[must_use]
pub fn mention_records(text: &str, mentions: &[Mention]) -> Vec<MentionRecord> {
    // byte offsets of interest, ascending, mapped to (code points, UTF-16 units)
    let mut offsets: Vec<usize> = mentions.iter().flat_map(|m| [m.start, m.end]).collect();
    offsets.sort_unstable();
    offsets.dedup();
    let mut map: Vec<(usize, usize, usize)> = Vec::with_capacity(offsets.len());
    let (mut cp, mut u16s) = (0usize, 0usize);
    let mut next = offsets.iter().peekable();
    for (b, c) in text.char_indices().chain(std::iter::once((text.len(), '\0'))) {
        while let Some(&&o) = next.peek() {
            if o > b {
                break;
            }
            map.push((o, cp, u16s));
            next.next();
        }
        cp += 1;
        u16s += c.len_utf16();
    }
    let at =
        |o: usize| map.binary_search_by_key(&o, |t| t.0).map_or((0, 0), |k| (map[k].1, map[k].2));
    mentions
        .iter()
        .map(|m| {
            let (s, s16) = at(m.start);
            let (e, e16) = at(m.end);
            MentionRecord {
                symbol: m.symbol.clone(),
                text: text.get(m.start..m.end).unwrap_or_default().to_owned(),
                start: s,
                end: e,
                start_utf16: s16,
                end_utf16: e16,
                start_byte: m.start,
                end_byte: m.end,
                kind: kind_name(m.kind),
                confidence: m.confidence,
            }
        })
        .collect()
}

/// One entity's sentiment as a JSON record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityRecord {
    /// The asset's symbol.
    pub symbol: String,
    /// Mean score of the sentences mentioning it.
    pub score: f64,
    /// Label of the score.
    pub label: Label,
    /// Sentences mentioning it.
    pub sentences: usize,
    /// Mentions.
    pub mentions: usize,
}

/// Each entity of `universe` mentioned in `text` with the mean `model` score of the sentences
/// that mention it and its label at `threshold`.
pub fn entity_sentiment(
    universe: &Universe,
    text: &str,
    model: Model,
    threshold: f64,
) -> Result<Vec<EntityRecord>> {
    check_threshold(threshold)?;
    let mut scratch = Scratch::default();
    Ok(universe
        .entity_sentiment(text, |s| raw_score(s, model, &mut scratch))
        .into_iter()
        .map(|e| EntityRecord {
            symbol: e.symbol,
            score: e.score,
            label: Label::of(e.score, threshold),
            sentences: e.sentences,
            mentions: e.mentions,
        })
        .collect())
}

const TEXT: InputSpec = InputSpec::text("text", "the text (a headline, a story)");
pub(crate) const UNIVERSE: InputSpec = InputSpec::json(
    "universe",
    "the assets to look for: a list of {symbol, names, aliases} (names and aliases: a string or a list of strings; a DataFrame with those columns in Python), or an object {symbol: [names]}",
    r#"[{"symbol": "AAPL", "names": ["Apple", "Apple Inc"]}, {"symbol": "T", "names": ["AT&T"]}]"#,
);

/// Declaration of `extract_entities`.
pub static EXTRACT_ENTITIES: FunctionDecl = FunctionDecl {
    name: "extract_entities",
    module: Module::Sentiment,
    group: "Entities",
    summary: "Mentions of a universe's assets in a text, with spans and confidence",
    doc: "extract_entities(text, universe) -> [{symbol, text, start, end, start_utf16, end_utf16, start_byte, end_byte, kind, confidence}, ...] by start. Found as cashtags ($AAPL, 0.99), exchange prefixes (NASDAQ: AAPL, 0.99), a ticker in parentheses (0.95), names and aliases (case-sensitive, word boundaries, longest match, 0.9; names that are common words like Target only capitalised and not at a sentence start unless a finance word follows) and bare tickers (0.6; ambiguous tickers like A, T, IT, ON only in strong contexts). Spans: start/end in Unicode code points (Python str indices), start_utf16/end_utf16 in UTF-16 units (JavaScript), start_byte/end_byte in UTF-8 bytes.",
    inputs: &[TEXT, UNIVERSE],
    params: &[],
    outputs: &[OutputSpec::json("mentions")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let u = universe_from_json(&i.json::<Value>(1, "universe")?, "universe")?;
        let text = i.text(0);
        o.set_json(0, &mention_records(text, &u.extract(text)))
    },
    stream: None,
};

/// Declaration of `entity_sentiment`.
pub static ENTITY_SENTIMENT: FunctionDecl = FunctionDecl {
    name: "entity_sentiment",
    module: Module::Sentiment,
    group: "Entities",
    summary: "Sentiment of each asset a text mentions",
    doc: "entity_sentiment(text, universe) -> [{symbol, score, label, sentences, mentions}, ...] in order of first mention: each mentioned asset gets the mean model score of the sentences that mention it (sentences end at . ! ? before whitespace, and at line breaks), labelled with the threshold.",
    inputs: &[TEXT, UNIVERSE],
    params: &[
        ParamSpec::choice("model", "finance", Model::NAMES, MODEL_DOC),
        ParamSpec::float("threshold", 0.05, 0.0, 1.0, THRESHOLD_DOC),
    ],
    outputs: &[OutputSpec::json("entities")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let u = universe_from_json(&i.json::<Value>(1, "universe")?, "universe")?;
        let model = Model::parse(p.str(0))?;
        o.set_json(0, &entity_sentiment(&u, i.text(0), model, p.float(1))?)
    },
    stream: None,
};
