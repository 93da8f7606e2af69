//! Wilder's directional movement family, TA-Lib's `PLUS_DM`, `MINUS_DM`, `PLUS_DI`,
//! `MINUS_DI`, `DX`, `ADX`, `ADXR`. The smoothed sums are seeded with the plain sums over the
//! first `timeperiod - 1` bars, then `s = s - s / p + today`, in TA-Lib's operation order
//! (`PLUS_DM` / `MINUS_DM`); the DI family multiplies by `1 / p` and by `100 / TR` instead of
//! dividing (the divider bounded ADX: seven divisions per bar, now two), which moves values by
//! about one unit in the last place, far inside the TA-Lib parity tolerance.

use serde::{Deserialize, Serialize};

use super::trange::true_range;
use super::window::Window;
use super::{kernel_columns, kernel_decl, one, talib_is_zero, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// One bar's directional movement `(+DM1, -DM1)` from the previous high and low: the larger
/// positive move wins, an equal move counts for neither (TA-Lib's `if down > 0 && up < down`,
/// `else if up > 0 && up > down`). Branch-free: which side wins is a coin flip on real prices,
/// and each mispredicted branch also threw away the divisions in flight; the masks give the
/// same values (a cleared value is +0.0, as the branches' literal).
#[inline]
fn dm1(high: f64, low: f64, prev_high: f64, prev_low: f64) -> (f64, f64) {
    let up = high - prev_high;
    let down = prev_low - low;
    let minus = (down > 0.0) & (up < down);
    let plus = !minus & (up > 0.0) & (up > down);
    let keep = |v: f64, on: bool| f64::from_bits(v.to_bits() & 0u64.wrapping_sub(u64::from(on)));
    (keep(up, plus), keep(down, minus))
}

/// Which side a DM / DI state reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// +DM / +DI.
    Plus,
    /// -DM / -DI.
    Minus,
}

/// Streaming state of `PLUS_DM` / `MINUS_DM`; bars are `(high, low)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectionalMovement {
    period: usize,
    side: Direction,
    prev: Option<(f64, f64)>,
    count: usize,
    dm: f64,
}

impl DirectionalMovement {
    /// A fresh state; `timeperiod >= 1` (1: the raw one-bar movement).
    pub fn new(timeperiod: usize, side: Direction) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self { period: timeperiod, side, prev: None, count: 0, dm: 0.0 })
    }
}

impl Kernel for DirectionalMovement {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l) = (bar[0], bar[1]);
        let Some((ph, pl)) = self.prev.replace((h, l)) else {
            out[0] = f64::NAN;
            return;
        };
        let (p, m) = dm1(h, l, ph, pl);
        let d = if self.side == Direction::Plus { p } else { m };
        if self.period == 1 {
            out[0] = d;
            return;
        }
        self.count += 1;
        if self.count < self.period {
            self.dm += d;
            out[0] = if self.count == self.period - 1 { self.dm } else { f64::NAN };
        } else {
            self.dm = self.dm - self.dm / self.period as f64 + d;
            out[0] = self.dm;
        }
    }
    fn lookback(&self) -> usize {
        if self.period > 1 {
            self.period - 1
        } else {
            1
        }
    }
    fn restart(&mut self) {
        self.prev = None;
        self.count = 0;
        self.dm = 0.0;
    }
}

/// `1 - 1/p`, the decay of the smoothed sums.
#[inline]
#[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
fn sums_decay(period: usize) -> f64 {
    1.0 - 1.0 / period as f64
}

/// DX of the smoothed sums, and whether it is defined (see [`DirectionalSums::dx`]); branch
/// free, so that a block of bars vectorises.
#[inline]
fn dx_of(plus: f64, minus: f64, tr: f64) -> (f64, bool) {
    // one division for both DIs (TA-Lib: two)
    let per_tr = 100.0 / tr;
    let minus_di = minus * per_tr;
    let plus_di = plus * per_tr;
    let sum = minus_di + plus_di;
    let dx = 100.0 * ((minus_di - plus_di).abs() / sum);
    // `tr <= 0` is undefined; a NaN range is not (stepping lets it through, as TA-Lib)
    let range_ok = tr > 0.0 || tr.is_nan();
    (dx, range_ok & !talib_is_zero(sum))
}

