//! TA-Lib's On Balance Volume, `OBV`.

use serde::{Deserialize, Serialize};

use super::{kernel_columns, kernel_decl, one};
use crate::decl::{FromParams, Kernel, OutputSpec, Params};
use crate::error::Result;

/// Streaming state of `OBV`; bars are `(real, volume)`. Starts at the first bar's volume, then
/// adds the volume on an up bar and subtracts it on a down bar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OnBalanceVolume {
    prev: Option<f64>,
    obv: f64,
}

impl FromParams for OnBalanceVolume {
    fn from_params(_: &Params) -> Result<Self> {
        Ok(Self::default())
    }
}

impl Kernel for OnBalanceVolume {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (x, v) = (bar[0], bar[1]);
        match self.prev.replace(x) {
            None => self.obv = v,
            Some(p) if x > p => self.obv += v,
            Some(p) if x < p => self.obv -= v,
            Some(_) => {}
        }
        out[0] = self.obv;
    }
    fn lookback(&self) -> usize {
        0
    }
    fn restart(&mut self) {
        self.prev = None;
        self.obv = 0.0;
    }
    fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
        let ([x, v], [out]) = (inputs, outs) else {
            return false;
        };
        let n = x.len();
        if n == 0 {
            return true;
        }
        // Branch-free: the direction of each bar is a select, not a jump (on a random walk the
        // jumps of `if x > prev {..} else if x < prev {..}` mispredict half the time). Adding
        // `-v` is subtracting `v`, bit for bit; a flat bar keeps the total as it is.
        if (x[0] + v[0]).is_nan() {
            return false;
        }
        let mut obv = v[0];
        out[0] = obv;
        let (xs, ps, vs, os) = (&x[1..], &x[..n - 1], &v[1..], &mut out[1..]);
        let len = xs.len();
        let (ps, vs, os) = (&ps[..len], &vs[..len], &mut os[..len]);
        for j in 0..len {
            let (c, p, vol) = (xs[j], ps[j], vs[j]);
            if (c + vol).is_nan() {
                return false;
            }
            let inc = if c > p { vol } else { -vol };
            let next = obv + inc;
            obv = if c == p { obv } else { next };
            os[j] = obv;
        }
        true
    }
}

kernel_decl!(OBV: OnBalanceVolume, "Volume Indicators", "On Balance Volume",
    "Running total of volume, added on up bars and subtracted on down bars, starting at the first bar's volume. Reference: TA-Lib OBV.",
    inputs ["real": "input series, e.g. close prices", "volume": "volume"],
    params [],
    outputs [OutputSpec::f64("real")]);

/// On balance volume, TA-Lib's `OBV`.
///
/// # Errors
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
#[doc(alias = "OBV")]
pub fn obv(real: &[f64], volume: &[f64]) -> Result<Vec<f64>> {
    kernel_columns(&OnBalanceVolume::default(), &["real", "volume"], &[real, volume]).map(one)
}
