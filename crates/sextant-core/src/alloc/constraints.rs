//! Linear constraints of the mean-variance optimisers beyond the budget: per-asset bounds,
//! group (sector) caps and a maximum L1 turnover from current weights, from the optional JSON
//! parameter `constraints`. Bounds and groups are checked for feasibility exactly before
//! solving (the groups partition the assets, so the reachable totals are a sum of intervals);
//! the turnover limit is checked against the smallest turnover the other constraints allow
//! (a linear program), so an infeasible set gets an error naming the conflict rather than a
//! solver status.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::common::Program;
use crate::decl::ParamSpec;
use crate::error::{Error, Num, Result};

/// The `constraints` parameter of the optimisers.
pub(crate) const CONSTRAINTS: ParamSpec = ParamSpec::json(
    "constraints",
    "optional constraints: {\"lower\": x or [..], \"upper\": x or [..], \"bounds\": [[lo, hi], ..], \
     \"groups\": {\"labels\": [one per asset], \"caps\": {\"label\": [lo, hi]}}, \"current\": [..], \
     \"max_turnover\": x}; per-asset bounds replace lower/upper",
);

/// Error code of constraints that no fully invested portfolio satisfies.
pub const INFEASIBLE: &str = "INFEASIBLE";

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(f64),
    Many(Vec<f64>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupSpec {
    labels: Vec<String>,
    caps: BTreeMap<String, [f64; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    lower: Option<OneOrMany>,
    upper: Option<OneOrMany>,
    bounds: Option<Vec<[f64; 2]>>,
    groups: Option<GroupSpec>,
    current: Option<Vec<f64>>,
    #[serde(alias = "maxTurnover")]
    max_turnover: Option<f64>,
}

/// One group cap: the members' total weight within `[lower, upper]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupCap {
    /// The group's label.
    pub label: String,
    /// Indices of the member assets.
    pub members: Vec<usize>,
    /// Smallest total weight.
    pub lower: f64,
    /// Largest total weight.
    pub upper: f64,
}

/// The feasible set of a fully invested portfolio: `sum w = 1`, `lower_i <= w_i <= upper_i`,
/// group totals within their caps, and `sum |w_i - current_i| <= max_turnover`.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraints {
    /// Smallest weight of each asset.
    pub lower: Vec<f64>,
    /// Largest weight of each asset.
    pub upper: Vec<f64>,
    /// Group caps (disjoint groups).
    pub groups: Vec<GroupCap>,
    /// Current weights and the largest L1 distance from them.
    pub turnover: Option<(Vec<f64>, f64)>,
}

fn infeasible(input: &str, reason: String) -> Error {
    Error::Rejected { input: input.to_owned(), code: INFEASIBLE, reason }
}

/// A computed total for a message, rounded to 9 decimals (`0.8999999999999999` reads `0.9`).
fn r9(x: f64) -> Num {
    Num((x * 1e9).round() / 1e9)
}

fn bad(input: &str, reason: String) -> Error {
    Error::InvalidInput { input: input.to_owned(), reason }
}

impl Constraints {
    /// The same bounds for every asset (the scalar `lower` / `upper` parameters).
    #[must_use]
    pub fn uniform(n: usize, lower: f64, upper: f64) -> Self {
        Self { lower: vec![lower; n], upper: vec![upper; n], groups: Vec::new(), turnover: None }
    }

