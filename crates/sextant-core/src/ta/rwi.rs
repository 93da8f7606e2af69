//! `RWI`: Poulos' random walk index. Not in TA-Lib.

use serde::{Deserialize, Serialize};

use super::atr::AverageTrueRange;
use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `RWI`: `(high - low[t-p]) / (ATR(p) sqrt(p))` and
/// `(high[t-p] - low) / (ATR(p) sqrt(p))`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomWalkIndex {
    atr: AverageTrueRange,
    highs: Window,
    lows: Window,
    period: usize,
}

impl FromParams for RandomWalkIndex {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 1)?;
        let period = p.usize(0);
        Ok(Self {
            atr: AverageTrueRange::new(period)?,
            highs: Window::new(period + 1),
            lows: Window::new(period + 1),
            period,
        })
    }
}

impl Kernel for RandomWalkIndex {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 2;
    // embeds an ATR state
    const STATE_REVISION: u8 = <AverageTrueRange as Kernel>::STATE_REVISION;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l) = (bar[0], bar[1]);
        self.highs.push(h);
        self.lows.push(l);
        let mut atr = [f64::NAN];
        self.atr.step(bar, &mut atr);
        if atr[0].is_nan() || !self.highs.is_full() {
            out[0] = f64::NAN;
            out[1] = f64::NAN;
            return;
        }
        let denom = atr[0] * (self.period as f64).sqrt();
        let (up, down) = (h - self.lows.ago(self.period), self.highs.ago(self.period) - l);
        // no true range over the window: no walk to compare with, 0
        (out[0], out[1]) = if denom > 0.0 { (up / denom, down / denom) } else { (0.0, 0.0) };
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.atr.restart();
        self.highs.clear();
        self.lows.clear();
    }
}

kernel_decl!(RWI: RandomWalkIndex, "Volatility Indicators", "Random Walk Index",
    "high: (high - low[t-p]) / (ATR(p) sqrt(p)); low: (high[t-p] - low) / (ATR(p) sqrt(p)), TA-Lib's ATR; 0 where the ATR is 0. Not in TA-Lib; reference: pandas-ta rwi.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "lag and ATR length")],
    outputs [OutputSpec::f64("rwihigh"), OutputSpec::f64("rwilow")]);
