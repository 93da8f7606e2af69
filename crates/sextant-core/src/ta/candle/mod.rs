//! The candlestick-pattern engine: TA-Lib's candle settings, the running "average" of a candle
//! range over the candles before a given candle, and one generic streaming kernel that every
//! pattern (`CDL*`, TA-Lib's Pattern Recognition group) runs on.
//!
//! A pattern declares its *slots*: which setting it measures against and for which candle
//! (`k` bars before the current one). For each slot the kernel keeps TA-Lib's running sum of the
//! setting's range over the `avgperiod` candles before candle `i - k`: summed one by one when
//! the kernel becomes ready, then moved by `sum += range(i - k) - range(i - k - avgperiod)` after
//! each bar, the same floating-point operations in the same order as TA-Lib, so that every
//! comparison gives the same answer. An `avgperiod` of 0 means the candle's own range.

mod patterns;

use serde::{Deserialize, Serialize};

use crate::decl::{FromParams, Kernel, Params};
use crate::error::{Error, Result};

pub use patterns::*;

/// What a candle setting measures (`TA_RangeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub enum RangeType {
    /// |close - open|.
    RealBody = 0,
    /// high - low.
    HighLow = 1,
    /// upper shadow + lower shadow (its average is halved, as TA-Lib does).
    Shadows = 2,
}

impl RangeType {
    /// TA-Lib's names, in code order.
    pub const NAMES: [&'static str; 3] = ["RealBody", "HighLow", "Shadows"];

    /// From TA-Lib's code (0, 1, 2) or name.
    fn parse(code: i64, name: &str) -> Result<Self> {
        let idx = if name.is_empty() {
            usize::try_from(code).ok()
        } else {
            Self::NAMES.iter().position(|n| n.eq_ignore_ascii_case(name))
        };
        match idx {
            Some(0) => Ok(Self::RealBody),
            Some(1) => Ok(Self::HighLow),
            Some(2) => Ok(Self::Shadows),
            _ => Err(Error::UnknownOption {
                param: "rangetype".into(),
                value: if name.is_empty() { code.to_string() } else { name.into() },
                allowed: "0 (RealBody), 1 (HighLow), 2 (Shadows)".into(),
            }),
        }
    }
}

/// TA-Lib's candle setting types (`TA_CandleSettingType`), in code order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub enum Setting {
    /// A long real body.
    BodyLong = 0,
    /// A very long real body.
    BodyVeryLong = 1,
    /// A short real body.
    BodyShort = 2,
    /// A doji's real body.
    BodyDoji = 3,
    /// A long shadow.
    ShadowLong = 4,
    /// A very long shadow.
    ShadowVeryLong = 5,
    /// A short shadow.
    ShadowShort = 6,
    /// A very short shadow.
    ShadowVeryShort = 7,
    /// "Near": a distance between parts of candles.
    Near = 8,
    /// "Far": a distance between parts of candles.
    Far = 9,
    /// "Equal": a distance between parts of candles.
    Equal = 10,
}

/// Number of [`Setting`]s.
pub const N_SETTINGS: usize = 11;

impl Setting {
    /// TA-Lib's names, in code order.
    pub const NAMES: [&'static str; N_SETTINGS] = [
        "BodyLong",
        "BodyVeryLong",
        "BodyShort",
        "BodyDoji",
        "ShadowLong",
        "ShadowVeryLong",
        "ShadowShort",
        "ShadowVeryShort",
        "Near",
        "Far",
        "Equal",
    ];
}

/// One candle setting: the range it measures, the number of previous candles averaged (0: the
/// candle's own range) and the factor applied to the average.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CandleSetting {
    /// The range measured.
    pub range: RangeType,
    /// Number of previous candles averaged.
    pub period: u32,
    /// Factor on the average.
    pub factor: f64,
}

/// The 11 candle settings, TA-Lib's defaults unless changed (`TA_SetCandleSettings`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CandleSettings(pub [CandleSetting; N_SETTINGS]);

// the factors are validated finite, so equality is an equivalence
impl Eq for CandleSettings {}

const fn cs(range: RangeType, period: u32, factor: f64) -> CandleSetting {
    CandleSetting { range, period, factor }
}

