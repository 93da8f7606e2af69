//! TA-Lib's `MIDPOINT`, `MIDPRICE` and `DONCHIAN`: midpoints of a rolling highest and lowest.

use serde::{Deserialize, Serialize};

use super::aroon::HighLowWindow;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `MIDPOINT` (bars `(real)`), `MIDPRICE` (bars `(high, low)`) and
/// `DONCHIAN` (bars `(high, low)`), over the last `timeperiod` bars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MidRange {
    hl: HighLowWindow,
    period: usize,
}

impl MidRange {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self { hl: HighLowWindow::new(timeperiod), period: timeperiod })
    }

    /// Pushes a bar; `(highest, lowest)` once the window is full.
    #[inline]
    pub(crate) fn push(&mut self, high: f64, low: f64) -> Option<(f64, f64)> {
        self.hl.push(high, low);
        self.hl.is_full().then(|| (self.hl.highest(), self.hl.lowest()))
    }

    /// Empties the window.
    pub(crate) fn clear(&mut self) {
        self.hl.clear();
    }
}

macro_rules! mid_kernel {
    ($name:ident, $inputs:literal, $outputs:literal, |$b:ident| ($h:expr, $l:expr), |$hi:ident, $lo:ident, $out:ident| $write:block) => {
        #[doc = concat!("Streaming state of `", stringify!($name), "`.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name(MidRange);

        impl FromParams for $name {
            fn from_params(p: &Params) -> Result<Self> {
                Ok(Self(MidRange::new(p.usize(0))?))
            }
        }

        impl Kernel for $name {
            const INPUTS: usize = $inputs;
            const OUTPUTS: usize = $outputs;
            #[inline]
            fn step(&mut self, $b: &[f64], $out: &mut [f64]) {
                match self.0.push($h, $l) {
                    Some(($hi, $lo)) => $write,
                    None => $out.fill(f64::NAN),
                }
            }
            fn lookback(&self) -> usize {
                self.0.period - 1
            }
            fn restart(&mut self) {
                self.0.hl.clear();
            }
        }
    };
}

mid_kernel!(MidpointKernel, 1, 1, |b| (b[0], b[0]), |hi, lo, out| {
    out[0] = (hi + lo) / 2.0;
});
mid_kernel!(MidpriceKernel, 2, 1, |b| (b[0], b[1]), |hi, lo, out| {
    out[0] = (hi + lo) / 2.0;
});
mid_kernel!(DonchianKernel, 2, 3, |b| (b[0], b[1]), |hi, lo, out| {
    out[0] = hi;
    out[1] = (hi + lo) / 2.0;
    out[2] = lo;
});

kernel_decl!(MIDPOINT: MidpointKernel, "Overlap Studies", "MidPoint over period",
    "(highest + lowest) / 2 of the last timeperiod values. Reference: TA-Lib MIDPOINT.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(MIDPRICE: MidpriceKernel, "Overlap Studies", "Midpoint Price over period",
    "(highest high + lowest low) / 2 of the last timeperiod bars. Reference: TA-Lib MIDPRICE.",
    inputs ["high": "high prices", "low": "low prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(DONCHIAN: DonchianKernel, "Overlap Studies", "Donchian Channels",
    "upperband = highest high, lowerband = lowest low of the last timeperiod bars, middleband their midpoint. Reference: TA-Lib DONCHIAN.",
    inputs ["high": "high prices", "low": "low prices"],
    params [ParamSpec::int("timeperiod", 20, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("upperband"), OutputSpec::f64("middleband"), OutputSpec::f64("lowerband")]);
