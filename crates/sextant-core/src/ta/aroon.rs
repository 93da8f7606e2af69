//! TA-Lib's `AROON` and `AROONOSC`, and the highest-high / lowest-low tracker they share with
//! WILLR and the stochastics.

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_columns, kernel_decl, one, two, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// The highest high and lowest low of the last `cap` bars with their bar numbers. Ties go to
/// the newest bar, both when a new bar arrives and when the window is rescanned after its
/// extreme left (TA-Lib's AROON rule; for values alone the rule does not matter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HighLowWindow {
    highs: Window,
    lows: Window,
    seen: u64,
    hi: (f64, u64),
    lo: (f64, u64),
}

impl HighLowWindow {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            highs: Window::new(cap),
            lows: Window::new(cap),
            seen: 0,
            hi: (0.0, 0),
            lo: (0.0, 0),
        }
    }

    fn rescan(w: &Window, first: u64, high: bool) -> (f64, u64) {
        let mut best = (f64::NAN, first);
        for (i, v) in w.iter().enumerate() {
            let better = if high { v >= best.0 } else { v <= best.0 };
            if i == 0 || better {
                best = (v, first + i as u64);
            }
        }
        best
    }

    /// Appends a bar.
    #[inline]
    pub(crate) fn push(&mut self, high: f64, low: f64) {
        self.highs.push(high);
        self.lows.push(low);
        self.seen += 1;
        let n = self.highs.len() as u64;
        let oldest = self.seen - n;
        let now = self.seen - 1;
        if n == 1 || self.hi.1 < oldest {
            self.hi = Self::rescan(&self.highs, oldest, true);
        } else if high >= self.hi.0 {
            self.hi = (high, now);
        }
        if n == 1 || self.lo.1 < oldest {
            self.lo = Self::rescan(&self.lows, oldest, false);
        } else if low <= self.lo.0 {
            self.lo = (low, now);
        }
    }

    pub(crate) fn is_full(&self) -> bool {
        self.highs.is_full()
    }
    pub(crate) fn highest(&self) -> f64 {
        self.hi.0
    }
    pub(crate) fn lowest(&self) -> f64 {
        self.lo.0
    }
    /// Bars since the highest and since the lowest (0 = the newest bar).
    #[allow(clippy::cast_possible_truncation, reason = "distances are < the window length")]
    fn ages(&self) -> (usize, usize) {
        let now = self.seen - 1;
        ((now - self.hi.1) as usize, (now - self.lo.1) as usize)
    }
    pub(crate) fn clear(&mut self) {
        self.highs.clear();
        self.lows.clear();
        self.seen = 0;
    }
}

/// Streaming state of `AROON` (`aroondown`, `aroonup`) and `AROONOSC`; bars are `(high, low)`
/// over windows of `timeperiod + 1` bars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aroon {
    hl: HighLowWindow,
    period: usize,
}

impl Aroon {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self { hl: HighLowWindow::new(timeperiod + 1), period: timeperiod })
    }

    /// Pushes a bar; `(down, up)` ages as `period - age` once the window is full.
    #[inline]
    fn push(&mut self, high: f64, low: f64) -> Option<(usize, usize)> {
        self.hl.push(high, low);
        if !self.hl.is_full() {
            return None;
        }
        let (hi_age, lo_age) = self.hl.ages();
        Some((self.period - lo_age, self.period - hi_age))
    }
}

impl FromParams for Aroon {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for Aroon {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 2;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let factor = 100.0 / self.period as f64;
        match self.push(bar[0], bar[1]) {
            Some((down, up)) => {
                out[0] = factor * down as f64;
                out[1] = factor * up as f64;
            }
            None => out.fill(f64::NAN),
        }
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.hl.clear();
    }
}

/// Streaming state of `AROONOSC`: `aroonup - aroondown`, as TA-Lib computes it
/// (`100 / p * (bar of highest - bar of lowest)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AroonOscillator(Aroon);

impl FromParams for AroonOscillator {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(Aroon::new(p.usize(0))?))
    }
}

impl Kernel for AroonOscillator {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let factor = 100.0 / self.0.period as f64;
        out[0] = match self.0.push(bar[0], bar[1]) {
            Some((down, up)) => factor * (up as f64 - down as f64),
            None => f64::NAN,
        };
    }
    fn lookback(&self) -> usize {
        self.0.period
    }
    fn restart(&mut self) {
        self.0.restart();
    }
}

kernel_decl!(AROON: Aroon, "Momentum Indicators", "Aroon",
    "aroondown = 100 * (p - bars since the lowest low) / p, aroonup likewise with the highest high, over the last p + 1 bars; ties go to the newest bar. Reference: TA-Lib AROON.",
    inputs ["high": "high prices", "low": "low prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "look-back length")],
    outputs [OutputSpec::f64("aroondown"), OutputSpec::f64("aroonup")]);
kernel_decl!(AROONOSC: AroonOscillator, "Momentum Indicators", "Aroon Oscillator",
    "aroonup - aroondown. Reference: TA-Lib AROONOSC.",
    inputs ["high": "high prices", "low": "low prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "look-back length")],
    outputs [OutputSpec::f64("real")]);

/// Aroon, TA-Lib's `AROON`: `(aroondown, aroonup)`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "AROON")]
pub fn aroon(high: &[f64], low: &[f64], timeperiod: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    kernel_columns(&Aroon::new(timeperiod)?, &["high", "low"], &[high, low]).map(two)
}

/// Aroon oscillator, TA-Lib's `AROONOSC`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "AROONOSC")]
pub fn aroonosc(high: &[f64], low: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    let k = AroonOscillator(Aroon::new(timeperiod)?);
    kernel_columns(&k, &["high", "low"], &[high, low]).map(one)
}
