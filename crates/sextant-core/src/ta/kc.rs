//! TA-Lib's `KC`: Keltner channels, an EMA of the typical price plus / minus a multiple of ATR.

use serde::{Deserialize, Serialize};

use super::atr::AverageTrueRange;
use super::ema::ExponentialMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// TA-Lib's `TA_REAL_MIN` / `TA_REAL_MAX` bounds of float parameters.
const REAL_MAX: f64 = 3e37;

/// Streaming state of `KC`; bars are `(high, low, close)`. As in TA-Lib each leg starts at its
/// own lookback before the first output: the EMA seeds on the `timeperiod` typical prices
/// ending there, the ATR on the `atrperiod` true ranges ending there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeltnerChannels {
    ema: ExponentialMovingAverage,
    atr: AverageTrueRange,
    nbdev: f64,
    lookback: usize,
    ema_start: usize,
    atr_start: usize,
    seen: usize,
}

impl KeltnerChannels {
    /// A fresh state; `timeperiod >= 2`, `atrperiod >= 1`.
    pub fn new(timeperiod: usize, atrperiod: usize, nbdev: f64) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        check_min("atrperiod", atrperiod, 1)?;
        let lookback = (timeperiod - 1).max(atrperiod);
        Ok(Self {
            ema: ExponentialMovingAverage::new(timeperiod)?,
            atr: AverageTrueRange::new(atrperiod)?,
            nbdev,
            lookback,
            ema_start: lookback - (timeperiod - 1),
            atr_start: lookback - atrperiod,
            seen: 0,
        })
    }
}

impl FromParams for KeltnerChannels {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.usize(1), p.float(2))
    }
}

impl Kernel for KeltnerChannels {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 3;
    // embeds an ATR state
    const STATE_REVISION: u8 = <AverageTrueRange as Kernel>::STATE_REVISION;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let i = self.seen;
        self.seen += 1;
        let mut mid = [f64::NAN];
        let mut atr = [f64::NAN];
        if i >= self.ema_start {
            self.ema.step(&[(bar[0] + bar[1] + bar[2]) / 3.0], &mut mid);
        }
        if i >= self.atr_start {
            self.atr.step(bar, &mut atr);
        }
        if i < self.lookback {
            out.fill(f64::NAN);
            return;
        }
        let band = atr[0] * self.nbdev;
        out[0] = mid[0] + band;
        out[1] = mid[0];
        out[2] = mid[0] - band;
    }
    fn lookback(&self) -> usize {
        self.lookback
    }
    fn restart(&mut self) {
        self.ema.restart();
        self.atr.restart();
        self.seen = 0;
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.ema.set_unstable(u);
        self.atr.set_unstable(u);
        // both bands start on the same bar: the later-starting average sets it
        let (le, la) = (self.ema.lookback(), self.atr.lookback());
        self.lookback = le.max(la);
        self.ema_start = self.lookback - le;
        self.atr_start = self.lookback - la;
    }
}

kernel_decl!(KC: KeltnerChannels, "Overlap Studies", "Keltner Channels",
    "middleband = EMA(typical price, timeperiod), upper/lower = middle +/- nbdev * ATR(atrperiod); each leg starts at its own lookback. Reference: TA-Lib KC.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [
        ParamSpec::int("timeperiod", 20, 2, MAX_PERIOD, "EMA length"),
        ParamSpec::int("atrperiod", 10, 1, MAX_PERIOD, "ATR length"),
        ParamSpec::float("nbdev", 2.0, -REAL_MAX, REAL_MAX, "ATR multiplier"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("upperband"), OutputSpec::f64("middleband"), OutputSpec::f64("lowerband")]);
