use serde::{Deserialize, Serialize};

use crate::decl::{
    kernel_compute, kernel_lookback, kernel_stream, run_kernel, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params, Unstable, UnstableGate, UnstableId,
};
use crate::error::{check_min, check_out_len, check_same_len, Result};

/// Number of leading NaNs of [`atr`]: `timeperiod`.
#[must_use]
pub const fn atr_lookback(timeperiod: usize) -> usize {
    timeperiod
}

/// TA-Lib's true range of a bar given the previous close.
#[inline]
fn true_range(high: f64, low: f64, prev_close: f64) -> f64 {
    // TA-Lib compares and keeps the larger; `max` is the same value without the branches
    // (inputs here are never NaN).
    (high - low).max((prev_close - high).abs()).max((prev_close - low).abs())
}

/// Computes Wilder's average true range, TA-Lib's `ATR`.
///
/// True range `TR = max(high, prev_close) - min(low, prev_close)` from the second bar on; the
/// first ATR is the mean of the first `p` true ranges, then `atr = (atr * (p - 1) + TR) / p`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
///
/// # Examples
/// ```
/// let h = [10.0, 11.0, 12.0];
/// let l = [9.0, 10.0, 10.5];
/// let c = [9.5, 10.5, 11.0];
/// let out = sextant_core::ta::atr(&h, &l, &c, 2).unwrap();
/// assert!(out[1].is_nan());
/// assert_eq!(out[2], (1.5 + 1.5) / 2.0);
/// ```
#[doc(alias = "ATR")]
#[doc(alias = "average true range")]
pub fn atr(high: &[f64], low: &[f64], close: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; close.len()];
    atr_into(high, low, close, timeperiod, &mut out)?;
    Ok(out)
}

/// [`atr`] into a caller-provided buffer of the inputs' length.
pub fn atr_into(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod: usize,
    out: &mut [f64],
) -> Result<()> {
    let k = AverageTrueRange::new(timeperiod)?;
    check_same_len("low", low.len(), "high", high.len())?;
    check_same_len("close", close.len(), "high", high.len())?;
    check_out_len("real", out.len(), close.len())?;
    run_kernel(&k, &[high, low, close], &mut [out]);
    Ok(())
}

/// Streaming state of [`atr`]; bars are `(high, low, close)`.
#[doc(alias = "ATR")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageTrueRange {
    period: usize,
    prev_close: Option<f64>,
    count: usize,
    atr: f64,
    gate: UnstableGate,
}

impl AverageTrueRange {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self {
            period: timeperiod,
            prev_close: None,
            count: 0,
            atr: 0.0,
            gate: UnstableGate::default(),
        })
    }
}

impl std::fmt::Display for AverageTrueRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ATR({})", self.period)
    }
}

impl Kernel for AverageTrueRange {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l, c) = (bar[0], bar[1], bar[2]);
        let Some(pc) = self.prev_close.replace(c) else {
            out[0] = f64::NAN;
            return;
        };
        let tr = true_range(h, l, pc);
        let pf = self.period as f64;
        if self.count < self.period {
            self.atr += tr;
            self.count += 1;
            if self.count == self.period {
                self.atr /= pf;
                out[0] = self.gate.pass(self.atr);
            } else {
                out[0] = f64::NAN;
            }
        } else {
            // `atr (p-1)/p + tr/p`: a (fused, `ta::fused`) multiply-add on the dependency
            // chain instead of TA-Lib's multiply, add and divide (same value to the last bits).
            self.atr = super::fused::madd_dyn(self.atr, (self.period - 1) as f64 / pf, tr / pf);
            out[0] = self.gate.pass(self.atr);
        }
    }
    fn lookback(&self) -> usize {
        self.period + self.gate.extra()
    }
    fn restart(&mut self) {
        self.prev_close = None;
        self.count = 0;
        self.atr = 0.0;
        self.gate.restart();
    }
    fn set_unstable(&mut self, unstable: &Unstable) {
        self.gate.set(unstable.get(UnstableId::Atr));
    }
    fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
        match (inputs, outs) {
            ([h, l, c], [out]) if self.gate.extra() == 0 => self.fill(h, l, c, out),
            _ => false,
        }
    }
}

