//! TA-Lib's `TSI`: Blau's true strength index.

use serde::{Deserialize, Serialize};

use super::ema::ExponentialMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `TSI`: `100 * EMA(EMA(mom, first), second) / EMA(EMA(|mom|, first),
/// second)` with one-bar momentum; 0 when the denominator is not positive (a flat series).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrueStrengthIndex {
    num1: ExponentialMovingAverage,
    den1: ExponentialMovingAverage,
    num2: ExponentialMovingAverage,
    den2: ExponentialMovingAverage,
    prev: Option<f64>,
}

impl TrueStrengthIndex {
    /// A fresh state; periods `>= 2`.
    pub fn new(firstperiod: usize, secondperiod: usize) -> Result<Self> {
        check_min("firstperiod", firstperiod, 2)?;
        check_min("secondperiod", secondperiod, 2)?;
        let first = ExponentialMovingAverage::new(firstperiod)?;
        let second = ExponentialMovingAverage::new(secondperiod)?;
        Ok(Self {
            num1: first.clone(),
            den1: first,
            num2: second.clone(),
            den2: second,
            prev: None,
        })
    }
}

impl FromParams for TrueStrengthIndex {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.usize(1))
    }
}

impl Kernel for TrueStrengthIndex {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::NAN;
        let Some(prev) = self.prev.replace(bar[0]) else {
            return;
        };
        let mom = bar[0] - prev;
        let (mut n1, mut d1) = ([0.0], [0.0]);
        self.num1.step(&[mom], &mut n1);
        self.den1.step(&[mom.abs()], &mut d1);
        if n1[0].is_nan() {
            return;
        }
        let (mut n2, mut d2) = ([0.0], [0.0]);
        self.num2.step(&n1, &mut n2);
        self.den2.step(&d1, &mut d2);
        if n2[0].is_nan() {
            return;
        }
        out[0] = if d2[0] > 0.0 { 100.0 * n2[0] / d2[0] } else { 0.0 };
    }
    fn lookback(&self) -> usize {
        1 + self.num1.lookback() + self.num2.lookback()
    }
    fn restart(&mut self) {
        self.num1.restart();
        self.den1.restart();
        self.num2.restart();
        self.den2.restart();
        self.prev = None;
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        for e in [&mut self.num1, &mut self.den1, &mut self.num2, &mut self.den2] {
            e.set_unstable(u);
        }
    }
}

kernel_decl!(TSI: TrueStrengthIndex, "Momentum Indicators", "True Strength Index",
    "100 * EMA(EMA(close - close[t-1], firstperiod), secondperiod) / the same of |close - close[t-1]|; 0 on a flat series. Reference: TA-Lib TSI.",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("firstperiod", 25, 2, MAX_PERIOD, "first EMA length"),
        ParamSpec::int("secondperiod", 13, 2, MAX_PERIOD, "second EMA length"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("real")]);
