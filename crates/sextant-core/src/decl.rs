//! The declaration mechanism: every public function is declared once, as a [`FunctionDecl`],
//! and every surface (Python, Node, WASM, the server, the docs table, the parity tests) is
//! derived from the declarations in [`crate::registry`].
//!
//! A declaration states the function's name, module and group, its inputs, its parameters with
//! defaults and bounds, its outputs with dtypes, its lookback, flags, and two entry points:
//! `compute` (batch, into caller-provided buffers) and, for indicators, `stream` (a state object
//! stepping one bar at a time). Adapters never re-type a signature: they read it from here.

use std::fmt;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::{Error, Num, Result};

/// The public module a function belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Module {
    /// Technical indicators (`sextant.ta`), TA-Lib names.
    Ta,
    /// Risk and performance metrics (`sextant.risk`), empyrical names.
    Risk,
    /// Portfolio allocation (`sextant.alloc`).
    Alloc,
    /// News sentiment (`sextant.sentiment`): text in, records out.
    Sentiment,
    /// Monte Carlo simulation (`sextant.mc`).
    Mc,
    /// Portfolio accounting in decimal money (`sextant.ledger`): records in, records out.
    Ledger,
    /// Rule-based index backtests, risk scores and forward simulation (`sextant.autoindex`):
    /// documents in, documents out.
    AutoIndex,
}

impl Module {
    /// Lowercase module name as used by every surface.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ta => "ta",
            Self::Risk => "risk",
            Self::Alloc => "alloc",
            Self::Sentiment => "sentiment",
            Self::Mc => "mc",
            Self::Ledger => "ledger",
            Self::AutoIndex => "autoindex",
        }
    }
}

/// The shape of one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A 1-D float64 series (prices, returns).
    Series,
    /// A 2-D float64 matrix, row-major (a covariance matrix).
    Matrix,
    /// One text (UTF-8; adapters decode bytes lossily).
    Text,
    /// A list of texts (batch scoring).
    TextList,
    /// A JSON document (records such as transactions or a strategy config). Adapters take
    /// the language's own objects (Python dicts and lists, JS objects and arrays, a JSON value in
    /// a server request) and pass them as JSON text; `compute` parses it with
    /// [`parse_json`] into its serde types.
    Json,
}

/// One declared input.
#[derive(Debug, Clone, Copy)]
pub struct InputSpec {
    /// Name, as TA-Lib / empyrical spell it (`real`, `high`, `returns`, `cov`).
    pub name: &'static str,
    /// Shape.
    pub kind: InputKind,
    /// One-line description.
    pub doc: &'static str,
    /// An example value as JSON text (JSON inputs; empty otherwise): the OpenAPI document's
    /// example request and the docs use it.
    pub example: &'static str,
    /// A series whose length is its own (percentiles, a schedule): exempt from the rule that
    /// every series input of a call has the same length. Adapters treat it as any series.
    pub free_len: bool,
}

impl InputSpec {
    /// A 1-D series input.
    #[must_use]
    pub const fn series(name: &'static str, doc: &'static str) -> Self {
        Self { name, kind: InputKind::Series, doc, example: "", free_len: false }
    }
    /// A 1-D series input of its own length ([`InputSpec::free_len`]).
    #[must_use]
    pub const fn vector(name: &'static str, doc: &'static str) -> Self {
        Self { name, kind: InputKind::Series, doc, example: "", free_len: true }
    }
    /// A 2-D matrix input.
    #[must_use]
    pub const fn matrix(name: &'static str, doc: &'static str) -> Self {
        Self { name, kind: InputKind::Matrix, doc, example: "", free_len: false }
    }
    /// A text input.
    #[must_use]
    pub const fn text(name: &'static str, doc: &'static str) -> Self {
        Self { name, kind: InputKind::Text, doc, example: "", free_len: false }
    }
    /// A list-of-texts input.
    #[must_use]
    pub const fn text_list(name: &'static str, doc: &'static str) -> Self {
        Self { name, kind: InputKind::TextList, doc, example: "", free_len: false }
    }
    /// A JSON document input, with an example value (JSON text).
    #[must_use]
    pub const fn json(name: &'static str, doc: &'static str, example: &'static str) -> Self {
        Self { name, kind: InputKind::Json, doc, example, free_len: false }
    }
}

impl InputKind {
    /// Whether the input is text (adapters take strings, not arrays). JSON documents travel
    /// as text too.
    #[must_use]
    pub const fn is_text(self) -> bool {
        matches!(self, Self::Text | Self::TextList | Self::Json)
    }
}

/// The type, default and bounds of one parameter. Bounds are inclusive.
#[derive(Debug, Clone, Copy)]
pub enum ParamKind {
    /// An integer (periods).
    Int {
        /// Default value.
        default: i64,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A float.
    Float {
        /// Default value.
        default: f64,
        /// Smallest allowed value.
        min: f64,
        /// Largest allowed value.
        max: f64,
    },
    /// An optional float whose default is "not given" (`None` / `null` / `undefined`).
    OptFloat {
        /// Smallest allowed value when given.
        min: f64,
        /// Largest allowed value when given.
        max: f64,
    },
    /// One of a fixed set of strings.
    Choice {
        /// Default option.
        default: &'static str,
        /// Allowed options.
        options: &'static [&'static str],
    },
    /// A TA-Lib moving-average type code (0-13, see [`crate::ta::MaType`]).
    MaType {
        /// Default code.
        default: i64,
    },
    /// A boolean flag (`full_paths`): `True`/`False`, `true`/`false`.
    Bool {
        /// Default value.
        default: bool,
    },
    /// An optional JSON document (default: not given), such as a set of portfolio constraints.
    /// Adapters send the language's own objects (Python dicts and lists, JS objects, a JSON
    /// value in a server request) as JSON text in a [`Value::Str`]; `compute` reads it with
    /// [`Params::opt_str`] and [`parse_json`].
    Json,
}

/// One declared parameter.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Name as the reference library spells it (`timeperiod`, `risk_free`).
    pub name: &'static str,
    /// Type, default and bounds.
    pub kind: ParamKind,
    /// One-line description.
    pub doc: &'static str,
}

impl ParamSpec {
    /// An integer parameter.
    #[must_use]
    pub const fn int(
        name: &'static str,
        default: i64,
        min: i64,
        max: i64,
        doc: &'static str,
    ) -> Self {
        Self { name, kind: ParamKind::Int { default, min, max }, doc }
    }
    /// A float parameter.
    #[must_use]
    pub const fn float(
        name: &'static str,
        default: f64,
        min: f64,
        max: f64,
        doc: &'static str,
    ) -> Self {
        Self { name, kind: ParamKind::Float { default, min, max }, doc }
    }
    /// An optional float parameter (default: not given).
    #[must_use]
    pub const fn opt_float(name: &'static str, min: f64, max: f64, doc: &'static str) -> Self {
        Self { name, kind: ParamKind::OptFloat { min, max }, doc }
    }
    /// A string option.
    #[must_use]
    pub const fn choice(
        name: &'static str,
        default: &'static str,
        options: &'static [&'static str],
        doc: &'static str,
    ) -> Self {
        Self { name, kind: ParamKind::Choice { default, options }, doc }
    }
    /// A moving-average type code.
    #[must_use]
    pub const fn matype(name: &'static str, default: i64, doc: &'static str) -> Self {
        Self { name, kind: ParamKind::MaType { default }, doc }
    }

    /// A boolean parameter.
    #[must_use]
    pub const fn bool(name: &'static str, default: bool, doc: &'static str) -> Self {
        Self { name, kind: ParamKind::Bool { default }, doc }
    }

    /// An optional JSON document parameter ([`ParamKind::Json`], default not given).
    #[must_use]
    pub const fn json(name: &'static str, doc: &'static str) -> Self {
        Self { name, kind: ParamKind::Json, doc }
    }

    /// The default value.
    #[must_use]
    pub fn default_value(&self) -> Value {
        match self.kind {
            ParamKind::Int { default, .. } | ParamKind::MaType { default } => Value::Int(default),
            ParamKind::Float { default, .. } => Value::Float(default),
            ParamKind::OptFloat { .. } | ParamKind::Json => Value::None,
            ParamKind::Choice { default, .. } => Value::Str(default.to_owned()),
            ParamKind::Bool { default } => Value::Bool(default),
        }
    }

    /// Checks a value against this parameter's type and bounds and normalises it
    /// (an integral float becomes an `Int` for integer parameters, an `Int` a `Float` for float
    /// parameters).
    pub fn check(&self, v: Value) -> Result<Value> {
        let name = self.name;
        let type_err = |expected: &str, got: &Value| Error::InvalidType {
            param: name.to_owned(),
            expected: expected.to_owned(),
            got: got.describe(),
        };
        let range = |value: String, bound: String| Error::OutOfRange {
            param: name.to_owned(),
            value,
            bound,
        };
        match self.kind {
            ParamKind::Int { min, max, .. } => {
                let i = v.as_int().ok_or_else(|| type_err("an integer", &v))?;
                if i < min || i > max {
                    return Err(range(i.to_string(), format!("must be in [{min}, {max}]")));
                }
                Ok(Value::Int(i))
            }
            ParamKind::MaType { .. } => {
                let i = v.as_int().ok_or_else(|| type_err("an integer matype code", &v))?;
                if !(0..=13).contains(&i) {
                    return Err(range(i.to_string(), "must be a matype code in [0, 13]".into()));
                }
                Ok(Value::Int(i))
            }
            ParamKind::Float { min, max, .. } => {
                let f = v.as_float().ok_or_else(|| type_err("a number", &v))?;
                if f.is_nan() || f < min || f > max {
                    return Err(range(
                        Num(f).to_string(),
                        format!("must be in [{}, {}]", Num(min), Num(max)),
                    ));
                }
                Ok(Value::Float(f))
            }
            ParamKind::OptFloat { min, max } => {
                if v == Value::None {
                    return Ok(Value::None);
                }
                let f = v.as_float().ok_or_else(|| type_err("a number or None", &v))?;
                if f.is_nan() || f < min || f > max {
                    return Err(range(
                        Num(f).to_string(),
                        format!("must be in [{}, {}]", Num(min), Num(max)),
                    ));
                }
                Ok(Value::Float(f))
            }
            ParamKind::Choice { options, .. } => match &v {
                Value::Str(s) if options.contains(&s.as_str()) => Ok(v),
                Value::Str(s) => Err(Error::UnknownOption {
                    param: name.to_owned(),
                    value: s.clone(),
                    allowed: options.join(", "),
                }),
                other => Err(type_err(&format!("one of {}", options.join(", ")), other)),
            },
            ParamKind::Bool { .. } => match v {
                Value::Bool(_) => Ok(v),
                other => Err(type_err("a boolean", &other)),
            },
            ParamKind::Json => match v {
                Value::None | Value::Str(_) => Ok(v),
                other => Err(type_err("a JSON document (object or JSON text) or None", &other)),
            },
        }
    }
}

/// A parameter value as it arrives from an adapter. Serialises untagged (a JSON number,
/// string or null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// Not given / None / null.
    None,
    /// A boolean (flags such as `full_paths`).
    Bool(bool),
}