/// The smoothed +DM, -DM and true range of the 3-input members (DI, DX, ADX, ADXR).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DirectionalSums {
    period: usize,
    prev: Option<(f64, f64, f64)>,
    count: usize,
    plus: f64,
    minus: f64,
    tr: f64,
}

impl DirectionalSums {
    fn new(period: usize) -> Self {
        Self { period, prev: None, count: 0, plus: 0.0, minus: 0.0, tr: 0.0 }
    }

    /// Feeds a bar; `Some((+DM1, -DM1, TR1))` of this bar once the smoothed sums are valid
    /// (from bar `timeperiod` on).
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn push(&mut self, h: f64, l: f64, c: f64) -> Option<(f64, f64, f64)> {
        let (ph, pl, pc) = self.prev.replace((h, l, c))?;
        let (p, m) = dm1(h, l, ph, pl);
        let tr = true_range(h, l, pc);
        self.count += 1;
        if self.count < self.period {
            self.minus += m;
            self.plus += p;
            self.tr += tr;
            return None;
        }
        // TA-Lib's `s - s / p + today` as `s (1 - 1/p) + today`: one (fused, `ta::fused`)
        // multiply-add on each chain, no division (ADX was bound by the divider: seven
        // divisions per bar, now two); the same value to the last bit or so.
        let decay = sums_decay(self.period);
        self.minus = super::fused::madd_dyn(self.minus, decay, m);
        self.plus = super::fused::madd_dyn(self.plus, decay, p);
        self.tr = super::fused::madd_dyn(self.tr, decay, tr);
        Some((p, m, tr))
    }

    /// `Some(DX)` unless the true range is zero or the DI sum is within 1e-14 of zero (TA-Lib
    /// 0.8.1 tests the range, which carries the price unit, exactly; the dimensionless DI sum
    /// against its fixed band).
    #[inline]
    fn dx(&self) -> Option<f64> {
        let (dx, valid) = dx_of(self.plus, self.minus, self.tr);
        valid.then_some(dx)
    }

    fn restart(&mut self) {
        *self = Self::new(self.period);
    }
}

/// Streaming state of `PLUS_DI` / `MINUS_DI`; bars are `(high, low, close)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectionalIndicator {
    sums: DirectionalSums,
    side: Direction,
}

impl DirectionalIndicator {
    /// A fresh state; `timeperiod >= 1` (1: the raw one-bar ratio DM1 / TR1, not times 100,
    /// as in TA-Lib).
    pub fn new(timeperiod: usize, side: Direction) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self { sums: DirectionalSums::new(timeperiod), side })
    }
}

impl Kernel for DirectionalIndicator {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let Some((p, m, tr)) = self.sums.push(bar[0], bar[1], bar[2]) else {
            out[0] = f64::NAN;
            return;
        };
        let s = &self.sums;
        out[0] = if s.period == 1 {
            let d = if self.side == Direction::Plus { p } else { m };
            if d == 0.0 || tr <= 0.0 {
                0.0
            } else {
                d / tr
            }
        } else if s.tr <= 0.0 {
            0.0
        } else {
            let d = if self.side == Direction::Plus { s.plus } else { s.minus };
            100.0 * (d / s.tr)
        };
    }
    fn lookback(&self) -> usize {
        self.sums.period
    }
    fn restart(&mut self) {
        self.sums.restart();
    }
}

/// Streaming state of `DX`: `100 * |+DI - -DI| / (+DI + -DI)`; a degenerate bar repeats the
/// previous value (0 for the first), as TA-Lib.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DirectionalIndex {
    sums: DirectionalSums,
    last: f64,
}

impl DirectionalIndex {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self { sums: DirectionalSums::new(timeperiod), last: 0.0 })
    }
}

