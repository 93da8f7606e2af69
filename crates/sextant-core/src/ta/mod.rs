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

mod accbands;
mod ad;
mod adx;
mod ao;
mod aroon;
mod atr;
mod bbands;
mod bop;
pub mod candle;
mod cci;
mod cdlengulfing;
mod chop;
mod cmf;
mod cmo;
mod cmou;
mod coppock;
mod crsi;
mod cti;
mod dema;
mod dpo;
mod efi;
mod elementwise;
mod ema;
mod eom;
mod er;
mod eri;
mod fisher;
mod fosc;
mod fractal;
pub(crate) mod fused;
mod ha;
mod hilbert;
mod hma;
mod ichimoku;
mod kama;
mod kc;
mod kdj;
mod kst;
mod kvo;
mod ma;
mod macd;
mod marketfi;
mod massi;
mod mavp;
mod mfi;
mod midpoint;
mod minmaxindex;
mod obv;
mod percentile;
mod pgo;
mod pvo;
mod pvt;
mod qstick;
mod rma;
mod roc;
mod rolling;
mod rsi;
mod rvi;
mod rwi;
mod sar;
mod sma;
mod smi;
mod stats;
mod stoch;
mod supertrend;
mod t3;
mod tema;
mod trange;
mod trima;
mod trix;
mod tsi;
mod ui;
mod ultosc;
mod vidya;
mod vortex;
mod vwma;
mod wad;
mod weighted;
mod willr;
mod window;
mod wma;
mod zlema;

