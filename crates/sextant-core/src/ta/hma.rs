use serde::{Deserialize, Serialize};

use super::WeightedMovingAverage;
use crate::decl::{
    kernel_batch, kernel_compute, kernel_lookback, kernel_stream, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params,
};
use crate::error::{check_min, Result};

/// Computes the Hull moving average, TA-Lib 0.8's `HMA`:
/// `WMA(2 WMA(x, p / 2) - WMA(x, p), floor(sqrt(p)))`; lookback `p - 1 + floor(sqrt(p)) - 1`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`.
#[doc(alias = "HMA")]
pub fn hma(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&HullMovingAverage::new(timeperiod)?, real))
}

/// Streaming state of [`hma`]: three weighted averages.
#[doc(alias = "HMA")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HullMovingAverage {
    period: usize,
    half: WeightedMovingAverage,
    full: WeightedMovingAverage,
    smooth: WeightedMovingAverage,
}

impl HullMovingAverage {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self {
            period: timeperiod,
            half: WeightedMovingAverage::new(timeperiod / 2)?,
            full: WeightedMovingAverage::new(timeperiod)?,
            smooth: WeightedMovingAverage::new(timeperiod.isqrt())?,
        })
    }
}

impl FromParams for HullMovingAverage {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for HullMovingAverage {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (mut h, mut f) = ([0.0], [0.0]);
        self.half.step(bar, &mut h);
        self.full.step(bar, &mut f);
        if f[0].is_nan() {
            out[0] = f64::NAN;
            return;
        }
        self.smooth.step(&[2.0 * h[0] - f[0]], out);
    }
    fn lookback(&self) -> usize {
        self.period - 1 + self.period.isqrt() - 1
    }
    fn restart(&mut self) {
        self.half.restart();
        self.full.restart();
        self.smooth.restart();
    }
}

/// Declaration of `HMA`.
pub static HMA: FunctionDecl = FunctionDecl {
    name: "HMA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Hull Moving Average",
    doc: "WMA over floor(sqrt(p)) bars of 2*WMA(p/2) - WMA(p). Reference: TA-Lib 0.8 HMA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[
        ParamSpec::int("timeperiod", 20, 2, super::MAX_PERIOD, "number of bars"),
        crate::decl::NAN_POLICY,
    ],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<HullMovingAverage>),
    compute: kernel_compute::<HullMovingAverage>,
    stream: Some(kernel_stream::<HullMovingAverage>()),
};
