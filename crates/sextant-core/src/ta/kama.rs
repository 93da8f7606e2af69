use serde::{Deserialize, Serialize};

use crate::decl::{
    kernel_batch, kernel_compute, kernel_lookback, kernel_stream, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params, Unstable, UnstableGate, UnstableId,
};
use crate::error::{check_min, Result};

/// Computes Kaufman's adaptive moving average, TA-Lib's `KAMA` (fast 2, slow 30).
///
/// Efficiency ratio `ER = |x[t] - x[t-p]| / sum |x[i] - x[i-1]|` over the last `p` changes (1
/// when the path length does not exceed the net change, as TA-Lib), smoothing
/// `sc = (ER (2/3 - 2/31) + 2/31)^2`, `kama += sc (x - kama)`, started from the previous price;
/// lookback `p`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
#[doc(alias = "KAMA")]
pub fn kama(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    Ok(kernel_batch(&KaufmanAdaptiveMovingAverage::new(timeperiod)?, real))
}

/// Streaming state of [`kama`]: the last `p + 1` prices, the path length and the average.
#[doc(alias = "KAMA")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KaufmanAdaptiveMovingAverage {
    period: usize,
    buf: Vec<f64>,
    pos: usize,
    count: usize,
    path: f64,
    /// Consecutive one-bar changes that were exactly zero: once they fill the window the path
    /// is exactly zero and the running sum's rounding residue is dropped (TA-Lib 0.8.1 then
    /// takes the efficiency ratio as 1; checked on a stochastic %K plateau).
    zero_run: usize,
    kama: f64,
    gate: UnstableGate,
}

const SLOW: f64 = 2.0 / (30.0 + 1.0);
const DIFF: f64 = 2.0 / (2.0 + 1.0) - SLOW;

impl KaufmanAdaptiveMovingAverage {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self {
            period: timeperiod,
            buf: vec![0.0; timeperiod + 1],
            pos: 0,
            count: 0,
            path: 0.0,
            zero_run: 0,
            kama: 0.0,
            gate: UnstableGate::default(),
        })
    }

    /// The value `back` bars ago (0 = the newest), once at least `back + 1` values are in.
    #[inline]
    fn ago(&self, back: usize) -> f64 {
        let n = self.buf.len();
        self.buf[(self.pos + n - 1 - back) % n]
    }
}

impl FromParams for KaufmanAdaptiveMovingAverage {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0))
    }
}

impl Kernel for KaufmanAdaptiveMovingAverage {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        let p = self.period;
        if p == 1 {
            out[0] = self.gate.pass(x);
            return;
        }
        let n = self.buf.len();
        // the value leaving the path sum: the change from x[t-p-1] to x[t-p]
        let leaving = if self.count > p { Some((self.ago(p), self.ago(p - 1))) } else { None };
        self.buf[self.pos] = x;
        self.pos = (self.pos + 1) % n;
        self.count += 1;
        if self.count <= p {
            if self.count >= 2 {
                self.path += (self.ago(1) - x).abs();
                self.zero_run = if x == self.ago(1) { self.zero_run + 1 } else { 0 };
            }
            out[0] = f64::NAN;
            return;
        }
        if self.count == p + 1 {
            self.path += (self.ago(1) - x).abs();
            self.kama = self.ago(1);
        } else if let Some((older, old)) = leaving {
            self.path -= (older - old).abs();
            self.path += (x - self.ago(1)).abs();
        }
        self.zero_run = if x == self.ago(1) { self.zero_run + 1 } else { 0 };
        if self.zero_run >= p {
            self.zero_run = p;
            self.path = 0.0;
        }
        let roc = x - self.ago(p);
        let er = if self.path <= roc || self.path <= 0.0 { 1.0 } else { (roc / self.path).abs() };
        let mut sc = er * DIFF + SLOW;
        sc *= sc;
        self.kama = (x - self.kama) * sc + self.kama;
        out[0] = self.gate.pass(self.kama);
    }
    fn lookback(&self) -> usize {
        if self.period == 1 {
            self.gate.extra()
        } else {
            self.period + self.gate.extra()
        }
    }
    fn set_unstable(&mut self, unstable: &Unstable) {
        self.gate.set(unstable.get(UnstableId::Kama));
    }
    fn restart(&mut self) {
        self.pos = 0;
        self.count = 0;
        self.path = 0.0;
        self.zero_run = 0;
        self.kama = 0.0;
        self.gate.restart();
    }
}

/// Declaration of `KAMA`.
pub static KAMA: FunctionDecl = FunctionDecl {
    name: "KAMA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Kaufman Adaptive Moving Average",
    doc: "EMA-like average whose factor follows the efficiency ratio of the last timeperiod changes (fast 2, slow 30). Reference: TA-Lib KAMA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[ParamSpec::int("timeperiod", 30, 1, super::MAX_PERIOD, "efficiency-ratio window"), crate::decl::UNSTABLE_PERIOD, crate::decl::NAN_POLICY],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<KaufmanAdaptiveMovingAverage>),
    compute: kernel_compute::<KaufmanAdaptiveMovingAverage>,
    stream: Some(kernel_stream::<KaufmanAdaptiveMovingAverage>()),
};
