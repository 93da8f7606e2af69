//! TA-Lib's `SAR` and `SAREXT`: Wilder's parabolic stop-and-reverse.

use serde::{Deserialize, Serialize};

use super::kernel_decl;
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// TA-Lib's `TA_REAL_MAX` bound of float parameters.
const REAL_MAX: f64 = 3e37;

/// Streaming state of `SAR` and `SAREXT`; bars are `(high, low)`. SAREXT writes short
/// positions as negative values; SAR writes them positive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParabolicSar {
    start: f64,
    offset: f64,
    init_long: f64,
    step_long: f64,
    max_long: f64,
    init_short: f64,
    step_short: f64,
    max_short: f64,
    signed: bool,
    // state
    bars: u64,
    is_long: bool,
    af_long: f64,
    af_short: f64,
    ep: f64,
    sar: f64,
    prev_high: f64,
    prev_low: f64,
}

impl ParabolicSar {
    /// SAREXT's configuration (TA-Lib's coherence fixes applied: an initial or step
    /// acceleration above its maximum is lowered to it).
    #[allow(clippy::too_many_arguments, reason = "TA-Lib's SAREXT parameters")]
    fn new(
        start: f64,
        offset: f64,
        init_long: f64,
        step_long: f64,
        max_long: f64,
        init_short: f64,
        step_short: f64,
        max_short: f64,
        signed: bool,
    ) -> Self {
        Self {
            start,
            offset,
            init_long: init_long.min(max_long),
            step_long: step_long.min(max_long),
            max_long,
            init_short: init_short.min(max_short),
            step_short: step_short.min(max_short),
            max_short,
            signed,
            bars: 0,
            is_long: true,
            af_long: 0.0,
            af_short: 0.0,
            ep: 0.0,
            sar: 0.0,
            prev_high: 0.0,
            prev_low: 0.0,
        }
    }

    #[inline]
    fn short_out(&self, v: f64) -> f64 {
        if self.signed {
            -v
        } else {
            v
        }
    }

    /// One bar of TA-Lib's loop: `prev_*` are the previous bar's range (the current bar's on
    /// the first output). Returns the output.
    #[inline]
    fn advance(&mut self, high: f64, low: f64, prev_high: f64, prev_low: f64) -> f64 {
        let out;
        if self.is_long {
            if low <= self.sar {
                self.is_long = false;
                let mut s = self.ep.max(prev_high).max(high);
                if self.offset != 0.0 {
                    s += s * self.offset;
                }
                out = self.short_out(s);
                self.af_short = self.init_short;
                self.ep = low;
                self.sar = (s + self.af_short * (self.ep - s)).max(prev_high).max(high);
            } else {
                out = self.sar;
                if high > self.ep {
                    self.ep = high;
                    self.af_long = (self.af_long + self.step_long).min(self.max_long);
                }
                self.sar = (self.sar + self.af_long * (self.ep - self.sar)).min(prev_low).min(low);
            }
        } else if high >= self.sar {
            self.is_long = true;
            let mut s = self.ep.min(prev_low).min(low);
            if self.offset != 0.0 {
                s -= s * self.offset;
            }
            out = s;
            self.af_long = self.init_long;
            self.ep = high;
            self.sar = (s + self.af_long * (self.ep - s)).min(prev_low).min(low);
        } else {
            out = self.short_out(self.sar);
            if low < self.ep {
                self.ep = low;
                self.af_short = (self.af_short + self.step_short).min(self.max_short);
            }
            self.sar = (self.sar + self.af_short * (self.ep - self.sar)).max(prev_high).max(high);
        }
        out
    }
}

// `f64::max`/`min` differ from TA-Lib's `if (sar < x) sar = x` only for NaN operands, which
// clean bars never contain.

