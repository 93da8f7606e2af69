//! TA-Lib's `CMF`: Chaikin money flow.

use serde::{Deserialize, Serialize};

use super::window::SumWindow;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `CMF`; bars are `(high, low, close, volume)`: `sum(mfm * volume) /
/// sum(volume)` over p bars with `mfm = ((c - l) - (h - c)) / (h - l)` (0 for a bar without
/// range); 0 when the window's volume is zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChaikinMoneyFlow {
    flow: SumWindow,
    volume: SumWindow,
    period: usize,
}

impl FromParams for ChaikinMoneyFlow {
    fn from_params(p: &Params) -> Result<Self> {
        let n = p.usize(0);
        check_min("timeperiod", n, 2)?;
        Ok(Self { flow: SumWindow::new(n), volume: SumWindow::new(n), period: n })
    }
}

impl Kernel for ChaikinMoneyFlow {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l, c, v) = (bar[0], bar[1], bar[2], bar[3]);
        let range = h - l;
        let mfm = if range > 0.0 { ((c - l) - (h - c)) / range } else { 0.0 };
        let f = self.flow.push(mfm * v);
        let s = self.volume.push(v);
        out[0] = match (f, s) {
            (Some(f), Some(s)) if s != 0.0 => f / s,
            (Some(_), Some(_)) => 0.0,
            _ => f64::NAN,
        };
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.flow.clear();
        self.volume.clear();
    }
}

kernel_decl!(CMF: ChaikinMoneyFlow, "Volume Indicators", "Chaikin Money Flow",
    "sum(((close - low) - (high - close)) / (high - low) * volume) / sum(volume) over timeperiod bars. Reference: TA-Lib CMF.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices", "volume": "volumes"],
    params [ParamSpec::int("timeperiod", 20, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
