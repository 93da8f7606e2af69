//! `market_cap_weight`: capitalisation weights with a per-asset maximum, the excess
//! redistributed pro rata over the uncapped assets (water-filling).

use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{check_out_len, Error, Num, Result};

/// Market-capitalisation weights `w_i = cap_i / sum cap`, each at most `max_weight`: an asset
/// above the cap is set to it and the excess is spread over the uncapped assets in proportion
/// to their caps, repeated until no weight exceeds the cap (at most `n` rounds; the result is
/// the unique `w = min(max_weight, c cap_i)` summing to 1).
///
/// # Errors
/// [`Error::InvalidInput`] for no assets, a capitalisation that is negative or not finite, or
/// all zero; [`Error::OutOfRange`] when `n x max_weight < 1` (the weights cannot sum to 1).
///
/// # Examples
/// ```
/// let w = sextant_core::alloc::market_cap_weight(&[70.0, 20.0, 10.0], 0.5).unwrap();
/// // 0.7 capped at 0.5; the 0.2 excess goes 2:1 to the others
/// assert!((w[0] - 0.5).abs() < 1e-15 && (w[1] - 1.0 / 3.0).abs() < 1e-15);
/// ```
pub fn market_cap_weight(caps: &[f64], max_weight: f64) -> Result<Vec<f64>> {
    let mut out = vec![0.0; caps.len()];
    market_cap_weight_into(caps, max_weight, &mut out)?;
    Ok(out)
}

/// [`market_cap_weight`] into a caller-provided buffer of length `n`.
pub fn market_cap_weight_into(caps: &[f64], max_weight: f64, out: &mut [f64]) -> Result<()> {
    let bad = |reason: String| Error::InvalidInput { input: "market_caps".into(), reason };
    let n = caps.len();
    if n == 0 {
        return Err(bad("no assets".into()));
    }
    check_out_len("weights", out.len(), n)?;
    if let Some(i) = caps.iter().position(|c| !(c.is_finite() && *c >= 0.0)) {
        return Err(bad(format!("market_caps[{i}] = {} must be finite and >= 0", Num(caps[i]))));
    }
    let total: f64 = caps.iter().sum();
    if total <= 0.0 {
        return Err(bad("every capitalisation is 0".into()));
    }
    #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
    let nf = n as f64;
    if nf * max_weight < 1.0 - 1e-12 {
        return Err(Error::OutOfRange {
            param: "max_weight".into(),
            value: Num(max_weight).to_string(),
            bound: format!(
                "infeasible: {n} assets x max_weight = {} < 1 (max_weight must be >= {})",
                Num(nf * max_weight),
                Num(1.0 / nf)
            ),
        });
    }
    let mut capped = vec![false; n];
    loop {
        // the budget left for the uncapped assets, spread in proportion to their caps
        let fixed = capped.iter().filter(|&&c| c).count();
        #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
        let left = 1.0 - fixed as f64 * max_weight;
        let free: f64 = caps.iter().zip(&capped).filter(|(_, &c)| !c).map(|(v, _)| v).sum();
        let mut changed = false;
        for i in 0..n {
            if capped[i] {
                out[i] = max_weight;
            } else {
                out[i] = if free > 0.0 { caps[i] / free * left } else { 0.0 };
                if out[i] > max_weight {
                    capped[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let sum: f64 = out.iter().sum();
    if (sum - 1.0).abs() > 1e-12 {
        return Err(Error::OutOfRange {
            param: "max_weight".into(),
            value: Num(max_weight).to_string(),
            bound: format!(
                "infeasible: after capping, the weights sum to {} and the uncapped assets have \
                 zero capitalisation to take the rest",
                Num(sum)
            ),
        });
    }
    Ok(())
}

/// Declaration of `market_cap_weight`.
pub static MARKET_CAP_WEIGHT: FunctionDecl = FunctionDecl {
    name: "market_cap_weight",
    module: Module::Alloc,
    group: "Weighting",
    summary: "Market-capitalisation weights with a per-asset cap",
    doc: "w_i = cap_i / sum cap; weights above max_weight are set to it and the excess spread \
          over the uncapped assets in proportion to their caps, until none exceeds it \
          (w = min(max_weight, c cap_i), sum w = 1). Reference: the water-filling definition, \
          numpy (scripts/golden/generate.py).",
    inputs: &[InputSpec::series("market_caps", "market capitalisation of each asset (>= 0)")],
    params: &[ParamSpec::float("max_weight", 1.0, 0.0, 1.0, "largest weight of any asset")],
    outputs: &[OutputSpec::f64("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| market_cap_weight_into(i.series(0), p.float(0), o.f64(0)),
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_capped() {
        let w = market_cap_weight(&[3.0, 1.0], 1.0).unwrap();
        assert_eq!(w, vec![0.75, 0.25]);
        // cascading caps: 0.6 -> 0.3, then 0.25 + share of excess exceeds 0.3 too
        let w = market_cap_weight(&[60.0, 25.0, 10.0, 5.0], 0.3).unwrap();
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!((w[0] - 0.3).abs() < 1e-15 && (w[1] - 0.3).abs() < 1e-15);
        assert!((w[2] / w[3] - 2.0).abs() < 1e-12);
        let e = market_cap_weight(&[1.0, 1.0, 1.0], 0.3).unwrap_err();
        assert!(e.to_string().contains("max_weight"), "{e}");
        assert!(market_cap_weight(&[1.0, -1.0], 1.0).is_err());
        assert!(market_cap_weight(&[0.0, 0.0], 1.0).is_err());
        assert!(market_cap_weight(&[1.0, 0.0, 0.0], 0.5).is_err());
    }
}