impl Kernel for ParabolicSar {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (high, low) = (bar[0], bar[1]);
        self.bars += 1;
        if self.bars == 1 {
            self.prev_high = high;
            self.prev_low = low;
            out[0] = f64::NAN;
            return;
        }
        let (prev_high, prev_low) = if self.bars == 2 {
            // initial direction: long unless -DM(1) between the two bars is positive
            if self.start == 0.0 {
                let up = high - self.prev_high;
                let down = self.prev_low - low;
                let minus_dm = if down > 0.0 && up < down { down } else { 0.0 };
                self.is_long = minus_dm <= 0.0;
                self.sar = if self.is_long { self.prev_low } else { self.prev_high };
            } else {
                self.is_long = self.start > 0.0;
                self.sar = self.start.abs();
            }
            self.ep = if self.is_long { high } else { low };
            self.af_long = self.init_long;
            self.af_short = self.init_short;
            (high, low)
        } else {
            (self.prev_high, self.prev_low)
        };
        out[0] = self.advance(high, low, prev_high, prev_low);
        self.prev_high = high;
        self.prev_low = low;
    }
    fn lookback(&self) -> usize {
        1
    }
    fn restart(&mut self) {
        self.bars = 0;
    }
}

/// Streaming state of `SAR`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SarKernel(ParabolicSar);

impl FromParams for SarKernel {
    fn from_params(p: &Params) -> Result<Self> {
        let (acc, max) = (p.float(0), p.float(1));
        Ok(Self(ParabolicSar::new(0.0, 0.0, acc, acc, max, acc, acc, max, false)))
    }
}

impl Kernel for SarKernel {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.0.step(bar, out);
    }
    fn lookback(&self) -> usize {
        1
    }
    fn restart(&mut self) {
        self.0.restart();
    }
}

/// Streaming state of `SAREXT`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SarExtKernel(ParabolicSar);

impl FromParams for SarExtKernel {
    fn from_params(p: &Params) -> Result<Self> {
        let f = |i| p.float(i);
        Ok(Self(ParabolicSar::new(f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7), true)))
    }
}

impl Kernel for SarExtKernel {
    const INPUTS: usize = 2;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.0.step(bar, out);
    }
    fn lookback(&self) -> usize {
        1
    }
    fn restart(&mut self) {
        self.0.restart();
    }
}

kernel_decl!(SAR: SarKernel, "Overlap Studies", "Parabolic SAR",
    "Wilder's parabolic stop-and-reverse; the first direction is long unless the second bar's -DM is positive. Reference: TA-Lib SAR.",
    inputs ["high": "high prices", "low": "low prices"],
    params [
        ParamSpec::float("acceleration", 0.02, 0.0, REAL_MAX, "acceleration factor step and start"),
        ParamSpec::float("maximum", 0.2, 0.0, REAL_MAX, "acceleration factor maximum"),
    ],
    outputs [OutputSpec::f64("real")]);
kernel_decl!(SAREXT: SarExtKernel, "Overlap Studies", "Parabolic SAR - Extended",
    "Parabolic SAR with a start value (> 0 long at it, < 0 short at its magnitude, 0 as SAR), an offset on reversal and separate long/short acceleration factors; short positions are negative. Reference: TA-Lib SAREXT.",
    inputs ["high": "high prices", "low": "low prices"],
    params [
        ParamSpec::float("startvalue", 0.0, -REAL_MAX, REAL_MAX, "start value and direction (0: automatic)"),
        ParamSpec::float("offsetonreverse", 0.0, 0.0, REAL_MAX, "fraction added to the SAR on reversal"),
        ParamSpec::float("accelerationinitlong", 0.02, 0.0, REAL_MAX, "initial long acceleration"),
        ParamSpec::float("accelerationlong", 0.02, 0.0, REAL_MAX, "long acceleration step"),
        ParamSpec::float("accelerationmaxlong", 0.2, 0.0, REAL_MAX, "long acceleration maximum"),
        ParamSpec::float("accelerationinitshort", 0.02, 0.0, REAL_MAX, "initial short acceleration"),
        ParamSpec::float("accelerationshort", 0.02, 0.0, REAL_MAX, "short acceleration step"),
        ParamSpec::float("accelerationmaxshort", 0.2, 0.0, REAL_MAX, "short acceleration maximum"),
    ],
    outputs [OutputSpec::f64("real")]);
