//! News sentiment: a VADER-exact scorer ([`Vader`], identical to vaderSentiment 3.3.2's
//! `polarity_scores`).

mod fxhash;
pub mod pystr;
mod pystr_tables;
pub mod vader;

pub use vader::{parse_lexicon, PolarityScores, Scratch, Vader, EMOJI_LEXICON, VADER_LEXICON};
