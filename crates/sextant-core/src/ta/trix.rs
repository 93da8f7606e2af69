//! TA-Lib's `TRIX`: the one-bar rate of change of a triple EMA.

use serde::{Deserialize, Serialize};

use super::roc::ChangeKind;
use super::{kernel_decl, ExponentialMovingAverage, MAX_PERIOD};
use crate::decl::{kernel_batch, FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// Streaming state of `TRIX`: `EMA(EMA(EMA(x)))`, each SMA-seeded from its input's first
/// values, then `((e / e_prev) - 1) * 100` (0 when `e_prev` is zero).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trix {
    emas: [ExponentialMovingAverage; 3],
    prev: Option<f64>,
}

impl Trix {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        let e = ExponentialMovingAverage::new(timeperiod)?;
        Ok(Self { emas: [e.clone(), e.clone(), e], prev: None })
    }
}

impl FromParams for Trix {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for Trix {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::NAN;
        let mut v = [bar[0]];
        for e in &mut self.emas {
            let mut o = [0.0];
            e.step(&v, &mut o);
            if o[0].is_nan() {
                return;
            }
            v = o;
        }
        if let Some(prev) = self.prev.replace(v[0]) {
            out[0] = ChangeKind::Roc.apply(v[0], prev);
        }
    }
    fn lookback(&self) -> usize {
        self.emas.iter().map(Kernel::lookback).sum::<usize>() + 1
    }
    fn restart(&mut self) {
        for e in &mut self.emas {
            e.restart();
        }
        self.prev = None;
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.emas.iter_mut().for_each(|e| e.set_unstable(u));
    }
}

kernel_decl!(TRIX: Trix, "Momentum Indicators", "1-day Rate-Of-Change (ROC) of a Triple Smooth EMA",
    "ROC(1) of EMA(EMA(EMA(real, p), p), p), each EMA SMA-seeded. Reference: TA-Lib TRIX.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 30, 1, MAX_PERIOD, "EMA period"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);

/// Triple-EMA rate of change, TA-Lib's `TRIX`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "TRIX")]
pub fn trix(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&Trix::new(timeperiod)?, real))
}
