//! A finance-tuned rule scorer: a lexicon written for Sextant (`data/finance/finance_lexicon.tsv`)
//! of multi-word phrases (earnings beat/miss, guidance raised/cut, upgrade/downgrade, layoffs,
//! bankruptcy, lawsuit, recall, record revenue, dividend cut/hike, default, probe...), direction
//! words bound to what moves ("costs fell" is good news, "revenue fell" bad, "guidance cut"
//! worse), negation, contrast (`but`, `despite`) and in-line markers. Returns a score in
//! [-1, 1]: `s / sqrt(s^2 + 4)` of the summed item values.
//!
//! Labelling rules of the dev set it was developed on: `docs/sentiment-labelling.md`.

use std::sync::OnceLock;

use super::fxhash::FxMap;
use crate::error::{Error, Result};

/// The finance lexicon shipped with Sextant.
pub const FINANCE_LEXICON: &str = include_str!("../../data/finance/finance_lexicon.tsv");

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Event,
    Dir,
    Inv,
    Norm,
    Guid,
    Flip,
    PostFlip,
    Unflip,
    Neutral,
    But,
    Despite,
    From,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: Kind,
    weight: f64,
}

/// One matched lexicon item and its contribution (see [`FinanceScorer::explain`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The matched phrase.
    pub phrase: String,
    /// Its contribution to the sum.
    pub value: f64,
}

/// The finance scorer: a phrase lexicon and the binding rules.
#[derive(Debug, Clone, Default)]
pub struct FinanceScorer {
    // first token -> phrases starting with it (longest first)
    phrases: FxMap<String, Vec<(Vec<String>, Entry)>>,
}

const BOUNDARY_WORDS: &[&str] =
    &["as", "after", "amid", "while", "and", "but", "despite", "although", "though", "with"];

#[derive(Debug)]
struct Tok {
    text: String,
    boundary: bool,
}

