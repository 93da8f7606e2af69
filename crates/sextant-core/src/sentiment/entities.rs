//! Entity extraction: which assets of a universe a text mentions, where, and how surely.
//!
//! Mentions are found, strongest first, as cashtags (`$AAPL`), exchange prefixes
//! (`NASDAQ: AAPL`), parenthesised tickers after a name (`Apple (AAPL)`), names and aliases
//! (Aho-Corasick over every name, case-sensitive, at word boundaries, longest match wins), and
//! bare tickers. Ambiguous short tickers (`A`, `T`, `IT`, `ON`, `ALL`... any ticker of one or
//! two letters or that is an English word) count only in strong contexts (cashtag, exchange
//! prefix, parentheses, or followed by "shares"/"stock"); names that are common words
//! (`Target`, `Shell`, `Gap`...) need a capitalised occurrence that does not start the sentence.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::fxhash::FxMap;
use crate::error::{Error, Result};

/// One asset of the universe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// Ticker symbol (`AAPL`).
    pub symbol: String,
    /// Names and aliases (`Apple`, `Apple Inc`).
    pub names: Vec<String>,
}

/// How a mention was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionKind {
    /// `$AAPL`.
    Cashtag,
    /// `NASDAQ: AAPL`.
    ExchangePrefix,
    /// `(AAPL)`.
    Parenthesized,
    /// A name or alias.
    Name,
    /// A bare ticker.
    Ticker,
}

/// One mention: the asset, the byte span in the text, how it was found and a confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// Index of the asset in the universe.
    pub asset: usize,
    /// The asset's symbol.
    pub symbol: String,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset after the last character.
    pub end: usize,
    /// How it was found.
    pub kind: MentionKind,
    /// Confidence in (0, 1].
    pub confidence: f64,
}

const EXCHANGES: &[&str] = &[
    "NASDAQ",
    "NYSE",
    "NYSEARCA",
    "NYSEAMERICAN",
    "AMEX",
    "LSE",
    "TSX",
    "ASX",
    "HKEX",
    "XETRA",
    "EURONEXT",
    "OTC",
    "BATS",
    "CBOE",
    "SIX",
    "TSE",
    "NSE",
    "BSE",
];

/// Common English words that are also tickers or company names.
const COMMON_WORDS: &[&str] = &[
    "a", "all", "an", "and", "are", "at", "be", "best", "big", "by", "can", "car", "cat", "ceo",
    "co", "dd", "do", "eat", "for", "fun", "gap", "go", "good", "has", "he", "hope", "it", "key",
    "life", "low", "main", "man", "now", "of", "old", "on", "one", "or", "out", "pay", "play",
    "post", "real", "run", "see", "shell", "so", "sun", "target", "the", "to", "true", "two", "up",
    "us", "visa", "well", "win", "apple", "ford", "oracle", "gold", "meta", "alphabet", "block",
    "match", "square", "snap", "zoom", "coin", "ball", "gas", "spot", "news", "next",
];

/// Words after a name that make it a company in the news ("Target cuts", "Shell raises").
const FIN_CONTEXT: &[&str] = &[
    "shares", "stock", "stocks", "raises", "raised", "cuts", "cut", "beats", "beat", "misses",
    "missed", "wins", "won", "reports", "reported", "posts", "posted", "recalls", "sues", "sued",
    "plans", "agrees", "buys", "sells", "says", "warns", "lifts", "lowers", "slashes", "boosts",
    "rises", "rose", "falls", "fell", "jumps", "slides", "drops", "gains", "surges", "plunges",
    "shares", "inc", "corp", "earnings", "profit", "revenue", "sales", "ceo", "results",
];

fn is_common(word: &str) -> bool {
    let l = word.to_ascii_lowercase();
    COMMON_WORDS.contains(&l.as_str())
}

/// A universe of assets with its compiled name matcher.
#[derive(Debug, Clone)]
pub struct Universe {
    assets: Vec<Asset>,
    by_symbol: FxMap<String, usize>,
    matcher: Option<AhoCorasick>,
    pattern_asset: Vec<usize>,
}

fn word_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '&')
}

fn ticker_chars(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 6
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '.')
}