impl Value {
    /// The value as an integer, if it is one (floats must be integral; JS has only floats).
    #[must_use]
    pub fn as_int(&self) -> Option<i64> {
        match *self {
            Self::Int(i) => Some(i),
            #[allow(
                clippy::cast_possible_truncation,
                reason = "checked integral and in range first"
            )]
            Self::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        }
    }
    /// The value as a float, if it is a number.
    #[must_use]
    #[allow(clippy::cast_precision_loss, reason = "parameter integers are small")]
    pub fn as_float(&self) -> Option<f64> {
        match *self {
            Self::Int(i) => Some(i as f64),
            Self::Float(f) => Some(f),
            _ => None,
        }
    }
    /// A short description for error messages.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Int(i) => format!("integer {i}"),
            Self::Float(f) => format!("number {}", Num(*f)),
            Self::Str(s) => format!("string {s:?}"),
            Self::None => "None".to_owned(),
            Self::Bool(b) => format!("bool {b}"),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(x) => write!(f, "{}", Num(*x)),
            Self::Str(s) => write!(f, "{s:?}"),
            Self::None => f.write_str("None"),
            Self::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// The missing-data policy of an indicator call (the `nan_policy` parameter, see DESIGN.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NanPolicy {
    /// Leading NaNs skipped; an interior NaN gives NaN where the window or memory includes it,
    /// and the state re-seeds after lookback + 1 clean bars.
    #[default]
    Reseed,
    /// TA-Lib's behaviour: leading NaNs skipped; from the first interior NaN on every output is
    /// NaN (0 for int32 outputs) to the end of the series.
    Talib,
}

/// Options every indicator accepts besides its own parameters, read from the declared
/// [`NAN_POLICY`] and [`UNSTABLE_PERIOD`] parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallOptions {
    /// Missing-data policy.
    pub nan_policy: NanPolicy,
    /// TA-Lib's unstable periods, per function id.
    pub unstable: Unstable,
    /// TA-Lib's candle settings (`TA_SetCandleSettings`) for the candlestick patterns.
    #[serde(default)]
    pub candles: crate::ta::candle::CandleSettings,
}

/// TA-Lib's unstable-period ids (`TA_FUNC_UNST_*`) that Sextant's kernels have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum UnstableId {
    /// ADX.
    Adx = 0,
    /// ATR.
    Atr,
    /// CMO.
    Cmo,
    /// DX.
    Dx,
    /// EMA (also inside MACD, DEMA, TEMA, TRIX, ... and every `matype` 1).
    Ema,
    /// HA.
    Ha,
    /// KAMA.
    Kama,
    /// MINUS_DI.
    MinusDi,
    /// MINUS_DM.
    MinusDm,
    /// NATR.
    Natr,
    /// PLUS_DI.
    PlusDi,
    /// PLUS_DM.
    PlusDm,
    /// RMA.
    Rma,
    /// RSI.
    Rsi,
    /// RVI.
    Rvi,
    /// T3.
    T3,
    /// HT_DCPERIOD.
    HtDcPeriod,
    /// HT_PHASOR.
    HtPhasor,
    /// MAMA (also every `matype` 7).
    Mama,
    /// HT_DCPHASE.
    HtDcPhase,
    /// HT_SINE.
    HtSine,
    /// HT_TRENDLINE.
    HtTrendline,
    /// HT_TRENDMODE.
    HtTrendMode,
}

impl UnstableId {
    /// Every id, in TA-Lib's spelling.
    pub const NAMES: [(&'static str, Self); N_UNSTABLE] = [
        ("ADX", Self::Adx),
        ("ATR", Self::Atr),
        ("CMO", Self::Cmo),
        ("DX", Self::Dx),
        ("EMA", Self::Ema),
        ("HA", Self::Ha),
        ("KAMA", Self::Kama),
        ("MINUS_DI", Self::MinusDi),
        ("MINUS_DM", Self::MinusDm),
        ("NATR", Self::Natr),
        ("PLUS_DI", Self::PlusDi),
        ("PLUS_DM", Self::PlusDm),
        ("RMA", Self::Rma),
        ("RSI", Self::Rsi),
        ("RVI", Self::Rvi),
        ("T3", Self::T3),
        ("HT_DCPERIOD", Self::HtDcPeriod),
        ("HT_PHASOR", Self::HtPhasor),
        ("MAMA", Self::Mama),
        ("HT_DCPHASE", Self::HtDcPhase),
        ("HT_SINE", Self::HtSine),
        ("HT_TRENDLINE", Self::HtTrendline),
        ("HT_TRENDMODE", Self::HtTrendMode),
    ];
}

/// Number of [`UnstableId`]s.
const N_UNSTABLE: usize = 23;

/// Unstable periods per [`UnstableId`] (all 0 by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unstable([u32; N_UNSTABLE]);

impl Unstable {
    /// The same period for every id (TA-Lib's `ALL`).
    #[must_use]
    pub fn all(period: u32) -> Self {
        Self([period; N_UNSTABLE])
    }
    /// The period of one id.
    #[must_use]
    pub const fn get(&self, id: UnstableId) -> usize {
        self.0[id as usize] as usize
    }
    /// Sets the period of one id.
    pub fn set(&mut self, id: UnstableId, period: u32) {
        self.0[id as usize] = period;
    }
    /// Sets one id by TA-Lib name (`"EMA"`, or `"ALL"` for every id).
    ///
    /// # Errors
    /// [`Error::UnknownOption`] for an unknown name.
    pub fn set_named(&mut self, name: &str, period: u32) -> Result<()> {
        if name == "ALL" {
            *self = Self::all(period);
            return Ok(());
        }
        let id = UnstableId::NAMES.iter().find(|(n, _)| *n == name).map(|(_, id)| *id).ok_or_else(
            || Error::UnknownOption {
                param: "unstable_period".into(),
                value: name.into(),
                allowed: std::iter::once("ALL")
                    .chain(UnstableId::NAMES.iter().map(|(n, _)| *n))
                    .collect::<Vec<_>>()
                    .join(", "),
            },
        )?;
        self.set(id, period);
        Ok(())
    }
    /// True when every period is 0.
    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&p| p == 0)
    }
}

/// The unstable-period gate of one stage: the stage's first `extra` values (after each
/// restart) are withheld as NaN; its state is updated as usual (TA-Lib seeds at the start of the
/// data and only starts reporting later).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnstableGate {
    extra: usize,
    seen: usize,
}

impl UnstableGate {
    /// Sets the number of withheld values.
    pub fn set(&mut self, extra: usize) {
        self.extra = extra;
    }
    /// Number of withheld values.
    #[must_use]
    pub const fn extra(&self) -> usize {
        self.extra
    }
    /// `v`, or NaN while values are still withheld.
    #[inline]
    pub fn pass(&mut self, v: f64) -> f64 {
        if self.open() {
            v
        } else {
            f64::NAN
        }
    }
    /// Counts one value: true when it is reported, false while values are withheld.
    #[inline]
    pub fn open(&mut self) -> bool {
        if self.seen >= self.extra {
            true
        } else {
            self.seen += 1;
            false
        }
    }
    /// Back to withholding (after a restart).
    #[inline]
    pub fn restart(&mut self) {
        self.seen = 0;
    }
}

/// The `nan_policy` parameter every indicator declares (last).
pub const NAN_POLICY: ParamSpec = ParamSpec::choice(
    "nan_policy",
    "default",
    &["default", "talib"],
    "missing data: \"default\" re-seeds after an interior NaN (lookback + 1 clean bars); \"talib\" \
     gives NaN from the first interior NaN to the end, as TA-Lib",
);

/// The `unstable_period` parameter of the indicators with TA-Lib unstable periods.
pub const UNSTABLE_PERIOD: ParamSpec = ParamSpec::int(
    "unstable_period",
    0,
    0,
    100_000,
    "TA-Lib's unstable period (its ALL setting, for this call): each EMA/RSI/ATR/ADX/... stage \
     withholds its first unstable_period values and later stages start that much later",
);

/// Validated parameter values, in declaration order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params(Vec<Value>, #[serde(default)] CallOptions);

impl Params {
    /// Integer parameter `i` (already validated).
    #[must_use]
    pub fn int(&self, i: usize) -> i64 {
        self.0[i].as_int().unwrap_or_default()
    }
    /// Integer parameter `i` as a `usize` (periods; validated non-negative by their bounds).
    #[must_use]
    #[allow(clippy::cast_sign_loss, reason = "bounds of period parameters are >= 1")]
    pub fn usize(&self, i: usize) -> usize {
        self.int(i).max(0) as usize
    }
    /// Float parameter `i`.
    #[must_use]
    pub fn float(&self, i: usize) -> f64 {
        self.0[i].as_float().unwrap_or(f64::NAN)
    }
    /// Optional float parameter `i`.
    #[must_use]
    pub fn opt_float(&self, i: usize) -> Option<f64> {
        self.0[i].as_float()
    }
    /// Boolean parameter `i` (false if it is not a boolean).
    #[must_use]
    pub fn bool(&self, i: usize) -> bool {
        matches!(self.0.get(i), Some(Value::Bool(true)))
    }
    /// String parameter `i`.
    #[must_use]
    pub fn str(&self, i: usize) -> &str {
        match &self.0[i] {
            Value::Str(s) => s,
            _ => "",
        }
    }
    /// Optional text parameter `i` (a [`ParamKind::Json`] document), `None` when not given.
    #[must_use]
    pub fn opt_str(&self, i: usize) -> Option<&str> {
        match self.0.get(i) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }
    /// All values in declaration order.
    #[must_use]
    pub fn values(&self) -> &[Value] {
        &self.0
    }
    /// Sets TA-Lib's unstable period of one function id for this call (`"EMA"`, `"ALL"`):
    /// the per-id form of the `unstable_period` parameter, used by `set_unstable_period`.
    ///
    /// # Errors
    /// [`Error::UnknownOption`] for an unknown id.
    pub fn set_unstable(&mut self, id: &str, period: u32) -> Result<()> {
        self.1.unstable.set_named(id, period)
    }
    /// Sets one of TA-Lib's candle settings for this call (`TA_SetCandleSettings`: a setting
    /// name such as `"BodyLong"`, the range type's name or, when
    /// `range` is empty, its code 0-2, the averaging period and the factor); used by
    /// `set_candle_settings`.
    ///
    /// # Errors
    /// [`Error::UnknownOption`] / [`Error::OutOfRange`] naming the bad part.
    pub fn set_candle(
        &mut self,
        setting: &str,
        range: &str,
        range_code: i64,
        period: i64,
        factor: f64,
    ) -> Result<()> {
        self.1.candles.set_named(setting, range, range_code, period, factor)
    }
    /// The call options (`nan_policy`, `unstable_period`, candle settings).
    #[must_use]
    pub const fn options(&self) -> CallOptions {
        self.1
    }
    /// Validated values in declaration order; the options are read from the parameters named
    /// `nan_policy` and `unstable_period`, where declared.
    fn new(specs: &[ParamSpec], values: Vec<Value>) -> Self {
        let mut opts = CallOptions::default();
        for (spec, v) in specs.iter().zip(&values) {
            match (spec.name, v) {
                ("nan_policy", Value::Str(s)) if s == "talib" => opts.nan_policy = NanPolicy::Talib,
                ("unstable_period", v) => {
                    let n = v.as_int().and_then(|i| u32::try_from(i).ok()).unwrap_or(0);
                    opts.unstable = Unstable::all(n);
                }
                _ => {}
            }
        }
        Self(values, opts)
    }
}

