//! TA-Lib's `COPPOCK`: the Coppock curve.

use serde::{Deserialize, Serialize};

use super::roc::{ChangeKind, PriceChange};
use super::wma::WeightedMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `COPPOCK`: `WMA(ROC(roc1period) + ROC(roc2period), wmaperiod)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoppockCurve {
    wma: WeightedMovingAverage,
    roc1: PriceChange,
    roc2: PriceChange,
}

impl CoppockCurve {
    /// A fresh state; every period `>= 1`.
    pub fn new(wmaperiod: usize, roc1period: usize, roc2period: usize) -> Result<Self> {
        check_min("wmaperiod", wmaperiod, 1)?;
        check_min("roc1period", roc1period, 1)?;
        check_min("roc2period", roc2period, 1)?;
        Ok(Self {
            wma: WeightedMovingAverage::new(wmaperiod)?,
            roc1: PriceChange::new(roc1period, ChangeKind::Roc)?,
            roc2: PriceChange::new(roc2period, ChangeKind::Roc)?,
        })
    }
}

impl FromParams for CoppockCurve {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.usize(1), p.usize(2))
    }
}

impl Kernel for CoppockCurve {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (mut a, mut b) = ([0.0], [0.0]);
        self.roc1.step(bar, &mut a);
        self.roc2.step(bar, &mut b);
        let s = a[0] + b[0];
        if s.is_nan() {
            out[0] = f64::NAN;
        } else {
            self.wma.step(&[s], out);
        }
    }
    fn lookback(&self) -> usize {
        self.roc1.lookback().max(self.roc2.lookback()) + self.wma.lookback()
    }
    fn restart(&mut self) {
        self.wma.restart();
        self.roc1.restart();
        self.roc2.restart();
    }
}

kernel_decl!(COPPOCK: CoppockCurve, "Momentum Indicators", "Coppock Curve",
    "WMA(ROC(roc1period) + ROC(roc2period), wmaperiod). Reference: TA-Lib COPPOCK.",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("wmaperiod", 10, 1, MAX_PERIOD, "WMA length"),
        ParamSpec::int("roc1period", 11, 1, MAX_PERIOD, "first ROC length"),
        ParamSpec::int("roc2period", 14, 1, MAX_PERIOD, "second ROC length"),
    ],
    outputs [OutputSpec::f64("real")]);
