//! TA-Lib's Statistic Functions: VAR, STDDEV, the LINEARREG family, TSF, CORREL, BETA.
//! Window sums are recomputed per bar in a stable order (no drifting running sums of squares).

use serde::{Deserialize, Serialize};

use super::bbands::RollingVariance;
use super::window::Window;
use super::{kernel_decl, talib_is_zero, talib_is_zero_or_neg, MAX_PERIOD};
use crate::decl::{kernel_batch, FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Population variance of the last `timeperiod` values, TA-Lib's `VAR` (`nbdev` is accepted
/// and ignored, as in TA-Lib).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "VAR")]
pub fn var(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&Variance::new(timeperiod, 1.0, false)?, real))
}

/// Population standard deviation times `nbdev`, TA-Lib's `STDDEV` (a variance below 1e-8
/// gives 0, as TA-Lib).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`.
#[doc(alias = "STDDEV")]
pub fn stddev(real: &[f64], timeperiod: usize, nbdev: f64) -> Result<Vec<f64>> {
    Ok(kernel_batch(&Variance::new(timeperiod, nbdev, true)?, real))
}

/// Streaming state of [`var`] and [`stddev`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variance {
    var: RollingVariance,
    period: usize,
    nbdev: f64,
    sqrt: bool,
}

impl Variance {
    /// A fresh state: the variance, or (`sqrt`) the standard deviation times `nbdev`.
    pub fn new(timeperiod: usize, nbdev: f64, sqrt: bool) -> Result<Self> {
        check_min("timeperiod", timeperiod, if sqrt { 2 } else { 1 })?;
        Ok(Self { var: RollingVariance::new(timeperiod), period: timeperiod, nbdev, sqrt })
    }
}

impl Kernel for Variance {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = match self.var.push(bar[0]) {
            None => f64::NAN,
            Some(v) if !self.sqrt => v,
            Some(v) if talib_is_zero_or_neg(v) => 0.0,
            Some(v) => v.sqrt() * self.nbdev,
        };
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.var.restart();
    }
}

/// `VAR` kernel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VarKernel(Variance);
/// `STDDEV` kernel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StdDevKernel(Variance);

impl FromParams for VarKernel {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(Variance::new(p.usize(0), p.float(1), false)?))
    }
}
impl FromParams for StdDevKernel {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(Variance::new(p.usize(0), p.float(1), true)?))
    }
}
super::delegate_kernel!(VarKernel => Variance);
super::delegate_kernel!(StdDevKernel => Variance);

kernel_decl!(VAR: VarKernel, "Statistic Functions", "Variance", "Population variance of the last timeperiod values (nbdev is ignored, as TA-Lib). Reference: TA-Lib VAR.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 5, 1, MAX_PERIOD, "window length"), ParamSpec::float("nbdev", 1.0, -3.0e37, 3.0e37, "ignored (TA-Lib compatibility)")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(STDDEV: StdDevKernel, "Statistic Functions", "Standard Deviation", "Population standard deviation of the last timeperiod values times nbdev. Reference: TA-Lib STDDEV.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 5, 2, MAX_PERIOD, "window length"), ParamSpec::float("nbdev", 1.0, -3.0e37, 3.0e37, "multiplier")],
    outputs [OutputSpec::f64("real")]);

/// What a [`LinearRegression`] state outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegressionOutput {
    /// The fitted value at the newest bar (`LINEARREG`).
    Value,
    /// The slope per bar (`LINEARREG_SLOPE`).
    Slope,
    /// The intercept at the oldest bar of the window (`LINEARREG_INTERCEPT`).
    Intercept,
    /// The slope's angle in degrees (`LINEARREG_ANGLE`).
    Angle,
    /// The fitted value one bar ahead (`TSF`).
    Forecast,
}