/// The kind and dtype of one output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// float64 series, same length as the inputs; NaN during warm-up.
    SeriesF64,
    /// int32 series, same length as the inputs; 0 during warm-up (TA-Lib's rule).
    SeriesI32,
    /// One float64 number.
    Scalar,
    /// float64 vector with one value per column of the matrix input (portfolio weights).
    PerColumn,
    /// float64 series with one value per full window of the integer parameter named
    /// `window`: `n - window + 1` values (none when `window > n`), empyrical's `roll_*`. With
    /// `clamp`, a window longer than the series is shortened to it (one value for `n >= 1`),
    /// as empyrical's vectorised rolling functions do.
    Rolling {
        /// Shorten a too-long window to the series (empyrical's vectorised `roll_*`).
        clamp: bool,
    },
    /// float64 series `k` values shorter than the inputs (`simple_returns`: one per pair).
    Trimmed(usize),
    /// float64 vector of a fixed length (`alpha_beta`: 2, `gpd_risk_estimates`: 5).
    Fixed(usize),
    /// float64 vector with as many values as the named integer parameter says (the top-N
    /// drawdown table: one row per drawdown, NaN-padded).
    Counted(&'static str),
    /// One record: named float fields and, when `labels` is not empty, a `label` (one of
    /// `labels`). Computed into a float64 buffer of [`OutputKind::width`] values (the fields in
    /// order, then the label's index); [`FunctionDecl::call`] returns [`OutVec::Record`].
    Record {
        /// Field names, in order.
        fields: &'static [&'static str],
        /// Possible labels (empty: no label).
        labels: &'static [&'static str],
    },
    /// One record per text of the [`InputKind::TextList`] input, laid out back to back;
    /// [`FunctionDecl::call`] returns [`OutVec::Records`].
    RecordList {
        /// Field names, in order.
        fields: &'static [&'static str],
        /// Possible labels (empty: no label).
        labels: &'static [&'static str],
    },
    /// float64 simulated paths, an n-dimensional array: one row per path (the integer
    /// parameter `paths`); per row one value, or `steps + 1` with the boolean parameter
    /// `full_paths`; times the number of assets (the length of the first series input) when the
    /// function has series inputs. Shape `(paths,)`, `(paths, steps + 1)`, `(paths, assets)` or
    /// `(paths, steps + 1, assets)`, row-major; see [`FunctionDecl::output_shape`].
    /// [`FunctionDecl::call`] returns [`OutVec::Array`].
    Paths,
    /// A JSON document (records with text fields, nested results): `compute` writes it with
    /// [`Outputs::set_json`]; [`FunctionDecl::call`] returns [`OutVec::Json`]. Adapters hand
    /// back the language's own objects. NaN and infinite numbers become `null`.
    Json,
    /// float64 `cols x cols` matrix, row-major, where `cols` is the number of columns of the
    /// first matrix input (a covariance or correlation matrix estimated from a `t x n` returns
    /// matrix). Shape `[cols, cols]`; [`FunctionDecl::call`] returns [`OutVec::Array`].
    Square,
    /// float64 table with one row per time `0..=steps` (the integer parameter `steps`) and one
    /// column per value of the named series input (`percentiles`): shape `(steps + 1, len)`,
    /// row-major (a fan chart's percentile bands). [`FunctionDecl::call`] returns
    /// [`OutVec::Array`].
    PerStep(&'static str),
    /// float64 table with one row per value of the named integer parameter (`points`) and one
    /// column per column of the first matrix input (one per asset): shape `(points, cols)`,
    /// row-major (efficient-frontier weights). [`FunctionDecl::call`] returns
    /// [`OutVec::Array`].
    Grid(&'static str),
}

impl OutputKind {
    /// Whether the output is a series of the inputs' length (float64 or int32): the outputs
    /// that bindings may allocate uninitialised, because every function writes every element
    /// of them (asserted on every golden case, `tests/it/golden.rs`).
    #[must_use]
    pub const fn is_series(self) -> bool {
        matches!(self, Self::SeriesF64 | Self::SeriesI32)
    }

    /// Whether the output is an n-dimensional array with a shape ([`OutVec::Array`]): paths,
    /// square, per-step and grid outputs.
    #[must_use]
    pub const fn is_array(self) -> bool {
        matches!(self, Self::Paths | Self::Square | Self::PerStep(_) | Self::Grid(_))
    }

    /// Values per record (fields, plus one for the label); 1 for other kinds.
    #[must_use]
    pub const fn width(self) -> usize {
        match self {
            Self::Record { fields, labels } | Self::RecordList { fields, labels } => {
                fields.len() + if labels.is_empty() { 0 } else { 1 }
            }
            _ => 1,
        }
    }

    /// Decodes one record from its `width()` values.
    #[must_use]
    pub fn decode_record(self, vals: &[f64]) -> Record {
        let (Self::Record { fields, labels } | Self::RecordList { fields, labels }) = self else {
            return Record { fields: Vec::new(), label: None };
        };
        let label = if labels.is_empty() {
            None
        } else {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "label indices are small non-negative integers"
            )]
            vals.get(fields.len()).and_then(|&i| labels.get(i as usize).copied())
        };
        Record {
            fields: fields
                .iter()
                .enumerate()
                .map(|(i, &f)| (f, vals.get(i).copied().unwrap_or(f64::NAN)))
                .collect(),
            label,
        }
    }
}

/// A decoded record output: named numbers and an optional label.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// `(field, value)` in declaration order.
    pub fields: Vec<(&'static str, f64)>,
    /// The label, for records that declare labels.
    pub label: Option<&'static str>,
}

/// One declared output.
#[derive(Debug, Clone, Copy)]
pub struct OutputSpec {
    /// Name as TA-Lib spells it (`real`, `upperband`, `integer`).
    pub name: &'static str,
    /// Kind and dtype.
    pub kind: OutputKind,
}

impl OutputSpec {
    /// A float64 series output.
    #[must_use]
    pub const fn f64(name: &'static str) -> Self {
        Self { name, kind: OutputKind::SeriesF64 }
    }
    /// An int32 series output.
    #[must_use]
    pub const fn i32(name: &'static str) -> Self {
        Self { name, kind: OutputKind::SeriesI32 }
    }
    /// A scalar output.
    #[must_use]
    pub const fn scalar(name: &'static str) -> Self {
        Self { name, kind: OutputKind::Scalar }
    }
    /// A one-value-per-column output.
    #[must_use]
    pub const fn per_column(name: &'static str) -> Self {
        Self { name, kind: OutputKind::PerColumn }
    }
    /// A record output.
    #[must_use]
    pub const fn record(
        name: &'static str,
        fields: &'static [&'static str],
        labels: &'static [&'static str],
    ) -> Self {
        Self { name, kind: OutputKind::Record { fields, labels } }
    }
    /// A one-record-per-text output.
    #[must_use]
    pub const fn record_list(
        name: &'static str,
        fields: &'static [&'static str],
        labels: &'static [&'static str],
    ) -> Self {
        Self { name, kind: OutputKind::RecordList { fields, labels } }
    }
    /// A JSON document output.
    #[must_use]
    pub const fn json(name: &'static str) -> Self {
        Self { name, kind: OutputKind::Json }
    }
    /// A rolling output (one value per full window of the `window` parameter).
    #[must_use]
    pub const fn rolling(name: &'static str, clamp: bool) -> Self {
        Self { name, kind: OutputKind::Rolling { clamp } }
    }
    /// A series output `k` values shorter than the inputs.
    #[must_use]
    pub const fn trimmed(name: &'static str, k: usize) -> Self {
        Self { name, kind: OutputKind::Trimmed(k) }
    }
    /// A fixed-length vector output.
    #[must_use]
    pub const fn fixed(name: &'static str, len: usize) -> Self {
        Self { name, kind: OutputKind::Fixed(len) }
    }
    /// A vector output whose length is the integer parameter `param`.
    #[must_use]
    pub const fn counted(name: &'static str, param: &'static str) -> Self {
        Self { name, kind: OutputKind::Counted(param) }
    }
    /// A simulated-paths output ([`OutputKind::Paths`]).
    #[must_use]
    pub const fn paths(name: &'static str) -> Self {
        Self { name, kind: OutputKind::Paths }
    }
    /// A `cols x cols` matrix output ([`OutputKind::Square`]).
    #[must_use]
    pub const fn square(name: &'static str) -> Self {
        Self { name, kind: OutputKind::Square }
    }
    /// A per-step table output ([`OutputKind::PerStep`]), one column per value of `input`.
    #[must_use]
    pub const fn per_step(name: &'static str, input: &'static str) -> Self {
        Self { name, kind: OutputKind::PerStep(input) }
    }
    /// A `param x cols` table output ([`OutputKind::Grid`]): one row per value of the integer
    /// parameter `param`, one column per asset.
    #[must_use]
    pub const fn grid(name: &'static str, param: &'static str) -> Self {
        Self { name, kind: OutputKind::Grid(param) }
    }
}

/// Properties that exempt a function from the same-length / stream == batch rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// Output is shifted in time relative to its input (Ichimoku spans).
    pub shifted: bool,
    /// Past output values may change as new bars arrive (ZigZag).
    pub repaints: bool,
    /// Needs timestamps as an input (anchored VWAP, pivots).
    pub needs_time: bool,
}

impl Flags {
    /// No flags.
    pub const NONE: Self = Self { shifted: false, repaints: false, needs_time: false };
}

/// Borrowed input data handed to `compute`.
#[derive(Debug, Clone, Copy)]
pub enum InputData<'a> {
    /// A 1-D series.
    Series(&'a [f64]),
    /// A row-major matrix.
    Matrix {
        /// `rows * cols` values, row-major.
        data: &'a [f64],
        /// Number of rows.
        rows: usize,
        /// Number of columns.
        cols: usize,
    },
    /// One text.
    Text(&'a str),
    /// A list of texts.
    TextList(&'a [&'a str]),
    /// A JSON document, as text.
    Json(&'a str),
}

impl InputData<'_> {
    fn kind(&self) -> InputKind {
        match self {
            Self::Series(_) => InputKind::Series,
            Self::Matrix { .. } => InputKind::Matrix,
            Self::Text(_) => InputKind::Text,
            Self::TextList(_) => InputKind::TextList,
            Self::Json(_) => InputKind::Json,
        }
    }
}

/// The inputs of one call, validated against the declaration.
#[derive(Debug, Clone)]
pub struct Inputs<'a>(Vec<InputData<'a>>);

