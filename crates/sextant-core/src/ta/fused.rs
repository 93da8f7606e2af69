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
}