impl FromParams for DirectionalIndex {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for DirectionalIndex {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        if self.sums.push(bar[0], bar[1], bar[2]).is_none() {
            out[0] = f64::NAN;
            return;
        }
        if let Some(dx) = self.sums.dx() {
            self.last = dx;
        }
        out[0] = self.last;
    }
    fn lookback(&self) -> usize {
        self.sums.period
    }
    fn restart(&mut self) {
        self.sums.restart();
        self.last = 0.0;
    }
}

/// Streaming state of `ADX`: the mean of the first `timeperiod` DX, then Wilder-smoothed
/// (`(adx * (p - 1) + dx) / p`); degenerate bars leave it unchanged, as TA-Lib.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageDirectionalIndex {
    sums: DirectionalSums,
    seen: usize,
    adx: f64,
}

impl AverageDirectionalIndex {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self { sums: DirectionalSums::new(timeperiod), seen: 0, adx: 0.0 })
    }

    /// Feeds a bar; the ADX once warm.
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn push(&mut self, h: f64, l: f64, c: f64) -> Option<f64> {
        self.sums.push(h, l, c)?;
        let p = self.sums.period;
        let pf = p as f64;
        let dx = self.sums.dx();
        if self.seen < p {
            self.seen += 1;
            if let Some(dx) = dx {
                self.adx += dx;
            }
            if self.seen < p {
                return None;
            }
            self.adx /= pf;
        } else if let Some(dx) = dx {
            // `adx (p-1)/p + dx/p`: one (fused) multiply-add on the chain
            self.adx = super::fused::madd_dyn(self.adx, adx_decay(p), dx * (1.0 / pf));
        }
        Some(self.adx)
    }

    /// The batch loop of a fresh ADX: the warm-up steps, then blocks of bars with the same
    /// operations as [`Kernel::step`] in the same order; false at a NaN input.
    #[inline(always)]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn fill_with<const F: bool>(&self, h: &[f64], l: &[f64], c: &[f64], out: &mut [f64]) -> bool {
        use super::fused::madd;
        let n = c.len();
        let p = self.sums.period;
        let warm = (2 * p).min(n);
        let mut s = self.clone();
        for i in 0..warm {
            if (h[i] + l[i] + c[i]).is_nan() {
                return false;
            }
            s.step(&[h[i], l[i], c[i]], std::slice::from_mut(&mut out[i]));
        }
        if warm == n {
            return true;
        }
        let (mut plus, mut minus, mut trs, mut adx) = (s.sums.plus, s.sums.minus, s.sums.tr, s.adx);
        let (decay, a_decay, r) = (sums_decay(p), adx_decay(p), 1.0 / p as f64);
        // A block at a time: the one-bar movements and ranges (vectorised), the three sums'
        // chains, DX (vectorised divisions), then the ADX chain; 32 bars as in `sma`.
        const B: usize = 32;
        let (mut a, mut b, mut t, mut ok) = ([0.0; B], [0.0; B], [0.0; B], [false; B]);
        let mut i0 = warm;
        while i0 < n {
            let len = (n - i0).min(B);
            let (hs, ls, cs) = (&h[i0..i0 + len], &l[i0..i0 + len], &c[i0..i0 + len]);
            let (phs, pls, pcs) = (&h[i0 - 1..], &l[i0 - 1..], &c[i0 - 1..]);
            let (a, b, t, ok) = (&mut a[..len], &mut b[..len], &mut t[..len], &mut ok[..len]);
            let mut nan = false;
            for j in 0..len {
                nan |= (hs[j] + ls[j] + cs[j]).is_nan();
                let (pd, md) = dm1(hs[j], ls[j], phs[j], pls[j]);
                a[j] = pd;
                b[j] = md;
                t[j] = true_range(hs[j], ls[j], pcs[j]);
            }
            if nan {
                return false;
            }
            for j in 0..len {
                minus = madd::<F>(minus, decay, b[j]);
                plus = madd::<F>(plus, decay, a[j]);
                trs = madd::<F>(trs, decay, t[j]);
                (a[j], b[j], t[j]) = (plus, minus, trs);
            }
            for j in 0..len {
                let (dx, valid) = dx_of(a[j], b[j], t[j]);
                a[j] = dx * r;
                ok[j] = valid;
            }
            for (o, (&term, &valid)) in out[i0..i0 + len].iter_mut().zip(a.iter().zip(ok.iter())) {
                let next = madd::<F>(adx, a_decay, term);
                adx = if valid { next } else { adx };
                *o = adx;
            }
            i0 += len;
        }
        true
    }
}

