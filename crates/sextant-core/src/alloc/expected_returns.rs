//! Expected-return estimators from a `t x n` returns matrix, PyPortfolioOpt's
//! `expected_returns` on returns (`returns_data=True`): `mean_historical_return`,
//! `ema_historical_return` and `capm_return`. Unlike PyPortfolioOpt, the defaults are per
//! period (`frequency = 1`, `compounding = false`): pass `frequency = 252, compounding = true`
//! for its annualised geometric defaults.

use super::covariance::{FREQUENCY, RETURNS};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{check_out_len, Error, Num, Result};
use crate::moments::{self, Columns, Missing, MISSING};

const COMPOUNDING: ParamSpec = ParamSpec::bool(
    "compounding",
    false,
    "geometric: (prod(1 + r))^(frequency / count) - 1 (the EMA form (1 + ema)^frequency - 1) \
     instead of the arithmetic mean times frequency",
);

#[allow(clippy::cast_precision_loss, reason = "period counts are far below 2^52")]
fn historical(col: &[f64], compounding: bool, frequency: f64) -> f64 {
    if compounding {
        let (p, c) = col
            .iter()
            .filter(|v| !v.is_nan())
            .fold((1.0, 0usize), |(p, c), v| (p * (1.0 + v), c + 1));
        if c == 0 {
            f64::NAN
        } else {
            libm::pow(p, frequency / c as f64) - 1.0
        }
    } else {
        moments::nan_mean(col).0 * frequency
    }
}

fn write(vals: impl Iterator<Item = f64>, n: usize, out: &mut [f64]) -> Result<()> {
    check_out_len("mu", out.len(), n)?;
    for (o, v) in out.iter_mut().zip(vals) {
        *o = v;
    }
    Ok(())
}

/// Historical mean return per asset (PyPortfolioOpt `mean_historical_return`): the mean times
/// `frequency`, or with `compounding` `(prod(1 + r))^(frequency / count) - 1`. Under
/// "pairwise" each asset uses its own periods.
///
/// # Errors
/// [`Error::InvalidInput`] for a matrix without columns, an infinite value, or a NaN under
/// `missing = "error"`.
///
/// # Examples
/// ```
/// let r = [0.01, 0.02, 0.03, f64::NAN]; // 2 periods x 2 assets
/// let mu = sextant_core::alloc::mean_historical_return(&r, 2, 2, false, 1.0, "pairwise").unwrap();
/// assert!((mu[0] - 0.02).abs() < 1e-15 && (mu[1] - 0.02).abs() < 1e-15);
/// ```
pub fn mean_historical_return(
    returns: &[f64],
    rows: usize,
    cols: usize,
    compounding: bool,
    frequency: f64,
    missing: &str,
) -> Result<Vec<f64>> {
    let c = moments::columns("returns", returns, rows, cols, Missing::parse(missing)?)?;
    Ok((0..cols).map(|j| historical(c.col(j), compounding, frequency)).collect())
}

fn ema(
    c: &Columns,
    span: f64,
    compounding: bool,
    frequency: f64,
) -> impl Iterator<Item = f64> + '_ {
    let w = moments::ewm_weights(c.t, 2.0 / (span + 1.0));
    (0..c.n).map(move |j| {
        let e = moments::ewm_last(c.col(j), &w);
        if compounding {
            libm::pow(1.0 + e, frequency) - 1.0
        } else {
            e * frequency
        }
    })
}

/// Exponentially weighted mean return per asset (PyPortfolioOpt `ema_historical_return`):
/// pandas' `ewm(span).mean()` at the last period (weights `(1 - a)^(t - 1 - k)`,
/// `a = 2 / (span + 1)`; a NaN period keeps its place in the decay) times `frequency`, or with
/// `compounding` `(1 + ema)^frequency - 1`.
///
/// # Errors
/// As [`mean_historical_return`].
pub fn ema_historical_return(
    returns: &[f64],
    rows: usize,
    cols: usize,
    span: f64,
    compounding: bool,
    frequency: f64,
    missing: &str,
) -> Result<Vec<f64>> {
    let c = moments::columns("returns", returns, rows, cols, Missing::parse(missing)?)?;
    Ok(ema(&c, span, compounding, frequency).collect())
}

