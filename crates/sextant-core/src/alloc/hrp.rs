use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{check_out_len, Error, Num, Result};

/// The linkage methods of [`hrp`] (scipy's names).
pub const LINKAGES: &[&str] = &["single", "complete", "average", "weighted", "ward"];
/// The leaf orders of [`hrp`].
pub const LEAF_ORDERS: &[&str] = &["optimal", "none"];

/// One row of a scipy linkage matrix: the two merged clusters (leaves `0..n`, merge `k` is
/// cluster `n + k`; smaller id first, then possibly swapped by the optimal leaf ordering), the
/// merge distance and the size of the new cluster.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Merge {
    /// Left child.
    pub(super) left: usize,
    /// Right child.
    pub(super) right: usize,
    /// Cophenetic distance.
    pub(super) dist: f64,
    /// Number of leaves below.
    size: usize,
}

/// Computes Hierarchical Risk Parity weights (Lopez de Prado, 2016) from a `t x n` row-major
/// matrix of returns (one row per period, one column per asset).
///
/// Steps: sample covariance (`ddof = 1`) and Pearson correlation; distance
/// `d_ij = sqrt((1 - rho_ij) / 2)`; hierarchical clustering with scipy's algorithms (minimum
/// spanning tree for `single`, nearest-neighbour chain for the others, merges stably sorted by
/// distance and relabelled as `scipy.cluster.hierarchy.linkage` does, so ties resolve the same
/// way); with `leaf_order="optimal"` the leaves are reordered by the algorithm of Bar-Joseph,
/// Gifford and Jaakkola (2001) as `scipy.cluster.hierarchy.optimal_leaf_ordering` implements it
/// (its float32 accumulation included), which skfolio's `HierarchicalSeriation` uses;
/// `"none"` keeps scipy's plain dendrogram order (PyPortfolioOpt's `HRPOpt`). Then recursive
/// bisection of the ordered leaves: each half gets its inverse-variance portfolio's variance
/// `v`, and the left half is scaled by `1 - v_left / (v_left + v_right)`.
///
/// # Errors
/// [`Error::InvalidInput`] for fewer than 2 periods, no assets, non-finite returns (NaN policy
/// "error") or an asset with zero variance; [`Error::UnknownOption`] (from the declaration) for
/// an unknown linkage or leaf order.
///
/// # Examples
/// ```
/// // two assets: the split is inverse variance
/// let r = [0.01, 0.02, -0.01, -0.04, 0.02, 0.02, -0.02, 0.0];
/// let w = sextant_core::alloc::hrp(&r, 4, 2, "single", "optimal").unwrap();
/// let (v0, v1) = (0.02_f64.powi(2) * 4.0 / 3.0 * 2.0, 0.0);
/// assert!((w[0] + w[1] - 1.0).abs() < 1e-15 && w[0] > 0.0);
/// # let _ = (v0, v1);
/// ```
pub fn hrp(
    returns: &[f64],
    rows: usize,
    cols: usize,
    linkage: &str,
    leaf_order: &str,
) -> Result<Vec<f64>> {
    let mut out = vec![f64::NAN; cols];
    hrp_into(returns, rows, cols, linkage, leaf_order, &mut out)?;
    Ok(out)
}

/// [`hrp`] into a caller-provided buffer of length `n`.
pub fn hrp_into(
    returns: &[f64],
    rows: usize,
    cols: usize,
    linkage: &str,
    leaf_order: &str,
    out: &mut [f64],
) -> Result<()> {
    let method = Method::parse(linkage)?;
    let optimal = match leaf_order {
        "optimal" => true,
        "none" => false,
        other => {
            return Err(Error::UnknownOption {
                param: "leaf_order".into(),
                value: other.into(),
                allowed: LEAF_ORDERS.join(", "),
            })
        }
    };
    let cov = checked_cov(returns, rows, cols, out.len(), "HRP")?;
    let n = cols;
    if n == 1 {
        out[0] = 1.0;
        return Ok(());
    }
    let dist = pearson_distance(&cov, n);
    let mut z = linkage_matrix(&dist, n, method);
    if optimal {
        optimal_leaf_ordering(&mut z, &dist, n);
    }
    let order = leaves(&z, n);
    bisect(&cov, n, &order, out);
    Ok(())
}

