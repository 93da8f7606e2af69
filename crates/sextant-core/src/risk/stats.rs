//! Shared statistics helpers of the risk module.

use crate::error::{Error, Result};

/// The `period` options and their annualisation factors (empyrical's `ANNUALIZATION_FACTORS`).
pub const PERIODS: [(&str, f64); 5] =
    [("daily", 252.0), ("weekly", 52.0), ("monthly", 12.0), ("quarterly", 4.0), ("yearly", 1.0)];

/// The annualisation factor: `annualization` when given, else the factor of `period`.
///
/// # Errors
/// [`Error::UnknownOption`] for a `period` outside [`PERIODS`]; [`Error::OutOfRange`] for a
/// non-positive or non-finite `annualization`.
pub fn annualization_factor(period: &str, annualization: Option<f64>) -> Result<f64> {
    if let Some(a) = annualization {
        if !(a.is_finite() && a > 0.0) {
            return Err(Error::OutOfRange {
                param: "annualization".into(),
                value: a.to_string(),
                bound: "must be a positive number of periods per year".into(),
            });
        }
        return Ok(a);
    }
    PERIODS.iter().find(|(p, _)| *p == period).map(|(_, f)| *f).ok_or_else(|| {
        Error::UnknownOption {
            param: "period".into(),
            value: period.into(),
            allowed: PERIODS.iter().map(|(p, _)| *p).collect::<Vec<_>>().join(", "),
        }
    })
}

/// Neumaier-compensated sum of the non-NaN values and their count.
pub(crate) fn nansum_count(x: impl Iterator<Item = f64>) -> (f64, usize) {
    let (mut s, mut c, mut n) = (0.0f64, 0.0f64, 0usize);
    for v in x {
        if v.is_nan() {
            continue;
        }
        n += 1;
        let t = s + v;
        if s.abs() >= v.abs() {
            c += (s - t) + v;
        } else {
            c += (v - t) + s;
        }
        s = t;
    }
    (s + c, n)
}

/// Mean of the non-NaN values (NaN when there are none), compensated summation.
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub fn nanmean(x: &[f64]) -> f64 {
    let (s, n) = nansum_count(x.iter().copied());
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

/// Standard deviation of the non-NaN values with `ddof` delta degrees of freedom (NaN when
/// fewer than `ddof + 1` values), two-pass with compensated sums.
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub fn nanstd(x: &[f64], ddof: usize) -> f64 {
    let m = nanmean(x);
    let (ss, n) = nansum_count(x.iter().map(|v| (v - m) * (v - m)));
    if n <= ddof {
        f64::NAN
    } else {
        (ss / (n - ddof) as f64).sqrt()
    }
}

/// Count, mean, sum of squared deviations about the mean, min and max of the non-NaN values
/// of `x - shift`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Moments {
    pub(crate) n: usize,
    pub(crate) mean: f64,
    pub(crate) m2: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
}

impl Moments {
    const EMPTY: Self =
        Self { n: 0, mean: 0.0, m2: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY };

    /// Chan et al.'s pairwise combination of two partial results (stable, no cancellation).
    #[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    fn merge(self, o: Self) -> Self {
        if o.n == 0 {
            return self;
        }
        if self.n == 0 {
            return o;
        }
        let (na, nb) = (self.n as f64, o.n as f64);
        let n = na + nb;
        let d = o.mean - self.mean;
        Self {
            n: self.n + o.n,
            mean: self.mean + d * (nb / n),
            m2: self.m2 + o.m2 + d * d * (na * nb / n),
            min: self.min.min(o.min),
            max: self.max.max(o.max),
        }
    }

    /// Sample standard deviation with `ddof` (NaN when `n <= ddof`).
    #[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    pub(crate) fn std(&self, ddof: usize) -> f64 {
        if self.n <= ddof {
            f64::NAN
        } else {
            (self.m2 / (self.n - ddof) as f64).sqrt()
        }
    }

    /// The mean (NaN when empty).
    pub(crate) fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.mean
        }
    }
}

const LANES: usize = 8;
const CHUNK: usize = 2048;

