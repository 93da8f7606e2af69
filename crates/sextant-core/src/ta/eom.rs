//! `EOM`: Arms' ease of movement. Not in TA-Lib.

use serde::{Deserialize, Serialize};

use super::sma::SimpleMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `EOM`: the SMA over `timeperiod` of
/// `(hl2 - hl2[t-1]) / ((volume / divisor) / (high - low))`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EaseOfMovement {
    sma: SimpleMovingAverage,
    prev_mid: Option<f64>,
    divisor: f64,
}

impl FromParams for EaseOfMovement {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 1)?;
        Ok(Self { sma: SimpleMovingAverage::new(p.usize(0))?, prev_mid: None, divisor: p.float(1) })
    }
}

impl Kernel for EaseOfMovement {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l, v) = (bar[0], bar[1], bar[3]);
        let mid = (h + l) / 2.0;
        out[0] = f64::NAN;
        let Some(prev) = self.prev_mid.replace(mid) else { return };
        let range = h - l;
        // a bar without range or volume moves with no effort measured: 0
        let emv =
            if range == 0.0 || v == 0.0 { 0.0 } else { (mid - prev) / (v / self.divisor / range) };
        self.sma.step(&[emv], out);
    }
    fn lookback(&self) -> usize {
        1 + self.sma.lookback()
    }
    fn restart(&mut self) {
        self.sma.restart();
        self.prev_mid = None;
    }
}

kernel_decl!(EOM: EaseOfMovement, "Volume Indicators", "Ease of Movement",
    "SMA over timeperiod of (hl2 - hl2[t-1]) / ((volume / divisor) / (high - low)); 0 on a bar without range or volume. Not in TA-Lib; reference: pandas-ta eom.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices (unused, kept for the common HLCV signature)", "volume": "volumes"],
    params [
        ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "SMA length"),
        ParamSpec::float("divisor", 100_000_000.0, 1e-12, 1e300, "volume scale (the box ratio's unit)"),
    ],
    outputs [OutputSpec::f64("real")]);