/// The checks shared by `hrp` and `herc` (shape, finite values, positive variances) and the
/// sample covariance (`ddof = 1`) of the returns.
pub(super) fn checked_cov(
    returns: &[f64],
    rows: usize,
    cols: usize,
    out_len: usize,
    what: &str,
) -> Result<Vec<f64>> {
    let bad = |reason: String| Error::InvalidInput { input: "returns".into(), reason };
    let n = cols;
    if n == 0 {
        return Err(bad("no assets (0 columns)".into()));
    }
    if rows < 2 {
        return Err(bad(format!("{rows} periods: the sample covariance needs at least 2")));
    }
    if returns.len() != rows * cols {
        return Err(bad(format!(
            "{rows} x {cols} matrix needs {} values, got {}",
            rows * cols,
            returns.len()
        )));
    }
    check_out_len("weights", out_len, n)?;
    if let Some(k) = returns.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!(
            "returns[{}][{}] = {} is not finite (NaN policy \"error\")",
            k / n,
            k % n,
            Num(returns[k])
        )));
    }
    let cov = sample_cov(returns, rows, n);
    if let Some(k) = cov.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!(
            "the covariance of assets {} and {} overflows f64 (returns of magnitude up to {})",
            k / n,
            k % n,
            Num(returns.iter().fold(0.0f64, |m, v| m.max(v.abs())))
        )));
    }
    if let Some(i) = (0..n).find(|&i| cov[i * n + i] <= 0.0) {
        return Err(bad(format!("asset {i} has zero variance: {what} cannot weight it")));
    }
    Ok(cov)
}

/// Sample covariance (`ddof = 1`) of the columns of a `t x n` row-major matrix (finite).
fn sample_cov(x: &[f64], t: usize, n: usize) -> Vec<f64> {
    crate::moments::columns("returns", x, t, n, crate::moments::Missing::Error)
        .map_or_else(|_| vec![f64::NAN; n * n], |c| crate::moments::covariance(&c, 1))
}

/// `sqrt(clip((1 - rho) / 2, 0, 1))` as a full symmetric matrix (zero diagonal).
pub(super) fn pearson_distance(cov: &[f64], n: usize) -> Vec<f64> {
    let sd: Vec<f64> = (0..n).map(|i| cov[i * n + i].sqrt()).collect();
    let mut d = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            if i != j {
                // np.corrcoef's rounding: divided by each standard deviation in turn
                let rho = (cov[i * n + j] / sd[i] / sd[j]).clamp(-1.0, 1.0);
                d[i * n + j] = (0.5 * (1.0 - rho)).clamp(0.0, 1.0).sqrt();
            }
        }
    }
    d
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    Single,
    Complete,
    Average,
    Weighted,
    Ward,
}

impl Method {
    pub(super) fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "single" => Self::Single,
            "complete" => Self::Complete,
            "average" => Self::Average,
            "weighted" => Self::Weighted,
            "ward" => Self::Ward,
            other => {
                return Err(Error::UnknownOption {
                    param: "linkage".into(),
                    value: other.into(),
                    allowed: LINKAGES.join(", "),
                })
            }
        })
    }

    /// Lance-Williams update: distance from cluster `i` to the union of `x` and `y`.
    #[allow(clippy::cast_precision_loss, reason = "cluster sizes are small")]
    fn update(self, dxi: f64, dyi: f64, dxy: f64, nx: usize, ny: usize, ni: usize) -> f64 {
        let (fx, fy, fi) = (nx as f64, ny as f64, ni as f64);
        match self {
            Self::Single => dxi.min(dyi),
            Self::Complete => dxi.max(dyi),
            Self::Average => (fx * dxi + fy * dyi) / (fx + fy),
            Self::Weighted => 0.5 * (dxi + dyi),
            Self::Ward => {
                let t = 1.0 / (fx + fy + fi);
                ((fi + fx) * t * dxi * dxi + (fi + fy) * t * dyi * dyi - fi * t * dxy * dxy).sqrt()
            }
        }
    }
}

