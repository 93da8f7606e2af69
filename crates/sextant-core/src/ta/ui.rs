//! `UI`: Peter Martin's Ulcer index of a price series (the depth and duration of drawdowns
//! from the highest close of the window). Not in TA-Lib; the returns-based ulcer index of a
//! portfolio is `sextant.risk.ulcer_index`.

use serde::{Deserialize, Serialize};

use super::aroon::HighLowWindow;
use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `UI`: `sqrt(sum of the last p squared percentage drawdowns / p)`, each
/// drawdown measured from the highest close of its own last `p` bars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UlcerIndex {
    highs: HighLowWindow,
    squares: Window,
    period: usize,
}

impl FromParams for UlcerIndex {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 1)?;
        let period = p.usize(0);
        Ok(Self { highs: HighLowWindow::new(period), squares: Window::new(period), period })
    }
}

impl Kernel for UlcerIndex {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        self.highs.push(x, x);
        out[0] = f64::NAN;
        if !self.highs.is_full() {
            return;
        }
        let top = self.highs.highest();
        // a window of zero prices has no drawdown
        let dd = if top == 0.0 { 0.0 } else { 100.0 * (x - top) / top };
        self.squares.push(dd * dd);
        if self.squares.is_full() {
            out[0] = (self.squares.iter().sum::<f64>() / self.period as f64).sqrt();
        }
    }
    fn lookback(&self) -> usize {
        2 * self.period - 2
    }
    fn restart(&mut self) {
        self.highs.clear();
        self.squares.clear();
    }
}

kernel_decl!(UI: UlcerIndex, "Volatility Indicators", "Ulcer Index",
    "sqrt(mean over the last p bars of D^2), D = 100 (close - highest close of the last p) / that highest close. Not in TA-Lib; reference: pandas-ta ui.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
