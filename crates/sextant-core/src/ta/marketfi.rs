//! TA-Lib's `MARKETFI` (market facilitation index), `RVOL` (relative volume) and `VWAP`
//! (cumulative volume-weighted average price).

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `MARKETFI`; bars are `(high, low, volume)`: `(high - low) / volume`, 0 at
/// zero volume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketFacilitation;

impl FromParams for MarketFacilitation {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self)
    }
}

impl Kernel for MarketFacilitation {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = if bar[2] == 0.0 { 0.0 } else { (bar[0] - bar[1]) / bar[2] };
    }
    fn lookback(&self) -> usize {
        0
    }
    fn restart(&mut self) {}
}

/// Streaming state of `RVOL`: `volume / mean of the previous timeperiod volumes` (a plain
/// division, as TA-Lib: a zero mean gives inf or NaN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelativeVolume {
    window: Window,
    period: usize,
    sum: f64,
}

impl FromParams for RelativeVolume {
    fn from_params(p: &Params) -> Result<Self> {
        let n = p.usize(0);
        check_min("timeperiod", n, 1)?;
        Ok(Self { window: Window::new(n), period: n, sum: 0.0 })
    }
}

impl Kernel for RelativeVolume {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let v = bar[0];
        out[0] = if self.window.is_full() { v / (self.sum / self.period as f64) } else { f64::NAN };
        self.sum += v;
        if let Some(old) = self.window.push(v) {
            self.sum -= old;
        }
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.window.clear();
        self.sum = 0.0;
    }
}

/// Streaming state of `VWAP`; bars are `(high, low, close, volume)`: cumulative
/// `sum(typical price * volume) / sum(volume)` from the first bar (0 while no volume traded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CumulativeVwap {
    pv: f64,
    v: f64,
}

impl FromParams for CumulativeVwap {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self::default())
    }
}

impl Kernel for CumulativeVwap {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let tp = (bar[0] + bar[1] + bar[2]) / 3.0;
        self.pv += tp * bar[3];
        self.v += bar[3];
        out[0] = if self.v == 0.0 { 0.0 } else { self.pv / self.v };
    }
    fn lookback(&self) -> usize {
        0
    }
    fn restart(&mut self) {
        *self = Self::default();
    }
}

kernel_decl!(pointwise MARKETFI: MarketFacilitation, "Volume Indicators", "Market Facilitation Index",
    "(high - low) / volume; 0 at zero volume. Reference: TA-Lib MARKETFI.",
    inputs ["high": "high prices", "low": "low prices", "volume": "volumes"], params [],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(RVOL: RelativeVolume, "Volume Indicators", "Relative Volume",
    "volume / mean of the previous timeperiod volumes. Reference: TA-Lib RVOL.",
    inputs ["volume": "volumes"],
    params [ParamSpec::int("timeperiod", 20, 1, MAX_PERIOD, "averaging length")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(VWAP: CumulativeVwap, "Volume Indicators", "Volume Weighted Average Price",
    "Cumulative sum(typical price * volume) / sum(volume) from the first bar (no session anchor; 0 before any volume). Reference: TA-Lib VWAP.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices", "volume": "volumes"],
    params [], outputs [OutputSpec::f64("real")]);
