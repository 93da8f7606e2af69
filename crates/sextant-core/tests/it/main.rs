#![allow(
    clippy::disallowed_methods,
    reason = "closed-form expectations may use std's math; the code under test uses libm"
)]
#![allow(unreachable_pub, missing_docs, clippy::needless_range_loop, reason = "test helpers")]
//! Integration tests of sextant-core, one binary (STYLE.md 10).

mod autoindex;
mod errors;
mod fixtures;
mod golden;
mod ledger;
mod mc;
mod mc_models;
mod properties;
mod sentiment;
mod sentiment_entities;
mod streams;