/// TA-Lib's default candle settings (`TA_CandleDefaultSettings`).
pub const DEFAULT_CANDLE_SETTINGS: CandleSettings = CandleSettings([
    cs(RangeType::RealBody, 10, 1.0),
    cs(RangeType::RealBody, 10, 3.0),
    cs(RangeType::RealBody, 10, 1.0),
    cs(RangeType::HighLow, 10, 0.1),
    cs(RangeType::RealBody, 0, 1.0),
    cs(RangeType::RealBody, 0, 2.0),
    cs(RangeType::Shadows, 10, 1.0),
    cs(RangeType::HighLow, 10, 0.1),
    cs(RangeType::HighLow, 5, 0.2),
    cs(RangeType::HighLow, 5, 0.6),
    cs(RangeType::HighLow, 5, 0.05),
]);

impl Default for CandleSettings {
    fn default() -> Self {
        DEFAULT_CANDLE_SETTINGS
    }
}

/// Largest `avgperiod` accepted (TA-Lib's largest period).
pub const MAX_AVG_PERIOD: i64 = 100_000;

impl CandleSettings {
    /// The setting of one type.
    #[must_use]
    pub const fn get(&self, s: Setting) -> CandleSetting {
        self.0[s as usize]
    }
    /// The averaging period of one type.
    #[must_use]
    pub const fn p(&self, s: Setting) -> usize {
        self.0[s as usize].period as usize
    }
    /// True when every setting is TA-Lib's default.
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == DEFAULT_CANDLE_SETTINGS
    }
    /// `TA_SetCandleSettings` by name: `setting` is a [`Setting`] name (`"BodyLong"`; as in
    /// TA-Lib, `"AllCandleSettings"` is refused), `range` a [`RangeType`] name or, when `range`
    /// is empty, `range_code` (0, 1, 2); `period` in [0, 100000], `factor` finite and >= 0.
    ///
    /// # Errors
    /// [`Error::UnknownOption`] for an unknown name, [`Error::OutOfRange`] for a bad period or
    /// factor.
    pub fn set_named(
        &mut self,
        setting: &str,
        range: &str,
        range_code: i64,
        period: i64,
        factor: f64,
    ) -> Result<()> {
        let range = RangeType::parse(range_code, range)?;
        if !(0..=MAX_AVG_PERIOD).contains(&period) {
            return Err(Error::OutOfRange {
                param: "avgperiod".into(),
                value: period.to_string(),
                bound: format!("must be an integer in [0, {MAX_AVG_PERIOD}]"),
            });
        }
        if !(factor.is_finite() && factor >= 0.0) {
            return Err(Error::OutOfRange {
                param: "factor".into(),
                value: factor.to_string(),
                bound: "must be finite and >= 0".into(),
            });
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "checked above")]
        let value = CandleSetting { range, period: period as u32, factor };
        let idx = Setting::NAMES.iter().position(|n| *n == setting).ok_or_else(|| {
            Error::UnknownOption {
                param: "settingtype".into(),
                value: setting.into(),
                allowed: Setting::NAMES.join(", "),
            }
        })?;
        self.0[idx] = value;
        Ok(())
    }
}

/// One OHLC candle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Candle {
    /// Open.
    pub o: f64,
    /// High.
    pub h: f64,
    /// Low.
    pub l: f64,
    /// Close.
    pub c: f64,
}

impl Candle {
    /// The real body, |close - open|.
    #[inline]
    pub fn body(&self) -> f64 {
        (self.c - self.o).abs()
    }
    /// The top of the real body.
    #[inline]
    pub fn top(&self) -> f64 {
        if self.c >= self.o {
            self.c
        } else {
            self.o
        }
    }
    /// The bottom of the real body.
    #[inline]
    pub fn bottom(&self) -> f64 {
        if self.c >= self.o {
            self.o
        } else {
            self.c
        }
    }
    /// The upper shadow.
    #[inline]
    pub fn upper(&self) -> f64 {
        self.h - self.top()
    }
    /// The lower shadow.
    #[inline]
    pub fn lower(&self) -> f64 {
        self.bottom() - self.l
    }
    /// high - low.
    #[inline]
    pub fn hl(&self) -> f64 {
        self.h - self.l
    }
    /// TA-Lib's colour: 1 white (close >= open), -1 black.
    #[inline]
    pub fn color(&self) -> i32 {
        if self.c >= self.o {
            1
        } else {
            -1
        }
    }
    /// The range a setting measures.
    #[inline]
    pub fn range(&self, r: RangeType) -> f64 {
        match r {
            RangeType::RealBody => self.body(),
            RangeType::HighLow => self.hl(),
            RangeType::Shadows => self.upper() + self.lower(),
        }
    }
}

