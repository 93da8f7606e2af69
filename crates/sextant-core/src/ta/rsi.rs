use serde::{Deserialize, Serialize};

use crate::decl::{
    kernel_compute, kernel_lookback, kernel_stream, run_kernel, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params, Unstable, UnstableGate, UnstableId,
};
use crate::error::{check_min, check_out_len, Result};

/// Number of leading NaNs of [`rsi`]: `timeperiod`.
#[must_use]
pub const fn rsi_lookback(timeperiod: usize) -> usize {
    timeperiod
}

/// Computes Wilder's relative strength index, TA-Lib's `RSI`.
///
/// Average gain and loss are seeded with the mean of the first `p` changes and then
/// Wilder-smoothed: `avg = (avg * (p - 1) + change) / p`; `RSI = 100 * gain / (gain + loss)`.
/// As in TA-Lib, a window without movement (gain + loss = 0) gives 0.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`.
///
/// # Examples
/// ```
/// let out = sextant_core::ta::rsi(&[1.0, 2.0, 1.5, 2.5], 2).unwrap();
/// assert!(out[1].is_nan());
/// assert!((out[2] - 100.0 * 0.5 / 0.75).abs() < 1e-12);
/// ```
#[doc(alias = "RSI")]
#[doc(alias = "relative strength index")]
pub fn rsi(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; real.len()];
    rsi_into(real, timeperiod, &mut out)?;
    Ok(out)
}

/// [`rsi`] into a caller-provided buffer of the input's length.
pub fn rsi_into(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let k = RelativeStrengthIndex::new(timeperiod)?;
    check_out_len("real", out.len(), real.len())?;
    run_kernel(&k, &[real], &mut [out]);
    Ok(())
}

/// Wilder's average gain and loss of the last `period` changes: the means of the first
/// `period` changes, then `avg = (avg * (period - 1) + change) / period` (RSI and CMO).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct WilderGainLoss {
    period: usize,
    prev: Option<f64>,
    count: usize,
    gain: f64,
    loss: f64,
    gate: UnstableGate,
}

/// How TA-Lib divides by the period: RSI multiplies by `1 / p`, CMO divides by `p` (the two
/// differ in the last bit).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scale {
    Reciprocal,
    Divide,
}

impl WilderGainLoss {
    pub(crate) fn new(period: usize) -> Self {
        Self { period, prev: None, count: 0, gain: 0.0, loss: 0.0, gate: UnstableGate::default() }
    }

    pub(crate) const fn period(&self) -> usize {
        self.period
    }

    /// Feeds a price; returns `(avg_gain, avg_loss)` once `period` changes are in.
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    pub(crate) fn push(&mut self, x: f64, scale: Scale) -> Option<(f64, f64)> {
        let prev = self.prev.replace(x)?;
        let d = x - prev;
        let pf = self.period as f64;
        // Branch-free form of TA-Lib's `if d < 0 { loss -= d } else { gain += d }`: adding an
        // exact 0.0 leaves the other sum bit-identical.
        let (down, up) = (-d.min(0.0), d.max(0.0));
        if self.count < self.period {
            self.count += 1;
            self.loss += down;
            self.gain += up;
            if self.count < self.period {
                return None;
            }
            (self.loss, self.gain) = match scale {
                Scale::Reciprocal => (self.loss * (1.0 / pf), self.gain * (1.0 / pf)),
                Scale::Divide => (self.loss / pf, self.gain / pf),
            };
        } else {
            match scale {
                Scale::Reciprocal => {
                    // `avg (p-1)/p + change/p`: one (fused, `ta::fused`) multiply-add on each
                    // chain instead of TA-Lib's multiply, add and divide
                    let (c, r) = (wilder_decay(self.period), 1.0 / pf);
                    self.loss = super::fused::madd_dyn(self.loss, c, down * r);
                    self.gain = super::fused::madd_dyn(self.gain, c, up * r);
                }
                Scale::Divide => {
                    let m = (self.period - 1) as f64;
                    self.loss = (self.loss * m + down) / pf;
                    self.gain = (self.gain * m + up) / pf;
                }
            }
        }
        self.gate.open().then_some((self.gain, self.loss))
    }

    pub(crate) fn restart(&mut self) {
        let gate = self.gate;
        *self = Self::new(self.period);
        self.gate = gate;
        self.gate.restart();
    }

    /// Withholds the first `extra` values (TA-Lib's unstable period of RSI or CMO).
    pub(crate) fn set_unstable(&mut self, extra: usize) {
        self.gate.set(extra);
    }

    /// Number of leading NaNs: `period` changes plus the unstable period.
    pub(crate) const fn lookback(&self) -> usize {
        self.period + self.gate.extra()
    }
}

/// `(p - 1) / p`, the decay of a Wilder average.
#[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
fn wilder_decay(period: usize) -> f64 {
    (period - 1) as f64 / period as f64
}

/// Streaming state of [`rsi`].
#[doc(alias = "RSI")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelativeStrengthIndex(WilderGainLoss);

impl RelativeStrengthIndex {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self(WilderGainLoss::new(timeperiod)))
    }
}

