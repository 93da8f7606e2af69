//! TA-Lib's `ERI`: Elder ray index (bull and bear power).

use serde::{Deserialize, Serialize};

use super::ema::ExponentialMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// Streaming state of `ERI`; bars are `(high, low, close)`: `(high - EMA(close), low -
/// EMA(close))`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElderRay(ExponentialMovingAverage);

impl FromParams for ElderRay {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(ExponentialMovingAverage::new(p.usize(0))?))
    }
}

impl Kernel for ElderRay {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 2;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let mut e = [0.0];
        self.0.step(&bar[2..3], &mut e);
        out[0] = bar[0] - e[0];
        out[1] = bar[1] - e[0];
    }
    fn lookback(&self) -> usize {
        self.0.lookback()
    }
    fn restart(&mut self) {
        self.0.restart();
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.0.set_unstable(u);
    }
}

kernel_decl!(ERI: ElderRay, "Momentum Indicators", "Elder Ray Index",
    "bullpower = high - EMA(close, timeperiod), bearpower = low - EMA(close, timeperiod). Reference: TA-Lib ERI.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 13, 1, MAX_PERIOD, "EMA length"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("bullpower"), OutputSpec::f64("bearpower")]);