impl<'a> Inputs<'a> {
    /// Series input `i`.
    #[must_use]
    pub fn series(&self, i: usize) -> &'a [f64] {
        match self.0[i] {
            InputData::Series(s) => s,
            InputData::Matrix { data, .. } => data,
            InputData::Text(_) | InputData::TextList(_) | InputData::Json(_) => &[],
        }
    }
    /// Matrix input `i` as `(data, rows, cols)`.
    #[must_use]
    pub fn matrix(&self, i: usize) -> (&'a [f64], usize, usize) {
        match self.0[i] {
            InputData::Matrix { data, rows, cols } => (data, rows, cols),
            InputData::Series(s) => (s, s.len(), 1),
            InputData::Text(_) | InputData::TextList(_) | InputData::Json(_) => (&[], 0, 0),
        }
    }
    /// Text input `i` (empty if it is not text).
    #[must_use]
    pub fn text(&self, i: usize) -> &'a str {
        match self.0[i] {
            InputData::Text(t) => t,
            _ => "",
        }
    }
    /// JSON input `i` parsed into `T`; a malformed or mistyped document is an
    /// [`Error::InvalidInput`] naming the input (`name`) and serde's message with its line and
    /// column.
    pub fn json<T: serde::de::DeserializeOwned>(&self, i: usize, name: &str) -> Result<T> {
        let text = match self.0[i] {
            InputData::Json(t) | InputData::Text(t) => t,
            _ => "",
        };
        parse_json(name, text)
    }
    /// List-of-texts input `i` (empty if it is not a list of texts).
    #[must_use]
    pub fn texts(&self, i: usize) -> &'a [&'a str] {
        match self.0[i] {
            InputData::TextList(t) => t,
            _ => &[],
        }
    }
}

/// A caller-provided output buffer.
#[derive(Debug)]
pub enum OutBuf<'a> {
    /// float64 buffer (series, scalar of length 1, per-column vector).
    F64(&'a mut [f64]),
    /// int32 buffer.
    I32(&'a mut [i32]),
    /// A JSON document ([`OutputKind::Json`]), written by [`Outputs::set_json`].
    Json(&'a mut String),
}

impl OutBuf<'_> {
    fn len(&self) -> usize {
        match self {
            Self::F64(b) => b.len(),
            Self::I32(b) => b.len(),
            Self::Json(_) => 0,
        }
    }
}

/// Mutable access to the output buffers inside `compute`.
#[derive(Debug)]
pub struct Outputs<'o, 'a>(&'o mut [OutBuf<'a>]);

impl<'a> Outputs<'_, 'a> {
    /// The single float64 output buffer.
    pub fn f64(&mut self, i: usize) -> &mut [f64] {
        match &mut self.0[i] {
            OutBuf::F64(b) => b,
            OutBuf::I32(_) | OutBuf::Json(_) => &mut [],
        }
    }
    /// The single int32 output buffer.
    pub fn i32(&mut self, i: usize) -> &mut [i32] {
        match &mut self.0[i] {
            OutBuf::I32(b) => b,
            OutBuf::F64(_) | OutBuf::Json(_) => &mut [],
        }
    }
    /// Writes JSON output `i` (NaN and infinities become `null`, as everywhere on the JSON
    /// surfaces).
    pub fn set_json<T: serde::Serialize + ?Sized>(&mut self, i: usize, value: &T) -> Result<()> {
        match self.0.get_mut(i) {
            Some(OutBuf::Json(s)) => {
                **s = serde_json::to_string(value).map_err(|e| Error::InvalidInput {
                    input: format!("out[{i}]"),
                    reason: format!("result is not representable as JSON: {e}"),
                })?;
                Ok(())
            }
            _ => Err(Error::InvalidInput {
                input: format!("out[{i}]"),
                reason: "expected a JSON output buffer".into(),
            }),
        }
    }
    /// The three float64 buffers of a three-output function.
    pub fn f64x3(&mut self) -> (&mut [f64], &mut [f64], &mut [f64]) {
        match &mut *self.0 {
            [OutBuf::F64(a), OutBuf::F64(b), OutBuf::F64(c)] => (a, b, c),
            _ => (&mut [], &mut [], &mut []),
        }
    }
}

/// Number of values of a rolling output: one per full window of `w` over `n` values; with
/// `clamp`, a window longer than the series is shortened to it (empyrical's vectorised
/// `roll_*`: one value for `1 <= n < w`).
#[must_use]
pub const fn rolling_len(n: usize, w: usize, clamp: bool) -> usize {
    if n == 0 {
        0
    } else if w > n {
        if clamp {
            1
        } else {
            0
        }
    } else {
        n - w + 1
    }
}

/// An owned output as returned by [`FunctionDecl::call`].
#[derive(Debug, Clone, PartialEq)]
pub enum OutVec {
    /// A float64 array.
    F64(Vec<f64>),
    /// An int32 array.
    I32(Vec<i32>),
    /// A single number.
    Scalar(f64),
    /// One record ([`OutputKind::Record`]).
    Record(Record),
    /// One record per text ([`OutputKind::RecordList`]).
    Records(Vec<Record>),
    /// An n-dimensional float64 array, row-major ([`OutputKind::Paths`], [`OutputKind::Square`]).
    Array {
        /// `shape.iter().product()` values, row-major.
        data: Vec<f64>,
        /// The dimensions.
        shape: Vec<usize>,
    },
    /// A JSON document, as text ([`OutputKind::Json`]).
    Json(String),
}

/// Parses a JSON input named `name` into `T`: a malformed or mistyped document is an
/// [`Error::InvalidInput`] naming the input, with serde's message (field, line and column).
pub fn parse_json<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::InvalidInput {
        input: name.to_owned(),
        reason: format!("invalid JSON document: {e}"),
    })
}

