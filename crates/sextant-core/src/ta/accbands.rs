//! TA-Lib's `ACCBANDS`: Headley's acceleration bands.

use serde::{Deserialize, Serialize};

use super::sma::SimpleMovingAverage;
use super::{kernel_decl, talib_is_zero, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `ACCBANDS`; bars are `(high, low, close)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccelerationBands {
    upper: SimpleMovingAverage,
    middle: SimpleMovingAverage,
    lower: SimpleMovingAverage,
}

impl AccelerationBands {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        let sma = SimpleMovingAverage::new(timeperiod)?;
        Ok(Self { upper: sma.clone(), middle: sma.clone(), lower: sma })
    }
}

impl FromParams for AccelerationBands {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for AccelerationBands {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 3;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l, c) = (bar[0], bar[1], bar[2]);
        let s = h + l;
        let (up, dn) = if talib_is_zero(s) {
            (h, l)
        } else {
            let r = 4.0 * (h - l) / s;
            (h * (1.0 + r), l * (1.0 - r))
        };
        self.upper.step(&[up], &mut out[0..1]);
        self.middle.step(&[c], &mut out[1..2]);
        self.lower.step(&[dn], &mut out[2..3]);
    }
    fn lookback(&self) -> usize {
        self.middle.lookback()
    }
    fn restart(&mut self) {
        self.upper.restart();
        self.middle.restart();
        self.lower.restart();
    }
}

kernel_decl!(ACCBANDS: AccelerationBands, "Overlap Studies", "Acceleration Bands",
    "upper = SMA(high * (1 + 4 (h - l) / (h + l))), middle = SMA(close), lower = SMA(low * (1 - 4 (h - l) / (h + l))). Reference: TA-Lib ACCBANDS.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 20, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("upperband"), OutputSpec::f64("middleband"), OutputSpec::f64("lowerband")]);
