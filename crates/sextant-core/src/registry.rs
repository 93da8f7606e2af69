//! The registry: every declared function, in one list. Adapters, the server, the docs table and
//! the parity tests iterate it; adding a function means adding its declaration here.

use crate::decl::{FunctionDecl, Module};
use crate::{alloc, risk, ta};

/// Every declared function.
pub static REGISTRY: &[&FunctionDecl] = &[
    // ta
    &ta::SMA,
    &ta::EMA,
    &ta::WMA,
    &ta::DEMA,
    &ta::TEMA,
    &ta::TRIMA,
    &ta::KAMA,
    &ta::T3,
    &ta::HMA,
    &ta::ZLEMA,
    &ta::RMA,
    &ta::MA,
    &ta::RSI,
    &ta::ATR,
    &ta::BBANDS,
    &ta::CDLENGULFING,
    &ta::SUM,
    &ta::MAX,
    &ta::MIN,
    &ta::MINMAX,
    &ta::CUMSUM,
    &ta::AVGDEV,
    &ta::VAR,
    &ta::STDDEV,
    &ta::LINEARREG,
    &ta::LINEARREG_SLOPE,
    &ta::LINEARREG_INTERCEPT,
    &ta::LINEARREG_ANGLE,
    &ta::TSF,
    &ta::CORREL,
    &ta::BETA,
    &ta::ACOS,
    &ta::ASIN,
    &ta::ATAN,
    &ta::CEIL,
    &ta::COS,
    &ta::COSH,
    &ta::EXP,
    &ta::FLOOR,
    &ta::LN,
    &ta::LOG10,
    &ta::SIN,
    &ta::SINH,
    &ta::SQRT,
    &ta::TAN,
    &ta::TANH,
    &ta::ADD,
    &ta::SUB,
    &ta::MULT,
    &ta::DIV,
    &ta::AVGPRICE,
    &ta::MEDPRICE,
    &ta::TYPPRICE,
    &ta::WCLPRICE,
    &ta::TRANGE,
    &ta::NATR,
    &ta::MOM,
    &ta::ROC,
    &ta::ROCP,
    &ta::ROCR,
    &ta::ROCR100,
    &ta::CMO,
    &ta::WILLR,
    &ta::BOP,
    &ta::CCI,
    &ta::AROON,
    &ta::AROONOSC,
    &ta::PLUS_DM,
    &ta::MINUS_DM,
    &ta::PLUS_DI,
    &ta::MINUS_DI,
    &ta::DX,
    &ta::ADX,
    &ta::ADXR,
    &ta::MACD,
    &ta::MACDFIX,
    &ta::MACDEXT,
    &ta::APO,
    &ta::PPO,
    &ta::STOCH,
    &ta::STOCHF,
    &ta::STOCHRSI,
    &ta::TRIX,
    &ta::ULTOSC,
    &ta::MFI,
    &ta::OBV,
    &ta::AD,
    &ta::ADOSC,
    // risk
    &risk::SHARPE_RATIO,
    // alloc
    &alloc::INVERSE_VOLATILITY,
];

/// Looks a function up by module and name.
#[must_use]
pub fn find(module: &str, name: &str) -> Option<&'static FunctionDecl> {
    REGISTRY.iter().copied().find(|d| d.module.as_str() == module && d.name == name)
}

/// The functions of one module, in registry order.
pub fn module(module: Module) -> impl Iterator<Item = &'static FunctionDecl> {
    REGISTRY.iter().copied().filter(move |d| d.module == module)
}
