//! Declarations of the Monte Carlo functions (`sextant.mc`).

use super::bootstrap::{bootstrap_returns_into, Bootstrap, Resampling};
use super::control::{estimate_payoff, Payoff};
use super::gbm::{
    simulate_correlated_gbm_t_into, simulate_gbm_t_into, standard_normal_to, CorrelatedGbm, Gbm,
    Run, MAX_INDEX, MAX_VALUES,
};
use super::merton::{simulate_merton_into, Merton};
use super::portfolio::{simulate_portfolio, Portfolio, PortfolioStats};
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
const NEAREST_PSD: ParamSpec = ParamSpec::bool(
    "nearest_psd",
    false,
    "repair a covariance that is not positive semi-definite to the nearest PSD matrix (eigenvalue clipping) instead of an error",
);
const DF: ParamSpec = ParamSpec::opt_float(
    "df",
    2.0,
    f64::MAX,
    "Student-t degrees of freedom (> 2) of the shocks, scaled to unit variance; None: normal",
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
        years: p.float(4),
        steps: p.int(5) as usize,
    };
    simulate_gbm_t_into(&g, p.opt_float(3), &run(p, 5), out)
}

/// Declaration of `simulate_gbm`.
pub static SIMULATE_GBM: FunctionDecl = FunctionDecl {
    name: "simulate_gbm",
    module: Module::Mc,
    group: "Simulation",
    summary: "Geometric Brownian motion paths",
    doc: "Exact log-normal steps S_t = s0 exp(X_t), X_t = X_{t-1} + (mu - sigma^2/2) dt + sigma sqrt(dt) Z_t, dt = years/steps, every step walked; mu and sigma annualised. Returns terminal values, shape (paths,), or with full_paths every step, shape (paths, steps + 1); the terminal values are the last column of the full paths bit for bit. Counter-based generator (Philox4x32-10, ziggurat normals): the same seed gives the same bits on any thread count, any first_path split and on WASM. df: Student-t shocks with df degrees of freedom scaled to unit variance (same log-return mean and variance, fatter tails).",
    inputs: &[],
    params: &[
        ParamSpec::float("s0", 100.0, f64::MIN_POSITIVE, f64::MAX, "initial price (> 0)"),
        ParamSpec::float("mu", 0.05, -f64::MAX, f64::MAX, "annualised drift"),
        ParamSpec::float("sigma", 0.2, 0.0, f64::MAX, "annualised volatility (>= 0)"),
        DF,
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
    doc: "n assets with initial prices s0, annualised drifts mu and an annualised covariance of log returns cov (n x n, symmetric positive semi-definite; otherwise an InputError): per step the shocks are L z with L the Cholesky factor of cov. Returns terminal values, shape (paths, n), or with full_paths shape (paths, steps + 1, n). Same reproducibility as simulate_gbm. df: multivariate Student-t shocks (one chi-square per step scales the whole normal vector; unit variances, the correlation of cov). nearest_psd: a covariance with negative eigenvalues is replaced by the nearest PSD matrix in the Frobenius norm (eigenvalues clipped at 0, Higham 1988) instead of an error.",
    inputs: &[
        InputSpec::series("s0", "initial prices, one per asset (> 0)"),
        InputSpec::series("mu", "annualised drifts, one per asset"),
        InputSpec::matrix("cov", "n x n annualised covariance of log returns"),
    ],
    params: &[DF, NEAREST_PSD, YEARS, STEPS, PATHS, SEED, FIRST_PATH, ANTITHETIC, FULL_PATHS],
    outputs: &[OutputSpec::paths("paths")],
    flags: Flags::NONE,
    lookback: None,
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation, reason = "bounds checked by the declaration")]
    compute: |i, p, o| {
        let (cov, rows, _) = i.matrix(2);
        let repaired = if p.bool(1) { Some(super::gbm::nearest_psd(cov, rows)?) } else { None };
        let cov = repaired.as_deref().unwrap_or(cov);
        let c = CorrelatedGbm { s0: i.series(0), mu: i.series(1), cov, years: p.float(2), steps: p.int(3) as usize };
        simulate_correlated_gbm_t_into(&c, p.opt_float(0), &run(p, 3), o.f64(0))
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
        let out = o.f64(0);
        crate::error::check_out_len("size", out.len(), p.int(0) as usize)?;
        standard_normal_to(out, p.int(1) as u64, p.int(2) as u64)
    },
    stream: None,
};

