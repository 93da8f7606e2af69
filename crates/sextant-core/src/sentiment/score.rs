//! `score` / `score_batch`: one number in [-1, 1] and a label per text, from a chosen model.

use super::vader::{Scratch, Vader};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{Error, Result};

/// A sentiment label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// Score at or below `-threshold`.
    Negative,
    /// Between.
    Neutral,
    /// Score at or above `threshold`.
    Positive,
}

impl Label {
    /// The three labels in index order (the record encoding of the declarations).
    pub const ALL: [&'static str; 3] = ["negative", "neutral", "positive"];

    /// The label of `score` with a symmetric neutral band `(-threshold, threshold)` (VADER's
    /// usual cut-off is 0.05).
    #[must_use]
    pub fn of(score: f64, threshold: f64) -> Self {
        if score >= threshold {
            Self::Positive
        } else if score <= -threshold {
            Self::Negative
        } else {
            Self::Neutral
        }
    }

    /// Lowercase name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Negative => "negative",
            Self::Neutral => "neutral",
            Self::Positive => "positive",
        }
    }

    /// Index in [`Label::ALL`].
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Parses a label (`negative`/`neutral`/`positive`, also `neg`/`neu`/`pos`, `-1`/`0`/`1`).
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "negative" | "neg" | "-1" => Ok(Self::Negative),
            "neutral" | "neu" | "0" => Ok(Self::Neutral),
            "positive" | "pos" | "1" | "+1" => Ok(Self::Positive),
            other => Err(Error::UnknownOption {
                param: "label".into(),
                value: other.into(),
                allowed: "negative, neutral, positive".into(),
            }),
        }
    }
}

/// The scoring model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// The finance scorer ([`super::FinanceScorer`]).
    Finance,
    /// VADER-exact: the compound score of vaderSentiment 3.3.2.
    Vader,
}

impl Model {
    /// Model names as the declarations spell them.
    pub const NAMES: &'static [&'static str] = &["finance", "vader"];

    /// Parses a model name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "finance" => Ok(Self::Finance),
            "vader" => Ok(Self::Vader),
            other => Err(Error::UnknownOption {
                param: "model".into(),
                value: other.into(),
                allowed: Self::NAMES.join(", "),
            }),
        }
    }
}

/// One scored text.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scored {
    /// Score in [-1, 1].
    pub score: f64,
    /// Label from the score and the threshold.
    pub label: Label,
}

pub(crate) fn check_threshold(threshold: f64) -> Result<()> {
    if (0.0..=1.0).contains(&threshold) {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            param: "threshold".into(),
            value: crate::error::Num(threshold).to_string(),
            bound: "must be in [0, 1]".into(),
        })
    }
}

fn score_one(text: &str, model: Model, threshold: f64, scratch: &mut Scratch) -> Scored {
    let score = match model {
        Model::Vader => Vader::builtin().polarity_scores_with(text, scratch).compound,
        Model::Finance => super::FinanceScorer::builtin().score(text),
    };
    Scored { score, label: Label::of(score, threshold) }
}

/// The model's score of one text (no label).
pub(crate) fn raw_score(text: &str, model: Model, scratch: &mut Scratch) -> f64 {
    score_one(text, model, 0.0, scratch).score
}

/// Scores one text: a number in [-1, 1] and a label (`positive` at or above `threshold`,
/// `negative` at or below `-threshold`).
///
/// # Examples
/// ```
/// use sextant_core::sentiment::{score, Label, Model};
/// let s = score("Shares plunge after a terrible quarter", Model::Vader, 0.05)?;
/// assert_eq!(s.label, Label::Negative);
/// # Ok::<(), sextant_core::Error>(())
/// ```
pub fn score(text: &str, model: Model, threshold: f64) -> Result<Scored> {
    check_threshold(threshold)?;
    Ok(score_one(text, model, threshold, &mut Scratch::default()))
}

/// Scores many texts; in parallel (rayon) with the `parallel` feature. Same results as
/// [`score`] on each text, in order.
pub fn score_batch(texts: &[&str], model: Model, threshold: f64) -> Result<Vec<Scored>> {
    check_threshold(threshold)?;
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        Ok(texts
            .par_iter()
            .map_init(Scratch::default, |s, t| score_one(t, model, threshold, s))
            .collect())
    }
    #[cfg(not(feature = "parallel"))]
    {
        let mut s = Scratch::default();
        Ok(texts.iter().map(|t| score_one(t, model, threshold, &mut s)).collect())
    }
}

