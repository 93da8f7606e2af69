//! TA-Lib's `MAVP`: a moving average whose period is chosen bar by bar.

use serde::{Deserialize, Serialize};

use super::macd::{ma_kernel, LateMa};
use super::{kernel_decl, MaKernel, MaType, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params, Unstable};
use crate::error::{Error, Result};

/// The most values the averages of one `MAVP` may keep together (80 MB of f64).
const STATE_LIMIT: usize = 10_000_000;

/// Streaming state of `MAVP`: one average per period in `[minperiod, maxperiod]`, all fed every
/// bar; bar `t` reports the one of period `clamp(trunc(periods[t]), minperiod, maxperiod)`.
///
/// As TA-Lib computes each period's average from the first output bar back, every average's
/// warm-up ends on bar `lookback(maxperiod)`: a shorter average starts consuming bars that much
/// later (its EMA seed is the mean of the `p` values before that bar, not of the first `p`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariablePeriodMa {
    minperiod: usize,
    mas: Vec<LateMa<MaKernel>>,
    lookback: usize,
}

impl VariablePeriodMa {
    /// A fresh state; `2 <= minperiod <= maxperiod`.
    pub fn new(minperiod: usize, maxperiod: usize, matype: i64) -> Result<Self> {
        if minperiod > maxperiod {
            return Err(Error::OutOfRange {
                param: "minperiod".into(),
                value: minperiod.to_string(),
                bound: format!("must be <= maxperiod ({maxperiod})"),
            });
        }
        // one average per period: their windows together hold about sum(p) values
        let state = (minperiod + maxperiod).saturating_mul(maxperiod - minperiod + 1) / 2;
        if state > STATE_LIMIT {
            return Err(Error::OutOfRange {
                param: "maxperiod".into(),
                value: maxperiod.to_string(),
                bound: format!(
                    "MAVP keeps one average per period in [minperiod, maxperiod]: their windows \
                     would hold {state} values, more than the limit of {STATE_LIMIT}; narrow the \
                     period range"
                ),
            });
        }
        let mas = (minperiod..=maxperiod)
            .map(|p| ma_kernel("matype", matype, MaType::Sma, p).map(|m| LateMa::new(m, 0)))
            .collect::<Result<Vec<_>>>()?;
        let mut s = Self { minperiod, mas, lookback: 0 };
        s.align();
        Ok(s)
    }

    /// Skips each average's first bars so that all warm-ups end together.
    fn align(&mut self) {
        self.lookback = self.mas.iter().map(|m| m.ma.lookback()).max().unwrap_or(0);
        for m in &mut self.mas {
            m.skip = self.lookback - m.ma.lookback();
        }
    }
}

impl Kernel for VariablePeriodMa {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (x, period) = (bar[0], bar[1]);
        // TA-Lib truncates the period to an integer, then clamps it
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "clamped")]
        let k = (period.trunc().max(self.minperiod as f64) as usize - self.minperiod)
            .min(self.mas.len() - 1);
        let mut value = f64::NAN;
        for (j, m) in self.mas.iter_mut().enumerate() {
            let v = m.next(x);
            if j == k {
                value = v;
            }
        }
        out[0] = value;
    }
    fn lookback(&self) -> usize {
        self.lookback
    }
    fn restart(&mut self) {
        self.mas.iter_mut().for_each(LateMa::restart);
    }
    fn set_unstable(&mut self, u: &Unstable) {
        for m in &mut self.mas {
            m.ma.set_unstable(u);
        }
        self.align();
    }
}

impl FromParams for VariablePeriodMa {
    fn from_params(p: &Params) -> Result<Self> {
        Self::new(p.usize(0), p.usize(1), p.int(2))
    }
}

kernel_decl!(MAVP: VariablePeriodMa, "Overlap Studies", "Moving average with variable period",
    "At each bar the moving average (matype) whose period is periods[t] truncated to an integer and clamped to [minperiod, maxperiod]; every average's warm-up ends on bar lookback(maxperiod), as TA-Lib computes them. Reference: TA-Lib MAVP.",
    inputs ["real": "input series", "periods": "period to use at each bar"],
    params [
        ParamSpec::int("minperiod", 2, 2, MAX_PERIOD, "smallest period"),
        ParamSpec::int("maxperiod", 30, 2, MAX_PERIOD, "largest period"),
        ParamSpec::matype("matype", 0, "moving-average type"),
        crate::decl::UNSTABLE_PERIOD,
    ],
    outputs [OutputSpec::f64("real")]);
