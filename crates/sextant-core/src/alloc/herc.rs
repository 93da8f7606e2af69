//! Hierarchical Equal Risk Contribution (Raffinot, 2018) with skfolio's conventions
//! (`HierarchicalEqualRiskContribution` with its defaults: Pearson distance, the variance risk
//! measure, the number of clusters by the two-order difference to gap statistic).

use super::hrp::{checked_cov, linkage_matrix, pearson_distance, Merge, Method, LINKAGES};
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::Result;

/// Computes HERC weights from a `t x n` row-major matrix of returns.
///
/// Steps, as skfolio's `HierarchicalEqualRiskContribution()` (variance risk measure):
/// sample covariance (`ddof = 1`), Pearson distance `sqrt((1 - rho) / 2)` and scipy's linkage
/// (as [`super::hrp`]); the number of clusters `k` by the two-order difference to gap statistic
/// of Yue, Wang and Wei (2009) as skfolio's `compute_optimal_n_clusters`: for `c = 1..=m`
/// clusters (`m = min(n, max(8, round(sqrt n)))`, the tree cut after `n - c` merges) the
/// dispersion `W_c` is the sum over clusters of at least two assets of the mean pairwise
/// distance, and `k = 2 + argmax_c (W_{c+2} + W_c - 2 W_{c+1})` (first maximum); the clusters
/// are scipy's `fcluster(Z, k, "maxclust")` (every merge at or below the `(n - k)`-th merge
/// height). Within a cluster, weights are inverse variance; a cluster's risk is the variance of
/// that portfolio. From the root of the dendrogram down to the clusters, each node splits its
/// weight between its two subtrees by `alpha = 1 - R_left / (R_left + R_right)`, where `R` is
/// the *sum* of the risks of the clusters below. The leaf order does not matter (no
/// seriation). skfolio's final projection onto `[min_weights, max_weights]` is the identity
/// for its default bounds `[0, 1]`.
///
/// # Errors
/// As [`super::hrp`]: [`crate::Error::InvalidInput`] for fewer than 2 periods, no assets,
/// non-finite returns or an asset with zero variance; [`crate::Error::UnknownOption`] for an
/// unknown linkage.
///
/// # Examples
/// ```
/// let r = [0.01, 0.02, -0.01, -0.04, 0.02, 0.02, -0.02, 0.0];
/// let w = sextant_core::alloc::herc(&r, 4, 2, "ward").unwrap();
/// assert!((w[0] + w[1] - 1.0).abs() < 1e-15 && w[0] > 0.0);
/// ```
pub fn herc(returns: &[f64], rows: usize, cols: usize, linkage: &str) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    herc_into(returns, rows, cols, linkage, &mut out)?;
    Ok(out)
}

/// [`herc`] into a caller-provided buffer of length `n`.
pub fn herc_into(
    returns: &[f64],
    rows: usize,
    cols: usize,
    linkage: &str,
    out: &mut [f64],
) -> Result<()> {
    let method = Method::parse(linkage)?;
    let cov = checked_cov(returns, rows, cols, out.len(), "HERC")?;
    let n = cols;
    if n == 1 {
        out[0] = 1.0;
        return Ok(());
    }
    let dist = pearson_distance(&cov, n);
    let z = linkage_matrix(&dist, n, method);
    let k = optimal_clusters(&dist, &z, n);
    // fcluster(maxclust = k): every merge at or below the height of merge n - k - 1
    let merges = if k >= n {
        0
    } else {
        let h = z[n - k - 1].dist;
        z.iter().take_while(|m| m.dist <= h).count().max(n - k)
    };
    // cluster roots: the nodes (leaves 0..n, merge j is n + j) not merged within `merges`
    let mut parent_merge = vec![usize::MAX; 2 * n - 1];
    for (j, m) in z.iter().enumerate() {
        parent_merge[m.left] = j;
        parent_merge[m.right] = j;
    }
    let top = n + merges; // nodes below `top` exist after `merges` merges
    let roots: Vec<usize> =
        (0..top).filter(|&v| parent_merge[v] == usize::MAX || parent_merge[v] >= merges).collect();
    let mut cluster_of = vec![usize::MAX; 2 * n - 1];
    for (c, &v) in roots.iter().enumerate() {
        cluster_of[v] = c;
    }
    // members of each cluster, inverse-variance weights and the cluster's variance
    let members = |v: usize| {
        let mut out = Vec::new();
        let mut stack = vec![v];
        while let Some(u) = stack.pop() {
            if u < n {
                out.push(u);
            } else {
                stack.push(z[u - n].right);
                stack.push(z[u - n].left);
            }
        }
        out
    };
    let mut risk = vec![0.0; roots.len()];
    let mut cluster_w = vec![1.0; roots.len()];
    for (c, &v) in roots.iter().enumerate() {
        let ids = members(v);
        let inv: Vec<f64> = ids.iter().map(|&i| 1.0 / cov[i * n + i]).collect();
        let s: f64 = inv.iter().sum();
        for (&i, &x) in ids.iter().zip(&inv) {
            out[i] = x / s;
        }
        risk[c] = ids
            .iter()
            .map(|&i| out[i] * ids.iter().map(|&j| cov[i * n + j] * out[j]).sum::<f64>())
            .sum();
    }
    // the clusters below each node above the cut (bottom-up over the merges)
    let mut below: Vec<Vec<usize>> = vec![Vec::new(); 2 * n - 1];
    for (v, list) in below.iter_mut().enumerate().take(top) {
        if cluster_of[v] != usize::MAX {
            list.push(cluster_of[v]);
        }
    }
    for j in merges..n - 1 {
        let m = z[j];
        let mut l = below[m.left].clone();
        l.extend_from_slice(&below[m.right]);
        below[n + j] = l;
    }
    // top-down split: root = the last merge
    let mut stack = vec![2 * n - 2];
    while let Some(v) = stack.pop() {
        if cluster_of[v] != usize::MAX || v < n {
            continue;
        }
        let m = z[v - n];
        let rl: f64 = below[m.left].iter().map(|&c| risk[c]).sum();
        let rr: f64 = below[m.right].iter().map(|&c| risk[c]).sum();
        let alpha = 1.0 - rl / (rl + rr);
        for &c in &below[m.left] {
            cluster_w[c] *= alpha;
        }
        for &c in &below[m.right] {
            cluster_w[c] *= 1.0 - alpha;
        }
        stack.push(m.right);
        stack.push(m.left);
    }
    for (c, &v) in roots.iter().enumerate() {
        for i in members(v) {
            out[i] *= cluster_w[c];
        }
    }
    Ok(())
}