/// CAPM expected returns (PyPortfolioOpt `capm_return`): `rf + beta_i (E[r_m] - rf)` with
/// `beta_i = cov(r_i, r_m) / var(r_m)` (sample moments; pairwise as pandas' `cov`) and `E[r_m]`
/// the market's historical mean as [`mean_historical_return`]. An empty `market` uses the
/// equally weighted average of the assets present in each period, PyPortfolioOpt's proxy.
///
/// # Errors
/// As [`mean_historical_return`]; also a `market` whose length is neither 0 nor `rows`.
#[allow(clippy::too_many_arguments, reason = "the declared parameters, positionally")]
pub fn capm_return(
    returns: &[f64],
    rows: usize,
    cols: usize,
    market: &[f64],
    risk_free_rate: f64,
    compounding: bool,
    frequency: f64,
    missing: &str,
) -> Result<Vec<f64>> {
    let mut out = vec![0.0; cols];
    capm_into(
        returns,
        rows,
        cols,
        market,
        risk_free_rate,
        compounding,
        frequency,
        missing,
        &mut out,
    )?;
    Ok(out)
}

#[allow(clippy::too_many_arguments, reason = "the declared parameters, positionally")]
#[allow(clippy::cast_precision_loss, reason = "asset counts are far below 2^52")]
fn capm_into(
    returns: &[f64],
    rows: usize,
    cols: usize,
    market: &[f64],
    rf: f64,
    compounding: bool,
    frequency: f64,
    missing: &str,
    out: &mut [f64],
) -> Result<()> {
    let missing = Missing::parse(missing)?;
    // validate the returns alone first, so errors name them
    moments::columns("returns", returns, rows, cols, missing)?;
    if !market.is_empty() && market.len() != rows {
        return Err(Error::InvalidInput {
            input: "market_returns".into(),
            reason: format!(
                "{} values for {rows} periods (give one per period, or none for the equally \
                 weighted proxy)",
                market.len()
            ),
        });
    }
    if let Some(k) =
        market.iter().position(|v| v.is_infinite() || (v.is_nan() && missing == Missing::Error))
    {
        return Err(Error::InvalidInput {
            input: "market_returns".into(),
            reason: format!("market_returns[{k}] = {} is not finite", Num(market[k])),
        });
    }
    // returns with the market appended as the last column
    let n1 = cols + 1;
    let mut joined = vec![0.0; rows * n1];
    for r in 0..rows {
        let row = &returns[r * cols..(r + 1) * cols];
        joined[r * n1..r * n1 + cols].copy_from_slice(row);
        joined[r * n1 + cols] = if market.is_empty() {
            let (s, c) =
                row.iter().filter(|v| !v.is_nan()).fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
            if c == 0 {
                f64::NAN
            } else {
                s / c as f64
            }
        } else {
            market[r]
        };
    }
    let c = moments::columns("returns", &joined, rows, n1, missing)?;
    let m = c.col(cols);
    let var_m = moments::pair_moments(m, m).map_or(f64::NAN, |p| p.cov(1));
    let mkt = historical(m, compounding, frequency);
    write(
        (0..cols).map(|j| {
            let beta = moments::pair_moments(c.col(j), m).map_or(f64::NAN, |p| p.cov(1)) / var_m;
            rf + beta * (mkt - rf)
        }),
        cols,
        out,
    )
}

/// Declaration of `mean_historical_return`.
pub static MEAN_HISTORICAL_RETURN: FunctionDecl = FunctionDecl {
    name: "mean_historical_return",
    module: Module::Alloc,
    group: "Estimators",
    summary: "Historical mean return per asset",
    doc: "mean(r) * frequency, or with compounding (prod(1 + r))^(frequency / count) - 1; under \
          \"pairwise\" each asset over its own periods. Reference: PyPortfolioOpt \
          expected_returns.mean_historical_return(returns_data=True) (whose defaults are \
          compounding=True, frequency=252).",
    inputs: &[RETURNS],
    params: &[COMPOUNDING, FREQUENCY, MISSING],
    outputs: &[OutputSpec::per_column("mu")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        let c = moments::columns("returns", data, rows, cols, Missing::parse(p.str(2))?)?;
        let (comp, freq) = (p.bool(0), p.float(1));
        write((0..cols).map(|j| historical(c.col(j), comp, freq)), cols, o.f64(0))
    },
    stream: None,
};

