//! Rolling-window Math Operators and AVGDEV: SUM, MAX, MIN, MINMAX, CUMSUM, AVGDEV.

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{kernel_batch, FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Running sum over `timeperiod` bars, TA-Lib's `SUM` (its add-then-subtract order).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`.
#[doc(alias = "SUM")]
pub fn sum(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&RollingSum::new(timeperiod)?, real))
}

/// Streaming state of [`sum`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingSum {
    window: Window,
    period: usize,
    total: f64,
}

impl RollingSum {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self { window: Window::new(timeperiod), period: timeperiod, total: 0.0 })
    }
}

impl FromParams for RollingSum {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for RollingSum {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        self.total += x;
        self.window.push(x);
        if self.window.is_full() {
            out[0] = self.total;
            self.total -= self.window.ago(self.period - 1);
        } else {
            out[0] = f64::NAN;
        }
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.window.clear();
        self.total = 0.0;
    }
}

kernel_decl!(SUM: RollingSum, "Math Operators", "Summation", "Sum of the last timeperiod values. Reference: TA-Lib SUM.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 30, 2, MAX_PERIOD, "number of values summed")],
    outputs [OutputSpec::f64("real")]);

/// Which extremes a [`RollingExtremes`] state reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Extremes {
    /// The highest value.
    Max,
    /// The lowest value.
    Min,
    /// `(lowest, highest)`.
    MinMax,
}

/// Highest and/or lowest of the last `timeperiod` values (TA-Lib's `MAX`, `MIN`, `MINMAX`).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`.
#[doc(alias = "MAX")]
pub fn max(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&MaxKernel(RollingExtremes::new(timeperiod, Extremes::Max)?), real))
}

/// Lowest of the last `timeperiod` values, TA-Lib's `MIN`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`.
#[doc(alias = "MIN")]
pub fn min(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&MinKernel(RollingExtremes::new(timeperiod, Extremes::Min)?), real))
}

/// Streaming state of [`max`], [`min`] and `MINMAX`: the window and the positions of its
/// extremes, rescanned only when an extreme leaves the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingExtremes {
    window: Window,
    period: usize,
    which: Extremes,
    /// Pushes since start and the push number of the current max / min.
    seen: u64,
    hi: (f64, u64),
    lo: (f64, u64),
}

impl RollingExtremes {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize, which: Extremes) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self {
            window: Window::new(timeperiod),
            period: timeperiod,
            which,
            seen: 0,
            hi: (0.0, 0),
            lo: (0.0, 0),
        })
    }

    fn rescan(&mut self, high: bool) {
        let n = self.window.len() as u64;
        let first = self.seen - n;
        let mut best = (f64::NAN, 0);
        for (i, v) in self.window.iter().enumerate() {
            let better = if high { v > best.0 } else { v < best.0 };
            if i == 0 || better {
                best = (v, first + i as u64);
            }
        }
        if high {
            self.hi = best;
        } else {
            self.lo = best;
        }
    }

    #[inline]
    fn update(&mut self, x: f64) {
        self.window.push(x);
        self.seen += 1;
        let oldest = self.seen - self.window.len() as u64;
        let now = self.seen - 1;
        // TA-Lib: a new value equal to the extreme takes its place; a rescan keeps the oldest
        if self.window.len() == 1 || self.hi.1 < oldest {
            self.rescan(true);
        } else if x >= self.hi.0 {
            self.hi = (x, now);
        }
        if self.window.len() == 1 || self.lo.1 < oldest {
            self.rescan(false);
        } else if x <= self.lo.0 {
            self.lo = (x, now);
        }
    }
}

// `RollingExtremes` is declared through the three newtypes below, which fix `which`.
macro_rules! extremes_kernel {
    ($name:ident, $which:expr, $outputs:literal, |$s:ident, $out:ident| $write:block) => {
        #[doc = concat!("Streaming state of `", stringify!($which), "` over a window.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name(RollingExtremes);

        impl FromParams for $name {
            fn from_params(p: &Params) -> Result<Self> {
                Ok(Self(RollingExtremes::new(p.usize(0), $which)?))
            }
        }

        impl Kernel for $name {
            const INPUTS: usize = 1;
            const OUTPUTS: usize = $outputs;
            #[inline]
            fn step(&mut self, bar: &[f64], $out: &mut [f64]) {
                let $s = &mut self.0;
                $s.update(bar[0]);
                if $s.window.is_full() $write else {
                    $out.fill(f64::NAN);
                }
            }
            fn lookback(&self) -> usize {
                self.0.period - 1
            }
            fn restart(&mut self) {
                self.0.window.clear();
                self.0.seen = 0;
            }
        }
    };
}

extremes_kernel!(MaxKernel, Extremes::Max, 1, |s, out| {
    out[0] = s.hi.0;
});
extremes_kernel!(MinKernel, Extremes::Min, 1, |s, out| {
    out[0] = s.lo.0;
});
extremes_kernel!(MinMaxKernel, Extremes::MinMax, 2, |s, out| {
    out[0] = s.lo.0;
    out[1] = s.hi.0;
});

kernel_decl!(MAX: MaxKernel, "Math Operators", "Highest value over a specified period", "Highest of the last timeperiod values. Reference: TA-Lib MAX.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 30, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(MIN: MinKernel, "Math Operators", "Lowest value over a specified period", "Lowest of the last timeperiod values. Reference: TA-Lib MIN.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 30, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(MINMAX: MinMaxKernel, "Math Operators", "Lowest and highest values over a specified period", "(lowest, highest) of the last timeperiod values. Reference: TA-Lib MINMAX.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 30, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("min"), OutputSpec::f64("max")]);

/// Cumulative sum from the first bar (restarting after a NaN), TA-Lib 0.8's `CUMSUM`.
#[doc(alias = "CUMSUM")]
pub fn cumsum(real: &[f64]) -> Vec<f64> {
    kernel_batch(&CumulativeSum::default(), real)
}

/// Streaming state of [`cumsum`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CumulativeSum {
    total: f64,
}

impl FromParams for CumulativeSum {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self::default())
    }
}

impl Kernel for CumulativeSum {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.total += bar[0];
        out[0] = self.total;
    }
    fn lookback(&self) -> usize {
        0
    }
    fn restart(&mut self) {
        self.total = 0.0;
    }
}

kernel_decl!(CUMSUM: CumulativeSum, "Math Operators", "Cumulative Sum", "Running total from the first bar. Reference: TA-Lib 0.8 CUMSUM.",
    inputs ["real": "input series"], params [], outputs [OutputSpec::f64("real")]);

/// Mean absolute deviation from the window mean, TA-Lib 0.8's `AVGDEV`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`.
#[doc(alias = "AVGDEV")]
pub fn avgdev(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&AverageDeviation::new(timeperiod)?, real))
}

/// Streaming state of [`avgdev`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageDeviation {
    window: Window,
    period: usize,
}

impl AverageDeviation {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self { window: Window::new(timeperiod), period: timeperiod })
    }
}

impl FromParams for AverageDeviation {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for AverageDeviation {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.window.push(bar[0]);
        if !self.window.is_full() {
            out[0] = f64::NAN;
            return;
        }
        let pf = self.period as f64;
        let mean = self.window.iter().sum::<f64>() / pf;
        out[0] = self.window.iter().map(|v| (v - mean).abs()).sum::<f64>() / pf;
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.window.clear();
    }
}

kernel_decl!(AVGDEV: AverageDeviation, "Price Transform", "Average Deviation", "Mean absolute deviation of the last timeperiod values from their mean. Reference: TA-Lib 0.8 AVGDEV.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
