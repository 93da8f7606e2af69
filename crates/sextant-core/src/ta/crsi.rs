//! `CRSI`: Connors RSI (Connors and Alvarez): the mean of a short RSI, an RSI of the up/down
//! streak length and the percentile rank of today's return. Not in TA-Lib.

use serde::{Deserialize, Serialize};

use super::rsi::RelativeStrengthIndex;
use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `CRSI`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnorsRsi {
    rsi: RelativeStrengthIndex,
    streak_rsi: RelativeStrengthIndex,
    /// The last `rankperiod + 1` one-bar returns.
    returns: Window,
    prev: Option<f64>,
    streak: f64,
    lookback: usize,
}

impl FromParams for ConnorsRsi {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("rankperiod", p.usize(2), 1)?;
        let rsi = RelativeStrengthIndex::new(p.usize(0))?;
        let streak_rsi = RelativeStrengthIndex::new(p.usize(1))?;
        let lookback = rsi.lookback().max(streak_rsi.lookback()).max(p.usize(2) + 1);
        Ok(Self {
            rsi,
            streak_rsi,
            returns: Window::new(p.usize(2) + 1),
            prev: None,
            streak: 0.0,
            lookback,
        })
    }
}

impl Kernel for ConnorsRsi {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        let mut r = [f64::NAN];
        self.rsi.step(bar, &mut r);
        if let Some(prev) = self.prev.replace(x) {
            self.streak = if x > prev {
                self.streak.max(0.0) + 1.0
            } else if x < prev {
                self.streak.min(0.0) - 1.0
            } else {
                0.0
            };
            // a zero previous price has no return: it ranks as no change
            self.returns.push(if prev == 0.0 { 0.0 } else { x / prev - 1.0 });
        }
        let mut s = [f64::NAN];
        self.streak_rsi.step(&[self.streak], &mut s);
        out[0] = f64::NAN;
        if !self.returns.is_full() || r[0].is_nan() || s[0].is_nan() {
            return;
        }
        let today = self.returns.ago(0);
        let n = self.returns.len() - 1;
        let below = (1..=n).filter(|&k| self.returns.ago(k) < today).count();
        let rank = 100.0 * below as f64 / n as f64;
        out[0] = (r[0] + s[0] + rank) / 3.0;
    }
    fn lookback(&self) -> usize {
        self.lookback
    }
    fn restart(&mut self) {
        self.rsi.restart();
        self.streak_rsi.restart();
        self.returns.clear();
        self.prev = None;
        self.streak = 0.0;
    }
}

kernel_decl!(CRSI: ConnorsRsi, "Momentum Indicators", "Connors RSI",
    "(RSI(close, rsiperiod) + RSI(streak, streakperiod) + percent rank) / 3: the streak counts consecutive up (1, 2, ...) or down (-1, -2, ...) closes, 0 on no change; the rank is the share of the previous rankperiod one-bar returns below today's. RSI is TA-Lib's (Wilder). Not in TA-Lib; reference: the Connors-Alvarez definition computed in numpy with talib.RSI (pandas-ta's crsi uses the one-bar sign instead of the streak).",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("rsiperiod", 3, 2, MAX_PERIOD, "RSI length of the price"),
        ParamSpec::int("streakperiod", 2, 2, MAX_PERIOD, "RSI length of the streak"),
        ParamSpec::int("rankperiod", 100, 1, MAX_PERIOD, "number of past returns ranked against today's"),
    ],
    outputs [OutputSpec::f64("real")]);
