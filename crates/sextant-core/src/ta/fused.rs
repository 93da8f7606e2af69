//! Fused multiply-add on the dependency chains of the recursive indicators.
//!
//! An EMA, a Wilder average or an ATR is a chain `s = s * a + term`: every bar waits for the
//! previous one, so the latency of the chain is the speed of the indicator. A multiply and an
//! add cost 6 cycles on Zen 3; one fused multiply-add (FMA) costs 4. TA-Lib's wheel selects an
//! FMA build of each function when the CPU has it, and Sextant does the same, with two rules:
//!
//! - **Stream == batch on every machine.** The batch loop and the stream step of an indicator
//!   make the same choice, [`enabled`], decided once per process, so the values of a stream
//!   and of the batch function stay identical bit for bit.
//! - **`f64::mul_add` only where the CPU fuses.** It runs inside functions compiled with the
//!   `fma` target feature after the runtime check (or on aarch64, where FMA is part of the
//!   base ISA), never through libm's software `fma`.
//!
//! Fused and unfused chains differ by about one unit in the last place (far inside the TA-Lib
//! parity tolerance, 1e-9 relative). WASM never fuses, so a native build with FMA and the WASM
//! build can differ in the last bits of these indicators. `SEXTANT_FMA=off` in the environment
//! (read once, at the first use) turns fusing off on native builds: every target then gives
//! the same bits, which is what the WASM-vs-native tests assert.

use std::sync::OnceLock;

/// Whether the chains are fused in this process: the CPU has FMA and AVX2 (x86-64) or is
/// aarch64, and `SEXTANT_FMA` is not `off`/`0`/`false`. Decided at the first call.
#[inline]
#[must_use]
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code, reason = "never fused there: the callers compile the check out")
)]
pub(crate) fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        let off = std::env::var("SEXTANT_FMA")
            .is_ok_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "off" | "0" | "false"));
        !off && cpu_has_fma()
    })
}

#[cfg(target_arch = "x86_64")]
fn cpu_has_fma() -> bool {
    std::arch::is_x86_feature_detected!("fma") && std::arch::is_x86_feature_detected!("avx2")
}

