//! The generator behind every simulation. Each path has its own stream: xoshiro256++
//! (Blackman and Vigna, "Scrambled linear pseudorandom number generators", 2018) started from a
//! state that Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC
//! 2011), a counter-based generator, derives from `(seed, path)`. Normals come from a ziggurat
//! (Marsaglia and Tsang 2000, in Doornik's 2005 formulation with 128 layers).
//!
//! Stream `p` of seed `s` is a pure function of `(s, p)`: no state is shared between streams, so
//! results do not depend on the number of threads, on how paths are split across calls
//! (`first_path`) or on the target. The transform uses only IEEE basic operations and the `libm`
//! crate's `exp`, `log` and `sqrt` (no FMA: Rust never contracts `a * b + c`), so native and
//! WASM builds give the same bits.

/// Philox4x32 multipliers and Weyl key increments (Random123).
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// Philox4x32-10: encrypts `ctr` under `key`.
#[must_use]
#[inline]
#[allow(clippy::cast_possible_truncation, reason = "hi/lo halves of a 64-bit product")]
pub fn philox4x32_10(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let [mut c0, mut c1, mut c2, mut c3] = ctr;
    let [mut k0, mut k1] = key;
    for round in 0..10 {
        if round > 0 {
            k0 = k0.wrapping_add(W0);
            k1 = k1.wrapping_add(W1);
        }
        let p0 = u64::from(M0) * u64::from(c0);
        let p1 = u64::from(M1) * u64::from(c2);
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
    }
    [c0, c1, c2, c3]
}

/// One path's stream of 64-bit words: xoshiro256++ (Blackman and Vigna 2018) whose 256-bit
/// state is blocks 0 and 1 of Philox4x32-10 keyed by the seed, with the stream index in the
/// counter's upper half: `philox4x32_10([b, 0, p_lo, p_hi], [s_lo, s_hi])`. The state, and so
/// every word, is a pure function of `(seed, stream)`; the counter-based Philox separates the
/// streams, the sequential xoshiro makes each word cost a few instructions.
#[derive(Debug, Clone)]
pub struct Stream {
    s: [u64; 4],
}

#[allow(clippy::cast_possible_truncation, reason = "splitting u64 into u32 halves")]
const fn halves(x: u64) -> [u32; 2] {
    [x as u32, (x >> 32) as u32]
}

impl Stream {
    /// Stream number `stream` of generator `seed`.
    #[must_use]
    pub fn new(seed: u64, stream: u64) -> Self {
        let key = halves(seed);
        let [p0, p1] = halves(stream);
        let a = philox4x32_10([0, 0, p0, p1], key);
        let b = philox4x32_10([1, 0, p0, p1], key);
        let w = |r: [u32; 4], k: usize| u64::from(r[k]) | (u64::from(r[k + 1]) << 32);
        let mut s = [w(a, 0), w(a, 2), w(b, 0), w(b, 2)];
        if s == [0; 4] {
            // the one state xoshiro cannot leave; Philox gives it with probability 2^-256
            s[0] = 1;
        }
        Self { s }
    }

    /// A stream from a raw xoshiro256++ state (tests).
    #[must_use]
    pub const fn from_state(s: [u64; 4]) -> Self {
        Self { s }
    }

    /// The next 64 random bits (xoshiro256++).
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    /// A uniform double in (0, 1]: 53 random bits.
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "53-bit integers are exact in f64")]
    pub fn uniform_open0(&mut self) -> f64 {
        // via i64: one signed conversion instruction; exact below 2^53 either way
        (((self.next_u64() >> 11) + 1) as i64) as f64 * TWO_M53
    }

    /// A standard normal variate.
    #[inline]
    pub fn normal(&mut self, z: &Ziggurat) -> f64 {
        z.sample(self)
    }
}

const TWO_M53: f64 = 1.0 / 9_007_199_254_740_992.0;
const LAYERS: usize = 128;
/// Right edge of the base layer and area of each layer for 128 layers (Doornik 2005).
const R: f64 = 3.442_619_855_899;
const V: f64 = 9.912_563_035_262_17e-3;

