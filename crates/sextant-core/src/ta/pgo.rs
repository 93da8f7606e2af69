//! `PGO`: Mark Johnson's pretty good oscillator. Not in TA-Lib.

use serde::{Deserialize, Serialize};

use super::atr::AverageTrueRange;
use super::ema::ExponentialMovingAverage;
use super::sma::SimpleMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// Streaming state of `PGO`: `(close - SMA(close, p)) / EMA(ATR(p), p)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrettyGoodOscillator {
    sma: SimpleMovingAverage,
    atr: AverageTrueRange,
    ema: ExponentialMovingAverage,
}

impl FromParams for PrettyGoodOscillator {
    fn from_params(p: &Params) -> Result<Self> {
        let n = p.usize(0);
        Ok(Self {
            sma: SimpleMovingAverage::new(n)?,
            atr: AverageTrueRange::new(n)?,
            ema: ExponentialMovingAverage::new(n)?,
        })
    }
}

impl Kernel for PrettyGoodOscillator {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 1;
    // embeds an ATR state
    const STATE_REVISION: u8 = <AverageTrueRange as Kernel>::STATE_REVISION;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (mut m, mut a, mut e) = ([f64::NAN], [f64::NAN], [f64::NAN]);
        self.sma.step(&bar[2..3], &mut m);
        self.atr.step(bar, &mut a);
        if !a[0].is_nan() {
            self.ema.step(&a, &mut e);
        }
        out[0] = if e[0].is_nan() {
            f64::NAN
        } else if e[0] == 0.0 {
            // no true range at all: the close sits on its average, 0
            0.0
        } else {
            (bar[2] - m[0]) / e[0]
        };
    }
    fn lookback(&self) -> usize {
        self.atr.lookback() + self.ema.lookback()
    }
    fn restart(&mut self) {
        self.sma.restart();
        self.atr.restart();
        self.ema.restart();
    }
}

kernel_decl!(PGO: PrettyGoodOscillator, "Momentum Indicators", "Pretty Good Oscillator",
    "(close - SMA(close, p)) / EMA(ATR(p), p), TA-Lib's SMA, ATR and EMA: the distance from the average in average true ranges. Not in TA-Lib; reference: pandas-ta pgo.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 2, MAX_PERIOD, "SMA, ATR and EMA length")],
    outputs [OutputSpec::f64("real")]);
