//! TA-Lib's `MACD`, `MACDFIX`, `MACDEXT`, `APO` and `PPO`. In the MACD family the faster
//! average starts consuming bars late, so that its warm-up ends on the same bar as the slower
//! one's (TA-Lib computes both from the first output bar back); APO and PPO run both averages
//! from the first bar (checked against TA-Lib 0.8.1: an aligned EMA(12) differs from its APO).

use serde::{Deserialize, Serialize};

use super::{
    kernel_columns, kernel_decl, one, three, ExponentialMovingAverage, MaKernel, MaType, MAX_PERIOD,
};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// A moving average of `matype` (code, 11 resolved to `default`) over `period` bars; a period
/// of 1 is the identity for every type, as TA-Lib's `MA`.
pub(crate) fn ma_kernel(
    param: &str,
    code: i64,
    default: MaType,
    period: usize,
) -> Result<MaKernel> {
    let t = MaType::from_code(param, code, default)?;
    if period == 1 {
        Ok(MaKernel::Identity)
    } else {
        MaKernel::new(param, t, period)
    }
}

/// A moving average that ignores its first `skip` bars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LateMa<M> {
    pub(crate) ma: M,
    pub(crate) skip: usize,
    seen: usize,
}

impl<M: Kernel> LateMa<M> {
    pub(crate) fn new(ma: M, skip: usize) -> Self {
        Self { ma, skip, seen: 0 }
    }
    #[inline]
    pub(crate) fn next(&mut self, x: f64) -> f64 {
        if self.seen < self.skip {
            self.seen += 1;
            return f64::NAN;
        }
        let mut o = [0.0];
        self.ma.step(&[x], &mut o);
        o[0]
    }
    pub(crate) fn restart(&mut self) {
        self.seen = 0;
        self.ma.restart();
    }
}

/// Two moving averages whose first outputs fall on the same bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AlignedPair<M> {
    fast: LateMa<M>,
    slow: LateMa<M>,
    lookback: usize,
    /// Both averages start on the first bar ([`AlignedPair::from_start`]).
    from_start: bool,
}

impl<M: Kernel> AlignedPair<M> {
    pub(crate) fn new(fast: M, slow: M) -> Self {
        let (lf, ls) = (fast.lookback(), slow.lookback());
        let lookback = lf.max(ls);
        Self {
            fast: LateMa::new(fast, lookback - lf),
            slow: LateMa::new(slow, lookback - ls),
            lookback,
            from_start: false,
        }
    }
    /// Both averages from the first bar (APO and PPO: TA-Lib computes each over the whole
    /// series, so the faster one is not re-seeded).
    pub(crate) fn from_start(fast: M, slow: M) -> Self {
        let lookback = fast.lookback().max(slow.lookback());
        Self { fast: LateMa::new(fast, 0), slow: LateMa::new(slow, 0), lookback, from_start: true }
    }
    /// `(fast, slow)`, both NaN until the warm-up ends.
    #[inline]
    pub(crate) fn next(&mut self, x: f64) -> (f64, f64) {
        (self.fast.next(x), self.slow.next(x))
    }
    pub(crate) fn lookback(&self) -> usize {
        self.lookback
    }
    pub(crate) fn restart(&mut self) {
        self.fast.restart();
        self.slow.restart();
    }
    /// Applies unstable periods to both averages and re-aligns them (TA-Lib seeds the faster
    /// average as many bars after the slower one as without them).
    pub(crate) fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.fast.ma.set_unstable(u);
        self.slow.ma.set_unstable(u);
        let (lf, ls) = (self.fast.ma.lookback(), self.slow.ma.lookback());
        self.lookback = lf.max(ls);
        if !self.from_start {
            self.fast.skip = self.lookback - lf;
            self.slow.skip = self.lookback - ls;
        }
    }
}

/// Streaming state of the MACD family: `macd = fast - slow`, `signal` = an average of macd,
/// `hist = macd - signal`; all three NaN until the signal is warm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Macd<M> {
    pair: AlignedPair<M>,
    signal: M,
}

