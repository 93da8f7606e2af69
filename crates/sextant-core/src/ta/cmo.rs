//! TA-Lib's Chande Momentum Oscillator, `CMO`.

use serde::{Deserialize, Serialize};

use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{kernel_batch, FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `CMO`: gains and losses averaged as RSI does (mean of the first
/// `timeperiod` changes, then Wilder-smoothed); `100 * (gain - loss) / (gain + loss)`, 0 when both
/// averages are zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChandeMomentum {
    period: usize,
    prev: Option<f64>,
    count: usize,
    gain: f64,
    loss: f64,
}

impl ChandeMomentum {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self { period: timeperiod, prev: None, count: 0, gain: 0.0, loss: 0.0 })
    }
}

impl FromParams for ChandeMomentum {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

#[inline]
fn cmo_value(gain: f64, loss: f64) -> f64 {
    // TA-Lib 0.8.1 tests the total exactly (a fixed band would depend on the price unit)
    let t = gain + loss;
    if t > 0.0 {
        100.0 * ((gain - loss) / t)
    } else {
        0.0
    }
}

impl Kernel for ChandeMomentum {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        let Some(prev) = self.prev.replace(x) else {
            out[0] = f64::NAN;
            return;
        };
        let d = x - prev;
        let pf = self.period as f64;
        if self.count < self.period {
            self.loss -= d.min(0.0);
            self.gain += d.max(0.0);
            self.count += 1;
            if self.count == self.period {
                self.loss /= pf;
                self.gain /= pf;
                out[0] = cmo_value(self.gain, self.loss);
            } else {
                out[0] = f64::NAN;
            }
        } else {
            let m = (self.period - 1) as f64;
            self.loss *= m;
            self.gain *= m;
            self.loss -= d.min(0.0);
            self.gain += d.max(0.0);
            self.loss /= pf;
            self.gain /= pf;
            out[0] = cmo_value(self.gain, self.loss);
        }
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.prev = None;
        self.count = 0;
        self.gain = 0.0;
        self.loss = 0.0;
    }
}

kernel_decl!(CMO: ChandeMomentum, "Momentum Indicators", "Chande Momentum Oscillator",
    "100 * (gain - loss) / (gain + loss), gains and losses averaged as in RSI (SMA seed, Wilder smoothing); 0 when both averages are zero. Reference: TA-Lib CMO.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "number of changes averaged")],
    outputs [OutputSpec::f64("real")]);

/// Chande Momentum Oscillator, TA-Lib's `CMO`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`.
#[doc(alias = "CMO")]
pub fn cmo(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&ChandeMomentum::new(timeperiod)?, real))
}
