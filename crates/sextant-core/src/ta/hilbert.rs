//! Ehlers' Hilbert-transform cycle measurement as TA-Lib computes it, and the functions built on
//! it: `HT_DCPERIOD`, `HT_PHASOR` and `MAMA` report from bar 32; `HT_DCPHASE`, `HT_SINE`,
//! `HT_TRENDLINE` and `HT_TRENDMODE` from bar 63 (their transform starts after 37 bars).
//!
//! The price is smoothed by a 4-bar weighted average (weights 4, 3, 2, 1), then passed through
//! four Hilbert-transform stages (detrender, Q1, jI, jQ). Each stage keeps separate state for
//! even and odd bars (counted from the first bar of the run), as TA-Lib does, and scales its
//! output by `0.075 * period + 0.54` with the period of the bar before. The period comes from
//! the phase change of the smoothed in-phase/quadrature pair, clamped to 0.67x-1.5x of the
//! previous period and to [6, 50], then smoothed. The first 12 bars only prime the smoothing;
//! outputs start at bar 32.

use serde::{Deserialize, Serialize};

use super::kernel_decl;
use crate::decl::{
    FromParams, Kernel, OutputSpec, ParamSpec, Params, Unstable, UnstableGate, UnstableId,
};
use crate::error::{Error, Result};

const A: f64 = 0.0962;
const B: f64 = 0.5769;
/// TA-Lib's lookback of HT_DCPERIOD, HT_PHASOR and MAMA.
const LOOKBACK: usize = 32;
/// Bars that only prime the 4-bar weighted average before their transform starts.
const PRIME: u64 = 12;
/// The same for HT_DCPHASE, HT_SINE, HT_TRENDLINE and HT_TRENDMODE.
const LONG_LOOKBACK: usize = 63;
const LONG_PRIME: u64 = 37;

/// TA-Lib's `180 / (4 atan(1))`, which is `180 / pi` in f64.
const RAD2DEG: f64 = 180.0 / std::f64::consts::PI;

/// `FromParams` of the kernels without parameters.
macro_rules! no_params {
    ($($k:ty),+) => {$(
        impl FromParams for $k {
            fn from_params(_: &Params) -> Result<Self> {
                Ok(Self::default())
            }
        }
    )+};
}

/// One Hilbert-transform stage with its even-bar and odd-bar states.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Stage {
    buf: [[f64; 3]; 2],
    prev: [f64; 2],
    prev_input: [f64; 2],
}

impl Stage {
    /// TA-Lib's `DO_HILBERT_EVEN/ODD`, operation for operation.
    #[inline]
    fn apply(&mut self, input: f64, idx: usize, parity: usize, adjusted_period: f64) -> f64 {
        let t = A * input;
        let mut v = -self.buf[parity][idx];
        self.buf[parity][idx] = t;
        v += t;
        v -= self.prev[parity];
        self.prev[parity] = B * self.prev_input[parity];
        v += self.prev[parity];
        self.prev_input[parity] = input;
        v * adjusted_period
    }
}

/// What one bar of the transform gives its users.
#[derive(Debug, Clone, Copy)]
struct Measure {
    /// Quadrature component.
    q1: f64,
    /// In-phase component (the detrended price three bars of this parity ago).
    i1: f64,
    /// Smoothed dominant cycle period, after this bar.
    smooth_period: f64,
    /// The 4-bar weighted price of this bar.
    smoothed: f64,
}

/// The shared state machine of the Hilbert-transform family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HilbertCore {
    prime: u64,
    lookback: u64,
    bar: u64,
    recent: [f64; 4],
    wma_sub: f64,
    wma_sum: f64,
    trailing: f64,
    idx: usize,
    detrender: Stage,
    q1: Stage,
    ji: Stage,
    jq: Stage,
    /// `[even, odd]` detrended prices two and three bars of that parity back.
    i1_prev2: [f64; 2],
    i1_prev3: [f64; 2],
    period: f64,
    prev_i2: f64,
    prev_q2: f64,
    re: f64,
    im: f64,
    smooth_period: f64,
}

