use serde::{Deserialize, Serialize};

use crate::decl::{
    kernel_batch, kernel_compute, kernel_lookback, kernel_stream, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params, Unstable, UnstableGate, UnstableId,
};
use crate::error::{check_min, Result};

/// Computes Wilder's running moving average, TA-Lib 0.8's `RMA`: seeded with the SMA of the
/// first `p` values, then `rma = (rma (p - 1) + x) / p`; lookback `p - 1`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "RMA")]
#[doc(alias = "SMMA")]
pub fn rma(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&WilderMovingAverage::new(timeperiod)?, real))
}

/// Streaming state of [`rma`].
#[doc(alias = "RMA")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WilderMovingAverage {
    period: usize,
    count: usize,
    value: f64,
    gate: UnstableGate,
}

impl WilderMovingAverage {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self { period: timeperiod, count: 0, value: 0.0, gate: UnstableGate::default() })
    }
}

impl FromParams for WilderMovingAverage {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for WilderMovingAverage {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        let pf = self.period as f64;
        if self.count < self.period {
            self.value += x;
            self.count += 1;
            if self.count == self.period {
                self.value /= pf;
                out[0] = self.gate.pass(self.value);
            } else {
                out[0] = f64::NAN;
            }
        } else {
            self.value = (self.value * (pf - 1.0) + x) / pf;
            out[0] = self.gate.pass(self.value);
        }
    }
    fn lookback(&self) -> usize {
        self.period - 1 + self.gate.extra()
    }
    fn restart(&mut self) {
        self.count = 0;
        self.value = 0.0;
        self.gate.restart();
    }
    fn set_unstable(&mut self, unstable: &Unstable) {
        self.gate.set(unstable.get(UnstableId::Rma));
    }
}

/// Declaration of `RMA`.
pub static RMA: FunctionDecl = FunctionDecl {
    name: "RMA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Wilder's Running Moving Average",
    doc: "SMA-seeded, then (rma*(p-1) + x)/p (alpha = 1/timeperiod). Reference: TA-Lib 0.8 RMA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[
        ParamSpec::int("timeperiod", 30, 1, super::MAX_PERIOD, "smoothing period"),
        crate::decl::UNSTABLE_PERIOD,
        crate::decl::NAN_POLICY,
    ],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<WilderMovingAverage>),
    compute: kernel_compute::<WilderMovingAverage>,
    stream: Some(kernel_stream::<WilderMovingAverage>()),
};
