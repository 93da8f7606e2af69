//! VADER-exact: an independent implementation of the rule-based scorer of vaderSentiment 3.3.2
//! (`SentimentIntensityAnalyzer.polarity_scores`), reproducing the package's results bit for bit
//! on every key (`neg`, `neu`, `pos`, `compound`), including its Python string semantics and
//! its quirks (the first-equal-value lookup of the "but" rule, the `so`/`this` test three words
//! back, `least` as a negation, the emoji descriptions spliced into the text).
//!
//! Reference: Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based Model for
//! Sentiment Analysis of Social Media Text. ICWSM-14. The lexicons (MIT, C.J. Hutto) ship in
//! `crates/sextant-core/data/vader/` with their licence.
//!
//! The rules, in the order the package applies them to each token `w[i]` (lowercased for every
//! lookup):
//! 1. Boosters (`very`, `kinda`...) and the `kind of` bigram score 0 themselves.
//! 2. A lexicon word takes its valence; `no` before another lexicon word scores 0, and a word
//!    one or two after `no` (or three, with `or`/`nor` just before it) is multiplied by -0.74.
//! 3. An ALL-CAPS lexicon word in a text that is not all caps moves 0.733 away from zero.
//! 4. For each of the three preceding non-lexicon words: its booster value (sign following the
//!    valence; +-0.733 if it is ALL CAPS; damped by 0.95 / 0.9 two / three words back), then the
//!    negation test at that distance (`never so`/`never this` boost by 1.25, `without doubt`
//!    keeps, a negation word multiplies by -0.74), and three back the idioms (`the shit`,
//!    `kiss of death`...) and two-word boosters (`sort of`).
//! 5. `least` just before (not after `at`/`very`) multiplies by -0.74.
//! 6. `but`: earlier valences are halved, later ones multiplied by 1.5.
//! 7. Sum, `!` (up to 4, 0.292 each) and `?` (2-3: 0.18 each, more: 0.96) emphasis,
//!    `compound = x / sqrt(x^2 + 15)`, and the pos/neg/neu proportions; Python's `round` to 3
//!    (proportions) and 4 (compound) decimals.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::OnceLock;

use super::fxhash::FxMap;
use super::pystr::{
    ascii_py_split, is_py_space, push_lower, py_isupper, py_len_exceeds, py_round, py_split,
    py_strip, strip_ascii_punct,
};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec};
use crate::error::{Error, Result};

/// The VADER lexicon of vaderSentiment 3.3.2 (MIT; see `data/vader/LICENSE.txt`): the word and
/// mean-valence columns of `data/vader/vader_lexicon.txt` (the rating columns are not used by
/// the scorer and would double the WASM module), written by
/// `scripts/golden/generate_sentiment.py` and checked equal to the full file by the tests.
pub const VADER_LEXICON: &str = include_str!("../../data/vader/vader_lexicon.compact.tsv");
/// The emoji lexicon of vaderSentiment 3.3.2 (emoji -> textual description), restricted to the
/// one-code-point emojis (the package looks characters up one at a time, so longer keys never
/// match); written by `scripts/golden/generate_sentiment.py` from `emoji_utf8_lexicon.txt`.
pub const EMOJI_LEXICON: &str = include_str!("../../data/vader/emoji_utf8_lexicon.compact.tsv");

const B_INCR: f64 = 0.293;
const B_DECR: f64 = -0.293;
const C_INCR: f64 = 0.733;
const N_SCALAR: f64 = -0.74;

const NEGATE: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

const BOOST_UP: &[&str] = &[
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "considerable",
    "considerably",
    "decidedly",
    "deeply",
    "effing",
    "enormous",
    "enormously",
    "entirely",
    "especially",
    "exceptional",
    "exceptionally",
    "extreme",
    "extremely",
    "fabulously",
    "flipping",
    "flippin",
    "frackin",
    "fracking",
    "fricking",
    "frickin",
    "frigging",
    "friggin",
    "fully",
    "fuckin",
    "fucking",
    "fuggin",
    "fugging",
    "greatly",
    "hella",
    "highly",
    "hugely",
    "incredible",
    "incredibly",
    "intensely",
    "major",
    "majorly",
    "more",
    "most",
    "particularly",
    "purely",
    "quite",
    "really",
    "remarkably",
    "so",
    "substantially",
    "thoroughly",
    "total",
    "totally",
    "tremendous",
    "tremendously",
    "uber",
    "unbelievably",
    "unusually",
    "utter",
    "utterly",
    "very",
];

