//! Element-wise functions: TA-Lib's Math Transform (`SIN`, `LN`, ...), the element-wise Math
//! Operators (`ADD`, `SUB`, `MULT`, `DIV`) and the Price Transforms (`AVGPRICE`, `MEDPRICE`,
//! `TYPPRICE`, `WCLPRICE`). Lookback 0; a NaN in any input gives NaN.
//!
//! Transcendental functions use the `libm` crate (not the platform's), so native and WASM
//! builds agree bit for bit.

use serde::{Deserialize, Serialize};

use crate::decl::{
    kernel_compute, kernel_lookback, kernel_stream, Flags, FromParams, FunctionDecl, InputSpec,
    Kernel, Module, OutputSpec, Params,
};
use crate::error::{check_same_len, Result};

/// Declares one element-wise function: its kernel, typed batch function and declaration.
macro_rules! elementwise {
    ($decl:ident, $kernel:ident, $func:ident, $group:literal, $summary:literal, $doc:literal,
     [$($input:ident: $idoc:literal),+], |$($arg:ident),+| $body:expr) => {
        #[doc = concat!("Streaming state of [`", stringify!($func), "`] (stateless).")]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
        pub struct $kernel;

        impl Kernel for $kernel {
            const INPUTS: usize = elementwise!(@count $($input)+);
            const OUTPUTS: usize = 1;
            #[inline]
            fn step(&mut self, bar: &[f64], out: &mut [f64]) {
                let mut it = bar.iter().copied();
                $(let $arg = it.next().unwrap_or(f64::NAN);)+
                out[0] = $body;
            }
            fn lookback(&self) -> usize {
                0
            }
            fn restart(&mut self) {}
        }

        impl FromParams for $kernel {
            fn from_params(_: &Params) -> Result<Self> {
                Ok(Self)
            }
        }

        #[doc = concat!($summary, ", TA-Lib's `", stringify!($decl), "`: ", $doc)]
        ///
        /// # Errors
        /// [`Error::LengthMismatch`](crate::Error::LengthMismatch) if the inputs differ in length.
        #[doc(alias = $summary)]
        pub fn $func($($input: &[f64]),+) -> Result<Vec<f64>> {
            let cols: Vec<&[f64]> = vec![$($input),+];
            let names = [$(stringify!($input)),+];
            for (c, n) in cols.iter().zip(names).skip(1) {
                check_same_len(n, c.len(), names[0], cols[0].len())?;
            }
            let mut out = vec![0.0; cols[0].len()];
            crate::decl::run_kernel(&$kernel, &cols, &mut [&mut out]);
            Ok(out)
        }

        #[doc = concat!("Declaration of `", stringify!($decl), "`.")]
        pub static $decl: FunctionDecl = FunctionDecl {
            name: stringify!($decl),
            module: Module::Ta,
            group: $group,
            summary: $summary,
            doc: concat!($doc, " Reference: TA-Lib ", stringify!($decl), "."),
            inputs: &[$(InputSpec::series(stringify!($input), $idoc)),+],
            params: &[],
            outputs: &[OutputSpec::f64("real")],
            flags: Flags::NONE,
            lookback: Some(kernel_lookback::<$kernel>),
            compute: kernel_compute::<$kernel>,
            stream: Some(kernel_stream::<$kernel>()),
        };
    };
    (@count $head:ident $($tail:ident)*) => { 1 + elementwise!(@count $($tail)*) };
    (@count) => { 0 };
}