/// scipy's `linkage(squareform(d), method)`: the merges in order of distance.
pub(super) fn linkage_matrix(d: &[f64], n: usize, method: Method) -> Vec<Merge> {
    let mut raw: Vec<(usize, usize, f64)> = Vec::with_capacity(n - 1);
    if method == Method::Single {
        // Prim's minimum spanning tree from point 0, first minimum wins
        let mut merged = vec![false; n];
        let mut best = vec![f64::INFINITY; n];
        let mut x = 0;
        for _ in 0..n - 1 {
            merged[x] = true;
            let mut cur = f64::INFINITY;
            let mut y = x;
            for i in 0..n {
                if merged[i] {
                    continue;
                }
                let dist = d[x * n + i];
                if best[i] > dist {
                    best[i] = dist;
                }
                if best[i] < cur {
                    y = i;
                    cur = best[i];
                }
            }
            raw.push((x, y, cur));
            x = y;
        }
    } else {
        // nearest-neighbour chain over a working copy of the distances
        let mut dm = d.to_vec();
        let mut size = vec![1_usize; n];
        let mut chain: Vec<usize> = Vec::with_capacity(n);
        for _ in 0..n - 1 {
            if chain.is_empty() {
                if let Some(i) = (0..n).find(|&i| size[i] > 0) {
                    chain.push(i);
                }
            }
            let (x, y, cur) = loop {
                let x = chain[chain.len() - 1];
                let (mut y, mut cur) = if chain.len() > 1 {
                    let y = chain[chain.len() - 2];
                    (y, dm[x * n + y])
                } else {
                    (x, f64::INFINITY)
                };
                for i in 0..n {
                    if size[i] == 0 || i == x {
                        continue;
                    }
                    if dm[x * n + i] < cur {
                        cur = dm[x * n + i];
                        y = i;
                    }
                }
                if chain.len() > 1 && y == chain[chain.len() - 2] {
                    break (x, y, cur);
                }
                chain.push(y);
            };
            chain.truncate(chain.len() - 2);
            let (x, y) = if x > y { (y, x) } else { (x, y) };
            let (nx, ny) = (size[x], size[y]);
            raw.push((x, y, cur));
            size[x] = 0;
            size[y] = nx + ny;
            for i in 0..n {
                let ni = size[i];
                if ni == 0 || i == y {
                    continue;
                }
                let v = method.update(dm[i * n + x], dm[i * n + y], cur, nx, ny, ni);
                dm[i * n + y] = v;
                dm[y * n + i] = v;
            }
        }
    }
    // stable sort by distance, then relabel with a union-find (scipy's `label`)
    raw.sort_by(|a, b| a.2.total_cmp(&b.2));
    let mut parent: Vec<usize> = (0..2 * n - 1).collect();
    let mut size = vec![1_usize; 2 * n - 1];
    let find = |parent: &mut Vec<usize>, mut x: usize| -> usize {
        let mut root = x;
        while parent[root] != root {
            root = parent[root];
        }
        while parent[x] != root {
            let next = parent[x];
            parent[x] = root;
            x = next;
        }
        root
    };
    raw.iter()
        .enumerate()
        .map(|(k, &(x, y, dist))| {
            let (rx, ry) = (find(&mut parent, x), find(&mut parent, y));
            let (left, right) = if rx < ry { (rx, ry) } else { (ry, rx) };
            let new = n + k;
            parent[rx] = new;
            parent[ry] = new;
            size[new] = size[rx] + size[ry];
            Merge { left, right, dist, size: size[new] }
        })
        .collect()
}

/// The dendrogram's leaves left to right (scipy's `leaves_list`).
fn leaves(z: &[Merge], n: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(n);
    let mut stack = vec![n + z.len() - 1];
    while let Some(v) = stack.pop() {
        if v < n {
            out.push(v);
        } else {
            let m = z[v - n];
            stack.push(m.right);
            stack.push(m.left);
        }
    }
    out
}