const BOOST_DOWN: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "just enough",
    "kind of",
    "kinda",
    "kindof",
    "kind-of",
    "less",
    "little",
    "marginal",
    "marginally",
    "occasional",
    "occasionally",
    "partly",
    "scarce",
    "scarcely",
    "slight",
    "slightly",
    "somewhat",
    "sort of",
    "sorta",
    "sortof",
    "sort-of",
];

/// Idioms whose valence replaces the word's (`SPECIAL_CASES` of the package).
const SPECIAL_CASES: &[(&[&str], f64)] = &[
    (&["the", "shit"], 3.0),
    (&["the", "bomb"], 3.0),
    (&["bad", "ass"], 1.5),
    (&["badass"], 1.5),
    (&["bus", "stop"], 0.0),
    (&["yeah", "right"], -2.0),
    (&["kiss", "of", "death"], -1.5),
    (&["to", "die", "for"], 3.0),
    (&["beating", "heart"], 3.5),
];

/// The four scores of `polarity_scores`, rounded as the package rounds them.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct PolarityScores {
    /// Proportion of negative valence, 3 decimals.
    pub neg: f64,
    /// Proportion of neutral words, 3 decimals.
    pub neu: f64,
    /// Proportion of positive valence, 3 decimals.
    pub pos: f64,
    /// Normalised sum in [-1, 1], 4 decimals.
    pub compound: f64,
}

/// Everything the scorer needs to know about one lowercase word, found with one hash lookup.
#[derive(Debug, Clone, Copy, Default)]
struct WordInfo {
    lex: Option<f64>,
    boost: Option<f64>,
    negate: bool,
    /// First word of an idiom or a multi-word booster (`the`, `kiss`, `kind`...).
    idiom: bool,
    /// Which of the words the rules test by name it is ([`W_NO`]...): one bit test per rule
    /// instead of a string comparison.
    special: u16,
}

const W_NO: u16 = 1;
const W_OR_NOR: u16 = 1 << 1;
const W_NEVER: u16 = 1 << 2;
const W_SO_THIS: u16 = 1 << 3;
const W_WITHOUT: u16 = 1 << 4;
const W_DOUBT: u16 = 1 << 5;
const W_LEAST: u16 = 1 << 6;
const W_AT_VERY: u16 = 1 << 7;
const W_BUT: u16 = 1 << 8;
const W_KIND: u16 = 1 << 9;
const W_OF: u16 = 1 << 10;
/// The words the rules test by name, with their bits.
const SPECIAL_WORDS: &[(&str, u16)] = &[
    ("no", W_NO),
    ("or", W_OR_NOR),
    ("nor", W_OR_NOR),
    ("never", W_NEVER),
    ("so", W_SO_THIS),
    ("this", W_SO_THIS),
    ("without", W_WITHOUT),
    ("doubt", W_DOUBT),
    ("least", W_LEAST),
    ("at", W_AT_VERY),
    ("very", W_AT_VERY),
    ("but", W_BUT),
    ("kind", W_KIND),
    ("of", W_OF),
];

/// A VADER scorer: a word lexicon and an emoji lexicon.
///
/// # Examples
/// ```
/// use sextant_core::sentiment::Vader;
/// let s = Vader::builtin().polarity_scores("Shares surge after a GREAT quarter!");
/// assert_eq!((s.neg, s.neu, s.pos, s.compound), (0.0, 0.353, 0.647, 0.8087));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Vader {
    lexicon: FxMap<Box<str>, f64>,
    emojis: FxMap<char, Box<str>>,
    ascii_emoji: bool,
    words: FxMap<Box<str>, WordInfo>,
    multi_boost: Vec<(Vec<&'static str>, f64)>,
}