elementwise!(ACOS, AcosKernel, acos, "Math Transform", "Vector trigonometric ACos", "arc cosine of each value (NaN outside [-1, 1]).", [real: "input series"], |x| libm::acos(x));
elementwise!(ASIN, AsinKernel, asin, "Math Transform", "Vector trigonometric ASin", "arc sine of each value (NaN outside [-1, 1]).", [real: "input series"], |x| libm::asin(x));
elementwise!(ATAN, AtanKernel, atan, "Math Transform", "Vector trigonometric ATan", "arc tangent of each value.", [real: "input series"], |x| libm::atan(x));
elementwise!(CEIL, CeilKernel, ceil, "Math Transform", "Vector Ceil", "smallest integer not below each value.", [real: "input series"], |x| libm::ceil(x));
elementwise!(COS, CosKernel, cos, "Math Transform", "Vector trigonometric Cos", "cosine of each value (radians).", [real: "input series"], |x| libm::cos(x));
elementwise!(COSH, CoshKernel, cosh, "Math Transform", "Vector trigonometric Cosh", "hyperbolic cosine of each value.", [real: "input series"], |x| libm::cosh(x));
elementwise!(EXP, ExpKernel, exp, "Math Transform", "Vector arithmetic Exp", "e raised to each value.", [real: "input series"], |x| libm::exp(x));
elementwise!(FLOOR, FloorKernel, floor, "Math Transform", "Vector Floor", "largest integer not above each value.", [real: "input series"], |x| libm::floor(x));
elementwise!(LN, LnKernel, ln, "Math Transform", "Vector Log Natural", "natural logarithm of each value (NaN below 0, -inf at 0).", [real: "input series"], |x| libm::log(x));
elementwise!(LOG10, Log10Kernel, log10, "Math Transform", "Vector Log10", "base-10 logarithm of each value.", [real: "input series"], |x| libm::log10(x));
elementwise!(SIN, SinKernel, sin, "Math Transform", "Vector trigonometric Sin", "sine of each value (radians).", [real: "input series"], |x| libm::sin(x));
elementwise!(SINH, SinhKernel, sinh, "Math Transform", "Vector trigonometric Sinh", "hyperbolic sine of each value.", [real: "input series"], |x| libm::sinh(x));
elementwise!(SQRT, SqrtKernel, sqrt, "Math Transform", "Vector Square Root", "square root of each value (NaN below 0).", [real: "input series"], |x| x.sqrt());
elementwise!(TAN, TanKernel, tan, "Math Transform", "Vector trigonometric Tan", "tangent of each value (radians).", [real: "input series"], |x| libm::tan(x));
elementwise!(TANH, TanhKernel, tanh, "Math Transform", "Vector trigonometric Tanh", "hyperbolic tangent of each value.", [real: "input series"], |x| libm::tanh(x));

elementwise!(ADD, AddKernel, add, "Math Operators", "Vector Arithmetic Add", "real0 + real1.", [real0: "first series", real1: "second series"], |a, b| a + b);
elementwise!(SUB, SubKernel, sub, "Math Operators", "Vector Arithmetic Subtraction", "real0 - real1.", [real0: "first series", real1: "second series"], |a, b| a - b);
elementwise!(MULT, MultKernel, mult, "Math Operators", "Vector Arithmetic Mult", "real0 * real1.", [real0: "first series", real1: "second series"], |a, b| a * b);
elementwise!(DIV, DivKernel, div, "Math Operators", "Vector Arithmetic Div", "real0 / real1 (inf or NaN where real1 is 0).", [real0: "numerator series", real1: "denominator series"], |a, b| a / b);

elementwise!(AVGPRICE, AvgPriceKernel, avgprice, "Price Transform", "Average Price", "(open + high + low + close) / 4.", [open: "open prices", high: "high prices", low: "low prices", close: "close prices"], |o, h, l, c| (o + h + l + c) / 4.0);
elementwise!(MEDPRICE, MedPriceKernel, medprice, "Price Transform", "Median Price", "(high + low) / 2.", [high: "high prices", low: "low prices"], |h, l| (h + l) / 2.0);
elementwise!(TYPPRICE, TypPriceKernel, typprice, "Price Transform", "Typical Price", "(high + low + close) / 3.", [high: "high prices", low: "low prices", close: "close prices"], |h, l, c| (h + l + c) / 3.0);
elementwise!(WCLPRICE, WclPriceKernel, wclprice, "Price Transform", "Weighted Close Price", "(high + low + 2 * close) / 4.", [high: "high prices", low: "low prices", close: "close prices"], |h, l, c| (h + l + c * 2.0) / 4.0);
