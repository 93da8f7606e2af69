//! TA-Lib's `EFI`: Elder's force index.

use serde::{Deserialize, Serialize};

use super::ema::ExponentialMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// Streaming state of `EFI`; bars are `(close, volume)`: `EMA((close - prev close) * volume)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForceIndex {
    ema: ExponentialMovingAverage,
    prev: Option<f64>,
}

impl FromParams for ForceIndex {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { ema: ExponentialMovingAverage::new(p.usize(0))?, prev: None })
    }
}

impl Kernel for ForceIndex {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        match self.prev.replace(bar[0]) {
            Some(pc) => self.ema.step(&[(bar[0] - pc) * bar[1]], out),
            None => out[0] = f64::NAN,
        }
    }
    fn lookback(&self) -> usize {
        1 + self.ema.lookback()
    }
    fn restart(&mut self) {
        self.ema.restart();
        self.prev = None;
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.ema.set_unstable(u);
    }
}

kernel_decl!(EFI: ForceIndex, "Volume Indicators", "Elder Force Index",
    "EMA((close - previous close) * volume, timeperiod). Reference: TA-Lib EFI.",
    inputs ["close": "close prices", "volume": "volumes"],
    params [ParamSpec::int("timeperiod", 13, 1, MAX_PERIOD, "EMA length"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);
