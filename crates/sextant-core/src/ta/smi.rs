//! TA-Lib's `SMI`: Blau's stochastic momentum index.

use serde::{Deserialize, Serialize};

use super::aroon::HighLowWindow;
use super::ema::ExponentialMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `SMI`; bars are `(high, low, close)`. With `HH`, `LL` the extremes of the
/// last `timeperiod` bars: `smi = 100 * E(close - (HH + LL) / 2) / (E(HH - LL) / 2)` where `E`
/// is an EMA over `slowperiod` then one over `fastperiod` (0 when the range average is not
/// positive), and `smisignal = EMA(smi, signalperiod)`; both start with the signal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StochasticMomentumIndex {
    hl: HighLowWindow,
    period: usize,
    d1: ExponentialMovingAverage,
    d2: ExponentialMovingAverage,
    r1: ExponentialMovingAverage,
    r2: ExponentialMovingAverage,
    signal: ExponentialMovingAverage,
}

impl StochasticMomentumIndex {
    /// A fresh state; every period `>= 2`.
    pub fn new(
        timeperiod: usize,
        fastperiod: usize,
        slowperiod: usize,
        signalperiod: usize,
    ) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        check_min("fastperiod", fastperiod, 2)?;
        check_min("slowperiod", slowperiod, 2)?;
        check_min("signalperiod", signalperiod, 2)?;
        let slow = ExponentialMovingAverage::new(slowperiod)?;
        let fast = ExponentialMovingAverage::new(fastperiod)?;
        Ok(Self {
            hl: HighLowWindow::new(timeperiod),
            period: timeperiod,
            d1: slow.clone(),
            d2: fast.clone(),
            r1: slow,
            r2: fast,
            signal: ExponentialMovingAverage::new(signalperiod)?,
        })
    }
}

impl FromParams for StochasticMomentumIndex {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.usize(1), p.usize(2), p.usize(3))
    }
}

impl Kernel for StochasticMomentumIndex {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 2;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out.fill(f64::NAN);
        self.hl.push(bar[0], bar[1]);
        if !self.hl.is_full() {
            return;
        }
        let (hh, ll) = (self.hl.highest(), self.hl.lowest());
        let (mut d, mut r) = ([0.0], [0.0]);
        self.d1.step(&[bar[2] - (hh + ll) / 2.0], &mut d);
        self.r1.step(&[hh - ll], &mut r);
        if d[0].is_nan() {
            return;
        }
        let (mut d2, mut r2) = ([0.0], [0.0]);
        self.d2.step(&d, &mut d2);
        self.r2.step(&r, &mut r2);
        if d2[0].is_nan() {
            return;
        }
        let half = r2[0] / 2.0;
        let smi = if half > 0.0 { 100.0 * d2[0] / half } else { 0.0 };
        let mut s = [0.0];
        self.signal.step(&[smi], &mut s);
        if !s[0].is_nan() {
            out[0] = smi;
            out[1] = s[0];
        }
    }
    fn lookback(&self) -> usize {
        self.period - 1 + self.d1.lookback() + self.d2.lookback() + self.signal.lookback()
    }
    fn restart(&mut self) {
        self.hl.clear();
        self.d1.restart();
        self.d2.restart();
        self.r1.restart();
        self.r2.restart();
        self.signal.restart();
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        for e in [&mut self.d1, &mut self.d2, &mut self.r1, &mut self.r2, &mut self.signal] {
            e.set_unstable(u);
        }
    }
}

kernel_decl!(SMI: StochasticMomentumIndex, "Momentum Indicators", "Stochastic Momentum Index",
    "smi = 100 * EMA(EMA(close - midpoint of the timeperiod range, slowperiod), fastperiod) / (the same of the range / 2); smisignal = EMA(smi, signalperiod). Reference: TA-Lib SMI.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [
        ParamSpec::int("timeperiod", 13, 2, MAX_PERIOD, "range window"),
        ParamSpec::int("fastperiod", 2, 2, MAX_PERIOD, "second smoothing length"),
        ParamSpec::int("slowperiod", 25, 2, MAX_PERIOD, "first smoothing length"),
        ParamSpec::int("signalperiod", 9, 2, MAX_PERIOD, "signal EMA length"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("smi"), OutputSpec::f64("smisignal")]);
