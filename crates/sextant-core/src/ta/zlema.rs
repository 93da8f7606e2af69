use serde::{Deserialize, Serialize};

use super::ExponentialMovingAverage;
use crate::decl::{
    kernel_batch, kernel_compute, kernel_lookback, kernel_stream, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params,
};
use crate::error::{check_min, Result};

/// Computes the zero-lag exponential moving average, TA-Lib 0.8's `ZLEMA`: an EMA of
/// `x[t] + (x[t] - x[t - lag])` with `lag = (p - 1) / 2`; lookback `lag + p - 1`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "ZLEMA")]
pub fn zlema(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&ZeroLagExponentialMovingAverage::new(timeperiod)?, real))
}

/// Streaming state of [`zlema`].
#[doc(alias = "ZLEMA")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZeroLagExponentialMovingAverage {
    period: usize,
    lag: usize,
    buf: Vec<f64>,
    pos: usize,
    count: usize,
    ema: ExponentialMovingAverage,
}

impl ZeroLagExponentialMovingAverage {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        let lag = (timeperiod - 1) / 2;
        Ok(Self {
            period: timeperiod,
            lag,
            buf: vec![0.0; lag + 1],
            pos: 0,
            count: 0,
            ema: ExponentialMovingAverage::new(timeperiod)?,
        })
    }
}

impl FromParams for ZeroLagExponentialMovingAverage {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for ZeroLagExponentialMovingAverage {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        let n = self.buf.len();
        self.buf[self.pos] = x;
        self.pos = (self.pos + 1) % n;
        self.count += 1;
        if self.count < n {
            out[0] = f64::NAN;
            return;
        }
        // the ring holds x[t - lag ..= t]; its oldest value is at `pos`
        let lagged = self.buf[self.pos];
        self.ema.step(&[x + (x - lagged)], out);
    }
    fn lookback(&self) -> usize {
        self.lag + self.ema.lookback()
    }
    fn restart(&mut self) {
        self.pos = 0;
        self.count = 0;
        self.ema.restart();
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.ema.set_unstable(u);
    }
}

/// Declaration of `ZLEMA`.
pub static ZLEMA: FunctionDecl = FunctionDecl {
    name: "ZLEMA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Zero-Lag Exponential Moving Average",
    doc: "EMA of x + (x - x[lag]) with lag = (timeperiod-1)/2. Reference: TA-Lib 0.8 ZLEMA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[
        ParamSpec::int("timeperiod", 30, 1, super::MAX_PERIOD, "EMA period"),
        crate::decl::UNSTABLE_PERIOD,
        crate::decl::NAN_POLICY,
    ],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<ZeroLagExponentialMovingAverage>),
    compute: kernel_compute::<ZeroLagExponentialMovingAverage>,
    stream: Some(kernel_stream::<ZeroLagExponentialMovingAverage>()),
};
