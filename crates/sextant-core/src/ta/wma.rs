use serde::{Deserialize, Serialize};

use crate::decl::{
    run_kernel, Flags, FunctionDecl, InputSpec, Kernel, KernelStream, Module, OutputSpec,
    ParamSpec, StreamDecl,
};
use crate::error::{check_min, check_out_len, Result};

/// Number of leading NaNs of [`wma`]: `timeperiod - 1`.
#[must_use]
pub const fn wma_lookback(timeperiod: usize) -> usize {
    timeperiod.saturating_sub(1)
}

/// Computes the linearly weighted moving average, TA-Lib's `WMA`: weights `1..=p`, newest
/// heaviest, divided by `p (p + 1) / 2`.
///
/// # Errors
/// [`Error::OutOfRange`](crate::Error::OutOfRange) if `timeperiod < 1`.
///
/// # Examples
/// ```
/// let out = sextant_core::ta::wma(&[1.0, 2.0, 4.0], 3).unwrap();
/// assert_eq!(out[2], (1.0 + 2.0 * 2.0 + 3.0 * 4.0) / 6.0);
/// ```
#[doc(alias = "WMA")]
pub fn wma(real: &[f64], timeperiod: usize) -> Result<Vec<f64>> {
    let mut out = vec![0.0; real.len()];
    wma_into(real, timeperiod, &mut out)?;
    Ok(out)
}

/// [`wma`] into a caller-provided buffer of the input's length.
pub fn wma_into(real: &[f64], timeperiod: usize, out: &mut [f64]) -> Result<()> {
    let k = WeightedMovingAverage::new(timeperiod)?;
    check_out_len("real", out.len(), real.len())?;
    run_kernel(&k, &[real], &mut [out]);
    Ok(())
}

/// Streaming state of [`wma`]: the weighted and plain sums of the window, slid per bar in
/// TA-Lib's order (add the new value to the plain sum, drop the trailing one, add `p * x` to
/// the weighted sum, output, then take the plain sum off the weighted one) and summed afresh
/// from the window every `p` bars, so rounding cannot accumulate (TA-Lib 0.8.1's WMA stays
/// within ~1e-15 relative of the exact value on long series; a running sum alone drifts).
#[doc(alias = "WMA")]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightedMovingAverage {
    period: usize,
    buf: Vec<f64>,
    pos: usize,
    count: usize,
    weighted: f64,
    plain: f64,
    /// The value the plain sum drops at the next bar (0 before the first output).
    trailing: f64,
    /// Sliding updates since the sums were last computed from the window.
    since: usize,
}

impl WeightedMovingAverage {
    /// A fresh state; `timeperiod >= 1`.
    pub fn new(timeperiod: usize) -> Result<Self> {
        check_min("timeperiod", timeperiod, 1)?;
        Ok(Self {
            period: timeperiod,
            buf: vec![0.0; timeperiod],
            pos: 0,
            count: 0,
            weighted: 0.0,
            plain: 0.0,
            trailing: 0.0,
            since: 0,
        })
    }

    /// The period.
    #[must_use]
    pub const fn period(&self) -> usize {
        self.period
    }
}

impl Kernel for WeightedMovingAverage {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let x = bar[0];
        let p = self.period;
        if p == 1 {
            // TA-Lib copies the input for a period of 1
            out[0] = x;
            return;
        }
        let pf = p as f64;
        self.buf[self.pos] = x;
        self.pos += 1;
        if self.pos == p {
            self.pos = 0;
        }
        if self.count + 1 < p {
            // warm-up: the i-th value (1-based) has weight i
            self.count += 1;
            self.plain += x;
            self.weighted += x * self.count as f64;
            out[0] = f64::NAN;
            return;
        }
        self.count = p;
        if self.since >= p {
            // oldest first: the slot at the write position, then around the ring
            let (newer, older) = self.buf.split_at(self.pos);
            self.plain = 0.0;
            self.weighted = 0.0;
            for (k, v) in older.iter().chain(newer).enumerate() {
                self.plain += v;
                self.weighted += v * (k + 1) as f64;
            }
            self.since = 0;
        } else {
            self.plain += x;
            self.plain -= self.trailing;
            self.weighted += x * pf;
            self.since += 1;
        }
        // the oldest value of the window (at the write position, the next slot to overwrite)
        self.trailing = self.buf[self.pos];
        out[0] = self.weighted / (pf * (pf + 1.0) / 2.0);
        self.weighted -= self.plain;
    }
    fn lookback(&self) -> usize {
        self.period - 1
    }
    fn restart(&mut self) {
        self.pos = 0;
        self.count = 0;
        self.weighted = 0.0;
        self.plain = 0.0;
        self.trailing = 0.0;
        self.since = 0;
    }
}

/// Declaration of `WMA`.
pub static WMA: FunctionDecl = FunctionDecl {
    name: "WMA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Weighted Moving Average",
    doc: "Linearly weighted average of the last timeperiod values (weights 1..timeperiod, newest heaviest). Reference: TA-Lib WMA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[ParamSpec::int("timeperiod", 30, 1, super::MAX_PERIOD, "number of bars weighted"), crate::decl::NAN_POLICY],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(|p| Ok(wma_lookback(p.usize(0)))),
    compute: |i, p, o| wma_into(i.series(0), p.usize(0), o.f64(0)),
    stream: Some(StreamDecl {
        new: |p| KernelStream::boxed(WeightedMovingAverage::new(p.usize(0))?),
        load: KernelStream::<WeightedMovingAverage>::load,
    }),
};
