use serde::{Deserialize, Serialize};

use crate::decl::{
    clean_runs, Flags, FunctionDecl, InputSpec, Kernel, KernelStream, Module, OutputSpec,
    ParamSpec, StreamDecl,
};
use crate::error::{check_min, check_out_len, Result};

/// Number of leading NaNs of [`sma`]: `timeperiod - 1`.
#[must_use]
pub const fn sma_lookback(timeperiod: usize) -> usize {
    timeperiod.saturating_sub(1)
}

/// Computes the simple moving average, TA-Lib's `SMA`.
///
/// `out[i] = (x[i-p+1] + ... + x[i]) / p`, as a running sum (the first window summed in order, then `+ (new - old)` per bar).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
///
/// # Examples
/// ```
/// let out = sextant_core::ta::sma(&[1.0, 2.0, 3.0, 4.0], 2).unwrap();
/// assert!(out[0].is_nan());
/// assert_eq!(&out[1..], &[1.5, 2.5, 3.5]);
/// ```
#[doc(alias = "SMA")]
#[doc(alias = "simple moving average")]
pub fn sma(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; real.len()];
    sma_into(real, timeperiod, &mut out)?;
    Ok(out)
}

/// [`sma`] into a caller-provided buffer of the input's length.
pub fn sma_into(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    check_min("timeperiod", timeperiod, 1)?;
    check_out_len("real", out.len(), real.len())?;
    for run in clean_runs(&[real]) {
        match run {
            Err(i) => out[i] = f64::NAN,
            Ok(r) => sma_clean(&real[r.clone()], timeperiod, &mut out[r]),
        }
    }
    Ok(())
}

/// SMA over NaN-free data, TA-Lib's operation order.
pub(crate) fn sma_clean(x: &[f64], p: usize, out: &mut [f64]) {
    let lb = sma_lookback(p);
    if x.len() <= lb {
        out.fill(f64::NAN);
        return;
    }
    out[..lb].fill(f64::NAN);
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    let pf = p as f64;
    // The first window summed in order; then one add per bar on the dependency chain
    // (`sum += new - old`): half the latency of TA-Lib's add-then-subtract, same accuracy.
    let mut sum = 0.0;
    for &v in &x[..p] {
        sum += v;
    }
    out[lb] = sum / pf;
    for ((o, &new), &old) in out[p..].iter_mut().zip(&x[p..]).zip(x) {
        sum += new - old;
        *o = sum / pf;
    }
}

/// Streaming state of [`sma`].
#[doc(alias = "SMA")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleMovingAverage {
    period: usize,
    buf: Vec<f64>,
    pos: usize,
    count: usize,
    sum: f64,
}

impl SimpleMovingAverage {
    /// The period.
    #[must_use]
    pub const fn period(&self) -> usize {
        self.period
    }

    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self { period: timeperiod, buf: vec![0.0; timeperiod], pos: 0, count: 0, sum: 0.0 })
    }
}

impl std::fmt::Display for SimpleMovingAverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SMA({})", self.period)
    }
}

impl Kernel for SimpleMovingAverage {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        let old = self.buf[self.pos];
        self.buf[self.pos] = x;
        self.pos += 1;
        if self.pos == self.period {
            self.pos = 0;
        }
        if self.count < self.period {
            self.sum += x;
            self.count += 1;
            if self.count < self.period {
                out[0] = f64::NAN;
                return;
            }
        } else {
            self.sum += x - old;
        }
        #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
        let pf = self.period as f64;
        out[0] = self.sum / pf;
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.pos = 0;
        self.count = 0;
        self.sum = 0.0;
    }
}

/// Declaration of `SMA`.
pub static SMA: FunctionDecl = FunctionDecl {
    name: "SMA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Simple Moving Average",
    doc: "Arithmetic mean of the last `timeperiod` values. Reference: TA-Lib SMA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[
        ParamSpec::int("timeperiod", 30, 1, super::MAX_PERIOD, "number of bars averaged"),
        crate::decl::NAN_POLICY,
    ],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(|p| Ok(sma_lookback(p.usize(0)))),
    compute: |i, p, o| sma_into(i.series(0), p.usize(0), o.f64(0)),
    stream: Some(StreamDecl {
        new: |p| KernelStream::boxed(SimpleMovingAverage::new(p.usize(0))?),
        load: KernelStream::<SimpleMovingAverage>::load,
    }),
};
