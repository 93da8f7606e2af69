//! # sextant-core
//!
//! The pure-Rust analytics core of Sextant: technical indicators with TA-Lib's numbers
//! ([`ta`]), risk and performance metrics with empyrical's conventions ([`risk`]),
//! portfolio weighting ([`alloc`]), rule-based index backtests ([`autoindex`]) and reproducible Monte Carlo simulation ([`mc`]). No I/O, no async, no binding crates; it compiles for
//! `wasm32-unknown-unknown`.
//!
//! ## Quick start
//! ```
//! use sextant_core::{ta, risk};
//! let close = [10.0, 10.5, 10.2, 10.8, 11.0, 10.9, 11.4];
//! let rsi = ta::rsi(&close, 3)?;
//! assert!(rsi[2].is_nan() && rsi[3] > 50.0);
//! let returns: Vec<f64> = close.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
//! let sharpe = risk::sharpe_ratio(&returns, 0.0, "daily", None)?;
//! assert!(sharpe > 0.0);
//! # Ok::<(), sextant_core::Error>(())
//! ```
//!
//! ## One declaration per function
//! Every function is declared once as a [`decl::FunctionDecl`] (inputs, parameters with
//! defaults and bounds, outputs, lookback, batch and streaming entry points) and listed in
//! [`registry::REGISTRY`]. The Python, Node and WASM adapters, the server routes and the docs
//! table are derived from it. The same functions are callable by name:
//! ```
//! use sextant_core::decl::{InputData, OutVec, Value};
//! let decl = sextant_core::registry::find("ta", "SMA").unwrap();
//! let params = decl.params_named([("timeperiod", Value::Int(2))])?;
//! let out = decl.call(&[InputData::Series(&[1.0, 2.0, 3.0])], &params)?;
//! let OutVec::F64(sma) = &out[0] else { unreachable!() };
//! assert!(sma[0].is_nan() && sma[1..] == [1.5, 2.5]);
//! # Ok::<(), sextant_core::Error>(())
//! ```
//!
//! ## Streaming
//! Each indicator has a state object: `update` appends a bar, `peek` previews one without
//! changing the state, `replace_last` revises the forming bar, `reset`, and `save` / restore.
//! Stepping a stream over a series reproduces the batch output exactly.
//!
//! ## Errors
//! Every fallible call returns [`Result`]; [`Error`] variants name the parameter or input, the
//! value and the bound, and carry a stable [`Error::code`]. Nothing panics on bad input.
//!
//! ## Missing data
//! A bar with NaN in any input gives NaN (0 for integer outputs) and the indicator restarts,
//! re-seeding after lookback + 1 clean bars; leading NaNs are skipped as TA-Lib's wrapper
//! does. On NaN-free input results equal TA-Lib's.
//!
//! ## Feature flags
//! - `parallel`: batch text functions run on a rayon pool (off for WASM).
//! - `subset` with `subset-ta`, `subset-ta-patterns` (the CDL* functions), `subset-mc`, `subset-risk`, `subset-alloc`, `subset-sentiment`,
//!   `subset-ledger`, `subset-autoindex` (also compiles `alloc` and `risk`, unregistered): compile and register only those modules (the browser's per-module
//!   WebAssembly bundles); `ta` and `mc` are always compiled (the call options and the size
//!   checks use their types) and only registered when named. Without `subset` every module is
//!   in.

#[cfg(any(not(feature = "subset"), feature = "subset-alloc", feature = "subset-autoindex"))]
pub mod alloc;
#[cfg(any(not(feature = "subset"), feature = "subset-autoindex"))]
pub mod autoindex;
pub mod columns;
pub mod decl;
pub mod error;
// sentiment's `aggregate` uses the ledger's exchange calendar (compiled, not registered)
#[cfg(any(not(feature = "subset"), feature = "subset-ledger", feature = "subset-sentiment"))]
pub mod ledger;
pub mod mc;
#[cfg(any(
    not(feature = "subset"),
    feature = "subset-alloc",
    feature = "subset-risk",
    feature = "subset-autoindex"
))]
pub(crate) mod moments;
pub mod registry;
#[cfg(any(not(feature = "subset"), feature = "subset-risk", feature = "subset-autoindex"))]
pub mod risk;
#[cfg(any(not(feature = "subset"), feature = "subset-sentiment"))]
pub mod sentiment;
pub mod ta;

pub use error::{Error, Result};
