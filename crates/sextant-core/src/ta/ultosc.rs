//! TA-Lib's Ultimate Oscillator, `ULTOSC`.

use serde::{Deserialize, Serialize};

use super::trange::true_range;
use super::window::Window;
use super::{kernel_columns, kernel_decl, one, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `ULTOSC`. Per bar, buying pressure `close - min(low, prev_close)` and the
/// true range; three running sums over the sorted periods (shortest weighted 4, middle 2,
/// longest 1), maintained add-then-subtract in TA-Lib's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UltimateOscillator {
    periods: [usize; 3],
    bp: Window,
    tr: Window,
    prev_close: Option<f64>,
    a: [f64; 3],
    b: [f64; 3],
}

impl UltimateOscillator {
    /// A fresh state; every period `>= 1` (any order: they are sorted, as TA-Lib).
    pub fn new(p1: usize, p2: usize, p3: usize) -> Result<Self> {
        check_min("timeperiod1", p1, 1)?;
        check_min("timeperiod2", p2, 1)?;
        check_min("timeperiod3", p3, 1)?;
        let mut periods = [p1, p2, p3];
        periods.sort_unstable();
        Ok(Self {
            periods,
            bp: Window::new(periods[2]),
            tr: Window::new(periods[2]),
            prev_close: None,
            a: [0.0; 3],
            b: [0.0; 3],
        })
    }
}

impl FromParams for UltimateOscillator {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.usize(1), p.usize(2))
    }
}

impl Kernel for UltimateOscillator {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l, c) = (bar[0], bar[1], bar[2]);
        let Some(pc) = self.prev_close.replace(c) else {
            out[0] = f64::NAN;
            return;
        };
        let true_low = if l < pc { l } else { pc };
        let bp = c - true_low;
        let tr = true_range(h, l, pc);
        self.bp.push(bp);
        self.tr.push(tr);
        let n = self.bp.len();
        let longest = self.periods[2];
        if n < longest {
            // warm-up: each sum takes the bars that will be in its window at the first output
            for (j, &p) in self.periods.iter().enumerate() {
                if n + p > longest {
                    self.a[j] += bp;
                    self.b[j] += tr;
                }
            }
            out[0] = f64::NAN;
            return;
        }
        for j in 0..3 {
            self.a[j] += bp;
        }
        for j in 0..3 {
            self.b[j] += tr;
        }
        let mut v = 0.0;
        if self.b[0] > 0.0 {
            v += 4.0 * (self.a[0] / self.b[0]);
        }
        if self.b[1] > 0.0 {
            v += 2.0 * (self.a[1] / self.b[1]);
        }
        if self.b[2] > 0.0 {
            v += self.a[2] / self.b[2];
        }
        for (j, &p) in self.periods.iter().enumerate() {
            self.a[j] -= self.bp.ago(p - 1);
            self.b[j] -= self.tr.ago(p - 1);
        }
        out[0] = 100.0 * (v / 7.0);
    }
    fn lookback(&self) -> usize {
        self.periods[2]
    }
    fn restart(&mut self) {
        self.bp.clear();
        self.tr.clear();
        self.prev_close = None;
        self.a = [0.0; 3];
        self.b = [0.0; 3];
    }
}

kernel_decl!(ULTOSC: UltimateOscillator, "Momentum Indicators", "Ultimate Oscillator",
    "100 * (4*A1 + 2*A2 + A3) / 7, Ai = sum of buying pressure / sum of true range over the sorted periods. Reference: TA-Lib ULTOSC.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [
        ParamSpec::int("timeperiod1", 7, 1, MAX_PERIOD, "first period"),
        ParamSpec::int("timeperiod2", 14, 1, MAX_PERIOD, "second period"),
        ParamSpec::int("timeperiod3", 28, 1, MAX_PERIOD, "third period"),
    ],
    outputs [OutputSpec::f64("real")]);

/// Ultimate oscillator, TA-Lib's `ULTOSC`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if a period is below 1;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "ULTOSC")]
pub fn ultosc(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    timeperiod1: usize,
    timeperiod2: usize,
    timeperiod3: usize,
) -> Result<Vec<f64>> {
    let k = UltimateOscillator::new(timeperiod1, timeperiod2, timeperiod3)?;
    kernel_columns(&k, &["high", "low", "close"], &[high, low, close]).map(one)
}
