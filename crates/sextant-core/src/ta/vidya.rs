//! `VIDYA` (Chande's variable index dynamic average) and `MCGD` (McGinley dynamic): moving
//! averages whose speed adapts to the market. Not in TA-Lib.

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `VIDYA`: `v = a |cmo| x + (1 - a |cmo|) v[t-1]` with `a = 2 / (p + 1)`,
/// Chande's CMO on plain sums of the last `p` up and down moves, and `v` starting from 0 (as
/// pandas-ta and TradingView seed it), so early values climb towards the price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariableIndexDynamic {
    moves: Window,
    prev: Option<f64>,
    value: f64,
    period: usize,
}

impl FromParams for VariableIndexDynamic {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 1)?;
        let period = p.usize(0);
        Ok(Self { moves: Window::new(period), prev: None, value: 0.0, period })
    }
}

impl Kernel for VariableIndexDynamic {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        out[0] = f64::NAN;
        let Some(prev) = self.prev.replace(x) else { return };
        self.moves.push(x - prev);
        if !self.moves.is_full() {
            return;
        }
        // sums over the window each bar: exact whatever the history (p is small)
        let (mut up, mut down) = (0.0, 0.0);
        for d in self.moves.iter() {
            up += d.max(0.0);
            down -= d.min(0.0);
        }
        let total = up + down;
        let cmo = if total > 0.0 { ((up - down) / total).abs() } else { 0.0 };
        let a = 2.0 / (self.period as f64 + 1.0) * cmo;
        self.value = a * x + (1.0 - a) * self.value;
        // still at its zero seed (no move yet): no average to show
        out[0] = if self.value == 0.0 { f64::NAN } else { self.value };
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.moves.clear();
        self.prev = None;
        self.value = 0.0;
    }
}

kernel_decl!(VIDYA: VariableIndexDynamic, "Overlap Studies", "Variable Index Dynamic Average",
    "Chande's VIDYA: an EMA (alpha = 2/(p+1)) whose step is scaled by |CMO| over the last p moves (plain sums, Chande's original CMO), started from 0 (NaN while it is still exactly 0). A window without moves leaves the average unchanged. Not in TA-Lib; reference: pandas-ta vidya (talib=False).",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "CMO window and EMA length")],
    outputs [OutputSpec::f64("real")]);

/// Streaming state of `MCGD`: `md = md[t-1] + (x - md[t-1]) / (c p (x / md[t-1])^4)`, started
/// at the first value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct McGinleyDynamic {
    value: Option<f64>,
    scale: f64,
}

impl FromParams for McGinleyDynamic {
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 1)?;
        Ok(Self { value: None, scale: p.float(1) * p.usize(0) as f64 })
    }
}

impl Kernel for McGinleyDynamic {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        match self.value {
            None => {
                self.value = Some(x);
                out[0] = f64::NAN;
            }
            Some(md) => {
                let r = x / md;
                let next = md + (x - md) / (self.scale * (r * r) * (r * r));
                // a zero average or price has no ratio: restart from the price
                let next = if next.is_finite() { next } else { x };
                self.value = Some(next);
                out[0] = next;
            }
        }
    }
    fn lookback(&self) -> usize {
        1
    }
    fn restart(&mut self) {
        self.value = None;
    }
}

kernel_decl!(MCGD: McGinleyDynamic, "Overlap Studies", "McGinley Dynamic",
    "md = md[t-1] + (x - md[t-1]) / (c p (x / md[t-1])^4), started at the first value: a moving average that speeds up when prices fall away from it. Not in TA-Lib; reference: pandas-ta mcgd.",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("timeperiod", 10, 1, MAX_PERIOD, "nominal length"),
        ParamSpec::float("c", 1.0, 1e-6, 1.0, "McGinley's constant (0.6 in his paper; 1 by default as pandas-ta)"),
    ],
    outputs [OutputSpec::f64("real")]);