#[allow(
    clippy::cast_sign_loss,
    clippy::cast_possible_truncation,
    reason = "bounds checked by the declaration"
)]
fn merton_compute(p: &Params, out: &mut [f64]) -> Result<()> {
    let m = Merton {
        s0: p.float(0),
        mu: p.float(1),
        sigma: p.float(2),
        jump_intensity: p.float(3),
        jump_mean: p.float(4),
        jump_std: p.float(5),
        years: p.float(6),
        steps: p.int(7) as usize,
    };
    simulate_merton_into(&m, &run(p, 7), out)
}

/// Declaration of `simulate_merton`.
pub static SIMULATE_MERTON: FunctionDecl = FunctionDecl {
    name: "simulate_merton",
    module: Module::Mc,
    group: "Simulation",
    summary: "Merton jump-diffusion paths",
    doc: "Merton (1976): GBM plus Poisson jumps (jump_intensity per year) with log-normal sizes ln J ~ N(jump_mean, jump_std^2), simulated exactly per step: X += (mu - sigma^2/2 - jump_intensity k) dt + sigma sqrt(dt) Z + N jump_mean + jump_std sqrt(N) Z', N ~ Poisson(jump_intensity dt), k = exp(jump_mean + jump_std^2/2) - 1 (drift compensation: E[S_T] = s0 exp(mu T)). Shapes and reproducibility as simulate_gbm.",
    inputs: &[],
    params: &[
        ParamSpec::float("s0", 100.0, f64::MIN_POSITIVE, f64::MAX, "initial price (> 0)"),
        ParamSpec::float("mu", 0.05, -f64::MAX, f64::MAX, "annualised drift (expected return, jumps included)"),
        ParamSpec::float("sigma", 0.2, 0.0, f64::MAX, "annualised diffusion volatility (>= 0)"),
        ParamSpec::float("jump_intensity", 1.0, 0.0, f64::MAX, "expected jumps per year (>= 0)"),
        ParamSpec::float("jump_mean", -0.05, -f64::MAX, f64::MAX, "mean of the log jump size"),
        ParamSpec::float("jump_std", 0.1, 0.0, f64::MAX, "standard deviation of the log jump size (>= 0)"),
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
    compute: |_, p, o| merton_compute(p, o.f64(0)),
    stream: None,
};

#[allow(
    clippy::cast_sign_loss,
    clippy::cast_possible_truncation,
    reason = "bounds checked by the declaration"
)]
fn bootstrap_compute(i: &crate::decl::Inputs<'_>, p: &Params, out: &mut [f64]) -> Result<()> {
    let (returns, rows, cols) = i.matrix(0);
    let resampling = if p.str(0) == "iid" {
        Resampling::Iid
    } else {
        Resampling::Stationary { mean_block: p.float(1) }
    };
    let b = Bootstrap { returns, rows, cols, steps: p.int(2) as usize, resampling };
    let run = Run {
        paths: p.int(3) as usize,
        seed: p.int(4) as u64,
        first_path: p.int(5) as u64,
        antithetic: false,
        full_paths: p.bool(6),
    };
    bootstrap_returns_into(&b, &run, out)
}

