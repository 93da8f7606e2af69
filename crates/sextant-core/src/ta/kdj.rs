//! TA-Lib's `KDJ`: the stochastic's K and D (Wilder-smoothed by default) and J = 3K - 2D.

use serde::{Deserialize, Serialize};

use super::stoch::StochKernel;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// Streaming state of `KDJ`; bars are `(high, low, close)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kdj(StochKernel);

impl FromParams for Kdj {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(StochKernel::from_params(p)?))
    }
}

impl Kernel for Kdj {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 3;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.0.step(bar, &mut out[..2]);
        out[2] = 3.0 * out[0] - 2.0 * out[1];
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

kernel_decl!(KDJ: Kdj, "Momentum Indicators", "KDJ Indicator",
    "k, d = STOCH(fastk_period, slowk_period, slowk_matype, slowd_period, slowd_matype); j = 3k - 2d. Reference: TA-Lib KDJ.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [
        ParamSpec::int("fastk_period", 9, 1, MAX_PERIOD, "%K window"),
        ParamSpec::int("slowk_period", 3, 1, MAX_PERIOD, "K smoothing length"),
        ParamSpec::matype("slowk_matype", 13, "K smoothing average"),
        ParamSpec::int("slowd_period", 3, 1, MAX_PERIOD, "D smoothing length"),
        ParamSpec::matype("slowd_matype", 13, "D smoothing average"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("k"), OutputSpec::f64("d"), OutputSpec::f64("j")]);