/// Real-body gap up of `a` over the earlier `b`.
#[inline]
pub(crate) fn body_gap_up(a: &Candle, b: &Candle) -> bool {
    a.o.min(a.c) > b.o.max(b.c)
}

/// Real-body gap down of `a` under the earlier `b`.
#[inline]
pub(crate) fn body_gap_down(a: &Candle, b: &Candle) -> bool {
    a.o.max(a.c) < b.o.min(b.c)
}

/// Candle (high-low) gap up of `a` over the earlier `b`.
#[inline]
pub(crate) fn gap_up(a: &Candle, b: &Candle) -> bool {
    a.l > b.h
}

/// Candle (high-low) gap down of `a` under the earlier `b`.
#[inline]
pub(crate) fn gap_down(a: &Candle, b: &Candle) -> bool {
    a.h < b.l
}

/// A candle in the ring, with its three ranges computed once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Stored {
    c: Candle,
    r: [f64; 3],
}

impl Stored {
    fn new(c: Candle) -> Self {
        Self {
            c,
            r: [
                c.range(RangeType::RealBody),
                c.range(RangeType::HighLow),
                c.range(RangeType::Shadows),
            ],
        }
    }
}

/// One slot's setting, resolved at construction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct SlotCfg {
    range: usize,
    period: usize,
    k: usize,
    factor: f64,
    halve: bool,
}

/// What a pattern sees at the current bar: the recent candles and its slots' averages.
#[derive(Debug)]
pub struct Win<'a> {
    ring: &'a [Stored],
    sums: &'a [f64],
    slots: &'a [SlotCfg],
    /// Index of the current bar since the (re)start.
    pub i: usize,
}

impl Win<'_> {
    /// The candle `k` bars back (0: the current one).
    #[inline]
    pub fn c(&self, k: usize) -> Candle {
        // the ring's length is a power of two
        self.ring[(self.i - k) & (self.ring.len() - 1)].c
    }
    /// TA-Lib's `TA_CANDLEAVERAGE` of slot `slot`, with candle `k` bars back standing in when
    /// the setting's period is 0: factor * (sum / period) / (2 for Shadows, else 1).
    #[inline]
    pub fn avg(&self, slot: usize, k: usize) -> f64 {
        let s = &self.slots[slot];
        #[allow(clippy::cast_precision_loss, reason = "periods are at most 100000")]
        let base = if s.period == 0 {
            self.ring[(self.i - k) & (self.ring.len() - 1)].r[s.range]
        } else {
            self.sums[slot] / s.period as f64
        };
        let x = s.factor * base;
        // x / 1.0 == x exactly
        if s.halve {
            x / 2.0
        } else {
            x
        }
    }
}

/// One candlestick pattern on the shared engine.
pub trait Pattern:
    Clone + Default + std::fmt::Debug + Send + Sync + Serialize + serde::de::DeserializeOwned + 'static
{
    /// The averages it uses: (setting, candle `k` bars back whose previous candles are averaged).
    const SLOTS: &'static [(Setting, usize)];
    /// Bars before the lookback on which [`Pattern::detect`] already runs (its state and sums
    /// warm up there, as TA-Lib's Hikkake functions do), with the output withheld.
    const PRE: usize = 0;
    /// TA-Lib's lookback under these settings.
    fn lookback(s: &CandleSettings) -> usize;
    /// The signal at the current bar (called once per bar from `lookback - PRE` on).
    fn detect(&mut self, w: &Win<'_>) -> i32;
    /// The pattern's own parameters (`penetration`).
    fn from_params(_p: &Params) -> Result<Self> {
        Ok(Self::default())
    }
    /// Forgets the state between bars (keeps the parameters).
    fn restart(&mut self) {}
}

/// The streaming kernel of every pattern: a ring of the recent candles, one running sum per
/// slot, and the pattern's own state. Inputs per bar are (open, high, low, close); the output
/// is the signal (0 during the warm-up).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CandleKernel<P> {
    pat: P,
    lb: usize,
    ring: Vec<Stored>,
    slots: Vec<SlotCfg>,
    sums: Vec<f64>,
    n: usize,
}

