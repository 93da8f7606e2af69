//! Moving averages with a fixed weight profile over the window (not in TA-Lib): `ALMA`
//! (Arnaud Legoux), `SINWMA` (sine-weighted), `PWMA` (Pascal's triangle), `FWMA` (Fibonacci)
//! and `SWMA` (symmetric triangle). One kernel, [`FixedWeights`], serves all five; each
//! declaration only says how its weights are made.

use serde::{Deserialize, Serialize};

use super::window::Window;
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, Kernel, OutputSpec, ParamSpec, Params};
use crate::error::{check_min, Error, Result};

/// Streaming state of a fixed-weight moving average: `sum_j w[j] * x[t - p + 1 + j]` once `p`
/// values are in (the weights sum to 1; `w[0]` weighs the oldest value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedWeights {
    weights: Vec<f64>,
    window: Window,
}

impl FixedWeights {
    /// A kernel over `weights` (oldest first), normalised to sum to 1.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] if the weights are empty or do not have a positive finite sum.
    pub fn new(mut weights: Vec<f64>) -> Result<Self> {
        let total: f64 = weights.iter().sum();
        if weights.is_empty() || !(total.is_finite() && total > 0.0) {
            return Err(Error::InvalidInput {
                input: "weights".into(),
                reason: "the weights must be non-empty with a positive finite sum".into(),
            });
        }
        for w in &mut weights {
            *w /= total;
        }
        let window = Window::new(weights.len());
        Ok(Self { weights, window })
    }

    /// The normalised weights, oldest first.
    #[must_use]
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
}

impl Kernel for FixedWeights {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.window.push(bar[0]);
        out[0] = if self.window.is_full() {
            self.window.iter().zip(&self.weights).map(|(x, w)| x * w).sum()
        } else {
            f64::NAN
        };
    }
    fn lookback(&self) -> usize {
        self.weights.len() - 1
    }
    fn restart(&mut self) {
        self.window.clear();
    }
}

/// ALMA's weights: a Gaussian centred at `offset * (p - 1)` (floored when `floor`) with
/// standard deviation `p / sigma`.
#[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
fn alma_weights(p: usize, sigma: f64, offset: f64, floor: bool) -> Vec<f64> {
    let m = offset * (p - 1) as f64;
    let m = if floor { m.floor() } else { m };
    (0..p)
        .map(|i| {
            let z = (sigma / p as f64) * (i as f64 - m);
            libm::exp(-0.5 * z * z)
        })
        .collect()
}

/// Row `p - 1` of Pascal's triangle: `C(p - 1, j)`, built by the multiplicative recurrence.
#[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
fn pascal_weights(p: usize) -> Vec<f64> {
    let n = p - 1;
    let mut w = Vec::with_capacity(p);
    let mut c = 1.0_f64;
    for j in 0..p {
        w.push(c);
        c = c * (n - j) as f64 / (j + 1) as f64;
    }
    w
}

/// The first `p` Fibonacci numbers 1, 1, 2, 3, 5, ...: the newest value weighs most.
fn fibonacci_weights(p: usize) -> Vec<f64> {
    let mut w = Vec::with_capacity(p);
    let (mut a, mut b) = (1.0_f64, 1.0_f64);
    for _ in 0..p {
        w.push(a);
        (a, b) = (b, a + b);
    }
    w
}

/// The symmetric triangle 1, 2, ..., 2, 1 of length `p` (1, 2, 2, 1 for 4; 1, 2, 3, 2, 1 for 5).
#[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
fn triangle_weights(p: usize) -> Vec<f64> {
    (0..p).map(|j| (j.min(p - 1 - j) + 1) as f64).collect()
}

/// `sin((j + 1) pi / (p + 1))`, a half sine wave over the window.
#[allow(clippy::cast_precision_loss, reason = "periods are <= 100000")]
fn sine_weights(p: usize) -> Vec<f64> {
    (0..p).map(|j| libm::sin((j + 1) as f64 * std::f64::consts::PI / (p + 1) as f64)).collect()
}