/// Batch entry point: computes into the output buffers (already checked for count, dtype and
/// length). Inputs and parameters are already validated against the declaration. It must write
/// every element of every output (warm-up NaN / 0 included): [`FunctionDecl::call`] hands it
/// zero-initialised buffers.
pub type ComputeFn = fn(&Inputs<'_>, &Params, &mut Outputs<'_, '_>) -> Result<()>;
/// Lookback (number of leading warm-up values) for given parameters.
pub type LookbackFn = fn(&Params) -> Result<usize>;

/// How a function's streaming state object is made and restored.
#[derive(Debug, Clone, Copy)]
pub struct StreamDecl {
    /// Builds a fresh state for validated parameters.
    pub new: fn(&Params) -> Result<Box<dyn Stream>>,
    /// Restores a state saved by [`Stream::save`].
    pub load: fn(&[u8]) -> Result<Box<dyn Stream>>,
}

/// One function, declared once.
#[derive(Debug)]
pub struct FunctionDecl {
    /// Public name (`SMA`, `sharpe_ratio`).
    pub name: &'static str,
    /// Module.
    pub module: Module,
    /// Group within the module (TA-Lib's group names for indicators).
    pub group: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Longer description: formula, conventions, reference.
    pub doc: &'static str,
    /// Inputs, in positional order.
    pub inputs: &'static [InputSpec],
    /// Parameters, in positional order.
    pub params: &'static [ParamSpec],
    /// Outputs, in order.
    pub outputs: &'static [OutputSpec],
    /// Shifted / repaints / needs-time.
    pub flags: Flags,
    /// Warm-up length (indicators only).
    pub lookback: Option<LookbackFn>,
    /// Batch entry point.
    pub compute: ComputeFn,
    /// Streaming state (indicators only).
    pub stream: Option<StreamDecl>,
}

impl FunctionDecl {
    /// Validates parameters given positionally in declaration order; missing trailing
    /// parameters take their defaults.
    pub fn params_positional(&self, values: &[Value]) -> Result<Params> {
        if values.len() > self.params.len() {
            return Err(Error::Arity {
                what: format!("number of parameters of `{}`", self.name),
                expected: self.params.len(),
                got: values.len(),
            });
        }
        let mut out = Vec::with_capacity(self.params.len());
        for (i, spec) in self.params.iter().enumerate() {
            let v = values.get(i).cloned().unwrap_or_else(|| spec.default_value());
            out.push(spec.check(v)?);
        }
        Ok(Params::new(self.params, out))
    }

    /// Validates parameters given by name; missing ones take their defaults, unknown names
    /// are an error.
    pub fn params_named<'v, I>(&self, named: I) -> Result<Params>
    where
        I: IntoIterator<Item = (&'v str, Value)>,
    {
        let mut values: Vec<Option<Value>> = vec![None; self.params.len()];
        for (name, v) in named {
            let Some(i) = self.params.iter().position(|p| p.name == name) else {
                return Err(Error::UnknownParameter {
                    function: self.name.to_owned(),
                    param: name.to_owned(),
                    known: self.params.iter().map(|p| p.name).collect::<Vec<_>>().join(", "),
                });
            };
            values[i] = Some(v);
        }
        let mut out = Vec::with_capacity(self.params.len());
        for (spec, v) in self.params.iter().zip(values) {
            out.push(spec.check(v.unwrap_or_else(|| spec.default_value()))?);
        }
        Ok(Params::new(self.params, out))
    }

    /// The default parameters.
    #[must_use]
    pub fn default_params(&self) -> Params {
        Params::new(self.params, self.params.iter().map(ParamSpec::default_value).collect())
    }

    /// Checks the inputs against the declaration: count, kinds, equal series lengths, matrix
    /// shapes.
    pub fn check_inputs<'a>(&self, inputs: &[InputData<'a>]) -> Result<Inputs<'a>> {
        if inputs.len() != self.inputs.len() {
            return Err(Error::Arity {
                what: format!(
                    "number of inputs of `{}` ({})",
                    self.name,
                    self.inputs.iter().map(|i| i.name).collect::<Vec<_>>().join(", ")
                ),
                expected: self.inputs.len(),
                got: inputs.len(),
            });
        }
        let mut first_series: Option<(&str, usize)> = None;
        for (spec, data) in self.inputs.iter().zip(inputs) {
            if spec.kind != data.kind() {
                return Err(Error::InvalidInput {
                    input: spec.name.to_owned(),
                    reason: match spec.kind {
                        InputKind::Series => "expected a 1-D series".to_owned(),
                        InputKind::Matrix => "expected a 2-D matrix".to_owned(),
                        InputKind::Text => "expected a text (string)".to_owned(),
                        InputKind::TextList => "expected a list of texts".to_owned(),
                        InputKind::Json => {
                            "expected a JSON document (objects and arrays)".to_owned()
                        }
                    },
                });
            }
            match *data {
                InputData::Series(_) if spec.free_len => {}
                InputData::Series(s) => match first_series {
                    None => first_series = Some((spec.name, s.len())),
                    Some((other, len)) => {
                        crate::error::check_same_len(spec.name, s.len(), other, len)?
                    }
                },
                InputData::Matrix { data, rows, cols } => {
                    if rows.checked_mul(cols) != Some(data.len()) {
                        return Err(Error::InvalidInput {
                            input: spec.name.to_owned(),
                            reason: format!(
                                "{rows} x {cols} matrix needs {} values, got {}",
                                rows * cols,
                                data.len()
                            ),
                        });
                    }
                }
                InputData::Text(_) | InputData::TextList(_) | InputData::Json(_) => {}
            }
        }
        Ok(Inputs(inputs.to_vec()))
    }

    /// Length of output `i` for the given (checked) inputs and the default parameters.
    #[must_use]
    pub fn output_len(&self, i: usize, inputs: &Inputs<'_>) -> usize {
        self.output_len_with(i, inputs, &self.default_params())
    }

    /// Length of output `i` for the given (checked) inputs and validated parameters (rolling
    /// outputs depend on the `window` parameter).
    #[must_use]
    pub fn output_len_with(&self, i: usize, inputs: &Inputs<'_>, params: &Params) -> usize {
        let series_len = || {
            inputs
                .0
                .iter()
                .find_map(|d| match d {
                    InputData::Series(s) => Some(s.len()),
                    _ => None,
                })
                .unwrap_or(0)
        };
        let matrix_cols = || {
            inputs
                .0
                .iter()
                .find_map(|d| match d {
                    InputData::Matrix { cols, .. } => Some(*cols),
                    _ => None,
                })
                .unwrap_or(0)
        };
        match self.outputs[i].kind {
            OutputKind::SeriesF64 | OutputKind::SeriesI32 => series_len(),
            OutputKind::Scalar => 1,
            OutputKind::PerColumn => matrix_cols(),
            OutputKind::Square => matrix_cols().saturating_mul(matrix_cols()),
            OutputKind::Grid(name) => self
                .params
                .iter()
                .position(|p| p.name == name)
                .and_then(|k| params.values().get(k))
                .and_then(Value::as_int)
                .map_or(0, |v| usize::try_from(v.max(0)).unwrap_or(0))
                .saturating_mul(matrix_cols()),
            k @ OutputKind::Record { .. } => k.width(),
            k @ OutputKind::RecordList { .. } => {
                k.width()
                    * inputs
                        .0
                        .iter()
                        .find_map(|d| match d {
                            InputData::TextList(t) => Some(t.len()),
                            _ => None,
                        })
                        .unwrap_or(0)
            }
            OutputKind::Rolling { clamp } => {
                let n = series_len();
                let w = self
                    .params
                    .iter()
                    .position(|p| p.name == "window")
                    .and_then(|k| params.values().get(k))
                    .and_then(Value::as_int)
                    .map_or(1, |w| usize::try_from(w.max(1)).unwrap_or(usize::MAX));
                rolling_len(n, w, clamp)
            }
            OutputKind::Trimmed(k) => series_len().saturating_sub(k),
            OutputKind::Fixed(k) => k,
            OutputKind::Counted(name) => self
                .params
                .iter()
                .position(|p| p.name == name)
                .and_then(|k| params.values().get(k))
                .and_then(Value::as_int)
                .map_or(0, |v| usize::try_from(v.max(0)).unwrap_or(0)),
            OutputKind::Paths | OutputKind::PerStep(_) => {
                self.output_shape(i, inputs, params).iter().fold(1, |a, &d| a.saturating_mul(d))
            }
            OutputKind::Json => 0,
        }
    }

    /// Checks that outputs whose size comes from parameters ([`OutputKind::Paths`]) stay
    /// within [`crate::mc::MAX_VALUES`] values, before anyone allocates them.
    pub fn check_output_sizes(&self, inputs: &Inputs<'_>, params: &Params) -> Result<()> {
        for (i, spec) in self.outputs.iter().enumerate() {
            if matches!(spec.kind, OutputKind::Paths | OutputKind::PerStep(_))
                && self.output_len_with(i, inputs, params) > crate::mc::MAX_VALUES
            {
                return Err(Error::OutOfRange {
                    param: "paths".into(),
                    value: format!("{:?}", self.output_shape(i, inputs, params)),
                    bound: format!(
                        "the output would hold more than {} values; split the run with first_path",
                        crate::mc::MAX_VALUES
                    ),
                });
            }
        }
        Ok(())
    }

    /// The dimensions of output `i`: `[len]` for 1-D outputs, `[]` for scalars and records,
    /// and for [`OutputKind::Paths`] `[paths]`, `[paths, steps + 1]`, `[paths, assets]` or
    /// `[paths, steps + 1, assets]`.
    #[must_use]
    pub fn output_shape(&self, i: usize, inputs: &Inputs<'_>, params: &Params) -> Vec<usize> {
        match self.outputs[i].kind {
            OutputKind::Scalar | OutputKind::Record { .. } | OutputKind::Json => Vec::new(),
            OutputKind::Paths => {
                let param = |name: &str| {
                    self.params
                        .iter()
                        .position(|p| p.name == name)
                        .and_then(|k| params.values().get(k))
                };
                let int = |name: &str| {
                    param(name)
                        .and_then(Value::as_int)
                        .map_or(0, |v| usize::try_from(v.max(0)).unwrap_or(0))
                };
                let mut shape = vec![int("paths")];
                if matches!(param("full_paths"), Some(Value::Bool(true))) {
                    shape.push(int("steps").saturating_add(1));
                }
                // the assets: the first declared series input's length; without one, the
                // columns of a matrix input given as 2-D (a 1-D one is a single series)
                let declared = |k: InputKind| self.inputs.iter().position(|s| s.kind == k);
                let assets = match declared(InputKind::Series) {
                    Some(k) => inputs.0.get(k).map(|d| match d {
                        InputData::Series(s) => s.len(),
                        InputData::Matrix { data, .. } => data.len(),
                        _ => 0,
                    }),
                    None => declared(InputKind::Matrix).and_then(|k| match inputs.0.get(k) {
                        Some(InputData::Matrix { cols, .. }) => Some(*cols),
                        _ => None,
                    }),
                };
                shape.extend(assets);
                shape
            }
            OutputKind::Square => {
                let n = self.output_len_with(i, inputs, params).isqrt();
                vec![n, n]
            }
            OutputKind::Grid(_) => {
                let cols = inputs
                    .0
                    .iter()
                    .find_map(|d| match d {
                        InputData::Matrix { cols, .. } => Some(*cols),
                        _ => None,
                    })
                    .unwrap_or(0);
                let len = self.output_len_with(i, inputs, params);
                vec![len.checked_div(cols).unwrap_or(0), cols]
            }
            OutputKind::PerStep(input) => {
                let steps = self
                    .params
                    .iter()
                    .position(|p| p.name == "steps")
                    .and_then(|k| params.values().get(k))
                    .and_then(Value::as_int)
                    .map_or(0, |v| usize::try_from(v.max(0)).unwrap_or(0));
                let cols = self
                    .inputs
                    .iter()
                    .position(|s| s.name == input)
                    .map_or(0, |k| inputs.series(k).len());
                vec![steps.saturating_add(1), cols]
            }
            _ => vec![self.output_len_with(i, inputs, params)],
        }
    }

    /// Computes into caller-provided buffers (the `_into` / `out=` path). Checks inputs, output
    /// count, dtypes and lengths first.
    pub fn call_into(
        &self,
        inputs: &[InputData<'_>],
        params: &Params,
        outs: &mut [OutBuf<'_>],
    ) -> Result<()> {
        let inputs = self.check_inputs(inputs)?;
        if outs.len() != self.outputs.len() {
            return Err(Error::Arity {
                what: format!("number of output buffers of `{}`", self.name),
                expected: self.outputs.len(),
                got: outs.len(),
            });
        }
        for (i, (spec, buf)) in self.outputs.iter().zip(outs.iter()).enumerate() {
            let dtype_ok = matches!(
                (spec.kind, buf),
                (OutputKind::SeriesI32, OutBuf::I32(_))
                    | (OutputKind::Json, OutBuf::Json(_))
                    | (
                        OutputKind::SeriesF64
                            | OutputKind::Scalar
                            | OutputKind::PerColumn
                            | OutputKind::Record { .. }
                            | OutputKind::RecordList { .. }
                            | OutputKind::Rolling { .. }
                            | OutputKind::Trimmed(_)
                            | OutputKind::Fixed(_)
                            | OutputKind::Counted(_)
                            | OutputKind::Paths
                            | OutputKind::Square
                            | OutputKind::PerStep(_)
                            | OutputKind::Grid(_),
                        OutBuf::F64(_)
                    )
            );
            if !dtype_ok {
                return Err(Error::InvalidInput {
                    input: format!("out[{i}] ({})", spec.name),
                    reason: format!(
                        "expected a {} buffer",
                        match spec.kind {
                            OutputKind::SeriesI32 => "int32",
                            OutputKind::Json => "JSON",
                            _ => "float64",
                        }
                    ),
                });
            }
            crate::error::check_out_len(
                spec.name,
                buf.len(),
                self.output_len_with(i, &inputs, params),
            )?;
        }
        self.run_compute(&inputs, params, outs)
    }

    /// Runs `compute`, applying `nan_policy="talib"`: the function sees the series up to the
    /// first interior NaN (after the leading NaNs TA-Lib's wrapper skips), and every output is
    /// NaN (0 for int32) from there to the end.
    fn run_compute(
        &self,
        inputs: &Inputs<'_>,
        params: &Params,
        outs: &mut [OutBuf<'_>],
    ) -> Result<()> {
        let series_only = self
            .outputs
            .iter()
            .all(|o| matches!(o.kind, OutputKind::SeriesF64 | OutputKind::SeriesI32));
        if params.options().nan_policy == NanPolicy::Talib && series_only {
            if let Some(cut) = talib_nan_cut(&inputs.0) {
                let prefix: Vec<InputData<'_>> = inputs
                    .0
                    .iter()
                    .map(|d| match *d {
                        InputData::Series(s) => InputData::Series(&s[..cut]),
                        other => other,
                    })
                    .collect();
                {
                    let mut head: Vec<OutBuf<'_>> = outs
                        .iter_mut()
                        .map(|b| match b {
                            OutBuf::F64(b) => OutBuf::F64(&mut b[..cut]),
                            OutBuf::I32(b) => OutBuf::I32(&mut b[..cut]),
                            OutBuf::Json(s) => OutBuf::Json(s),
                        })
                        .collect();
                    (self.compute)(&Inputs(prefix), params, &mut Outputs(&mut head))?;
                }
                for b in outs.iter_mut() {
                    match b {
                        OutBuf::F64(b) => b[cut..].fill(f64::NAN),
                        OutBuf::I32(b) => b[cut..].fill(0),
                        OutBuf::Json(_) => {}
                    }
                }
                return Ok(());
            }
        }
        (self.compute)(inputs, params, &mut Outputs(outs))
    }

    /// Computes into freshly allocated outputs.
    pub fn call(&self, inputs: &[InputData<'_>], params: &Params) -> Result<Vec<OutVec>> {
        let checked = self.check_inputs(inputs)?;
        let mut f64s: Vec<Vec<f64>> = Vec::new();
        let mut i32s: Vec<Vec<i32>> = Vec::new();
        let mut jsons: Vec<String> = Vec::new();
        self.check_output_sizes(&checked, params)?;
        for (i, spec) in self.outputs.iter().enumerate() {
            let n = self.output_len_with(i, &checked, params);
            match spec.kind {
                OutputKind::SeriesI32 => i32s.push(vec![0; n]),
                OutputKind::Json => jsons.push("null".to_owned()),
                // zeroed pages are mapped lazily; every compute writes every element
                _ => f64s.push(vec![0.0; n]),
            }
        }
        {
            let mut fi = f64s.iter_mut();
            let mut ii = i32s.iter_mut();
            let mut ji = jsons.iter_mut();
            let mut bufs: Vec<OutBuf<'_>> = self
                .outputs
                .iter()
                .filter_map(|spec| match spec.kind {
                    OutputKind::SeriesI32 => ii.next().map(|v| OutBuf::I32(v)),
                    OutputKind::Json => ji.next().map(OutBuf::Json),
                    _ => fi.next().map(|v| OutBuf::F64(v)),
                })
                .collect();
            self.run_compute(&checked, params, &mut bufs)?;
        }
        let mut fi = f64s.into_iter();
        let mut ii = i32s.into_iter();
        let mut ji = jsons.into_iter();
        Ok(self
            .outputs
            .iter()
            .enumerate()
            .filter_map(|(i, spec)| match spec.kind {
                OutputKind::SeriesI32 => ii.next().map(OutVec::I32),
                OutputKind::Json => ji.next().map(OutVec::Json),
                OutputKind::Scalar => {
                    fi.next().map(|v| OutVec::Scalar(v.first().copied().unwrap_or(f64::NAN)))
                }
                k @ OutputKind::Record { .. } => {
                    fi.next().map(|v| OutVec::Record(k.decode_record(&v)))
                }
                k @ OutputKind::RecordList { .. } => fi.next().map(|v| {
                    OutVec::Records(
                        v.chunks(k.width().max(1)).map(|c| k.decode_record(c)).collect(),
                    )
                }),
                k if k.is_array() => fi.next().map(|data| OutVec::Array {
                    data,
                    shape: self.output_shape(i, &checked, params),
                }),
                _ => fi.next().map(OutVec::F64),
            })
            .collect())
    }

    /// A fresh streaming state, for indicators.
    pub fn stream(&self, params: &Params) -> Result<Box<dyn Stream>> {
        match self.stream {
            Some(s) if params.options().nan_policy == NanPolicy::Talib => {
                Ok(Box::new(TalibNanStream::new((s.new)(params)?)))
            }
            Some(s) => (s.new)(params),
            None => Err(Error::Unsupported {
                param: "stream".into(),
                value: self.name.into(),
                reason: format!("`{}` is not an indicator and has no streaming form", self.name),
            }),
        }
    }

    /// Restores a streaming state saved with [`Stream::save`].
    pub fn stream_load(&self, bytes: &[u8]) -> Result<Box<dyn Stream>> {
        match self.stream {
            Some(s) => match bytes {
                [TalibNanStream::TAG, flags @ ..] if flags.len() >= 4 => {
                    let inner = (s.load)(&flags[4..])?;
                    Ok(Box::new(TalibNanStream::with_flags(inner, &flags[..4])))
                }
                _ => (s.load)(bytes),
            },
            None => Err(Error::State(format!("`{}` has no streaming form", self.name))),
        }
    }

    /// `NAME(p1=v1, p2=v2)`, the configuration as text.
    #[must_use]
    pub fn display_with(&self, params: &Params) -> String {
        // the call options only when they differ from their defaults
        let ps: Vec<String> = self
            .params
            .iter()
            .zip(params.values())
            .filter(|(s, v)| {
                !matches!(s.name, "nan_policy" | "unstable_period") || **v != s.default_value()
            })
            .map(|(s, v)| format!("{}={v}", s.name))
            .collect();
        format!("{}({})", self.name, ps.join(", "))
    }
}

/// A streaming state object: one bar in, the new value(s) out.
///
/// Inputs per bar are fixed and positional (as declared); outputs are written into `out`
/// (one slot per declared output; integer outputs as exact floats). During warm-up the outputs
/// are NaN (0 for integer outputs). A bar with any NaN input outputs NaN and restarts the
/// state, which re-seeds after lookback + 1 clean bars, exactly as the batch function does.
pub trait Stream: Send + Sync + fmt::Debug {
    /// Number of inputs per bar.
    fn n_inputs(&self) -> usize;
    /// Number of outputs per bar.
    fn n_outputs(&self) -> usize;
    /// Appends a bar and writes the new value(s).
    fn update(&mut self, bar: &[f64], out: &mut [f64]) -> Result<()>;
    /// Writes the value(s) this bar would give, leaving the state untouched.
    fn peek(&self, bar: &[f64], out: &mut [f64]) -> Result<()>;
    /// Replaces the last bar (the forming candle changed) and writes the new value(s).
    fn replace_last(&mut self, bar: &[f64], out: &mut [f64]) -> Result<()>;
    /// Back to the state before the first bar.
    fn reset(&mut self);
    /// The value(s) after the last bar (NaN before any bar).
    fn value(&self, out: &mut [f64]);
    /// Number of bars seen since construction or reset.
    fn bars(&self) -> u64;
    /// An independent copy.
    fn clone_box(&self) -> Box<dyn Stream>;
    /// The full state as bytes, restorable with [`FunctionDecl::stream_load`].
    fn save(&self) -> Vec<u8>;
}

/// A per-bar kernel: the state machine behind a streaming object (and, where convenient, the
/// batch function too, which makes stream == batch hold by construction).
pub trait Kernel:
    Clone + fmt::Debug + Send + Sync + Serialize + DeserializeOwned + 'static
{
    /// Inputs per bar.
    const INPUTS: usize;
    /// Outputs per bar.
    const OUTPUTS: usize;
    /// Value written for warm-up and NaN bars (NaN; 0 for integer outputs).
    const EMPTY: f64 = f64::NAN;
    /// Layout revision of the kernel's saved state (see [`Stream::save`]): raised when the
    /// state's fields change, so that a state saved by an earlier build is refused with
    /// [`Error::State`] instead of being misread. At most 15. A kernel that embeds another
    /// kernel's state carries that kernel's revision (raised further when its own fields change).
    const STATE_REVISION: u8 = 0;
    /// Feeds one clean bar (no NaN in it) and writes the outputs.
    fn step(&mut self, bar: &[f64], out: &mut [f64]);
    /// Number of leading warm-up bars (outputs [`Kernel::EMPTY`]) after a (re)start.
    fn lookback(&self) -> usize;
    /// Returns to the freshly constructed state, keeping the configuration.
    fn restart(&mut self);
    /// Back to the freshly constructed state (a stream's `reset`): [`Kernel::restart`], and for
    /// kernels that count bars across gaps, the count too.
    fn reset(&mut self) {
        self.restart();
    }
    /// Called on every bar with a NaN in it, after [`Kernel::restart`]; kernels that count
    /// bars across gaps (the absolute indices of `MAXINDEX`) override it.
    #[inline]
    fn gap(&mut self) {}
    /// Applies TA-Lib unstable periods to the stages that have one (EMA, RSI, ATR, ADX, ...):
    /// each such stage withholds its first `unstable.get(id)` values, and the stages after it
    /// start that much later. Composite kernels forward to their stages.
    fn set_unstable(&mut self, _unstable: &Unstable) {}
    /// [`Kernel::set_unstable`], by value.
    #[must_use]
    fn with_unstable(mut self, unstable: &Unstable) -> Self {
        if !unstable.is_zero() {
            self.set_unstable(unstable);
        }
        self
    }
    /// Writes the outputs of a NaN bar: [`Kernel::EMPTY`] everywhere by default; a kernel
    /// mixing float and int32 outputs writes 0 to the int32 ones (what the batch casts to).
    #[inline]
    fn empty_bar(out: &mut [f64]) {
        out.fill(Self::EMPTY);
    }
    /// A faster batch loop over a run of bars (`inputs` and `outs` all of the run's length),
    /// for a freshly restarted kernel: writes every output and returns true, or returns false
    /// (the default) to let [`run_kernel`] step bar by bar. It must return false as soon as it
    /// meets a NaN input ([`run_kernel`] first tries it on the whole series, which saves a
    /// separate scan for NaNs; on false it splits the series into NaN-free runs). An override
    /// must give the same bits as stepping (the stream == batch tests check it) and may decline
    /// some configurations (unstable periods, other average types).
    #[inline]
    fn run_fast(&self, _inputs: &[&[f64]], _outs: &mut [&mut [f64]]) -> bool {
        false
    }
}

/// A kernel built from a declaration's validated parameters. With it, a declaration needs no
/// hand-written glue: [`kernel_compute`], [`kernel_lookback`] and [`kernel_stream`] are its
/// `compute`, `lookback` and `stream` entries.
pub trait FromParams: Sized {
    /// Builds the kernel (errors name the parameter and the bound).
    fn from_params(p: &Params) -> Result<Self>;
}

/// Generic `compute` of a kernel-based declaration: every series input in order, every
/// float64 output in order.
pub fn kernel_compute<K: Kernel + FromParams>(
    i: &Inputs<'_>,
    p: &Params,
    o: &mut Outputs<'_, '_>,
) -> Result<()> {
    let k = K::from_params(p)?;
    compute_with(k.with_unstable(&p.options().unstable), i, o)
}

/// [`kernel_compute`] for a built kernel.
fn compute_with<K: Kernel>(k: K, i: &Inputs<'_>, o: &mut Outputs<'_, '_>) -> Result<()> {
    let ins: Vec<&[f64]> = (0..K::INPUTS).map(|j| i.series(j)).collect();
    // int32 outputs are computed in f64 (NaN, the warm-up value, becomes 0) and cast
    let mut tmp: Vec<Vec<f64>> =
        o.0.iter()
            .filter_map(|b| match b {
                OutBuf::I32(b) => Some(vec![0.0; b.len()]),
                OutBuf::F64(_) | OutBuf::Json(_) => None,
            })
            .collect();
    {
        let mut ti = tmp.iter_mut();
        let mut outs: Vec<&mut [f64]> =
            o.0.iter_mut()
                .filter_map(|b| match b {
                    OutBuf::F64(b) => Some(&mut **b),
                    OutBuf::I32(_) => ti.next().map(Vec::as_mut_slice),
                    OutBuf::Json(_) => None,
                })
                .collect();
        run_kernel(&k, &ins, &mut outs);
    }
    let int_bufs = o.0.iter_mut().filter_map(|b| match b {
        OutBuf::I32(b) => Some(b),
        OutBuf::F64(_) | OutBuf::Json(_) => None,
    });
    for (b, t) in int_bufs.zip(&tmp) {
        for (d, &v) in b.iter_mut().zip(t) {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "int outputs are integral; NaN -> 0"
            )]
            {
                *d = v as i32;
            }
        }
    }
    Ok(())
}

/// Generic `lookback` of a kernel-based declaration.
pub fn kernel_lookback<K: Kernel + FromParams>(p: &Params) -> Result<usize> {
    Ok(K::from_params(p)?.with_unstable(&p.options().unstable).lookback())
}

/// Generic `stream` entry of a kernel-based declaration.
#[must_use]
pub const fn kernel_stream<K: Kernel + FromParams>() -> StreamDecl {
    StreamDecl {
        new: |p| KernelStream::boxed(K::from_params(p)?.with_unstable(&p.options().unstable)),
        load: KernelStream::<K>::load,
    }
}

/// Runs a kernel over one series into a fresh output (the typed batch functions).
pub fn kernel_batch<K: Kernel>(k: &K, real: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; real.len()];
    run_kernel(k, &[real], &mut [&mut out]);
    out
}

