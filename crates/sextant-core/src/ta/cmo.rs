//! TA-Lib's Chande Momentum Oscillator, `CMO`.

use serde::{Deserialize, Serialize};

use super::rsi::{Scale, WilderGainLoss};
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{kernel_batch, FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `CMO`: gains and losses averaged as RSI does (mean of the first
/// `timeperiod` changes, then Wilder-smoothed); `100 * (gain - loss) / (gain + loss)`, 0 when both
/// averages are zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChandeMomentum(WilderGainLoss);

impl ChandeMomentum {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self(WilderGainLoss::new(timeperiod)))
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
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = match self.0.push(bar[0], Scale::Divide) {
            Some((g, l)) => cmo_value(g, l),
            None => f64::NAN,
        };
    }
    fn lookback(&self) -> usize {
        self.0.lookback()
    }
    fn restart(&mut self) {
        self.0.restart();
    }
    fn set_unstable(&mut self, unstable: &crate::decl::Unstable) {
        self.0.set_unstable(unstable.get(crate::decl::UnstableId::Cmo));
    }
}

kernel_decl!(CMO: ChandeMomentum, "Momentum Indicators", "Chande Momentum Oscillator",
    "100 * (gain - loss) / (gain + loss), gains and losses averaged as in RSI (SMA seed, Wilder smoothing); 0 when both averages are zero. Reference: TA-Lib CMO.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "number of changes averaged"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);

/// Chande Momentum Oscillator, TA-Lib's `CMO`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`.
#[doc(alias = "CMO")]
pub fn cmo(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&ChandeMomentum::new(timeperiod)?, real))
}
