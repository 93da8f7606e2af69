//! TA-Lib's moving-average types (the `matype` parameter).

use serde::{Deserialize, Serialize};

use super::{
    DoubleExponentialMovingAverage, ExponentialMovingAverage, HullMovingAverage,
    KaufmanAdaptiveMovingAverage, MesaAdaptive, SimpleMovingAverage, TillsonT3,
    TriangularMovingAverage, TripleExponentialMovingAverage, WeightedMovingAverage,
    WilderMovingAverage, ZeroLagExponentialMovingAverage,
};
use crate::decl::{
    kernel_batch, kernel_compute, kernel_lookback, kernel_stream, Flags, FromParams, FunctionDecl,
    InputSpec, Kernel, Module, OutputSpec, ParamSpec, Params,
};
use crate::error::{check_min, Error, Result};

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

/// A streaming moving average of any supported type: the building block of `MA`, BBANDS and
/// every function that takes a `matype`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MaKernel {
    /// Simple.
    Sma(SimpleMovingAverage),
    /// Exponential.
    Ema(ExponentialMovingAverage),
    /// Weighted.
    Wma(WeightedMovingAverage),
    /// Double exponential.
    Dema(DoubleExponentialMovingAverage),
    /// Triple exponential.
    Tema(TripleExponentialMovingAverage),
    /// Triangular.
    Trima(TriangularMovingAverage),
    /// Kaufman adaptive.
    Kama(KaufmanAdaptiveMovingAverage),
    /// Tillson T3 (volume factor 0.7, as TA-Lib's MA).
    T3(TillsonT3),
    /// Hull.
    Hma(HullMovingAverage),
    /// Zero-lag exponential.
    Zlema(ZeroLagExponentialMovingAverage),
    /// Wilder's running average.
    Rma(WilderMovingAverage),
    /// MESA adaptive (limits 0.5 and 0.05, the period ignored, as TA-Lib's MA); reports MAMA.
    Mama(Box<MesaAdaptive>),
    /// The input itself.
    Identity,
}

impl MaKernel {
    /// A fresh moving average of `matype` over `period` bars (`param` names the matype
    /// parameter in errors; [`MaType::FunctionDefault`] must be resolved by the caller).
    pub fn new(param: &str, matype: MaType, period: usize) -> Result<Self> {
        Ok(match matype {
            MaType::Sma => Self::Sma(SimpleMovingAverage::new(period)?),
            MaType::Ema => Self::Ema(ExponentialMovingAverage::new(period)?),
            MaType::Wma => Self::Wma(WeightedMovingAverage::new(period)?),
            MaType::Dema => Self::Dema(DoubleExponentialMovingAverage::new(period)?),
            MaType::Tema => Self::Tema(TripleExponentialMovingAverage::new(period)?),
            MaType::Trima => Self::Trima(TriangularMovingAverage::new(period)?),
            MaType::Kama => Self::Kama(KaufmanAdaptiveMovingAverage::new(period)?),
            MaType::T3 => Self::T3(TillsonT3::new(period, 0.7)?),
            MaType::Hma => Self::Hma(HullMovingAverage::new(period)?),
            MaType::Zlema => Self::Zlema(ZeroLagExponentialMovingAverage::new(period)?),
            MaType::Rma => Self::Rma(WilderMovingAverage::new(period)?),
            MaType::Identity => Self::Identity,
            MaType::Mama => Self::Mama(Box::new(MesaAdaptive::new(0.5, 0.05)?)),
            MaType::FunctionDefault => {
                return Err(Error::Unsupported {
                    param: param.into(),
                    value: format!("{} ({})", matype as u8, matype.name()),
                    reason: "code 11 must be resolved to the calling function's default".into(),
                })
            }
        })
    }

    /// Feeds one clean value and returns the average (NaN during warm-up).
    #[inline]
    pub fn next(&mut self, x: f64) -> f64 {
        let mut o = [0.0];
        self.step(&[x], &mut o);
        o[0]
    }
}

