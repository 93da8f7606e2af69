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
    // NaN-free input (the usual case) is read once; with gaps, per NaN-free run
    if super::fused::run(SmaFill { x: real, p: timeperiod, out: &mut *out }) {
        return Ok(());
    }
    for run in clean_runs(&[real]) {
        match run {
            Err(i) => out[i] = f64::NAN,
            Ok(r) => {
                let filled = super::fused::run(SmaFill {
                    x: &real[r.clone()],
                    p: timeperiod,
                    out: &mut out[r],
                });
                debug_assert!(filled, "a clean run has no NaN");
            }
        }
    }
    Ok(())
}

super::fused::fused_loop!(SmaFill { x: &'a [f64], p: usize, out: &'a mut [f64] } => sma_run(x, p, out));

/// SMA with TA-Lib's operation order over `x`, or false at the first NaN (`out` then holds
/// partial results).
#[inline(always)]
fn sma_run(x: &[f64], p: usize, out: &mut [f64]) -> bool {
    let lb = sma_lookback(p);
    if x.len() <= lb {
        out.fill(f64::NAN);
        return !x.iter().any(|v| v.is_nan());
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
    if sum.is_nan() && x[..p].iter().any(|v| v.is_nan()) {
        return false;
    }
    out[lb] = sum / pf;
    // A block at a time: the differences and the NaN check (vectorised), the chain into
    // `out`, then the divisions in place (vectorised: one division per bar costs more than
    // the chain's add). 32 bars measured best: with 8 the vector loads wait for the
    // chain's scalar stores (store forwarding fails), with 256 the passes stop overlapping.
    const B: usize = 32;
    let mut d = [0.0; B];
    for ((os, news), olds) in
        out[p..].chunks_mut(B).zip(x[p..].chunks(B)).zip(x[..x.len() - p].chunks(B))
    {
        let d = &mut d[..os.len()];
        let mut nan = false;
        for ((dj, &new), &old) in d.iter_mut().zip(news).zip(olds) {
            nan |= new.is_nan();
            *dj = new - old;
        }
        if nan {
            return false;
        }
        for (o, &dj) in os.iter_mut().zip(d.iter()) {
            sum += dj;
            *o = sum;
        }
        for o in os.iter_mut() {
            *o /= pf;
        }
    }
    true
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

    /// The running sum, once the window is full (batch paths that continue a stepped state).
    pub(crate) fn full_sum(&self) -> Option<f64> {
        (self.count == self.period).then_some(self.sum)
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
