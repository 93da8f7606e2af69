//! TA-Lib's `HA`: Heikin-Ashi candles.

use serde::{Deserialize, Serialize};

use super::kernel_decl;
use crate::decl::{FromParams, Kernel, OutputSpec, Params};
use crate::error::Result;

/// Streaming state of `HA`; bars are `(open, high, low, close)`. `haclose = (o + h + l + c) /
/// 4`, `haopen` the mean of the previous haopen and haclose (`(o + c) / 2` on the first bar),
/// `hahigh` / `halow` the extremes of high / low, haopen and haclose.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeikinAshi {
    prev: Option<(f64, f64)>,
}

impl FromParams for HeikinAshi {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self::default())
    }
}

impl Kernel for HeikinAshi {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 4;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (o, h, l, c) = (bar[0], bar[1], bar[2], bar[3]);
        let hc = (o + h + l + c) / 4.0;
        let ho = match self.prev {
            Some((po, pc)) => (po + pc) / 2.0,
            None => (o + c) / 2.0,
        };
        self.prev = Some((ho, hc));
        out[0] = ho;
        out[1] = h.max(ho).max(hc);
        out[2] = l.min(ho).min(hc);
        out[3] = hc;
    }
    fn lookback(&self) -> usize {
        0
    }
    fn restart(&mut self) {
        self.prev = None;
    }
}

kernel_decl!(HA: crate::decl::Gated<HeikinAshi, { crate::decl::UnstableId::Ha as u8 }>, "Price Transform", "Heikin-Ashi",
    "haclose = (open + high + low + close) / 4; haopen = (previous haopen + previous haclose) / 2, (open + close) / 2 on the first bar; hahigh / halow the extremes of the bar and both. Reference: TA-Lib HA.",
    inputs ["open": "open prices", "high": "high prices", "low": "low prices", "close": "close prices"],
    params [crate::decl::UNSTABLE_PERIOD],
    outputs [OutputSpec::f64("haopen"), OutputSpec::f64("hahigh"), OutputSpec::f64("halow"), OutputSpec::f64("haclose")]);
