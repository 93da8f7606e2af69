//! The one error type of the core. Every adapter maps it (Python exception classes, JS error
//! codes, HTTP 422 bodies) through [`Error::code`].

use std::fmt;

/// Result alias used across the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a core call. Each variant names the parameter or input at
/// fault, the offending value and the bound it broke, so the message alone explains the failure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside its allowed range.
    #[error("parameter `{param}` = {value} is out of range: {bound}")]
    OutOfRange {
        /// Parameter name as declared.
        param: String,
        /// The value given, formatted.
        value: String,
        /// The bound, e.g. `must be >= 2`.
        bound: String,
    },
    /// A parameter has the wrong type (a string where a number belongs, a fraction where an
    /// integer belongs).
    #[error("parameter `{param}` expects {expected}, got {got}")]
    InvalidType {
        /// Parameter name as declared.
        param: String,
        /// What the declaration accepts.
        expected: String,
        /// What was given.
        got: String,
    },
    /// A string option that is not one of the allowed values.
    #[error("parameter `{param}` = {value:?} is not a valid option; allowed: {allowed}")]
    UnknownOption {
        /// Parameter name as declared.
        param: String,
        /// The value given.
        value: String,
        /// The allowed values, comma separated.
        allowed: String,
    },
    /// A parameter name the function does not declare.
    #[error("function `{function}` has no parameter `{param}`; parameters: {known}")]
    UnknownParameter {
        /// Function name.
        function: String,
        /// The unknown name.
        param: String,
        /// The declared parameter names.
        known: String,
    },
    /// A value that is valid in general but not implemented (yet) by this function.
    #[error("parameter `{param}` = {value} is not supported: {reason}")]
    Unsupported {
        /// Parameter name as declared.
        param: String,
        /// The value given.
        value: String,
        /// Why, and where support is planned.
        reason: String,
    },
    /// Two inputs that must have the same length do not.
    #[error("input `{input}` has length {len}, but `{other}` has length {other_len}; they must be equal")]
    LengthMismatch {
        /// The input at fault.
        input: String,
        /// Its length.
        len: usize,
        /// The input it is compared with.
        other: String,
        /// That input's length.
        other_len: usize,
    },
    /// A record input that a domain rule rejects, with the domain's own stable code (the
    /// ledger's `INSUFFICIENT_QUANTITY`, `MISSING_PRICE`, ...): an input error whose `code()` is
    /// that code.
    #[error("input `{input}` is invalid: {reason} [{code}]")]
    Rejected {
        /// The input at fault, with the record's position (`transactions[3].quantity`).
        input: String,
        /// The domain's stable code.
        code: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An input's content or shape is invalid (non-square covariance, non-positive variance...).
    #[error("input `{input}` is invalid: {reason}")]
    InvalidInput {
        /// The input at fault.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Wrong number of inputs or outputs, or an output buffer of the wrong size.
    #[error("{what}: expected {expected}, got {got}")]
    Arity {
        /// What was counted.
        what: String,
        /// The expected count or length.
        expected: usize,
        /// The count or length given.
        got: usize,
    },
    /// A name that is not in the registry.
    #[error("unknown function `{0}`")]
    UnknownFunction(String),
    /// A saved stream state could not be restored.
    #[error("stream state cannot be restored: {0}")]
    State(String),
    /// An operation that needs at least one bar was called on an empty stream.
    #[error("{0}")]
    EmptyStream(String),
}

impl Error {
    /// A stable machine-readable code, used by the JS adapters (`err.code`) and the server.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::OutOfRange { .. } => "OUT_OF_RANGE",
            Self::InvalidType { .. } => "INVALID_TYPE",
            Self::UnknownOption { .. } => "UNKNOWN_OPTION",
            Self::UnknownParameter { .. } => "UNKNOWN_PARAMETER",
            Self::Unsupported { .. } => "UNSUPPORTED",
            Self::Rejected { code, .. } => code,
            Self::LengthMismatch { .. } => "LENGTH_MISMATCH",
            Self::InvalidInput { .. } => "INVALID_INPUT",
            Self::Arity { .. } => "ARITY",
            Self::UnknownFunction(_) => "UNKNOWN_FUNCTION",
            Self::State(_) => "INVALID_STATE",
            Self::EmptyStream(_) => "EMPTY_STREAM",
        }
    }

    /// The parameter or input the error is about, when there is one.
    #[must_use]
    pub fn subject(&self) -> Option<&str> {
        match self {
            Self::OutOfRange { param, .. }
            | Self::InvalidType { param, .. }
            | Self::UnknownOption { param, .. }
            | Self::UnknownParameter { param, .. }
            | Self::Unsupported { param, .. } => Some(param),
            Self::LengthMismatch { input, .. }
            | Self::InvalidInput { input, .. }
            | Self::Rejected { input, .. } => Some(input),
            _ => None,
        }
    }
}

/// Returns early with an [`Error`] built from the given variant when a condition fails.
///
/// `ensure!(cond, OutOfRange { param: .., value: .., bound: .. })`
macro_rules! ensure {
    ($cond:expr, $variant:ident { $($field:ident : $val:expr),* $(,)? }) => {
        if !($cond) {
            return Err($crate::error::Error::$variant { $($field: $val.into()),* });
        }
    };
}
#[allow(unused_imports, reason = "used by later modules")]
pub(crate) use ensure;

/// Checks `value >= min` for a period-like integer parameter.
pub fn check_min(param: &str, value: usize, min: usize) -> Result<()> {
    ensure!(
        value >= min,
        OutOfRange { param: param, value: value.to_string(), bound: format!("must be >= {min}") }
    );
    Ok(())
}

/// Checks that an output buffer has the expected length.
pub fn check_out_len(what: &str, got: usize, expected: usize) -> Result<()> {
    ensure!(
        got == expected,
        Arity { what: format!("length of output `{what}`"), expected: expected, got: got }
    );
    Ok(())
}

/// Checks that two inputs have the same length.
pub fn check_same_len(input: &str, len: usize, other: &str, other_len: usize) -> Result<()> {
    ensure!(
        len == other_len,
        LengthMismatch { input: input, len: len, other: other, other_len: other_len }
    );
    Ok(())
}

/// Formats a float parameter value the way messages show it.
pub(crate) struct Num(pub f64);
impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            write!(f, "{:.1}", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}