/// Reusable buffers for scoring many texts without reallocating.
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
    lower: String,
    toks: Vec<Tok>,
    sent: Vec<f64>,
}

#[derive(Debug, Clone)]
struct Tok {
    lower: Range<usize>,
    lex: Option<f64>,
    boost: Option<f64>,
    negate: bool,
    idiom: bool,
    upper: bool,
    special: u16,
}

impl Tok {
    #[inline]
    const fn is(&self, w: u16) -> bool {
        self.special & w != 0
    }
}

/// Parses a VADER-format word lexicon (`word<TAB>mean[<TAB>...]` per line) as the package does:
/// blank lines skipped, each line stripped of surrounding whitespace, the last duplicate wins.
pub fn parse_lexicon(text: &str) -> Result<HashMap<String, f64>> {
    let mut out = HashMap::new();
    for (n, line) in text.trim_end_matches('\n').split('\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let (word, value) = parse_line(line, n)?;
        let v: f64 = value.trim_matches(is_py_space).parse().map_err(|_| Error::InvalidInput {
            input: "lexicon".into(),
            reason: format!("line {}: {value:?} is not a number", n + 1),
        })?;
        out.insert(word.to_owned(), v);
    }
    Ok(out)
}

fn parse_line(line: &str, n: usize) -> Result<(&str, &str)> {
    let mut fields = py_strip(line).split('\t');
    match (fields.next(), fields.next()) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(Error::InvalidInput {
            input: "lexicon".into(),
            reason: format!("line {} has no tab-separated second field", n + 1),
        }),
    }
}