impl<M: Kernel> Macd<M> {
    fn build(fast: M, slow: M, signal: M) -> Self {
        Self { pair: AlignedPair::new(fast, slow), signal }
    }
}

impl<M: Kernel> Kernel for Macd<M> {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 3;
    const STATE_REVISION: u8 = M::STATE_REVISION;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (f, s) = self.pair.next(bar[0]);
        if f.is_nan() || s.is_nan() {
            out.fill(f64::NAN);
            return;
        }
        let macd = f - s;
        let mut o = [0.0];
        self.signal.step(&[macd], &mut o);
        let sig = o[0];
        if sig.is_nan() {
            out.fill(f64::NAN);
        } else {
            out[0] = macd;
            out[1] = sig;
            out[2] = macd - sig;
        }
    }
    fn lookback(&self) -> usize {
        self.pair.lookback() + self.signal.lookback()
    }
    fn restart(&mut self) {
        self.pair.restart();
        self.signal.restart();
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.pair.set_unstable(u);
        self.signal.set_unstable(u);
    }
    fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
        let any: &dyn std::any::Any = self;
        match (any.downcast_ref::<Macd<ExponentialMovingAverage>>(), inputs, outs) {
            (Some(m), [x], [a, b, c]) => {
                super::fused::run(MacdFill { m, x, macd: a, sig: b, hist: c })
            }
            _ => false,
        }
    }
}

impl Macd<ExponentialMovingAverage> {
    /// MACD of EMAs in one pass (the batch path): the fast and slow EMAs, their difference and
    /// the signal EMA of it, with the same operations in the same order as stepping the
    /// kernel. Declines (false) with unstable periods, a signal period of 1, or when an EMA
    /// turns NaN (a NaN input, or infinite inputs, where stepping skips the signal).
    #[inline(always)]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn fused<const F: bool>(
        &self,
        x: &[f64],
        macd: &mut [f64],
        sig: &mut [f64],
        hist: &mut [f64],
    ) -> bool {
        use super::fused::madd;
        let (Some((pf, fk, fo)), Some((ps, sk, so)), Some((pg, gk, go))) =
            (self.pair.fast.ma.plain(), self.pair.slow.ma.plain(), self.signal.plain())
        else {
            return false;
        };
        if pg < 2 || self.pair.from_start || self.pair.slow.skip != 0 || pf > ps {
            return false;
        }
        let ls = ps - 1;
        let skip = self.pair.fast.skip;
        let lb = ls + pg - 1;
        let n = x.len();
        if n <= lb {
            for o in [macd, sig, hist] {
                o.fill(f64::NAN);
            }
            return !x.iter().any(|v| v.is_nan());
        }
        for o in [&mut *macd, &mut *sig, &mut *hist] {
            o[..lb].fill(f64::NAN);
        }
        let (mut fsum, mut ssum) = (0.0, 0.0);
        for &v in &x[skip..skip + pf] {
            fsum += v;
        }
        for &v in &x[..ps] {
            ssum += v;
        }
        let (mut fe, mut se) = (fsum / pf as f64, ssum / ps as f64);
        let mut m = fe - se;
        // a NaN input turns both EMAs NaN from there on: bail out at once
        if m.is_nan() {
            return false;
        }
        let mut gsum = 0.0;
        for &v in &x[ls + 1..=lb] {
            gsum += m;
            fe = madd::<F>(fe, fo, v * fk);
            se = madd::<F>(se, so, v * sk);
            m = fe - se;
            if m.is_nan() {
                return false;
            }
        }
        gsum += m;
        let mut g = gsum / pg as f64;
        macd[lb] = m;
        sig[lb] = g;
        hist[lb] = m - g;
        let xs = &x[lb + 1..];
        let len = xs.len();
        let (ms, gs, hs) = (&mut macd[lb + 1..], &mut sig[lb + 1..], &mut hist[lb + 1..]);
        let (ms, gs, hs) = (&mut ms[..len], &mut gs[..len], &mut hs[..len]);
        for j in 0..len {
            let v = xs[j];
            fe = madd::<F>(fe, fo, v * fk);
            se = madd::<F>(se, so, v * sk);
            m = fe - se;
            if m.is_nan() {
                return false;
            }
            g = madd::<F>(g, go, m * gk);
            ms[j] = m;
            gs[j] = g;
            hs[j] = m - g;
        }
        true
    }
}

