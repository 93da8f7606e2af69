//! TA-Lib's stochastics: `STOCH`, `STOCHF`, `STOCHRSI`.

use serde::{Deserialize, Serialize};

use super::aroon::HighLowWindow;
use super::macd::ma_kernel;
use super::{
    kernel_columns, kernel_decl, talib_is_zero_scaled, two, MaKernel, MaType,
    RelativeStrengthIndex, MAX_PERIOD,
};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Fast %K over `fastk_period` bars: `100 * (close - lowest) / (highest - lowest)`, 0 for a window
/// flat to a relative 1e-14; then one average of %K (`first`) and optionally an average of that (`second`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stochastic {
    hl: HighLowWindow,
    fastk_period: usize,
    first: MaKernel,
    second: Option<MaKernel>,
}

impl Stochastic {
    fn build(fastk_period: usize, first: MaKernel, second: Option<MaKernel>) -> Result<Self> {
        check_min("fastk_period", fastk_period, 1)?;
        Ok(Self { hl: HighLowWindow::new(fastk_period), fastk_period, first, second })
    }

    /// Feeds `(high, low, close)`; the two reported values once all are warm.
    #[inline]
    fn push(&mut self, h: f64, l: f64, c: f64) -> Option<(f64, f64)> {
        self.hl.push(h, l);
        if !self.hl.is_full() {
            return None;
        }
        let k = percent_k(self.hl.highest(), self.hl.lowest(), c);
        let a = self.first.next(k);
        if a.is_nan() {
            return None;
        }
        match &mut self.second {
            None => Some((k, a)),
            Some(m) => {
                let b = m.next(a);
                if b.is_nan() {
                    None
                } else {
                    Some((a, b))
                }
            }
        }
    }

    fn lookback(&self) -> usize {
        self.fastk_period - 1
            + self.first.lookback()
            + self.second.as_ref().map_or(0, Kernel::lookback)
    }

    fn restart(&mut self) {
        self.hl.clear();
        self.first.restart();
        if let Some(m) = &mut self.second {
            m.restart();
        }
    }
}

impl Kernel for Stochastic {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 2;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        match self.push(bar[0], bar[1], bar[2]) {
            Some((a, b)) => {
                out[0] = a;
                out[1] = b;
            }
            None => out.fill(f64::NAN),
        }
    }
    fn lookback(&self) -> usize {
        Stochastic::lookback(self)
    }
    fn restart(&mut self) {
        Stochastic::restart(self);
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.first.set_unstable(u);
        if let Some(s) = &mut self.second {
            s.set_unstable(u);
        }
    }
    fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
        match (&self.first, &self.second, inputs, outs) {
            (MaKernel::Sma(a), Some(MaKernel::Sma(b)), [h, l, c], [ko, do_])
                if self.fastk_period <= FAST_SCAN =>
            {
                super::fused::run(StochFill {
                    stoch: self,
                    first: a.clone(),
                    second: b.clone(),
                    inputs: [h, l, c],
                    ko,
                    dout: do_,
                })
            }
            _ => false,
        }
    }
}

/// Largest `fastk_period` whose window the batch path rescans on every bar (branch-free maxima
/// over a few values beat tracking the extremes, whose branches mispredict on random data).
const FAST_SCAN: usize = 16;