impl Default for HilbertCore {
    fn default() -> Self {
        Self {
            prime: PRIME,
            lookback: LOOKBACK as u64,
            bar: 0,
            recent: [0.0; 4],
            wma_sub: 0.0,
            wma_sum: 0.0,
            trailing: 0.0,
            idx: 0,
            detrender: Stage::default(),
            q1: Stage::default(),
            ji: Stage::default(),
            jq: Stage::default(),
            i1_prev2: [0.0; 2],
            i1_prev3: [0.0; 2],
            period: 0.0,
            prev_i2: 0.0,
            prev_q2: 0.0,
            re: 0.0,
            im: 0.0,
            smooth_period: 0.0,
        }
    }
}

impl HilbertCore {
    /// The state of the functions with the 63-bar warm-up.
    fn long() -> Self {
        Self { prime: LONG_PRIME, lookback: LONG_LOOKBACK as u64, ..Self::default() }
    }

    /// Back to the first bar, keeping the warm-up kind.
    fn restart(&mut self) {
        *self = Self { prime: self.prime, lookback: self.lookback, ..Self::default() };
    }

    /// Feeds one price; `None` while the weighted average is being primed (bars 0-11).
    #[inline]
    #[allow(clippy::cast_possible_truncation, reason = "bar % 4 and % 2 are small")]
    fn push(&mut self, x: f64) -> Option<Measure> {
        let t = self.bar;
        self.bar += 1;
        self.recent[(t % 4) as usize] = x;
        match t {
            0 => {
                self.wma_sub = x;
                self.wma_sum = x;
                return None;
            }
            1 | 2 => {
                self.wma_sub += x;
                self.wma_sum += x * (t + 1) as f64;
                return None;
            }
            _ => {}
        }
        // the weighted average of the last four prices; `trailing` is the price 4 bars back
        let adjusted_period = 0.075 * self.period + 0.54;
        self.wma_sub += x;
        self.wma_sub -= self.trailing;
        self.wma_sum += x * 4.0;
        self.trailing = self.recent[((t + 1) % 4) as usize];
        let smoothed = self.wma_sum * 0.1;
        self.wma_sum -= self.wma_sub;
        if t < self.prime {
            return None;
        }
        let (p, idx) = ((t % 2) as usize, self.idx);
        // p: 0 on even bars, 1 on odd bars
        let detrender = self.detrender.apply(smoothed, idx, p, adjusted_period);
        let q1 = self.q1.apply(detrender, idx, p, adjusted_period);
        let i1 = self.i1_prev3[p];
        let ji = self.ji.apply(i1, idx, p, adjusted_period);
        let jq = self.jq.apply(q1, idx, p, adjusted_period);
        if p == 0 {
            self.idx = if idx == 2 { 0 } else { idx + 1 };
        }
        let q2 = 0.2 * (q1 + ji) + 0.8 * self.prev_q2;
        let i2 = 0.2 * (i1 - jq) + 0.8 * self.prev_i2;
        // the other parity's history moves on
        let o = 1 - p;
        self.i1_prev3[o] = self.i1_prev2[o];
        self.i1_prev2[o] = detrender;
        self.re = 0.2 * (i2 * self.prev_i2 + q2 * self.prev_q2) + 0.8 * self.re;
        self.im = 0.2 * (i2 * self.prev_q2 - q2 * self.prev_i2) + 0.8 * self.im;
        self.prev_q2 = q2;
        self.prev_i2 = i2;
        let before = self.period;
        if self.im != 0.0 && self.re != 0.0 {
            self.period = 360.0 / (libm::atan(self.im / self.re) * RAD2DEG);
        }
        let hi = 1.5 * before;
        if self.period > hi {
            self.period = hi;
        }
        let lo = 0.67 * before;
        if self.period < lo {
            self.period = lo;
        }
        self.period = self.period.clamp(6.0, 50.0);
        self.period = 0.2 * self.period + 0.8 * before;
        self.smooth_period = 0.33 * self.period + 0.67 * self.smooth_period;
        Some(Measure { q1, i1, smooth_period: self.smooth_period, smoothed })
    }