#[cfg(target_arch = "aarch64")]
const fn cpu_has_fma() -> bool {
    true
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[allow(dead_code, reason = "see `enabled`")]
const fn cpu_has_fma() -> bool {
    false
}

/// `a * b + c`: one rounding when `F` (call it only where the CPU fuses: inside
/// [`FusedLoop::run`] of a loop dispatched by [`run`]), two otherwise.
#[inline(always)]
#[allow(clippy::disallowed_methods, reason = "fused only in FMA frames (see the module doc)")]
pub(crate) fn madd<const F: bool>(a: f64, b: f64, c: f64) -> f64 {
    if F {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `a * b + c` as the batch loops of this process compute it (see [`enabled`]): the stream
/// steps call this so that they give the same bits as the batch loops.
#[inline]
#[allow(unsafe_code, reason = "calls the FMA build after the runtime check")]
pub(crate) fn madd_dyn(a: f64, b: f64, c: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if enabled() {
        // SAFETY: `enabled` checked that the CPU has FMA.
        return unsafe { madd_fma(a, b, c) };
    }
    #[cfg(target_arch = "aarch64")]
    if enabled() {
        return madd::<true>(a, b, c);
    }
    a * b + c
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
#[allow(clippy::disallowed_methods, reason = "compiled for FMA: one instruction")]
fn madd_fma(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}

/// A batch loop written once, generic over fusing; [`run`] picks the instance.
pub(crate) trait FusedLoop {
    /// What the loop returns.
    type Out;
    /// The loop, with [`madd::<F>`] on its chains. Mark implementations `#[inline(always)]`
    /// so that they are compiled inside the FMA frame of [`run`].
    fn run<const F: bool>(self) -> Self::Out;
}

/// Declares the arguments of a batch loop for [`run`]: a struct of the named fields (borrows
/// with the lifetime `'a`) and its [`FusedLoop`] impl, whose body is an expression over the
/// fields that may use the const `F` (fused or not).
///
/// ```ignore
/// fused_loop!(EmaFill { ema: &'a ExponentialMovingAverage, x: &'a [f64], out: &'a mut [f64] }
///     => ema.fill_with::<F>(x, out));
/// super::fused::run(EmaFill { ema: self, x, out })
/// ```
macro_rules! fused_loop {
    ($name:ident { $($field:ident: $ty:ty),+ $(,)? } => $body:expr) => {
        /// The arguments of a batch loop, for `ta::fused::run`.
        struct $name<'a> {
            $($field: $ty),+
        }

        impl $crate::ta::fused::FusedLoop for $name<'_> {
            type Out = bool;
            #[inline(always)]
            fn run<const F: bool>(self) -> bool {
                let Self { $($field),+ } = self;
                $body
            }
        }
    };
}
pub(crate) use fused_loop;

/// Runs `l` fused (compiled for AVX2 and FMA) when [`enabled`], else unfused.
#[inline]
#[allow(unsafe_code, reason = "calls the AVX2 + FMA build after the runtime check")]
pub(crate) fn run<L: FusedLoop>(l: L) -> L::Out {
    #[cfg(target_arch = "x86_64")]
    if enabled() {
        // SAFETY: `enabled` checked that the CPU has AVX2 and FMA.
        return unsafe { run_avx2_fma(l) };
    }
    #[cfg(target_arch = "aarch64")]
    if enabled() {
        return l.run::<true>();
    }
    l.run::<false>()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2_fma<L: FusedLoop>(l: L) -> L::Out {
    l.run::<true>()
}

/// A chain `y[t] = a y[t-1] + u[t]` computed four bars apart:
/// `y[t] = a^4 y[t-4] + (u[t] + a (u[t-1] + a (u[t-2] + a u[t-3])))`, from `back = y[t-4]` and
/// the terms `u = [u[t-3], u[t-2], u[t-1], u[t]]`, with the multiply-add of the caller (the
/// stream's [`madd_dyn`] or a batch loop's [`madd`]). Four steps' value to about one unit in the
/// last place, and four independent chains where there was one: a batch loop runs them as one
/// vector multiply-add per four bars, with this same function over [`Quad`] lanes (`T`), so
/// that stream and batch share one order of operations.
#[inline(always)]
pub(crate) fn four_apart<T: Copy>(
    madd: impl Fn(T, T, T) -> T,
    a: T,
    a4: T,
    back: T,
    u: [T; 4],
) -> T {
    madd(back, a4, madd(a, madd(a, madd(a, u[0], u[1]), u[2]), u[3]))
}

/// Four consecutive bars of a batch loop, one per lane: each lane computes what the stream
/// computes for its bar, with the same operations in the same order, so a loop written over a
/// `Quad` gives the stream's bits. [`Lanes`] is the portable form; [`Avx`] the AVX2 + FMA
/// registers, for loops inside [`run`]'s fused frame. (WASM steps those kernels instead.)
#[cfg(not(target_arch = "wasm32"))]
pub(crate) trait Quad: Copy {
    /// All four lanes `v`.
    fn splat(v: f64) -> Self;
    /// `s[i..i + 4]`.
    fn load(s: &[f64], i: usize) -> Self;
    /// Lanes from an array (bar order).
    fn from_array(a: [f64; 4]) -> Self;
    /// The lanes (bar order).
    fn to_array(self) -> [f64; 4];
    /// Writes the lanes to `s[i..i + 4]`.
    fn store(self, s: &mut [f64], i: usize);
    /// Lane-wise `self * b`.
    fn mul(self, b: Self) -> Self;
    /// Lane-wise `self - b`.
    fn sub(self, b: Self) -> Self;
    /// Lane-wise `self * b + c`, as [`madd`] of the loop's `F`.
    fn madd(self, b: Self, c: Self) -> Self;
    /// The lanes one, two and three bars back, from the previous four bars `prev` and these:
    /// `([p3, c0, c1, c2], [p2, p3, c0, c1], [p1, p2, p3, c0])`.
    fn back(prev: Self, cur: Self) -> (Self, Self, Self);
    /// Whether a lane is NaN.
    fn any_nan(self) -> bool;
}

/// [`Quad`] as four `f64`s, fused when `F` (call it with `F` only inside [`run`]'s frame).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy)]
pub(crate) struct Lanes<const F: bool>([f64; 4]);

#[cfg(not(target_arch = "wasm32"))]
impl<const F: bool> Quad for Lanes<F> {
    #[inline(always)]
    fn splat(v: f64) -> Self {
        Self([v; 4])
    }
    #[inline(always)]
    fn load(s: &[f64], i: usize) -> Self {
        Self([s[i], s[i + 1], s[i + 2], s[i + 3]])
    }
    #[inline(always)]
    fn from_array(a: [f64; 4]) -> Self {
        Self(a)
    }
    #[inline(always)]
    fn to_array(self) -> [f64; 4] {
        self.0
    }
    #[inline(always)]
    fn store(self, s: &mut [f64], i: usize) {
        s[i..i + 4].copy_from_slice(&self.0);
    }
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        Self(std::array::from_fn(|j| self.0[j] * b.0[j]))
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        Self(std::array::from_fn(|j| self.0[j] - b.0[j]))
    }
    #[inline(always)]
    fn madd(self, b: Self, c: Self) -> Self {
        Self(std::array::from_fn(|j| madd::<F>(self.0[j], b.0[j], c.0[j])))
    }
    #[inline(always)]
    fn back(prev: Self, cur: Self) -> (Self, Self, Self) {
        let ([_, p1, p2, p3], [c0, c1, c2, _]) = (prev.0, cur.0);
        (Self([p3, c0, c1, c2]), Self([p2, p3, c0, c1]), Self([p1, p2, p3, c0]))
    }
    #[inline(always)]
    fn any_nan(self) -> bool {
        self.0.iter().any(|v| v.is_nan())
    }
}

/// [`Quad`] in one AVX register, with fused multiply-adds. Only loops that [`run`] runs fused
/// (after its check for AVX2 and FMA) may build one.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct Avx(std::arch::x86_64::__m256d);

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code, reason = "AVX2 + FMA intrinsics, in loops run after the CPU check")]
impl Quad for Avx {
    // SAFETY (every method): an `Avx` is only built in loops compiled into `run_avx2_fma`,
    // which `run` calls after checking that the CPU has AVX2 and FMA; the loads and stores
    // are bounds-checked on the slice first.
    #[inline(always)]
    fn splat(v: f64) -> Self {
        Self(unsafe { std::arch::x86_64::_mm256_set1_pd(v) })
    }
    #[inline(always)]
    fn load(s: &[f64], i: usize) -> Self {
        let s = &s[i..i + 4];
        Self(unsafe { std::arch::x86_64::_mm256_loadu_pd(s.as_ptr()) })
    }
    #[inline(always)]
    fn from_array(a: [f64; 4]) -> Self {
        Self::load(&a, 0)
    }
    #[inline(always)]
    fn to_array(self) -> [f64; 4] {
        let mut a = [0.0; 4];
        self.store(&mut a, 0);
        a
    }
    #[inline(always)]
    fn store(self, s: &mut [f64], i: usize) {
        let s = &mut s[i..i + 4];
        unsafe { std::arch::x86_64::_mm256_storeu_pd(s.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        Self(unsafe { std::arch::x86_64::_mm256_mul_pd(self.0, b.0) })
    }
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        Self(unsafe { std::arch::x86_64::_mm256_sub_pd(self.0, b.0) })
    }
    #[inline(always)]
    fn madd(self, b: Self, c: Self) -> Self {
        Self(unsafe { std::arch::x86_64::_mm256_fmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn back(prev: Self, cur: Self) -> (Self, Self, Self) {
        use std::arch::x86_64::{_mm256_permute2f128_pd, _mm256_shuffle_pd};
        unsafe {
            // [p2, p3, c0, c1]
            let two = _mm256_permute2f128_pd::<0x21>(prev.0, cur.0);
            // lanes (a1, b0, a3, b2) of (a, b)
            (
                Self(_mm256_shuffle_pd::<0b0101>(two, cur.0)),
                Self(two),
                Self(_mm256_shuffle_pd::<0b0101>(prev.0, two)),
            )
        }
    }
    #[inline(always)]
    fn any_nan(self) -> bool {
        use std::arch::x86_64::{_mm256_cmp_pd, _mm256_movemask_pd, _CMP_UNORD_Q};
        unsafe { _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_UNORD_Q>(self.0, self.0)) != 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn madd_is_one_rounding_when_fused() {
        // (1 + 2^-30)^2 - 1 = 2^-29 + 2^-60: the 2^-60 is lost by a rounded product.
        let (e29, e30) = (1.0 / 536_870_912.0, 1.0 / 1_073_741_824.0);
        let e60 = e30 * e30;
        let a = 1.0 + e30;
        let two_roundings = a * a - 1.0;
        assert_eq!(two_roundings, e29);
        let got = madd_dyn(a, a, -1.0);
        if enabled() {
            assert_eq!(got, e29 + e60);
        } else {
            assert_eq!(got, two_roundings);
        }
        struct L(f64);
        impl FusedLoop for L {
            type Out = f64;
            #[inline(always)]
            fn run<const F: bool>(self) -> f64 {
                madd::<F>(self.0, self.0, -1.0)
            }
        }
        assert_eq!(run(L(a)).to_bits(), got.to_bits(), "batch and stream fuse alike");
    }

    /// Every [`Quad`] operation of the AVX form gives the portable form's bits.
    #[test]
    fn quads_agree_lane_for_lane() {
        fn ops<Q: Quad>(x: &[f64]) -> Vec<u64> {
            let (p, c, k) = (Q::load(x, 0), Q::load(x, 4), Q::splat(x[8]));
            let (b1, b2, b3) = Q::back(p, c);
            let mut out = vec![0.0; 4];
            let mut v: Vec<f64> = Vec::new();
            for q in
                [b1, b2, b3, p.mul(k), p.sub(c), p.madd(c, k), Q::from_array([1.0, 2.0, 3.0, 4.0])]
            {
                q.store(&mut out, 0);
                v.extend(&out);
                v.extend(q.to_array());
            }
            v.push(f64::from(u8::from(p.any_nan())));
            v.iter().map(|f| f.to_bits()).collect()
        }
        struct Both<'a>(&'a [f64]);
        impl FusedLoop for Both<'_> {
            type Out = (Vec<u64>, Vec<u64>);
            #[inline(always)]
            fn run<const F: bool>(self) -> Self::Out {
                #[cfg(target_arch = "x86_64")]
                if F {
                    return (ops::<Avx>(self.0), ops::<Lanes<F>>(self.0));
                }
                (ops::<Lanes<F>>(self.0), ops::<Lanes<F>>(self.0))
            }
        }
        let a = 1.0 + 1.0 / 1_073_741_824.0;
        let x = [a, 2.5, -3.0, 0.1, 7.0, a, 1e300, -0.0, a];
        let (got, want) = run(Both(&x));
        assert_eq!(got, want);
        // lanes one, two and three bars back
        let l = |x: &[f64]| Lanes::<false>::load(x, 0);
        let (b1, b2, b3) = Lanes::<false>::back(l(&[0.0, 1.0, 2.0, 3.0]), l(&[4.0, 5.0, 6.0, 7.0]));
        assert_eq!(
            [b1.0, b2.0, b3.0],
            [[3.0, 4.0, 5.0, 6.0], [2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0]]
        );
        let mut nan = x;
        nan[2] = f64::NAN;
        assert!(Lanes::<false>::load(&nan, 0).any_nan() && !l(&x).any_nan());
    }
}
