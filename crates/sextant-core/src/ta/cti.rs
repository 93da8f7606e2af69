//! `CTI`: Ehlers' correlation trend indicator, `BIAS` (distance from the moving average) and
//! `PSL` (psychological line). Not in TA-Lib.

use serde::{Deserialize, Serialize};

use super::sma::SimpleMovingAverage;
use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `CTI`: Pearson's correlation of the last `p` values with the straight
/// line 1, 2, ..., p (computed on centred values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrelationTrend {
    window: Window,
}

impl FromParams for CorrelationTrend {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 2)?;
        Ok(Self { window: Window::new(p.usize(0)) })
    }
}

impl Kernel for CorrelationTrend {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.window.push(bar[0]);
        out[0] = f64::NAN;
        if !self.window.is_full() {
            return;
        }
        let n = self.window.len() as f64;
        let mean_y = self.window.iter().sum::<f64>() / n;
        let mean_x = (n + 1.0) / 2.0;
        let (mut sxy, mut syy) = (0.0, 0.0);
        for (i, y) in self.window.iter().enumerate() {
            let (dx, dy) = (i as f64 + 1.0 - mean_x, y - mean_y);
            sxy += dx * dy;
            syy += dy * dy;
        }
        // sum of (x - mean)^2 for x = 1..n: n (n^2 - 1) / 12
        let sxx = n * (n * n - 1.0) / 12.0;
        // a flat window has no trend: 0 (as the reference gives) rather than 0/0
        out[0] = if syy > 0.0 { sxy / (sxx * syy).sqrt() } else { 0.0 };
    }
    fn lookback(&self) -> usize {
        self.window.capacity() - 1
    }
    fn restart(&mut self) {
        self.window.clear();
    }
}

kernel_decl!(CTI: CorrelationTrend, "Statistic Functions", "Correlation Trend Indicator",
    "Pearson correlation of the last p values with the line 1..p: +1 for a straight rise, -1 for a straight fall; 0 on a flat window. Not in TA-Lib; reference: pandas-ta cti.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 12, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);

/// Streaming state of `BIAS`: `close / SMA(close, p) - 1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bias {
    sma: SimpleMovingAverage,
}

impl FromParams for Bias {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { sma: SimpleMovingAverage::new(p.usize(0))? })
    }
}

impl Kernel for Bias {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let mut m = [f64::NAN];
        self.sma.step(bar, &mut m);
        // a zero average has no relative distance: NaN
        out[0] = if m[0] == 0.0 { f64::NAN } else { bar[0] / m[0] - 1.0 };
    }
    fn lookback(&self) -> usize {
        self.sma.lookback()
    }
    fn restart(&mut self) {
        self.sma.restart();
    }
}

kernel_decl!(BIAS: Bias, "Momentum Indicators", "Bias",
    "close / SMA(close, p) - 1, the relative distance from the moving average (NaN where the average is 0). Not in TA-Lib; reference: pandas-ta bias.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 26, 1, MAX_PERIOD, "SMA length")],
    outputs [OutputSpec::f64("real")]);

/// Streaming state of `PSL`: the share of rising bars among the last `p`, in percent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsychologicalLine {
    ups: Window,
    prev: Option<f64>,
}

impl FromParams for PsychologicalLine {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 1)?;
        Ok(Self { ups: Window::new(p.usize(0)), prev: None })
    }
}

impl Kernel for PsychologicalLine {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::NAN;
        let Some(prev) = self.prev.replace(bar[0]) else { return };
        self.ups.push(if bar[0] > prev { 1.0 } else { 0.0 });
        if self.ups.is_full() {
            out[0] = 100.0 * self.ups.iter().sum::<f64>() / self.ups.len() as f64;
        }
    }
    fn lookback(&self) -> usize {
        self.ups.capacity()
    }
    fn restart(&mut self) {
        self.ups.clear();
        self.prev = None;
    }
}

kernel_decl!(PSL: PsychologicalLine, "Momentum Indicators", "Psychological Line",
    "100 * (number of rises among the last p one-bar changes) / p. Not in TA-Lib; reference: pandas-ta psl.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 12, 1, MAX_PERIOD, "number of changes")],
    outputs [OutputSpec::f64("real")]);