const STATE_VERSION: u8 = 2;

/// The first byte of a saved kernel state: the format version in the low four bits, the
/// kernel's [`Kernel::STATE_REVISION`] in the high four.
const fn state_tag<K: Kernel>() -> u8 {
    const { assert!(K::STATE_REVISION < 16, "Kernel::STATE_REVISION is at most 15") };
    STATE_VERSION | (K::STATE_REVISION << 4)
}

/// The bytes after a saved state's tag, when the tag is `want` (not generic: one copy of the
/// error messages for all kernels).
fn state_body(bytes: &[u8], want: u8) -> Result<&[u8]> {
    match bytes.split_first() {
        Some((&tag, rest)) if tag == want => Ok(rest),
        Some((&tag, _)) if tag & 0x0f == STATE_VERSION => Err(Error::State(format!(
            "this state has layout revision {} and this build reads revision {} of this \
             function's state (saved by another Sextant version): rebuild the stream by feeding \
             it the bars again",
            tag >> 4,
            want >> 4
        ))),
        Some((v, _)) => Err(Error::State(format!("unknown state version {v}"))),
        None => Err(Error::State("empty state".into())),
    }
}

/// The generic [`Stream`] over a [`Kernel`]: NaN policy, peek, replace-last, reset, save.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KernelStream<K> {
    cur: K,
    prev: K,
    last: Vec<f64>,
    prev_last: Vec<f64>,
    bars: u64,
}