impl<P: Pattern> CandleKernel<P> {
    /// A fresh kernel with the given settings.
    #[must_use]
    pub fn new(pat: P, set: CandleSettings) -> Self {
        let lb = P::lookback(&set);
        let slots: Vec<SlotCfg> = P::SLOTS
            .iter()
            .map(|&(s, k)| {
                let c = set.get(s);
                SlotCfg {
                    range: c.range as usize,
                    period: c.period as usize,
                    k,
                    factor: c.factor,
                    halve: c.range == RangeType::Shadows,
                }
            })
            .collect();
        let span = slots.iter().map(|s| s.k + s.period).max().unwrap_or(0);
        Self {
            pat,
            lb,
            ring: vec![Stored::default(); (lb.max(span) + 1).next_power_of_two()],
            sums: vec![0.0; slots.len()],
            slots,
            n: 0,
        }
    }

    /// Feeds one candle; the signal (0 during the warm-up).
    #[inline]
    pub fn next(&mut self, cur: Candle) -> i32 {
        let i = self.n;
        self.n += 1;
        let mask = self.ring.len() - 1;
        let cur = Stored::new(cur);
        self.ring[i & mask] = cur;
        let ready = self.lb.saturating_sub(P::PRE);
        if i < ready {
            // the first sums: the candles before each slot's first candle, added one by one
            for (sum, s) in self.sums.iter_mut().zip(&self.slots) {
                if i + s.k < ready && i + s.k + s.period >= ready {
                    *sum += cur.r[s.range];
                }
            }
            return 0;
        }
        let w = Win { ring: &self.ring, sums: &self.sums, slots: &self.slots, i };
        let v = self.pat.detect(&w);
        for (sum, s) in self.sums.iter_mut().zip(&self.slots) {
            let newest = self.ring[(i - s.k) & mask].r[s.range];
            let oldest = self.ring[(i - s.k - s.period) & mask].r[s.range];
            *sum += newest - oldest;
        }
        if i >= self.lb {
            v
        } else {
            0
        }
    }
}

/// The batch `compute` of every pattern: the kernel over each NaN-free run, straight into the
/// int32 output (0 at NaN bars).
pub(crate) fn candle_compute<P: Pattern>(
    i: &crate::decl::Inputs<'_>,
    p: &Params,
    o: &mut crate::decl::Outputs<'_, '_>,
) -> Result<()> {
    let mut k = CandleKernel::<P>::from_params(p)?;
    let (op, hi, lo, cl) = (i.series(0), i.series(1), i.series(2), i.series(3));
    let out = o.i32(0);
    for run in crate::decl::clean_runs(&[op, hi, lo, cl]) {
        match run {
            Err(j) => out[j] = 0,
            Ok(r) => {
                k.restart();
                for j in r {
                    out[j] = k.next(Candle { o: op[j], h: hi[j], l: lo[j], c: cl[j] });
                }
            }
        }
    }
    Ok(())
}

impl<P: Pattern> FromParams for CandleKernel<P> {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self::new(P::from_params(p)?, p.options().candles))
    }
}

impl<P: Pattern> Kernel for CandleKernel<P> {
    const INPUTS: usize = 4;
    const OUTPUTS: usize = 1;
    const EMPTY: f64 = 0.0;

    fn step(&mut self, bar: &[f64], out: &mut [f64]) {
        out[0] = f64::from(self.next(Candle { o: bar[0], h: bar[1], l: bar[2], c: bar[3] }));
    }
    fn lookback(&self) -> usize {
        self.lb
    }
    fn restart(&mut self) {
        self.n = 0;
        self.sums.fill(0.0);
        self.pat.restart();
    }
}

