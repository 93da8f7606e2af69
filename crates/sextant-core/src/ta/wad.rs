//! TA-Lib's `WAD`: Williams' accumulation / distribution.

use serde::{Deserialize, Serialize};

use super::kernel_decl;
use crate::decl::{FromParams, Kernel, OutputSpec, Params};
use crate::error::Result;

/// Streaming state of `WAD`; bars are `(high, low, close)`. An up close adds `close - min(low,
/// prev close)`, a down close adds `close - max(high, prev close)`; the first bar is 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WilliamsAd {
    prev_close: Option<f64>,
    total: f64,
}

impl FromParams for WilliamsAd {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self::default())
    }
}

impl Kernel for WilliamsAd {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l, c) = (bar[0], bar[1], bar[2]);
        if let Some(pc) = self.prev_close.replace(c) {
            if c > pc {
                self.total += c - l.min(pc);
            } else if c < pc {
                self.total += c - h.max(pc);
            }
        }
        out[0] = self.total;
    }
    fn lookback(&self) -> usize {
        0
    }
    fn restart(&mut self) {
        *self = Self::default();
    }
}

kernel_decl!(WAD: WilliamsAd, "Momentum Indicators", "Williams Accumulation/Distribution",
    "Running sum of close - min(low, previous close) on up closes and close - max(high, previous close) on down closes. Reference: TA-Lib WAD.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [],
    outputs [OutputSpec::f64("real")]);