impl Vader {
    /// The scorer with the package's own lexicons, built once per process.
    pub fn builtin() -> &'static Self {
        static V: OnceLock<Vader> = OnceLock::new();
        V.get_or_init(|| Self::from_lexicons(VADER_LEXICON, EMOJI_LEXICON).unwrap_or_default())
    }

    /// A scorer from lexicon file contents: `lexicon` in vader_lexicon.txt's format and
    /// `emoji` in emoji_utf8_lexicon.txt's (`emoji<TAB>description`; blank lines skipped).
    pub fn from_lexicons(lexicon: &str, emoji: &str) -> Result<Self> {
        let lexicon = parse_lexicon(lexicon)?
            .into_iter()
            .map(|(k, v)| (k.into_boxed_str(), v))
            .collect::<FxMap<_, _>>();
        let mut emojis = FxMap::default();
        for (n, line) in emoji.trim_end_matches('\n').split('\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let (key, desc) = parse_line(line, n)?;
            let mut cs = key.chars();
            // the package looks characters up one at a time: longer keys never match
            if let (Some(c), None) = (cs.next(), cs.next()) {
                emojis.insert(c, Box::from(desc));
            }
        }
        let ascii_emoji = emojis.keys().any(char::is_ascii);
        let mut words: FxMap<Box<str>, WordInfo> = FxMap::default();
        for (k, &v) in &lexicon {
            words.entry(k.clone()).or_default().lex = Some(v);
        }
        let mut multi_boost: Vec<(Vec<&'static str>, f64)> = Vec::new();
        for (list, b) in [(BOOST_UP, B_INCR), (BOOST_DOWN, B_DECR)] {
            for &w in list {
                if w.contains(' ') {
                    multi_boost.push((w.split(' ').collect(), b));
                } else {
                    words.entry(w.into()).or_default().boost = Some(b);
                }
            }
        }
        for &w in NEGATE {
            words.entry(w.into()).or_default().negate = true;
        }
        let firsts =
            SPECIAL_CASES.iter().map(|(k, _)| k[0]).chain(multi_boost.iter().map(|(k, _)| k[0]));
        for w in firsts {
            words.entry(w.into()).or_default().idiom = true;
        }
        for &(w, bit) in SPECIAL_WORDS {
            words.entry(w.into()).or_default().special |= bit;
        }
        Ok(Self { lexicon, emojis, ascii_emoji, words, multi_boost })
    }

    /// Valence of a word in the lexicon (lowercase key), if present.
    pub fn valence(&self, word: &str) -> Option<f64> {
        self.lexicon.get(word).copied()
    }

    /// The description an emoji character is replaced with, if it is in the emoji lexicon.
    pub fn emoji_description(&self, c: char) -> Option<&str> {
        self.emojis.get(&c).map(|d| &**d)
    }

    /// Number of lexicon entries.
    pub fn len(&self) -> usize {
        self.lexicon.len()
    }

    /// Whether the lexicon is empty.
    pub fn is_empty(&self) -> bool {
        self.lexicon.is_empty()
    }

    /// `polarity_scores(text)`.
    pub fn polarity_scores(&self, text: &str) -> PolarityScores {
        self.polarity_scores_with(text, &mut Scratch::default())
    }

    /// `polarity_scores(text)` reusing `scratch`'s buffers.
    pub fn polarity_scores_with(&self, text: &str, scratch: &mut Scratch) -> PolarityScores {
        let Scratch { text: tbuf, lower, toks, sent } = scratch;
        let text = self.replace_emojis(text, tbuf);
        lower.clear();
        toks.clear();
        sent.clear();
        let mut push = |word: &str, upper: bool| {
            let start = lower.len();
            push_lower(word, lower);
            let l = &lower[start..];
            let info = self.words.get(l).copied().unwrap_or_default();
            toks.push(Tok {
                lex: info.lex,
                boost: info.boost,
                // a byte-window test: `str::contains` sets up a substring searcher per word
                negate: info.negate || l.as_bytes().windows(3).any(|w| w == b"n't"),
                idiom: info.idiom,
                upper,
                lower: start..lower.len(),
                special: info.special,
            });
        };
        if text.is_ascii() {
            // the same steps on bytes: split on Python's ASCII whitespace, strip ASCII
            // punctuation, length in bytes (= code points), isupper on ASCII letters
            for raw in ascii_py_split(text) {
                let b = raw.as_bytes();
                let (mut a, mut e) = (0, b.len());
                while a < e && b[a].is_ascii_punctuation() {
                    a += 1;
                }
                while e > a && b[e - 1].is_ascii_punctuation() {
                    e -= 1;
                }
                let word = if e - a > 2 { &raw[a..e] } else { raw };
                let wb = word.as_bytes();
                let upper =
                    !wb.iter().any(u8::is_ascii_lowercase) && wb.iter().any(u8::is_ascii_uppercase);
                push(word, upper);
            }
        } else {
            for raw in py_split(text) {
                let stripped = strip_ascii_punct(raw);
                let word = if py_len_exceeds(stripped, 2) { stripped } else { raw };
                push(word, py_isupper(word));
            }
        }
        let ctx = Ctx { toks, lower, cap_diff: cap_differential(toks) };
        for i in 0..toks.len() {
            let t = &toks[i];
            if t.boost.is_some() || (i + 1 < toks.len() && t.is(W_KIND) && toks[i + 1].is(W_OF)) {
                sent.push(0.0);
                continue;
            }
            sent.push(self.valence_at(&ctx, i));
        }
        if let Some(bi) = toks.iter().position(|t| t.is(W_BUT)) {
            but_check(sent, bi);
        }
        score(sent, text)
    }

    /// The emoji pass: each emoji character becomes its description, with a space before it
    /// unless the previous character was a space; then `strip()`.
    fn replace_emojis<'t>(&self, text: &'t str, buf: &'t mut String) -> &'t str {
        let has = if text.is_ascii() && !self.ascii_emoji {
            false
        } else {
            text.chars()
                .any(|c| (!c.is_ascii() || self.ascii_emoji) && self.emojis.contains_key(&c))
        };
        if !has {
            return py_strip(text);
        }
        buf.clear();
        let mut prev_space = true;
        for c in text.chars() {
            let emoji = if c.is_ascii() && !self.ascii_emoji { None } else { self.emojis.get(&c) };
            if let Some(d) = emoji {
                if !prev_space {
                    buf.push(' ');
                }
                buf.push_str(d);
                prev_space = false;
            } else {
                buf.push(c);
                prev_space = c == ' ';
            }
        }
        py_strip(buf)
    }

    fn valence_at(&self, c: &Ctx<'_>, i: usize) -> f64 {
        let t = &c.toks[i];
        let Some(lex) = t.lex else { return 0.0 };
        let n = c.toks.len();
        let mut v = lex;
        let tk = c.toks;
        if t.is(W_NO) && i != n - 1 && tk[i + 1].lex.is_some() {
            v = 0.0;
        }
        if (i > 0 && tk[i - 1].is(W_NO))
            || (i > 1 && tk[i - 2].is(W_NO))
            || (i > 2 && tk[i - 3].is(W_NO) && tk[i - 1].is(W_OR_NOR))
        {
            v = lex * N_SCALAR;
        }
        if t.upper && c.cap_diff {
            if v > 0.0 {
                v += C_INCR;
            } else {
                v -= C_INCR;
            }
        }
        for start_i in 0..3 {
            if i > start_i && c.toks[i - (start_i + 1)].lex.is_none() {
                let mut s = scalar_inc_dec(&c.toks[i - (start_i + 1)], v, c.cap_diff);
                if start_i == 1 && s != 0.0 {
                    s *= 0.95;
                }
                if start_i == 2 && s != 0.0 {
                    s *= 0.9;
                }
                v += s;
                v = negation_check(c, v, start_i, i);
                if start_i == 2 {
                    v = self.special_idioms(c, v, i);
                }
            }
        }
        least_check(c, v, i)
    }

    fn special_idioms(&self, c: &Ctx<'_>, mut v: f64, i: usize) -> f64 {
        // every idiom and multi-word booster starts with a flagged word: most words skip this
        let end = (i + 1).min(c.toks.len() - 1);
        if !c.toks[i - 3..=end].iter().any(|t| t.idiom) {
            return v;
        }
        let seq_is = |idx: &[usize], key: &[&str]| {
            idx.len() == key.len() && idx.iter().zip(key).all(|(&j, k)| c.l(j) == *k)
        };
        let special =
            |idx: &[usize]| SPECIAL_CASES.iter().find(|(k, _)| seq_is(idx, k)).map(|&(_, val)| val);
        let before: [&[usize]; 5] = [
            &[i - 1, i],
            &[i - 2, i - 1, i],
            &[i - 2, i - 1],
            &[i - 3, i - 2, i - 1],
            &[i - 3, i - 2],
        ];
        if let Some(val) = before.iter().find_map(|idx| special(idx)) {
            v = val;
        }
        let n = c.toks.len();
        if n - 1 > i {
            if let Some(val) = special(&[i, i + 1]) {
                v = val;
            }
        }
        if n - 1 > i + 1 {
            if let Some(val) = special(&[i, i + 1, i + 2]) {
                v = val;
            }
        }
        let grams: [&[usize]; 3] = [&[i - 3, i - 2, i - 1], &[i - 3, i - 2], &[i - 2, i - 1]];
        for idx in grams {
            if let Some(&(_, b)) = self.multi_boost.iter().find(|(k, _)| seq_is(idx, k)) {
                v += b;
            }
        }
        v
    }
}

