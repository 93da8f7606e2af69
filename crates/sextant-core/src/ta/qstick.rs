//! TA-Lib's `QSTICK`: Chande's Qstick.

use serde::{Deserialize, Serialize};

use super::sma::SimpleMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `QSTICK`; bars are `(open, close)`: `SMA(close - open, timeperiod)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Qstick(SimpleMovingAverage);

impl FromParams for Qstick {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 1)?;
        Ok(Self(SimpleMovingAverage::new(p.usize(0))?))
    }
}

impl Kernel for Qstick {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.0.step(&[bar[1] - bar[0]], out);
    }
    fn lookback(&self) -> usize {
        self.0.lookback()
    }
    fn restart(&mut self) {
        self.0.restart();
    }
}

kernel_decl!(QSTICK: Qstick, "Momentum Indicators", "Qstick",
    "SMA(close - open, timeperiod). Reference: TA-Lib QSTICK.",
    inputs ["open": "open prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 10, 1, MAX_PERIOD, "SMA length")],
    outputs [OutputSpec::f64("real")]);
