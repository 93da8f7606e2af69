//! `correlation`: the Pearson correlation matrix of a returns matrix, with the `missing` policy
//! of [`crate::moments::MISSING`].

use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec};
use crate::error::{check_out_len, Result};
use crate::moments::{self, Missing, MISSING};

/// Pearson correlation matrix of the columns of a row-major `rows x cols` returns matrix.
/// Under `missing = "pairwise"` (pandas' `DataFrame.corr`) each entry uses the periods where
/// both assets are present, with the means and standard deviations of those periods;
/// `"listwise"` is `numpy.corrcoef` of the complete periods. NaN where a pair has fewer than
/// 2 common periods or no dispersion over them.
///
/// # Errors
/// [`crate::Error::InvalidInput`] for a matrix without columns, an infinite value, or a NaN
/// under `missing = "error"`.
///
/// # Examples
/// ```
/// let r = [0.01, 0.02, -0.01, -0.02, 0.03, 0.06]; // 3 periods x 2 assets, asset 1 = 2 x asset 0
/// let c = sextant_core::risk::correlation(&r, 3, 2, "pairwise").unwrap();
/// assert!((c[1] - 1.0).abs() < 1e-15 && c[0] == 1.0);
/// ```
pub fn correlation(returns: &[f64], rows: usize, cols: usize, missing: &str) -> Result<Vec<f64>> {
    let c = moments::columns("returns", returns, rows, cols, Missing::parse(missing)?)?;
    Ok(moments::correlation(&c))
}

/// Declaration of `correlation`.
pub static CORRELATION: FunctionDecl = FunctionDecl {
    name: "correlation",
    module: Module::Risk,
    group: "Correlation",
    summary: "Pearson correlation matrix of returns",
    doc: "Pearson correlation of the columns. missing=\"pairwise\" (default) uses, per pair, the \
          periods where both are present, as pandas DataFrame.corr; \"listwise\" is \
          numpy.corrcoef of the complete periods; \"error\" rejects NaN. NaN where a pair has \
          fewer than 2 common periods or zero variance over them.",
    inputs: &[InputSpec::matrix(
        "returns",
        "t x n returns, one row per period (NaN where missing)",
    )],
    params: &[MISSING],
    outputs: &[OutputSpec::square("correlation")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        let c = moments::columns("returns", data, rows, cols, Missing::parse(p.str(0))?)?;
        let m = moments::correlation(&c);
        let out = o.f64(0);
        check_out_len("correlation", out.len(), m.len())?;
        out.copy_from_slice(&m);
        Ok(())
    },
    stream: None,
};