struct Ctx<'a> {
    toks: &'a [Tok],
    lower: &'a str,
    cap_diff: bool,
}

impl Ctx<'_> {
    #[inline]
    fn l(&self, i: usize) -> &str {
        &self.lower[self.toks[i].lower.clone()]
    }
}

/// True when some, but not all, words are ALL CAPS.
fn cap_differential(toks: &[Tok]) -> bool {
    let caps = toks.iter().filter(|t| t.upper).count();
    let diff = toks.len() - caps;
    0 < diff && diff < toks.len()
}

fn scalar_inc_dec(w: &Tok, valence: f64, cap_diff: bool) -> f64 {
    let Some(mut s) = w.boost else { return 0.0 };
    if valence < 0.0 {
        s = -s;
    }
    if w.upper && cap_diff {
        if valence > 0.0 {
            s += C_INCR;
        } else {
            s -= C_INCR;
        }
    }
    s
}

fn negation_check(c: &Ctx<'_>, mut v: f64, start_i: usize, i: usize) -> f64 {
    let t = c.toks;
    match start_i {
        0 => {
            if t[i - 1].negate {
                v *= N_SCALAR;
            }
        }
        1 => {
            if t[i - 2].is(W_NEVER) && t[i - 1].is(W_SO_THIS) {
                v *= 1.25;
            } else if t[i - 2].is(W_WITHOUT) && t[i - 1].is(W_DOUBT) {
            } else if t[i - 2].negate {
                v *= N_SCALAR;
            }
        }
        _ => {
            // the package tests `so`/`this` one word back here too, not only after `never`
            if (t[i - 3].is(W_NEVER) && t[i - 2].is(W_SO_THIS)) || t[i - 1].is(W_SO_THIS) {
                v *= 1.25;
            } else if t[i - 3].is(W_WITHOUT) && (t[i - 2].is(W_DOUBT) || t[i - 1].is(W_DOUBT)) {
            } else if t[i - 3].negate {
                v *= N_SCALAR;
            }
        }
    }
    v
}

