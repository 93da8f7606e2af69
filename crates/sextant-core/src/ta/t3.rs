use serde::{Deserialize, Serialize};

use crate::decl::{
    kernel_batch, kernel_compute, kernel_lookback, kernel_stream, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params, Unstable, UnstableGate, UnstableId,
};
use crate::error::{check_min, Error, Result};

/// Computes Tillson's T3, TA-Lib's `T3`: six chained EMAs (`k = 2 / (p + 1)`, each seeded with
/// the mean of its first `p` inputs) combined as `c1 e6 + c2 e5 + c3 e4 + c4 e3` with the
/// volume factor `v`; lookback `6 (p - 1)`.
///
/// # Errors
/// [`Error::OutOfRange`] if `timeperiod < 1` or `vfactor` is outside [0, 1].
#[doc(alias = "T3")]
pub fn t3(real: &[f64], timeperiod: usize, vfactor: f64) -> Result<Vec<f64>> {
    Ok(kernel_batch(&TillsonT3::new(timeperiod, vfactor)?, real))
}

/// Streaming state of [`t3`].
#[doc(alias = "T3")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TillsonT3 {
    period: usize,
    vfactor: f64,
    k: f64,
    c: [f64; 4],
    /// Number of EMAs seeded so far (0..=6).
    seeded: usize,
    /// Values accumulated towards the next seed.
    count: usize,
    sum: f64,
    e: [f64; 6],
    gate: UnstableGate,
}

impl TillsonT3 {
    /// A fresh state; `timeperiod >= 1`, `vfactor` in [0, 1].
    pub fn new(timeperiod: usize, vfactor: f64) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        if !(0.0..=1.0).contains(&vfactor) {
            return Err(Error::OutOfRange {
                param: "vfactor".into(),
                value: vfactor.to_string(),
                bound: "must be in [0, 1]".into(),
            });
        }
        let v2 = vfactor * vfactor;
        let c1 = -(v2 * vfactor);
        let c2 = 3.0 * (v2 - c1);
        let c3 = -6.0 * v2 - 3.0 * (vfactor - c1);
        let c4 = 1.0 + 3.0 * vfactor - c1 + 3.0 * v2;
        #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
        let k = 2.0 / (timeperiod as f64 + 1.0);
        Ok(Self {
            period: timeperiod,
            vfactor,
            k,
            c: [c1, c2, c3, c4],
            seeded: 0,
            count: 0,
            sum: 0.0,
            e: [0.0; 6],
            gate: UnstableGate::default(),
        })
    }

    #[inline]
    fn output(&self) -> f64 {
        let [c1, c2, c3, c4] = self.c;
        c1 * self.e[5] + c2 * self.e[4] + c3 * self.e[3] + c4 * self.e[2]
    }
}

impl FromParams for TillsonT3 {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.float(1))
    }
}

impl Kernel for TillsonT3 {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        if self.period == 1 {
            out[0] = self.gate.pass(x);
            return;
        }
        let (k, omk) = (self.k, 1.0 - self.k);
        // update the EMAs already seeded, in chain order
        let mut input = x;
        for e in &mut self.e[..self.seeded] {
            *e = k * input + omk * *e;
            input = *e;
        }
        if self.seeded == 6 {
            out[0] = self.gate.pass(self.output());
            return;
        }
        // `input` feeds the EMA being seeded: its seed is the mean of its first p inputs
        self.sum += input;
        self.count += 1;
        if self.count == self.period {
            self.e[self.seeded] = self.sum / self.period as f64;
            self.seeded += 1;
            self.count = 1;
            self.sum = self.e[self.seeded - 1];
            if self.seeded == 6 {
                out[0] = self.gate.pass(self.output());
                return;
            }
        }
        out[0] = f64::NAN;
    }
    fn lookback(&self) -> usize {
        6 * (self.period - 1) + self.gate.extra()
    }
    fn restart(&mut self) {
        self.seeded = 0;
        self.count = 0;
        self.sum = 0.0;
        self.e = [0.0; 6];
        self.gate.restart();
    }
    fn set_unstable(&mut self, unstable: &Unstable) {
        self.gate.set(unstable.get(UnstableId::T3));
    }
}

/// Declaration of `T3`.
pub static T3: FunctionDecl = FunctionDecl {
    name: "T3",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Triple Exponential Moving Average (T3)",
    doc: "Tillson's T3: six chained EMAs combined with the volume factor vfactor. Reference: TA-Lib T3.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[
        ParamSpec::int("timeperiod", 5, 1, super::MAX_PERIOD, "period of each EMA"),
        ParamSpec::float("vfactor", 0.7, 0.0, 1.0, "volume factor"),
        crate::decl::UNSTABLE_PERIOD, crate::decl::NAN_POLICY,
    ],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<TillsonT3>),
    compute: kernel_compute::<TillsonT3>,
    stream: Some(kernel_stream::<TillsonT3>()),
};
