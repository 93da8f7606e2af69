//! Price-change momentum over `timeperiod` bars: TA-Lib's `MOM`, `ROC`, `ROCP`, `ROCR`, `ROCR100`.

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{kernel_batch, FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Which change a [`PriceChange`] state reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeKind {
    /// `x - prev` (MOM).
    Mom,
    /// `(x / prev - 1) * 100` (ROC).
    Roc,
    /// `(x - prev) / prev` (ROCP).
    Rocp,
    /// `x / prev` (ROCR).
    Rocr,
    /// `x / prev * 100` (ROCR100).
    Rocr100,
}

impl ChangeKind {
    /// The change from `prev` to `x`; a zero `prev` gives 0 for the ratios, as in TA-Lib.
    #[inline]
    #[must_use]
    pub fn apply(self, x: f64, prev: f64) -> f64 {
        match self {
            Self::Mom => x - prev,
            _ if prev == 0.0 => 0.0,
            Self::Roc => ((x / prev) - 1.0) * 100.0,
            Self::Rocp => (x - prev) / prev,
            Self::Rocr => x / prev,
            Self::Rocr100 => (x / prev) * 100.0,
        }
    }
}

/// Streaming state of the change over `timeperiod` bars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceChange {
    window: Window,
    period: usize,
    kind: ChangeKind,
}

impl PriceChange {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize, kind: ChangeKind) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self { window: Window::new(timeperiod + 1), period: timeperiod, kind })
    }
}

impl Kernel for PriceChange {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        self.window.push(x);
        out[0] = if self.window.is_full() {
            self.kind.apply(x, self.window.ago(self.period))
        } else {
            f64::NAN
        };
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.window.clear();
    }
}

macro_rules! change_kernel {
    ($name:ident, $kind:expr) => {
        #[doc = concat!("Kernel of `", stringify!($kind), "`.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name(PriceChange);

        impl FromParams for $name {
            fn from_params(p: &Params) -> Result<Self> {
                Ok(Self(PriceChange::new(p.usize(0), $kind)?))
            }
        }

        super::delegate_kernel!($name => PriceChange);
    };
}

change_kernel!(MomKernel, ChangeKind::Mom);
change_kernel!(RocKernel, ChangeKind::Roc);
change_kernel!(RocpKernel, ChangeKind::Rocp);
change_kernel!(RocrKernel, ChangeKind::Rocr);
change_kernel!(Rocr100Kernel, ChangeKind::Rocr100);

kernel_decl!(MOM: MomKernel, "Momentum Indicators", "Momentum",
    "real - real[timeperiod bars ago]. Reference: TA-Lib MOM.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 10, 1, MAX_PERIOD, "bars back")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(ROC: RocKernel, "Momentum Indicators", "Rate of change : ((price/prevPrice)-1)*100",
    "((real / prev) - 1) * 100 with prev timeperiod bars ago; 0 when prev is 0. Reference: TA-Lib ROC.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 10, 1, MAX_PERIOD, "bars back")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(ROCP: RocpKernel, "Momentum Indicators", "Rate of change Percentage: (price-prevPrice)/prevPrice",
    "(real - prev) / prev with prev timeperiod bars ago; 0 when prev is 0. Reference: TA-Lib ROCP.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 10, 1, MAX_PERIOD, "bars back")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(ROCR: RocrKernel, "Momentum Indicators", "Rate of change ratio: (price/prevPrice)",
    "real / prev with prev timeperiod bars ago; 0 when prev is 0. Reference: TA-Lib ROCR.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 10, 1, MAX_PERIOD, "bars back")],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(ROCR100: Rocr100Kernel, "Momentum Indicators", "Rate of change ratio 100 scale: (price/prevPrice)*100",
    "(real / prev) * 100 with prev timeperiod bars ago; 0 when prev is 0. Reference: TA-Lib ROCR100.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 10, 1, MAX_PERIOD, "bars back")],
    outputs [OutputSpec::f64("real")]);

/// Momentum `real - real[t - timeperiod]`, TA-Lib's `MOM` (`prev` = `timeperiod` bars back; 0 for a zero `prev`).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "MOM")]
pub fn mom(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&PriceChange::new(timeperiod, ChangeKind::Mom)?, real))
}

/// Rate of change `((real / prev) - 1) * 100`, TA-Lib's `ROC` (`prev` = `timeperiod` bars back; 0 for a zero `prev`).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "ROC")]
pub fn roc(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&PriceChange::new(timeperiod, ChangeKind::Roc)?, real))
}

/// Rate of change `(real - prev) / prev`, TA-Lib's `ROCP` (`prev` = `timeperiod` bars back; 0 for a zero `prev`).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "ROCP")]
pub fn rocp(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&PriceChange::new(timeperiod, ChangeKind::Rocp)?, real))
}

/// Rate of change ratio `real / prev`, TA-Lib's `ROCR` (`prev` = `timeperiod` bars back; 0 for a zero `prev`).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "ROCR")]
pub fn rocr(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&PriceChange::new(timeperiod, ChangeKind::Rocr)?, real))
}

/// Rate of change ratio `real / prev * 100`, TA-Lib's `ROCR100` (`prev` = `timeperiod` bars back; 0 for a zero `prev`).
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "ROCR100")]
pub fn rocr100(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&PriceChange::new(timeperiod, ChangeKind::Rocr100)?, real))
}
