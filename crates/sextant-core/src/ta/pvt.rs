//! TA-Lib's `PVT` (price volume trend), `NVI` and `PVI` (negative / positive volume index):
//! running totals driven by the close's relative change.

use serde::{Deserialize, Serialize};

use super::kernel_decl;
use crate::decl::{FromParams, Kernel, OutputSpec, Params};
use crate::error::Result;

/// Which running total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VolumeTrend {
    /// `PVT`: adds `volume * (close - prev) / prev`, from 0.
    Pvt,
    /// `NVI`: compounds the close's change on bars whose volume fell, from 1000.
    Nvi,
    /// `PVI`: compounds the close's change on bars whose volume rose, from 1000.
    Pvi,
}

/// Streaming state of `PVT`, `NVI` and `PVI`; bars are `(close, volume)`. A zero previous
/// close adds nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeTrendKernel {
    kind: VolumeTrend,
    prev: Option<(f64, f64)>,
    total: f64,
}

impl VolumeTrendKernel {
    fn start(kind: VolumeTrend) -> f64 {
        if kind == VolumeTrend::Pvt {
            0.0
        } else {
            1000.0
        }
    }
    /// A fresh state.
    #[must_use]
    pub fn new(kind: VolumeTrend) -> Self {
        Self { kind, prev: None, total: Self::start(kind) }
    }
}

impl Kernel for VolumeTrendKernel {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (c, v) = (bar[0], bar[1]);
        if let Some((pc, pv)) = self.prev.replace((c, v)) {
            if pc != 0.0 {
                let r = (c - pc) / pc;
                match self.kind {
                    VolumeTrend::Pvt => self.total += r * v,
                    VolumeTrend::Nvi if v < pv => self.total += self.total * r,
                    VolumeTrend::Pvi if v > pv => self.total += self.total * r,
                    _ => {}
                }
            }
        }
        out[0] = self.total;
    }
    fn lookback(&self) -> usize {
        0
    }
    fn restart(&mut self) {
        *self = Self::new(self.kind);
    }
}

macro_rules! trend_decl {
    ($kernel:ident, $kind:expr) => {
        #[doc = concat!("Streaming state of `", stringify!($kind), "`.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $kernel(VolumeTrendKernel);
        impl FromParams for $kernel {
            fn from_params(_: &Params) -> Result<Self> {
                Ok(Self(VolumeTrendKernel::new($kind)))
            }
        }
        impl Kernel for $kernel {
            const INPUTS: usize = 2;
            const OUTPUTS: usize = 1;
            #[inline]
            fn step(&mut self, bar: &[f64], out: &mut [f64]) {
                self.0.step(bar, out);
            }
            fn lookback(&self) -> usize {
                0
            }
            fn restart(&mut self) {
                self.0.restart();
            }
        }
    };
}
trend_decl!(PvtKernel, VolumeTrend::Pvt);
trend_decl!(NviKernel, VolumeTrend::Nvi);
trend_decl!(PviKernel, VolumeTrend::Pvi);

kernel_decl!(PVT: PvtKernel, "Volume Indicators", "Price Volume Trend",
    "Running sum of volume * (close - previous close) / previous close, from 0. Reference: TA-Lib PVT.",
    inputs ["close": "close prices", "volume": "volumes"], params [], outputs [OutputSpec::f64("real")]);
kernel_decl!(NVI: NviKernel, "Volume Indicators", "Negative Volume Index",
    "From 1000, compounds the close's relative change on bars whose volume fell. Reference: TA-Lib NVI.",
    inputs ["close": "close prices", "volume": "volumes"], params [], outputs [OutputSpec::f64("real")]);
kernel_decl!(PVI: PviKernel, "Volume Indicators", "Positive Volume Index",
    "From 1000, compounds the close's relative change on bars whose volume rose. Reference: TA-Lib PVI.",
    inputs ["close": "close prices", "volume": "volumes"], params [], outputs [OutputSpec::f64("real")]);
