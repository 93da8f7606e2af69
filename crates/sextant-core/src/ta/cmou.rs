//! TA-Lib's `CMOU` (Chande momentum oscillator, unsmoothed) and `IMI` (intraday momentum
//! index): sums of up and down moves over a window.

use serde::{Deserialize, Serialize};

use super::window::SumWindow;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Rolling sums of the positive parts and of the magnitudes of the negative parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct UpDown {
    up: SumWindow,
    down: SumWindow,
    period: usize,
}

impl UpDown {
    fn new(period: usize) -> Result<Self> {
        check_min("timeperiod", period, 2)?;
        Ok(Self { up: SumWindow::new(period), down: SumWindow::new(period), period })
    }
    #[inline]
    fn push(&mut self, d: f64) -> Option<(f64, f64)> {
        let u = self.up.push(if d > 0.0 { d } else { 0.0 });
        let v = self.down.push(if d < 0.0 { -d } else { 0.0 });
        u.zip(v)
    }
    fn clear(&mut self) {
        self.up.clear();
        self.down.clear();
    }
}

/// Streaming state of `CMOU`: `100 * (up - down) / (up + down)` over the last p one-bar
/// changes; 0 on a flat window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChandeMomentumUnsmoothed {
    sums: UpDown,
    prev: Option<f64>,
}

impl FromParams for ChandeMomentumUnsmoothed {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { sums: UpDown::new(p.usize(0))?, prev: None })
    }
}

impl Kernel for ChandeMomentumUnsmoothed {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::NAN;
        let Some(prev) = self.prev.replace(bar[0]) else {
            return;
        };
        if let Some((u, d)) = self.sums.push(bar[0] - prev) {
            let t = u + d;
            out[0] = if t > 0.0 { 100.0 * (u - d) / t } else { 0.0 };
        }
    }
    fn lookback(&self) -> usize {
        self.sums.period
    }
    fn restart(&mut self) {
        self.sums.clear();
        self.prev = None;
    }
}

/// Streaming state of `IMI`; bars are `(open, close)`: `100 * up / (up + down)` of `close -
/// open` over the last p bars; 50 when every bar is flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntradayMomentum(UpDown);

impl FromParams for IntradayMomentum {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(UpDown::new(p.usize(0))?))
    }
}

impl Kernel for IntradayMomentum {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = match self.0.push(bar[1] - bar[0]) {
            Some((u, d)) => {
                let t = u + d;
                if t > 0.0 {
                    100.0 * u / t
                } else {
                    50.0
                }
            }
            None => f64::NAN,
        };
    }
    fn lookback(&self) -> usize {
        self.0.period - 1
    }
    fn restart(&mut self) {
        self.0.clear();
    }
}

kernel_decl!(CMOU: ChandeMomentumUnsmoothed, "Momentum Indicators", "Chande Momentum Oscillator (unsmoothed)",
    "100 * (sum of up moves - sum of down moves) / (their total) over the last timeperiod one-bar changes; 0 on a flat window. Reference: TA-Lib CMOU.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(IMI: IntradayMomentum, "Momentum Indicators", "Intraday Momentum Index",
    "100 * sum of (close - open) on up bars / sum of |close - open| over the last timeperiod bars; 50 when all are flat. Reference: TA-Lib IMI.",
    inputs ["open": "open prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
