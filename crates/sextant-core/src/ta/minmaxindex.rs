//! TA-Lib's `MAXINDEX`, `MININDEX` and `MINMAXINDEX`: the absolute bar index of the rolling
//! extremes (int32, 0 during warm-up).
//!
//! TA-Lib returns indices into the whole input, leading NaNs included; the kernels keep that
//! across interior gaps by counting every bar, NaN bars too (through [`Kernel::gap`]), in a
//! counter that a restart does not clear.

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Result};

/// The rolling highest and lowest with their absolute bar numbers. TA-Lib's tie rules: a new
/// value equal to the current extreme takes its place (newest), a rescan after the extreme left
/// the window keeps the oldest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtremeIndex {
    window: Window,
    period: usize,
    /// Bars seen since construction, NaN bars included (the next bar's absolute index).
    bar: u64,
    hi: (f64, u64),
    lo: (f64, u64),
}

impl ExtremeIndex {
    /// A fresh state; `timeperiod >= 2`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 2)?;
        Ok(Self {
            window: Window::new(timeperiod),
            period: timeperiod,
            bar: 0,
            hi: (0.0, 0),
            lo: (0.0, 0),
        })
    }

    fn rescan(&self, high: bool) -> (f64, u64) {
        let first = self.bar - self.window.len() as u64;
        let mut best = (f64::NAN, first);
        for (i, v) in self.window.iter().enumerate() {
            let better = if high { v > best.0 } else { v < best.0 };
            if i == 0 || better {
                best = (v, first + i as u64);
            }
        }
        best
    }

    /// Pushes a clean bar; `(min index, max index)` once the window is full.
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "bar indices stay far below 2^53")]
    fn push(&mut self, x: f64) -> Option<(f64, f64)> {
        let filling = !self.window.is_full();
        self.window.push(x);
        let now = self.bar;
        self.bar += 1;
        if !self.window.is_full() {
            return None;
        }
        // TA-Lib scans the first full window (ties to the oldest), then updates incrementally
        let first = filling;
        let oldest = self.bar - self.window.len() as u64;
        if first || self.hi.1 < oldest {
            self.hi = self.rescan(true);
        } else if x >= self.hi.0 {
            self.hi = (x, now);
        }
        if first || self.lo.1 < oldest {
            self.lo = self.rescan(false);
        } else if x <= self.lo.0 {
            self.lo = (x, now);
        }
        Some((self.lo.1 as f64, self.hi.1 as f64))
    }
}

macro_rules! index_kernel {
    ($name:ident, $outputs:literal, |$lo:ident, $hi:ident, $out:ident| $write:block) => {
        #[doc = concat!("Streaming state of `", stringify!($name), "`.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $name(ExtremeIndex);

        impl FromParams for $name {
            fn from_params(p: &Params) -> Result<Self> {
                Ok(Self(ExtremeIndex::new(p.usize(0))?))
            }
        }

        impl Kernel for $name {
            const INPUTS: usize = 1;
            const OUTPUTS: usize = $outputs;
            const EMPTY: f64 = 0.0;
            #[inline]
            fn step(&mut self, bar: &[f64], $out: &mut [f64]) {
                match self.0.push(bar[0]) {
                    Some(($lo, $hi)) => $write,
                    None => $out.fill(0.0),
                }
            }
            fn lookback(&self) -> usize {
                self.0.period - 1
            }
            fn restart(&mut self) {
                // the absolute bar counter survives a restart
                self.0.window.clear();
            }
            fn gap(&mut self) {
                self.0.bar += 1;
            }
            fn reset(&mut self) {
                self.0.window.clear();
                self.0.bar = 0;
            }
        }
    };
}

index_kernel!(MaxIndexKernel, 1, |_lo, hi, out| {
    out[0] = hi;
});
index_kernel!(MinIndexKernel, 1, |lo, _hi, out| {
    out[0] = lo;
});
index_kernel!(MinMaxIndexKernel, 2, |lo, hi, out| {
    out[0] = lo;
    out[1] = hi;
});

kernel_decl!(MAXINDEX: MaxIndexKernel, "Math Operators", "Index of highest value over a specified period",
    "Absolute index (into the whole input, NaN bars counted) of the highest of the last timeperiod values; ties: the newest when a bar arrives, the oldest on a rescan. Reference: TA-Lib MAXINDEX.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 30, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::i32("integer")]);
kernel_decl!(MININDEX: MinIndexKernel, "Math Operators", "Index of lowest value over a specified period",
    "Absolute index (into the whole input, NaN bars counted) of the lowest of the last timeperiod values; ties as MAXINDEX. Reference: TA-Lib MININDEX.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 30, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::i32("integer")]);
kernel_decl!(MINMAXINDEX: MinMaxIndexKernel, "Math Operators", "Indexes of lowest and highest values over a specified period",
    "(minidx, maxidx): absolute indices of the lowest and highest of the last timeperiod values. Reference: TA-Lib MINMAXINDEX.",
    inputs ["real": "input series"],
    params [ParamSpec::int("timeperiod", 30, 2, MAX_PERIOD, "window length")],
    outputs [OutputSpec::i32("minidx"), OutputSpec::i32("maxidx")]);