fn least_check(c: &Ctx<'_>, mut v: f64, i: usize) -> f64 {
    let least_before = |i: usize| c.toks[i - 1].lex.is_none() && c.toks[i - 1].is(W_LEAST);
    if i > 1 && least_before(i) {
        if !c.toks[i - 2].is(W_AT_VERY) {
            v *= N_SCALAR;
        }
    } else if i > 0 && least_before(i) {
        v *= N_SCALAR;
    }
    v
}

/// The "but" rule as the package runs it: for each position k in order, the value now at k is
/// looked up by equality, and the FIRST position holding an equal value (not necessarily k) is
/// scaled: by 0.5 before the first "but", by 1.5 after it.
fn but_check(sent: &mut [f64], bi: usize) {
    if sent.len() <= 64 {
        but_check_linear(sent, bi);
    } else {
        but_check_indexed(sent, bi);
    }
}

fn but_scale(j: usize, bi: usize, v: f64) -> Option<f64> {
    if j < bi {
        Some(v * 0.5)
    } else if j > bi {
        Some(v * 1.5)
    } else {
        None
    }
}

/// The rule by a linear search per position (short texts).
fn but_check_linear(sent: &mut [f64], bi: usize) {
    let scale = |j: usize, v: f64| but_scale(j, bi, v);
    {
        for k in 0..sent.len() {
            let v = sent[k];
            let j = sent[..=k].iter().position(|&x| x == v).unwrap_or(k);
            if let Some(nv) = scale(j, v) {
                sent[j] = nv;
            }
        }
    }
}

/// The same rule in O(n log n): positions grouped by value (+0 and -0 compare equal).
fn but_check_indexed(sent: &mut [f64], bi: usize) {
    let scale = |j: usize, v: f64| but_scale(j, bi, v);
    let key = |v: f64| if v == 0.0 { 0u64 } else { v.to_bits() };
    let mut at: HashMap<u64, BTreeSet<usize>> = HashMap::new();
    for (j, &v) in sent.iter().enumerate() {
        at.entry(key(v)).or_default().insert(j);
    }
    for k in 0..sent.len() {
        let v = sent[k];
        let j = at.get(&key(v)).and_then(|s| s.first().copied()).unwrap_or(k);
        if let Some(nv) = scale(j, v) {
            if let Some(s) = at.get_mut(&key(v)) {
                s.remove(&j);
            }
            at.entry(key(nv)).or_default().insert(j);
            sent[j] = nv;
        }
    }
}