super::fused::fused_loop!(MacdFill {
    m: &'a Macd<ExponentialMovingAverage>, x: &'a [f64], macd: &'a mut [f64], sig: &'a mut [f64], hist: &'a mut [f64],
} => m.fused::<F>(x, macd, sig, hist));

/// `MACD` kernel: EMAs (SMA-seeded), the fast one seeded on the bars just before the slow one's
/// first output; periods swapped if `slowperiod < fastperiod`, as TA-Lib.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MacdKernel(Macd<ExponentialMovingAverage>);

impl MacdKernel {
    /// A fresh state; `fastperiod, slowperiod >= 2`, `signalperiod >= 1`.
    pub fn new(fastperiod: usize, slowperiod: usize, signalperiod: usize) -> Result<Self> {
        check_min("fastperiod", fastperiod, 2)?;
        check_min("slowperiod", slowperiod, 2)?;
        check_min("signalperiod", signalperiod, 1)?;
        let (f, s) = if slowperiod < fastperiod {
            (slowperiod, fastperiod)
        } else {
            (fastperiod, slowperiod)
        };
        Ok(Self(Macd::build(
            ExponentialMovingAverage::new(f)?,
            ExponentialMovingAverage::new(s)?,
            ExponentialMovingAverage::new(signalperiod)?,
        )))
    }
}

impl FromParams for MacdKernel {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.usize(1), p.usize(2))
    }
}

/// `MACDFIX` kernel: MACD(12, 26) with TA-Lib's fixed factors 0.15 and 0.075.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MacdFixKernel(Macd<ExponentialMovingAverage>);

impl MacdFixKernel {
    /// A fresh state; `signalperiod >= 1`.
    pub fn new(signalperiod: usize) -> Result<Self> {
        check_min("signalperiod", signalperiod, 1)?;
        Ok(Self(Macd::build(
            ExponentialMovingAverage::with_k(12, 0.15),
            ExponentialMovingAverage::with_k(26, 0.075),
            ExponentialMovingAverage::new(signalperiod)?,
        )))
    }
}

impl FromParams for MacdFixKernel {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

/// `MACDEXT` kernel: any moving-average type for each of the three averages (11 = SMA).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MacdExtKernel(Macd<MaKernel>);

impl MacdExtKernel {
    /// A fresh state; periods as [`MacdKernel::new`], types as matype codes (11 = SMA).
    pub fn new(
        fastperiod: usize,
        fastmatype: i64,
        slowperiod: usize,
        slowmatype: i64,
        signalperiod: usize,
        signalmatype: i64,
    ) -> Result<Self> {
        check_min("fastperiod", fastperiod, 2)?;
        check_min("slowperiod", slowperiod, 2)?;
        check_min("signalperiod", signalperiod, 1)?;
        // TA-Lib swaps the averages (periods and types) when slow < fast
        let (fast, slow) = if slowperiod < fastperiod {
            (("slowmatype", slowmatype, slowperiod), ("fastmatype", fastmatype, fastperiod))
        } else {
            (("fastmatype", fastmatype, fastperiod), ("slowmatype", slowmatype, slowperiod))
        };
        Ok(Self(Macd::build(
            ma_kernel(fast.0, fast.1, MaType::Sma, fast.2)?,
            ma_kernel(slow.0, slow.1, MaType::Sma, slow.2)?,
            ma_kernel("signalmatype", signalmatype, MaType::Sma, signalperiod)?,
        )))
    }
}

impl FromParams for MacdExtKernel {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.int(1), p.usize(2), p.int(3), p.usize(4), p.int(5))
    }
}

super::delegate_kernel!(MacdKernel => Macd<ExponentialMovingAverage>);
super::delegate_kernel!(MacdFixKernel => Macd<ExponentialMovingAverage>);
super::delegate_kernel!(MacdExtKernel => Macd<MaKernel>);

