//! TA-Lib's Williams' %R, `WILLR`.

use serde::{Deserialize, Serialize};

use super::aroon::HighLowWindow;
use super::{kernel_columns, kernel_decl, one, talib_is_zero_scaled, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `WILLR`: `-100 * (highest - close) / (highest - lowest)` over
/// `timeperiod` bars, 0 for a window flat to a relative 1e-14 (TA-Lib's scaled zero test).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WilliamsR {
    hl: HighLowWindow,
    period: usize,
}

impl WilliamsR {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self { hl: HighLowWindow::new(timeperiod), period: timeperiod })
    }
}

impl FromParams for WilliamsR {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for WilliamsR {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.hl.push(bar[0], bar[1]);
        if !self.hl.is_full() {
            out[0] = f64::NAN;
            return;
        }
        let (hi, lo) = (self.hl.highest(), self.hl.lowest());
        out[0] = if talib_is_zero_scaled(hi - lo, hi.abs() + lo.abs()) {
            0.0
        } else {
            ((hi - bar[2]) / (hi - lo)) * -100.0
        };
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.hl.clear();
    }
}

kernel_decl!(WILLR: WilliamsR, "Momentum Indicators", "Williams' %R",
    "-100 * (highest high - close) / (highest high - lowest low) over timeperiod bars; 0 for a window flat to a relative 1e-14. Reference: TA-Lib WILLR.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);

/// Williams' %R, TA-Lib's `WILLR`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "WILLR")]
pub fn willr(high: &[f64], low: &[f64], close: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    let k = WilliamsR::new(timeperiod)?;
    kernel_columns(&k, &["high", "low", "close"], &[high, low, close]).map(one)
}