impl Stochastic {
    /// STOCH with SMA smoothing over a fresh run (the batch path): each bar's highest high and
    /// lowest low by a branch-free scan of the window (the latest of equal extremes, as the
    /// tracked window keeps), then the same %K and the same SMA steps as the kernel.
    #[inline(always)]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn fused_sma(
        &self,
        mut first: super::SimpleMovingAverage,
        mut second: super::SimpleMovingAverage,
        [h, l, c]: [&[f64]; 3],
        ko: &mut [f64],
        dout: &mut [f64],
    ) -> bool {
        let p = self.fastk_period;
        let n = c.len();
        let start = (p - 1).min(n);
        // a NaN input (or a sum of infinities, handled by stepping) declines
        if (0..start).any(|i| (h[i] + l[i] + c[i]).is_nan()) {
            return false;
        }
        ko[..start].fill(f64::NAN);
        dout[..start].fill(f64::NAN);
        first.restart();
        second.restart();
        let (sk, sd) = (first.period(), second.period());
        // Stepping until both averages are full, keeping the last %K and slow %K values (the
        // averages' windows); then blocks of bars.
        let warm_end = (start + sk + sd - 1).min(n);
        let (mut ks, mut slows) = (Vec::new(), Vec::new());
        let (mut a, mut b) = ([0.0], [0.0]);
        for i in start..warm_end {
            if (h[i] + l[i] + c[i]).is_nan() {
                return false;
            }
            let (hw, lw) = (&h[i + 1 - p..=i], &l[i + 1 - p..=i]);
            let (mut hi, mut lo) = (hw[0], lw[0]);
            for j in 1..p {
                hi = if hi > hw[j] { hi } else { hw[j] };
                lo = if lo < lw[j] { lo } else { lw[j] };
            }
            let k = percent_k(hi, lo, c[i]);
            ks.push(k);
            first.step(&[k], &mut a);
            if a[0].is_nan() {
                ko[i] = f64::NAN;
                dout[i] = f64::NAN;
                continue;
            }
            slows.push(a[0]);
            second.step(&a, &mut b);
            if b[0].is_nan() {
                ko[i] = f64::NAN;
                dout[i] = f64::NAN;
            } else {
                ko[i] = a[0];
                dout[i] = b[0];
            }
        }
        if warm_end == n {
            return true;
        }
        let (Some(mut sum1), Some(mut sum2)) = (first.full_sum(), second.full_sum()) else {
            return false;
        };
        if ks.len() < sk || slows.len() < sd {
            return false;
        }
        // A block at a time, each pass over the block vectorised except the two chains: the
        // window extremes, %K (divisions), the first average's running sum (chain), its
        // values (divisions), the second's running sum (chain), its values. The same
        // operations in the same order as the SMA steps (`sum += new - old`, `sum / p`).
        const B: usize = 32;
        let (pf1, pf2) = (sk as f64, sd as f64);
        // the window of each average (oldest first), then the block's new values
        let mut kb = vec![0.0; sk + B];
        kb[..sk].copy_from_slice(&ks[ks.len() - sk..]);
        let mut ab = vec![0.0; sd + B];
        ab[..sd].copy_from_slice(&slows[slows.len() - sd..]);
        let (mut hi, mut lo, mut hi2, mut lo2, mut sums) =
            ([0.0; B], [0.0; B], [0.0; B], [0.0; B], [0.0; B]);
        let mut i0 = warm_end;
        while i0 < n {
            let len = (n - i0).min(B);
            let mut bad = false;
            for i in i0..i0 + len {
                bad |= !(h[i] + l[i] + c[i]).is_finite();
            }
            if bad {
                return false;
            }
            let first_bar = i0 + 1 - p;
            let (mut hi, mut lo) = (&mut hi[..len], &mut lo[..len]);
            let (mut hi2, mut lo2) = (&mut hi2[..len], &mut lo2[..len]);
            hi.copy_from_slice(&h[first_bar..first_bar + len]);
            lo.copy_from_slice(&l[first_bar..first_bar + len]);
            for w in 1..p {
                let (hw, lw) = (&h[first_bar + w..][..len], &l[first_bar + w..][..len]);
                // into the other buffer: an unconditional store (in place, the compiler emits
                // a masked store: slow on AMD, and a store-forwarding stall for the next pass)
                for j in 0..len {
                    hi2[j] = if hi[j] > hw[j] { hi[j] } else { hw[j] };
                    lo2[j] = if lo[j] < lw[j] { lo[j] } else { lw[j] };
                }
                std::mem::swap(&mut hi, &mut hi2);
                std::mem::swap(&mut lo, &mut lo2);
            }
            for (j, &cv) in c[i0..i0 + len].iter().enumerate() {
                kb[sk + j] = percent_k(hi[j], lo[j], cv);
            }
            let sums = &mut sums[..len];
            sum1 = running_sum(sum1, &kb[sk..sk + len], &kb[..len], sums);
            for (a, &s1) in ab[sd..sd + len].iter_mut().zip(sums.iter()) {
                *a = s1 / pf1;
            }
            sum2 = running_sum(sum2, &ab[sd..sd + len], &ab[..len], sums);
            ko[i0..i0 + len].copy_from_slice(&ab[sd..sd + len]);
            for (o, &s2) in dout[i0..i0 + len].iter_mut().zip(sums.iter()) {
                *o = s2 / pf2;
            }
            kb.copy_within(len..len + sk, 0);
            ab.copy_within(len..len + sd, 0);
            i0 += len;
        }
        true
    }
}