pub use accbands::{AccelerationBands, ACCBANDS};
pub use ad::{ad, adosc, AccumulationDistribution, ChaikinOscillator, AD, ADOSC};
pub use adx::{
    adx, adxr, dx, minus_di, minus_dm, plus_di, plus_dm, AverageDirectionalIndex,
    AverageDirectionalRating, Direction, DirectionalIndex, DirectionalIndicator,
    DirectionalMovement, MinusDiKernel, MinusDmKernel, PlusDiKernel, PlusDmKernel, ADX, ADXR, DX,
    MINUS_DI, MINUS_DM, PLUS_DI, PLUS_DM,
};
pub use ao::{AcceleratorOscillator, AwesomeOscillator, AC, AO};
pub use aroon::{aroon, aroonosc, Aroon, AroonOscillator, AROON, AROONOSC};
pub use atr::{atr, atr_into, atr_lookback, AverageTrueRange, ATR};
pub use bbands::{bbands, bbands_into, bbands_lookback, BollingerBands, BBANDS};
pub use bop::{bop, BalanceOfPower, BOP};
pub use cci::{cci, CommodityChannelIndex, CCI};
pub use cdlengulfing::{
    cdlengulfing, cdlengulfing_into, cdlengulfing_lookback, Engulfing, CDLENGULFING,
};
pub use chop::{Choppiness, CHOP};
pub use cmf::{ChaikinMoneyFlow, CMF};
pub use cmo::{cmo, ChandeMomentum, CMO};
pub use cmou::{ChandeMomentumUnsmoothed, IntradayMomentum, CMOU, IMI};
pub use coppock::{CoppockCurve, COPPOCK};
pub use crsi::{ConnorsRsi, CRSI};
pub use cti::{Bias, CorrelationTrend, PsychologicalLine, BIAS, CTI, PSL};
pub use dema::{dema, DoubleExponentialMovingAverage, DEMA};
pub use dpo::{DetrendedPriceOscillator, DPO};
pub use efi::{ForceIndex, EFI};
pub use elementwise::*;
pub use ema::{ema, ema_into, ema_lookback, ExponentialMovingAverage, EMA};
pub use eom::{EaseOfMovement, EOM};
pub use er::{EfficiencyRatio, VerticalHorizontalFilter, ER, VHF};
pub use eri::{ElderRay, ERI};
pub use fisher::{FisherTransform, FISHER};
pub use fosc::{ForecastOscillator, FOSC};
pub use fractal::{Fractal, FRACTAL};
pub use ha::{HeikinAshi, HA};
pub use hilbert::{
    DominantCyclePeriod, DominantCyclePhase, HilbertCore, MesaAdaptive, Phasor, SineWave,
    TrendMode, Trendline, HT_DCPERIOD, HT_DCPHASE, HT_PHASOR, HT_SINE, HT_TRENDLINE, HT_TRENDMODE,
    MAMA,
};
pub use hma::{hma, HullMovingAverage, HMA};
pub use ichimoku::{Alligator, Ichimoku, ALLIGATOR, ICHIMOKU};
pub use kama::{kama, KaufmanAdaptiveMovingAverage, KAMA};
pub use kc::{KeltnerChannels, KC};
pub use kdj::{Kdj, KDJ};
pub use kst::{KnowSureThing, KST};
pub use kvo::{KlingerOscillator, KVO};
pub use ma::{ma, MaKernel, MaType, MA};
pub use macd::{
    apo, macd, macdext, macdfix, ppo, ApoKernel, Macd, MacdExtKernel, MacdFixKernel, MacdKernel,
    OscillatorKind, PpoKernel, PriceOscillator, APO, MACD, MACDEXT, MACDFIX, PPO,
};
pub use marketfi::{CumulativeVwap, MarketFacilitation, RelativeVolume, MARKETFI, RVOL, VWAP};
pub use massi::{AverageDailyRange, ChaikinVolatility, MassIndex, ADR, CVI, MASSI};
pub use mavp::{VariablePeriodMa, MAVP};
pub use mfi::{mfi, MoneyFlowIndex, MFI};
pub use midpoint::{
    DonchianKernel, MidRange, MidpointKernel, MidpriceKernel, DONCHIAN, MIDPOINT, MIDPRICE,
};
pub use minmaxindex::{
    ExtremeIndex, MaxIndexKernel, MinIndexKernel, MinMaxIndexKernel, MAXINDEX, MININDEX,
    MINMAXINDEX,
};
pub use obv::{obv, OnBalanceVolume, OBV};
pub use percentile::{PercentRank, RollingPercentile, PERCENTILE, PERCENTRANK};
pub use pgo::{PrettyGoodOscillator, PGO};
pub use pvo::{VolumeOscillator, PVO};
pub use pvt::{NviKernel, PviKernel, PvtKernel, VolumeTrend, VolumeTrendKernel, NVI, PVI, PVT};
pub use qstick::{Qstick, QSTICK};
pub use rma::{rma, WilderMovingAverage, RMA};
pub use roc::{
    mom, roc, rocp, rocr, rocr100, ChangeKind, MomKernel, PriceChange, RocKernel, RocpKernel,
    Rocr100Kernel, RocrKernel, MOM, ROC, ROCP, ROCR, ROCR100,
};
pub use rolling::*;
pub use rsi::{rsi, rsi_into, rsi_lookback, RelativeStrengthIndex, RSI};
pub use rvi::{RelativeVolatility, RVI};
pub use rwi::{RandomWalkIndex, RWI};
pub use sar::{ParabolicSar, SarExtKernel, SarKernel, SAR, SAREXT};
pub use sma::{sma, sma_into, sma_lookback, SimpleMovingAverage, SMA};
pub use smi::{StochasticMomentumIndex, SMI};
pub use stats::*;
pub use stoch::{
    stoch, stochf, stochrsi, StochFKernel, StochKernel, StochRsiKernel, Stochastic, STOCH, STOCHF,
    STOCHRSI,
};
pub use supertrend::{SuperTrend, SUPERTREND};
pub use t3::{t3, TillsonT3, T3};
pub use tema::{tema, TripleExponentialMovingAverage, TEMA};
pub use trange::{natr, trange, NormalizedAverageTrueRange, TrueRange, NATR, TRANGE};
pub use trima::{trima, TriangularMovingAverage, TRIMA};
pub use trix::{trix, Trix, TRIX};
pub use tsi::{TrueStrengthIndex, TSI};
pub use ui::{UlcerIndex, UI};
pub use ultosc::{ultosc, UltimateOscillator, ULTOSC};
pub use vidya::{McGinleyDynamic, VariableIndexDynamic, MCGD, VIDYA};
pub use vortex::{Vortex, VORTEX};
pub use vwma::{VolumeWeightedMa, VWMA};
pub use wad::{WilliamsAd, WAD};
pub use weighted::{
    FibonacciWeighted, FixedWeights, Legoux, PascalWeighted, SineWeighted, SymmetricWeighted, ALMA,
    FWMA, PWMA, SINWMA, SWMA,
};
pub use willr::{willr, WilliamsR, WILLR};
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

/// Runs a kernel over whole input columns into fresh outputs (the typed batch functions);
/// `names` name the inputs for the length check.
pub(crate) fn kernel_columns<K: crate::decl::Kernel>(
    k: &K,
    names: &[&str],
    inputs: &[&[f64]],
) -> crate::error::Result<Vec<Vec<f64>>> {
    let n = inputs.first().map_or(0, |c| c.len());
    for (name, col) in names.iter().zip(inputs).skip(1) {
        crate::error::check_same_len(name, col.len(), names[0], n)?;
    }
    let mut outs = vec![vec![0.0; n]; K::OUTPUTS];
    let mut refs: Vec<&mut [f64]> = outs.iter_mut().map(Vec::as_mut_slice).collect();
    crate::decl::run_kernel(k, inputs, &mut refs);
    Ok(outs)
}

