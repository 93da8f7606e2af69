//! `ICHIMOKU` (Hosoda's Ichimoku Kinko Hyo lines) and `ALLIGATOR` (Bill Williams' three
//! smoothed averages). Not in TA-Lib. Both are usually drawn shifted forward; Sextant returns
//! every value on the bar it is computed from and leaves the plotting offset to the chart.

use serde::{Deserialize, Serialize};

use super::midpoint::MidRange;
use super::rma::WilderMovingAverage;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// Streaming state of `ICHIMOKU`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ichimoku {
    tenkan: MidRange,
    kijun: MidRange,
    senkou: MidRange,
    lookback: usize,
}

impl FromParams for Ichimoku {
    fn from_params(p: &Params) -> Result<Self> {
        let (t, k, s) = (p.usize(0), p.usize(1), p.usize(2));
        Ok(Self {
            tenkan: MidRange::new(t)?,
            kijun: MidRange::new(k)?,
            senkou: MidRange::new(s)?,
            lookback: t.max(k).max(s) - 1,
        })
    }
}

impl Kernel for Ichimoku {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 4;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l) = (bar[0], bar[1]);
        let mid = |r: Option<(f64, f64)>| r.map_or(f64::NAN, |(hi, lo)| (hi + lo) / 2.0);
        let t = mid(self.tenkan.push(h, l));
        let k = mid(self.kijun.push(h, l));
        let s = mid(self.senkou.push(h, l));
        if s.is_nan() || t.is_nan() || k.is_nan() {
            out.fill(f64::NAN);
        } else {
            out[0] = t;
            out[1] = k;
            out[2] = 0.5 * (t + k);
            out[3] = s;
        }
    }
    fn lookback(&self) -> usize {
        self.lookback
    }
    fn restart(&mut self) {
        self.tenkan.clear();
        self.kijun.clear();
        self.senkou.clear();
    }
}

kernel_decl!(ICHIMOKU: Ichimoku, "Overlap Studies", "Ichimoku Kinko Hyo",
    "tenkan = (highest high + lowest low) / 2 over tenkanperiod, kijun the same over kijunperiod, senkou A = (tenkan + kijun) / 2, senkou B the midpoint over senkouperiod; the spans are returned on the bar they are computed from (charts draw them kijunperiod - 1 bars ahead, and the lagging span is the close drawn behind). All four start together. Not in TA-Lib; reference: pandas-ta ichimoku, spans shifted back.",
    inputs ["high": "high prices", "low": "low prices"],
    params [
        ParamSpec::int("tenkanperiod", 9, 2, MAX_PERIOD, "conversion line window"),
        ParamSpec::int("kijunperiod", 26, 2, MAX_PERIOD, "base line window"),
        ParamSpec::int("senkouperiod", 52, 2, MAX_PERIOD, "leading span B window"),
    ],
    outputs [OutputSpec::f64("tenkan"), OutputSpec::f64("kijun"), OutputSpec::f64("senkou_a"), OutputSpec::f64("senkou_b")]);

/// Streaming state of `ALLIGATOR`: Wilder-smoothed (SMMA) averages over the jaw, teeth and
/// lips periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alligator {
    lines: [WilderMovingAverage; 3],
}

impl FromParams for Alligator {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self {
            lines: [
                WilderMovingAverage::new(p.usize(0))?,
                WilderMovingAverage::new(p.usize(1))?,
                WilderMovingAverage::new(p.usize(2))?,
            ],
        })
    }
}

impl Kernel for Alligator {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 3;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        for (line, o) in self.lines.iter_mut().zip(out.iter_mut()) {
            let mut v = [f64::NAN];
            line.step(bar, &mut v);
            *o = v[0];
        }
        if out.iter().any(|v| v.is_nan()) {
            out.fill(f64::NAN);
        }
    }
    fn lookback(&self) -> usize {
        self.lines.iter().map(Kernel::lookback).max().unwrap_or(0)
    }
    fn restart(&mut self) {
        self.lines.iter_mut().for_each(Kernel::restart);
    }
}

kernel_decl!(ALLIGATOR: Alligator, "Overlap Studies", "Williams Alligator",
    "Three smoothed moving averages (SMMA: SMA seed, then (prev (p - 1) + x) / p) of the input (Williams uses the median price hl2): jaw, teeth and lips, unshifted (Williams draws them 8, 5 and 3 bars ahead). All three start with the slowest. Not in TA-Lib; reference: pandas-ta alligator.",
    inputs ["real": "input series (median price for Williams' form)"],
    params [
        ParamSpec::int("jawperiod", 13, 1, MAX_PERIOD, "jaw length"),
        ParamSpec::int("teethperiod", 8, 1, MAX_PERIOD, "teeth length"),
        ParamSpec::int("lipsperiod", 5, 1, MAX_PERIOD, "lips length"),
    ],
    outputs [OutputSpec::f64("jaw"), OutputSpec::f64("teeth"), OutputSpec::f64("lips")]);