/// [`Moments`] of `x - shift` in one pass over memory. Each 2048-value chunk (in L1 cache) is
/// summed as shifted data about a pivot taken from the chunk itself (`sum(z)`, `sum(z^2)` with
/// `z = v - pivot`, 8 independent lanes so it vectorises), which is exact to a few ulps because
/// the pivot lies inside the data; chunks are merged with Chan's formula. A chunk holding NaN
/// (its sum turns NaN) is redone skipping the NaNs. Constant data gives a zero sum of squares
/// exactly (every `z` is 0), which is empyrical's zero-dispersion rule.
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
pub(crate) fn moments(x: &[f64], shift: f64) -> Moments {
    let mut total = Moments::EMPTY;
    for chunk in x.chunks(CHUNK) {
        let part =
            chunk_moments_fast(chunk, shift).unwrap_or_else(|| chunk_moments_nan(chunk, shift));
        total = total.merge(part);
    }
    total
}

#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
fn from_shifted(n: f64, pivot: f64, s1: f64, s2: f64) -> Moments {
    let d = s1 / n;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "exact count")]
    Moments {
        n: n as usize,
        mean: pivot + d,
        m2: (s2 - s1 * d).max(0.0),
        min: f64::NAN,
        max: f64::NAN,
    }
}

/// NaN-free chunk: `None` when the chunk holds a NaN (or an infinity that makes one).
#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
fn chunk_moments_fast(chunk: &[f64], shift: f64) -> Option<Moments> {
    let pivot = chunk.first()? - shift;
    let (mut s1, mut s2) = ([0.0f64; LANES], [0.0f64; LANES]);
    let blocks = chunk.chunks_exact(LANES);
    let rem = blocks.remainder();
    for b in blocks {
        for j in 0..LANES {
            let z = (b[j] - shift) - pivot;
            s1[j] += z;
            s2[j] += z * z;
        }
    }
    let (mut a1, mut a2): (f64, f64) = (s1.iter().sum(), s2.iter().sum());
    for &v in rem {
        let z = (v - shift) - pivot;
        a1 += z;
        a2 += z * z;
    }
    if a1.is_nan() || a2.is_nan() || a2.is_infinite() {
        return None;
    }
    Some(from_shifted(chunk.len() as f64, pivot, a1, a2))
}

/// The chunk with NaNs skipped (pivot: its first non-NaN value).
fn chunk_moments_nan(chunk: &[f64], shift: f64) -> Moments {
    let Some(pivot) = chunk.iter().map(|v| v - shift).find(|v| !v.is_nan()) else {
        return Moments::EMPTY;
    };
    let (mut n, mut a1, mut a2) = (0.0f64, 0.0f64, 0.0f64);
    for &v in chunk {
        let z = (v - shift) - pivot;
        if !z.is_nan() {
            n += 1.0;
            a1 += z;
            a2 += z * z;
        }
    }
    if a1.is_nan() || a2.is_infinite() {
        // infinities: the two-pass form gives the IEEE result (inf / NaN) as numpy does
        let m = nanmean(&chunk.iter().map(|v| v - shift).collect::<Vec<_>>());
        let (ss, k) = nansum_count(chunk.iter().map(|v| (v - shift - m) * (v - shift - m)));
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "exact count")]
        return Moments { n: k, mean: m, m2: ss, min: f64::NAN, max: f64::NAN };
    }
    from_shifted(n, pivot, a1, a2)
}

/// empyrical's zero-dispersion rule: a standard deviation is 0 when every value is equal
/// (with the pivot-shifted sums of [`moments`], exactly when the sum of squares is 0).
pub(crate) fn zero_dispersion_std(m: &Moments, ddof: usize) -> f64 {
    let sd = m.std(ddof);
    if m.n > 0 && m.m2 == 0.0 && sd.is_finite() {
        0.0
    } else {
        sd
    }
}

/// The non-NaN values of `x`.
pub(crate) fn non_nan(x: &[f64]) -> Vec<f64> {
    x.iter().copied().filter(|v| !v.is_nan()).collect()
}

/// numpy's `percentile(x, 100 * q)` with linear interpolation (the default method) by
/// selection rather than a full sort; `None` when `x` holds a NaN (found by the selection pass
/// itself), NaN when empty.
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn percentile_checked(x: &[f64], q: f64) -> Option<f64> {
    let n = x.len();
    if n == 0 {
        return Some(f64::NAN);
    }
    // numpy: q = (100 q) / 100; virtual index = n q + (1 - q) - 1 (alpha = beta = 1)
    let q = (100.0 * q) / 100.0;
    let virt = ((n as f64) * q + (1.0 - q) - 1.0).clamp(0.0, (n - 1) as f64);
    let lo = virt.floor();
    let t = virt - lo;
    let lo = lo as usize;
    let r = select_ranks_checked(x, lo, (lo + 1).min(n - 1))?;
    Some(lerp(r.lo_value, r.hi_value, t))
}

