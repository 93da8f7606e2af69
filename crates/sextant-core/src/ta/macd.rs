//! TA-Lib's `MACD`, `MACDFIX`, `MACDEXT`, `APO` and `PPO`. In the MACD family the faster
//! average starts consuming bars late, so that its warm-up ends on the same bar as the slower
//! one's (TA-Lib computes both from the first output bar back); APO and PPO run both averages
//! from the first bar (checked against TA-Lib 0.8.1: an aligned EMA(12) differs from its APO).

use serde::{Deserialize, Serialize};

use super::{kernel_columns, kernel_decl, one, three, MaKernel, MaType, MAX_PERIOD};
use crate::decl::{
    FromParams, Kernel, OutputSpec, ParamSpec, Params, Unstable, UnstableGate, UnstableId,
};
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
    // WASM steps the kernel instead (the same values): the four-lane loop is a native speed-up
    // (vector FMA), and its code would push the `ta` bundle over its size budget.
    #[cfg(not(target_arch = "wasm32"))]
    fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
        let any: &dyn std::any::Any = self;
        match (any.downcast_ref::<Macd<FourApartEma>>(), inputs, outs) {
            (Some(m), [x], [a, b, c]) => {
                super::fused::run(MacdFill { m, x, macd: a, sig: b, hist: c })
            }
            _ => false,
        }
    }
}

/// An EMA as [`ExponentialMovingAverage`](super::ExponentialMovingAverage) (SMA seed, then
/// `y = y (1 - k) + x k`), computed from the fourth value after its seed on four bars apart
/// ([`four_apart`](super::fused::four_apart): `a = 1 - k`, terms `u = x k`). The one-step
/// form's values to about one unit in the last place (the MACD golden tests hold at 1e-9), and
/// four independent chains that MACD's batch loop runs as one vector. The state keeps the last
/// four values and three terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FourApartEma {
    period: usize,
    k: f64,
    omk: f64,
    /// Inputs seen, counted up to `period + 3` (the seed, then the one-step values).
    count: usize,
    /// The sum of the inputs during the warm-up, then the last four values (oldest first).
    ema: [f64; 4],
    /// The last three terms `x k` (oldest first).
    terms: [f64; 3],
    gate: UnstableGate,
}

impl FourApartEma {
    /// `timeperiod >= 1`; `k = 2 / (timeperiod + 1)`.
    fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
        Ok(Self::with_k(timeperiod, 2.0 / (timeperiod as f64 + 1.0)))
    }

    /// An explicit smoothing factor (MACDFIX's); `period` values seed it.
    fn with_k(period: usize, k: f64) -> Self {
        Self {
            period,
            k,
            omk: 1.0 - k,
            count: 0,
            ema: [0.0; 4],
            terms: [0.0; 3],
            gate: UnstableGate::default(),
        }
    }

    /// `(1 - k, (1 - k)^4)`: the stream and the batch loop take them from here.
    fn factors(&self) -> (f64, f64) {
        let a = self.omk;
        (a, (a * a) * (a * a))
    }

    /// Whether it runs four bars apart from the next value on (the batch loop's vectors).
    #[cfg(not(target_arch = "wasm32"))]
    const fn four_apart_next(&self) -> bool {
        self.count >= self.period + 3 && self.period > 1 && self.gate.extra() == 0
    }
}

