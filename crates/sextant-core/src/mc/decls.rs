//! Declarations of the Monte Carlo functions (`sextant.mc`).

use super::gbm::{
    simulate_correlated_gbm_into, simulate_gbm_into, standard_normal, CorrelatedGbm, Gbm, Run,
    MAX_INDEX, MAX_VALUES,
};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec, Params};
use crate::error::Result;

#[allow(clippy::cast_possible_wrap, reason = "2^53 - 1 and 2^28 fit in i64")]
const MAX_I: i64 = MAX_INDEX as i64;
#[allow(clippy::cast_possible_wrap, reason = "2^28 fits in i64")]
const MAX_V: i64 = MAX_VALUES as i64;

const YEARS: ParamSpec =
    ParamSpec::float("years", 1.0, f64::MIN_POSITIVE, 1.0e6, "horizon in years (> 0)");
const STEPS: ParamSpec =
    ParamSpec::int("steps", 252, 1, 10_000_000, "equal time steps over the horizon");
const PATHS: ParamSpec = ParamSpec::int("paths", 10_000, 0, MAX_V, "number of paths to compute");
const SEED: ParamSpec =
    ParamSpec::int("seed", 0, 0, MAX_I, "generator seed (0 to 2^53 - 1: a safe JS integer)");
const FIRST_PATH: ParamSpec = ParamSpec::int(
    "first_path",
    0,
    0,
    MAX_I,
    "index of the first path: paths [first_path, first_path + paths) of the same run",
);
const ANTITHETIC: ParamSpec =
    ParamSpec::bool("antithetic", false, "path 2k + 1 uses the negated shocks of path 2k");
const FULL_PATHS: ParamSpec = ParamSpec::bool(
    "full_paths",
    false,
    "return every step (steps + 1 values per path), not only the terminal values",
);

#[allow(
    clippy::cast_sign_loss,
    clippy::cast_possible_truncation,
    reason = "bounds checked by the declaration"
)]
fn run(p: &Params, at: usize) -> Run {
    Run {
        paths: p.int(at + 1) as usize,
        seed: p.int(at + 2) as u64,
        first_path: p.int(at + 3) as u64,
        antithetic: p.bool(at + 4),
        full_paths: p.bool(at + 5),
    }
}

#[allow(
    clippy::cast_sign_loss,
    clippy::cast_possible_truncation,
    reason = "bounds checked by the declaration"
)]
fn gbm_compute(p: &Params, out: &mut [f64]) -> Result<()> {
    let g = Gbm {
        s0: p.float(0),
        mu: p.float(1),
        sigma: p.float(2),
        years: p.float(3),
        steps: p.int(4) as usize,
    };
    simulate_gbm_into(&g, &run(p, 4), out)
}

/// Declaration of `simulate_gbm`.
pub static SIMULATE_GBM: FunctionDecl = FunctionDecl {
    name: "simulate_gbm",
    module: Module::Mc,
    group: "Simulation",
    summary: "Geometric Brownian motion paths",
    doc: "Exact log-normal steps S_t = s0 exp(X_t), X_t = X_{t-1} + (mu - sigma^2/2) dt + sigma sqrt(dt) Z_t, dt = years/steps, every step walked; mu and sigma annualised. Returns terminal values, shape (paths,), or with full_paths every step, shape (paths, steps + 1); the terminal values are the last column of the full paths bit for bit. Counter-based generator (Philox4x32-10, ziggurat normals): the same seed gives the same bits on any thread count, any first_path split and on WASM.",
    inputs: &[],
    params: &[
        ParamSpec::float("s0", 100.0, f64::MIN_POSITIVE, f64::MAX, "initial price (> 0)"),
        ParamSpec::float("mu", 0.05, -f64::MAX, f64::MAX, "annualised drift"),
        ParamSpec::float("sigma", 0.2, 0.0, f64::MAX, "annualised volatility (>= 0)"),
        YEARS,
        STEPS,
        PATHS,
        SEED,
        FIRST_PATH,
        ANTITHETIC,
        FULL_PATHS,
    ],
    outputs: &[OutputSpec::paths("paths")],
    flags: Flags::NONE,
    lookback: None,
    compute: |_, p, o| gbm_compute(p, o.f64(0)),
    stream: None,
};

/// Declaration of `simulate_correlated_gbm`.
pub static SIMULATE_CORRELATED_GBM: FunctionDecl = FunctionDecl {
    name: "simulate_correlated_gbm",
    module: Module::Mc,
    group: "Simulation",
    summary: "Correlated geometric Brownian motions (Cholesky)",
    doc: "n assets with initial prices s0, annualised drifts mu and an annualised covariance of log returns cov (n x n, symmetric positive semi-definite; otherwise an InputError): per step the shocks are L z with L the Cholesky factor of cov. Returns terminal values, shape (paths, n), or with full_paths shape (paths, steps + 1, n). Same reproducibility as simulate_gbm.",
    inputs: &[
        InputSpec::series("s0", "initial prices, one per asset (> 0)"),
        InputSpec::series("mu", "annualised drifts, one per asset"),
        InputSpec::matrix("cov", "n x n annualised covariance of log returns"),
    ],
    params: &[YEARS, STEPS, PATHS, SEED, FIRST_PATH, ANTITHETIC, FULL_PATHS],
    outputs: &[OutputSpec::paths("paths")],
    flags: Flags::NONE,
    lookback: None,
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation, reason = "bounds checked by the declaration")]
    compute: |i, p, o| {
        let (cov, _, _) = i.matrix(2);
        let c = CorrelatedGbm { s0: i.series(0), mu: i.series(1), cov, years: p.float(0), steps: p.int(1) as usize };
        simulate_correlated_gbm_into(&c, &run(p, 1), o.f64(0))
    },
    stream: None,
};

/// Declaration of `standard_normal`.
pub static STANDARD_NORMAL: FunctionDecl = FunctionDecl {
    name: "standard_normal",
    module: Module::Mc,
    group: "Generator",
    summary: "Standard normal variates of the simulation generator",
    doc: "size N(0, 1) variates from the generator behind every simulation (Philox4x32-10, ziggurat): variate k is a pure function of (seed, first + k), so any split of a run reproduces it.",
    inputs: &[],
    params: &[
        ParamSpec::int("size", 1000, 0, MAX_V, "number of variates"),
        SEED,
        ParamSpec::int("first", 0, 0, MAX_I, "index of the first variate"),
    ],
    outputs: &[OutputSpec::counted("values", "size")],
    flags: Flags::NONE,
    lookback: None,
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation, reason = "bounds checked by the declaration")]
    compute: |_, p, o| {
        let v = standard_normal(p.int(0) as usize, p.int(1) as u64, p.int(2) as u64)?;
        o.f64(0).copy_from_slice(&v);
        Ok(())
    },
    stream: None,
};