macro_rules! weighted_ma {
    ($kernel:ident, $decl:ident, $weights:expr, $min:literal, $summary:literal, $doc:literal, default $def:literal) => {
        #[doc = concat!("Streaming state of `", stringify!($decl), "` (", $summary, ").")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $kernel(FixedWeights);

        impl FromParams for $kernel {
            fn from_params(p: &Params) -> Result<Self> {
                check_min("timeperiod", p.usize(0), $min)?;
                let make: fn(usize) -> Vec<f64> = $weights;
                FixedWeights::new(make(p.usize(0))).map(Self)
            }
        }
        super::delegate_kernel!($kernel => FixedWeights);

        kernel_decl!($decl: $kernel, "Overlap Studies", $summary, $doc,
            inputs ["real": "input series"],
            params [ParamSpec::int("timeperiod", $def, $min, MAX_PERIOD, "window length")],
            outputs [OutputSpec::f64("real")]);
    };
}

weighted_ma!(SineWeighted, SINWMA, sine_weights, 1, "Sine Weighted Moving Average",
    "Weights sin((j + 1) pi / (p + 1)), j = 0..p-1 (a half sine over the window), normalised. Not in TA-Lib; reference: pandas-ta sinwma.",
    default 14);
weighted_ma!(PascalWeighted, PWMA, pascal_weights, 1, "Pascal's Weighted Moving Average",
    "Weights C(p - 1, j), row p - 1 of Pascal's triangle, normalised. Not in TA-Lib; reference: pandas-ta pwma.",
    default 10);
weighted_ma!(FibonacciWeighted, FWMA, fibonacci_weights, 1, "Fibonacci's Weighted Moving Average",
    "Weights 1, 1, 2, 3, 5, ... from the oldest to the newest value, normalised. Not in TA-Lib; reference: pandas-ta fwma.",
    default 10);
weighted_ma!(SymmetricWeighted, SWMA, triangle_weights, 1, "Symmetric Weighted Moving Average",
    "Triangular weights 1, 2, ..., 2, 1 over the window, normalised. Not in TA-Lib; reference: pandas-ta swma.",
    default 10);

/// Streaming state of `ALMA`, the Arnaud Legoux moving average.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Legoux(FixedWeights);

impl FromParams for Legoux {
    fn from_params(p: &Params) -> Result<Self> {
        check_min("timeperiod", p.usize(0), 1)?;
        FixedWeights::new(alma_weights(p.usize(0), p.float(1), p.float(2), p.int(3) == 1)).map(Self)
    }
}
super::delegate_kernel!(Legoux => FixedWeights);

kernel_decl!(ALMA: Legoux, "Overlap Studies", "Arnaud Legoux Moving Average",
    "Gaussian weights exp(-(j - m)^2 / (2 s^2)) with centre m = offset (p - 1) (floored when floor = 1, as pandas-ta does) and width s = p / sigma, normalised. Not in TA-Lib; references: pandas-ta alma (floor = 1) and the published formula (floor = 0).",
    inputs ["real": "input series"],
    params [
        ParamSpec::int("timeperiod", 9, 1, MAX_PERIOD, "window length"),
        ParamSpec::float("sigma", 6.0, 1e-6, 1e6, "sharpness: the Gaussian's width is timeperiod / sigma"),
        ParamSpec::float("offset", 0.85, 0.0, 1.0, "centre of the Gaussian as a fraction of the window (1 = newest)"),
        ParamSpec::int("floor", 0, 0, 1, "1: round the centre down to a whole bar (pandas-ta, TradingView floor=true)"),
    ],
    outputs [OutputSpec::f64("real")]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_profiles_match_their_definitions() {
        assert_eq!(pascal_weights(5), vec![1.0, 4.0, 6.0, 4.0, 1.0]);
        assert_eq!(fibonacci_weights(6), vec![1.0, 1.0, 2.0, 3.0, 5.0, 8.0]);
        assert_eq!(triangle_weights(4), vec![1.0, 2.0, 2.0, 1.0]);
        assert_eq!(triangle_weights(5), vec![1.0, 2.0, 3.0, 2.0, 1.0]);
        let s = sine_weights(3);
        assert!((s[1] - 1.0).abs() < 1e-15 && (s[0] - s[2]).abs() < 1e-15);
        // a one-bar ALMA is the value itself
        let mut k = FixedWeights::new(alma_weights(1, 6.0, 0.85, false)).unwrap();
        let mut o = [0.0];
        k.step(&[3.5], &mut o);
        assert_eq!(o[0], 3.5);
    }
}