impl std::fmt::Display for RelativeStrengthIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RSI({})", self.0.period())
    }
}

/// TA-Lib 0.8.1 tests the total exactly (an RSI of a series scaled by 1e-20 equals the
/// unscaled one there), so only a window without any movement gives 0. TA-Lib multiplies by
/// `1 / p` for the first average; the Wilder steps then are one multiply-add each
/// (`WilderGainLoss::push`), equal to TA-Lib's within the parity tolerance.
#[inline]
fn rsi_value(gain: f64, loss: f64) -> f64 {
    let t = gain + loss;
    // computed, then selected: no branch, so blocks of values vectorise
    let v = 100.0 * (gain / t);
    if t > 0.0 {
        v
    } else {
        0.0
    }
}

impl Kernel for RelativeStrengthIndex {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = match self.0.push(bar[0], Scale::Reciprocal) {
            Some((g, l)) => rsi_value(g, l),
            None => f64::NAN,
        };
    }
    fn lookback(&self) -> usize {
        self.0.lookback()
    }
    fn restart(&mut self) {
        self.0.restart();
    }
    fn set_unstable(&mut self, unstable: &Unstable) {
        self.0.set_unstable(unstable.get(UnstableId::Rsi));
    }
    fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
        match (inputs, outs) {
            ([x], [out]) if self.0.gate.extra() == 0 => self.fill(x, out),
            _ => false,
        }
    }
}

impl RelativeStrengthIndex {
    /// The batch loop of a fresh RSI without unstable period: the warm-up steps as
    /// [`Kernel::step`] does, then the Wilder averages with the same operations in the same
    /// order, without the per-bar state checks (so the same bits as stepping); false at a NaN.
    fn fill(&self, x: &[f64], out: &mut [f64]) -> bool {
        super::fused::run(RsiFill { rsi: self, x, out })
    }

    #[inline(always)]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn fill_with<const F: bool>(&self, x: &[f64], out: &mut [f64]) -> bool {
        use super::fused::madd;
        let warm = (self.0.period + 1).min(x.len());
        let mut s = self.clone();
        for (o, &v) in out[..warm].iter_mut().zip(&x[..warm]) {
            if v.is_nan() {
                return false;
            }
            s.step(&[v], std::slice::from_mut(o));
        }
        if s.0.prev.is_none() {
            return true;
        }
        let (mut gain, mut loss) = (s.0.gain, s.0.loss);
        let c = wilder_decay(self.0.period);
        let r = 1.0 / self.0.period as f64;
        // A block at a time: the changes and the NaN check (vectorised), the two chains with one
        // (fused) multiply-add each per bar, then the RSI values (vectorised divisions). 32 bars
        // as in `sma`: shorter blocks stall on store forwarding, longer ones stop overlapping.
        const B: usize = 32;
        let (mut ups, mut downs) = ([0.0; B], [0.0; B]);
        let mut i0 = warm;
        while i0 < x.len() {
            let b = (x.len() - i0).min(B);
            let (xs, olds) = (&x[i0..i0 + b], &x[i0 - 1..i0 - 1 + b]);
            let (ups, downs) = (&mut ups[..b], &mut downs[..b]);
            let mut nan = false;
            for (((&v, &p), u), w) in xs.iter().zip(olds).zip(ups.iter_mut()).zip(downs.iter_mut())
            {
                nan |= v.is_nan();
                let d = v - p;
                *w = -d.min(0.0) * r;
                *u = d.max(0.0) * r;
            }
            if nan {
                return false;
            }
            let os = &mut out[i0..i0 + b];
            for ((o, u), w) in os.iter_mut().zip(ups.iter()).zip(downs.iter_mut()) {
                loss = madd::<F>(loss, c, *w);
                gain = madd::<F>(gain, c, *u);
                *w = loss;
                *o = gain;
            }
            for (o, &l) in os.iter_mut().zip(downs.iter()) {
                *o = rsi_value(*o, l);
            }
            i0 += b;
        }
        true
    }
}

super::fused::fused_loop!(RsiFill { rsi: &'a RelativeStrengthIndex, x: &'a [f64], out: &'a mut [f64] }
    => rsi.fill_with::<F>(x, out));

impl FromParams for RelativeStrengthIndex {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

/// Declaration of `RSI`.
pub static RSI: FunctionDecl = FunctionDecl {
    name: "RSI",
    module: Module::Ta,
    group: "Momentum Indicators",
    summary: "Relative Strength Index",
    doc: "Wilder's RSI: 100 * avg_gain / (avg_gain + avg_loss), averages SMA-seeded then Wilder-smoothed. Reference: TA-Lib RSI.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[ParamSpec::int("timeperiod", 14, 2, super::MAX_PERIOD, "number of changes averaged"), crate::decl::UNSTABLE_PERIOD, crate::decl::NAN_POLICY],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<RelativeStrengthIndex>),
    compute: kernel_compute::<RelativeStrengthIndex>,
    stream: Some(kernel_stream::<RelativeStrengthIndex>()),
};
