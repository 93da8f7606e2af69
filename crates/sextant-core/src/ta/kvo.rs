//! `KVO`: the Klinger volume oscillator in its common (pandas-ta, TradingView) form. Not in
//! TA-Lib.

use serde::{Deserialize, Serialize};

use super::ema::ExponentialMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// Streaming state of `KVO`: `EMA(sv, fast) - EMA(sv, slow)` of the signed volume
/// `sv = volume * sign(hlc3 - hlc3[t-1])`, and its EMA over `signalperiod`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KlingerOscillator {
    fast: ExponentialMovingAverage,
    slow: ExponentialMovingAverage,
    signal: ExponentialMovingAverage,
    prev: Option<f64>,
    lookback: usize,
}

impl FromParams for KlingerOscillator {
    fn from_params(p: &Params) -> Result<Self> {
        let fast = ExponentialMovingAverage::new(p.usize(0))?;
        let slow = ExponentialMovingAverage::new(p.usize(1))?;
        let signal = ExponentialMovingAverage::new(p.usize(2))?;
        let lookback = 1 + fast.lookback().max(slow.lookback()) + signal.lookback();
        Ok(Self { fast, slow, signal, prev: None, lookback })
    }
}

impl Kernel for KlingerOscillator {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 2;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let typical = (bar[0] + bar[1] + bar[2]) / 3.0;
        out[0] = f64::NAN;
        out[1] = f64::NAN;
        let Some(prev) = self.prev.replace(typical) else { return };
        let d = typical - prev;
        let sign = if d > 0.0 {
            1.0
        } else if d < 0.0 {
            -1.0
        } else {
            0.0
        };
        let sv = [bar[3] * sign];
        let (mut f, mut s) = ([f64::NAN], [f64::NAN]);
        self.fast.step(&sv, &mut f);
        self.slow.step(&sv, &mut s);
        let kvo = f[0] - s[0];
        if kvo.is_nan() {
            return;
        }
        let mut sig = [f64::NAN];
        self.signal.step(&[kvo], &mut sig);
        if !sig[0].is_nan() {
            out[0] = kvo;
            out[1] = sig[0];
        }
    }
    fn lookback(&self) -> usize {
        self.lookback
    }
    fn restart(&mut self) {
        self.fast.restart();
        self.slow.restart();
        self.signal.restart();
        self.prev = None;
    }
}

kernel_decl!(KVO: KlingerOscillator, "Volume Indicators", "Klinger Volume Oscillator",
    "EMA(sv, fastperiod) - EMA(sv, slowperiod) with sv = volume * sign(hlc3 - hlc3[t-1]) (0 when unchanged), TA-Lib's EMA; signal = EMA(kvo, signalperiod). Both outputs start when the signal does. Not in TA-Lib; reference: pandas-ta kvo.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices", "volume": "volumes"],
    params [
        ParamSpec::int("fastperiod", 34, 2, MAX_PERIOD, "fast EMA length"),
        ParamSpec::int("slowperiod", 55, 2, MAX_PERIOD, "slow EMA length"),
        ParamSpec::int("signalperiod", 13, 1, MAX_PERIOD, "signal EMA length"),
    ],
    outputs [OutputSpec::f64("kvo"), OutputSpec::f64("signal")]);
