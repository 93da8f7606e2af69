//! TA-Lib's Commodity Channel Index, `CCI`.

use serde::{Deserialize, Serialize};

use super::{kernel_columns, kernel_decl, one, talib_is_zero_scaled, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `CCI`: typical prices `(h + l + c) / 3` in a ring, their mean and mean
/// absolute deviation recomputed per bar in ring-slot order (TA-Lib's summation order);
/// `(tp - mean) / (0.015 * mad)`, 0 when either is zero relative to the mean (1e-14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommodityChannelIndex {
    ring: Vec<f64>,
    pos: usize,
    len: usize,
}

impl CommodityChannelIndex {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self { ring: vec![0.0; timeperiod], pos: 0, len: 0 })
    }
}

impl FromParams for CommodityChannelIndex {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for CommodityChannelIndex {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let n = self.ring.len();
        let tp = (bar[0] + bar[1] + bar[2]) / 3.0;
        self.ring[self.pos] = tp;
        self.pos = if self.pos + 1 == n { 0 } else { self.pos + 1 };
        if self.len < n {
            self.len += 1;
        }
        if self.len < n {
            out[0] = f64::NAN;
            return;
        }
        let pf = n as f64;
        let mut mean = 0.0;
        for v in &self.ring {
            mean += v;
        }
        mean /= pf;
        let mut dev = 0.0;
        for v in &self.ring {
            dev += (v - mean).abs();
        }
        let mad = dev / pf;
        let d = tp - mean;
        // both zero tests are relative to the window's price level, as TA-Lib 0.8.1
        let level = mean.abs();
        out[0] = if !talib_is_zero_scaled(d, level) && !talib_is_zero_scaled(mad, level) {
            d / (0.015 * mad)
        } else {
            0.0
        };
    }
    fn lookback(&self) -> usize {
        self.ring.len() - 1
    }
    fn restart(&mut self) {
        self.pos = 0;
        self.len = 0;
    }
}

kernel_decl!(CCI: CommodityChannelIndex, "Momentum Indicators", "Commodity Channel Index",
    "(tp - mean(tp)) / (0.015 * mean |tp - mean(tp)|) over timeperiod bars, tp = (high + low + close) / 3; 0 when either is zero relative to the mean (1e-14). Reference: TA-Lib CCI.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);

/// Commodity channel index, TA-Lib's `CCI`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "CCI")]
pub fn cci(high: &[f64], low: &[f64], close: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    let k = CommodityChannelIndex::new(timeperiod)?;
    kernel_columns(&k, &["high", "low", "close"], &[high, low, close]).map(one)
}