/// numpy's `_lerp`: `a + (b - a) t`, or `b - (b - a)(1 - t)` when `t >= 0.5`.
pub(crate) fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

/// What [`select_ranks_checked`] finds: the values at two ranks and the sum of the values below the
/// lower one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranks {
    pub(crate) lo_value: f64,
    pub(crate) hi_value: f64,
    /// Sum of the `lo` smallest values (those strictly before rank `lo`).
    pub(crate) sum_below: f64,
}

/// Values at sorted ranks `lo <= hi < len` of `x` and the sum of the `lo` smallest; `None`
/// when `x` holds a NaN (found on the way, so callers need no separate NaN pass).
///
/// Large inputs: a strided sample brackets the ranks, one pass keeps only the values inside
/// the bracket (and counts and sums those below it), and `select_nth_unstable` runs on that
/// small buffer; if the bracket misses (adversarial data), a full selection on a copy.
pub(crate) fn select_ranks_checked(x: &[f64], lo: usize, hi: usize) -> Option<Ranks> {
    let n = x.len();
    if n >= 1 << 14 {
        match select_sampled(x, lo, hi) {
            Sampled::Found(r) => return Some(r),
            Sampled::HasNan => return None,
            Sampled::Missed => {}
        }
    }
    let mut v = x.to_vec();
    if v.iter().any(|x| x.is_nan()) {
        return None;
    }
    Some(select_in(&mut v, lo, hi))
}

enum Sampled {
    Found(Ranks),
    HasNan,
    Missed,
}

fn select_in(v: &mut [f64], lo: usize, hi: usize) -> Ranks {
    let (below, &mut lo_value, above) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let sum_below = pairwise_sum(below);
    let hi_value = if hi == lo {
        lo_value
    } else {
        let k = hi - lo - 1;
        *above.select_nth_unstable_by(k, f64::total_cmp).1
    };
    Ranks { lo_value, hi_value, sum_below }
}

/// Sum in 8 lanes (vectorises; error grows like log n as numpy's pairwise sum).
pub(crate) fn pairwise_sum(x: &[f64]) -> f64 {
    let mut s = [0.0f64; LANES];
    let blocks = x.chunks_exact(LANES);
    let rem = blocks.remainder();
    for b in blocks {
        for j in 0..LANES {
            s[j] += b[j];
        }
    }
    s.iter().sum::<f64>() + rem.iter().sum::<f64>()
}

