//! TA-Lib's Money Flow Index, `MFI`.

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_columns, kernel_decl, one, talib_is_zero_scaled, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `MFI`; bars are `(high, low, close, volume)`. Typical price
/// `tp = (h + l + c) / 3`; money flow `tp * volume` counts as positive when tp rose (or, within
/// a relative 1e-14, stayed: then it is 0), negative when it fell; running sums over
/// `timeperiod` bars (subtract-then-add), reset exactly once a whole window carried no flow;
/// `100 * pos / (pos + neg)` with the numerator clamped into `[0, total]`, 0 for an empty window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoneyFlowIndex {
    period: usize,
    pos_flows: Window,
    neg_flows: Window,
    prev_tp: Option<f64>,
    pos: f64,
    neg: f64,
    null_run: usize,
}

impl MoneyFlowIndex {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self {
            period: timeperiod,
            pos_flows: Window::new(timeperiod),
            neg_flows: Window::new(timeperiod),
            prev_tp: None,
            pos: 0.0,
            neg: 0.0,
            null_run: 0,
        })
    }
}

impl FromParams for MoneyFlowIndex {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for MoneyFlowIndex {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let tp = (bar[0] + bar[1] + bar[2]) / 3.0;
        let Some(prev) = self.prev_tp.replace(tp) else {
            out[0] = f64::NAN;
            return;
        };
        if self.pos_flows.is_full() {
            self.pos -= self.pos_flows.ago(self.period - 1);
            self.neg -= self.neg_flows.ago(self.period - 1);
        }
        let d = tp - prev;
        let scale = tp.abs() + prev.abs();
        let flow = if talib_is_zero_scaled(d, scale) { 0.0 } else { tp * bar[3] };
        let (pf, nf) = if d < 0.0 { (0.0, flow) } else { (flow, 0.0) };
        self.pos_flows.push(pf);
        self.neg_flows.push(nf);
        self.pos += pf;
        self.neg += nf;
        self.null_run = if flow == 0.0 { self.null_run + 1 } else { 0 };
        if self.null_run >= self.period {
            self.null_run = self.period;
            self.pos = 0.0;
            self.neg = 0.0;
        }
        if !self.pos_flows.is_full() {
            out[0] = f64::NAN;
            return;
        }
        let total = self.pos + self.neg;
        let clamped = if self.pos < 0.0 {
            0.0
        } else if self.pos > total {
            total
        } else {
            self.pos
        };
        out[0] = if total <= 0.0 { 0.0 } else { 100.0 * (clamped / total) };
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.pos_flows.clear();
        self.neg_flows.clear();
        self.prev_tp = None;
        self.pos = 0.0;
        self.neg = 0.0;
        self.null_run = 0;
    }
}

kernel_decl!(MFI: MoneyFlowIndex, "Momentum Indicators", "Money Flow Index",
    "100 * positive money flow / total money flow over timeperiod bars (typical price times volume, signed by the typical price's move). Reference: TA-Lib MFI.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices", "volume": "volume"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);

/// Money flow index, TA-Lib's `MFI`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`;
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "MFI")]
pub fn mfi(
    high: &[f64],
    low: &[f64],
    close: &[f64],
    volume: &[f64],
    timeperiod: usize,
) -> Result<Vec<f64>> {
    let k = MoneyFlowIndex::new(timeperiod)?;
    kernel_columns(&k, &["high", "low", "close", "volume"], &[high, low, close, volume]).map(one)
}