/// Declaration of `bootstrap_returns`.
pub static BOOTSTRAP_RETURNS: FunctionDecl = FunctionDecl {
    name: "bootstrap_returns",
    module: Module::Mc,
    group: "Simulation",
    summary: "Historical bootstrap of returns (i.i.d. or stationary block)",
    doc: "Resamples whole periods (rows) of a history of simple returns, periods x assets, and compounds them from 1: V_t = V_{t-1} (1 + r). method iid: every period uniform; stationary: Politis-Romano (1994) blocks of consecutive periods (wrapping) with geometric lengths of mean block_length. Returns the terminal growth of 1, shape (paths, assets), or with full_paths (paths, steps + 1, assets). Path p draws from stream p: same reproducibility as simulate_gbm.",
    inputs: &[InputSpec::matrix("returns", "historical simple returns, periods x assets (2-D; a series as one column)")],
    params: &[
        ParamSpec::choice("method", "iid", &["iid", "stationary"], "iid (single periods) or stationary (Politis-Romano blocks)"),
        ParamSpec::float("block_length", 20.0, 1.0, f64::MAX, "mean block length of the stationary bootstrap (>= 1)"),
        STEPS,
        PATHS,
        SEED,
        FIRST_PATH,
        FULL_PATHS,
    ],
    outputs: &[OutputSpec::paths("paths")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| bootstrap_compute(i, p, o.f64(0)),
    stream: None,
};

#[allow(
    clippy::cast_sign_loss,
    clippy::cast_possible_truncation,
    reason = "bounds checked by the declaration"
)]
fn portfolio_compute(
    i: &crate::decl::Inputs<'_>,
    p: &Params,
    o: &mut crate::decl::Outputs<'_, '_>,
) -> Result<()> {
    let (cov, rows, _) = i.matrix(2);
    let repaired = if p.bool(5) { Some(super::gbm::nearest_psd(cov, rows)?) } else { None };
    let cov = repaired.as_deref().unwrap_or(cov);
    let pf = Portfolio {
        weights: i.series(0),
        mu: i.series(1),
        cov,
        cashflows: i.series(3),
        initial: p.float(0),
        rebalance_every: p.int(1) as usize,
        fee: p.float(2),
        years: p.float(6),
        steps: p.int(7) as usize,
    };
    let st = PortfolioStats { percentiles: i.series(4), goal: p.opt_float(3), cutoff: p.float(4) };
    let run = Run {
        paths: p.int(8) as usize,
        seed: p.int(9) as u64,
        first_path: p.int(10) as u64,
        antithetic: p.bool(11),
        full_paths: false,
    };
    let r = simulate_portfolio(&pf, &st, &run)?;
    crate::error::check_out_len("bands", o.f64(0).len(), r.bands.len())?;
    crate::error::check_out_len("terminal", o.f64(1).len(), r.terminal.len())?;
    o.f64(0).copy_from_slice(&r.bands);
    o.f64(1).copy_from_slice(&r.terminal);
    for (k, v) in [r.mean, r.prob_goal, r.prob_ruin, r.var, r.es].into_iter().enumerate() {
        o.f64(2 + k)[0] = v;
    }
    Ok(())
}

/// Declaration of `simulate_portfolio`.
pub static SIMULATE_PORTFOLIO: FunctionDecl = FunctionDecl {
    name: "simulate_portfolio",
    module: Module::Mc,
    group: "Investment",
    summary: "Investment simulation: fan chart, goal and ruin probabilities, VaR/ES",
    doc: "Assets follow correlated GBMs (mu, cov as simulate_correlated_gbm); initial is invested at the target weights (summing to 1). Each step: holdings grow by their exact log-normal step, the annual fee is charged as (1 - fee)^dt, the step's cash flow (cashflows: empty, one value for every step, or one per step; > 0 contribution, < 0 withdrawal) is added pro rata to the holdings, and every rebalance_every steps (0: never) the holdings are reset to the weights. Wealth at or below 0 ruins a path (absorbing at 0). The paths advance together; each step's wealth over all paths fills one buffer of paths values whose exact percentiles (numpy's linear interpolation, by selection) give that step's bands: memory O(paths x assets), not O(paths x steps). Returns bands (steps + 1, len(percentiles)), terminal wealth per path, its mean, P(terminal >= goal) (NaN without goal), P(ruin), and VaR / ES at cutoff of the profit terminal - (initial + sum of cash flows) (quantile, and mean of the worst floor((paths-1) cutoff)+1).",
    inputs: &[
        InputSpec::series("weights", "target weights, one per asset, summing to 1"),
        InputSpec::series("mu", "annualised drifts, one per asset"),
        InputSpec::matrix("cov", "n x n annualised covariance of log returns"),
        InputSpec::vector("cashflows", "cash flow at the end of each step (empty: none; one value: every step; or one per step)"),
        InputSpec::vector("percentiles", "percentiles of wealth reported per step, in [0, 100]"),
    ],
    params: &[
        ParamSpec::float("initial", 10_000.0, f64::MIN_POSITIVE, f64::MAX, "initial amount (> 0)"),
        ParamSpec::int("rebalance_every", 0, 0, 10_000_000, "rebalance to the weights every k steps (0: never)"),
        ParamSpec::float("fee", 0.0, 0.0, 1.0, "annual fee as a fraction of wealth, in [0, 1)"),
        ParamSpec::opt_float("goal", -f64::MAX, f64::MAX, "wealth target of prob_goal (None: NaN)"),
        ParamSpec::float("cutoff", 0.05, 0.0, 1.0, "tail probability of var and es, in (0, 1)"),
        NEAREST_PSD,
        YEARS,
        STEPS,
        PATHS,
        SEED,
        FIRST_PATH,
        ANTITHETIC,
    ],
    outputs: &[
        OutputSpec::per_step("bands", "percentiles"),
        OutputSpec::counted("terminal", "paths"),
        OutputSpec::scalar("mean"),
        OutputSpec::scalar("prob_goal"),
        OutputSpec::scalar("prob_ruin"),
        OutputSpec::scalar("var"),
        OutputSpec::scalar("es"),
    ],
    flags: Flags::NONE,
    lookback: None,
    compute: portfolio_compute,
    stream: None,
};

