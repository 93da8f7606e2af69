//! TA-Lib's `TRANGE` (true range) and `NATR` (normalised average true range).

use serde::{Deserialize, Serialize};

use super::{kernel_columns, kernel_decl, one, AverageTrueRange, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// TA-Lib's true range of a bar given the previous close: the largest of `high - low`,
/// `|prev_close - high|` and `|prev_close - low|` (inputs are never NaN here).
#[inline]
pub(crate) fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    let mut r = high - low;
    let up = (prev_close - high).abs();
    if up > r {
        r = up;
    }
    let down = (prev_close - low).abs();
    if down > r {
        r = down;
    }
    r
}

/// Streaming state of `TRANGE`; bars are `(high, low, close)`. The first bar has no previous
/// close and gives NaN (TA-Lib's lookback of 1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrueRange {
    prev_close: Option<f64>,
}

impl FromParams for TrueRange {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self::default())
    }
}

impl Kernel for TrueRange {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = match self.prev_close.replace(bar[2]) {
            Some(pc) => true_range(bar[0], bar[1], pc),
            None => f64::NAN,
        };
    }
    fn lookback(&self) -> usize {
        1
    }
    fn restart(&mut self) {
        self.prev_close = None;
    }
}

kernel_decl!(TRANGE: TrueRange, "Volatility Indicators", "True Range",
    "max(high - low, |prev_close - high|, |prev_close - low|) from the second bar on. Reference: TA-Lib TRANGE.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [],
    outputs [OutputSpec::f64("real")]);

/// Streaming state of `NATR`: `100 * ATR / close` (0 when the close is zero). As in TA-Lib, a
/// period of 1 gives the plain true range, not normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormalizedAverageTrueRange {
    atr: AverageTrueRange,
    period: usize,
}

impl NormalizedAverageTrueRange {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        Ok(Self { atr: AverageTrueRange::new(timeperiod)?, period: timeperiod })
    }
}

impl FromParams for NormalizedAverageTrueRange {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for NormalizedAverageTrueRange {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    // embeds an ATR state
    const STATE_REVISION: u8 = <AverageTrueRange as Kernel>::STATE_REVISION;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.atr.step(bar, out);
        if self.period > 1 && !out[0].is_nan() {
            let close = bar[2];
            out[0] = if close == 0.0 { 0.0 } else { (out[0] / close) * 100.0 };
        }
    }
    fn lookback(&self) -> usize {
        self.atr.lookback()
    }
    fn restart(&mut self) {
        self.atr.restart();
    }
}

kernel_decl!(NATR: crate::decl::Gated<NormalizedAverageTrueRange, { crate::decl::UnstableId::Natr as u8 }>, "Volatility Indicators", "Normalized Average True Range",
    "100 * ATR(timeperiod) / close, 0 when close is zero; timeperiod 1 gives TRANGE (TA-Lib's rule). Reference: TA-Lib NATR.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "Wilder smoothing period"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);

/// True range, TA-Lib's `TRANGE` (NaN on the first bar).
///
/// # Errors
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "TRANGE")]
pub fn trange(high: &[f64], low: &[f64], close: &[f64]) -> Result<Vec<f64>> {
    kernel_columns(&TrueRange::default(), &["high", "low", "close"], &[high, low, close]).map(one)
}

/// Normalised average true range, TA-Lib's `NATR`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "NATR")]
pub fn natr(high: &[f64], low: &[f64], close: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    let k = NormalizedAverageTrueRange::new(timeperiod)?;
    kernel_columns(&k, &["high", "low", "close"], &[high, low, close]).map(one)
}