    /// True from the first bar that reports.
    fn reporting(&self) -> bool {
        self.bar > self.lookback
    }
}

/// Streaming state of `HT_DCPERIOD`: the smoothed dominant cycle period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DominantCyclePeriod(HilbertCore);

impl Kernel for DominantCyclePeriod {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = match self.0.push(bar[0]) {
            Some(m) if self.0.reporting() => m.smooth_period,
            _ => f64::NAN,
        };
    }
    fn lookback(&self) -> usize {
        LOOKBACK
    }
    fn restart(&mut self) {
        self.0.restart();
    }
}

/// Streaming state of `HT_PHASOR`: the in-phase and quadrature components.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Phasor(HilbertCore);

impl Kernel for Phasor {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 2;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        match self.0.push(bar[0]) {
            Some(m) if self.0.reporting() => {
                out[0] = m.i1;
                out[1] = m.q1;
            }
            _ => out.fill(f64::NAN),
        }
    }
    fn lookback(&self) -> usize {
        LOOKBACK
    }
    fn restart(&mut self) {
        self.0.restart();
    }
}

/// Streaming state of `MAMA`: the MESA adaptive moving average and its following average
/// (FAMA). The smoothing factor is `fastlimit / phase change` (phase from the Hilbert
/// components), at least `slowlimit`; FAMA uses half of it on MAMA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MesaAdaptive {
    core: HilbertCore,
    fastlimit: f64,
    slowlimit: f64,
    prev_phase: f64,
    mama: f64,
    fama: f64,
    gate: UnstableGate,
}

impl MesaAdaptive {
    /// A fresh state; both limits in [0.01, 0.99].
    pub fn new(fastlimit: f64, slowlimit: f64) -> Result<Self> {
        for (name, v) in [("fastlimit", fastlimit), ("slowlimit", slowlimit)] {
            if !(0.01..=0.99).contains(&v) {
                return Err(Error::OutOfRange {
                    param: name.into(),
                    value: v.to_string(),
                    bound: "must be in [0.01, 0.99]".into(),
                });
            }
        }
        Ok(Self {
            core: HilbertCore::default(),
            fastlimit,
            slowlimit,
            prev_phase: 0.0,
            mama: 0.0,
            fama: 0.0,
            gate: UnstableGate::default(),
        })
    }
}

impl Kernel for MesaAdaptive {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 2;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        let Some(m) = self.core.push(x) else {
            out.fill(f64::NAN);
            return;
        };
        let phase = if m.i1 == 0.0 { 0.0 } else { libm::atan(m.q1 / m.i1) * RAD2DEG };
        let mut delta = self.prev_phase - phase;
        self.prev_phase = phase;
        if delta < 1.0 {
            delta = 1.0;
        }
        let alpha = if delta > 1.0 {
            let a = self.fastlimit / delta;
            if a < self.slowlimit {
                self.slowlimit
            } else {
                a
            }
        } else {
            self.fastlimit
        };
        self.mama = alpha * x + (1.0 - alpha) * self.mama;
        let half = alpha * 0.5;
        self.fama = half * self.mama + (1.0 - half) * self.fama;
        if self.core.reporting() && self.gate.open() {
            out[0] = self.mama;
            out[1] = self.fama;
        } else {
            out.fill(f64::NAN);
        }
    }
    fn lookback(&self) -> usize {
        LOOKBACK + self.gate.extra()
    }
    fn restart(&mut self) {
        self.core.restart();
        self.prev_phase = 0.0;
        self.mama = 0.0;
        self.fama = 0.0;
        self.gate.restart();
    }
    fn set_unstable(&mut self, u: &Unstable) {
        self.gate.set(u.get(UnstableId::Mama));
    }
}

impl FromParams for MesaAdaptive {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.float(0), p.float(1))
    }
}