/// skfolio's `compute_optimal_n_clusters`: the two-order difference to gap statistic over the
/// tree cut at `1..=m` clusters.
fn optimal_clusters(dist: &[f64], z: &[Merge], n: usize) -> usize {
    if n <= 2 {
        return n.max(1);
    }
    #[allow(clippy::cast_precision_loss, reason = "asset counts are small")]
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "sqrt of a count")]
    let m = n.min(8.max((n as f64).sqrt().round_ties_even() as usize));
    // union-find over the merges, in order; dispersion for c clusters = after n - c merges
    let mut label: Vec<usize> = (0..n).collect(); // leaf -> node id of its current cluster
    let mut members: Vec<Vec<usize>> =
        (0..2 * n - 1).map(|v| if v < n { vec![v] } else { Vec::new() }).collect();
    let mut disp = vec![0.0; m + 1]; // disp[c], c = 1..=m
    let dispersion = |members: &[Vec<usize>], label: &[usize]| -> f64 {
        let mut seen = vec![false; 2 * n - 1];
        let mut w = 0.0;
        for &v in label {
            if seen[v] {
                continue;
            }
            seen[v] = true;
            let ids = &members[v];
            if ids.len() < 2 {
                continue;
            }
            let mut s = 0.0;
            for (a, &i) in ids.iter().enumerate() {
                for &j in &ids[a + 1..] {
                    s += dist[i * n + j];
                }
            }
            #[allow(clippy::cast_precision_loss, reason = "cluster sizes are small")]
            let pairs = (ids.len() * (ids.len() - 1) / 2) as f64;
            let mean = s / pairs;
            w += if mean.is_finite() { mean } else { 0.0 };
        }
        w
    };
    for (j, mg) in z.iter().enumerate() {
        let c = n - j; // clusters before this merge
        if c <= m {
            disp[c] = dispersion(&members, &label);
        }
        let mut ids = std::mem::take(&mut members[mg.left]);
        ids.extend(std::mem::take(&mut members[mg.right]));
        // numpy's argwhere order: ascending asset index
        ids.sort_unstable();
        for &i in &ids {
            label[i] = n + j;
        }
        members[n + j] = ids;
    }
    disp[1] = dispersion(&members, &label);
    // skfolio: dispersion[k] is W for k + 1 clusters; gaps[k] = W[k+2] + W[k] - 2 W[k+1]
    let mut best = 0;
    let mut best_gap = f64::NEG_INFINITY;
    for k in 0..m - 2 {
        let g = disp[k + 3] + disp[k + 1] - 2.0 * disp[k + 2];
        if g > best_gap || (g.is_nan() && !best_gap.is_nan()) {
            best_gap = g;
            best = k;
            if g.is_nan() {
                break;
            }
        }
    }
    best + 2
}

/// Declaration of `herc`.
pub static HERC: FunctionDecl = FunctionDecl {
    name: "herc",
    module: Module::Alloc,
    group: "Hierarchical",
    summary: "Hierarchical Equal Risk Contribution weights from returns",
    doc: "Pearson distance sqrt((1-rho)/2), scipy-equivalent linkage, clusters by the two-order \
          difference to gap statistic, inverse-variance weights within clusters, top-down \
          variance split between subtrees. Reference: skfolio HierarchicalEqualRiskContribution \
          (variance risk measure).",
    inputs: &[InputSpec::matrix(
        "returns",
        "t x n returns, one row per period, one column per asset",
    )],
    params: &[ParamSpec::choice(
        "linkage",
        "ward",
        LINKAGES,
        "scipy linkage method (skfolio's default: ward)",
    )],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        herc_into(data, rows, cols, p.str(0), o.f64(0))
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_assets_inverse_variance_split() {
        // two assets: two singleton clusters, alpha = 1 - v0 / (v0 + v1)
        let r = [0.01, 0.02, -0.01, -0.04, 0.02, 0.02, -0.02, 0.0];
        let w = herc(&r, 4, 2, "single").unwrap();
        let var = |c: usize| {
            let x: Vec<f64> = (0..4).map(|t| r[t * 2 + c]).collect();
            let m = x.iter().sum::<f64>() / 4.0;
            x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 3.0
        };
        let (v0, v1) = (var(0), var(1));
        assert!((w[0] - v1 / (v0 + v1)).abs() < 1e-14, "{w:?}");
        assert!(herc(&r, 4, 2, "centroid").is_err());
        assert!(herc(&[0.01, f64::NAN, 0.0, 0.01], 2, 2, "ward").is_err());
    }
}
