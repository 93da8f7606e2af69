//! TA-Lib's `SUPERTREND`: ATR bands around the median price that ratchet toward price.

use serde::{Deserialize, Serialize};

use super::atr::AverageTrueRange;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `SUPERTREND`; bars are `(high, low, close)`; outputs `(supertrend,
/// trend)` with trend +1 (long, the seed) or -1 (int32, 0 in warm-up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuperTrend {
    atr: AverageTrueRange,
    multiplier: f64,
    started: bool,
    up: bool,
    final_upper: f64,
    final_lower: f64,
    prev_close: f64,
}

impl SuperTrend {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize, multiplier: f64) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self {
            atr: AverageTrueRange::new(timeperiod)?,
            multiplier,
            started: false,
            up: true,
            final_upper: 0.0,
            final_lower: 0.0,
            prev_close: 0.0,
        })
    }
}

impl FromParams for SuperTrend {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.float(1))
    }
}

impl Kernel for SuperTrend {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 2;
    // embeds an ATR state
    const STATE_REVISION: u8 = <AverageTrueRange as Kernel>::STATE_REVISION;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l, c) = (bar[0], bar[1], bar[2]);
        let mut atr = [0.0];
        self.atr.step(bar, &mut atr);
        if atr[0].is_nan() {
            out[0] = f64::NAN;
            out[1] = 0.0;
            return;
        }
        let median = (h + l) / 2.0;
        let band = self.multiplier * atr[0];
        let (basic_upper, basic_lower) = (median + band, median - band);
        if self.started {
            if basic_upper < self.final_upper || self.prev_close > self.final_upper {
                self.final_upper = basic_upper;
            }
            if basic_lower > self.final_lower || self.prev_close < self.final_lower {
                self.final_lower = basic_lower;
            }
            if self.up {
                if c < self.final_lower {
                    self.up = false;
                }
            } else if c > self.final_upper {
                self.up = true;
            }
        } else {
            self.started = true;
            self.up = true;
            self.final_upper = basic_upper;
            self.final_lower = basic_lower;
        }
        self.prev_close = c;
        if self.up {
            out[0] = self.final_lower;
            out[1] = 1.0;
        } else {
            out[0] = self.final_upper;
            out[1] = -1.0;
        }
    }
    fn lookback(&self) -> usize {
        self.atr.lookback()
    }
    fn restart(&mut self) {
        self.atr.restart();
        self.started = false;
    }
    fn empty_bar(out: &mut [f64]) {
        out[0] = f64::NAN;
        out[1] = 0.0;
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.atr.set_unstable(u);
    }
}

kernel_decl!(SUPERTREND: SuperTrend, "Overlap Studies", "Supertrend",
    "Bands (high + low) / 2 +/- multiplier * ATR(timeperiod) that ratchet toward price until a close crosses them; the first output is long. trend is +1 / -1. Reference: TA-Lib SUPERTREND.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [
        ParamSpec::int("timeperiod", 10, 2, MAX_PERIOD, "ATR length"),
        ParamSpec::float("multiplier", 3.0, 0.0, 3e37, "ATR multiplier"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("supertrend"), OutputSpec::i32("trend")]);