kernel_decl!(HT_DCPERIOD: crate::decl::Gated<DominantCyclePeriod, { UnstableId::HtDcPeriod as u8 }>, "Cycle Indicators", "Hilbert Transform - Dominant Cycle Period",
    "Ehlers' dominant cycle period from the Hilbert transform of the 4-bar weighted price, smoothed; 32 bars of warm-up. Reference: TA-Lib HT_DCPERIOD.",
    inputs ["real": "input series"],
    params [crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(HT_PHASOR: crate::decl::Gated<Phasor, { UnstableId::HtPhasor as u8 }>, "Cycle Indicators", "Hilbert Transform - Phasor Components",
    "In-phase and quadrature components of the Hilbert transform of the 4-bar weighted price; 32 bars of warm-up. Reference: TA-Lib HT_PHASOR.",
    inputs ["real": "input series"],
    params [crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("inphase"), OutputSpec::f64("quadrature")]);
kernel_decl!(MAMA: MesaAdaptive, "Overlap Studies", "MESA Adaptive Moving Average",
    "Ehlers' MAMA: an EMA whose factor is fastlimit / (phase change of the Hilbert components), at least slowlimit; FAMA applies half that factor to MAMA; 32 bars of warm-up. Reference: TA-Lib MAMA.",
    inputs ["real": "input series"],
    params [
        ParamSpec::float("fastlimit", 0.5, 0.01, 0.99, "upper limit of the smoothing factor"),
        ParamSpec::float("slowlimit", 0.05, 0.01, 0.99, "lower limit of the smoothing factor"),
        crate::decl::UNSTABLE_PERIOD,
    ],
    outputs [OutputSpec::f64("mama"), OutputSpec::f64("fama")]);

/// TA-Lib's `atan(1) * 8`: a full turn in radians.
const TURN: f64 = std::f64::consts::TAU;
/// TA-Lib's `1 / rad2Deg`.
const DEG2RAD: f64 = 1.0 / RAD2DEG;
/// Smoothed prices kept for the phase (the longest cycle measured).
const PHASE_WINDOW: usize = 50;
/// Raw prices kept for the trend line (at least the longest cycle).
const PRICE_WINDOW: usize = 64;

/// What the 63-bar functions add to the transform: the smoothed prices of the last 50 bars
/// (for the phase of the dominant cycle), the raw prices of the last 64 bars and the
/// instantaneous trend line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cycle {
    smooth_price: Vec<f64>,
    sp_idx: usize,
    dc_phase: f64,
    prices: Vec<f64>,
    n: usize,
    itrend: [f64; 3],
}

impl Default for Cycle {
    fn default() -> Self {
        Self {
            smooth_price: vec![0.0; PHASE_WINDOW],
            sp_idx: 0,
            dc_phase: 0.0,
            prices: vec![0.0; PRICE_WINDOW],
            n: 0,
            itrend: [0.0; 3],
        }
    }
}

impl Cycle {
    fn push_price(&mut self, x: f64) {
        self.prices[self.n % PRICE_WINDOW] = x;
        self.n += 1;
    }

    /// Stores this bar's smoothed price (TA-Lib does it as the bar starts).
    fn store(&mut self, m: &Measure) {
        self.smooth_price[self.sp_idx] = m.smoothed;
    }

    /// The next bar writes the next slot.
    fn advance(&mut self) {
        self.sp_idx = if self.sp_idx + 1 == PHASE_WINDOW { 0 } else { self.sp_idx + 1 };
    }

    /// The dominant cycle phase in degrees: a one-cycle DFT of the smoothed prices.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "period <= 50.5")]
    fn phase(&mut self, smooth_period: f64) -> f64 {
        let period = (smooth_period + 0.5).floor();
        let (mut real, mut imag) = (0.0, 0.0);
        let mut idx = self.sp_idx;
        for i in 0..period.max(0.0) as usize {
            let t = (i as f64 * TURN) / period;
            let v = self.smooth_price[idx];
            real += libm::sin(t) * v;
            imag += libm::cos(t) * v;
            idx = if idx == 0 { PHASE_WINDOW - 1 } else { idx - 1 };
        }
        let mut dc = self.dc_phase;
        let a = imag.abs();
        if a > 0.0 {
            dc = libm::atan(real / imag) * RAD2DEG;
        } else if a <= 0.01 {
            if real < 0.0 {
                dc -= 90.0;
            } else if real > 0.0 {
                dc += 90.0;
            }
        }
        dc += 90.0;
        dc += 360.0 / smooth_period;
        if imag < 0.0 {
            dc += 180.0;
        }
        if dc > 315.0 {
            dc -= 360.0;
        }
        self.dc_phase = dc;
        dc
    }

    /// The instantaneous trend line: the mean of the last (dominant period) raw prices,
    /// weighted 4-3-2-1 with the three before.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "period <= 50.5")]
    fn trendline(&mut self, smooth_period: f64) -> f64 {
        let period = (smooth_period + 0.5).floor();
        let mut mean = 0.0;
        let mut idx = self.n;
        for _ in 0..(period.max(0.0) as usize).min(self.n) {
            idx -= 1;
            mean += self.prices[idx % PRICE_WINDOW];
        }
        if period > 0.0 {
            mean /= period;
        }
        let [t1, t2, t3] = self.itrend;
        let line = (4.0 * mean + 3.0 * t1 + 2.0 * t2 + t3) / 10.0;
        self.itrend = [mean, t1, t2];
        line
    }
}

/// The transform with the 63-bar warm-up and the cycle state its functions share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct LongCycle {
    core: HilbertCore,
    cycle: Cycle,
}

