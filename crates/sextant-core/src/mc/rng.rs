//! The counter-based generator behind every simulation: Philox4x32-10 (Salmon et al., "Parallel
//! random numbers: as easy as 1, 2, 3", SC 2011) keyed by the seed, with the stream (path) index
//! in the upper half of the counter, and a ziggurat normal transform (Marsaglia and Tsang 2000,
//! in Doornik's 2005 formulation with 128 layers).
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

/// Philox blocks computed together: independent lanes let the CPU overlap the multiplications
/// (and the compiler vectorise them) instead of waiting on one block's 10 dependent rounds.
const LANES: usize = 4;
/// Words buffered per refill (two per block).
const WORDS: usize = 2 * LANES;

/// [`philox4x32_10`] of `LANES` consecutive blocks `b0, b0 + 1, ...` of one stream, lane by
/// lane; the same numbers as `LANES` separate calls.
#[inline]
#[allow(clippy::cast_possible_truncation, reason = "hi/lo halves of a 64-bit product")]
fn philox_lanes(b0: u64, stream: [u32; 2], key: [u32; 2]) -> [u64; WORDS] {
    let mut c0 = [0u32; LANES];
    let mut c1 = [0u32; LANES];
    let c2i = [stream[0]; LANES];
    let c3i = [stream[1]; LANES];
    let (mut c2, mut c3) = (c2i, c3i);
    for l in 0..LANES {
        let [lo, hi] = halves(b0.wrapping_add(l as u64));
        c0[l] = lo;
        c1[l] = hi;
    }
    let [mut k0, mut k1] = key;
    for round in 0..10 {
        if round > 0 {
            k0 = k0.wrapping_add(W0);
            k1 = k1.wrapping_add(W1);
        }
        for l in 0..LANES {
            let p0 = u64::from(M0) * u64::from(c0[l]);
            let p1 = u64::from(M1) * u64::from(c2[l]);
            let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
            let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
            c0[l] = hi1 ^ c1[l] ^ k0;
            c1[l] = lo1;
            c2[l] = hi0 ^ c3[l] ^ k1;
            c3[l] = lo0;
        }
    }
    let mut out = [0u64; WORDS];
    for l in 0..LANES {
        out[2 * l] = u64::from(c0[l]) | (u64::from(c1[l]) << 32);
        out[2 * l + 1] = u64::from(c2[l]) | (u64::from(c3[l]) << 32);
    }
    out
}

/// One stream of 64-bit words: block `b` of stream `p` under seed `s` is
/// `philox4x32_10([b_lo, b_hi, p_lo, p_hi], [s_lo, s_hi])`, read as two words (the first from
/// output words 0 and 1, the second from 2 and 3, low half first).
#[derive(Debug, Clone)]
pub struct Stream {
    key: [u32; 2],
    stream: [u32; 2],
    block: u64,
    buf: [u64; WORDS],
    used: usize,
}

#[allow(clippy::cast_possible_truncation, reason = "splitting u64 into u32 halves")]
const fn halves(x: u64) -> [u32; 2] {
    [x as u32, (x >> 32) as u32]
}

impl Stream {
    /// Stream number `stream` of generator `seed`.
    #[must_use]
    pub const fn new(seed: u64, stream: u64) -> Self {
        Self { key: halves(seed), stream: halves(stream), block: 0, buf: [0; WORDS], used: WORDS }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        if self.used == WORDS {
            self.buf = philox_lanes(self.block, self.stream, self.key);
            self.block = self.block.wrapping_add(LANES as u64);
            self.used = 0;
        }
        let x = self.buf[self.used];
        self.used += 1;
        x
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
    /// 7, the magnitude from the top 53 bits; rejections draw more words.
    #[inline]
    #[allow(clippy::cast_precision_loss, reason = "53-bit integers are exact in f64")]
    pub fn sample(&self, s: &mut Stream) -> f64 {
        loop {
            let bits = s.next_u64();
            let i = (bits & 0x7f) as usize;
            let neg = bits & 0x80 != 0;
            let u = ((bits >> 11) as i64) as f64 * TWO_M53;
            let sign = if neg { -1.0 } else { 1.0 };
            if u < self.ratio[i] {
                return sign * (u * self.x[i]);
            }
            if i == 0 {
                // the tail beyond R (Marsaglia 1964)
                loop {
                    let a = libm::log(s.uniform_open0()) / R;
                    let b = libm::log(s.uniform_open0());
                    if -2.0 * b >= a * a {
                        return sign * (R - a);
                    }
                }
            }
            let x = u * self.x[i];
            let f0 = libm::exp(-0.5 * (self.x[i] * self.x[i] - x * x));
            let f1 = libm::exp(-0.5 * (self.x[i + 1] * self.x[i + 1] - x * x));
            if f1 + s.uniform_open0() * (f0 - f1) < 1.0 {
                return sign * x;
            }
        }
    }
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
    fn streams_read_blocks_in_order() {
        let mut s = Stream::new(0x1234_5678_9abc, 77);
        for b in 0..10u64 {
            let r = philox4x32_10(
                [b as u32, (b >> 32) as u32, 77, 0],
                [0x5678_9abc, 0x1234],
            );
            assert_eq!(s.next_u64(), u64::from(r[0]) | (u64::from(r[1]) << 32));
            assert_eq!(s.next_u64(), u64::from(r[2]) | (u64::from(r[3]) << 32));
        }
    }

    #[test]
    fn ziggurat_tables_close_the_top_layer() {
        let z = Ziggurat::new();
        // the 128 layers of area V stack up to f(0) = 1: the top layer's width is tiny
        assert!(z.x[LAYERS - 1] > 0.0 && z.x[LAYERS - 1] < 0.3, "{}", z.x[LAYERS - 1]);
        assert!(z.ratio.iter().all(|r| (0.0..1.0).contains(r)));
    }
}