    /// Reads the `constraints` document (`None`: only the scalar bounds) for `n` assets and
    /// checks it.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `constraints` for a malformed document or an array of the
    /// wrong length; [`Error::Rejected`] with code `INFEASIBLE` naming the conflicting part when
    /// no portfolio satisfies the constraints.
    pub fn parse(n: usize, lower: f64, upper: f64, json: Option<&str>) -> Result<Self> {
        let mut c = Self::uniform(n, lower, upper);
        let Some(text) = json else {
            c.check()?;
            return Ok(c);
        };
        let spec: Spec = crate::decl::parse_json("constraints", text)?;
        let vector = |name: &str, v: OneOrMany| -> Result<Vec<f64>> {
            match v {
                OneOrMany::One(x) => Ok(vec![x; n]),
                OneOrMany::Many(v) if v.len() == n => Ok(v),
                OneOrMany::Many(v) => Err(bad(
                    &format!("constraints.{name}"),
                    format!("{} values for {n} assets", v.len()),
                )),
            }
        };
        if let Some(v) = spec.lower {
            c.lower = vector("lower", v)?;
        }
        if let Some(v) = spec.upper {
            c.upper = vector("upper", v)?;
        }
        if let Some(b) = spec.bounds {
            if b.len() != n {
                return Err(bad("constraints.bounds", format!("{} pairs for {n} assets", b.len())));
            }
            c.lower = b.iter().map(|p| p[0]).collect();
            c.upper = b.iter().map(|p| p[1]).collect();
        }
        if let Some(g) = spec.groups {
            if g.labels.len() != n {
                return Err(bad(
                    "constraints.groups.labels",
                    format!("{} labels for {n} assets", g.labels.len()),
                ));
            }
            for (label, [lo, hi]) in g.caps {
                let members: Vec<usize> = (0..n).filter(|&i| g.labels[i] == label).collect();
                if members.is_empty() {
                    return Err(bad(
                        &format!("constraints.groups.caps.{label}"),
                        format!("no asset has the label \"{label}\""),
                    ));
                }
                c.groups.push(GroupCap { label, members, lower: lo, upper: hi });
            }
        }
        match (spec.current, spec.max_turnover) {
            (Some(cur), Some(t)) => {
                if cur.len() != n {
                    return Err(bad(
                        "constraints.current",
                        format!("{} weights for {n} assets", cur.len()),
                    ));
                }
                if t.is_nan() || t < 0.0 {
                    return Err(bad(
                        "constraints.max_turnover",
                        format!("must be >= 0, got {}", Num(t)),
                    ));
                }
                c.turnover = Some((cur, t));
            }
            (None, Some(_)) => {
                return Err(bad(
                    "constraints.current",
                    "max_turnover needs the current weights (\"current\")".into(),
                ))
            }
            (Some(_), None) => {
                return Err(bad(
                    "constraints.max_turnover",
                    "current weights were given without max_turnover".into(),
                ))
            }
            (None, None) => {}
        }
        c.check()?;
        Ok(c)
    }

    /// True when only per-asset bounds apply (no groups, no turnover).
    #[must_use]
    pub fn box_only(&self) -> bool {
        self.groups.is_empty() && self.turnover.is_none()
    }

    /// Exact feasibility of the bounds and group caps (and finiteness of every number).
    fn check(&self) -> Result<()> {
        let n = self.lower.len();
        let num = |name: String, v: f64| -> Result<()> {
            if v.is_finite() {
                Ok(())
            } else {
                Err(bad(&name, format!("{} is not finite", Num(v))))
            }
        };
        for i in 0..n {
            num(format!("constraints.lower[{i}]"), self.lower[i])?;
            num(format!("constraints.upper[{i}]"), self.upper[i])?;
            if self.lower[i] > self.upper[i] {
                return Err(infeasible(
                    &format!("constraints.bounds[{i}]"),
                    format!(
                        "asset {i}: lower bound {} exceeds upper bound {}",
                        Num(self.lower[i]),
                        Num(self.upper[i])
                    ),
                ));
            }
        }
        if let Some((cur, t)) = &self.turnover {
            for (i, &v) in cur.iter().enumerate() {
                num(format!("constraints.current[{i}]"), v)?;
            }
            num("constraints.max_turnover".into(), *t)?;
        }
        // each group's reachable total, then the sum of the intervals must contain 1
        let mut grouped = vec![false; n];
        let (mut lo_sum, mut hi_sum) = (0.0, 0.0);
        for g in &self.groups {
            let name = format!("constraints.groups.caps.{}", g.label);
            num(name.clone(), g.lower)?;
            num(name.clone(), g.upper)?;
            let lb: f64 = g.members.iter().map(|&i| self.lower[i]).sum();
            let ub: f64 = g.members.iter().map(|&i| self.upper[i]).sum();
            let (lo, hi) = (g.lower.max(lb), g.upper.min(ub));
            if lo > hi + 1e-12 {
                let why = if g.lower > g.upper {
                    format!(
                        "group lower cap {} exceeds its upper cap {}",
                        Num(g.lower),
                        Num(g.upper)
                    )
                } else if g.lower > ub {
                    format!(
                        "group lower cap {} exceeds the sum {} of its members' upper bounds",
                        Num(g.lower),
                        r9(ub)
                    )
                } else {
                    format!(
                        "group upper cap {} is below the sum {} of its members' lower bounds",
                        Num(g.upper),
                        r9(lb)
                    )
                };
                return Err(infeasible(&name, format!("group \"{}\": {why}", g.label)));
            }
            for &i in &g.members {
                grouped[i] = true;
            }
            lo_sum += lo;
            hi_sum += hi;
        }
        for i in (0..n).filter(|&i| !grouped[i]) {
            lo_sum += self.lower[i];
            hi_sum += self.upper[i];
        }
        let what = if self.groups.is_empty() { "bounds" } else { "bounds and group caps" };
        let input =
            if self.groups.is_empty() { "constraints.bounds" } else { "constraints.groups" };
        if lo_sum > 1.0 + 1e-12 {
            return Err(infeasible(
                input,
                format!(
                    "the {what} force a total weight of at least {} > 1 (sum of the lower bounds)",
                    r9(lo_sum)
                ),
            ));
        }
        if hi_sum < 1.0 - 1e-12 {
            return Err(infeasible(
                input,
                format!(
                    "the {what} allow a total weight of at most {} < 1 (sum of the upper bounds)",
                    r9(hi_sum)
                ),
            ));
        }
        Ok(())
    }