/// An SMA's running sum over a block, as its steps add (`sum += new - old`); each bar's sum
/// into `out`, the last one returned. A function of its own so the sum stays in a register.
#[inline(always)]
fn running_sum(mut sum: f64, new: &[f64], old: &[f64], out: &mut [f64]) -> f64 {
    for ((o, &x), &y) in out.iter_mut().zip(new).zip(old) {
        sum += x - y;
        *o = sum;
    }
    sum
}

/// %K of a bar from its window's extremes: 0 when the range is within TA-Lib's dead zone.
#[inline]
fn percent_k(hi: f64, lo: f64, c: f64) -> f64 {
    let k = ((c - lo) / (hi - lo)) * 100.0;
    if talib_is_zero_scaled(hi - lo, hi.abs() + lo.abs()) {
        0.0
    } else {
        k
    }
}

super::fused::fused_loop!(StochFill {
    stoch: &'a Stochastic,
    first: super::SimpleMovingAverage,
    second: super::SimpleMovingAverage,
    inputs: [&'a [f64]; 3],
    ko: &'a mut [f64],
    dout: &'a mut [f64],
} => stoch.fused_sma(first, second, inputs, ko, dout));

/// `STOCH` kernel: (slowk, slowd).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StochKernel(Stochastic);

impl FromParams for StochKernel {
    fn from_params(p: &Params) -> Result<Self> {
        let (sk, sd) = (p.usize(1), p.usize(3));
        check_min("slowk_period", sk, 1)?;
        check_min("slowd_period", sd, 1)?;
        Ok(Self(Stochastic::build(
            p.usize(0),
            ma_kernel("slowk_matype", p.int(2), MaType::Sma, sk)?,
            Some(ma_kernel("slowd_matype", p.int(4), MaType::Sma, sd)?),
        )?))
    }
}

super::delegate_kernel!(StochKernel => Stochastic);

/// `STOCHF` kernel: (fastk, fastd).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StochFKernel(Stochastic);

impl FromParams for StochFKernel {
    fn from_params(p: &Params) -> Result<Self> {
        let fd = p.usize(1);
        check_min("fastd_period", fd, 1)?;
        Ok(Self(Stochastic::build(
            p.usize(0),
            ma_kernel("fastd_matype", p.int(2), MaType::Sma, fd)?,
            None,
        )?))
    }
}

super::delegate_kernel!(StochFKernel => Stochastic);

/// `STOCHRSI` kernel: STOCHF of RSI(timeperiod), the RSI standing for high, low and close.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StochRsiKernel {
    rsi: RelativeStrengthIndex,
    stoch: Stochastic,
}

impl FromParams for StochRsiKernel {
    fn from_params(p: &Params) -> Result<Self> {
        let fd = p.usize(2);
        check_min("fastd_period", fd, 1)?;
        Ok(Self {
            rsi: RelativeStrengthIndex::new(p.usize(0))?,
            stoch: Stochastic::build(
                p.usize(1),
                ma_kernel("fastd_matype", p.int(3), MaType::Sma, fd)?,
                None,
            )?,
        })
    }
}

impl Kernel for StochRsiKernel {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 2;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let mut o = [0.0];
        self.rsi.step(bar, &mut o);
        let r = o[0];
        match if r.is_nan() { None } else { self.stoch.push(r, r, r) } {
            Some((a, b)) => {
                out[0] = a;
                out[1] = b;
            }
            None => out.fill(f64::NAN),
        }
    }
    fn lookback(&self) -> usize {
        self.rsi.lookback() + self.stoch.lookback()
    }
    fn restart(&mut self) {
        self.rsi.restart();
        self.stoch.restart();
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.rsi.set_unstable(u);
        self.stoch.set_unstable(u);
    }
}

