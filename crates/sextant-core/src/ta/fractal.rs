//! TA-Lib's `FRACTAL`: Williams' swing highs and lows (int32 flags, 100 where found).

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `FRACTAL`; bars are `(high, low)`. At bar t the bar `t - rightbars` is a
/// swing high (100) when its high is strictly above the highs of the `leftbars` bars before and
/// the `rightbars` bars after it; a swing low likewise with lows strictly below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fractal {
    highs: Window,
    lows: Window,
    left: usize,
    right: usize,
}

impl FromParams for Fractal {
    fn from_params(p: &Params) -> Result<Self> {
        let (left, right) = (p.usize(0), p.usize(1));
        check_min("leftbars", left, 1)?;
        check_min("rightbars", right, 1)?;
        let n = left + right + 1;
        Ok(Self { highs: Window::new(n), lows: Window::new(n), left, right })
    }
}

impl Kernel for Fractal {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 2;
    const EMPTY: f64 = 0.0;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.highs.push(bar[0]);
        self.lows.push(bar[1]);
        out.fill(0.0);
        if !self.highs.is_full() {
            return;
        }
        let n = self.left + self.right + 1;
        let (ch, cl) = (self.highs.ago(self.right), self.lows.ago(self.right));
        let others = (0..n).filter(|&k| k != self.right);
        if others.clone().all(|k| ch > self.highs.ago(k)) {
            out[0] = 100.0;
        }
        if others.into_iter().all(|k| cl < self.lows.ago(k)) {
            out[1] = 100.0;
        }
    }
    fn lookback(&self) -> usize {
        self.left + self.right
    }
    fn restart(&mut self) {
        self.highs.clear();
        self.lows.clear();
    }
}

kernel_decl!(FRACTAL: Fractal, "Momentum Indicators", "Williams Fractal",
    "swinghigh = 100 at bar t when the high of bar t - rightbars is strictly above the leftbars highs before and the rightbars highs after it; swinglow likewise with lows; 0 otherwise. Reference: TA-Lib FRACTAL.",
    inputs ["high": "high prices", "low": "low prices"],
    params [
        ParamSpec::int("leftbars", 2, 1, MAX_PERIOD, "bars before the centre"),
        ParamSpec::int("rightbars", 2, 1, MAX_PERIOD, "bars after the centre"),
    ],
    outputs [OutputSpec::i32("swinghigh"), OutputSpec::i32("swinglow")]);
