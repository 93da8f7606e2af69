//! TA-Lib's `FOSC`: Chande's forecast oscillator.

use serde::{Deserialize, Serialize};

use super::stats::{LinearRegression, RegressionOutput};
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// Streaming state of `FOSC`: `100 * (close - TSF[t-1]) / close`, the previous bar's one-bar-ahead
/// forecast; 0 at a zero close.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastOscillator {
    tsf: LinearRegression,
    prev_forecast: f64,
}

impl FromParams for ForecastOscillator {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            tsf: LinearRegression::new(p.usize(0), RegressionOutput::Forecast)?,
            prev_forecast: f64::NAN,
        })
    }
}

impl Kernel for ForecastOscillator {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let c = bar[0];
        out[0] = if self.prev_forecast.is_nan() {
            f64::NAN
        } else if c == 0.0 {
            0.0
        } else {
            100.0 * (c - self.prev_forecast) / c
        };
        let mut f = [0.0];
        self.tsf.step(bar, &mut f);
        self.prev_forecast = f[0];
    }
    fn lookback(&self) -> usize {
        self.tsf.lookback() + 1
    }
    fn restart(&mut self) {
        self.tsf.restart();
        self.prev_forecast = f64::NAN;
    }
}

kernel_decl!(FOSC: ForecastOscillator, "Momentum Indicators", "Forecast Oscillator",
    "100 * (close - TSF(timeperiod)[t-1]) / close; 0 at a zero close. Reference: TA-Lib FOSC.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 5, 2, MAX_PERIOD, "regression length")],
    outputs [OutputSpec::f64("real")]);