impl AverageTrueRange {
    /// The batch loop of a fresh ATR without unstable period: the same operations as
    /// [`Kernel::step`], without its per-bar branches.
    fn fill(&self, h: &[f64], l: &[f64], c: &[f64], out: &mut [f64]) -> bool {
        super::fused::run(AtrFill { atr: self, h, l, c, out })
    }

    #[inline(always)]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn fill_with<const F: bool>(&self, h: &[f64], l: &[f64], c: &[f64], out: &mut [f64]) -> bool {
        let p = self.period;
        let n = c.len();
        let nan = |i: usize| (h[i] + l[i] + c[i]).is_nan();
        if n <= p {
            out.fill(f64::NAN);
            return !(0..n).any(nan);
        }
        if (0..=p).any(nan) {
            return false;
        }
        out[..p].fill(f64::NAN);
        let pf = p as f64;
        let mut atr = 0.0;
        for i in 1..=p {
            atr += true_range(h[i], l[i], c[i - 1]);
        }
        atr /= pf;
        out[p] = atr;
        let decay = (p - 1) as f64 / pf;
        let len = n - p - 1;
        let (hs, ls, pcs, cs) = (&h[p + 1..], &l[p + 1..], &c[p..n - 1], &mut out[p + 1..]);
        let (hs, ls, pcs, cs) = (&hs[..len], &ls[..len], &pcs[..len], &mut cs[..len]);
        let cur = &c[p + 1..][..len];
        // A block at a time: the terms `TR / p` and the NaN check (vectorised), then the chain
        // with one multiply and one add per bar (see `ema::fill`).
        let mut terms = [0.0; super::CHAIN_BLOCK];
        let mut j0 = 0;
        while j0 < len {
            let b = (len - j0).min(super::CHAIN_BLOCK);
            let (hb, lb, pb, cb) =
                (&hs[j0..j0 + b], &ls[j0..j0 + b], &pcs[j0..j0 + b], &cur[j0..j0 + b]);
            let terms = &mut terms[..b];
            let mut nan = false;
            for j in 0..b {
                // (a sum of infinities may read as NaN too: stepping handles that rare case)
                nan |= (hb[j] + lb[j] + cb[j]).is_nan();
                terms[j] = true_range(hb[j], lb[j], pb[j]) / pf;
            }
            if nan {
                return false;
            }
            for (o, &t) in cs[j0..j0 + b].iter_mut().zip(terms.iter()) {
                atr = super::fused::madd::<F>(atr, decay, t);
                *o = atr;
            }
            j0 += b;
        }
        true
    }
}

super::fused::fused_loop!(AtrFill {
    atr: &'a AverageTrueRange, h: &'a [f64], l: &'a [f64], c: &'a [f64], out: &'a mut [f64],
} => atr.fill_with::<F>(h, l, c, out));

impl FromParams for AverageTrueRange {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

/// Declaration of `ATR`.
pub static ATR: FunctionDecl = FunctionDecl {
    name: "ATR",
    module: Module::Ta,
    group: "Volatility Indicators",
    summary: "Average True Range",
    doc: "Wilder's ATR: mean of the first timeperiod true ranges, then (atr*(p-1)+TR)/p. Reference: TA-Lib ATR.",
    inputs: &[
        InputSpec::series("high", "high prices"),
        InputSpec::series("low", "low prices"),
        InputSpec::series("close", "close prices"),
    ],
    params: &[ParamSpec::int("timeperiod", 14, 1, super::MAX_PERIOD, "Wilder smoothing period"), crate::decl::UNSTABLE_PERIOD, crate::decl::NAN_POLICY],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<AverageTrueRange>),
    compute: kernel_compute::<AverageTrueRange>,
    stream: Some(kernel_stream::<AverageTrueRange>()),
};
