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
use std::sync::OnceLock;

use super::fxhash::FxMap;
use super::pystr::{
    is_py_space, push_lower, py_isupper, py_len_exceeds, py_round, py_split, py_strip,
    strip_ascii_punct,
};
use super::wordtab::{ascii_lower_case_flags, load, Packed, WordTable};
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

/// Everything the scorer needs to know about one lowercase word, found with one look-up: its
/// valence (meaningful when [`F_LEX`] is set) and its flags.
#[derive(Debug, Clone, Copy, Default)]
struct WordInfo {
    lex: f64,
    flags: u32,
}

/// In the lexicon.
const F_LEX: u32 = 1 << 16;
/// A booster: `B_INCR`, or `B_DECR` with [`F_DOWN`].
const F_BOOST: u32 = 1 << 17;
/// A dampening booster.
const F_DOWN: u32 = 1 << 21;
/// A negation word (or, on a token, a word containing `n't`).
const F_NEGATE: u32 = 1 << 18;
/// First word of an idiom or a multi-word booster (`the`, `kiss`, `kind`...).
const F_IDIOM: u32 = 1 << 19;
/// On a token: ALL CAPS (`str.isupper()`).
const F_UPPER: u32 = 1 << 20;

// The words the rules test by name (the low 16 bits of the flags): one bit test per rule
// instead of a string comparison.
const W_NO: u32 = 1;
const W_OR_NOR: u32 = 1 << 1;
const W_NEVER: u32 = 1 << 2;
const W_SO_THIS: u32 = 1 << 3;
const W_WITHOUT: u32 = 1 << 4;
const W_DOUBT: u32 = 1 << 5;
const W_LEAST: u32 = 1 << 6;
const W_AT_VERY: u32 = 1 << 7;
const W_BUT: u32 = 1 << 8;
const W_KIND: u32 = 1 << 9;
const W_OF: u32 = 1 << 10;
/// The words the rules test by name, with their bits.
const SPECIAL_WORDS: &[(&str, u32)] = &[
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
    /// One bit per block of 256 code points holding an emoji key: the emoji pass hashes only
    /// the characters of those blocks.
    emoji_blocks: Box<[u64]>,
    /// Every word the rules know, to its id and what the rules need to know about it.
    table: WordTable<WordInfo>,
    /// `SPECIAL_CASES` and the multi-word boosters as word ids, in the package's order.
    idioms: Vec<(Vec<u32>, f64)>,
    multi_boost: Vec<(Vec<u32>, f64)>,
}

/// Reusable buffers for scoring many texts without reallocating.
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
    lower: String,
    toks: Vec<Tok>,
    sent: Vec<f64>,
}

/// One token: its word's valence (meaningful under [`F_LEX`]), flags and word id (`u32::MAX` when the rules do not know the word).
#[derive(Debug, Clone, Copy)]
struct Tok {
    lex: f64,
    flags: u32,
    id: u32,
}

impl Tok {
    #[inline]
    const fn is(&self, w: u32) -> bool {
        self.flags & w != 0
    }

