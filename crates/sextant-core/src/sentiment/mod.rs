//! News sentiment: a VADER-exact scorer ([`Vader`], identical to vaderSentiment 3.3.2's
//! `polarity_scores`) and [`score`] / [`score_batch`] (a number in [-1, 1] and a label).

pub mod aggregate;
pub mod entities;
pub mod extract;
pub mod finance;
mod fxhash;
pub mod pystr;
mod pystr_tables;
pub mod score;
pub mod vader;
mod wordtab;

pub use aggregate::{aggregate, Aggregate, AggregateOptions, Item, AGGREGATE};
pub use entities::{sentences, Asset, EntitySentiment, Mention, MentionKind, Universe};
pub use extract::{
    entity_sentiment, mention_records, universe_from_json, EntityRecord, MentionRecord,
    ENTITY_SENTIMENT, EXTRACT_ENTITIES,
};
pub use finance::{FinanceScorer, FINANCE_LEXICON};
pub use score::{
    evaluate, score, score_batch, Confusion, Label, Model, Scored, SCORE, SCORE_BATCH,
};
pub use vader::{
    parse_lexicon, PolarityScores, Scratch, Vader, EMOJI_LEXICON, VADER, VADER_LEXICON,
};
