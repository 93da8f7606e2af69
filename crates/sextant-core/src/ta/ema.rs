use serde::{Deserialize, Serialize};

use crate::decl::{
    kernel_compute, kernel_lookback, kernel_stream, run_kernel, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params, Unstable, UnstableGate, UnstableId,
};
use crate::error::{check_min, check_out_len, Result};

/// Number of leading NaNs of [`ema`]: `timeperiod - 1`.
#[must_use]
pub const fn ema_lookback(timeperiod: usize) -> usize {
    timeperiod.saturating_sub(1)
}

/// Computes the exponential moving average, TA-Lib's `EMA`.
///
/// `k = 2 / (p + 1)`; seeded with the SMA of the first `p` values, then
/// `ema = ema * (1 - k) + x * k` (TA-Lib's `(x - ema) * k + ema` rearranged; equal within the
/// parity tolerance, and fused where the CPU has FMA, see `SEXTANT_FMA` in docs/python.md).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
///
/// # Examples
/// ```
/// let out = sextant_core::ta::ema(&[1.0, 2.0, 3.0], 2).unwrap();
/// assert!(out[0].is_nan());
/// assert_eq!(out[1], 1.5);
/// assert!((out[2] - (1.5 + (3.0 - 1.5) * 2.0 / 3.0)).abs() < 1e-15);
/// ```
#[doc(alias = "EMA")]
#[doc(alias = "exponential moving average")]
pub fn ema(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; real.len()];
    ema_into(real, timeperiod, &mut out)?;
    Ok(out)
}

/// [`ema`] into a caller-provided buffer of the input's length.
pub fn ema_into(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let k = ExponentialMovingAverage::new(timeperiod)?;
    check_out_len("real", out.len(), real.len())?;
    run_kernel(&k, &[real], &mut [out]);
    Ok(())
}

/// Streaming state of [`ema`].
#[doc(alias = "EMA")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExponentialMovingAverage {
    period: usize,
    k: f64,
    omk: f64,
    count: usize,
    sum: f64,
    prev: f64,
    gate: UnstableGate,
}

impl ExponentialMovingAverage {
    /// The period.
    #[must_use]
    pub const fn period(&self) -> usize {
        self.period
    }

    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self::with_k(timeperiod, 2.0 / (timeperiod as f64 + 1.0)))
    }

    /// A state with an explicit smoothing factor (TA-Lib's internal form, used by other
    /// indicators); `period` values seed it.
    pub(crate) fn with_k(period: usize, k: f64) -> Self {
        Self {
            period,
            k,
            omk: 1.0 - k,
            count: 0,
            sum: 0.0,
            prev: f64::NAN,
            gate: UnstableGate::default(),
        }
    }
}

impl std::fmt::Display for ExponentialMovingAverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EMA({})", self.period)
    }
}

impl Kernel for ExponentialMovingAverage {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        if self.count < self.period {
            self.sum += x;
            self.count += 1;
            if self.count == self.period {
                #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
                let pf = self.period as f64;
                self.prev = self.sum / pf;
                out[0] = self.gate.pass(self.prev);
            } else {
                out[0] = f64::NAN;
            }
        } else if self.period == 1 {
            self.prev = x;
            out[0] = self.gate.pass(x);
        } else {
            // `prev (1 - k) + k x`, fused where the batch loop fuses (`ta::fused`)
            self.prev = super::fused::madd_dyn(self.prev, self.omk, x * self.k);
            out[0] = self.gate.pass(self.prev);
        }
    }
    fn lookback(&self) -> usize {
        self.period - 1 + self.gate.extra()
    }
    fn restart(&mut self) {
        self.count = 0;
        self.sum = 0.0;
        self.prev = f64::NAN;
        self.gate.restart();
    }
    fn set_unstable(&mut self, unstable: &Unstable) {
        self.gate.set(unstable.get(UnstableId::Ema));
    }
    fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
        match (inputs, outs) {
            ([x], [out]) if self.gate.extra() == 0 && self.period > 1 => self.fill(x, out),
            _ => false,
        }
    }
}

impl ExponentialMovingAverage {
    /// The batch loop of a fresh EMA with period > 1 and no unstable period: the same
    /// operations as [`Kernel::step`], without its per-bar branches; false at a NaN input.
    pub(crate) fn fill(&self, x: &[f64], out: &mut [f64]) -> bool {
        super::fused::run(EmaFill { ema: self, x, out })
    }

    #[inline(always)]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn fill_with<const F: bool>(&self, x: &[f64], out: &mut [f64]) -> bool {
        let p = self.period;
        if x.len() < p {
            out.fill(f64::NAN);
            return !x.iter().any(|v| v.is_nan());
        }
        out[..p - 1].fill(f64::NAN);
        let mut sum = 0.0;
        for &v in &x[..p] {
            sum += v;
        }
        if sum.is_nan() && x[..p].iter().any(|v| v.is_nan()) {
            return false;
        }
        let mut prev = sum / p as f64;
        out[p - 1] = prev;
        let (k, omk) = (self.k, self.omk);
        // A block at a time: first the terms `v * k` and the NaN check (vectorised), then the
        // chain with one (fused) multiply-add per bar. In one loop the compiler packs the two
        // multiplies into one vector multiply and puts two shuffles on the chain.
        let mut terms = [0.0; super::CHAIN_BLOCK];
        for (xs, os) in
            x[p..].chunks(super::CHAIN_BLOCK).zip(out[p..].chunks_mut(super::CHAIN_BLOCK))
        {
            let terms = &mut terms[..xs.len()];
            let mut nan = false;
            for (t, &v) in terms.iter_mut().zip(xs) {
                nan |= v.is_nan();
                *t = v * k;
            }
            if nan {
                return false;
            }
            for (o, &t) in os.iter_mut().zip(terms.iter()) {
                prev = super::fused::madd::<F>(prev, omk, t);
                *o = prev;
            }
        }
        true
    }
}

super::fused::fused_loop!(EmaFill { ema: &'a ExponentialMovingAverage, x: &'a [f64], out: &'a mut [f64] }
    => ema.fill_with::<F>(x, out));

impl FromParams for ExponentialMovingAverage {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

/// Declaration of `EMA`.
pub static EMA: FunctionDecl = FunctionDecl {
    name: "EMA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Exponential Moving Average",
    doc: "EMA with k = 2/(timeperiod+1), seeded with the SMA of the first timeperiod values. Reference: TA-Lib EMA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[ParamSpec::int("timeperiod", 30, 1, super::MAX_PERIOD, "number of bars; k = 2/(timeperiod+1)"), crate::decl::UNSTABLE_PERIOD, crate::decl::NAN_POLICY],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<ExponentialMovingAverage>),
    compute: kernel_compute::<ExponentialMovingAverage>,
    stream: Some(kernel_stream::<ExponentialMovingAverage>()),
};