impl<K: Kernel> KernelStream<K> {
    /// Wraps a freshly constructed kernel.
    pub fn new(kernel: K) -> Self {
        Self {
            prev: kernel.clone(),
            cur: kernel,
            last: vec![K::EMPTY; K::OUTPUTS],
            prev_last: vec![K::EMPTY; K::OUTPUTS],
            bars: 0,
        }
    }

    /// Boxed, for a [`StreamDecl::new`].
    pub fn boxed(kernel: K) -> Result<Box<dyn Stream>> {
        Ok(Box::new(Self::new(kernel)))
    }

    /// Restores a saved state, for a [`StreamDecl::load`].
    pub fn load(bytes: &[u8]) -> Result<Box<dyn Stream>> {
        postcard::from_bytes::<Self>(state_body(bytes, state_tag::<K>())?)
            .map(|s| Box::new(s) as Box<dyn Stream>)
            .map_err(|e| Error::State(e.to_string()))
    }

    fn check(&self, bar: &[f64], out: &[f64]) -> Result<()> {
        if bar.len() != K::INPUTS {
            return Err(Error::Arity {
                what: "number of inputs per bar".into(),
                expected: K::INPUTS,
                got: bar.len(),
            });
        }
        if out.len() != K::OUTPUTS {
            return Err(Error::Arity {
                what: "number of outputs per bar".into(),
                expected: K::OUTPUTS,
                got: out.len(),
            });
        }
        Ok(())
    }

    #[inline]
    fn step_into(state: &mut K, bar: &[f64], out: &mut [f64]) {
        if bar.iter().any(|x| x.is_nan()) {
            state.restart();
            state.gap();
            K::empty_bar(out);
        } else {
            state.step(bar, out);
        }
    }
}

impl<K: Kernel> Stream for KernelStream<K> {
    fn n_inputs(&self) -> usize {
        K::INPUTS
    }
    fn n_outputs(&self) -> usize {
        K::OUTPUTS
    }
    fn update(&mut self, bar: &[f64], out: &mut [f64]) -> Result<()> {
        self.check(bar, out)?;
        self.prev.clone_from(&self.cur);
        self.prev_last.clone_from(&self.last);
        Self::step_into(&mut self.cur, bar, out);
        self.last.copy_from_slice(out);
        self.bars += 1;
        Ok(())
    }
    fn peek(&self, bar: &[f64], out: &mut [f64]) -> Result<()> {
        self.check(bar, out)?;
        let mut tmp = self.cur.clone();
        Self::step_into(&mut tmp, bar, out);
        Ok(())
    }
    fn replace_last(&mut self, bar: &[f64], out: &mut [f64]) -> Result<()> {
        self.check(bar, out)?;
        if self.bars == 0 {
            return Err(Error::EmptyStream(
                "replace_last needs at least one bar; call update first".into(),
            ));
        }
        self.cur.clone_from(&self.prev);
        Self::step_into(&mut self.cur, bar, out);
        self.last.copy_from_slice(out);
        Ok(())
    }
    fn reset(&mut self) {
        self.cur.reset();
        self.prev.clone_from(&self.cur);
        self.last.fill(K::EMPTY);
        self.prev_last.fill(K::EMPTY);
        self.bars = 0;
    }
    fn value(&self, out: &mut [f64]) {
        let n = out.len().min(self.last.len());
        out[..n].copy_from_slice(&self.last[..n]);
    }
    fn bars(&self) -> u64 {
        self.bars
    }
    fn clone_box(&self) -> Box<dyn Stream> {
        Box::new(self.clone())
    }
    fn save(&self) -> Vec<u8> {
        let mut v = vec![state_tag::<K>()];
        // Serialising plain numbers and vectors into a Vec cannot fail.
        v.extend(postcard::to_stdvec(self).unwrap_or_default());
        v
    }
}

/// Runs a kernel over whole input columns (the batch path of kernel-based indicators), applying
/// the same NaN policy as the stream (each clean run starts from a fresh kernel, NaN bars give
/// [`Kernel::EMPTY`]), so stream == batch holds by construction.
pub fn run_kernel<K: Kernel>(kernel: &K, inputs: &[&[f64]], outs: &mut [&mut [f64]]) {
    let mut k = kernel.clone();
    k.restart();
    let n = inputs.first().map_or(0, |c| c.len());
    // NaN-free input in one pass: the fast loop bails out on the first NaN it meets (a leading
    // NaN, the usual case of a series with gaps, is seen here without starting it)
    if inputs.iter().all(|c| c.first().is_some_and(|x| !x.is_nan()))
        && run_fast_range(&k, inputs, outs, 0..n)
    {
        return;
    }
    for run in clean_runs(inputs) {
        match run {
            Err(i) => {
                k.restart();
                k.gap();
                let mut o = [0.0; 8];
                let o = &mut o[..K::OUTPUTS.min(8)];
                K::empty_bar(o);
                for (dst, &v) in outs.iter_mut().zip(o.iter()) {
                    dst[i] = v;
                }
            }
            Ok(r) => {
                k.restart();
                if !run_fast_range(&k, inputs, outs, r.clone()) {
                    run_clean(&mut k, inputs, outs, r);
                }
            }
        }
    }
}

/// [`Kernel::run_fast`] over the bars `r` of every column.
fn run_fast_range<K: Kernel>(
    k: &K,
    inputs: &[&[f64]],
    outs: &mut [&mut [f64]],
    r: std::ops::Range<usize>,
) -> bool {
    if inputs.len() > 8 || outs.len() > 8 {
        return false;
    }
    let mut ins: [&[f64]; 8] = [&[]; 8];
    for (d, c) in ins.iter_mut().zip(inputs) {
        *d = &c[r.clone()];
    }
    let n_out = outs.len();
    let mut os: [&mut [f64]; 8] = Default::default();
    for (d, c) in os.iter_mut().zip(outs.iter_mut()) {
        *d = &mut c[r.clone()];
    }
    k.run_fast(&ins[..inputs.len()], &mut os[..n_out])
}

/// The inner loop over one NaN-free run, specialised (at compile time, on the kernel's
/// constants) for the common input/output counts so the per-bar step inlines into a tight loop.
#[inline]
fn run_clean<K: Kernel>(
    state: &mut K,
    inputs: &[&[f64]],
    outs: &mut [&mut [f64]],
    r: std::ops::Range<usize>,
) {
    // A local copy whose address never escapes lets the optimiser keep the state in registers.
    let mut local = state.clone();
    let k = &mut local;
    let mut o = [0.0; 8];
    match (K::INPUTS, K::OUTPUTS, inputs, outs) {
        (1, 1, [x], [d]) => {
            for (d, &v) in d[r.clone()].iter_mut().zip(&x[r]) {
                k.step(&[v], &mut o[..1]);
                *d = o[0];
            }
        }
        (1, 3, [x], [d0, d1, d2]) => {
            let (d0, d1, d2) = (&mut d0[r.clone()], &mut d1[r.clone()], &mut d2[r.clone()]);
            for (j, &v) in x[r].iter().enumerate() {
                k.step(&[v], &mut o[..3]);
                d0[j] = o[0];
                d1[j] = o[1];
                d2[j] = o[2];
            }
        }
        (2, 1, [a, b], [d]) => {
            for ((d, &x), &y) in d[r.clone()].iter_mut().zip(&a[r.clone()]).zip(&b[r]) {
                k.step(&[x, y], &mut o[..1]);
                *d = o[0];
            }
        }
        (3, 1, [a, b, c], [d]) => {
            let (a, b, c) = (&a[r.clone()], &b[r.clone()], &c[r.clone()]);
            for (j, d) in d[r].iter_mut().enumerate() {
                k.step(&[a[j], b[j], c[j]], &mut o[..1]);
                *d = o[0];
            }
        }
        (ni, no, inputs, outs) => {
            let mut bar = [0.0; 8];
            for i in r {
                for (b, col) in bar[..ni].iter_mut().zip(inputs.iter()) {
                    *b = col[i];
                }
                k.step(&bar[..ni], &mut o[..no]);
                for (dst, v) in outs.iter_mut().zip(&o[..no]) {
                    dst[i] = *v;
                }
            }
        }
    }
    *state = local;
}

/// Index of the first NaN in `col[from..]`, scanning in blocks that vectorise.
fn next_nan(col: &[f64], from: usize) -> Option<usize> {
    const B: usize = 64;
    let tail = col.get(from..)?;
    let mut base = from;
    for chunk in tail.chunks(B) {
        #[allow(clippy::eq_op, reason = "x != x is the branch-free NaN test")]
        let any = chunk.iter().fold(false, |acc, x| acc | (x != x));
        if any {
            return chunk.iter().position(|x| x.is_nan()).map(|p| base + p);
        }
        base += chunk.len();
    }
    None
}

/// Splits bar indices into maximal runs where every input is non-NaN (`Ok(range)`) and the
/// NaN bars between them (`Err(index)`). Batch functions compute each clean run independently,
/// which is exactly the stream's restart-on-NaN policy. NaN-free input is one run, found with
/// one vectorised pass per input.
pub fn clean_runs<'a>(
    inputs: &'a [&'a [f64]],
) -> impl Iterator<Item = std::result::Result<std::ops::Range<usize>, usize>> + 'a {
    let n = inputs.first().map_or(0, |c| c.len());
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= n {
            return None;
        }
        if inputs.iter().any(|c| c[i].is_nan()) {
            i += 1;
            return Some(Err(i - 1));
        }
        let start = i;
        let end = inputs.iter().filter_map(|c| next_nan(c, start)).min().unwrap_or(n);
        i = end;
        Some(Ok(start..end))
    })
}

/// Where `nan_policy="talib"` cuts a call: the first bar with a NaN in any series input after
/// the first bar where every input is a number (TA-Lib's wrapper skips the leading NaNs).
/// `None` when the series has no interior NaN.
fn talib_nan_cut(inputs: &[InputData<'_>]) -> Option<usize> {
    let cols: Vec<&[f64]> = inputs
        .iter()
        .filter_map(|d| match *d {
            InputData::Series(s) => Some(s),
            _ => None,
        })
        .collect();
    let n = cols.first().map_or(0, |c| c.len());
    let begin = (0..n).find(|&i| cols.iter().all(|c| !c[i].is_nan()))?;
    cols.iter().filter_map(|c| next_nan(c, begin)).min()
}

/// The streaming form of `nan_policy="talib"`: NaN bars before the first clean bar are skipped
/// as by the default policy; from the first NaN bar after it, every output is empty (NaN, 0 for
/// int32 outputs) until `reset`.
#[derive(Debug)]
struct TalibNanStream {
    inner: Box<dyn Stream>,
    /// `[started, poisoned, started before the last bar, poisoned before the last bar]`.
    flags: [bool; 4],
}

impl TalibNanStream {
    /// First byte of a saved state (never a kernel state's version byte).
    const TAG: u8 = 0xA5;
    const NAN_BAR: [f64; 8] = [f64::NAN; 8];

    fn new(inner: Box<dyn Stream>) -> Self {
        Self { inner, flags: [false; 4] }
    }

    fn with_flags(inner: Box<dyn Stream>, bytes: &[u8]) -> Self {
        let mut flags = [false; 4];
        for (f, b) in flags.iter_mut().zip(bytes) {
            *f = *b != 0;
        }
        Self { inner, flags }
    }

    /// The bar the inner stream sees and the flags after it.
    fn effective<'b>(
        &self,
        bar: &'b [f64],
        started: bool,
        poisoned: bool,
    ) -> (&'b [f64], bool, bool) {
        let has_nan = bar.iter().any(|x| x.is_nan());
        if poisoned || (started && has_nan) {
            let n = bar.len().min(8);
            (&Self::NAN_BAR[..n], started, true)
        } else {
            (bar, started || !has_nan, false)
        }
    }
}