fn score(sent: &[f64], text: &str) -> PolarityScores {
    if sent.is_empty() {
        return PolarityScores::default();
    }
    // Python 3.11's sum(): plain left-to-right addition from 0
    let mut sum_s = sent.iter().fold(0.0, |a, &x| a + x);
    let (ep, qm) = text.bytes().fold((0usize, 0usize), |(e, q), b| {
        (e + usize::from(b == b'!'), q + usize::from(b == b'?'))
    });
    #[allow(clippy::cast_precision_loss, reason = "counts are at most 4 here")]
    let ep_amp = ep.min(4) as f64 * 0.292;
    #[allow(clippy::cast_precision_loss, reason = "counts are at most 3 here")]
    let qm_amp = if qm > 1 {
        if qm <= 3 {
            qm as f64 * 0.18
        } else {
            0.96
        }
    } else {
        0.0
    };
    let punct = ep_amp + qm_amp;
    if sum_s > 0.0 {
        sum_s += punct;
    } else if sum_s < 0.0 {
        sum_s -= punct;
    }
    let compound = (sum_s / (sum_s * sum_s + 15.0).sqrt()).clamp(-1.0, 1.0);
    let (mut pos_sum, mut neg_sum, mut neu) = (0.0f64, 0.0f64, 0usize);
    for &s in sent {
        if s > 0.0 {
            pos_sum += s + 1.0;
        }
        if s < 0.0 {
            neg_sum += s - 1.0;
        }
        if s == 0.0 {
            neu += 1;
        }
    }
    if pos_sum > neg_sum.abs() {
        pos_sum += punct;
    } else if pos_sum < neg_sum.abs() {
        neg_sum -= punct;
    }
    #[allow(clippy::cast_precision_loss, reason = "word counts are far below 2^53")]
    let neu = neu as f64;
    let total = pos_sum + neg_sum.abs() + neu;
    PolarityScores {
        neg: py_round((neg_sum / total).abs(), 3),
        neu: py_round((neu / total).abs(), 3),
        pos: py_round((pos_sum / total).abs(), 3),
        compound: py_round(compound, 4),
    }
}

/// Declaration of `vader`.
pub static VADER: FunctionDecl = FunctionDecl {
    name: "vader",
    module: Module::Sentiment,
    group: "Scoring",
    summary: "VADER-exact polarity scores of one text",
    doc: "vader(text) -> {neg, neu, pos, compound}, identical to vaderSentiment 3.3.2's SentimentIntensityAnalyzer().polarity_scores(text) on every key (its lexicons, rules, Python string semantics and rounding). Reference: vaderSentiment 3.3.2 (Hutto & Gilbert, ICWSM-14).",
    inputs: &[InputSpec::text("text", "the text")],
    params: &[],
    outputs: &[OutputSpec::record("scores", &["neg", "neu", "pos", "compound"], &[])],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let s = Vader::builtin().polarity_scores(i.text(0));
        if let [a, b, c, d] = o.f64(0) {
            (*a, *b, *c, *d) = (s.neg, s.neu, s.pos, s.compound);
        }
        Ok(())
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> (f64, f64, f64, f64) {
        let p = Vader::builtin().polarity_scores(text);
        (p.neg, p.neu, p.pos, p.compound)
    }

    #[test]
    fn package_demo_sentences() {
        // values printed by vaderSentiment 3.3.2 (its own __main__ examples)
        assert_eq!(s("VADER is smart, handsome, and funny."), (0.0, 0.254, 0.746, 0.8316));
        assert_eq!(s("VADER is VERY SMART, handsome, and FUNNY!!!"), (0.0, 0.233, 0.767, 0.9342));
        assert_eq!(s("Not bad at all"), (0.0, 0.513, 0.487, 0.431));
        assert_eq!(s(""), (0.0, 0.0, 0.0, 0.0));
    }

    #[test]
    fn but_rule_paths_agree() {
        let vals = [0.0, -0.0, 1.9, -2.5, 0.95, 2.85, 1.425, -1.25, 3.8];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for n in 1..300 {
            let mut a: Vec<f64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    vals[(x % vals.len() as u64) as usize]
                })
                .collect();
            let mut b = a.clone();
            let bi = (x as usize) % n;
            but_check_linear(&mut a, bi);
            but_check_indexed(&mut b, bi);
            assert_eq!(a, b, "n = {n}");
        }
    }

    #[test]
    fn lexicons_parse() {
        let v = Vader::builtin();
        assert_eq!(v.len(), 7506);
        assert_eq!(v.valence("good"), Some(1.9));
        assert!(Vader::from_lexicons("good", "").is_err());
        assert!(Vader::from_lexicons("good\tx", "").is_err());
    }
}