    /// Adds the constraints on the weight variables `0..n` of `prog`. With `k = Some(j)` the
    /// program is homogenised (`y = k w`, variable `j` is `k`): every right-hand side is
    /// multiplied by `k`. Turnover adds `n` auxiliary variables `t_i >= |w_i - current_i|`.
    pub(crate) fn apply(&self, prog: &mut Program, k: Option<usize>) {
        let n = self.lower.len();
        // a'x <= b  (homogenised: a'x - b k <= 0)
        let le = |prog: &mut Program, mut a: Vec<(usize, f64)>, b: f64| match k {
            Some(j) => {
                a.push((j, -b));
                prog.le(a, 0.0);
            }
            None => prog.le(a, b),
        };
        let mut budget: Vec<(usize, f64)> = (0..n).map(|i| (i, 1.0)).collect();
        match k {
            Some(j) => {
                budget.push((j, -1.0));
                prog.eq(budget, 0.0);
            }
            None => prog.eq(budget, 1.0),
        }
        for i in 0..n {
            le(prog, vec![(i, 1.0)], self.upper[i]);
            le(prog, vec![(i, -1.0)], -self.lower[i]);
        }
        for g in &self.groups {
            le(prog, g.members.iter().map(|&i| (i, 1.0)).collect(), g.upper);
            le(prog, g.members.iter().map(|&i| (i, -1.0)).collect(), -g.lower);
        }
        if let Some((cur, t)) = &self.turnover {
            let base = prog.add_vars(n);
            for (i, &c) in cur.iter().enumerate() {
                // w_i - t_i <= c_i,  -w_i - t_i <= -c_i
                le(prog, vec![(i, 1.0), (base + i, -1.0)], c);
                le(prog, vec![(i, -1.0), (base + i, -1.0)], -c);
            }
            le(prog, (0..n).map(|i| (base + i, 1.0)).collect(), *t);
        }
    }

    /// Checks the turnover limit against the smallest turnover the bounds and group caps allow
    /// (a linear program); nothing to check without a limit.
    pub(crate) fn check_turnover(&self) -> Result<()> {
        let Some((cur, t)) = &self.turnover else {
            return Ok(());
        };
        let n = self.lower.len();
        let rest = Self { turnover: None, ..self.clone() };
        let mut prog = Program::new(n);
        rest.apply(&mut prog, None);
        let base = prog.add_vars(n);
        prog.linear(&[vec![0.0; n], vec![1.0; n]].concat());
        for (i, &c) in cur.iter().enumerate() {
            prog.le(vec![(i, 1.0), (base + i, -1.0)], c);
            prog.le(vec![(i, -1.0), (base + i, -1.0)], -c);
        }
        let x = prog.solve("turnover feasibility")?;
        let need: f64 = (0..n).map(|i| (x[i] - cur[i]).abs()).sum();
        if need > t + 1e-9 {
            return Err(infeasible(
                "constraints.max_turnover",
                format!(
                    "max_turnover = {} is below {}, the smallest turnover from the current weights \
                     that satisfies the budget, bounds and group caps",
                    Num(*t),
                    r9(need)
                ),
            ));
        }
        Ok(())
    }