kernel_decl!(MACD: MacdKernel, "Momentum Indicators", "Moving Average Convergence/Divergence",
    "macd = EMA(fast) - EMA(slow), the fast EMA seeded so that it starts with the slow one; macdsignal = EMA(macd, signalperiod); macdhist = macd - macdsignal. Reference: TA-Lib MACD.",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("fastperiod", 12, 2, MAX_PERIOD, "fast EMA period"),
        ParamSpec::int("slowperiod", 26, 2, MAX_PERIOD, "slow EMA period"),
        ParamSpec::int("signalperiod", 9, 1, MAX_PERIOD, "signal EMA period"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("macd"), OutputSpec::f64("macdsignal"), OutputSpec::f64("macdhist")]);
kernel_decl!(MACDFIX: MacdFixKernel, "Momentum Indicators", "Moving Average Convergence/Divergence Fix 12/26",
    "MACD(12, 26) with the fixed smoothing factors 0.15 and 0.075. Reference: TA-Lib MACDFIX.",
    inputs ["real": "input series"],
    params [ParamSpec::int("signalperiod", 9, 1, MAX_PERIOD, "signal EMA period"), crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("macd"), OutputSpec::f64("macdsignal"), OutputSpec::f64("macdhist")]);
kernel_decl!(MACDEXT: MacdExtKernel, "Momentum Indicators", "MACD with controllable MA type",
    "macd = MA(fast) - MA(slow) with any matype (aligned to end their warm-up together), macdsignal = MA(macd), macdhist = macd - macdsignal. Reference: TA-Lib MACDEXT.",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("fastperiod", 12, 2, MAX_PERIOD, "fast average period"),
        ParamSpec::matype("fastmatype", 0, "fast average type"),
        ParamSpec::int("slowperiod", 26, 2, MAX_PERIOD, "slow average period"),
        ParamSpec::matype("slowmatype", 0, "slow average type"),
        ParamSpec::int("signalperiod", 9, 1, MAX_PERIOD, "signal average period"),
        ParamSpec::matype("signalmatype", 0, "signal average type"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("macd"), OutputSpec::f64("macdsignal"), OutputSpec::f64("macdhist")]);

/// Which oscillator an [`PriceOscillator`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OscillatorKind {
    /// `fast - slow` (APO).
    Absolute,
    /// `(fast - slow) / slow * 100` (PPO), 0 when slow is zero.
    Percentage,
}

/// Streaming state of `APO` / `PPO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceOscillator {
    pair: AlignedPair<MaKernel>,
    kind: OscillatorKind,
}

impl PriceOscillator {
    /// A fresh state; periods `>= 2` (swapped if `slowperiod < fastperiod`), `matype` a code
    /// (11 = EMA, these functions' default).
    pub fn new(
        fastperiod: usize,
        slowperiod: usize,
        matype: i64,
        kind: OscillatorKind,
    ) -> Result<Self> {
        check_min("fastperiod", fastperiod, 2)?;
        check_min("slowperiod", slowperiod, 2)?;
        let (f, s) = if slowperiod < fastperiod {
            (slowperiod, fastperiod)
        } else {
            (fastperiod, slowperiod)
        };
        Ok(Self {
            pair: AlignedPair::from_start(
                ma_kernel("matype", matype, MaType::Ema, f)?,
                ma_kernel("matype", matype, MaType::Ema, s)?,
            ),
            kind,
        })
    }
}

impl Kernel for PriceOscillator {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (f, s) = self.pair.next(bar[0]);
        out[0] = if f.is_nan() || s.is_nan() {
            f64::NAN
        } else {
            match self.kind {
                OscillatorKind::Absolute => f - s,
                OscillatorKind::Percentage if super::talib_is_zero(s) => 0.0,
                OscillatorKind::Percentage => ((f - s) / s) * 100.0,
            }
        };
    }
    fn lookback(&self) -> usize {
        self.pair.lookback()
    }
    fn restart(&mut self) {
        self.pair.restart();
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.pair.set_unstable(u);
    }
}

