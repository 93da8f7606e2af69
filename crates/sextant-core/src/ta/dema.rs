use serde::{Deserialize, Serialize};

use super::ExponentialMovingAverage;
use crate::decl::{
    kernel_batch, kernel_compute, kernel_lookback, kernel_stream, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params,
};
use crate::error::{check_min, Result};

/// Computes the double exponential moving average, TA-Lib's `DEMA`:
/// `2 * EMA(x) - EMA(EMA(x))`, each EMA SMA-seeded; lookback `2 (p - 1)`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "DEMA")]
pub fn dema(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&DoubleExponentialMovingAverage::new(timeperiod)?, real))
}

/// Streaming state of [`dema`]: two chained EMAs.
#[doc(alias = "DEMA")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoubleExponentialMovingAverage {
    period: usize,
    e1: ExponentialMovingAverage,
    e2: ExponentialMovingAverage,
}

impl DoubleExponentialMovingAverage {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        let e = ExponentialMovingAverage::new(timeperiod)?;
        Ok(Self { period: timeperiod, e1: e.clone(), e2: e })
    }
}

impl FromParams for DoubleExponentialMovingAverage {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for DoubleExponentialMovingAverage {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let mut o = [0.0];
        self.e1.step(bar, &mut o);
        let a = o[0];
        if a.is_nan() {
            out[0] = f64::NAN;
            return;
        }
        self.e2.step(&[a], &mut o);
        out[0] = if o[0].is_nan() { f64::NAN } else { 2.0 * a - o[0] };
    }
    fn lookback(&self) -> usize {
        self.e1.lookback() + self.e2.lookback()
    }
    fn restart(&mut self) {
        self.e1.restart();
        self.e2.restart();
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.e1.set_unstable(u);
        self.e2.set_unstable(u);
    }
}

/// Declaration of `DEMA`.
pub static DEMA: FunctionDecl = FunctionDecl {
    name: "DEMA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Double Exponential Moving Average",
    doc: "2*EMA(x) - EMA(EMA(x)), each EMA seeded with an SMA. Reference: TA-Lib DEMA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[
        ParamSpec::int("timeperiod", 30, 1, super::MAX_PERIOD, "period of each EMA"),
        crate::decl::UNSTABLE_PERIOD,
        crate::decl::NAN_POLICY,
    ],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<DoubleExponentialMovingAverage>),
    compute: kernel_compute::<DoubleExponentialMovingAverage>,
    stream: Some(kernel_stream::<DoubleExponentialMovingAverage>()),
};
