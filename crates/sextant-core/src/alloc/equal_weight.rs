use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec};
use crate::error::{check_out_len, Error, Result};

/// Computes equal weights `1 / n` for the `n` columns of a matrix (returns or a covariance;
/// only its shape is read), skfolio's `EqualWeighted`.
///
/// # Errors
/// [`Error::InvalidInput`] for a matrix without columns.
///
/// # Examples
/// ```
/// let w = sextant_core::alloc::equal_weight(&[0.0; 8], 2, 4).unwrap();
/// assert_eq!(w, vec![0.25; 4]);
/// ```
pub fn equal_weight(x: &[f64], rows: usize, cols: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    equal_weight_into(x, rows, cols, &mut out)?;
    Ok(out)
}

/// [`equal_weight`] into a caller-provided buffer of length `n`.
pub fn equal_weight_into(_x: &[f64], _rows: usize, cols: usize, out: &mut [f64]) -> Result<()> {
    if cols == 0 {
        return Err(Error::InvalidInput {
            input: "returns".into(),
            reason: "no assets (0 columns)".into(),
        });
    }
    check_out_len("weights", out.len(), cols)?;
    #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
    out.fill(1.0 / cols as f64);
    Ok(())
}

/// Declaration of `equal_weight`.
pub static EQUAL_WEIGHT: FunctionDecl = FunctionDecl {
    name: "equal_weight",
    module: Module::Alloc,
    group: "Weighting",
    summary: "Equal weights 1/n",
    doc: "w_i = 1/n for the n columns of the input (returns or covariance). Reference: skfolio EqualWeighted.",
    inputs: &[InputSpec::matrix("returns", "t x n returns (or an n x n covariance); only the column count is read")],
    params: &[],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, _, o| {
        let (data, rows, cols) = i.matrix(0);
        equal_weight_into(data, rows, cols, o.f64(0))
    },
    stream: None,
};