/// `(p - 1) / p`, the decay of the ADX average.
#[inline]
#[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
fn adx_decay(period: usize) -> f64 {
    (period - 1) as f64 / period as f64
}

super::fused::fused_loop!(AdxFill {
    adx: &'a AverageDirectionalIndex, h: &'a [f64], l: &'a [f64], c: &'a [f64], out: &'a mut [f64],
} => adx.fill_with::<F>(h, l, c, out));

impl FromParams for AverageDirectionalIndex {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for AverageDirectionalIndex {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = self.push(bar[0], bar[1], bar[2]).unwrap_or(f64::NAN);
    }
    fn lookback(&self) -> usize {
        2 * self.sums.period - 1
    }
    fn restart(&mut self) {
        self.sums.restart();
        self.seen = 0;
        self.adx = 0.0;
    }
    fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
        match (inputs, outs) {
            ([h, l, c], [out]) => super::fused::run(AdxFill { adx: self, h, l, c, out }),
            _ => false,
        }
    }
}

/// Streaming state of `ADXR`: `(adx + adx[timeperiod - 1 bars ago]) / 2`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageDirectionalRating {
    adx: AverageDirectionalIndex,
    past: Window,
}

impl AverageDirectionalRating {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        Ok(Self { adx: AverageDirectionalIndex::new(timeperiod)?, past: Window::new(timeperiod) })
    }
}

impl FromParams for AverageDirectionalRating {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for AverageDirectionalRating {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::NAN;
        if let Some(adx) = self.adx.push(bar[0], bar[1], bar[2]) {
            self.past.push(adx);
            if self.past.is_full() {
                let p = self.adx.sums.period;
                out[0] = (adx + self.past.ago(p - 1)) / 2.0;
            }
        }
    }
    fn lookback(&self) -> usize {
        3 * self.adx.sums.period - 2
    }
    fn restart(&mut self) {
        self.adx.restart();
        self.past.clear();
    }
}

macro_rules! sided {
    ($name:ident, $inner:ident, $side:expr) => {
        #[doc = concat!("Kernel of `", stringify!($inner), "` on the ", stringify!($side), " side.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name($inner);

        impl FromParams for $name {
            fn from_params(p: &Params) -> Result<Self> {
                Ok(Self($inner::new(p.usize(0), $side)?))
            }
        }

        super::delegate_kernel!($name => $inner);
    };
}

sided!(PlusDmKernel, DirectionalMovement, Direction::Plus);
sided!(MinusDmKernel, DirectionalMovement, Direction::Minus);
sided!(PlusDiKernel, DirectionalIndicator, Direction::Plus);
sided!(MinusDiKernel, DirectionalIndicator, Direction::Minus);

