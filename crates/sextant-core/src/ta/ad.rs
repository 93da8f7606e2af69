//! TA-Lib's Chaikin accumulation/distribution line `AD` and oscillator `ADOSC`.

use serde::{Deserialize, Serialize};

use super::{kernel_columns, kernel_decl, one, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Adds one bar's money-flow volume `((c - l) - (h - c)) / (h - l) * v` (skipped when
/// `h - l <= 0`) to the line `ad`.
#[inline]
fn ad_step(ad: f64, bar: &[f64]) -> f64 {
    let (h, l, c, v) = (bar[0], bar[1], bar[2], bar[3]);
    let range = h - l;
    if range > 0.0 {
        ad + (((c - l) - (h - c)) / range) * v
    } else {
        ad
    }
}

/// Streaming state of `AD`; bars are `(high, low, close, volume)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AccumulationDistribution {
    ad: f64,
}

impl FromParams for AccumulationDistribution {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self::default())
    }
}

impl Kernel for AccumulationDistribution {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.ad = ad_step(self.ad, bar);
        out[0] = self.ad;
    }
    fn lookback(&self) -> usize {
        0
    }
    fn restart(&mut self) {
        self.ad = 0.0;
    }
}

/// Streaming state of `ADOSC`: `EMA(AD, fast) - EMA(AD, slow)`, both EMAs seeded with the
/// first AD value (not an SMA), as TA-Lib; output from bar `max(fast, slow) - 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChaikinOscillator {
    fast_k: f64,
    slow_k: f64,
    lookback: usize,
    seen: usize,
    ad: f64,
    fast: f64,
    slow: f64,
}

impl ChaikinOscillator {
    /// A fresh state; periods `>= 2`.
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    pub fn new(fastperiod: usize, slowperiod: usize) -> Result<Self> {
        check_min("fastperiod", fastperiod, 2)?;
        check_min("slowperiod", slowperiod, 2)?;
        Ok(Self {
            fast_k: 2.0 / (fastperiod + 1) as f64,
            slow_k: 2.0 / (slowperiod + 1) as f64,
            lookback: fastperiod.max(slowperiod) - 1,
            seen: 0,
            ad: 0.0,
            fast: 0.0,
            slow: 0.0,
        })
    }
}

impl FromParams for ChaikinOscillator {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.usize(1))
    }
}

impl Kernel for ChaikinOscillator {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.ad = ad_step(self.ad, bar);
        if self.seen == 0 {
            self.fast = self.ad;
            self.slow = self.ad;
        } else {
            self.fast = (self.fast_k * self.ad) + ((1.0 - self.fast_k) * self.fast);
            self.slow = (self.slow_k * self.ad) + ((1.0 - self.slow_k) * self.slow);
        }
        self.seen += 1;
        out[0] = if self.seen > self.lookback { self.fast - self.slow } else { f64::NAN };
    }
    fn lookback(&self) -> usize {
        self.lookback
    }
    fn restart(&mut self) {
        self.seen = 0;
        self.ad = 0.0;
        self.fast = 0.0;
        self.slow = 0.0;
    }
}

kernel_decl!(AD: AccumulationDistribution, "Volume Indicators", "Chaikin A/D Line",
    "Running total of ((close - low) - (high - close)) / (high - low) * volume; bars with high <= low add nothing. Reference: TA-Lib AD.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices", "volume": "volume"],
    params [],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(ADOSC: crate::decl::Gated<ChaikinOscillator, { crate::decl::UnstableId::Ema as u8 }>, "Volume Indicators", "Chaikin A/D Oscillator",
    "EMA(AD, fastperiod) - EMA(AD, slowperiod), both seeded with the first AD value. Reference: TA-Lib ADOSC.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices", "volume": "volume"],
    params [
        ParamSpec::int("fastperiod", 3, 2, MAX_PERIOD, "fast EMA period"),
        ParamSpec::int("slowperiod", 10, 2, MAX_PERIOD, "slow EMA period"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("real")]);

/// Chaikin accumulation/distribution line, TA-Lib's `AD`.
///
/// # Errors
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "AD")]
pub fn ad(high: &[f64], low: &[f64], close: &[f64], volume: &[f64]) -> Result<Vec<f64>> {
    let k = AccumulationDistribution::default();
    kernel_columns(&k, &["high", "low", "close", "volume"], &[high, low, close, volume]).map(one)
}

/// Chaikin A/D oscillator, TA-Lib's `ADOSC`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if a period is below 2;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "ADOSC")]
pub fn adosc(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    fastperiod: usize,
    slowperiod: usize,
) -> Result<Vec<f64>> {
    let k = ChaikinOscillator::new(fastperiod, slowperiod)?;
    kernel_columns(&k, &["high", "low", "close", "volume"], &[high, low, close, volume]).map(one)
}