/// scipy's `optimal_leaf_ordering(Z, D)`: swaps children so that the sum of distances between
/// neighbouring leaves is minimal. Mirrors scipy's arithmetic: partial sums held in float32.
#[allow(clippy::cast_possible_truncation, reason = "float32 accumulation is scipy's, on purpose")]
fn optimal_leaf_ordering(z: &mut [Merge], d: &[f64], n: usize) {
    let order = leaves(z, n);
    let mut pos = vec![0; n];
    for (s, &o) in order.iter().enumerate() {
        pos[o] = s;
    }
    let map = |v: usize| if v < n { pos[v] } else { v };
    let sz: Vec<(usize, usize)> = z.iter().map(|m| (map(m.left), map(m.right))).collect();
    let sd = |a: usize, b: usize| d[order[a] * n + order[b]];
    let mut range = vec![(0_usize, 0_usize); 2 * n - 1];
    for (i, r) in range.iter_mut().enumerate().take(n) {
        *r = (i, i + 1);
    }
    for (k, &(l, r)) in sz.iter().enumerate() {
        range[n + k] = (range[l].0, range[r].1);
    }
    let mut mm = vec![0.0_f32; n * n];
    let mut swap = vec![[0_u8; 2]; n * n];
    let mut must = vec![0_u8; n - 1];
    const BIG: f32 = f32::from_bits(0x4E80_0000); // 2^30, scipy's sentinel
    let mut mvals: Vec<(f32, usize)> = Vec::new();
    let mut kvals: Vec<(f32, usize)> = Vec::new();
    for &(vl, vr) in &sz {
        let (uc, mc): (Vec<usize>, Vec<usize>) = if vl < n {
            (vec![vl], vec![vl])
        } else {
            let (a, b) = sz[vl - n];
            (vec![a, b], vec![b, a])
        };
        let (wc, kc): (Vec<usize>, Vec<usize>) = if vr < n {
            (vec![vr], vec![vr])
        } else {
            let (a, b) = sz[vr - n];
            (vec![b, a], vec![a, b])
        };
        for sl in 0..uc.len() {
            for sr in 0..wc.len() {
                let (u0, u1) = range[uc[sl]];
                let (m0, m1) = range[mc[sl]];
                let (w0, w1) = range[wc[sr]];
                let (k0, k1) = range[kc[sr]];
                let mut min_km = BIG;
                for m in m0..m1 {
                    for k in k0..k1 {
                        let v = sd(m, k);
                        if v < f64::from(min_km) {
                            min_km = v as f32;
                        }
                    }
                }
                for u in u0..u1 {
                    mvals.clear();
                    mvals.extend((m0..m1).map(|m| (mm[m * n + u], m)));
                    mvals.sort_by(|a, b| a.0.total_cmp(&b.0));
                    for w in w0..w1 {
                        kvals.clear();
                        kvals.extend((k0..k1).map(|k| (mm[k * n + w], k)));
                        kvals.sort_by(|a, b| a.0.total_cmp(&b.0));
                        let mut cur = BIG;
                        for &(_, m) in &mvals {
                            let mum = mm[u * n + m];
                            if mum + mm[w * n + kvals[0].1] + min_km >= cur {
                                break;
                            }
                            for &(_, k) in &kvals {
                                let mwk = mm[w * n + k];
                                if mum + mwk + min_km >= cur {
                                    break;
                                }
                                let c = (f64::from(mum + mwk) + sd(m, k)) as f32;
                                if c < cur {
                                    cur = c;
                                }
                            }
                        }
                        mm[u * n + w] = cur;
                        mm[w * n + u] = cur;
                        swap[u * n + w] = [sl as u8, sr as u8];
                        swap[w * n + u] = [sl as u8, sr as u8];
                    }
                }
            }
        }
        let mut cur = BIG;
        let (mut bu, mut bw) = (0, 0);
        for u in range[vl].0..range[vl].1 {
            for w in range[vr].0..range[vr].1 {
                if mm[u * n + w] < cur {
                    cur = mm[u * n + w];
                    bu = u;
                    bw = w;
                }
            }
        }
        if vl >= n {
            must[vl - n] = swap[bu * n + bw][0];
        }
        if vr >= n {
            must[vr - n] = swap[bu * n + bw][1];
        }
    }
    // a node is swapped when an odd number of itself and its ancestors must swap
    let mut parity = vec![0_u8; n - 1];
    for k in (0..n - 1).rev() {
        parity[k] ^= must[k];
        let (l, r) = sz[k];
        for c in [l, r] {
            if c >= n {
                parity[c - n] = parity[k];
            }
        }
    }
    for (m, &p) in z.iter_mut().zip(&parity) {
        if p == 1 {
            std::mem::swap(&mut m.left, &mut m.right);
        }
    }
}