/// The single output of [`kernel_columns`].
pub(crate) fn one(mut outs: Vec<Vec<f64>>) -> Vec<f64> {
    outs.pop().unwrap_or_default()
}

/// The two outputs of [`kernel_columns`].
pub(crate) fn two(outs: Vec<Vec<f64>>) -> (Vec<f64>, Vec<f64>) {
    let mut it = outs.into_iter();
    (it.next().unwrap_or_default(), it.next().unwrap_or_default())
}

/// The three outputs of [`kernel_columns`].
pub(crate) fn three(outs: Vec<Vec<f64>>) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut it = outs.into_iter();
    (it.next().unwrap_or_default(), it.next().unwrap_or_default(), it.next().unwrap_or_default())
}

/// TA-Lib's largest period.
pub(crate) const MAX_PERIOD: i64 = 100_000;

/// Bars per block in the batch loops of first-order recurrences (`s = s * a + term`): the
/// terms of a block are computed first, vectorised, then the chain runs over them.
pub(crate) const CHAIN_BLOCK: usize = 8;

/// Declares a kernel-based indicator: `compute`, `lookback` and `stream` all come from the
/// kernel through [`FromParams`](crate::decl::FromParams).
macro_rules! kernel_decl {
    // every output depends on the same bar's inputs only: a NaN bar gives NaN at that bar under
    // either missing-data policy, so there is no `nan_policy` to choose
    (pointwise $decl:ident: $kernel:ty, $group:literal, $summary:literal, $doc:literal,
     inputs [$($in:literal: $idoc:literal),+ $(,)?], params [$($p:expr),* $(,)?], outputs [$($o:expr),+ $(,)?]) => {
        $crate::ta::kernel_decl!(@decl $decl: $kernel, $group, $summary, $doc,
            inputs [$($in: $idoc),+], params [$($p),*], outputs [$($o),+]);
    };
    ($decl:ident: $kernel:ty, $group:literal, $summary:literal, $doc:literal,
     inputs [$($in:literal: $idoc:literal),+ $(,)?], params [$($p:expr),* $(,)?], outputs [$($o:expr),+ $(,)?]) => {
        $crate::ta::kernel_decl!(@decl $decl: $kernel, $group, $summary, $doc,
            inputs [$($in: $idoc),+], params [$($p,)* $crate::decl::NAN_POLICY], outputs [$($o),+]);
    };
    (@decl $decl:ident: $kernel:ty, $group:literal, $summary:literal, $doc:literal,
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

/// Implements `Kernel` for a newtype by forwarding everything to the kernel it wraps: the
/// newtypes that fix a shared kernel's mode for one declaration (VAR/STDDEV, MOM/ROC/...,
/// APO/PPO, ...).
macro_rules! delegate_kernel {
    ($outer:ty => $inner:ty) => {
        impl $crate::decl::Kernel for $outer {
            const INPUTS: usize = <$inner as $crate::decl::Kernel>::INPUTS;
            const OUTPUTS: usize = <$inner as $crate::decl::Kernel>::OUTPUTS;
            const EMPTY: f64 = <$inner as $crate::decl::Kernel>::EMPTY;
            const STATE_REVISION: u8 = <$inner as $crate::decl::Kernel>::STATE_REVISION;
            #[inline]
            fn step(&mut self, bar: &[f64], out: &mut [f64]) {
                self.0.step(bar, out);
            }
            fn lookback(&self) -> usize {
                self.0.lookback()
            }
            fn restart(&mut self) {
                self.0.restart();
            }
            fn gap(&mut self) {
                self.0.gap();
            }
            fn reset(&mut self) {
                self.0.reset();
            }
            fn set_unstable(&mut self, u: &$crate::decl::Unstable) {
                self.0.set_unstable(u);
            }
            fn empty_bar(out: &mut [f64]) {
                <$inner as $crate::decl::Kernel>::empty_bar(out);
            }
            #[inline]
            fn run_fast(&self, inputs: &[&[f64]], outs: &mut [&mut [f64]]) -> bool {
                self.0.run_fast(inputs, outs)
            }
        }
    };
}
pub(crate) use delegate_kernel;

#[cfg(test)]
mod typed_tests {
    //! The typed batch functions equal their declarations.
    use crate::decl::{InputData, OutVec, Value};
    use crate::registry;

    fn series(n: usize, phase: f64) -> Vec<f64> {
        (0..n)
            .map(|i| 50.0 + 10.0 * libm::sin((i as f64) * 0.37 + phase) + (i % 7) as f64)
            .collect()
    }

    fn via_decl(name: &str, inputs: &[&[f64]], params: &[(&str, i64)]) -> Vec<Vec<f64>> {
        let d = registry::find("ta", name).unwrap();
        let p = d.params_named(params.iter().map(|(k, v)| (*k, Value::Int(*v)))).unwrap();
        let ins: Vec<InputData<'_>> = inputs.iter().map(|s| InputData::Series(s)).collect();
        d.call(&ins, &p)
            .unwrap()
            .into_iter()
            .map(|o| match o {
                OutVec::F64(v) => v,
                _ => unreachable!(),
            })
            .collect()
    }

    fn same(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!(x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()), "{x} != {y}");
        }
    }

    #[test]
    fn typed_functions_equal_declarations() {
        use super::*;
        let (h, l, c, v) = (series(300, 0.5), series(300, 0.1), series(300, 0.3), series(300, 2.0));
        let (h, l): (Vec<f64>, Vec<f64>) =
            h.iter().zip(&l).map(|(a, b)| (a.max(*b) + 1.0, a.min(*b) - 1.0)).unzip();
        let hlc: [&[f64]; 3] = [&h, &l, &c];
        same(&trange(&h, &l, &c).unwrap(), &via_decl("TRANGE", &hlc, &[])[0]);
        same(&natr(&h, &l, &c, 5).unwrap(), &via_decl("NATR", &hlc, &[("timeperiod", 5)])[0]);
        same(&roc(&c, 4).unwrap(), &via_decl("ROC", &[&c], &[("timeperiod", 4)])[0]);
        same(&cmo(&c, 4).unwrap(), &via_decl("CMO", &[&c], &[("timeperiod", 4)])[0]);
        same(&willr(&h, &l, &c, 6).unwrap(), &via_decl("WILLR", &hlc, &[("timeperiod", 6)])[0]);
        same(&cci(&h, &l, &c, 6).unwrap(), &via_decl("CCI", &hlc, &[("timeperiod", 6)])[0]);
        same(&bop(&v, &h, &l, &c).unwrap(), &via_decl("BOP", &[&v, &h, &l, &c], &[])[0]);
        let (dn, up) = aroon(&h, &l, 6).unwrap();
        let d = via_decl("AROON", &[&h, &l], &[("timeperiod", 6)]);
        same(&dn, &d[0]);
        same(&up, &d[1]);
        same(&adxr(&h, &l, &c, 5).unwrap(), &via_decl("ADXR", &hlc, &[("timeperiod", 5)])[0]);
        same(
            &minus_dm(&h, &l, 5).unwrap(),
            &via_decl("MINUS_DM", &[&h, &l], &[("timeperiod", 5)])[0],
        );
        let (m, s, hist) = macdext(&c, 5, MaType::Wma, 9, MaType::Ema, 4, MaType::Dema).unwrap();
        let d = via_decl(
            "MACDEXT",
            &[&c],
            &[
                ("fastperiod", 5),
                ("fastmatype", 2),
                ("slowperiod", 9),
                ("slowmatype", 1),
                ("signalperiod", 4),
                ("signalmatype", 3),
            ],
        );
        same(&m, &d[0]);
        same(&s, &d[1]);
        same(&hist, &d[2]);
        let (k, dd) = stoch(&h, &l, &c, 7, 3, MaType::Ema, 4, MaType::Sma).unwrap();
        let d = via_decl(
            "STOCH",
            &hlc,
            &[
                ("fastk_period", 7),
                ("slowk_period", 3),
                ("slowk_matype", 1),
                ("slowd_period", 4),
                ("slowd_matype", 0),
            ],
        );
        same(&k, &d[0]);
        same(&dd, &d[1]);
        same(
            &ppo(&c, 9, 4, MaType::Kama).unwrap(),
            &via_decl("PPO", &[&c], &[("fastperiod", 9), ("slowperiod", 4), ("matype", 6)])[0],
        );
        same(
            &ultosc(&h, &l, &c, 9, 3, 6).unwrap(),
            &via_decl(
                "ULTOSC",
                &hlc,
                &[("timeperiod1", 9), ("timeperiod2", 3), ("timeperiod3", 6)],
            )[0],
        );
        same(
            &mfi(&h, &l, &c, &v, 5).unwrap(),
            &via_decl("MFI", &[&h, &l, &c, &v], &[("timeperiod", 5)])[0],
        );
        same(&obv(&c, &v).unwrap(), &via_decl("OBV", &[&c, &v], &[])[0]);
        same(
            &adosc(&h, &l, &c, &v, 4, 8).unwrap(),
            &via_decl("ADOSC", &[&h, &l, &c, &v], &[("fastperiod", 4), ("slowperiod", 8)])[0],
        );
        assert!(mfi(&h, &l, &c[..10], &v, 5).is_err(), "length mismatch is an error");
        assert!(macd(&c, 1, 26, 9).is_err(), "fastperiod 1 is out of range");
    }
}