/// The ziggurat tables (128 layers), built with `libm` so every target gets the same bits.
#[derive(Debug, Clone)]
pub struct Ziggurat {
    x: [f64; LAYERS + 1],
    ratio: [f64; LAYERS],
}

impl Default for Ziggurat {
    fn default() -> Self {
        Self::new()
    }
}

impl Ziggurat {
    /// Builds the tables.
    #[must_use]
    pub fn new() -> Self {
        let mut x = [0.0; LAYERS + 1];
        let mut f = libm::exp(-0.5 * R * R);
        x[0] = V / f;
        x[1] = R;
        for i in 2..LAYERS {
            x[i] = libm::sqrt(-2.0 * libm::log(V / x[i - 1] + f));
            f = libm::exp(-0.5 * x[i] * x[i]);
        }
        x[LAYERS] = 0.0;
        let mut ratio = [0.0; LAYERS];
        for i in 0..LAYERS {
            ratio[i] = x[i + 1] / x[i];
        }
        Self { x, ratio }
    }

    /// One standard normal variate from `s`: the layer from the low 7 bits, the sign from bit
    /// 7, the magnitude from the top 53 bits; rejections draw more words. The common case (a
    /// point inside its layer's rectangle, about 99% of draws) is inlined; the rest is out of
    /// line.
    #[inline(always)]
    #[allow(clippy::cast_precision_loss, reason = "53-bit integers are exact in f64")]
    pub fn sample(&self, s: &mut Stream) -> f64 {
        let bits = s.next_u64();
        let i = (bits & 0x7f) as usize;
        let u = ((bits >> 11) as i64) as f64 * TWO_M53;
        if u < self.ratio[i] {
            // the sign bit flipped without a branch (a random sign mispredicts half the time;
            // the same bits as `-v`)
            let v = u * self.x[i];
            return f64::from_bits(v.to_bits() ^ ((bits & 0x80) << 56));
        }
        // the stream's words go to the out-of-line path by value and come back the same way:
        // a `&mut` to the caller's stream would pin it in memory, and every word of the hot
        // loop would then load and store the state (store forwarding on the serial chain)
        let [a, b, c, d] = s.s;
        let (state, v) = self.sample_slow_by_value(a, b, c, d, bits);
        s.s = state;
        v
    }

    #[cold]
    #[inline(never)]
    fn sample_slow_by_value(&self, a: u64, b: u64, c: u64, d: u64, bits: u64) -> ([u64; 4], f64) {
        let mut s = Stream { s: [a, b, c, d] };
        let v = self.sample_slow(&mut s, bits);
        (s.s, v)
    }

    /// The rest of [`Ziggurat::sample`]: the base layer's tail, the wedges, and redraws.
    #[inline(always)]
    #[allow(clippy::cast_precision_loss, reason = "53-bit integers are exact in f64")]
    fn sample_slow(&self, s: &mut Stream, first: u64) -> f64 {
        let mut bits = first;
        loop {
            let i = (bits & 0x7f) as usize;
            let neg = bits & 0x80 != 0;
            let u = ((bits >> 11) as i64) as f64 * TWO_M53;
            let signed = |v: f64| if neg { -v } else { v };
            if u < self.ratio[i] {
                return signed(u * self.x[i]);
            }
            if i == 0 {
                // the tail beyond R (Marsaglia 1964)
                loop {
                    let a = libm::log(s.uniform_open0()) / R;
                    let b = libm::log(s.uniform_open0());
                    if -2.0 * b >= a * a {
                        return signed(R - a);
                    }
                }
            }
            let x = u * self.x[i];
            let f0 = libm::exp(-0.5 * (self.x[i] * self.x[i] - x * x));
            let f1 = libm::exp(-0.5 * (self.x[i + 1] * self.x[i + 1] - x * x));
            if f1 + s.uniform_open0() * (f0 - f1) < 1.0 {
                return signed(x);
            }
            bits = s.next_u64();
        }
    }
}

