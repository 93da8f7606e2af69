//! Ehlers' Hilbert-transform cycle measurement as TA-Lib computes it, and the functions built on
//! it that report from bar 32: `HT_DCPERIOD`, `HT_PHASOR` and `MAMA`.
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
/// TA-Lib's lookback of the functions here.
const LOOKBACK: usize = 32;
/// Bars that only prime the 4-bar weighted average before the transform starts.
const PRIME: u64 = 12;

/// TA-Lib's `180 / (4 atan(1))`, which is `180 / pi` in f64.
const RAD2DEG: f64 = 180.0 / std::f64::consts::PI;

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
}

/// The shared state machine of the Hilbert-transform family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HilbertCore {
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
        if t < PRIME {
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
        Some(Measure { q1, i1, smooth_period: self.smooth_period })
    }

    /// True from the first bar that reports.
    fn reporting(&self) -> bool {
        self.bar > LOOKBACK as u64
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
        self.0 = HilbertCore::default();
    }
}

impl FromParams for DominantCyclePeriod {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self::default())
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
        self.0 = HilbertCore::default();
    }
}

impl FromParams for Phasor {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self::default())
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
        self.core = HilbertCore::default();
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
