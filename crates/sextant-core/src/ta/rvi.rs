//! TA-Lib's `RVI`: Dorsey's relative volatility index.

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `RVI`: the population standard deviation over `stddevperiod` is credited
/// to the up leg on a rising close and to the down leg on a falling one; each leg is Wilder-
/// smoothed over `timeperiod` (seeded with the simple average) and the output is `100 * up /
/// (up + down)`, 50 when both are zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelativeVolatility {
    window: Window,
    sd_period: usize,
    period: usize,
    prev: Option<f64>,
    count: usize,
    up: f64,
    down: f64,
}

impl FromParams for RelativeVolatility {
    fn from_params(p: &Params) -> Result<Self> {
        let (t, s) = (p.usize(0), p.usize(1));
        check_min("timeperiod", t, 1)?;
        check_min("stddevperiod", s, 2)?;
        Ok(Self {
            window: Window::new(s),
            sd_period: s,
            period: t,
            prev: None,
            count: 0,
            up: 0.0,
            down: 0.0,
        })
    }
}

impl Kernel for RelativeVolatility {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::NAN;
        let x = bar[0];
        let prev = self.prev.replace(x);
        self.window.push(x);
        if !self.window.is_full() {
            return;
        }
        // population standard deviation, two-pass over the window (scale-free: no absolute
        // zero band, as TA-Lib's RVI)
        let n = self.sd_period as f64;
        let mean = self.window.iter().sum::<f64>() / n;
        let var = self.window.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        let s = [var.max(0.0).sqrt()];
        let delta = prev.map_or(0.0, |p| x - p);
        let (u, d) = if delta > 0.0 {
            (s[0], 0.0)
        } else if delta < 0.0 {
            (0.0, s[0])
        } else {
            (0.0, 0.0)
        };
        let pf = self.period as f64;
        if self.count < self.period {
            self.up += u;
            self.down += d;
            self.count += 1;
            if self.count < self.period {
                return;
            }
            self.up /= pf;
            self.down /= pf;
        } else {
            let beta = (pf - 1.0) / pf;
            let alpha = 1.0 - beta;
            self.up = beta * self.up + alpha * u;
            self.down = beta * self.down + alpha * d;
        }
        let total = self.up + self.down;
        out[0] = if total == 0.0 { 50.0 } else { 100.0 * (self.up / total) };
    }
    fn lookback(&self) -> usize {
        self.sd_period - 1 + self.period - 1
    }
    fn restart(&mut self) {
        self.window.clear();
        self.prev = None;
        self.count = 0;
        self.up = 0.0;
        self.down = 0.0;
    }
}

kernel_decl!(RVI: crate::decl::Gated<RelativeVolatility, { crate::decl::UnstableId::Rvi as u8 }>, "Volatility Indicators", "Relative Volatility Index",
    "100 * up / (up + down) where up / down are Wilder averages (timeperiod) of STDDEV(stddevperiod) on rising / falling closes; 50 when both are zero. Reference: TA-Lib RVI.",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "smoothing length"),
        ParamSpec::int("stddevperiod", 10, 2, MAX_PERIOD, "standard deviation length"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("real")]);
