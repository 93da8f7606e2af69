//! `top_n_momentum`: equal weights on the `n` assets with the best trailing compounded return.

use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{check_out_len, Error, Result};

/// Top-N momentum weights from a row-major `rows x cols` returns matrix: each asset's score is
/// its compounded return `prod(1 + r) - 1` over the `lookback` periods that end `skip` periods
/// before the last (the classic 12-1 momentum is `lookback = 252 - 21`, `skip = 21` on daily
/// returns); the `top_n` best scores get `1 / top_n` each, the rest 0. Ties go to the lower
/// column index (pandas' `Series.nlargest(keep="first")`). An asset with a NaN in the window
/// is not eligible.
///
/// # Errors
/// [`Error::InvalidInput`] for no assets or an infinite return; [`Error::OutOfRange`] when
/// `lookback + skip` exceeds the periods, or fewer than `top_n` assets are eligible.
///
/// # Examples
/// ```
/// // 2 periods x 3 assets: compounded returns 0.21, -0.0199, 0.1025
/// let r = [0.1, -0.01, 0.05, 0.1, -0.01, 0.05];
/// let w = sextant_core::alloc::top_n_momentum(&r, 2, 3, 2, 0, 2).unwrap();
/// assert_eq!(w, vec![0.5, 0.0, 0.5]);
/// ```
pub fn top_n_momentum(
    returns: &[f64],
    rows: usize,
    cols: usize,
    lookback: usize,
    skip: usize,
    top_n: usize,
) -> Result<Vec<f64>> {
    let mut out = vec![0.0; cols];
    top_n_momentum_into(returns, rows, cols, lookback, skip, top_n, &mut out)?;
    Ok(out)
}

/// [`top_n_momentum`] into a caller-provided buffer of length `cols`.
pub fn top_n_momentum_into(
    returns: &[f64],
    rows: usize,
    cols: usize,
    lookback: usize,
    skip: usize,
    top_n: usize,
    out: &mut [f64],
) -> Result<()> {
    let bad = |reason: String| Error::InvalidInput { input: "returns".into(), reason };
    if cols == 0 {
        return Err(bad("no assets (0 columns)".into()));
    }
    if rows.checked_mul(cols) != Some(returns.len()) {
        return Err(bad(format!(
            "{rows} x {cols} matrix needs {} values",
            rows.saturating_mul(cols)
        )));
    }
    check_out_len("weights", out.len(), cols)?;
    if let Some(k) = returns.iter().position(|v| v.is_infinite()) {
        return Err(bad(format!("returns[{}][{}] is infinite", k / cols, k % cols)));
    }
    let need = lookback.saturating_add(skip);
    if need > rows {
        return Err(Error::OutOfRange {
            param: "lookback".into(),
            value: lookback.to_string(),
            bound: format!("lookback + skip = {need} exceeds the {rows} periods"),
        });
    }
    let (start, end) = (rows - need, rows - skip);
    let mut scores: Vec<(usize, f64)> = (0..cols)
        .filter_map(|j| {
            let s = (start..end).try_fold(1.0, |p, r| {
                let v = returns[r * cols + j];
                if v.is_nan() {
                    None
                } else {
                    Some(p * (1.0 + v))
                }
            })?;
            Some((j, s - 1.0))
        })
        .collect();
    if scores.len() < top_n {
        return Err(Error::OutOfRange {
            param: "top_n".into(),
            value: top_n.to_string(),
            bound: format!("only {} assets have no NaN in the window", scores.len()),
        });
    }
    // best first; stable, so ties keep the lower index
    scores.sort_by(|a, b| b.1.total_cmp(&a.1));
    out.fill(0.0);
    #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
    let w = 1.0 / top_n as f64;
    for &(j, _) in &scores[..top_n] {
        out[j] = w;
    }
    Ok(())
}

/// Declaration of `top_n_momentum`.
pub static TOP_N_MOMENTUM: FunctionDecl = FunctionDecl {
    name: "top_n_momentum",
    module: Module::Alloc,
    group: "Weighting",
    summary: "Equal weights on the top-N assets by trailing return",
    doc: "Score: prod(1 + r) - 1 over the lookback periods ending skip periods before the last; \
          the top_n scores get 1/top_n, the rest 0; ties to the lower column (pandas \
          nlargest(keep=\"first\")); assets with a NaN in the window are not eligible. \
          Reference: pandas (scripts/golden/generate.py).",
    inputs: &[InputSpec::matrix("returns", "t x n asset returns, one row per period")],
    params: &[
        ParamSpec::int(
            "lookback",
            231,
            1,
            1_000_000,
            "periods in the scoring window (231 + skip 21: 12-1 momentum on daily data)",
        ),
        ParamSpec::int(
            "skip",
            21,
            0,
            1_000_000,
            "most recent periods left out of the window (short-term reversal)",
        ),
        ParamSpec::int("top_n", 5, 1, 100_000, "number of assets held"),
    ],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        top_n_momentum_into(data, rows, cols, p.usize(0), p.usize(1), p.usize(2), o.f64(0))
    },
    stream: None,
};