impl Default for LongCycle {
    fn default() -> Self {
        Self { core: HilbertCore::long(), cycle: Cycle::default() }
    }
}

impl LongCycle {
    /// Feeds a price; the bar's measure once the transform runs.
    fn push(&mut self, x: f64) -> Option<Measure> {
        self.cycle.push_price(x);
        self.core.push(x)
    }
}

/// Streaming state of `HT_DCPHASE`: the phase of the dominant cycle, in degrees.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DominantCyclePhase(LongCycle);

impl Kernel for DominantCyclePhase {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::NAN;
        if let Some(m) = self.0.push(bar[0]) {
            let c = &mut self.0.cycle;
            c.store(&m);
            let dc = c.phase(m.smooth_period);
            c.advance();
            if self.0.core.reporting() {
                out[0] = dc;
            }
        }
    }
    fn lookback(&self) -> usize {
        LONG_LOOKBACK
    }
    fn restart(&mut self) {
        *self = Self::default();
    }
}

/// Streaming state of `HT_SINE`: the sine of the dominant cycle phase and its 45-degree lead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SineWave(DominantCyclePhase);

impl Kernel for SineWave {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 2;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let mut dc = [0.0];
        self.0.step(bar, &mut dc);
        if dc[0].is_nan() {
            out.fill(f64::NAN);
        } else {
            out[0] = libm::sin(dc[0] * DEG2RAD);
            out[1] = libm::sin((dc[0] + 45.0) * DEG2RAD);
        }
    }
    fn lookback(&self) -> usize {
        LONG_LOOKBACK
    }
    fn restart(&mut self) {
        self.0.restart();
    }
}

/// Streaming state of `HT_TRENDLINE`: the instantaneous trend line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trendline(LongCycle);

impl Kernel for Trendline {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::NAN;
        if let Some(m) = self.0.push(bar[0]) {
            let line = self.0.cycle.trendline(m.smooth_period);
            if self.0.core.reporting() {
                out[0] = line;
            }
        }
    }
    fn lookback(&self) -> usize {
        LONG_LOOKBACK
    }
    fn restart(&mut self) {
        *self = Self::default();
    }
}

/// Streaming state of `HT_TRENDMODE`: 1 in a trend, 0 in a cycle (int32 output).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendMode {
    base: LongCycle,
    sine: f64,
    lead_sine: f64,
    days_in_trend: u64,
    gate: UnstableGate,
}

