//! TA-Lib's Balance Of Power, `BOP`.

use serde::{Deserialize, Serialize};

use super::{kernel_columns, kernel_decl, one};
use crate::decl::{FromParams, Kernel, OutputSpec, Params};
use crate::error::Result;

/// Streaming state of `BOP`: `(close - open) / (high - low)`, 0 when the range is not positive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BalanceOfPower;

impl FromParams for BalanceOfPower {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self)
    }
}

impl Kernel for BalanceOfPower {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let range = bar[1] - bar[2];
        out[0] = if range > 0.0 { (bar[3] - bar[0]) / range } else { 0.0 };
    }
    fn lookback(&self) -> usize {
        0
    }
    fn restart(&mut self) {}
}

kernel_decl!(pointwise BOP: BalanceOfPower, "Momentum Indicators", "Balance Of Power",
    "(close - open) / (high - low); 0 when high - low is not positive. Reference: TA-Lib BOP.",
    inputs ["open": "open prices", "high": "high prices", "low": "low prices", "close": "close prices"],
    params [],
    outputs [OutputSpec::f64("real")]);

/// Balance of power, TA-Lib's `BOP`.
///
/// # Errors
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "BOP")]
pub fn bop(open: &[f64], high: &[f64], low: &[f64], close: &[f64]) -> Result<Vec<f64>> {
    kernel_columns(&BalanceOfPower, &["open", "high", "low", "close"], &[open, high, low, close])
        .map(one)
}
