//! TA-Lib's `VORTEX`: the vortex indicator.

use serde::{Deserialize, Serialize};

use super::trange::true_range;
use super::window::SumWindow;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// Streaming state of `VORTEX`; bars are `(high, low, close)`: `sum |high - low[t-1]| / sum TR`
/// and `sum |low - high[t-1]| / sum TR` over p bars; 0 where the true ranges sum to zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vortex {
    plus: SumWindow,
    minus: SumWindow,
    tr: SumWindow,
    period: usize,
    prev: Option<(f64, f64, f64)>,
}

impl FromParams for Vortex {
    fn from_params(p: &Params) -> Result<Self> {
        let n = p.usize(0);
        check_min("timeperiod", n, 1)?;
        Ok(Self {
            plus: SumWindow::new(n),
            minus: SumWindow::new(n),
            tr: SumWindow::new(n),
            period: n,
            prev: None,
        })
    }
}

impl Kernel for Vortex {
    const INPUTS: usize = 3;
    const OUTPUTS: usize = 2;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (h, l, c) = (bar[0], bar[1], bar[2]);
        out.fill(f64::NAN);
        let Some((ph, pl, pc)) = self.prev.replace((h, l, c)) else {
            return;
        };
        let p = self.plus.push((h - pl).abs());
        let m = self.minus.push((l - ph).abs());
        let t = self.tr.push(true_range(h, l, pc));
        if let (Some(p), Some(m), Some(t)) = (p, m, t) {
            if t > 0.0 {
                out[0] = p / t;
                out[1] = m / t;
            } else {
                out[0] = 0.0;
                out[1] = 0.0;
            }
        }
    }
    fn lookback(&self) -> usize {
        self.period
    }
    fn restart(&mut self) {
        self.plus.clear();
        self.minus.clear();
        self.tr.clear();
        self.prev = None;
    }
}

kernel_decl!(VORTEX: Vortex, "Momentum Indicators", "Vortex Indicator",
    "plusvi = sum |high - low[t-1]| / sum TR, minusvi = sum |low - high[t-1]| / sum TR over timeperiod bars. Reference: TA-Lib VORTEX.",
    inputs ["high": "high prices", "low": "low prices", "close": "close prices"],
    params [ParamSpec::int("timeperiod", 14, 1, MAX_PERIOD, "window length")],
    outputs [OutputSpec::f64("plusvi"), OutputSpec::f64("minusvi")]);
