//! AutoIndex: rule-based index construction and rebalancing backtests (issue #12).
//!
//! - [`Strategy`] (versioned serde record): universe (all, a static list or a point-in-time
//!   membership table), weighting (equal, inverse volatility, minimum variance, maximum Sharpe,
//!   risk parity, HRP through [`crate::alloc`], or top-N momentum) with its estimation window,
//!   schedule (monthly / quarterly / annual on the bar dates, or a drift threshold),
//!   transaction costs, cash buffer, weight bounds, execution price, delisting policy.
//! - [`backtest`]: no look-ahead (weights from data up to a close, traded on the next bar),
//!   ragged histories and delistings, total-return prices; index values, weights, turnover,
//!   costs, cash, a [`RiskReport`] from [`crate::risk`] and a [`BenchmarkReport`].
//! - [`risk_score`]: the composite 1-100 risk score of an asset with its breakdown.
//! - [`simulate`]: percentile bands of the index value from the Monte Carlo engine
//!   ([`crate::mc`]).
//!
//! See docs/autoindex.md.

mod backtest;
mod config;
mod decls;
mod report;
mod score;
mod simulate;

pub use backtest::{backtest, Backtest, DelistingEvent, Rebalance};
pub use config::{
    nan_rows, nan_vec, opt_nan_vec, AssetData, Constraints, Costs, Delisting, Execution, Fallback,
    MarketData, Member, Schedule, Strategy, Universe, Weighting, STRATEGY_VERSION,
};
pub use decls::{BACKTEST, RISK_SCORE, SIMULATE};
pub use report::{BenchmarkReport, RiskReport};
pub use score::{
    interpolate, risk_score, Breakpoints, Component, MarketWeights, RiskScore, ScoreAsset,
    ScoreConfig, ScoreWeights, SCORE_VERSION,
};
pub use simulate::{simulate, SimConfig, SimMethod, Simulation, SIMULATION_VERSION};
