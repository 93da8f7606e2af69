use serde::{Deserialize, Serialize};

use super::SimpleMovingAverage;
use crate::decl::{
    kernel_batch, kernel_compute, kernel_lookback, kernel_stream, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params,
};
use crate::error::{check_min, Result};

/// Computes the triangular moving average, TA-Lib's `TRIMA`: an SMA of an SMA with triangular
/// weights overall (odd `p`: both of length `(p + 1) / 2`; even `p`: `p / 2` then `p / 2 + 1`);
/// lookback `p - 1`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "TRIMA")]
pub fn trima(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&TriangularMovingAverage::new(timeperiod)?, real))
}

/// Streaming state of [`trima`].
#[doc(alias = "TRIMA")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriangularMovingAverage {
    period: usize,
    a: SimpleMovingAverage,
    b: SimpleMovingAverage,
}

impl TriangularMovingAverage {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        let (n1, n2) = if timeperiod % 2 == 1 {
            (timeperiod.div_ceil(2), timeperiod.div_ceil(2))
        } else {
            (timeperiod / 2, timeperiod / 2 + 1)
        };
        Ok(Self {
            period: timeperiod,
            a: SimpleMovingAverage::new(n1)?,
            b: SimpleMovingAverage::new(n2)?,
        })
    }
}

impl FromParams for TriangularMovingAverage {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for TriangularMovingAverage {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        if self.period == 1 {
            out[0] = bar[0];
            return;
        }
        let mut o = [0.0];
        self.a.step(bar, &mut o);
        if o[0].is_nan() {
            out[0] = f64::NAN;
            return;
        }
        let first = o[0];
        self.b.step(&[first], out);
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.a.restart();
        self.b.restart();
    }
}

/// Declaration of `TRIMA`.
pub static TRIMA: FunctionDecl = FunctionDecl {
    name: "TRIMA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Triangular Moving Average",
    doc: "Triangularly weighted average of the last timeperiod values (an SMA of an SMA). Reference: TA-Lib TRIMA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[ParamSpec::int("timeperiod", 30, 1, super::MAX_PERIOD, "number of bars"), crate::decl::NAN_POLICY],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<TriangularMovingAverage>),
    compute: kernel_compute::<TriangularMovingAverage>,
    stream: Some(kernel_stream::<TriangularMovingAverage>()),
};