/// Declaration of `ema_historical_return`.
pub static EMA_HISTORICAL_RETURN: FunctionDecl = FunctionDecl {
    name: "ema_historical_return",
    module: Module::Alloc,
    group: "Estimators",
    summary: "Exponentially weighted mean return per asset",
    doc: "pandas ewm(span, adjust=True).mean() at the last period (weights (1 - a)^(t-1-k), \
          a = 2/(span+1)) times frequency, or with compounding (1 + ema)^frequency - 1. \
          Reference: PyPortfolioOpt expected_returns.ema_historical_return(returns_data=True) \
          (whose defaults are compounding=True, frequency=252, span=500).",
    inputs: &[RETURNS],
    params: &[
        ParamSpec::float(
            "span",
            500.0,
            1.0,
            1.0e9,
            "span of the exponential weights (a = 2/(span+1))",
        ),
        COMPOUNDING,
        FREQUENCY,
        MISSING,
    ],
    outputs: &[OutputSpec::per_column("mu")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        let c = moments::columns("returns", data, rows, cols, Missing::parse(p.str(3))?)?;
        write(ema(&c, p.float(0), p.bool(1), p.float(2)), cols, o.f64(0))
    },
    stream: None,
};

/// Declaration of `capm_return`.
pub static CAPM_RETURN: FunctionDecl = FunctionDecl {
    name: "capm_return",
    module: Module::Alloc,
    group: "Estimators",
    summary: "CAPM expected returns",
    doc: "risk_free_rate + beta_i (E[r_m] - risk_free_rate), beta_i = cov(r_i, r_m) / var(r_m) \
          (sample moments, pairwise as pandas), E[r_m] as mean_historical_return. An empty \
          market_returns uses the equally weighted average of the assets present each period. \
          Reference: PyPortfolioOpt expected_returns.capm_return(returns_data=True) (defaults \
          compounding=True, frequency=252).",
    inputs: &[
        RETURNS,
        InputSpec::series(
            "market_returns",
            "the market's return per period (t values), or empty for the equally weighted average",
        ),
    ],
    params: &[
        ParamSpec::float(
            "risk_free_rate",
            0.0,
            -1.0e6,
            1.0e6,
            "risk-free rate on the scale of the result (per period unless frequency annualises)",
        ),
        COMPOUNDING,
        FREQUENCY,
        MISSING,
    ],
    outputs: &[OutputSpec::per_column("mu")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        capm_into(
            data,
            rows,
            cols,
            i.series(1),
            p.float(0),
            p.bool(1),
            p.float(2),
            p.str(3),
            o.f64(0),
        )
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    const R: [f64; 6] = [0.01, 0.02, -0.01, 0.0, 0.03, 0.01]; // 3 x 2

    #[test]
    fn means() {
        let m = mean_historical_return(&R, 3, 2, false, 252.0, "error").unwrap();
        assert!((m[0] - 0.01 * 252.0).abs() < 1e-13 && (m[1] - 0.01 * 252.0).abs() < 1e-13);
        let g = mean_historical_return(&R, 3, 2, true, 3.0, "error").unwrap();
        assert!((g[0] - (1.01 * 0.99 * 1.03 - 1.0)).abs() < 1e-15);
    }

    #[test]
    fn ema_closed_form() {
        // span 3: a = 0.5, weights 0.25, 0.5, 1
        let e = ema_historical_return(&R, 3, 2, 3.0, false, 1.0, "error").unwrap();
        assert!((e[0] - (0.25 * 0.01 - 0.5 * 0.01 + 0.03) / 1.75).abs() < 1e-16);
    }

    #[test]
    fn capm_beta_one_for_the_market_itself() {
        let market = [0.01, -0.01, 0.03];
        let c = capm_return(&R, 3, 2, &market, 0.001, false, 1.0, "error").unwrap();
        // asset 0 is the market: beta 1, return = market mean
        assert!((c[0] - 0.01).abs() < 1e-16);
        assert!(capm_return(&R, 3, 2, &[0.0; 2], 0.0, false, 1.0, "error").is_err());
        // proxy: the row means
        let proxy = capm_return(&R, 3, 2, &[], 0.0, false, 1.0, "error").unwrap();
        let explicit =
            capm_return(&R, 3, 2, &[0.015, -0.005, 0.02], 0.0, false, 1.0, "error").unwrap();
        assert_eq!(proxy, explicit);
    }
}