/// Least-squares line through the last `timeperiod` values (TA-Lib's LINEARREG family).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 2`.
#[doc(alias = "LINEARREG")]
pub fn linearreg(real: &[f64], timeperiod: usize, output: RegressionOutput) -> Result<Vec<f64>> {
    Ok(kernel_batch(&LinearRegression::new(timeperiod, output)?, real))
}

/// Streaming state of [`linearreg`] and its variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearRegression {
    window: Window,
    period: usize,
    output: RegressionOutput,
}

impl LinearRegression {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize, output: RegressionOutput) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self { window: Window::new(timeperiod), period: timeperiod, output })
    }
}

impl Kernel for LinearRegression {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.window.push(bar[0]);
        if !self.window.is_full() {
            out[0] = f64::NAN;
            return;
        }
        // Centred least squares in bar time t = 0 (oldest) ..= p - 1 (newest): the same line as
        // TA-Lib's raw-sum formula, without its cancellation at high price levels.
        let p = self.period as f64;
        let t_mean = (p - 1.0) / 2.0;
        let y_mean = self.window.iter().sum::<f64>() / p;
        let mut sty = 0.0;
        for (t, v) in self.window.iter().enumerate() {
            sty += (t as f64 - t_mean) * (v - y_mean);
        }
        let m = sty / (p * (p * p - 1.0) / 12.0);
        let b = y_mean - m * t_mean;
        out[0] = match self.output {
            RegressionOutput::Value => y_mean + m * t_mean,
            RegressionOutput::Slope => m,
            RegressionOutput::Intercept => b,
            RegressionOutput::Angle => libm::atan(m) * (180.0 / std::f64::consts::PI),
            RegressionOutput::Forecast => y_mean + m * (t_mean + 1.0),
        };
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.window.clear();
    }
}

macro_rules! regression_kernel {
    ($name:ident, $decl:ident, $which:expr, $summary:literal, $doc:literal) => {
        #[doc = concat!("`", stringify!($decl), "` kernel.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name(LinearRegression);
        impl FromParams for $name {
            fn from_params(p: &Params) -> Result<Self> {
                Ok(Self(LinearRegression::new(p.usize(0), $which)?))
            }
        }
        super::delegate_kernel!($name => LinearRegression);
        kernel_decl!($decl: $name, "Statistic Functions", $summary, $doc,
            inputs ["real": "input series"],
            params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "regression window")],
            outputs [OutputSpec::f64("real")]);
    };
}

regression_kernel!(LinearRegKernel, LINEARREG, RegressionOutput::Value, "Linear Regression", "Least-squares line through the last timeperiod values, evaluated at the newest bar. Reference: TA-Lib LINEARREG.");
regression_kernel!(LinearRegSlopeKernel, LINEARREG_SLOPE, RegressionOutput::Slope, "Linear Regression Slope", "Slope per bar of the least-squares line through the last timeperiod values. Reference: TA-Lib LINEARREG_SLOPE.");
regression_kernel!(LinearRegInterceptKernel, LINEARREG_INTERCEPT, RegressionOutput::Intercept, "Linear Regression Intercept", "Value of the least-squares line at the oldest bar of the window. Reference: TA-Lib LINEARREG_INTERCEPT.");
regression_kernel!(
    LinearRegAngleKernel,
    LINEARREG_ANGLE,
    RegressionOutput::Angle,
    "Linear Regression Angle",
    "atan(slope) in degrees. Reference: TA-Lib LINEARREG_ANGLE."
);
regression_kernel!(
    TsfKernel,
    TSF,
    RegressionOutput::Forecast,
    "Time Series Forecast",
    "The least-squares line extended one bar ahead. Reference: TA-Lib TSF."
);

/// Pearson correlation of two series over the last `timeperiod` bars, TA-Lib's `CORREL`
/// (0 when either window has no variance).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "CORREL")]
pub fn correl(real0: &[f64], real1: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    crate::error::check_same_len("real1", real1.len(), "real0", real0.len())?;
    let mut out = vec![0.0; real0.len()];
    crate::decl::run_kernel(&Correlation::new(timeperiod)?, &[real0, real1], &mut [&mut out]);
    Ok(out)
}