    /// The largest expected return `mu'w` over the feasible set.
    pub(crate) fn max_return(&self, mu: &[f64]) -> Result<f64> {
        let n = mu.len();
        if self.box_only() {
            // fill the best assets first from the lower bounds
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by(|&a, &b| mu[b].total_cmp(&mu[a]));
            let mut left = 1.0 - self.lower.iter().sum::<f64>();
            let mut r: f64 = (0..n).map(|i| self.lower[i] * mu[i]).sum();
            for i in idx {
                let add = left.min(self.upper[i] - self.lower[i]).max(0.0);
                r += add * mu[i];
                left -= add;
            }
            return Ok(r);
        }
        let m = mu.iter().fold(0.0_f64, |a, b| a.max(b.abs())).max(f64::MIN_POSITIVE);
        let mut prog = Program::new(n);
        prog.linear(&mu.iter().map(|v| -v / m).collect::<Vec<_>>());
        self.apply(&mut prog, None);
        let x = prog.solve("largest expected return")?;
        Ok((0..n).map(|i| mu[i] * x[i]).sum())
    }

    /// Cleans solver output: clamps into the per-asset bounds (interior-point iterates sit
    /// ~1e-12 inside) and renormalises to sum 1.
    pub(crate) fn finish(&self, w: &mut [f64]) {
        for (i, x) in w.iter_mut().enumerate() {
            *x = x.clamp(self.lower[i], self.upper[i]);
        }
        let s: f64 = w.iter().sum();
        if s != 0.0 && s.is_finite() {
            for x in w.iter_mut() {
                *x /= s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(e: &Error) -> &'static str {
        e.code()
    }

    #[test]
    fn parses_and_checks() {
        let c = Constraints::parse(3, 0.0, 1.0, Some(r#"{"upper": [0.5, 0.5, 0.2]}"#)).unwrap();
        assert_eq!(c.upper, vec![0.5, 0.5, 0.2]);
        let c =
            Constraints::parse(3, 0.0, 1.0, Some(r#"{"bounds": [[0.1, 0.5], [0, 1], [0, 0.3]]}"#))
                .unwrap();
        assert_eq!(c.lower, vec![0.1, 0.0, 0.0]);
        // sum of upper bounds < 1
        let e = Constraints::parse(3, 0.0, 1.0, Some(r#"{"upper": 0.3}"#)).unwrap_err();
        assert_eq!(code(&e), INFEASIBLE);
        assert!(e.to_string().contains("at most 0.9"), "{e}");
        // lower > upper for one asset
        let e = Constraints::parse(2, 0.0, 1.0, Some(r#"{"bounds": [[0.6, 0.5], [0, 1]]}"#))
            .unwrap_err();
        assert!(e.to_string().contains("bounds[0]"), "{e}");
        // group cap below its members' lower bounds
        let g = r#"{"lower": 0.2, "groups": {"labels": ["a", "a", "b"], "caps": {"a": [0, 0.3]}}}"#;
        let e = Constraints::parse(3, 0.0, 1.0, Some(g)).unwrap_err();
        assert!(e.to_string().contains("caps.a") && e.to_string().contains("0.4"), "{e}");
        // caps together below 1
        let g =
            r#"{"groups": {"labels": ["a", "a", "b"], "caps": {"a": [0, 0.3], "b": [0, 0.6]}}}"#;
        let e = Constraints::parse(3, 0.0, 1.0, Some(g)).unwrap_err();
        assert!(e.to_string().contains("at most 0.9"), "{e}");
        // malformed
        for bad in [r#"{"upper": [1, 1]}"#, r#"{"uper": 1}"#, "[", r#"{"max_turnover": 0.1}"#] {
            let e = Constraints::parse(3, 0.0, 1.0, Some(bad)).unwrap_err();
            assert_eq!(code(&e), "INVALID_INPUT", "{bad}: {e}");
        }
    }

    #[test]
    fn turnover_floor() {
        // current weights outside the new bounds: at least 2 * 0.3 turnover is needed
        let j = r#"{"upper": 0.5, "current": [0.8, 0.2, 0.0], "max_turnover": 0.5}"#;
        let c = Constraints::parse(3, 0.0, 1.0, Some(j)).unwrap();
        let e = c.check_turnover().unwrap_err();
        assert!(e.to_string().contains("max_turnover") && e.to_string().contains("0.6"), "{e}");
        let j = r#"{"upper": 0.5, "current": [0.8, 0.2, 0.0], "max_turnover": 0.6}"#;
        Constraints::parse(3, 0.0, 1.0, Some(j)).unwrap().check_turnover().unwrap();
    }
}