impl Default for TrendMode {
    fn default() -> Self {
        Self {
            base: LongCycle::default(),
            sine: 0.0,
            lead_sine: 0.0,
            days_in_trend: 0,
            gate: UnstableGate::default(),
        }
    }
}

impl Kernel for TrendMode {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    const EMPTY: f64 = 0.0;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "a day count")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = 0.0;
        let Some(m) = self.base.push(bar[0]) else {
            return;
        };
        let sp = m.smooth_period;
        let cycle = &mut self.base.cycle;
        cycle.store(&m);
        let prev_phase = cycle.dc_phase;
        let dc = cycle.phase(sp);
        let (prev_sine, prev_lead) = (self.sine, self.lead_sine);
        self.sine = libm::sin(dc * DEG2RAD);
        self.lead_sine = libm::sin((dc + 45.0) * DEG2RAD);
        let line = cycle.trendline(sp);
        let mut trend = 1;
        // the sine crossing its lead starts a cycle
        if (self.sine > self.lead_sine && prev_sine <= prev_lead)
            || (self.sine < self.lead_sine && prev_sine >= prev_lead)
        {
            self.days_in_trend = 0;
            trend = 0;
        }
        self.days_in_trend += 1;
        if (self.days_in_trend as f64) < 0.5 * sp {
            trend = 0;
        }
        let dphase = dc - prev_phase;
        if sp != 0.0 && dphase > 0.67 * 360.0 / sp && dphase < 1.5 * 360.0 / sp {
            trend = 0;
        }
        let price = cycle.smooth_price[cycle.sp_idx];
        if line != 0.0 && ((price - line) / line).abs() >= 0.015 {
            trend = 1;
        }
        cycle.advance();
        if self.base.core.reporting() && self.gate.open() {
            out[0] = f64::from(trend);
        }
    }
    fn lookback(&self) -> usize {
        LONG_LOOKBACK + self.gate.extra()
    }
    fn restart(&mut self) {
        let gate = self.gate;
        *self = Self::default();
        self.gate = gate;
        self.gate.restart();
    }
    fn set_unstable(&mut self, u: &Unstable) {
        self.gate.set(u.get(UnstableId::HtTrendMode));
    }
}

no_params!(DominantCyclePeriod, Phasor, DominantCyclePhase, SineWave, Trendline, TrendMode);

kernel_decl!(HT_DCPHASE: crate::decl::Gated<DominantCyclePhase, { UnstableId::HtDcPhase as u8 }>, "Cycle Indicators", "Hilbert Transform - Dominant Cycle Phase",
    "Phase (degrees) of the dominant cycle: a one-cycle DFT of the 4-bar weighted prices over the smoothed Hilbert period; 63 bars of warm-up. Reference: TA-Lib HT_DCPHASE.",
    inputs ["real": "input series"],
    params [crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(HT_SINE: crate::decl::Gated<SineWave, { UnstableId::HtSine as u8 }>, "Cycle Indicators", "Hilbert Transform - SineWave",
    "sin(dominant cycle phase) and sin(phase + 45 degrees); 63 bars of warm-up. Reference: TA-Lib HT_SINE.",
    inputs ["real": "input series"],
    params [crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("sine"), OutputSpec::f64("leadsine")]);
kernel_decl!(HT_TRENDLINE: crate::decl::Gated<Trendline, { UnstableId::HtTrendline as u8 }>, "Overlap Studies", "Hilbert Transform - Instantaneous Trendline",
    "Mean of the raw prices over the dominant cycle period, weighted 4-3-2-1 with its three previous values; 63 bars of warm-up. Reference: TA-Lib HT_TRENDLINE.",
    inputs ["real": "input series"],
    params [crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(HT_TRENDMODE: TrendMode, "Cycle Indicators", "Hilbert Transform - Trend vs Cycle Mode",
    "1 when the market trends, 0 when it cycles: sine/lead-sine crossings, days since, the phase rate and the price's distance from the trend line; int32, 63 bars of warm-up. Reference: TA-Lib HT_TRENDMODE.",
    inputs ["real": "input series"],
    params [crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::i32("integer")]);