pub(crate) const MODEL_DOC: &str = "scoring model: `finance` (Sextant's finance lexicon and rules) or `vader` (vaderSentiment 3.3.2's compound score)";
pub(crate) const THRESHOLD_DOC: &str =
    "half-width of the neutral band: positive at or above it, negative at or below minus it";

/// Declaration of `score`.
pub static SCORE: FunctionDecl = FunctionDecl {
    name: "score",
    module: Module::Sentiment,
    group: "Scoring",
    summary: "Sentiment score in [-1, 1] and label of one text",
    doc: "score(text) -> {score, label}: the model's score in [-1, 1] and its label with a symmetric neutral band. Reference for model=vader: vaderSentiment 3.3.2 polarity_scores()['compound'].",
    inputs: &[InputSpec::text("text", "the text (a headline or a sentence)")],
    params: &[
        ParamSpec::choice("model", "finance", Model::NAMES, MODEL_DOC),
        ParamSpec::float("threshold", 0.05, 0.0, 1.0, THRESHOLD_DOC),
    ],
    outputs: &[OutputSpec::record("result", &["score"], &Label::ALL)],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let s = score(i.text(0), Model::parse(p.str(0))?, p.float(1))?;
        write_scored(o.f64(0), &s);
        Ok(())
    },
    stream: None,
};

/// Declaration of `score_batch`.
pub static SCORE_BATCH: FunctionDecl = FunctionDecl {
    name: "score_batch",
    module: Module::Sentiment,
    group: "Scoring",
    summary: "Sentiment score and label of many texts, in parallel",
    doc: "score_batch(texts) -> [{score, label}, ...]: `score` on every text, in parallel (rayon) where threads exist, in input order.",
    inputs: &[InputSpec::text_list("texts", "the texts")],
    params: &[
        ParamSpec::choice("model", "finance", Model::NAMES, MODEL_DOC),
        ParamSpec::float("threshold", 0.05, 0.0, 1.0, THRESHOLD_DOC),
    ],
    outputs: &[OutputSpec::record_list("results", &["score"], &Label::ALL)],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let all = score_batch(i.texts(0), Model::parse(p.str(0))?, p.float(1))?;
        for (buf, s) in o.f64(0).chunks_mut(2).zip(&all) {
            write_scored(buf, s);
        }
        Ok(())
    },
    stream: None,
};

#[allow(clippy::cast_precision_loss, reason = "label indices are 0, 1, 2")]
fn write_scored(buf: &mut [f64], s: &Scored) {
    if let [a, b, ..] = buf {
        *a = s.score;
        *b = s.label.index() as f64;
    }
}

/// A 3x3 confusion matrix of labels (rows: truth, columns: prediction, in [`Label::ALL`] order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confusion(pub [[usize; 3]; 3]);

impl Confusion {
    /// Counts one (truth, prediction) pair.
    pub fn add(&mut self, truth: Label, predicted: Label) {
        self.0[truth.index()][predicted.index()] += 1;
    }
    /// Number of pairs.
    #[must_use]
    pub fn total(&self) -> usize {
        self.0.iter().flatten().sum()
    }
    /// Share of correct predictions (NaN when empty).
    #[must_use]
    #[allow(clippy::cast_precision_loss, reason = "counts are far below 2^53")]
    pub fn accuracy(&self) -> f64 {
        let ok: usize = (0..3).map(|i| self.0[i][i]).sum();
        ok as f64 / self.total() as f64
    }
    /// Macro-averaged F1 over the three labels.
    #[must_use]
    #[allow(clippy::cast_precision_loss, reason = "counts are far below 2^53")]
    pub fn macro_f1(&self) -> f64 {
        let f1 = |i: usize| {
            let tp = self.0[i][i] as f64;
            let pred: usize = (0..3).map(|r| self.0[r][i]).sum();
            let truth: usize = self.0[i].iter().sum();
            if pred == 0 || truth == 0 || tp == 0.0 {
                return 0.0;
            }
            let (p, r) = (tp / pred as f64, tp / truth as f64);
            2.0 * p * r / (p + r)
        };
        (f1(0) + f1(1) + f1(2)) / 3.0
    }
}

/// Scores `(text, truth)` pairs with `model` and counts the outcomes.
pub fn evaluate<'a, I>(pairs: I, model: Model, threshold: f64) -> Result<Confusion>
where
    I: IntoIterator<Item = (&'a str, Label)>,
{
    check_threshold(threshold)?;
    let mut c = Confusion::default();
    let mut scratch = Scratch::default();
    for (text, truth) in pairs {
        c.add(truth, score_one(text, model, threshold, &mut scratch).label);
    }
    Ok(c)
}