kernel_decl!(PLUS_DM: crate::decl::Gated<PlusDmKernel, { crate::decl::UnstableId::PlusDm as u8 }>, "Momentum Indicators", "Plus Directional Movement",
    "Wilder-smoothed +DM: sum of the first timeperiod-1 one-bar +DM, then s - s/p + +DM1; timeperiod 1 gives +DM1. Reference: TA-Lib PLUS_DM.",
    inputs ["high": "high prices", "low": "low prices"],
    params [ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "Wilder smoothing period"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(MINUS_DM: crate::decl::Gated<MinusDmKernel, { crate::decl::UnstableId::MinusDm as u8 }>, "Momentum Indicators", "Minus Directional Movement",
    "Wilder-smoothed -DM: sum of the first timeperiod-1 one-bar -DM, then s - s/p + -DM1; timeperiod 1 gives -DM1. Reference: TA-Lib MINUS_DM.",
    inputs ["high": "high prices", "low": "low prices"],
    params [ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "Wilder smoothing period"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(PLUS_DI: crate::decl::Gated<PlusDiKernel, { crate::decl::UnstableId::PlusDi as u8 }>, "Momentum Indicators", "Plus Directional Indicator",
    "100 * smoothed +DM / smoothed true range (0 when the range is zero); timeperiod 1 gives +DM1 / TR1. Reference: TA-Lib PLUS_DI.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "Wilder smoothing period"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(MINUS_DI: crate::decl::Gated<MinusDiKernel, { crate::decl::UnstableId::MinusDi as u8 }>, "Momentum Indicators", "Minus Directional Indicator",
    "100 * smoothed -DM / smoothed true range (0 when the range is zero); timeperiod 1 gives -DM1 / TR1. Reference: TA-Lib MINUS_DI.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "Wilder smoothing period"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(DX: crate::decl::Gated<DirectionalIndex, { crate::decl::UnstableId::Dx as u8 }>, "Momentum Indicators", "Directional Movement Index",
    "100 * |+DI - -DI| / (+DI + -DI); a degenerate bar repeats the previous value. Reference: TA-Lib DX.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "Wilder smoothing period"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(ADX: crate::decl::Gated<AverageDirectionalIndex, { crate::decl::UnstableId::Adx as u8 }>, "Momentum Indicators", "Average Directional Movement Index",
    "Mean of the first timeperiod DX, then (adx*(p-1) + dx)/p. Reference: TA-Lib ADX.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "Wilder smoothing period"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(ADXR: crate::decl::Gated<AverageDirectionalRating, { crate::decl::UnstableId::Adx as u8 }>, "Momentum Indicators", "Average Directional Movement Index Rating",
    "(ADX + ADX timeperiod-1 bars ago) / 2. Reference: TA-Lib ADXR.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "Wilder smoothing period"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);

/// TA-Lib's `PLUS_DM`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "PLUS_DM")]
pub fn plus_dm(high: &[f64], low: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    kernel_columns(
        &DirectionalMovement::new(timeperiod, Direction::Plus)?,
        &["high", "low"],
        &[high, low],
    )
    .map(one)
}

/// TA-Lib's `MINUS_DM`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "MINUS_DM")]
pub fn minus_dm(high: &[f64], low: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    kernel_columns(
        &DirectionalMovement::new(timeperiod, Direction::Minus)?,
        &["high", "low"],
        &[high, low],
    )
    .map(one)
}

/// TA-Lib's `PLUS_DI`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "PLUS_DI")]
pub fn plus_di(high: &[f64], low: &[f64], close: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    kernel_columns(
        &DirectionalIndicator::new(timeperiod, Direction::Plus)?,
        &["high", "low", "close"],
        &[high, low, close],
    )
    .map(one)
}

/// TA-Lib's `MINUS_DI`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "MINUS_DI")]
pub fn minus_di(high: &[f64], low: &[f64], close: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    kernel_columns(
        &DirectionalIndicator::new(timeperiod, Direction::Minus)?,
        &["high", "low", "close"],
        &[high, low, close],
    )
    .map(one)
}

/// TA-Lib's `DX`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "DX")]
pub fn dx(high: &[f64], low: &[f64], close: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    kernel_columns(
        &DirectionalIndex::new(timeperiod)?,
        &["high", "low", "close"],
        &[high, low, close],
    )
    .map(one)
}

/// TA-Lib's `ADX`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "ADX")]
pub fn adx(high: &[f64], low: &[f64], close: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    kernel_columns(
        &AverageDirectionalIndex::new(timeperiod)?,
        &["high", "low", "close"],
        &[high, low, close],
    )
    .map(one)
}

/// TA-Lib's `ADXR`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "ADXR")]
pub fn adxr(high: &[f64], low: &[f64], close: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    kernel_columns(
        &AverageDirectionalRating::new(timeperiod)?,
        &["high", "low", "close"],
        &[high, low, close],
    )
    .map(one)
}
