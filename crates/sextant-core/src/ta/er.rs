//! TA-Lib's `ER` (Kaufman's efficiency ratio) and `VHF` (vertical horizontal filter): net or
//! extreme-to-extreme movement over the path travelled.

use serde::{Deserialize, Serialize};

use super::aroon::HighLowWindow;
use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// The sum of the last `period` one-bar absolute changes, with TA-Lib's purge of the running
/// sum's residue once a whole window of changes is exactly zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PathLength {
    closes: Window,
    period: usize,
    sum: f64,
    null_run: usize,
}

impl PathLength {
    fn new(period: usize) -> Self {
        Self { closes: Window::new(period + 1), period, sum: 0.0, null_run: 0 }
    }

    /// Pushes a close; the path length once `period + 1` closes are in.
    #[inline]
    fn push(&mut self, c: f64) -> Option<f64> {
        let had = self.closes.len();
        let prev = (had > 0).then(|| self.closes.ago(0));
        let evicted = self.closes.push(c);
        let prev = prev?;
        let d = c - prev;
        if let Some(old) = evicted {
            // subtract-then-add: the change that left the window, then the new one
            self.sum -= (old - self.closes.ago(self.period)).abs();
            self.sum += d.abs();
        } else {
            self.sum += d.abs();
        }
        if d == 0.0 {
            self.null_run += 1;
        } else {
            self.null_run = 0;
        }
        if evicted.is_some() && self.null_run >= self.period {
            self.null_run = self.period;
            self.sum = 0.0;
        }
        self.closes.is_full().then_some(self.sum)
    }

    fn clear(&mut self) {
        self.closes.clear();
        self.sum = 0.0;
        self.null_run = 0;
    }
}

/// Streaming state of `ER`: `|close - close[t-p]| / path`, 1.0 where the path is not positive or
/// not above the signed change (TA-Lib's guards).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EfficiencyRatio {
    path: PathLength,
}

impl FromParams for EfficiencyRatio {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 2)?;
        Ok(Self { path: PathLength::new(p.usize(0)) })
    }
}

impl Kernel for EfficiencyRatio {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = match self.path.push(bar[0]) {
            Some(sum) => {
                let change = bar[0] - self.path.closes.ago(self.path.period);
                if sum <= 0.0 || sum <= change {
                    1.0
                } else {
                    (change / sum).abs()
                }
            }
            None => f64::NAN,
        };
    }
    fn lookback(&self) -> usize {
        self.path.period
    }
    fn restart(&mut self) {
        self.path.clear();
    }
}

/// Streaming state of `VHF`: `(highest - lowest close of the last p) / path of the last p
/// changes`; 0 where the path is not positive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerticalHorizontalFilter {
    path: PathLength,
    hl: HighLowWindow,
}

impl FromParams for VerticalHorizontalFilter {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 2)?;
        Ok(Self { path: PathLength::new(p.usize(0)), hl: HighLowWindow::new(p.usize(0)) })
    }
}

impl Kernel for VerticalHorizontalFilter {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.hl.push(bar[0], bar[0]);
        out[0] = match self.path.push(bar[0]) {
            Some(sum) if sum > 0.0 => (self.hl.highest() - self.hl.lowest()) / sum,
            Some(_) => 0.0,
            None => f64::NAN,
        };
    }
    fn lookback(&self) -> usize {
        self.path.period
    }
    fn restart(&mut self) {
        self.path.clear();
        self.hl.clear();
    }
}

kernel_decl!(ER: EfficiencyRatio, "Momentum Indicators", "Efficiency Ratio",
    "|close - close[t - p]| / sum of the last p |one-bar changes|; 1.0 on a flat window. Reference: TA-Lib ER.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 10, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(VHF: VerticalHorizontalFilter, "Momentum Indicators", "Vertical Horizontal Filter",
    "(highest - lowest of the last p values) / sum of the last p |one-bar changes|; 0 on a flat window. Reference: TA-Lib VHF.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 28, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