/// Recursive bisection of the ordered leaves with inverse-variance cluster variances.
fn bisect(cov: &[f64], n: usize, order: &[usize], w: &mut [f64]) {
    w.fill(1.0);
    let var = |ids: &[usize]| -> f64 {
        let inv: Vec<f64> = ids.iter().map(|&i| 1.0 / cov[i * n + i]).collect();
        let s: f64 = inv.iter().sum();
        let mut v = 0.0;
        for (a, &i) in ids.iter().enumerate() {
            let mut row = 0.0;
            for (b, &j) in ids.iter().enumerate() {
                row += cov[i * n + j] * inv[b];
            }
            v += inv[a] * row;
        }
        v / (s * s)
    };
    let mut items: Vec<&[usize]> = vec![order];
    while !items.is_empty() {
        let mut next = Vec::new();
        for it in items {
            if it.len() < 2 {
                continue;
            }
            let (l, r) = it.split_at(it.len() / 2);
            let (vl, vr) = (var(l), var(r));
            let alpha = 1.0 - vl / (vl + vr);
            for &i in l {
                w[i] *= alpha;
            }
            for &i in r {
                w[i] *= 1.0 - alpha;
            }
            next.push(l);
            next.push(r);
        }
        items = next;
    }
}

/// Declaration of `hrp`.
pub static HRP: FunctionDecl = FunctionDecl {
    name: "hrp",
    module: Module::Alloc,
    group: "Hierarchical",
    summary: "Hierarchical Risk Parity weights from returns",
    doc: "Pearson distance sqrt((1-rho)/2), scipy-equivalent linkage, optimal leaf ordering \
          (skfolio HierarchicalSeriation) or plain dendrogram order (PyPortfolioOpt HRPOpt), \
          recursive bisection with inverse-variance cluster variances.",
    inputs: &[InputSpec::matrix("returns", "t x n returns, one row per period, one column per asset")],
    params: &[
        ParamSpec::choice("linkage", "single", LINKAGES, "scipy linkage method"),
        ParamSpec::choice(
            "leaf_order",
            "optimal",
            LEAF_ORDERS,
            "\"optimal\": scipy's optimal_leaf_ordering (skfolio); \"none\": plain dendrogram order (PyPortfolioOpt)",
        ),
    ],
    outputs: &[OutputSpec::per_column("weights")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let (data, rows, cols) = i.matrix(0);
        hrp_into(data, rows, cols, p.str(0), p.str(1), o.f64(0))
    },
    stream: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn cd(points: &[f64]) -> Vec<f64> {
        let n = points.len();
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                d[i * n + j] = (points[i] - points[j]).abs();
            }
        }
        d
    }

    #[test]
    fn single_linkage_like_scipy() {
        // scipy.cluster.hierarchy.linkage(pdist([[0],[1],[3],[7]]), "single"):
        // [[0,1,1,2],[2,4,2,3],[3,5,4,4]]
        let d = cd(&[0.0, 1.0, 3.0, 7.0]);
        let z = linkage_matrix(&d, 4, Method::Single);
        let got: Vec<(usize, usize, f64, usize)> =
            z.iter().map(|m| (m.left, m.right, m.dist, m.size)).collect();
        assert_eq!(got, vec![(0, 1, 1.0, 2), (2, 4, 2.0, 3), (3, 5, 4.0, 4)]);
        for m in [Method::Complete, Method::Average, Method::Weighted, Method::Ward] {
            let z = linkage_matrix(&d, 4, m);
            assert_eq!((z[0].left, z[0].right, z[0].dist), (0, 1, 1.0));
            assert_eq!(z[2].size, 4);
        }
        // complete: [[0,1,1],[2,4,3],[3,5,7]]
        let z = linkage_matrix(&d, 4, Method::Complete);
        assert_eq!((z[1].left, z[1].right, z[1].dist, z[2].dist), (2, 4, 3.0, 7.0));
    }

    #[test]
    fn ties_resolve_as_in_scipy() {
        // cityblock distances of 8 grid points: most merges tie at distance 1. Expected values
        // from scipy 1.17.1: linkage(pdist(pts, "cityblock"), m), leaves_list of it and of
        // optimal_leaf_ordering(Z, d).
        let pts = [
            (0.0, 0.0),
            (1.0, 0.0),
            (2.0, 0.0),
            (0.0, 1.0),
            (1.0, 1.0),
            (3.0, 3.0),
            (4.0, 3.0),
            (3.0, 4.0),
        ];
        let n = pts.len();
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                d[i * n + j] = f64::abs(pts[i].0 - pts[j].0) + f64::abs(pts[i].1 - pts[j].1);
            }
        }
        let others: [[usize; 2]; 7] = [[0, 1], [3, 4], [5, 6], [2, 8], [7, 10], [9, 11], [12, 13]];
        type Case = (Method, [[usize; 2]; 7], [usize; 8], [usize; 8]);
        let cases: [Case; 5] = [
            (
                Method::Single,
                [[0, 1], [2, 8], [3, 9], [4, 10], [5, 6], [7, 12], [11, 13]],
                [4, 3, 2, 0, 1, 7, 5, 6],
                [4, 3, 0, 1, 2, 6, 5, 7],
            ),
            (Method::Complete, others, [7, 5, 6, 3, 4, 2, 0, 1], [7, 5, 6, 2, 1, 0, 3, 4]),
            (Method::Average, others, [7, 5, 6, 3, 4, 2, 0, 1], [7, 5, 6, 2, 1, 0, 3, 4]),
            (Method::Weighted, others, [7, 5, 6, 3, 4, 2, 0, 1], [7, 5, 6, 2, 1, 0, 3, 4]),
            (Method::Ward, others, [7, 5, 6, 3, 4, 2, 0, 1], [7, 5, 6, 2, 1, 0, 3, 4]),
        ];
        for (m, merges, plain, optimal) in cases {
            let mut z = linkage_matrix(&d, n, m);
            let got: Vec<[usize; 2]> = z.iter().map(|x| [x.left, x.right]).collect();
            assert_eq!(got, merges, "{m:?}");
            assert_eq!(leaves(&z, n), plain, "{m:?}");
            optimal_leaf_ordering(&mut z, &d, n);
            assert_eq!(leaves(&z, n), optimal, "{m:?} optimal");
        }
        let ward = linkage_matrix(&d, n, Method::Ward);
        assert!(
            (ward[6].dist - 10.392_305).abs() < 1e-6 && (ward[3].dist - 3f64.sqrt()).abs() < 1e-12
        );
    }

    #[test]
    fn weights_sum_to_one() {
        let r: Vec<f64> = (0..200)
            .flat_map(|t| {
                let x = f64::from(t);
                [
                    libm::sin(x * 0.7) * 0.01,
                    libm::cos(x * 1.3) * 0.02,
                    libm::sin(x * 0.7) * 0.012 + libm::sin(x * 2.1) * 0.001,
                    libm::sin(x * 0.3) * 0.03,
                ]
            })
            .collect();
        for l in LINKAGES {
            for o in LEAF_ORDERS {
                let w = hrp(&r, 200, 4, l, o).unwrap();
                assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-14 && w.iter().all(|&x| x > 0.0));
            }
        }
        assert!(hrp(&r, 200, 4, "centroid", "none").is_err());
        assert!(hrp(&r[..4], 1, 4, "single", "none").is_err());
    }
}
