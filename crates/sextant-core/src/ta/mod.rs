//! Technical indicators with TA-Lib's names, parameters, defaults and numbers.
//!
//! Each indicator has a batch function (`sma`), a `_into` variant writing into a caller's
//! buffer (`sma_into`), a lookback (`sma_lookback`), a streaming state struct
//! (`SimpleMovingAverage`) and one [`FunctionDecl`](crate::decl::FunctionDecl) (`SMA`) from
//! which every surface is derived.
//!
//! Missing data: a bar with a NaN in any input gives NaN (0 for integer outputs) and the
//! indicator restarts, re-seeding after lookback + 1 clean bars; leading NaNs are skipped as
//! TA-Lib's wrapper does. On NaN-free input the numbers equal TA-Lib's.

mod ad;
mod adx;
mod aroon;
mod atr;
mod bbands;
mod bop;
mod cci;
mod cdlengulfing;
mod cmo;
mod dema;
mod elementwise;
mod ema;
mod hma;
mod kama;
mod ma;
mod macd;
mod mfi;
mod obv;
mod rma;
mod roc;
mod rolling;
mod rsi;
mod sma;
mod stats;
mod stoch;
mod t3;
mod tema;
mod trange;
mod trima;
mod trix;
mod ultosc;
mod willr;
mod window;
mod wma;
mod zlema;

pub use ad::{AccumulationDistribution, ChaikinOscillator, AD, ADOSC};
pub use adx::{
    AverageDirectionalIndex, AverageDirectionalRating, Direction, DirectionalIndex,
    DirectionalIndicator, DirectionalMovement, MinusDiKernel, MinusDmKernel, PlusDiKernel,
    PlusDmKernel, ADX, ADXR, DX, MINUS_DI, MINUS_DM, PLUS_DI, PLUS_DM,
};
pub use aroon::{Aroon, AroonOscillator, AROON, AROONOSC};
pub use atr::{atr, atr_into, atr_lookback, AverageTrueRange, ATR};
pub use bbands::{bbands, bbands_into, bbands_lookback, BollingerBands, BBANDS};
pub use bop::{BalanceOfPower, BOP};
pub use cci::{CommodityChannelIndex, CCI};
pub use cdlengulfing::{
    cdlengulfing, cdlengulfing_into, cdlengulfing_lookback, Engulfing, CDLENGULFING,
};
pub use cmo::{ChandeMomentum, CMO};
pub use dema::{dema, DoubleExponentialMovingAverage, DEMA};
pub use elementwise::*;
pub use ema::{ema, ema_into, ema_lookback, ExponentialMovingAverage, EMA};
pub use hma::{hma, HullMovingAverage, HMA};
pub use kama::{kama, KaufmanAdaptiveMovingAverage, KAMA};
pub use ma::{ma, MaKernel, MaType, MA};
pub use macd::{
    ApoKernel, Macd, MacdExtKernel, MacdFixKernel, MacdKernel, OscillatorKind, PpoKernel,
    PriceOscillator, APO, MACD, MACDEXT, MACDFIX, PPO,
};
pub use mfi::{MoneyFlowIndex, MFI};
pub use obv::{OnBalanceVolume, OBV};
pub use rma::{rma, WilderMovingAverage, RMA};
pub use roc::{
    ChangeKind, MomKernel, PriceChange, RocKernel, RocpKernel, Rocr100Kernel, RocrKernel, MOM, ROC,
    ROCP, ROCR, ROCR100,
};
pub use rolling::*;
pub use rsi::{rsi, rsi_into, rsi_lookback, RelativeStrengthIndex, RSI};
pub use sma::{sma, sma_into, sma_lookback, SimpleMovingAverage, SMA};
pub use stats::*;
pub use stoch::{StochFKernel, StochKernel, StochRsiKernel, Stochastic, STOCH, STOCHF, STOCHRSI};
pub use t3::{t3, TillsonT3, T3};
pub use tema::{tema, TripleExponentialMovingAverage, TEMA};
pub use trange::{NormalizedAverageTrueRange, TrueRange, NATR, TRANGE};
pub use trima::{trima, TriangularMovingAverage, TRIMA};
pub use trix::{Trix, TRIX};
pub use ultosc::{UltimateOscillator, ULTOSC};
pub use willr::{WilliamsR, WILLR};
pub use window::Window;
pub use wma::{wma, wma_into, wma_lookback, WeightedMovingAverage, WMA};
pub use zlema::{zlema, ZeroLagExponentialMovingAverage, ZLEMA};

/// TA-Lib's `TA_IS_ZERO`: |x| < 1e-14 (`TA_EPSILON` of the bundled C library 0.8.1; older
/// releases used 1e-8) counts as zero (RSI uses it for a flat window).
#[inline]
pub(crate) fn talib_is_zero(x: f64) -> bool {
    -0.000_000_000_000_01 < x && x < 0.000_000_000_000_01
}

/// TA-Lib's `TA_IS_ZERO_OR_NEG`: x < 1e-14 (variances below it give a standard deviation of 0).
#[inline]
pub(crate) fn talib_is_zero_or_neg(x: f64) -> bool {
    x < 0.000_000_000_000_01
}

/// TA-Lib's `TA_IS_ZERO_SCALED`: `|v| <= 1e-14 * scale`, a relative dead-zone for a difference
/// of two operands whose magnitudes sum to `scale` (STOCH, WILLR and MFI ties).
#[inline]
pub(crate) fn talib_is_zero_scaled(v: f64, scale: f64) -> bool {
    v.abs() <= 0.000_000_000_000_01 * scale
}

/// TA-Lib's largest period.
pub(crate) const MAX_PERIOD: i64 = 100_000;

/// Declares a kernel-based indicator: `compute`, `lookback` and `stream` all come from the
/// kernel through [`FromParams`](crate::decl::FromParams).
macro_rules! kernel_decl {
    ($decl:ident: $kernel:ty, $group:literal, $summary:literal, $doc:literal,
     inputs [$($in:literal: $idoc:literal),+ $(,)?], params [$($p:expr),* $(,)?], outputs [$($o:expr),+ $(,)?]) => {
        #[doc = concat!("Declaration of `", stringify!($decl), "`: ", $summary, ".")]
        pub static $decl: $crate::decl::FunctionDecl = $crate::decl::FunctionDecl {
            name: stringify!($decl),
            module: $crate::decl::Module::Ta,
            group: $group,
            summary: $summary,
            doc: $doc,
            inputs: &[$($crate::decl::InputSpec::series($in, $idoc)),+],
            params: &[$($p),*],
            outputs: &[$($o),+],
            flags: $crate::decl::Flags::NONE,
            lookback: Some($crate::decl::kernel_lookback::<$kernel>),
            compute: $crate::decl::kernel_compute::<$kernel>,
            stream: Some($crate::decl::kernel_stream::<$kernel>()),
        };
    };
}
pub(crate) use kernel_decl;
