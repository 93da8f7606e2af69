//! `CHOP`: the Choppiness index (E. W. Dreiss). Not in TA-Lib.

use serde::{Deserialize, Serialize};

use super::aroon::HighLowWindow;
use super::trange::true_range;
use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `CHOP`: `100 log10(sum of the last p true ranges / (highest high -
/// lowest low of the last p bars)) / log10(p)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choppiness {
    hl: HighLowWindow,
    ranges: Window,
    prev_close: Option<f64>,
    period: usize,
}

impl FromParams for Choppiness {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 2)?;
        let period = p.usize(0);
        Ok(Self {
            hl: HighLowWindow::new(period),
            ranges: Window::new(period),
            prev_close: None,
            period,
        })
    }
}

impl Kernel for Choppiness {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l, c) = (bar[0], bar[1], bar[2]);
        self.hl.push(h, l);
        out[0] = f64::NAN;
        let Some(pc) = self.prev_close.replace(c) else { return };
        self.ranges.push(true_range(h, l, pc));
        if !self.ranges.is_full() {
            return;
        }
        let travelled: f64 = self.ranges.iter().sum();
        let span = self.hl.highest() - self.hl.lowest();
        // no range at all: the index is undefined (NaN), not +-inf
        out[0] = if span > 0.0 && travelled > 0.0 {
            100.0 * (libm::log10(travelled) - libm::log10(span)) / libm::log10(self.period as f64)
        } else {
            f64::NAN
        };
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.hl.clear();
        self.ranges.clear();
        self.prev_close = None;
    }
}

kernel_decl!(CHOP: Choppiness, "Volatility Indicators", "Choppiness Index",
    "100 log10(sum of the last p true ranges / (highest high - lowest low of the last p bars)) / log10(p): near 100 in a range, low in a trend; NaN when the window has no range. Not in TA-Lib; reference: pandas-ta chop (atr_length=1).",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
