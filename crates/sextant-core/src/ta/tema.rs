use serde::{Deserialize, Serialize};

use super::ExponentialMovingAverage;
use crate::decl::{
    kernel_batch, kernel_compute, kernel_lookback, kernel_stream, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params,
};
use crate::error::{check_min, Result};

/// Computes the triple exponential moving average, TA-Lib's `TEMA`:
/// `3 E1 - 3 E2 + E3` with `E1 = EMA(x)`, `E2 = EMA(E1)`, `E3 = EMA(E2)`; lookback `3 (p - 1)`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "TEMA")]
pub fn tema(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&TripleExponentialMovingAverage::new(timeperiod)?, real))
}

/// Streaming state of [`tema`]: three chained EMAs.
#[doc(alias = "TEMA")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TripleExponentialMovingAverage {
    period: usize,
    e: [ExponentialMovingAverage; 3],
}

impl TripleExponentialMovingAverage {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        let e = ExponentialMovingAverage::new(timeperiod)?;
        Ok(Self { period: timeperiod, e: [e.clone(), e.clone(), e] })
    }
}

impl FromParams for TripleExponentialMovingAverage {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for TripleExponentialMovingAverage {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let mut v = [bar[0]; 3];
        let mut x = bar[0];
        for (slot, ema) in v.iter_mut().zip(self.e.iter_mut()) {
            let mut o = [0.0];
            ema.step(&[x], &mut o);
            if o[0].is_nan() {
                out[0] = f64::NAN;
                return;
            }
            *slot = o[0];
            x = o[0];
        }
        out[0] = 3.0 * v[0] - 3.0 * v[1] + v[2];
    }
    fn lookback(&self) -> usize {
        self.e.iter().map(Kernel::lookback).sum()
    }
    fn restart(&mut self) {
        self.e.iter_mut().for_each(Kernel::restart);
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.e.iter_mut().for_each(|e| e.set_unstable(u));
    }
}

/// Declaration of `TEMA`.
pub static TEMA: FunctionDecl = FunctionDecl {
    name: "TEMA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Triple Exponential Moving Average",
    doc: "3*E1 - 3*E2 + E3 with E1 = EMA(x), E2 = EMA(E1), E3 = EMA(E2), each SMA-seeded. Reference: TA-Lib TEMA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[ParamSpec::int("timeperiod", 30, 1, super::MAX_PERIOD, "period of each EMA"), crate::decl::UNSTABLE_PERIOD, crate::decl::NAN_POLICY],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<TripleExponentialMovingAverage>),
    compute: kernel_compute::<TripleExponentialMovingAverage>,
    stream: Some(kernel_stream::<TripleExponentialMovingAverage>()),
};
