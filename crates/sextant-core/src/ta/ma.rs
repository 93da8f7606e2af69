//! TA-Lib's moving-average types (the `matype` parameter).

use serde::{Deserialize, Serialize};

use super::{ExponentialMovingAverage, SimpleMovingAverage};
use crate::decl::Kernel;
use crate::error::{Error, Result};

/// TA-Lib's `MA_Type` codes. Codes 9-13 are TA-Lib 0.8's additions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum MaType {
    /// 0: simple.
    Sma = 0,
    /// 1: exponential.
    Ema = 1,
    /// 2: weighted.
    Wma = 2,
    /// 3: double exponential.
    Dema = 3,
    /// 4: triple exponential.
    Tema = 4,
    /// 5: triangular.
    Trima = 5,
    /// 6: Kaufman adaptive.
    Kama = 6,
    /// 7: MESA adaptive.
    Mama = 7,
    /// 8: Tillson T3.
    T3 = 8,
    /// 9: Hull.
    Hma = 9,
    /// 10: identity (the input itself).
    Identity = 10,
    /// 11: the calling function's own default.
    FunctionDefault = 11,
    /// 12: zero-lag exponential.
    Zlema = 12,
    /// 13: Wilder's running moving average.
    Rma = 13,
}

impl MaType {
    /// All codes in order.
    pub const ALL: [Self; 14] = [
        Self::Sma,
        Self::Ema,
        Self::Wma,
        Self::Dema,
        Self::Tema,
        Self::Trima,
        Self::Kama,
        Self::Mama,
        Self::T3,
        Self::Hma,
        Self::Identity,
        Self::FunctionDefault,
        Self::Zlema,
        Self::Rma,
    ];

    /// The type for a code, resolving 11 to `default`; unknown codes are an error naming `param`.
    pub fn from_code(param: &str, code: i64, default: Self) -> Result<Self> {
        let t = usize::try_from(code).ok().and_then(|c| Self::ALL.get(c).copied()).ok_or_else(
            || Error::OutOfRange {
                param: param.into(),
                value: code.to_string(),
                bound: "must be a matype code in [0, 13]".into(),
            },
        )?;
        Ok(if t == Self::FunctionDefault { default } else { t })
    }

    /// TA-Lib's name for the code.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sma => "SMA",
            Self::Ema => "EMA",
            Self::Wma => "WMA",
            Self::Dema => "DEMA",
            Self::Tema => "TEMA",
            Self::Trima => "TRIMA",
            Self::Kama => "KAMA",
            Self::Mama => "MAMA",
            Self::T3 => "T3",
            Self::Hma => "HMA",
            Self::Identity => "IDENTITY",
            Self::FunctionDefault => "DEFAULT",
            Self::Zlema => "ZLEMA",
            Self::Rma => "RMA",
        }
    }
}

/// A streaming moving average of any supported type (the building block of BBANDS and the
/// other functions that take a `matype`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MaKernel {
    /// Simple.
    Sma(SimpleMovingAverage),
    /// Exponential.
    Ema(ExponentialMovingAverage),
    /// Identity.
    Identity,
}

impl MaKernel {
    /// A fresh moving average of `matype` over `period` bars (`param` names the matype
    /// parameter in errors).
    pub fn new(param: &str, matype: MaType, period: usize) -> Result<Self> {
        match matype {
            MaType::Sma => Ok(Self::Sma(SimpleMovingAverage::new(period)?)),
            MaType::Ema => Ok(Self::Ema(ExponentialMovingAverage::new(period)?)),
            MaType::Identity => Ok(Self::Identity),
            other => Err(Error::Unsupported {
                param: param.into(),
                value: format!("{} ({})", other as u8, other.name()),
                reason:
                    "supported so far: 0 (SMA), 1 (EMA), 10 (identity), 11 (default); the other \
                         moving averages arrive with the remaining TA-Lib overlap studies"
                        .into(),
            }),
        }
    }

    /// Number of leading NaNs.
    #[must_use]
    pub fn lookback(&self) -> usize {
        match self {
            Self::Sma(k) => super::sma_lookback(k.period()),
            Self::Ema(k) => super::ema_lookback(k.period()),
            Self::Identity => 0,
        }
    }

    /// Feeds one clean value and returns the average (NaN during warm-up).
    #[inline]
    pub fn step(&mut self, x: f64) -> f64 {
        let mut o = [0.0];
        match self {
            Self::Sma(k) => k.step(&[x], &mut o),
            Self::Ema(k) => k.step(&[x], &mut o),
            Self::Identity => o[0] = x,
        }
        o[0]
    }

    /// Back to the fresh state.
    pub fn restart(&mut self) {
        match self {
            Self::Sma(k) => k.restart(),
            Self::Ema(k) => k.restart(),
            Self::Identity => {}
        }
    }
}