impl Universe {
    /// Compiles a universe. Symbols must be non-empty and unique (case-insensitively).
    pub fn new(assets: Vec<Asset>) -> Result<Self> {
        let mut by_symbol = FxMap::default();
        let mut patterns = Vec::new();
        let mut pattern_asset = Vec::new();
        for (i, a) in assets.iter().enumerate() {
            let sym = a.symbol.trim().to_ascii_uppercase();
            if sym.is_empty() {
                return Err(Error::InvalidInput {
                    input: "universe".into(),
                    reason: format!("asset {i} has an empty symbol"),
                });
            }
            if by_symbol.insert(sym.clone(), i).is_some() {
                return Err(Error::InvalidInput {
                    input: "universe".into(),
                    reason: format!("symbol {sym} appears twice"),
                });
            }
            for n in &a.names {
                let n = n.trim();
                if !n.is_empty() {
                    patterns.push(n.to_owned());
                    pattern_asset.push(i);
                }
            }
        }
        let matcher = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .map_err(|e| Error::InvalidInput {
                        input: "universe".into(),
                        reason: e.to_string(),
                    })?,
            )
        };
        Ok(Self { assets, by_symbol, matcher, pattern_asset })
    }

    /// The assets.
    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    fn ambiguous_ticker(sym: &str) -> bool {
        sym.len() <= 2 || is_common(sym)
    }

    /// Every mention in `text`, by start offset; overlapping candidates resolve to the most
    /// confident (then longest).
    pub fn extract(&self, text: &str) -> Vec<Mention> {
        let mut cands: Vec<Mention> = Vec::new();
        let mut push = |asset: usize, start: usize, end: usize, kind, confidence| {
            cands.push(Mention {
                asset,
                symbol: self.assets[asset].symbol.clone(),
                start,
                end,
                kind,
                confidence,
            });
        };
        // tokens of [A-Za-z0-9.$] with their byte spans
        let mut toks: Vec<(usize, usize)> = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            let inside = c.is_ascii_alphanumeric() || c == '.' || c == '$';
            match (inside, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    toks.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            toks.push((s, text.len()));
        }
        let all_caps = !text.chars().any(|c| c.is_lowercase());
        for (k, &(s, e)) in toks.iter().enumerate() {
            let tok = text[s..e].trim_end_matches('.');
            let e = s + tok.len();
            let before = text[..s].trim_end();
            let after = text[e..].trim_start();
            // cashtag
            if let Some(sym) = tok.strip_prefix('$') {
                if let Some(&a) = self.by_symbol.get(&sym.to_ascii_uppercase()) {
                    let conf = if ticker_chars(sym) { 0.99 } else { 0.9 };
                    push(a, s, e, MentionKind::Cashtag, conf);
                }
                continue;
            }
            if !ticker_chars(tok) {
                continue;
            }
            let Some(&a) = self.by_symbol.get(tok) else { continue };
            // exchange prefix: "NASDAQ: AAPL", "(NYSE:T)"
            let prefix = before.strip_suffix(':').map(str::trim_end);
            if prefix.is_some_and(|p| {
                // `get`: the cut may fall inside a multi-byte character (no match then)
                EXCHANGES.iter().any(|x| {
                    p.len()
                        .checked_sub(x.len())
                        .and_then(|k| Some((p.get(k..)?, p.get(..k)?)))
                        .is_some_and(|(tail, head)| {
                            tail.eq_ignore_ascii_case(x) && !word_char(head.chars().last())
                        })
                })
            }) {
                push(a, s, e, MentionKind::ExchangePrefix, 0.99);
                continue;
            }
            // parenthesised ticker: "Apple (AAPL)"
            if before.ends_with('(') && after.starts_with(')') {
                push(a, s, e, MentionKind::Parenthesized, 0.95);
                continue;
            }
            if all_caps {
                continue; // an all-caps headline: every word looks like a ticker
            }
            let next = toks.get(k + 1).map(|&(s2, e2)| text[s2..e2].to_ascii_lowercase());
            let strong = matches!(next.as_deref(), Some("shares" | "stock" | "stocks"));
            if Self::ambiguous_ticker(tok) {
                if strong {
                    push(a, s, e, MentionKind::Ticker, 0.7);
                }
            } else {
                push(a, s, e, MentionKind::Ticker, if strong { 0.85 } else { 0.6 });
            }
        }
        // names and aliases
        if let Some(m) = &self.matcher {
            for hit in m.find_overlapping_iter(text) {
                let (s, e) = (hit.start(), hit.end());
                if word_char(text[..s].chars().last()) || word_char(text[e..].chars().next()) {
                    continue;
                }
                let asset = self.pattern_asset[hit.pattern().as_usize()];
                let name = &text[s..e];
                let conf = if !name.contains(' ') && is_common(name) {
                    let sentence_start = text[..s]
                        .trim_end()
                        .chars()
                        .last()
                        .is_none_or(|c| matches!(c, '.' | '!' | '?' | ':' | '"' | '\''));
                    let next_word: String = text[e..]
                        .trim_start_matches(['\'', '\u{2019}', 's'])
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_alphanumeric())
                        .collect::<String>()
                        .to_lowercase();
                    let ticker_after = text[e..].trim_start().strip_prefix('(').is_some_and(|r| {
                        r.trim_start().starts_with(self.assets[asset].symbol.as_str())
                    });
                    if all_caps {
                        continue;
                    }
                    if ticker_after {
                        0.9
                    } else if FIN_CONTEXT.contains(&next_word.as_str()) {
                        0.7
                    } else if sentence_start {
                        continue;
                    } else {
                        0.6
                    }
                } else {
                    0.9
                };
                push(asset, s, e, MentionKind::Name, conf);
            }
        }
        // resolve overlaps: most confident, then longest, then earliest
        cands.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then((b.end - b.start).cmp(&(a.end - a.start)))
                .then(a.start.cmp(&b.start))
        });
        let mut out: Vec<Mention> = Vec::new();
        for c in cands {
            if out.iter().all(|m| c.end <= m.start || c.start >= m.end) {
                out.push(c);
            }
        }
        out.sort_by_key(|m| m.start);
        out
    }

    /// The symbols mentioned in `text` (each once, in order of first mention).
    pub fn symbols(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in self.extract(text) {
            if !out.contains(&m.symbol) {
                out.push(m.symbol);
            }
        }
        out
    }
}

