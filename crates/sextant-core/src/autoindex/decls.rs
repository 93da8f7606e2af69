//! The declarations of `autoindex`: JSON documents in (strategy, market data, configurations),
//! JSON documents out, through the JSON kinds of the declaration mechanism, so that Python,
//! Node, WASM and the server call the same three functions.

use serde::de::DeserializeOwned;

use super::config::check_version;
use super::{
    backtest, risk_score, simulate, MarketData, ScoreAsset, ScoreConfig, SimConfig, Strategy,
    SCORE_VERSION, SIMULATION_VERSION, STRATEGY_VERSION,
};
use crate::decl::{Flags, FunctionDecl, InputSpec, Inputs, Module, OutputSpec};
use crate::error::{Error, Result};

/// Input `k` as a versioned document: `null` gives `default`, otherwise the version is checked
/// before the fields are read.
fn versioned<T: DeserializeOwned>(
    i: &Inputs<'_>,
    k: usize,
    name: &str,
    version: u32,
    default: Option<T>,
) -> Result<T> {
    let v: serde_json::Value = i.json(k, name)?;
    if v.is_null() {
        if let Some(d) = default {
            return Ok(d);
        }
    }
    check_version(name, &v, version)?;
    serde_json::from_value(v).map_err(|e| Error::InvalidInput {
        input: name.into(),
        reason: format!("invalid document: {e}"),
    })
}

const STRATEGY: InputSpec = InputSpec::json(
    "strategy",
    "the strategy (version 1): universe {kind: all | static {symbols} | membership {members: [{symbol, from, to}]}}, weighting {scheme: equal | inverse_volatility | min_variance | max_sharpe | risk_parity | hrp | momentum, window (bars), ...}, schedule {kind: monthly | quarterly | annually | drift {threshold}}, costs {bps, fixed}, cash_buffer, constraints {max_weight, bounds {symbol: [lo, hi]}}, execution (close | open), delisting (cash | redistribute), fallback (error | equal), initial_value, period, annualization, risk_free, cutoff",
    r#"{"version": 1, "universe": {"kind": "all"}, "weighting": {"scheme": "equal"}, "schedule": {"kind": "monthly"}, "costs": {"bps": 10}}"#,
);
const DATA: InputSpec = InputSpec::json(
    "data",
    "market data: dates (YYYY-MM-DD, increasing), assets [{symbol, close, open?, total_return?, volume?}] (one value per date, null = missing), benchmark? (levels)",
    r#"{"dates": ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02"], "assets": [{"symbol": "A", "close": [10, 10, 11, 12]}, {"symbol": "B", "close": [20, 20, 19, 18]}], "benchmark": [100, 100, 101, 100.5]}"#,
);

/// Declaration of `backtest`.
pub static BACKTEST: FunctionDecl = FunctionDecl {
    name: "backtest",
    module: Module::AutoIndex,
    group: "AutoIndex",
    summary: "Backtest of a rule-based index (no look-ahead)",
    doc: "Weights computed from data up to a bar's close (the alloc schemes on the estimation window) are traded on the next bar at its open or close; holdings end at exactly the target weights of the post-cost value; delisted holdings are sold at their last price; total-return prices when given. Returns values, returns, cash, weights, turnover and costs per bar, the rebalances and delistings, and the risk report (the risk functions on the index returns) and benchmark comparison (tracking error, information ratio, beta, up/down capture). See docs/autoindex.md.",
    inputs: &[STRATEGY, DATA],
    params: &[],
    outputs: &[OutputSpec::json("backtest")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let s: Strategy = versioned(i, 0, "strategy", STRATEGY_VERSION, None)?;
        let d: MarketData = i.json(1, "data")?;
        o.set_json(0, &backtest(&s, &d)?)
    },
    stream: None,
};

/// Declaration of `risk_score`.
pub static RISK_SCORE: FunctionDecl = FunctionDecl {
    name: "risk_score",
    module: Module::AutoIndex,
    group: "AutoIndex",
    summary: "Composite 1-100 risk score of an asset, with its breakdown",
    doc: "score = (30 market + 25 credit + 25 regulatory + 20 technical) / 100 by default (weights per asset class configurable); market = (40 volatility + 30 drawdown + 30 liquidity) / 100, each measure (annual volatility, max drawdown depth, log10 median daily traded value) mapped to 1-100 by linear interpolation between stated breakpoints; credit, regulatory and technical given in [1, 100]. config: null (defaults) or {version: 1, weights, class_weights, market_weights, breakpoints, period, annualization}. See docs/autoindex.md.",
    inputs: &[
        InputSpec::json(
            "asset",
            "{close, volume?, credit, regulatory, technical, asset_class?}",
            r#"{"close": [10, 10.2, 9.9, 10.4, 10.1, 10.6], "volume": [1e6, 1.2e6, 9e5, 1e6, 1.1e6, 1e6], "credit": 30, "regulatory": 20, "technical": 40}"#,
        ),
        InputSpec::json(
            "config",
            "null (defaults) or {version: 1, weights {market, credit, regulatory, technical}, class_weights {class: weights}, market_weights {volatility, drawdown, liquidity}, breakpoints {volatility, drawdown, liquidity: [[x, score], ...]}, period, annualization}",
            r#"{"version": 1, "class_weights": {"crypto": {"market": 50, "credit": 10, "regulatory": 30, "technical": 10}}}"#,
        ),
    ],
    params: &[],
    outputs: &[OutputSpec::json("score")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let a: ScoreAsset = i.json(0, "asset")?;
        let c: ScoreConfig = versioned(i, 1, "config", SCORE_VERSION, Some(ScoreConfig::default()))?;
        o.set_json(0, &risk_score(&a, &c)?)
    },
    stream: None,
};

/// Declaration of `simulate`.
pub static SIMULATE: FunctionDecl = FunctionDecl {
    name: "simulate",
    module: Module::AutoIndex,
    group: "AutoIndex",
    summary: "Percentile bands of an index's future value (Monte Carlo)",
    doc: "From an index value history (null = missing): a GBM fitted to its log returns (mc.simulate_gbm) or a circular block bootstrap of its returns on the Monte Carlo engine's counter-based streams; percentile bands (numpy's linear interpolation), mean path and probability of loss over `horizon` bars. config: null (defaults) or {version: 1, method (gbm | bootstrap), horizon (252), paths (10000), seed (0), block (1), percentiles ([5, 25, 50, 75, 95]), start_value, period, annualization}. See docs/autoindex.md.",
    inputs: &[
        InputSpec::json("values", "index values, oldest first (null = missing)", "[100, 101, 100.5, 102, 103, 102.2, 104]"),
        InputSpec::json(
            "config",
            "null (defaults) or {version: 1, method, horizon, paths, seed, block, percentiles, start_value, period, annualization}",
            r#"{"version": 1, "method": "bootstrap", "horizon": 5, "paths": 200, "seed": 1}"#,
        ),
    ],
    params: &[],
    outputs: &[OutputSpec::json("simulation")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let v: Vec<Option<f64>> = i.json(0, "values")?;
        let v: Vec<f64> = v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect();
        let c: SimConfig = versioned(i, 1, "config", SIMULATION_VERSION, Some(SimConfig::default()))?;
        o.set_json(0, &simulate(&v, &c)?)
    },
    stream: None,
};