/// Streaming state of [`correl`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correlation {
    x: Window,
    y: Window,
    period: usize,
}

impl Correlation {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self { x: Window::new(timeperiod), y: Window::new(timeperiod), period: timeperiod })
    }
}

impl FromParams for Correlation {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for Correlation {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.x.push(bar[0]);
        self.y.push(bar[1]);
        if !self.x.is_full() {
            out[0] = f64::NAN;
            return;
        }
        let p = self.period as f64;
        let mx = self.x.iter().sum::<f64>() / p;
        let my = self.y.iter().sum::<f64>() / p;
        let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
        for (a, b) in self.x.iter().zip(self.y.iter()) {
            let (dx, dy) = (a - mx, b - my);
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        let denom = sxx * syy;
        out[0] = if talib_is_zero_or_neg(denom) { 0.0 } else { sxy / denom.sqrt() };
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.x.clear();
        self.y.clear();
    }
}

kernel_decl!(CORREL: Correlation, "Statistic Functions", "Pearson's Correlation Coefficient (r)", "Correlation of real0 and real1 over the last timeperiod bars. Reference: TA-Lib CORREL.",
    inputs ["real0": "first series", "real1": "second series"],
    params [ParamSpec::int("timeperiod", 30, 1, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);

/// Beta of `real0`'s returns against `real1`'s over the last `timeperiod` returns, TA-Lib's
/// `BETA` (simple returns; a zero previous price gives a 0 return; 0 when `real0`'s returns
/// have no variance).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "BETA")]
pub fn beta(real0: &[f64], real1: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    crate::error::check_same_len("real1", real1.len(), "real0", real0.len())?;
    let mut out = vec![0.0; real0.len()];
    crate::decl::run_kernel(&Beta::new(timeperiod)?, &[real0, real1], &mut [&mut out]);
    Ok(out)
}

/// Streaming state of [`beta`]: the last prices and the window of returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Beta {
    prev: Option<(f64, f64)>,
    x: Window,
    y: Window,
    period: usize,
}

impl Beta {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self {
            prev: None,
            x: Window::new(timeperiod),
            y: Window::new(timeperiod),
            period: timeperiod,
        })
    }
}

impl FromParams for Beta {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

#[inline]
fn simple_return(now: f64, before: f64) -> f64 {
    if talib_is_zero(before) {
        0.0
    } else {
        (now - before) / before
    }
}

impl Kernel for Beta {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let Some((px, py)) = self.prev.replace((bar[0], bar[1])) else {
            out[0] = f64::NAN;
            return;
        };
        self.x.push(simple_return(bar[0], px));
        self.y.push(simple_return(bar[1], py));
        if !self.x.is_full() {
            out[0] = f64::NAN;
            return;
        }
        let n = self.period as f64;
        let (mut sxx, mut sxy, mut sx, mut sy) = (0.0, 0.0, 0.0, 0.0);
        for (x, y) in self.x.iter().zip(self.y.iter()) {
            sxx += x * x;
            sxy += x * y;
            sx += x;
            sy += y;
        }
        let denom = n * sxx - sx * sx;
        out[0] = if talib_is_zero(denom) { 0.0 } else { (n * sxy - sx * sy) / denom };
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.prev = None;
        self.x.clear();
        self.y.clear();
    }
}

kernel_decl!(BETA: Beta, "Statistic Functions", "Beta", "Regression slope of real0's simple returns on real1's over the last timeperiod returns. Reference: TA-Lib BETA.",
    inputs ["real0": "the asset's prices", "real1": "the benchmark's prices"],
    params [ParamSpec::int("timeperiod", 5, 1, MAX_PERIOD, "number of returns")],
    outputs [OutputSpec::f64("real")]);
