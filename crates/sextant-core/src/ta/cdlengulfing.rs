use serde::{Deserialize, Serialize};

use crate::decl::{
    clean_runs, Flags, FunctionDecl, InputSpec, Kernel, KernelStream, Module, OutputSpec,
    StreamDecl,
};
use crate::error::{check_out_len, check_same_len, Result};

/// Number of leading zeros of [`cdlengulfing`]: 2, as TA-Lib declares it.
#[must_use]
pub const fn cdlengulfing_lookback() -> usize {
    2
}

/// TA-Lib's candle colour: 1 for white (close >= open), -1 for black.
#[inline]
fn color(open: f64, close: f64) -> i32 {
    if close >= open {
        1
    } else {
        -1
    }
}

/// The engulfing rule on two consecutive candles `(o1, c1)` then `(o2, c2)`.
#[inline]
fn engulfing(o1: f64, c1: f64, o2: f64, c2: f64) -> i32 {
    let (k1, k2) = (color(o1, c1), color(o2, c2));
    let bullish = k2 == 1 && k1 == -1 && ((c2 >= o1 && o2 < c1) || (c2 > o1 && o2 <= c1));
    let bearish = k2 == -1 && k1 == 1 && ((o2 >= c1 && c2 < o1) || (o2 > c1 && c2 <= o1));
    if !(bullish || bearish) {
        0
    } else if o2 != c1 && c2 != o1 {
        k2 * 100
    } else {
        k2 * 80
    }
}

/// Detects the engulfing pattern, TA-Lib's `CDLENGULFING`: +100 / -100 when the second
/// candle's body engulfs the opposite-coloured first body on both ends, +80 / -80 when one end
/// is equal, 0 otherwise (int32; 0 during the 2-bar lookback and on NaN bars).
///
/// # Errors
/// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
///
/// # Examples
/// ```
/// let o = [10.0, 9.0, 8.5, 10.5];
/// let h = [11.0; 4];
/// let l = [8.0; 4];
/// let c = [9.0, 9.5, 10.0, 8.4];
/// assert_eq!(sextant_core::ta::cdlengulfing(&o, &h, &l, &c).unwrap(), vec![0, 0, 0, -100]);
/// ```
#[doc(alias = "CDLENGULFING")]
#[doc(alias = "engulfing pattern")]
pub fn cdlengulfing(open: &[f64], high: &[f64], low: &[f64], close: &[f64]) -> Result<Vec<i32>> {
    let mut out = vec![0; close.len()];
    cdlengulfing_into(open, high, low, close, &mut out)?;
    Ok(out)
}

/// [`cdlengulfing`] into a caller-provided int32 buffer of the inputs' length.
pub fn cdlengulfing_into(
    open: &[f64],
    high: &[f64],
    low: &[f64],
    close: &[f64],
    out: &mut [i32],
) -> Result<()> {
    check_same_len("high", high.len(), "open", open.len())?;
    check_same_len("low", low.len(), "open", open.len())?;
    check_same_len("close", close.len(), "open", open.len())?;
    check_out_len("integer", out.len(), open.len())?;
    let lb = cdlengulfing_lookback();
    for run in clean_runs(&[open, high, low, close]) {
        match run {
            Err(i) => out[i] = 0,
            Ok(r) => {
                let warm = (r.start + lb).min(r.end);
                out[r.start..warm].fill(0);
                for i in warm..r.end {
                    out[i] = engulfing(open[i - 1], close[i - 1], open[i], close[i]);
                }
            }
        }
    }
    Ok(())
}

/// Streaming state of [`cdlengulfing`]; bars are `(open, high, low, close)`, outputs the
/// pattern code as a float (0.0 during warm-up).
#[doc(alias = "CDLENGULFING")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Engulfing {
    prev: Option<(f64, f64)>,
    count: usize,
}

impl Engulfing {
    /// A fresh state.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl std::fmt::Display for Engulfing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CDLENGULFING")
    }
}

impl Kernel for Engulfing {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 1;
    const EMPTY: f64 = 0.0;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        let (o, c) = (bar[0], bar[3]);
        let prev = self.prev.replace((o, c));
        self.count += 1;
        out[0] = match prev {
            Some((o1, c1)) if self.count > cdlengulfing_lookback() => {
                f64::from(engulfing(o1, c1, o, c))
            }
            _ => 0.0,
        };
    }
    fn lookback(&self) -> usize {
        cdlengulfing_lookback()
    }
    fn restart(&mut self) {
        *self = Self::default();
    }
}

/// Declaration of `CDLENGULFING`.
pub static CDLENGULFING: FunctionDecl = FunctionDecl {
    name: "CDLENGULFING",
    module: Module::Ta,
    group: "Pattern Recognition",
    summary: "Engulfing Pattern",
    doc: "+-100 when the body of a candle engulfs the opposite-coloured body before it, +-80 when one end is equal. Reference: TA-Lib CDLENGULFING.",
    inputs: &[
        InputSpec::series("open", "open prices"),
        InputSpec::series("high", "high prices"),
        InputSpec::series("low", "low prices"),
        InputSpec::series("close", "close prices"),
    ],
    params: &[crate::decl::NAN_POLICY],
    outputs: &[OutputSpec::i32("integer")],
    flags: Flags::NONE,
    lookback: Some(|_| Ok(cdlengulfing_lookback())),
    compute: |i, _, o| cdlengulfing_into(i.series(0), i.series(1), i.series(2), i.series(3), o.i32(0)),
    stream: Some(StreamDecl { new: |_| KernelStream::boxed(Engulfing::new()), load: KernelStream::<Engulfing>::load }),
};