/// The sentiment of one entity in a text: the mean score of the sentences that mention it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntitySentiment {
    /// The asset's symbol.
    pub symbol: String,
    /// Mean score in [-1, 1] of the sentences mentioning it.
    pub score: f64,
    /// Number of sentences mentioning it.
    pub sentences: usize,
    /// Number of mentions.
    pub mentions: usize,
}

/// Splits text into sentences: after `.`, `!` or `?` followed by whitespace, and at line breaks.
/// Returns byte ranges.
pub fn sentences(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let next_space = it.peek().is_none_or(|&(_, n)| n.is_whitespace());
        if c == '\n' || (matches!(c, '.' | '!' | '?') && next_space) {
            let end = i + c.len_utf8();
            if !text[start..end].trim().is_empty() {
                out.push(start..end);
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(start..text.len());
    }
    out
}

impl Universe {
    /// Each mentioned entity with the mean score (from `score_fn`, e.g. the finance scorer) of
    /// the sentences that mention it, in order of first mention.
    pub fn entity_sentiment<F: FnMut(&str) -> f64>(
        &self,
        text: &str,
        mut score_fn: F,
    ) -> Vec<EntitySentiment> {
        let mut out: Vec<EntitySentiment> = Vec::new();
        for r in sentences(text) {
            let sentence = &text[r];
            let mentions = self.extract(sentence);
            if mentions.is_empty() {
                continue;
            }
            let s = score_fn(sentence);
            let mut seen: Vec<&str> = Vec::new();
            for m in &mentions {
                let first_in_sentence = !seen.contains(&m.symbol.as_str());
                seen.push(&m.symbol);
                match out.iter_mut().find(|e| e.symbol == m.symbol) {
                    Some(e) => {
                        e.mentions += 1;
                        if first_in_sentence {
                            e.sentences += 1;
                            e.score += s;
                        }
                    }
                    None => out.push(EntitySentiment {
                        symbol: m.symbol.clone(),
                        score: s,
                        sentences: 1,
                        mentions: 1,
                    }),
                }
            }
        }
        for e in &mut out {
            #[allow(clippy::cast_precision_loss, reason = "sentence counts are small")]
            {
                e.score /= e.sentences as f64;
            }
        }
        out
    }
}
