use serde::{Deserialize, Serialize};

use crate::decl::{
    kernel_compute, kernel_lookback, kernel_stream, run_kernel, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params, Unstable, UnstableGate, UnstableId,
};
use crate::error::{check_min, check_out_len, check_same_len, Result};

use super::fused::four_apart;
use super::trange::true_range;

/// Number of leading NaNs of [`atr`]: `timeperiod`.
#[must_use]
pub const fn atr_lookback(timeperiod: usize) -> usize {
    timeperiod
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
///
/// After the seed, `atr[t] = a atr[t-1] + u[t]` with `a = (p-1)/p` and `u = TR/p` (TA-Lib's
/// `(atr (p-1) + TR) / p`). From the fourth bar after the seed on, it is computed four bars
/// apart, `atr[t] = a^4 atr[t-4] + (u[t] + a (u[t-1] + a (u[t-2] + a u[t-3])))`: the same
/// value (to the last bits), and four independent chains that the batch loop runs as one
/// vector. So the state keeps the last four values and the last three terms.
#[doc(alias = "ATR")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageTrueRange {
    period: usize,
    prev_close: Option<f64>,
    /// True ranges seen, counted up to `period + 3` (the seed, then the one-step bars).
    count: usize,
    /// The sum of the true ranges during the warm-up, then the last four values (oldest first).
    atr: [f64; 4],
    /// The last three terms `TR / p` (oldest first).
    terms: [f64; 3],
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
            atr: [0.0; 4],
            terms: [0.0; 3],
            gate: UnstableGate::default(),
        })
    }
}

/// The factors of the recurrence after the seed, `(a, a^4, 1/p)` with `a = (p-1)/p`: the stream
/// and the batch loop take them from here so that they agree bit for bit.
#[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
fn factors(p: usize) -> (f64, f64, f64) {
    let pf = p as f64;
    let a = (p - 1) as f64 / pf;
    (a, (a * a) * (a * a), 1.0 / pf)
}

impl AverageTrueRange {
    /// The value after the seed: the same operations as the batch loop (`fill_with`). Not
    /// inlined: several kernels embed an ATR, and one copy keeps the WASM bundle small.
    #[inline(never)]
    fn next_value(&mut self, tr: f64) -> f64 {
        let madd = super::fused::madd_dyn;
        let (a, a4, inv) = factors(self.period);
        let u = tr * inv;
        let [t1, t2, t3] = self.terms;
        let v = if self.count < self.period + 3 {
            self.count += 1;
            madd(self.atr[3], a, u)
        } else {
            four_apart(madd, a, a4, self.atr[0], [t1, t2, t3, u])
        };
        self.terms = [t2, t3, u];
        self.atr = [self.atr[1], self.atr[2], self.atr[3], v];
        v
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
    // 1: the last four values and three terms instead of one value
    const STATE_REVISION: u8 = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l, c) = (bar[0], bar[1], bar[2]);
        let Some(pc) = self.prev_close.replace(c) else {
            out[0] = f64::NAN;
            return;
        };
        let tr = true_range(h, l, pc);
        let p = self.period;
        let pf = p as f64;
        if self.count < p {
            self.atr[3] += tr;
            self.count += 1;
            if self.count == p {
                self.atr[3] /= pf;
                out[0] = self.gate.pass(self.atr[3]);
            } else {
                out[0] = f64::NAN;
            }
            return;
        }
        let v = self.next_value(tr);
        out[0] = self.gate.pass(v);
    }
    fn lookback(&self) -> usize {
        self.period + self.gate.extra()
    }
    fn restart(&mut self) {
        self.prev_close = None;
        self.count = 0;
        self.atr = [0.0; 4];
        self.terms = [0.0; 3];
        self.gate.restart();
    }
    fn set_unstable(&mut self, unstable: &Unstable) {
        self.gate.set(unstable.get(UnstableId::Atr));
    }
    // WASM steps the kernel instead (the same values): the four-lane block loop is a native
    // speed-up (vector FMA), and its code would push the `ta` bundle over its size budget.
    #[cfg(not(target_arch = "wasm32"))]
    fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
        match (inputs, outs) {
            ([h, l, c], [out]) if self.gate.extra() == 0 => self.fill(h, l, c, out),
            _ => false,
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
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
        // From here on four bars apart (see `Kernel::step`): `a = (p-1)/p`, `u = TR/p`,
        // atr[t] = a^4 atr[t-4] + w[t], w[t] = u[t] + a (u[t-1] + a (u[t-2] + a u[t-3])).
        let (a, a4, inv) = factors(p);
        let madd = super::fused::madd::<F>;
        // bar `p + i` is `os[i]`: high `hs[i]`, low `ls[i]`, close `cs[i]`, previous close `pcs[i]`
        let m = n - p;
        let (hs, ls, cs, pcs, os) = (&h[p..], &l[p..], &c[p..], &c[p - 1..n - 1], &mut out[p..]);
        let (hs, ls, cs, pcs) = (&hs[..m], &ls[..m], &cs[..m], &pcs[..m]);
        // u[k] is the term of bar `i0 - 3 + k` (the three bars before the block, then the block)
        let mut u = [0.0; 3 + BLOCK];
        for i in 1..m.min(4) {
            if nan(p + i) {
                return false;
            }
            u[i - 1] = true_range(hs[i], ls[i], pcs[i]) * inv;
            os[i] = madd(os[i - 1], a, u[i - 1]);
        }
        let mut i0 = 4;
        while i0 < m {
            let b = (m - i0).min(BLOCK);
            let (hb, lb, pb) = (&hs[i0..i0 + b], &ls[i0..i0 + b], &pcs[i0..i0 + b]);
            #[allow(clippy::eq_op, reason = "`pc - pc` is 0, or NaN for a NaN close")]
            for (j, t) in u[3..3 + b].iter_mut().enumerate() {
                // `- (pc - pc)` leaves the value as it is and makes it NaN when the previous
                // close is NaN (a NaN high or low makes the true range NaN already)
                *t = (true_range(hb[j], lb[j], pb[j]) - (pb[j] - pb[j])) * inv;
            }
            for j in 0..b {
                os[i0 + j] =
                    four_apart(madd, a, a4, os[i0 + j - 4], [u[j], u[j + 1], u[j + 2], u[j + 3]]);
            }
            // A NaN term stays in its chain: the last value of each of the four chains tells
            // whether a bar of the block had a NaN (or an infinity made one: stepping, the
            // reference, then handles the run).
            if os[i0 + b - 4..i0 + b].iter().any(|v| v.is_nan()) {
                return false;
            }
            u.copy_within(b..b + 3, 0);
            i0 += b;
        }
        // the last close is no bar's previous close
        !cs[m - 1].is_nan()
    }
}

#[cfg(not(target_arch = "wasm32"))]
const BLOCK: usize = 256;

#[cfg(not(target_arch = "wasm32"))]
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