/// Declares one pattern: its marker type, the [`Pattern`] impl and its `FunctionDecl`.
macro_rules! cdl {
    ($decl:ident, $ty:ident, $summary:literal, $doc:literal,
     slots [$($set:ident : $k:literal),* $(,)?], lookback |$s:ident| $lb:expr,
     |$w:ident| $body:expr) => {
        #[doc = concat!("TA-Lib's `", stringify!($decl), "` (", $summary, ") on the candle engine.")]
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        pub struct $ty;

        impl Pattern for $ty {
            const SLOTS: &'static [(Setting, usize)] = &[$((Setting::$set, $k)),*];
            #[allow(unused_variables)]
            fn lookback($s: &CandleSettings) -> usize {
                #[allow(unused_imports)]
                use Setting::*;
                $lb
            }
            #[allow(unused_variables)]
            fn detect(&mut self, $w: &Win<'_>) -> i32 {
                $body
            }
        }

        $crate::ta::candle::cdl!(@decl $decl, $ty, $summary, $doc, params []);
    };
    (@decl $decl:ident, $ty:ident, $summary:literal, $doc:literal, params [$($p:expr),*]) => {
        #[doc = concat!("Declaration of `", stringify!($decl), "`: ", $summary, ".")]
        pub static $decl: $crate::decl::FunctionDecl = $crate::decl::FunctionDecl {
            name: stringify!($decl),
            module: $crate::decl::Module::Ta,
            group: "Pattern Recognition",
            summary: $summary,
            doc: $doc,
            inputs: &[
                $crate::decl::InputSpec::series("open", "open prices"),
                $crate::decl::InputSpec::series("high", "high prices"),
                $crate::decl::InputSpec::series("low", "low prices"),
                $crate::decl::InputSpec::series("close", "close prices"),
            ],
            params: &[$($p,)* $crate::decl::NAN_POLICY],
            outputs: &[$crate::decl::OutputSpec::i32("integer")],
            flags: $crate::decl::Flags::NONE,
            lookback: Some($crate::decl::kernel_lookback::<CandleKernel<$ty>>),
            compute: $crate::ta::candle::candle_compute::<$ty>,
            stream: Some($crate::decl::kernel_stream::<CandleKernel<$ty>>()),
        };
    };
}
pub(crate) use cdl;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_talibs() {
        let d = CandleSettings::default();
        assert_eq!(d.get(Setting::BodyDoji).range, RangeType::HighLow);
        assert_eq!(d.p(Setting::Near), 5);
        assert!((d.get(Setting::Equal).factor - 0.05).abs() < 1e-15);
        let mut s = d;
        s.set_named("BodyLong", "", 1, 3, 2.0).unwrap();
        assert_eq!(s.get(Setting::BodyLong), cs(RangeType::HighLow, 3, 2.0));
        assert!(s.set_named("Bogus", "", 0, 3, 1.0).is_err());
        assert!(s.set_named("Near", "", 7, 3, 1.0).is_err());
        assert!(s.set_named("Near", "", 0, -1, 1.0).is_err());
        assert!(s.set_named("Near", "", 0, 1, f64::NAN).is_err());
        assert!(s.set_named("AllCandleSettings", "Shadows", 0, 0, 1.0).is_err());
    }

    fn call(name: &str, set: &[(&str, &str, i64, f64)], bars: &[[f64; 4]]) -> (Vec<i32>, usize) {
        use crate::decl::{InputData, OutVec};
        let d = crate::registry::find("ta", name).unwrap();
        let mut p = d.default_params();
        for &(s, r, period, factor) in set {
            p.set_candle(s, r, 0, period, factor).unwrap();
        }
        let cols: Vec<Vec<f64>> = (0..4).map(|j| bars.iter().map(|b| b[j]).collect()).collect();
        let ins: Vec<InputData<'_>> = cols.iter().map(|c| InputData::Series(c)).collect();
        let lb = (d.lookback.unwrap())(&p).unwrap();
        match d.call(&ins, &p).unwrap().pop() {
            Some(OutVec::I32(v)) => (v, lb),
            _ => unreachable!(),
        }
    }

    #[test]
    fn settings_change_the_rule_and_the_lookback() {
        // bodies 0.5, 0.02, 1.0 in ranges 0.9, 0.42, 1.4
        let bars = [[10.0, 10.7, 9.8, 10.5], [10.0, 10.22, 9.8, 10.02], [10.0, 11.2, 9.8, 11.0]];
        assert_eq!(call("CDLDOJI", &[], &bars), (vec![0, 0, 0], 10));
        // the doji threshold as 10% of the mean range of the 2 previous candles: 0.066 < 1.0
        assert_eq!(call("CDLDOJI", &[("BodyDoji", "HighLow", 2, 0.1)], &bars), (vec![0, 0, 0], 2));
        // the candle's own body (period 0, factor 1): every candle is a doji
        assert_eq!(call("CDLDOJI", &[("BodyDoji", "RealBody", 0, 1.0)], &bars), (vec![100; 3], 0));
        // shadows: the average of (upper + lower) is halved: bar 1's body 0.02 > 0.08 * 0.4 / 2
        // (it would be a doji against the unhalved 0.032), and <= 1.0 * 0.4 / 2
        assert_eq!(call("CDLDOJI", &[("BodyDoji", "Shadows", 1, 0.08)], &bars), (vec![0, 0, 0], 1));
        assert_eq!(
            call("CDLDOJI", &[("BodyDoji", "Shadows", 1, 1.0)], &bars),
            (vec![0, 100, 0], 1)
        );
    }
}