kernel_decl!(STOCH: StochKernel, "Momentum Indicators", "Stochastic",
    "fast %K = 100 * (close - lowest low) / (highest high - lowest low) over fastk_period bars (0 if flat to a relative 1e-14); slowk = MA(%K, slowk_period, slowk_matype); slowd = MA(slowk, slowd_period, slowd_matype). Reference: TA-Lib STOCH.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [
        ParamSpec::int("fastk_period", 5, 1, MAX_PERIOD, "%K window"),
        ParamSpec::int("slowk_period", 3, 1, MAX_PERIOD, "slow %K smoothing period"),
        ParamSpec::matype("slowk_matype", 0, "slow %K average type"),
        ParamSpec::int("slowd_period", 3, 1, MAX_PERIOD, "slow %D smoothing period"),
        ParamSpec::matype("slowd_matype", 0, "slow %D average type"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("slowk"), OutputSpec::f64("slowd")]);
kernel_decl!(STOCHF: StochFKernel, "Momentum Indicators", "Stochastic Fast",
    "fastk = 100 * (close - lowest low) / (highest high - lowest low) over fastk_period bars (0 if flat to a relative 1e-14); fastd = MA(fastk, fastd_period, fastd_matype). Reference: TA-Lib STOCHF.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [
        ParamSpec::int("fastk_period", 5, 1, MAX_PERIOD, "%K window"),
        ParamSpec::int("fastd_period", 3, 1, MAX_PERIOD, "%D smoothing period"),
        ParamSpec::matype("fastd_matype", 0, "%D average type"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("fastk"), OutputSpec::f64("fastd")]);
kernel_decl!(STOCHRSI: StochRsiKernel, "Momentum Indicators", "Stochastic Relative Strength Index",
    "STOCHF applied to RSI(timeperiod) as high, low and close. Reference: TA-Lib STOCHRSI.",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "RSI period"),
        ParamSpec::int("fastk_period", 5, 1, MAX_PERIOD, "%K window"),
        ParamSpec::int("fastd_period", 3, 1, MAX_PERIOD, "%D smoothing period"),
        ParamSpec::matype("fastd_matype", 0, "%D average type"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("fastk"), OutputSpec::f64("fastd")]);

/// Slow stochastic, TA-Lib's `STOCH`: `(slowk, slowd)`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if a period is below 1.
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "STOCH")]
#[allow(clippy::too_many_arguments, reason = "TA-Lib's signature")]
pub fn stoch(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    fastk_period: usize,
    slowk_period: usize,
    slowk_matype: MaType,
    slowd_period: usize,
    slowd_matype: MaType,
) -> Result<(Vec<f64>, Vec<f64>)> {
    check_min("slowk_period", slowk_period, 1)?;
    check_min("slowd_period", slowd_period, 1)?;
    let k = StochKernel(Stochastic::build(
        fastk_period,
        ma_kernel("slowk_matype", slowk_matype as i64, MaType::Sma, slowk_period)?,
        Some(ma_kernel("slowd_matype", slowd_matype as i64, MaType::Sma, slowd_period)?),
    )?);
    kernel_columns(&k, &["high", "low", "close"], &[high, low, close]).map(two)
}

/// Fast stochastic, TA-Lib's `STOCHF`: `(fastk, fastd)`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if a period is below 1.
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "STOCHF")]
pub fn stochf(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    fastk_period: usize,
    fastd_period: usize,
    fastd_matype: MaType,
) -> Result<(Vec<f64>, Vec<f64>)> {
    check_min("fastd_period", fastd_period, 1)?;
    let d = ma_kernel("fastd_matype", fastd_matype as i64, MaType::Sma, fastd_period)?;
    let k = StochFKernel(Stochastic::build(fastk_period, d, None)?);
    kernel_columns(&k, &["high", "low", "close"], &[high, low, close]).map(two)
}

/// Stochastic RSI, TA-Lib's `STOCHRSI`: `(fastk, fastd)`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if a period is below its bound.
#[doc(alias = "STOCHRSI")]
pub fn stochrsi(
    real: &[f64],
    timeperiod: usize,
    fastk_period: usize,
    fastd_period: usize,
    fastd_matype: MaType,
) -> Result<(Vec<f64>, Vec<f64>)> {
    check_min("fastd_period", fastd_period, 1)?;
    let d = ma_kernel("fastd_matype", fastd_matype as i64, MaType::Sma, fastd_period)?;
    let k = StochRsiKernel {
        rsi: RelativeStrengthIndex::new(timeperiod)?,
        stoch: Stochastic::build(fastk_period, d, None)?,
    };
    kernel_columns(&k, &["real"], &[real]).map(two)
}