#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn select_sampled(x: &[f64], lo: usize, hi: usize) -> Sampled {
    let n = x.len();
    let m = if n >= 1 << 22 { 16_384usize } else { 4096 };
    let stride = n / m;
    let mut sample: Vec<f64> = (0..m).map(|i| x[i * stride + (i * 7919) % stride]).collect();
    sample.sort_unstable_by(f64::total_cmp);
    let pos = |rank: usize| rank as f64 / n as f64 * m as f64;
    let p_lo = pos(lo);
    let p_hi = pos(hi);
    let sd = |p: f64| (p * (1.0 - p / m as f64)).max(1.0).sqrt();
    let a_idx = (p_lo - 4.0 * sd(p_lo) - 8.0).floor();
    let b_idx = (p_hi + 4.0 * sd(p_hi) + 8.0).ceil();
    let a = if a_idx < 0.0 { f64::NEG_INFINITY } else { sample[a_idx as usize] };
    let b = if b_idx >= (m - 1) as f64 { f64::INFINITY } else { sample[b_idx as usize] };
    let mut buf = Vec::with_capacity(((b_idx - a_idx) as usize * stride) * 2 + 64);
    let mut below = 0usize;
    let mut sum_below = 0.0f64;
    let mut lanes = [0.0f64; LANES];
    let mut counts = [0usize; LANES];
    let mut all = [0.0f64; LANES];
    let mut nans_rem = 0usize;
    let blocks = x.chunks_exact(LANES);
    let rem = blocks.remainder();
    for blk in blocks {
        let mut inside = false;
        for j in 0..LANES {
            let v = blk[j];
            let is_below = v < a;
            lanes[j] += if is_below { v } else { 0.0 };
            counts[j] += usize::from(is_below);
            // any NaN turns this lane's plain sum NaN (one add instead of a test and a count)
            all[j] += v;
            inside |= (v >= a) & (v <= b);
        }
        // one branch per block of 8 (rarely taken), not one per value
        if inside {
            for &v in blk {
                if v >= a && v <= b {
                    buf.push(v);
                }
            }
        }
    }
    for &v in rem {
        if v < a {
            below += 1;
            sum_below += v;
        } else if v <= b {
            buf.push(v);
        } else if v.is_nan() {
            nans_rem += 1;
        }
    }
    let block_below = counts.iter().sum::<usize>();
    if nans_rem > 0 {
        return Sampled::HasNan;
    }
    if all.iter().any(|s| s.is_nan()) {
        // a NaN, or +inf and -inf in one lane: look
        return if x.iter().any(|v| v.is_nan()) { Sampled::HasNan } else { Sampled::Missed };
    }
    below += block_below;
    sum_below += lanes.iter().sum::<f64>();
    if below > lo || below + buf.len() <= hi {
        return Sampled::Missed;
    }
    let r = select_in(&mut buf, lo - below, hi - below);
    Sampled::Found(Ranks {
        lo_value: r.lo_value,
        hi_value: r.hi_value,
        sum_below: sum_below + r.sum_below,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                #[allow(clippy::cast_precision_loss)]
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                u - 0.5
            })
            .collect()
    }

    /// The sampled bracket path (n >= 16384) equals a full sort, on random, sorted, reversed,
    /// periodic (aliasing the sample stride) and heavily tied data.
    #[test]
    fn sampled_selection_equals_sort() {
        let n = 100_003;
        let random = lcg(n, 7);
        let mut sorted = random.clone();
        sorted.sort_by(f64::total_cmp);
        let reversed: Vec<f64> = sorted.iter().rev().copied().collect();
        #[allow(clippy::cast_precision_loss)]
        let periodic: Vec<f64> =
            (0..n).map(|i| ((i % 24) as f64) - if i % 4096 == 0 { 100.0 } else { 0.0 }).collect();
        #[allow(clippy::cast_precision_loss)]
        let ties: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
        for x in [random, sorted, reversed, periodic, ties] {
            let mut s = x.clone();
            s.sort_by(f64::total_cmp);
            for &(lo, hi) in &[(0, 0), (4999, 5000), (5000, 5000), (95_000, 95_001), (n - 1, n - 1)]
            {
                let r = select_ranks_checked(&x, lo, hi).unwrap();
                assert_eq!((r.lo_value, r.hi_value), (s[lo], s[hi]));
                let want: f64 = s[..lo].iter().sum();
                assert!((r.sum_below - want).abs() <= 1e-9 * want.abs().max(1.0));
            }
        }
    }

    #[test]
    fn moments_match_two_pass() {
        let mut x = lcg(10_001, 3);
        x[17] = f64::NAN;
        let m = moments(&x, 0.001);
        let y: Vec<f64> = x.iter().filter(|v| !v.is_nan()).map(|v| v - 0.001).collect();
        assert_eq!(m.n, y.len());
        assert!((m.mean() - nanmean(&y)).abs() < 1e-15);
        assert!((m.std(1) - nanstd(&y, 1)).abs() < 1e-15);
    }
}

#[cfg(test)]
mod timing {
    /// Not a test: `cargo test --release -p sextant-core -- --ignored timing --nocapture`.
    #[test]
    #[ignore = "timing probe, not a test"]
    fn timing_probe() {
        let mut s = 5u64;
        let x: Vec<f64> = (0..10_000_000)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                #[allow(clippy::cast_precision_loss)]
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                (u - 0.4999) * 0.02
            })
            .collect();
        let t = |name: &str, f: &dyn Fn() -> f64| {
            let mut best = f64::INFINITY;
            let mut v = 0.0;
            for _ in 0..5 {
                let t0 = std::time::Instant::now();
                v = f();
                best = best.min(t0.elapsed().as_secs_f64() * 1e3);
            }
            println!("{name:<12} {best:8.2} ms  {v}");
        };
        t("copy", &|| x.clone()[5]);
        t("sum", &|| super::pairwise_sum(&x));
        t("moments", &|| super::moments(&x, 0.0).m2);
        t("select", &|| super::select_ranks_checked(&x, 499_999, 500_000).unwrap().lo_value);
        t("mdd", &|| crate::risk::max_drawdown(&x));
        t("sortino", &|| crate::risk::sortino_ratio(&x, 0.0, "daily", None).unwrap());
        t("tail_ratio", &|| crate::risk::tail_ratio(&x));
        t("summary", &|| crate::risk::summary(&x, "daily", None, 0.05).unwrap()[0]);
    }
}