fn tokenize(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    let flush = |cur: &mut String, out: &mut Vec<Tok>| {
        if !cur.is_empty() {
            let mut w = std::mem::take(cur);
            while w.ends_with(['.', '\'', '-']) {
                w.pop();
            }
            if let Some(s) = w.strip_suffix("'s") {
                w = s.to_owned();
            }
            if !w.is_empty() {
                let boundary = BOUNDARY_WORDS.contains(&w.as_str());
                out.push(Tok { text: w, boundary });
            }
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        let c = if c == '\u{2019}' { '\'' } else { c };
        let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric()
            || matches!(c, '\'' | '-' | '%' | '$' | '&' | '+')
            || (c == '.' && next_digit && !cur.is_empty())
            || (c == ',' && next_digit && cur.chars().last().is_some_and(|d| d.is_ascii_digit()))
        {
            cur.extend(c.to_lowercase());
        } else {
            flush(&mut cur, &mut out);
            if matches!(c, ',' | ';' | ':' | '.' | '!' | '?' | '(' | ')' | '"') {
                out.push(Tok { text: c.to_string(), boundary: true });
            }
        }
    }
    flush(&mut cur, &mut out);
    out
}

#[derive(Debug, Clone)]
struct Matched {
    pos: usize,
    len: usize,
    phrase: String,
    entry: Entry,
    clause: usize,
}

impl FinanceScorer {
    /// The scorer with Sextant's finance lexicon, built once per process.
    pub fn builtin() -> &'static Self {
        static S: OnceLock<FinanceScorer> = OnceLock::new();
        S.get_or_init(|| Self::from_lexicon(FINANCE_LEXICON).unwrap_or_default())
    }

    /// A scorer from lexicon text (`phrase<TAB>kind<TAB>weight` lines, `#` comments).
    pub fn from_lexicon(text: &str) -> Result<Self> {
        let mut phrases: FxMap<String, Vec<(Vec<String>, Entry)>> = FxMap::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason: &str| Error::InvalidInput {
                input: "lexicon".into(),
                reason: format!("line {}: {reason}", n + 1),
            };
            let mut f = line.split('\t');
            let (Some(phrase), Some(kind), Some(w)) = (f.next(), f.next(), f.next()) else {
                return Err(bad("expected phrase<TAB>kind<TAB>weight"));
            };
            let kind = match kind {
                "event" => Kind::Event,
                "dir" => Kind::Dir,
                "inv" => Kind::Inv,
                "norm" => Kind::Norm,
                "guid" => Kind::Guid,
                "flip" => Kind::Flip,
                "postflip" => Kind::PostFlip,
                "unflip" => Kind::Unflip,
                "neutral" => Kind::Neutral,
                "but" => Kind::But,
                "despite" => Kind::Despite,
                "from" => Kind::From,
                _ => return Err(bad("unknown kind")),
            };
            let weight: f64 = w.trim().parse().map_err(|_| bad("weight is not a number"))?;
            let toks: Vec<String> = tokenize(phrase).into_iter().map(|t| t.text).collect();
            let Some(first) = toks.first().cloned() else { return Err(bad("empty phrase")) };
            let list = phrases.entry(first).or_default();
            list.retain(|(p, _)| *p != toks);
            list.push((toks, Entry { kind, weight }));
            list.sort_by_key(|b| std::cmp::Reverse(b.0.len()));
        }
        Ok(Self { phrases })
    }

    fn matches(&self, toks: &[Tok]) -> Vec<Matched> {
        let mut out = Vec::new();
        let mut clause = 0;
        let mut i = 0;
        while i < toks.len() {
            if toks[i].boundary {
                clause += 1;
            }
            let found = self.phrases.get(&toks[i].text).and_then(|cands| {
                cands.iter().find(|(p, _)| {
                    p.len() <= toks.len() - i && p.iter().zip(&toks[i..]).all(|(a, b)| *a == b.text)
                })
            });
            if let Some((p, e)) = found {
                out.push(Matched { pos: i, len: p.len(), phrase: p.join(" "), entry: *e, clause });
                if toks[i].boundary && p.len() == 1 {
                    // a boundary word that is also an item (`but`, `despite`) starts the clause
                }
                i += p.len();
            } else {
                i += 1;
            }
        }
        out
    }

    /// Every matched item and its contribution, in text order.
    pub fn explain(&self, text: &str) -> Vec<Item> {
        let toks = tokenize(text);
        let m = self.matches(&toks);
        let n = m.len();
        let mut value = vec![0.0f64; n];
        let mut polar = vec![false; n]; // carries a value that flips can act on
        let mut bound = vec![false; n]; // a target bound by a direction word
        let neutral = m.iter().any(|x| x.entry.kind == Kind::Neutral);
        // direction words: bind the strongest target near them in the same clause
        for (k, x) in m.iter().enumerate() {
            match x.entry.kind {
                Kind::Event => {
                    value[k] = x.entry.weight;
                    polar[k] = true;
                }
                Kind::Dir => {
                    let near = |j: usize| {
                        let y = &m[j];
                        y.clause == x.clause
                            && matches!(y.entry.kind, Kind::Inv | Kind::Norm | Kind::Guid)
                            && (y.pos + 5 >= x.pos && y.pos < x.pos
                                || y.pos > x.pos && y.pos <= x.pos + x.len + 3)
                    };
                    let mut best: Option<(usize, f64)> = None;
                    for j in (0..n).filter(|&j| near(j)) {
                        let y = &m[j];
                        let mult = match y.entry.kind {
                            Kind::Inv => 1.0,
                            _ => y.entry.weight.max(0.0),
                        };
                        let dist = y.pos.abs_diff(x.pos);
                        let better = match best {
                            None => true,
                            Some((b, bm)) => {
                                mult > bm || (mult == bm && dist < m[b].pos.abs_diff(x.pos))
                            }
                        };
                        if better {
                            best = Some((j, mult));
                        }
                    }
                    let v = match best {
                        Some((j, mult)) => {
                            bound[j] = true;
                            let sign = if m[j].entry.kind == Kind::Inv { -1.0 } else { 1.0 };
                            x.entry.weight * mult * sign
                        }
                        None => x.entry.weight,
                    };
                    value[k] = if neutral && v.abs() <= 1.5 { 0.0 } else { v };
                    polar[k] = true;
                }
                _ => {}
            }
        }
        // unbound inverted targets keep their own value ("posts a loss")
        for k in 0..n {
            if m[k].entry.kind == Kind::Inv && !bound[k] && m[k].entry.weight != 0.0 {
                value[k] = m[k].entry.weight;
                polar[k] = true;
            }
        }
        // `from` skips the event right after it ("to buy from hold")
        for k in 0..n {
            if m[k].entry.kind == Kind::From {
                if let Some(j) = (k + 1..n).find(|&j| polar[j]) {
                    if m[j].entry.kind == Kind::Event && m[j].pos <= m[k].pos + 2 {
                        value[j] = 0.0;
                    }
                }
            }
        }
        // negation and its relatives
        for k in 0..n {
            let x = &m[k];
            match x.entry.kind {
                Kind::Flip => {
                    value[k] = x.entry.weight;
                    if let Some(j) = (k + 1..n).find(|&j| {
                        polar[j] && m[j].clause == x.clause && m[j].pos <= x.pos + x.len + 3
                    }) {
                        value[j] = -value[j];
                    }
                }
                Kind::PostFlip => {
                    // the item just before in the clause ("strike ends"), else just after
                    // ("ends its partnership")
                    let before = (0..k)
                        .rev()
                        .find(|&j| polar[j] && m[j].clause == x.clause && m[j].pos + 3 >= x.pos);
                    let after = || {
                        (k + 1..n).find(|&j| {
                            polar[j] && m[j].clause == x.clause && m[j].pos <= x.pos + x.len + 3
                        })
                    };
                    if let Some(j) = before.or_else(after) {
                        value[j] = -value[j];
                    }
                }
                Kind::Unflip => {
                    let cand = (0..n)
                        .filter(|&j| polar[j] && value[j] < 0.0 && m[j].pos.abs_diff(x.pos) <= 4)
                        .min_by_key(|&j| m[j].pos.abs_diff(x.pos));
                    if let Some(j) = cand {
                        value[j] = -value[j];
                    }
                }
                _ => {}
            }
        }
        // contrast: `but` (first one) and concessive `despite` clauses
        if let Some(b) = m.iter().position(|x| x.entry.kind == Kind::But) {
            for (k, v) in value.iter_mut().enumerate() {
                *v *= if k < b { 0.5 } else { 1.5 };
            }
        }
        for k in 0..n {
            if m[k].entry.kind == Kind::Despite {
                let end = toks
                    .iter()
                    .enumerate()
                    .skip(m[k].pos + 1)
                    .find(|(_, t)| t.boundary && t.text.len() == 1)
                    .map_or(toks.len(), |(i, _)| i);
                for j in k + 1..n {
                    if m[j].pos < end {
                        value[j] *= 0.5;
                    }
                }
            }
        }
        m.iter().zip(value).map(|(x, v)| Item { phrase: x.phrase.clone(), value: v }).collect()
    }

    /// Score in [-1, 1].
    pub fn score(&self, text: &str) -> f64 {
        let s: f64 = self.explain(text).iter().map(|i| i.value).sum();
        if s == 0.0 {
            0.0
        } else {
            (s / (s * s + 4.0).sqrt()).clamp(-1.0, 1.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> f64 {
        FinanceScorer::builtin().score(t)
    }

    #[test]
    fn rules() {
        // expectations outweigh the direction of the figure
        assert!(s("Acme Corp profit fell 3% but beat analysts' estimates") > 0.05);
        assert!(s("Revenue rose 2%, short of forecasts") < -0.05);
        // guidance outweighs the quarter
        assert!(s("Northwind Traders beats on revenue but cuts annual guidance") < -0.05);
        assert!(s("Globex misses on revenue but raises annual guidance") > 0.05);
        // direction bound to what moves: costs and losses falling is good news
        assert!(s("Operating costs declined 9%") > 0.05);
        assert!(s("Net loss narrowed to $5 million from $31 million") > 0.05);
        assert!(s("Unemployment rose to 4.4% from 3.9%") < -0.05);
        // events, negation, dismissal, in-line markers
        assert!(s("Massive Dynamic files for Chapter 11 bankruptcy protection") < -0.5);
        assert!(s("Pied Piper no longer expects a loss this year") > 0.05);
        assert!(s("Court dismisses patent lawsuit against Veridian Dynamics") > 0.05);
        assert!(s("Hooli's revenue rose 4%, in line with estimates").abs() < 0.05);
        assert!(s("Acme Corp will hold its annual meeting on May 15").abs() < 0.05);
        assert!(s("Analysts upgrade Umbrella Pharma to overweight from neutral") > 0.05);
        assert!(s("Zorg Industries downgraded to sell from buy") < -0.05);
    }

    #[test]
    fn odd_input_and_bad_lexicons() {
        for t in ["", "   ", "😀😀", "\u{0}\u{1c}", "but but but", "not not not", "$ % , ."] {
            assert!((-1.0..=1.0).contains(&s(t)));
        }
        assert!(s(&"beats estimates ".repeat(20_000)) > 0.99);
        assert!(FinanceScorer::from_lexicon("beat\tevent").is_err());
        assert!(FinanceScorer::from_lexicon("beat\tnope\t1").is_err());
        assert!(FinanceScorer::from_lexicon("beat\tevent\tx").is_err());
        let custom = FinanceScorer::from_lexicon("moon\tevent\t2\n").unwrap();
        assert!(custom.score("to the moon") > 0.5);
    }
}