#[allow(
    clippy::cast_sign_loss,
    clippy::cast_possible_truncation,
    reason = "bounds checked by the declaration"
)]
fn estimate_compute(p: &Params, o: &mut crate::decl::Outputs<'_, '_>) -> Result<()> {
    let g = Gbm {
        s0: p.float(0),
        mu: p.float(1),
        sigma: p.float(2),
        years: p.float(7),
        steps: p.int(8) as usize,
    };
    let payoff = if p.str(4) == "put" { Payoff::Put } else { Payoff::Call };
    let run = Run {
        paths: p.int(9) as usize,
        seed: p.int(10) as u64,
        first_path: p.int(11) as u64,
        antithetic: false,
        full_paths: false,
    };
    let e = estimate_payoff(&g, payoff, p.float(3), p.float(5), p.bool(6), &run)?;
    let values = [
        e.estimate,
        e.std_error,
        e.plain_estimate,
        e.plain_std_error,
        e.beta,
        e.variance_reduction,
    ];
    for (k, v) in values.into_iter().enumerate() {
        o.f64(k)[0] = v;
    }
    Ok(())
}

/// Declaration of `estimate_payoff`.
pub static ESTIMATE_PAYOFF: FunctionDecl = FunctionDecl {
    name: "estimate_payoff",
    module: Module::Mc,
    group: "Estimation",
    summary: "Monte Carlo estimate of a GBM call or put payoff, with a control variate",
    doc: "Estimates exp(-discount years) E[payoff(S_T)] for the GBM of simulate_gbm (the same paths, bit for bit), payoff call max(S_T - strike, 0) or put max(strike - S_T, 0). control_variate: the terminal price, whose mean s0 exp(mu years) is known, is the control: estimate = mean(Y) - beta (mean(S_T) - s0 exp(mu years)), beta = Cov(Y, S_T) / Var(S_T) from the run; std_error is the sample standard deviation (ddof 1) of Y - beta S_T over sqrt(paths). Returns estimate, std_error, plain_estimate and plain_std_error (the plain mean), beta (0 without the control), variance_reduction = plain variance / controlled variance (1 without the control; NaN if the control explains the payoff exactly). With mu = discount = r a call converges to Black-Scholes. Sums in path order: the same bits on any thread count and target.",
    inputs: &[],
    params: &[
        ParamSpec::float("s0", 100.0, f64::MIN_POSITIVE, f64::MAX, "initial price (> 0)"),
        ParamSpec::float("mu", 0.05, -f64::MAX, f64::MAX, "annualised drift (the risk-free rate for a risk-neutral price)"),
        ParamSpec::float("sigma", 0.2, 0.0, f64::MAX, "annualised volatility (>= 0)"),
        ParamSpec::float("strike", 100.0, 0.0, f64::MAX, "strike price (>= 0)"),
        ParamSpec::choice("payoff", "call", &["call", "put"], "call max(S_T - strike, 0) or put max(strike - S_T, 0)"),
        ParamSpec::float("discount", 0.0, -f64::MAX, f64::MAX, "continuously compounded rate discounting the payoff over years (0: the undiscounted mean)"),
        ParamSpec::bool("control_variate", true, "use the terminal price (known mean s0 exp(mu years)) as a control variate"),
        YEARS,
        STEPS,
        PATHS,
        SEED,
        FIRST_PATH,
    ],
    outputs: &[
        OutputSpec::scalar("estimate"),
        OutputSpec::scalar("std_error"),
        OutputSpec::scalar("plain_estimate"),
        OutputSpec::scalar("plain_std_error"),
        OutputSpec::scalar("beta"),
        OutputSpec::scalar("variance_reduction"),
    ],
    flags: Flags::NONE,
    lookback: None,
    compute: |_, p, o| estimate_compute(p, o),
    stream: None,
};
