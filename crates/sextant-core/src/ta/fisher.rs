//! `FISHER`: Ehlers' Fisher transform of the position of the median price in its recent range.
//! Not in TA-Lib.

use serde::{Deserialize, Serialize};

use super::aroon::HighLowWindow;
use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `FISHER`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FisherTransform {
    hl2: HighLowWindow,
    /// The last `signalperiod + 1` Fisher values (the signal is the value `signalperiod` ago).
    past: Window,
    period: usize,
    signal: usize,
    seen: usize,
    smooth: f64,
    fisher: f64,
}

impl FromParams for FisherTransform {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 1)?;
        check_min("signalperiod", p.usize(1), 1)?;
        Ok(Self {
            hl2: HighLowWindow::new(p.usize(0)),
            past: Window::new(p.usize(1) + 1),
            period: p.usize(0),
            signal: p.usize(1),
            seen: 0,
            smooth: 0.0,
            fisher: 0.0,
        })
    }
}

impl Kernel for FisherTransform {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 2;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let mid = (bar[0] + bar[1]) / 2.0;
        self.hl2.push(mid, mid);
        self.seen += 1;
        out[0] = f64::NAN;
        out[1] = f64::NAN;
        if self.seen < self.period {
            return;
        }
        if self.seen > self.period {
            let (hi, lo) = (self.hl2.highest(), self.hl2.lowest());
            // the range is floored at 0.001 (pandas-ta, TradingView)
            let range = (hi - lo).max(0.001);
            let pos = (mid - lo) / range - 0.5;
            let v = 0.66 * pos + 0.67 * self.smooth;
            self.smooth = if v > 0.99 {
                0.999
            } else if v < -0.99 {
                -0.999
            } else {
                v
            };
            self.fisher =
                0.5 * (libm::log((1.0 + self.smooth) / (1.0 - self.smooth)) + self.fisher);
        }
        self.past.push(self.fisher);
        if self.past.is_full() {
            out[0] = self.fisher;
            out[1] = self.past.ago(self.signal);
        }
    }
    fn lookback(&self) -> usize {
        self.period - 1 + self.signal
    }
    fn restart(&mut self) {
        self.hl2.clear();
        self.past.clear();
        self.seen = 0;
        self.smooth = 0.0;
        self.fisher = 0.0;
    }
}

kernel_decl!(FISHER: FisherTransform, "Momentum Indicators", "Fisher Transform",
    "v = 0.66 ((hl2 - lowest hl2) / max(range, 0.001) - 0.5) + 0.67 v[t-1], held inside +-0.999; fisher = 0.5 ln((1+v)/(1-v)) + 0.5 fisher[t-1], 0 on the first full window; signal = fisher signalperiod bars ago. Not in TA-Lib; reference: pandas-ta fisher (TradingView's form).",
    inputs ["high": "high prices", "low": "low prices"],
    params [
        ParamSpec::int("timeperiod", 9, 1, MAX_PERIOD, "window of the median price's range"),
        ParamSpec::int("signalperiod", 1, 1, MAX_PERIOD, "lag of the signal line"),
    ],
    outputs [OutputSpec::f64("fisher"), OutputSpec::f64("signal")]);
