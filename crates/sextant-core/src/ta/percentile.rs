//! TA-Lib's `PERCENTILE` (rolling order statistic) and `PERCENTRANK`.

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `PERCENTILE`: the `rank`-th smallest of the last `timeperiod` values,
/// `rank = ceil(percentile * timeperiod / 100)` clamped to `[1, timeperiod]` (no interpolation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingPercentile {
    window: Window,
    period: usize,
    rank: usize,
}

impl FromParams for RollingPercentile {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "the rank is in [1, timeperiod]"
    )]
    fn from_params(p: &Params) -> Result<Self> {
        let n = p.usize(0);
        check_min("timeperiod", n, 2)?;
        // multiply before dividing, as TA-Lib: (P * n) / 100 is exact at round percentages
        let rank = (p.float(1) * n as f64 / 100.0).ceil().clamp(1.0, n as f64) as usize;
        Ok(Self { window: Window::new(n), period: n, rank })
    }
}

impl Kernel for RollingPercentile {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.window.push(bar[0]);
        if !self.window.is_full() {
            out[0] = f64::NAN;
            return;
        }
        let mut values: Vec<f64> = self.window.iter().collect();
        let (_, v, _) = values.select_nth_unstable_by(self.rank - 1, f64::total_cmp);
        out[0] = *v;
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.window.clear();
    }
}

/// Streaming state of `PERCENTRANK`: `100 * (number of the previous timeperiod values strictly
/// below the current one) / timeperiod`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PercentRank {
    window: Window,
    period: usize,
}

impl FromParams for PercentRank {
    fn from_params(p: &Params) -> Result<Self> {
        let n = p.usize(0);
        check_min("timeperiod", n, 2)?;
        Ok(Self { window: Window::new(n), period: n })
    }
}

impl Kernel for PercentRank {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        out[0] = if self.window.is_full() {
            let below = self.window.iter().filter(|&v| v < x).count();
            100.0 * below as f64 / self.period as f64
        } else {
            f64::NAN
        };
        self.window.push(x);
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.window.clear();
    }
}

kernel_decl!(PERCENTILE: RollingPercentile, "Statistic Functions", "Rolling Percentile",
    "The ceil(percentile * timeperiod / 100)-th smallest of the last timeperiod values (nearest rank, no interpolation). Reference: TA-Lib PERCENTILE.",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("timeperiod", 30, 2, MAX_PERIOD, "window length"),
        ParamSpec::float("percentile", 50.0, 0.0, 100.0, "percentile in [0, 100]"),
    ],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(PERCENTRANK: PercentRank, "Statistic Functions", "Percent Rank",
    "100 * (number of the previous timeperiod values strictly below the current one) / timeperiod. Reference: TA-Lib PERCENTRANK.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 100, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