impl Kernel for FourApartEma {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    // 1: the last four values and three terms instead of one value
    const STATE_REVISION: u8 = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        let p = self.period;
        if self.count < p {
            self.ema[3] += x;
            self.count += 1;
            out[0] = if self.count == p {
                #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
                let pf = p as f64;
                self.ema[3] /= pf;
                self.gate.pass(self.ema[3])
            } else {
                f64::NAN
            };
            return;
        }
        let v = if p == 1 {
            x
        } else {
            let madd = super::fused::madd_dyn;
            let (a, a4) = self.factors();
            let u = x * self.k;
            let [t1, t2, t3] = self.terms;
            self.terms = [t2, t3, u];
            if self.count < p + 3 {
                self.count += 1;
                madd(self.ema[3], a, u)
            } else {
                super::fused::four_apart(madd, a, a4, self.ema[0], [t1, t2, t3, u])
            }
        };
        self.ema = [self.ema[1], self.ema[2], self.ema[3], v];
        out[0] = self.gate.pass(v);
    }
    fn lookback(&self) -> usize {
        self.period - 1 + self.gate.extra()
    }
    fn restart(&mut self) {
        self.count = 0;
        self.ema = [0.0; 4];
        self.terms = [0.0; 3];
        self.gate.restart();
    }
    fn set_unstable(&mut self, u: &Unstable) {
        self.gate.set(u.get(UnstableId::Ema));
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Macd<FourApartEma> {
    /// The batch path of MACD and MACDFIX. The bars until all three averages run four bars
    /// apart (the slow period plus the signal period, and three) and the last bars (fewer than
    /// four) are stepped; the bars between are computed four at a time, one bar per lane, with
    /// the stream's operations in the stream's order ([`Quad`](super::fused::Quad)). Declines
    /// (false) with unstable periods, a signal period of 1, or a NaN anywhere (stepping, the
    /// reference, handles them).
    #[inline(always)]
    fn fill<const F: bool>(
        &self,
        x: &[f64],
        macd: &mut [f64],
        sig: &mut [f64],
        hist: &mut [f64],
    ) -> bool {
        #[cfg(target_arch = "x86_64")]
        if F {
            return self.fill_quads::<F, super::fused::Avx>(x, macd, sig, hist);
        }
        self.fill_quads::<F, super::fused::Lanes<F>>(x, macd, sig, hist)
    }

    #[inline(always)]
    fn fill_quads<const F: bool, Q: super::fused::Quad>(
        &self,
        x: &[f64],
        macd: &mut [f64],
        sig: &mut [f64],
        hist: &mut [f64],
    ) -> bool {
        let (fast, slow, signal) = (&self.pair.fast.ma, &self.pair.slow.ma, &self.signal);
        if signal.period < 2
            || [fast, slow, signal].iter().any(|e| e.gate.extra() != 0)
            || self.pair.from_start
        {
            return false;
        }
        let n = x.len();
        let mut st = self.clone();
        // one bar stepped as the stream steps it; false at a NaN (declined)
        let step =
            |st: &mut Self, i: usize, macd: &mut [f64], sig: &mut [f64], hist: &mut [f64]| {
                if x[i].is_nan() {
                    return false;
                }
                let mut o = [0.0; 3];
                st.step(&[x[i]], &mut o);
                (macd[i], sig[i], hist[i]) = (o[0], o[1], o[2]);
                true
            };
        // the bars until every average runs four bars apart
        let mut i = 0;
        while i < n
            && ![&st.pair.fast.ma, &st.pair.slow.ma, &st.signal].iter().all(|e| e.four_apart_next())
        {
            if !step(&mut st, i, macd, sig, hist) {
                return false;
            }
            i += 1;
        }
        if i + 4 <= n {
            let (fk, gk) = (Q::splat(st.pair.fast.ma.k), Q::splat(st.signal.k));
            let sk = Q::splat(st.pair.slow.ma.k);
            let ((fa, fa4), (sa, sa4), (ga, ga4)) =
                (st.pair.fast.ma.factors(), st.pair.slow.ma.factors(), st.signal.factors());
            let (fa, fa4, sa, sa4) = (Q::splat(fa), Q::splat(fa4), Q::splat(sa), Q::splat(sa4));
            let (ga, ga4) = (Q::splat(ga), Q::splat(ga4));
            // the last four values of each average (bars i-4..i) and the signal's last terms
            let mut fe = Q::from_array(st.pair.fast.ma.ema);
            let mut se = Q::from_array(st.pair.slow.ma.ema);
            let mut g = Q::from_array(st.signal.ema);
            let [t1, t2, t3] = st.signal.terms;
            let mut gu = Q::from_array([0.0, t1, t2, t3]);
            // the stream's `four_apart`, over lanes: terms oldest first
            let madd = |p: Q, q: Q, r: Q| p.madd(q, r);
            let apart =
                |back: Q, a: Q, a4: Q, u: [Q; 4]| super::fused::four_apart(madd, a, a4, back, u);
            while i + 4 <= n {
                let (x0, x1, x2, x3) =
                    (Q::load(x, i), Q::load(x, i - 1), Q::load(x, i - 2), Q::load(x, i - 3));
                fe = apart(fe, fa, fa4, [x3.mul(fk), x2.mul(fk), x1.mul(fk), x0.mul(fk)]);
                se = apart(se, sa, sa4, [x3.mul(sk), x2.mul(sk), x1.mul(sk), x0.mul(sk)]);
                let m = fe.sub(se);
                let u = m.mul(gk);
                let (u1, u2, u3) = Q::back(gu, u);
                g = apart(g, ga, ga4, [u3, u2, u1, u]);
                m.store(macd, i);
                g.store(sig, i);
                m.sub(g).store(hist, i);
                gu = u;
                i += 4;
            }
            // A NaN stays in its lane's chain (an infinity turns into one or stays): the last
            // values tell whether a bar had one (then stepping, the reference, handles the run).
            if fe.any_nan() || se.any_nan() || fe.sub(se).any_nan() || g.any_nan() {
                return false;
            }
            // back into the stepped state, for the last bars
            let terms = |k: f64| [x[i - 3] * k, x[i - 2] * k, x[i - 1] * k];
            st.pair.fast.ma.terms = terms(st.pair.fast.ma.k);
            st.pair.slow.ma.terms = terms(st.pair.slow.ma.k);
            let [_, u1, u2, u3] = gu.to_array();
            st.signal.terms = [u1, u2, u3];
            st.pair.fast.ma.ema = fe.to_array();
            st.pair.slow.ma.ema = se.to_array();
            st.signal.ema = g.to_array();
        }
        while i < n {
            if !step(&mut st, i, macd, sig, hist) {
                return false;
            }
            i += 1;
        }
        true
    }
}

#[cfg(not(target_arch = "wasm32"))]
super::fused::fused_loop!(MacdFill {
    m: &'a Macd<FourApartEma>, x: &'a [f64], macd: &'a mut [f64], sig: &'a mut [f64], hist: &'a mut [f64],
} => m.fill::<F>(x, macd, sig, hist));

/// `MACD` kernel: EMAs (SMA-seeded), the fast one seeded on the bars just before the slow one's
/// first output; periods swapped if `slowperiod < fastperiod`, as TA-Lib.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MacdKernel(Macd<FourApartEma>);

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
            FourApartEma::new(f)?,
            FourApartEma::new(s)?,
            FourApartEma::new(signalperiod)?,
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
pub struct MacdFixKernel(Macd<FourApartEma>);

impl MacdFixKernel {
    /// A fresh state; `signalperiod >= 1`.
    pub fn new(signalperiod: usize) -> Result<Self> {
        check_min("signalperiod", signalperiod, 1)?;
        Ok(Self(Macd::build(
            FourApartEma::with_k(12, 0.15),
            FourApartEma::with_k(26, 0.075),
            FourApartEma::new(signalperiod)?,
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

super::delegate_kernel!(MacdKernel => Macd<FourApartEma>);
super::delegate_kernel!(MacdFixKernel => Macd<FourApartEma>);
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
