//! TA-Lib's `DPO`: detrended price oscillator.

use serde::{Deserialize, Serialize};

use super::sma::SimpleMovingAverage;
use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `DPO`: `close[t - (p / 2 + 1)] - SMA(close, p)[t]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetrendedPriceOscillator {
    sma: SimpleMovingAverage,
    closes: Window,
    shift: usize,
    lookback: usize,
    seen: usize,
}

impl DetrendedPriceOscillator {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        let shift = timeperiod / 2 + 1;
        Ok(Self {
            sma: SimpleMovingAverage::new(timeperiod)?,
            closes: Window::new(shift + 1),
            shift,
            lookback: (timeperiod - 1).max(shift),
            seen: 0,
        })
    }
}

impl FromParams for DetrendedPriceOscillator {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for DetrendedPriceOscillator {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let mut s = [0.0];
        self.sma.step(bar, &mut s);
        self.closes.push(bar[0]);
        self.seen += 1;
        out[0] =
            if self.seen > self.lookback { self.closes.ago(self.shift) - s[0] } else { f64::NAN };
    }
    fn lookback(&self) -> usize {
        self.lookback
    }
    fn restart(&mut self) {
        self.sma.restart();
        self.closes.clear();
        self.seen = 0;
    }
}

kernel_decl!(DPO: DetrendedPriceOscillator, "Momentum Indicators", "Detrended Price Oscillator",
    "close[t - (timeperiod / 2 + 1)] - SMA(close, timeperiod)[t]. Reference: TA-Lib DPO.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 20, 2, MAX_PERIOD, "SMA length")],
    outputs [OutputSpec::f64("real")]);