macro_rules! oscillator {
    ($name:ident, $kind:expr) => {
        #[doc = concat!("Kernel of the ", stringify!($kind), " price oscillator.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name(PriceOscillator);

        impl FromParams for $name {
            fn from_params(p: &Params) -> Result<Self> {
                Ok(Self(PriceOscillator::new(p.usize(0), p.usize(1), p.int(2), $kind)?))
            }
        }

        super::delegate_kernel!($name => PriceOscillator);
    };
}
oscillator!(ApoKernel, OscillatorKind::Absolute);
oscillator!(PpoKernel, OscillatorKind::Percentage);

kernel_decl!(APO: ApoKernel, "Momentum Indicators", "Absolute Price Oscillator",
    "MA(fastperiod) - MA(slowperiod) of the given matype (default 1, EMA), both from the first bar. Reference: TA-Lib APO.",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("fastperiod", 12, 2, MAX_PERIOD, "fast average period"),
        ParamSpec::int("slowperiod", 26, 2, MAX_PERIOD, "slow average period"),
        ParamSpec::matype("matype", 1, "moving-average type"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(PPO: PpoKernel, "Momentum Indicators", "Percentage Price Oscillator",
    "100 * (MA(fast) - MA(slow)) / MA(slow), 0 when the slow average is zero. Reference: TA-Lib PPO.",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("fastperiod", 12, 2, MAX_PERIOD, "fast average period"),
        ParamSpec::int("slowperiod", 26, 2, MAX_PERIOD, "slow average period"),
        ParamSpec::matype("matype", 1, "moving-average type"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("real")]);

/// MACD, TA-Lib's `MACD`: `(macd, macdsignal, macdhist)`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) for a period below its bound.
#[doc(alias = "MACD")]
pub fn macd(
    real: &[f64],
    fastperiod: usize,
    slowperiod: usize,
    signalperiod: usize,
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let k = MacdKernel::new(fastperiod, slowperiod, signalperiod)?;
    kernel_columns(&k, &["real"], &[real]).map(three)
}

/// MACD(12, 26) with fixed factors, TA-Lib's `MACDFIX`: `(macd, macdsignal, macdhist)`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `signalperiod < 1`.
#[doc(alias = "MACDFIX")]
pub fn macdfix(real: &[f64], signalperiod: usize) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    kernel_columns(&MacdFixKernel::new(signalperiod)?, &["real"], &[real]).map(three)
}

/// MACD with any moving-average types, TA-Lib's `MACDEXT`: `(macd, macdsignal, macdhist)`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) for a period below its bound.
#[doc(alias = "MACDEXT")]
#[allow(clippy::too_many_arguments, reason = "TA-Lib's signature")]
pub fn macdext(
    real: &[f64],
    fastperiod: usize,
    fastmatype: MaType,
    slowperiod: usize,
    slowmatype: MaType,
    signalperiod: usize,
    signalmatype: MaType,
) -> Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let k = MacdExtKernel::new(
        fastperiod,
        fastmatype as i64,
        slowperiod,
        slowmatype as i64,
        signalperiod,
        signalmatype as i64,
    )?;
    kernel_columns(&k, &["real"], &[real]).map(three)
}

/// Absolute price oscillator, TA-Lib's `APO`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if a period is below 2.
#[doc(alias = "APO")]
pub fn apo(real: &[f64], fastperiod: usize, slowperiod: usize, matype: MaType) -> Result<Vec<f64>> {
    let k = PriceOscillator::new(fastperiod, slowperiod, matype as i64, OscillatorKind::Absolute)?;
    kernel_columns(&k, &["real"], &[real]).map(one)
}

/// Percentage price oscillator, TA-Lib's `PPO`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if a period is below 2.
#[doc(alias = "PPO")]
pub fn ppo(real: &[f64], fastperiod: usize, slowperiod: usize, matype: MaType) -> Result<Vec<f64>> {
    let k =
        PriceOscillator::new(fastperiod, slowperiod, matype as i64, OscillatorKind::Percentage)?;
    kernel_columns(&k, &["real"], &[real]).map(one)
}
