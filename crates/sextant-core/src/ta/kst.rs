//! `KST`: Pring's Know Sure Thing, a weighted sum of four smoothed rates of change. Not in
//! TA-Lib.

use serde::{Deserialize, Serialize};

use super::roc::{ChangeKind, PriceChange};
use super::sma::SimpleMovingAverage;
use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// Streaming state of `KST`: `sum_k k * SMA(ROC(roc_k), sma_k)`, k = 1..4, and its simple
/// moving average over `signalperiod`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowSureThing {
    rocs: Vec<PriceChange>,
    smas: Vec<SimpleMovingAverage>,
    signal: Window,
    warm: usize,
}

impl FromParams for KnowSureThing {
    fn from_params(p: &Params) -> Result<Self> {
        let mut rocs = Vec::with_capacity(4);
        let mut smas = Vec::with_capacity(4);
        let mut warm = 0;
        for k in 0..4 {
            rocs.push(PriceChange::new(p.usize(k), ChangeKind::Roc)?);
            smas.push(SimpleMovingAverage::new(p.usize(4 + k))?);
            warm = warm.max(p.usize(k) + p.usize(4 + k) - 1);
        }
        let signal = Window::new(p.usize(8).max(1));
        Ok(Self { rocs, smas, signal, warm: warm + p.usize(8) - 1 })
    }
}

impl Kernel for KnowSureThing {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 2;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "k <= 4")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let mut kst = 0.0;
        for (k, (roc, sma)) in self.rocs.iter_mut().zip(&mut self.smas).enumerate() {
            let mut r = [f64::NAN];
            roc.step(bar, &mut r);
            let mut m = [f64::NAN];
            if !r[0].is_nan() {
                sma.step(&r, &mut m);
            }
            kst += (k + 1) as f64 * m[0];
        }
        out[0] = f64::NAN;
        out[1] = f64::NAN;
        if kst.is_nan() {
            return;
        }
        self.signal.push(kst);
        if self.signal.is_full() {
            out[0] = kst;
            out[1] = self.signal.iter().sum::<f64>() / self.signal.len() as f64;
        }
    }
    fn lookback(&self) -> usize {
        self.warm
    }
    fn restart(&mut self) {
        self.rocs.iter_mut().for_each(Kernel::restart);
        self.smas.iter_mut().for_each(Kernel::restart);
        self.signal.clear();
    }
}

kernel_decl!(KST: KnowSureThing, "Momentum Indicators", "Know Sure Thing",
    "Pring's KST: SMA(ROC(roc1), sma1) + 2 SMA(ROC(roc2), sma2) + 3 SMA(ROC(roc3), sma3) + 4 SMA(ROC(roc4), sma4), ROC in percent; signal = SMA(KST, signalperiod). Both outputs start when the signal does. Not in TA-Lib; reference: pandas-ta kst divided by its extra factor 100 (StockCharts' scale).",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("roc1", 10, 1, MAX_PERIOD, "first ROC length"),
        ParamSpec::int("roc2", 15, 1, MAX_PERIOD, "second ROC length"),
        ParamSpec::int("roc3", 20, 1, MAX_PERIOD, "third ROC length"),
        ParamSpec::int("roc4", 30, 1, MAX_PERIOD, "fourth ROC length"),
        ParamSpec::int("sma1", 10, 1, MAX_PERIOD, "smoothing of the first ROC"),
        ParamSpec::int("sma2", 10, 1, MAX_PERIOD, "smoothing of the second ROC"),
        ParamSpec::int("sma3", 10, 1, MAX_PERIOD, "smoothing of the third ROC"),
        ParamSpec::int("sma4", 15, 1, MAX_PERIOD, "smoothing of the fourth ROC"),
        ParamSpec::int("signalperiod", 9, 1, MAX_PERIOD, "signal SMA length"),
    ],
    outputs [OutputSpec::f64("kst"), OutputSpec::f64("signal")]);