    #[inline]
    const fn lex(&self) -> Option<f64> {
        if self.is(F_LEX) {
            Some(self.lex)
        } else {
            None
        }
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
        let mut emoji_blocks = vec![0u64; EMOJI_BLOCK_WORDS].into_boxed_slice();
        for &c in emojis.keys() {
            let b = c as usize >> 8;
            if let Some(w) = emoji_blocks.get_mut(b >> 6) {
                *w |= 1 << (b & 63);
            }
        }
        let mut words: FxMap<Box<str>, WordInfo> = FxMap::default();
        for (k, &v) in &lexicon {
            let e = words.entry(k.clone()).or_default();
            e.lex = v;
            e.flags |= F_LEX;
        }
        let mut multi_boost: Vec<(Vec<&'static str>, f64)> = Vec::new();
        for (list, b) in [(BOOST_UP, B_INCR), (BOOST_DOWN, B_DECR)] {
            for &w in list {
                if w.contains(' ') {
                    multi_boost.push((w.split(' ').collect(), b));
                } else {
                    let e = words.entry(w.into()).or_default();
                    // the last list wins, as the package's dict does
                    e.flags = (e.flags & !F_DOWN) | F_BOOST | if b < 0.0 { F_DOWN } else { 0 };
                }
            }
        }
        for &w in NEGATE {
            words.entry(w.into()).or_default().flags |= F_NEGATE;
        }
        let firsts =
            SPECIAL_CASES.iter().map(|(k, _)| k[0]).chain(multi_boost.iter().map(|(k, _)| k[0]));
        for w in firsts {
            words.entry(w.into()).or_default().flags |= F_IDIOM;
        }
        for &(w, bit) in SPECIAL_WORDS {
            words.entry(w.into()).or_default().flags |= bit;
        }
        // every word of an idiom gets an id, so idioms compare ids instead of strings
        let idiom_words = SPECIAL_CASES.iter().flat_map(|(k, _)| k.iter().copied());
        for w in idiom_words.chain(multi_boost.iter().flat_map(|(k, _)| k.iter().copied())) {
            words.entry(w.into()).or_default();
        }
        let table = WordTable::new(&words.into_iter().collect::<Vec<_>>());
        let ids = |k: &[&str]| k.iter().map(|w| table.get(w)).collect::<Vec<u32>>();
        let idioms = SPECIAL_CASES.iter().map(|&(k, v)| (ids(k), v)).collect();
        let multi_boost = multi_boost.iter().map(|(k, v)| (ids(k), *v)).collect();
        Ok(Self { lexicon, emojis, ascii_emoji, emoji_blocks, table, idioms, multi_boost })
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

    /// The token of the word with id `id`.
    #[inline]
    fn tok(&self, id: u32, upper: bool, nt: bool) -> Tok {
        let info = self.table.value(id);
        let mut flags = info.flags;
        if upper {
            flags |= F_UPPER;
        }
        if nt {
            flags |= F_NEGATE;
        }
        Tok { lex: info.lex, flags, id }
    }

    /// The token of the ASCII word `bytes[at..at + len]` (at most 16 bytes): lowercased, its
    /// case flags taken and looked up in its packed form, with no copy.
    #[inline]
    fn packed_tok(&self, bytes: &[u8], at: usize, len: usize) -> Tok {
        let (w, up, lo) = ascii_lower_case_flags(load(bytes, at, len));
        self.tok(self.table.get_packed(w, len), up && !lo, has_nt(w))
    }

    /// The token of any other word: lowercased into `lower` and looked up by string.
    fn lowered_tok(&self, word: &str, upper: bool, lower: &mut String) -> Tok {
        lower.clear();
        push_lower(word, lower);
        // a byte-window test: `str::contains` sets up a substring searcher per word
        let nt = lower.as_bytes().windows(3).any(|w| w == b"n't");
        self.tok(self.table.get(lower), upper, nt)
    }

    /// `polarity_scores(text)` reusing `scratch`'s buffers.
    pub fn polarity_scores_with(&self, text: &str, scratch: &mut Scratch) -> PolarityScores {
        let Scratch { text: tbuf, lower, toks, sent } = scratch;
        let text = self.replace_emojis(text, tbuf);
        toks.clear();
        sent.clear();
        if text.is_ascii() {
            self.ascii_tokens(text, lower, toks);
        } else {
            let tb = text.as_bytes();
            for raw in py_split(text) {
                let stripped = strip_ascii_punct(raw);
                let word = if py_len_exceeds(stripped, 2) { stripped } else { raw };
                let tok = if word.len() <= 16 && word.is_ascii() {
                    // most words of a text with emoji or odd whitespace are ASCII
                    let at = (word.as_ptr() as usize).wrapping_sub(tb.as_ptr() as usize);
                    self.packed_tok(tb, at, word.len())
                } else {
                    self.lowered_tok(word, py_isupper(word), lower)
                };
                toks.push(tok);
            }
        }
        let ctx = Ctx { toks, cap_diff: cap_differential(toks) };
        for i in 0..toks.len() {
            let t = &toks[i];
            if t.is(F_BOOST) || (i + 1 < toks.len() && t.is(W_KIND) && toks[i + 1].is(W_OF)) {
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

    /// The tokens of an ASCII text, by bytes: split on Python's ASCII whitespace, strip ASCII
    /// punctuation, length in bytes (= code points), `isupper` and `lower` on ASCII letters.
    /// Words of at most 16 bytes are lowercased and looked up in their packed form.
    fn ascii_tokens(&self, text: &str, lower: &mut String, toks: &mut Vec<Tok>) {
        let b = text.as_bytes();
        let n = b.len();
        let mut i = 0;
        loop {
            while i < n && class(b[i]) & C_SPACE != 0 {
                i += 1;
            }
            if i == n {
                break;
            }
            let start = i;
            while i < n && class(b[i]) & C_SPACE == 0 {
                i += 1;
            }
            let (mut a, mut e) = (start, i);
            while a < e && class(b[a]) & C_PUNCT != 0 {
                a += 1;
            }
            while e > a && class(b[e - 1]) & C_PUNCT != 0 {
                e -= 1;
            }
            if e - a <= 2 {
                (a, e) = (start, i);
            }
            let len = e - a;
            let tok = if len <= 16 {
                self.packed_tok(b, a, len)
            } else {
                let word = text.get(a..e).unwrap_or_default();
                let wb = word.as_bytes();
                let upper =
                    !wb.iter().any(u8::is_ascii_lowercase) && wb.iter().any(u8::is_ascii_uppercase);
                self.lowered_tok(word, upper, lower)
            };
            toks.push(tok);
        }
    }

    #[inline]
    fn maybe_emoji(&self, c: char) -> bool {
        if c.is_ascii() {
            return self.ascii_emoji;
        }
        let b = c as usize >> 8;
        self.emoji_blocks.get(b >> 6).is_some_and(|w| w >> (b & 63) & 1 == 1)
    }

    /// The emoji pass: each emoji character becomes its description, with a space before it
    /// unless the previous character was a space; then `strip()`. Text between emojis is
    /// copied by slices.
    fn replace_emojis<'t>(&self, text: &'t str, buf: &'t mut String) -> &'t str {
        if text.is_ascii() && !self.ascii_emoji {
            return py_strip(text);
        }
        let emoji = |c: char| if self.maybe_emoji(c) { self.emojis.get(&c) } else { None };
        let Some(first) = text.char_indices().find(|&(_, c)| emoji(c).is_some()).map(|(i, _)| i)
        else {
            return py_strip(text);
        };
        buf.clear();
        // `run` starts the text not copied yet; a character before an emoji ends a run
        let (mut prev_space, mut run) = (true, 0);
        for (i, c) in text.char_indices().skip_while(|&(i, _)| i < first) {
            let Some(d) = emoji(c) else { continue };
            if run < i {
                buf.push_str(text.get(run..i).unwrap_or_default());
                prev_space = text.as_bytes().get(i - 1) == Some(&b' ');
            }
            if !prev_space {
                buf.push(' ');
            }
            buf.push_str(d);
            prev_space = false;
            run = i + c.len_utf8();
        }
        buf.push_str(text.get(run..).unwrap_or_default());
        py_strip(buf)
    }

    fn valence_at(&self, c: &Ctx<'_>, i: usize) -> f64 {
        let t = &c.toks[i];
        let Some(lex) = t.lex() else { return 0.0 };
        let n = c.toks.len();
        let mut v = lex;
        let tk = c.toks;
        if t.is(W_NO) && i != n - 1 && tk[i + 1].is(F_LEX) {
            v = 0.0;
        }
        if (i > 0 && tk[i - 1].is(W_NO))
            || (i > 1 && tk[i - 2].is(W_NO))
            || (i > 2 && tk[i - 3].is(W_NO) && tk[i - 1].is(W_OR_NOR))
        {
            v = lex * N_SCALAR;
        }
        if t.is(F_UPPER) && c.cap_diff {
            if v > 0.0 {
                v += C_INCR;
            } else {
                v -= C_INCR;
            }
        }
        for start_i in 0..3 {
            if i > start_i && !c.toks[i - (start_i + 1)].is(F_LEX) {
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
        if !c.toks[i - 3..=end].iter().any(|t| t.is(F_IDIOM)) {
            return v;
        }
        let seq_is = |idx: &[usize], key: &[u32]| {
            idx.len() == key.len() && idx.iter().zip(key).all(|(&j, &k)| c.toks[j].id == k)
        };
        let special =
            |idx: &[usize]| self.idioms.iter().find(|(k, _)| seq_is(idx, k)).map(|&(_, val)| val);
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

/// Words of blocks of 256 code points covering every `char`.
const EMOJI_BLOCK_WORDS: usize = (0x11_0000 >> 8) / 64;

/// Python's whitespace for `str.split()` (which includes `\x1c`-`\x1f`), an ASCII byte.
const C_SPACE: u8 = 1;
/// `string.punctuation`.
const C_PUNCT: u8 = 2;
/// The class of each byte: one load per byte in the tokeniser's loops.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        #[allow(clippy::cast_possible_truncation, reason = "c < 256")]
        let b = c as u8;
        if matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ') {
            t[c] = C_SPACE;
        } else if b.is_ascii_punctuation() {
            t[c] = C_PUNCT;
        }
        c += 1;
    }
    t
};

#[inline]
fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

/// Whether a packed lowercase ASCII word contains `n't`.
#[inline]
fn has_nt(w: Packed) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // any apostrophe at all? (a zero byte of w ^ '\'' per byte; the bytes are below 0x80)
    let has_apos = |x: u64| {
        let y = x ^ (ONES * u64::from(b'\''));
        y.wrapping_sub(ONES) & !y & (ONES * 0x80) != 0
    };
    if !has_apos(w[0]) && !has_apos(w[1]) {
        return false;
    }
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&w[0].to_le_bytes());
    b[8..].copy_from_slice(&w[1].to_le_bytes());
    b.windows(3).any(|x| x == b"n't")
}

struct Ctx<'a> {
    toks: &'a [Tok],
    cap_diff: bool,
}

/// True when some, but not all, words are ALL CAPS.
fn cap_differential(toks: &[Tok]) -> bool {
    let caps = toks.iter().filter(|t| t.is(F_UPPER)).count();
    let diff = toks.len() - caps;
    0 < diff && diff < toks.len()
}

fn scalar_inc_dec(w: &Tok, valence: f64, cap_diff: bool) -> f64 {
    if !w.is(F_BOOST) {
        return 0.0;
    }
    let mut s = if w.is(F_DOWN) { B_DECR } else { B_INCR };
    if valence < 0.0 {
        s = -s;
    }
    if w.is(F_UPPER) && cap_diff {
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
            if t[i - 1].is(F_NEGATE) {
                v *= N_SCALAR;
            }
        }
        1 => {
            if t[i - 2].is(W_NEVER) && t[i - 1].is(W_SO_THIS) {
                v *= 1.25;
            } else if t[i - 2].is(W_WITHOUT) && t[i - 1].is(W_DOUBT) {
            } else if t[i - 2].is(F_NEGATE) {
                v *= N_SCALAR;
            }
        }
        _ => {
            // the package tests `so`/`this` one word back here too, not only after `never`
            if (t[i - 3].is(W_NEVER) && t[i - 2].is(W_SO_THIS)) || t[i - 1].is(W_SO_THIS) {
                v *= 1.25;
            } else if t[i - 3].is(W_WITHOUT) && (t[i - 2].is(W_DOUBT) || t[i - 1].is(W_DOUBT)) {
            } else if t[i - 3].is(F_NEGATE) {
                v *= N_SCALAR;
            }
        }
    }
    v
}

fn least_check(c: &Ctx<'_>, mut v: f64, i: usize) -> f64 {
    let least_before = |i: usize| !c.toks[i - 1].is(F_LEX) && c.toks[i - 1].is(W_LEAST);
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
    if sum_s == 0.0 && sent.iter().all(|&s| s == 0.0) {
        // no valence: the punctuation emphasis is added to nothing; all neutral
        return PolarityScores { neg: 0.0, neu: 1.0, pos: 0.0, compound: 0.0 };
    }
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
    fn ascii_path_equals_generic_path() {
        // an ideographic space is whitespace to str.split(): the same words, but the text is
        // not ASCII, so it takes the generic tokeniser (packed look-ups for its short ASCII
        // words, a lowercase copy for the others)
        let texts = [
            "The GOOD news isn't BAD at all!!",
            "ISN'T great, DON'T love it: kiss of death for the bomb?",
            "no-nonsense\0 good\x1cbad \"AMAZING\" bestselling-outstanding-results wasn't",
            "sixteen-letters! seventeen-letters extraordinarily-good UNBELIEVABLY bad",
            "at least not very good, but the best ever; sort of fine kind of okay",
            ":) :-( <3 lol WTF \t\r\n Never so GOOD without doubt",
            "a b c d e f g h i j k l m n o p q r s t u v w x y z ?? !!!! ???",
        ];
        let v = Vader::builtin();
        for t in texts {
            let wide = t.replacen(' ', "\u{3000}", 1);
            assert!(!wide.is_ascii());
            assert_eq!(v.polarity_scores(t), v.polarity_scores(&wide), "{t:?}");
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
