//! TA-Lib's `MASSI` (mass index), `CVI` (Chaikin volatility) and `ADR` (average daily range):
//! averages of the bar range.

use serde::{Deserialize, Serialize};

use super::ema::ExponentialMovingAverage;
use super::sma::SimpleMovingAverage;
use super::window::{SumWindow, Window};
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `MASSI`; bars are `(high, low)`: the sum over `slowperiod` bars of
/// `EMA(range) / EMA(EMA(range))` (both `fastperiod`; a ratio of two zero averages is 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MassIndex {
    e1: ExponentialMovingAverage,
    e2: ExponentialMovingAverage,
    sum: SumWindow,
    slow: usize,
}

impl FromParams for MassIndex {
    fn from_params(p: &Params) -> Result<Self> {
        let (f, s) = (p.usize(0), p.usize(1));
        check_min("fastperiod", f, 2)?;
        check_min("slowperiod", s, 2)?;
        let e = ExponentialMovingAverage::new(f)?;
        Ok(Self { e1: e.clone(), e2: e, sum: SumWindow::new(s), slow: s })
    }
}

impl Kernel for MassIndex {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::NAN;
        let mut a = [0.0];
        self.e1.step(&[bar[0] - bar[1]], &mut a);
        if a[0].is_nan() {
            return;
        }
        let mut b = [0.0];
        self.e2.step(&a, &mut b);
        if b[0].is_nan() {
            return;
        }
        let ratio = if b[0] == 0.0 { 1.0 } else { a[0] / b[0] };
        if let Some(s) = self.sum.push(ratio) {
            out[0] = s;
        }
    }
    fn lookback(&self) -> usize {
        self.e1.lookback() + self.e2.lookback() + self.slow - 1
    }
    fn restart(&mut self) {
        self.e1.restart();
        self.e2.restart();
        self.sum.clear();
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.e1.set_unstable(u);
        self.e2.set_unstable(u);
    }
}

/// Streaming state of `CVI`; bars are `(high, low)`: the percentage change over `rocperiod`
/// bars of `EMA(high - low, timeperiod)` (0 from a zero average).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChaikinVolatility {
    ema: ExponentialMovingAverage,
    past: Window,
    roc: usize,
}

impl FromParams for ChaikinVolatility {
    fn from_params(p: &Params) -> Result<Self> {
        let (t, r) = (p.usize(0), p.usize(1));
        check_min("timeperiod", t, 2)?;
        check_min("rocperiod", r, 1)?;
        Ok(Self { ema: ExponentialMovingAverage::new(t)?, past: Window::new(r + 1), roc: r })
    }
}

impl Kernel for ChaikinVolatility {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::NAN;
        let mut e = [0.0];
        self.ema.step(&[bar[0] - bar[1]], &mut e);
        if e[0].is_nan() {
            return;
        }
        self.past.push(e[0]);
        if self.past.is_full() {
            let old = self.past.ago(self.roc);
            out[0] = if old == 0.0 { 0.0 } else { 100.0 * (e[0] - old) / old };
        }
    }
    fn lookback(&self) -> usize {
        self.ema.lookback() + self.roc
    }
    fn restart(&mut self) {
        self.ema.restart();
        self.past.clear();
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        self.ema.set_unstable(u);
    }
}

/// Streaming state of `ADR`; bars are `(high, low)`: `SMA(high - low, timeperiod)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageDailyRange(SimpleMovingAverage);

impl FromParams for AverageDailyRange {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(SimpleMovingAverage::new(p.usize(0))?))
    }
}

impl Kernel for AverageDailyRange {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.0.step(&[bar[0] - bar[1]], out);
    }
    fn lookback(&self) -> usize {
        self.0.lookback()
    }
    fn restart(&mut self) {
        self.0.restart();
    }
}

kernel_decl!(MASSI: MassIndex, "Volatility Indicators", "Mass Index",
    "Sum over slowperiod bars of EMA(high - low, fastperiod) / EMA(EMA(high - low, fastperiod), fastperiod). Reference: TA-Lib MASSI.",
    inputs ["high": "high prices", "low": "low prices"],
    params [
        ParamSpec::int("fastperiod", 9, 2, MAX_PERIOD, "EMA length"),
        ParamSpec::int("slowperiod", 25, 2, MAX_PERIOD, "summing length"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(CVI: ChaikinVolatility, "Volatility Indicators", "Chaikin Volatility",
    "100 * (E - E[t - rocperiod]) / E[t - rocperiod] with E = EMA(high - low, timeperiod). Reference: TA-Lib CVI.",
    inputs ["high": "high prices", "low": "low prices"],
    params [
        ParamSpec::int("timeperiod", 10, 2, MAX_PERIOD, "EMA length"),
        ParamSpec::int("rocperiod", 10, 1, MAX_PERIOD, "change length"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(ADR: AverageDailyRange, "Volatility Indicators", "Average Daily Range",
    "SMA(high - low, timeperiod). Reference: TA-Lib ADR.",
    inputs ["high": "high prices", "low": "low prices"],
    params [ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "SMA length")],
    outputs [OutputSpec::f64("real")]);