/// A Gamma(`shape`, 1) variate for `shape >= 1` (Marsaglia and Tsang, "A simple method for
/// generating gamma variables", ACM TOMS 2000): normals from `z` and uniforms from `s`.
#[must_use]
pub fn gamma(z: &Ziggurat, s: &mut Stream, shape: f64) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / libm::sqrt(9.0 * d);
    loop {
        let x = z.sample(s);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = s.uniform_open0();
        let x2 = x * x;
        if u < 1.0 - 0.0331 * x2 * x2 || libm::log(u) < 0.5 * x2 + d * (1.0 - v + libm::log(v)) {
            return d * v;
        }
    }
}

/// The factor that turns a standard normal `z` into a Student-t variate with `df` degrees of
/// freedom scaled to unit variance: `sqrt((df - 2) / V)`, `V = 2 Gamma(df / 2)` a chi-square
/// with `df` degrees of freedom (`df > 2`).
#[must_use]
pub fn student_t_scale(z: &Ziggurat, s: &mut Stream, df: f64) -> f64 {
    libm::sqrt((df - 2.0) / (2.0 * gamma(z, s, 0.5 * df)))
}

/// Largest Poisson mean drawn by one inversion; larger means are sums of pieces this size.
const POISSON_PIECE: f64 = 10.0;

/// A Poisson(`lambda`) variate by sequential inversion of the cumulative distribution (one
/// uniform per piece of mean at most 10; a larger mean is a sum of such pieces).
#[must_use]
#[allow(clippy::cast_precision_loss, reason = "counts are small")]
pub fn poisson(s: &mut Stream, lambda: f64) -> u64 {
    let mut total = 0;
    let mut rest = lambda;
    while rest > 0.0 {
        let l = rest.min(POISSON_PIECE);
        rest -= l;
        // a uniform in [0, 1): u = 0 gives 0
        let u = 1.0 - s.uniform_open0();
        let mut p = libm::exp(-l);
        let mut f = p;
        let mut k = 0u64;
        // P(k > 200) for a mean of 10 is below 1e-150: the cap only guards rounding at u ~ 1
        while u >= f && k < 200 {
            k += 1;
            p *= l / k as f64;
            f += p;
        }
        total += k;
    }
    total
}

/// A uniform index in `[0, n)` (`n >= 1`): the high word of `u64 x n` (Lemire 2019; the bias is
/// below `n / 2^64`).
#[must_use]
#[inline]
#[allow(clippy::cast_possible_truncation, reason = "the high word is below n")]
pub fn index(s: &mut Stream, n: usize) -> usize {
    ((u128::from(s.next_u64()) * n as u128) >> 64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn philox_known_answers() {
        // Random123's kat_vectors for philox4x32-10
        assert_eq!(
            philox4x32_10([0; 4], [0; 2]),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0]
            ),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn xoshiro_steps_as_published() {
        // by hand from the algorithm: rotl(1 + 4, 23) + 1, then the state update
        let mut s = Stream::from_state([1, 2, 3, 4]);
        assert_eq!(s.next_u64(), (5u64 << 23) + 1);
        // state after one step: s2 = 3^1 = 2 -> ^ (2 << 17); s3 = rotl(4^2, 45); s1 = 2^2 = 0 ...
        let t = 2u64 << 17;
        let (s2, s3) = (3u64 ^ 1, 4u64 ^ 2);
        let s1 = 2u64 ^ s2;
        let s0 = 1u64 ^ s3;
        let want = [s0, s1, s2 ^ t, s3.rotate_left(45)];
        assert_eq!(s.s, want);
    }

    #[test]
    fn streams_are_seeded_by_philox() {
        let s = Stream::new(0x1234_5678_9abc, 77);
        let a = philox4x32_10([0, 0, 77, 0], [0x5678_9abc, 0x1234]);
        assert_eq!(s.s[0], u64::from(a[0]) | (u64::from(a[1]) << 32));
        assert_ne!(Stream::new(1, 2).s, Stream::new(2, 1).s);
    }

    #[test]
    fn ziggurat_tables_close_the_top_layer() {
        let z = Ziggurat::new();
        // the 128 layers of area V stack up to f(0) = 1: the top layer's width is tiny
        assert!(z.x[LAYERS - 1] > 0.0 && z.x[LAYERS - 1] < 0.3, "{}", z.x[LAYERS - 1]);
        assert!(z.ratio.iter().all(|r| (0.0..1.0).contains(r)));
    }
}
