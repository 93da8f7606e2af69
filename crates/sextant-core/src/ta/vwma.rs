//! TA-Lib's `VWMA`: volume-weighted moving average.

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `VWMA`; bars are `(real, volume)`. TA-Lib's arithmetic:
/// `(sum(p * v) / n) / (sum(v) / n)` over running sums (a zero volume window gives NaN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeWeightedMa {
    period: usize,
    pv: Window,
    v: Window,
    sum_pv: f64,
    sum_v: f64,
}

impl VolumeWeightedMa {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self {
            period: timeperiod,
            pv: Window::new(timeperiod),
            v: Window::new(timeperiod),
            sum_pv: 0.0,
            sum_v: 0.0,
        })
    }
}

impl FromParams for VolumeWeightedMa {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for VolumeWeightedMa {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        if self.period == 1 {
            out[0] = bar[0];
            return;
        }
        let pv = bar[0] * bar[1];
        self.sum_pv += pv;
        self.sum_v += bar[1];
        self.pv.push(pv);
        self.v.push(bar[1]);
        if self.pv.is_full() {
            let pf = self.period as f64;
            out[0] = self.sum_pv / pf / (self.sum_v / pf);
            // the oldest bar leaves the sums (it is evicted by the next push)
            self.sum_pv -= self.pv.ago(self.period - 1);
            self.sum_v -= self.v.ago(self.period - 1);
        } else {
            out[0] = f64::NAN;
        }
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.pv.clear();
        self.v.clear();
        self.sum_pv = 0.0;
        self.sum_v = 0.0;
    }
}

kernel_decl!(VWMA: VolumeWeightedMa, "Overlap Studies", "Volume Weighted Moving Average",
    "sum(real * volume) / sum(volume) over the last timeperiod bars (NaN when the window's volume is zero). Reference: TA-Lib VWMA.",
    inputs ["real": "input series", "volume": "volumes"],
    params [ParamSpec::int("timeperiod", 30, 1, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