impl Stream for TalibNanStream {
    fn n_inputs(&self) -> usize {
        self.inner.n_inputs()
    }
    fn n_outputs(&self) -> usize {
        self.inner.n_outputs()
    }
    fn update(&mut self, bar: &[f64], out: &mut [f64]) -> Result<()> {
        if bar.len() != self.inner.n_inputs() {
            return self.inner.update(bar, out);
        }
        let [started, poisoned, ..] = self.flags;
        let (b, s, p) = self.effective(bar, started, poisoned);
        self.inner.update(b, out)?;
        self.flags = [s, p, started, poisoned];
        Ok(())
    }
    fn peek(&self, bar: &[f64], out: &mut [f64]) -> Result<()> {
        if bar.len() != self.inner.n_inputs() {
            return self.inner.peek(bar, out);
        }
        let (b, _, _) = self.effective(bar, self.flags[0], self.flags[1]);
        self.inner.peek(b, out)
    }
    fn replace_last(&mut self, bar: &[f64], out: &mut [f64]) -> Result<()> {
        if bar.len() != self.inner.n_inputs() || self.inner.bars() == 0 {
            return self.inner.replace_last(bar, out);
        }
        let [_, _, started, poisoned] = self.flags;
        let (b, s, p) = self.effective(bar, started, poisoned);
        self.inner.replace_last(b, out)?;
        self.flags = [s, p, started, poisoned];
        Ok(())
    }
    fn reset(&mut self) {
        self.inner.reset();
        self.flags = [false; 4];
    }
    fn value(&self, out: &mut [f64]) {
        self.inner.value(out);
    }
    fn bars(&self) -> u64 {
        self.inner.bars()
    }
    fn clone_box(&self) -> Box<dyn Stream> {
        Box::new(Self { inner: self.inner.clone_box(), flags: self.flags })
    }
    fn save(&self) -> Vec<u8> {
        let mut v = vec![Self::TAG];
        v.extend(self.flags.iter().map(|&f| u8::from(f)));
        v.extend(self.inner.save());
        v
    }
}

/// A kernel whose last stage has a TA-Lib unstable period of its own (`ID` is an
/// [`UnstableId`] as `u8`): its first values are withheld, the later ones unchanged. ADX, DX,
/// the DI/DM sides, ADXR, NATR, HA, RVI and ADOSC are declared through it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "K: DeserializeOwned"))]
pub struct Gated<K, const ID: u8> {
    inner: K,
    gate: UnstableGate,
}

impl<K: Kernel + FromParams, const ID: u8> FromParams for Gated<K, ID> {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self { inner: K::from_params(p)?, gate: UnstableGate::default() })
    }
}

impl<K: Kernel, const ID: u8> Kernel for Gated<K, ID> {
    const INPUTS: usize = K::INPUTS;
    const OUTPUTS: usize = K::OUTPUTS;
    const EMPTY: f64 = K::EMPTY;
    const STATE_REVISION: u8 = K::STATE_REVISION;
    #[inline]
    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        self.inner.step(bar, out);
        if !out[0].is_nan() && !self.gate.open() {
            K::empty_bar(out);
        }
    }
    fn lookback(&self) -> usize {
        self.inner.lookback() + self.gate.extra()
    }
    fn restart(&mut self) {
        self.inner.restart();
        self.gate.restart();
    }
    fn reset(&mut self) {
        self.inner.reset();
        self.gate.restart();
    }
    fn gap(&mut self) {
        self.inner.gap();
    }
    fn set_unstable(&mut self, unstable: &Unstable) {
        self.gate.set(unstable.0.get(usize::from(ID)).map_or(0, |&p| p as usize));
    }
    fn empty_bar(out: &mut [f64]) {
        K::empty_bar(out);
    }
    fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
        self.gate.extra() == 0 && self.inner.run_fast(inputs, outs)
    }
}

/// A serialisable description of a declaration: what the adapters, the server's OpenAPI
/// document and the docs table read (as JSON or native objects).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionInfo {
    /// Public name.
    pub name: &'static str,
    /// Module name (`ta`, `risk`, `alloc`).
    pub module: &'static str,
    /// Group.
    pub group: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Description.
    pub doc: &'static str,
    /// Inputs in order.
    pub inputs: Vec<InputInfo>,
    /// Parameters in order.
    pub params: Vec<ParamInfo>,
    /// Outputs in order.
    pub outputs: Vec<OutputInfo>,
    /// Output shifted in time.
    pub shifted: bool,
    /// Repaints.
    pub repaints: bool,
    /// Needs timestamps.
    pub needs_time: bool,
    /// Has a streaming form.
    pub streaming: bool,
    /// Lookback with the default parameters (indicators).
    pub default_lookback: Option<usize>,
}

/// Description of an input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputInfo {
    /// Name.
    pub name: &'static str,
    /// `series`, `matrix`, `text`, `text_list` or `json`.
    pub kind: &'static str,
    /// Description.
    pub doc: &'static str,
    /// An example value as JSON text (`json` inputs).
    #[serde(skip_serializing_if = "str::is_empty")]
    pub example: &'static str,
}

/// Description of a parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamInfo {
    /// Name.
    pub name: &'static str,
    /// `int`, `float`, `optional_float`, `choice`, `matype`, `bool` or `json`.
    pub kind: &'static str,
    /// Default (`None` for optional parameters).
    pub default: Value,
    /// Inclusive lower bound for numbers.
    pub min: Option<f64>,
    /// Inclusive upper bound for numbers.
    pub max: Option<f64>,
    /// Allowed strings for choices.
    pub options: Vec<&'static str>,
    /// Description.
    pub doc: &'static str,
}

/// Description of an output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputInfo {
    /// Name.
    pub name: &'static str,
    /// `series`, `scalar`, `per_column`, `record`, `record_list`, `rolling` (one value per full
    /// `window`), `trimmed` (`len` values shorter than the inputs), `vector` (`len` values),
    /// `counted` (as many values as the parameter `count_param`), `paths`, `square` (a
    /// `cols x cols` matrix of the matrix input's columns), `per_step`, `grid` (a
    /// `count_param x cols` matrix) or `json` (a JSON document).
    pub kind: &'static str,
    /// `f64`, `i32`, `record` or `json`.
    pub dtype: &'static str,
    /// Record field names (records only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<&'static str>,
    /// Record labels (records with a label only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<&'static str>,
    /// The fixed length of a `vector` output, or how much shorter a `trimmed` one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub len: Option<usize>,
    /// The parameter giving a `counted` output's length, or a `grid` output's rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count_param: Option<&'static str>,
    /// The series input whose length is the number of columns of a `per_step` output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<&'static str>,
}

impl FunctionDecl {
    /// The serialisable description.
    #[must_use]
    #[allow(clippy::cast_precision_loss, reason = "bounds of integer parameters are small")]
    pub fn info(&self) -> FunctionInfo {
        FunctionInfo {
            name: self.name,
            module: self.module.as_str(),
            group: self.group,
            summary: self.summary,
            doc: self.doc,
            inputs: self
                .inputs
                .iter()
                .map(|i| InputInfo {
                    name: i.name,
                    kind: match i.kind {
                        InputKind::Series => "series",
                        InputKind::Matrix => "matrix",
                        InputKind::Text => "text",
                        InputKind::TextList => "text_list",
                        InputKind::Json => "json",
                    },
                    doc: i.doc,
                    example: i.example,
                })
                .collect(),
            params: self
                .params
                .iter()
                .map(|p| {
                    let (kind, min, max, options): (_, _, _, &[&str]) = match p.kind {
                        ParamKind::Int { min, max, .. } => {
                            ("int", Some(min as f64), Some(max as f64), &[])
                        }
                        ParamKind::Float { min, max, .. } => ("float", Some(min), Some(max), &[]),
                        ParamKind::OptFloat { min, max } => {
                            ("optional_float", Some(min), Some(max), &[])
                        }
                        ParamKind::Choice { options, .. } => ("choice", None, None, options),
                        ParamKind::MaType { .. } => ("matype", Some(0.0), Some(13.0), &[]),
                        ParamKind::Bool { .. } => ("bool", None, None, &[]),
                        ParamKind::Json => ("json", None, None, &[]),
                    };
                    ParamInfo {
                        name: p.name,
                        kind,
                        default: p.default_value(),
                        min,
                        max,
                        options: options.to_vec(),
                        doc: p.doc,
                    }
                })
                .collect(),
            outputs: self
                .outputs
                .iter()
                .map(|o| {
                    let (fields, labels): (&[&str], &[&str]) = match o.kind {
                        OutputKind::Record { fields, labels }
                        | OutputKind::RecordList { fields, labels } => (fields, labels),
                        _ => (&[], &[]),
                    };
                    OutputInfo {
                        name: o.name,
                        kind: match o.kind {
                            OutputKind::SeriesF64 | OutputKind::SeriesI32 => "series",
                            OutputKind::Scalar => "scalar",
                            OutputKind::PerColumn => "per_column",
                            OutputKind::Record { .. } => "record",
                            OutputKind::RecordList { .. } => "record_list",
                            OutputKind::Rolling { .. } => "rolling",
                            OutputKind::Trimmed(_) => "trimmed",
                            OutputKind::Fixed(_) => "vector",
                            OutputKind::Counted(_) => "counted",
                            OutputKind::Paths => "paths",
                            OutputKind::Json => "json",
                            OutputKind::Square => "square",
                            OutputKind::PerStep(_) => "per_step",
                            OutputKind::Grid(_) => "grid",
                        },
                        dtype: match o.kind {
                            OutputKind::SeriesI32 => "i32",
                            OutputKind::Json => "json",
                            OutputKind::Record { .. } | OutputKind::RecordList { .. } => "record",
                            _ => "f64",
                        },
                        fields: fields.to_vec(),
                        labels: labels.to_vec(),
                        len: match o.kind {
                            OutputKind::Fixed(k) | OutputKind::Trimmed(k) => Some(k),
                            _ => None,
                        },
                        count_param: match o.kind {
                            OutputKind::Counted(p) | OutputKind::Grid(p) => Some(p),
                            _ => None,
                        },
                        columns: match o.kind {
                            OutputKind::PerStep(input) => Some(input),
                            _ => None,
                        },
                    }
                })
                .collect(),
            shifted: self.flags.shifted,
            repaints: self.flags.repaints,
            needs_time: self.flags.needs_time,
            streaming: self.stream.is_some(),
            default_lookback: self.lookback.and_then(|f| f(&self.default_params()).ok()),
        }
    }
}