macro_rules! each_kernel {
    ($self:ident, $k:ident => $e:expr, identity => $i:expr) => {
        each_kernel!($self, $k => $e, mama $k => $e, identity => $i)
    };
    ($self:ident, $k:ident => $e:expr, mama $m:ident => $me:expr, identity => $i:expr) => {
        match $self {
            Self::Sma($k) => $e,
            Self::Ema($k) => $e,
            Self::Wma($k) => $e,
            Self::Dema($k) => $e,
            Self::Tema($k) => $e,
            Self::Trima($k) => $e,
            Self::Kama($k) => $e,
            Self::T3($k) => $e,
            Self::Hma($k) => $e,
            Self::Zlema($k) => $e,
            Self::Rma($k) => $e,
            Self::Mama($m) => $me,
            Self::Identity => $i,
        }
    };
}

impl Kernel for MaKernel {
    const INPUTS: usize = 1;
    const OUTPUTS: usize = 1;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        each_kernel!(self, k => k.step(bar, out), mama m => {
            let mut o = [0.0; 2];
            m.step(bar, &mut o);
            out[0] = o[0];
        }, identity => out[0] = bar[0]);
    }
    fn lookback(&self) -> usize {
        each_kernel!(self, k => k.lookback(), identity => 0)
    }
    fn restart(&mut self) {
        each_kernel!(self, k => k.restart(), identity => ());
    }
    fn set_unstable(&mut self, u: &crate::decl::Unstable) {
        each_kernel!(self, k => k.set_unstable(u), identity => ());
    }
}

/// Parameters of [`MA`]: `timeperiod`, `matype` (11 = SMA, MA's own default; a period of 1 is
/// the identity for every type, as TA-Lib).
impl FromParams for MaKernel {
    fn from_params(p: &Params) -> Result<Self> {
        let period = p.usize(0);
        check_min("timeperiod", period, 1)?;
        let matype = MaType::from_code("matype", p.int(1), MaType::Sma)?;
        if period == 1 {
            return Ok(Self::Identity);
        }
        Self::new("matype", matype, period)
    }
}

/// Computes a moving average of any type, TA-Lib's `MA(real, timeperiod, matype)`.
///
/// # Errors
/// [`Error::OutOfRange`] for a bad period or matype code; matype 7 is MAMA with its default limits (the period ignored, as TA-Lib).
///
/// # Examples
/// ```
/// use sextant_core::ta::{ma, sma, MaType};
/// let x = [1.0, 2.0, 3.0, 4.0];
/// assert_eq!(ma(&x, 2, MaType::Sma).unwrap()[1..], sma(&x, 2).unwrap()[1..]);
/// ```
#[doc(alias = "MA")]
pub fn ma(real: &[f64], timeperiod: usize, matype: MaType) -> Result<Vec<f64>> {
    check_min("timeperiod", timeperiod, 1)?;
    let matype = if matype == MaType::FunctionDefault { MaType::Sma } else { matype };
    let k = if timeperiod == 1 {
        MaKernel::Identity
    } else {
        MaKernel::new("matype", matype, timeperiod)?
    };
    Ok(kernel_batch(&k, real))
}

/// Declaration of `MA`.
pub static MA: FunctionDecl = FunctionDecl {
    name: "MA",
    module: Module::Ta,
    group: "Overlap Studies",
    summary: "Moving average",
    doc: "Moving average of the type given by matype (0 SMA, 1 EMA, 2 WMA, 3 DEMA, 4 TEMA, 5 TRIMA, 6 KAMA, 8 T3, 9 HMA, 10 identity, 11 default = SMA, 12 ZLEMA, 13 RMA; 7 MAMA not yet). Reference: TA-Lib MA.",
    inputs: &[InputSpec::series("real", "input series, e.g. close prices")],
    params: &[
        ParamSpec::int("timeperiod", 30, 1, super::MAX_PERIOD, "number of bars"),
        ParamSpec::matype("matype", 0, "moving-average type"),
        crate::decl::UNSTABLE_PERIOD, crate::decl::NAN_POLICY,
    ],
    outputs: &[OutputSpec::f64("real")],
    flags: Flags::NONE,
    lookback: Some(kernel_lookback::<MaKernel>),
    compute: kernel_compute::<MaKernel>,
    stream: Some(kernel_stream::<MaKernel>()),
};
