//! TA-Lib's `AO` (Awesome Oscillator) and `AC` (Accelerator Oscillator).

use serde::{Deserialize, Serialize};

use super::sma::SimpleMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `AO` and `AC`; bars are `(high, low)`: `SMA(median, fast) -
/// SMA(median, slow)`, and for AC that minus its `signalperiod` SMA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwesomeOscillator {
    fast: SimpleMovingAverage,
    slow: SimpleMovingAverage,
    signal: Option<SimpleMovingAverage>,
}

impl AwesomeOscillator {
    /// A fresh state; periods `>= 2`; `signalperiod` gives AC.
    pub fn new(fastperiod: usize, slowperiod: usize, signalperiod: Option<usize>) -> Result<Self> {
        check_min("fastperiod", fastperiod, 2)?;
        check_min("slowperiod", slowperiod, 2)?;
        let signal = match signalperiod {
            Some(s) => {
                check_min("signalperiod", s, 2)?;
                Some(SimpleMovingAverage::new(s)?)
            }
            None => None,
        };
        Ok(Self {
            fast: SimpleMovingAverage::new(fastperiod)?,
            slow: SimpleMovingAverage::new(slowperiod)?,
            signal,
        })
    }
}

impl FromParams for AwesomeOscillator {
    fn from_params(p: &Params) -> Result<Self> {
        let signal = p
            .values()
            .get(2)
            .and_then(crate::decl::Value::as_int)
            .and_then(|s| usize::try_from(s).ok());
        Self::new(p.usize(0), p.usize(1), signal)
    }
}

impl Kernel for AwesomeOscillator {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let m = [(bar[0] + bar[1]) / 2.0];
        let (mut f, mut s) = ([0.0], [0.0]);
        self.fast.step(&m, &mut f);
        self.slow.step(&m, &mut s);
        let ao = f[0] - s[0];
        out[0] = match &mut self.signal {
            None => ao,
            Some(sig) if !ao.is_nan() => {
                let mut a = [0.0];
                sig.step(&[ao], &mut a);
                ao - a[0]
            }
            Some(_) => f64::NAN,
        };
    }
    fn lookback(&self) -> usize {
        self.fast.lookback().max(self.slow.lookback())
            + self.signal.as_ref().map_or(0, Kernel::lookback)
    }
    fn restart(&mut self) {
        self.fast.restart();
        self.slow.restart();
        if let Some(s) = &mut self.signal {
            s.restart();
        }
    }
}

/// Streaming state of `AC`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceleratorOscillator(AwesomeOscillator);

impl FromParams for AcceleratorOscillator {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(AwesomeOscillator::new(p.usize(0), p.usize(1), Some(p.usize(2)))?))
    }
}

super::delegate_kernel!(AcceleratorOscillator => AwesomeOscillator);

kernel_decl!(AO: AwesomeOscillator, "Momentum Indicators", "Awesome Oscillator",
    "SMA(median price, fastperiod) - SMA(median price, slowperiod). Reference: TA-Lib AO.",
    inputs ["high": "high prices", "low": "low prices"],
    params [
        ParamSpec::int("fastperiod", 5, 2, MAX_PERIOD, "fast SMA length"),
        ParamSpec::int("slowperiod", 34, 2, MAX_PERIOD, "slow SMA length"),
    ],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(AC: AcceleratorOscillator, "Momentum Indicators", "Accelerator Oscillator",
    "AO - SMA(AO, signalperiod). Reference: TA-Lib AC.",
    inputs ["high": "high prices", "low": "low prices"],
    params [
        ParamSpec::int("fastperiod", 5, 2, MAX_PERIOD, "fast SMA length"),
        ParamSpec::int("slowperiod", 34, 2, MAX_PERIOD, "slow SMA length"),
        ParamSpec::int("signalperiod", 5, 2, MAX_PERIOD, "signal SMA length"),
    ],
    outputs [OutputSpec::f64("real")]);
