//! TA-Lib's candlestick patterns on the shared engine, one declaration each. Every condition
//! follows TA-Lib 0.8's C source (the same comparisons, strictness and operand order); the
//! `avg(slot, k)` calls are its `TA_CANDLEAVERAGE` of the slot's setting for candle `k`.

use serde::{Deserialize, Serialize};

use super::{
    body_gap_down, body_gap_up, cdl, gap_down, gap_up, CandleKernel, CandleSettings, Pattern,
    Setting, Win,
};
use crate::decl::{ParamSpec, Params};
use crate::error::Result;

const fn penetration(default: f64) -> ParamSpec {
    ParamSpec::float(
        "penetration",
        default,
        0.0,
        3.0e37,
        "percentage of penetration of a candle within another candle",
    )
}

/// Declares a pattern with TA-Lib's `penetration` parameter.
macro_rules! cdl_pen {
    ($decl:ident, $ty:ident, $default:literal, $summary:literal, $doc:literal,
     slots [$($set:ident : $k:literal),* $(,)?], lookback |$s:ident| $lb:expr,
     |$w:ident, $pen:ident| $body:expr) => {
        #[doc = concat!("TA-Lib's `", stringify!($decl), "` (", $summary, ") on the candle engine.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub struct $ty {
            pen: f64,
        }

        impl Default for $ty {
            fn default() -> Self {
                Self { pen: $default }
            }
        }

        impl Pattern for $ty {
            const SLOTS: &'static [(Setting, usize)] = &[$((Setting::$set, $k)),*];
            #[allow(unused_variables)]
            fn lookback($s: &CandleSettings) -> usize {
                #[allow(unused_imports)]
                use Setting::*;
                $lb
            }
            fn detect(&mut self, $w: &Win<'_>) -> i32 {
                let $pen = self.pen;
                $body
            }
            fn from_params(p: &Params) -> Result<Self> {
                Ok(Self { pen: p.float(0) })
            }
        }

        cdl!(@decl $decl, $ty, $summary, $doc, params [penetration($default)]);
    };
}

/// `v` when `cond`, else 0.
#[inline]
fn when(cond: bool, v: i32) -> i32 {
    if cond {
        v
    } else {
        0
    }
}

cdl!(CDL2CROWS, TwoCrows, "Two Crows",
"-100 on a long white candle, a black candle gapping up above it, and a black candle opening within the second's body and closing within the first's. Reference: TA-Lib CDL2CROWS.",
slots [BodyLong: 2], lookback |s| s.p(BodyLong) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.color() == 1 && c2.body() > w.avg(0, 2) && c1.color() == -1 && body_gap_up(&c1, &c2)
        && c0.color() == -1 && c0.o < c1.o && c0.o > c1.c && c0.c > c2.o && c0.c < c2.c, -100)
});

cdl!(CDL3BLACKCROWS, ThreeBlackCrows, "Three Black Crows",
"-100 on a white candle followed by three black candles with very short lower shadows, each opening within the previous body and closing lower. Reference: TA-Lib CDL3BLACKCROWS.",
slots [ShadowVeryShort: 2, ShadowVeryShort: 1, ShadowVeryShort: 0],
lookback |s| s.p(ShadowVeryShort) + 3,
|w| {
    let (c3, c2, c1, c0) = (w.c(3), w.c(2), w.c(1), w.c(0));
    when(c3.color() == 1 && c2.color() == -1 && c2.lower() < w.avg(0, 2)
        && c1.color() == -1 && c1.lower() < w.avg(1, 1)
        && c0.color() == -1 && c0.lower() < w.avg(2, 0)
        && c1.o < c2.o && c1.o > c2.c && c0.o < c1.o && c0.o > c1.c
        && c3.h > c2.c && c2.c > c1.c && c1.c > c0.c, -100)
});

cdl!(CDL3INSIDE, ThreeInside, "Three Inside Up/Down",
"+100 / -100 on a long candle, a short candle inside its body, and a third candle of the opposite colour to the first closing beyond the first's open. Reference: TA-Lib CDL3INSIDE.",
slots [BodyLong: 2, BodyShort: 1], lookback |s| s.p(BodyShort).max(s.p(BodyLong)) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.body() > w.avg(0, 2) && c1.body() <= w.avg(1, 1)
        && c1.top() < c2.top() && c1.bottom() > c2.bottom()
        && ((c2.color() == 1 && c0.color() == -1 && c0.c < c2.o)
            || (c2.color() == -1 && c0.color() == 1 && c0.c > c2.o)), -c2.color() * 100)
});

cdl!(CDL3LINESTRIKE, ThreeLineStrike, "Three-Line Strike",
"+100 / -100 on three same-coloured candles each opening near the previous body and closing further, struck by a fourth opposite candle closing beyond the first's open. Reference: TA-Lib CDL3LINESTRIKE.",
slots [Near: 3, Near: 2], lookback |s| s.p(Near) + 3,
|w| {
    let (c3, c2, c1, c0) = (w.c(3), w.c(2), w.c(1), w.c(0));
    when(c3.color() == c2.color() && c2.color() == c1.color() && c0.color() == -c1.color()
        && c2.o >= c3.bottom() - w.avg(0, 3) && c2.o <= c3.top() + w.avg(0, 3)
        && c1.o >= c2.bottom() - w.avg(1, 2) && c1.o <= c2.top() + w.avg(1, 2)
        && ((c1.color() == 1 && c1.c > c2.c && c2.c > c3.c && c0.o > c1.c && c0.c < c3.o)
            || (c1.color() == -1 && c1.c < c2.c && c2.c < c3.c && c0.o < c1.c && c0.c > c3.o)),
        c1.color() * 100)
});

cdl!(CDL3OUTSIDE, ThreeOutside, "Three Outside Up/Down",
"+100 / -100 on an engulfing pair followed by a third candle closing further in the engulfing candle's direction. Reference: TA-Lib CDL3OUTSIDE.",
slots [], lookback |s| 3,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when((c1.color() == 1 && c2.color() == -1 && c1.c > c2.o && c1.o < c2.c && c0.c > c1.c)
        || (c1.color() == -1 && c2.color() == 1 && c1.o > c2.c && c1.c < c2.o && c0.c < c1.c),
        c1.color() * 100)
});

cdl!(CDL3STARSINSOUTH, ThreeStarsInSouth, "Three Stars In The South",
"+100 on three black candles: a long one with a long lower shadow, a smaller one within its range with a lower low above the first's low, and a short marubozu inside the second's range. Reference: TA-Lib CDL3STARSINSOUTH.",
slots [BodyLong: 2, ShadowLong: 2, ShadowVeryShort: 1, ShadowVeryShort: 0, BodyShort: 0],
lookback |s| s.p(ShadowVeryShort).max(s.p(ShadowLong)).max(s.p(BodyLong).max(s.p(BodyShort))) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.color() == -1 && c1.color() == -1 && c0.color() == -1
        && c2.body() > w.avg(0, 2) && c2.lower() > w.avg(1, 2)
        && c1.body() < c2.body() && c1.o > c2.c && c1.o <= c2.h && c1.l < c2.c && c1.l >= c2.l
        && c1.lower() > w.avg(2, 1)
        && c0.body() < w.avg(4, 0) && c0.lower() < w.avg(3, 0) && c0.upper() < w.avg(3, 0)
        && c0.l > c1.l && c0.h < c1.h, 100)
});

cdl!(CDL3WHITESOLDIERS, ThreeWhiteSoldiers, "Three Advancing White Soldiers",
"+100 on three white candles with very short upper shadows, each opening within or near the previous body and closing higher, the bodies not shrinking far. Reference: TA-Lib CDL3WHITESOLDIERS.",
slots [ShadowVeryShort: 2, ShadowVeryShort: 1, ShadowVeryShort: 0, Near: 2, Near: 1, Far: 2, Far: 1, BodyShort: 0],
lookback |s| s.p(ShadowVeryShort).max(s.p(BodyShort)).max(s.p(Far).max(s.p(Near))) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.color() == 1 && c2.upper() < w.avg(0, 2)
        && c1.color() == 1 && c1.upper() < w.avg(1, 1)
        && c0.color() == 1 && c0.upper() < w.avg(2, 0)
        && c0.c > c1.c && c1.c > c2.c
        && c1.o > c2.o && c1.o <= c2.c + w.avg(3, 2)
        && c0.o > c1.o && c0.o <= c1.c + w.avg(4, 1)
        && c1.body() > c2.body() - w.avg(5, 2) && c0.body() > c1.body() - w.avg(6, 1)
        && c0.body() > w.avg(7, 0), 100)
});

cdl_pen!(CDLABANDONEDBABY, AbandonedBaby, 0.3, "Abandoned Baby",
"+100 / -100 on a long candle, a doji gapping away from it (shadows included), and an opposite candle gapping back and closing at least `penetration` of the first body into it. Reference: TA-Lib CDLABANDONEDBABY.",
slots [BodyLong: 2, BodyDoji: 1, BodyShort: 0],
lookback |s| s.p(BodyDoji).max(s.p(BodyLong)).max(s.p(BodyShort)) + 2,
|w, pen| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.body() > w.avg(0, 2) && c1.body() <= w.avg(1, 1) && c0.body() > w.avg(2, 0)
        && ((c2.color() == 1 && c0.color() == -1 && c0.c < c2.c - c2.body() * pen
            && gap_up(&c1, &c2) && gap_down(&c0, &c1))
            || (c2.color() == -1 && c0.color() == 1 && c0.c > c2.c + c2.body() * pen
                && gap_down(&c1, &c2) && gap_up(&c0, &c1))), c0.color() * 100)
});

cdl!(CDLADVANCEBLOCK, AdvanceBlock, "Advance Block",
"-100 on three white candles with rising closes, each opening within or near the previous body, the advance weakening (shrinking bodies or growing upper shadows). Reference: TA-Lib CDLADVANCEBLOCK.",
slots [ShadowShort: 2, ShadowShort: 1, ShadowShort: 0, ShadowLong: 0, Near: 2, Near: 1, Far: 2, Far: 1, BodyLong: 2],
lookback |s| s.p(ShadowLong).max(s.p(ShadowShort)).max(s.p(Far).max(s.p(Near))).max(s.p(BodyLong)) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.color() == 1 && c1.color() == 1 && c0.color() == 1
        && c0.c > c1.c && c1.c > c2.c
        && c1.o > c2.o && c1.o <= c2.c + w.avg(4, 2)
        && c0.o > c1.o && c0.o <= c1.c + w.avg(5, 1)
        && c2.body() > w.avg(8, 2) && c2.upper() < w.avg(0, 2)
        && ((c1.body() < c2.body() - w.avg(6, 2) && c0.body() < c1.body() + w.avg(5, 1))
            || c0.body() < c1.body() - w.avg(7, 1)
            || (c0.body() < c1.body() && c1.body() < c2.body()
                && (c0.upper() > w.avg(2, 0) || c1.upper() > w.avg(1, 1)))
            || (c0.body() < c1.body() && c0.upper() > w.avg(3, 0))), -100)
});

cdl!(CDLBELTHOLD, BeltHold, "Belt-hold",
"+100 / -100 on a long candle opening on its low (white) or high (black): a very short shadow on the opening side. Reference: TA-Lib CDLBELTHOLD.",
slots [BodyLong: 0, ShadowVeryShort: 0], lookback |s| s.p(BodyLong).max(s.p(ShadowVeryShort)),
|w| {
    let c0 = w.c(0);
    when(c0.body() > w.avg(0, 0)
        && ((c0.color() == 1 && c0.lower() < w.avg(1, 0))
            || (c0.color() == -1 && c0.upper() < w.avg(1, 0))), c0.color() * 100)
});

cdl!(CDLBREAKAWAY, Breakaway, "Breakaway",
"+100 / -100 on a long candle, a same-coloured candle gapping away, two candles extending the move, and an opposite candle closing inside the gap. Reference: TA-Lib CDLBREAKAWAY.",
slots [BodyLong: 4], lookback |s| s.p(BodyLong) + 4,
|w| {
    let (c4, c3, c2, c1, c0) = (w.c(4), w.c(3), w.c(2), w.c(1), w.c(0));
    when(c4.body() > w.avg(0, 4) && c4.color() == c3.color() && c3.color() == c1.color()
        && c1.color() == -c0.color()
        && ((c4.color() == -1 && body_gap_down(&c3, &c4) && c2.h < c3.h && c2.l < c3.l
            && c1.h < c2.h && c1.l < c2.l && c0.c > c3.o && c0.c < c4.c)
            || (c4.color() == 1 && body_gap_up(&c3, &c4) && c2.h > c3.h && c2.l > c3.l
                && c1.h > c2.h && c1.l > c2.l && c0.c < c3.o && c0.c > c4.c)), c0.color() * 100)
});

cdl!(CDLCLOSINGMARUBOZU, ClosingMarubozu, "Closing Marubozu",
"+100 / -100 on a long candle closing on its high (white) or low (black): a very short shadow on the closing side. Reference: TA-Lib CDLCLOSINGMARUBOZU.",
slots [BodyLong: 0, ShadowVeryShort: 0], lookback |s| s.p(BodyLong).max(s.p(ShadowVeryShort)),
|w| {
    let c0 = w.c(0);
    when(c0.body() > w.avg(0, 0)
        && ((c0.color() == 1 && c0.upper() < w.avg(1, 0))
            || (c0.color() == -1 && c0.lower() < w.avg(1, 0))), c0.color() * 100)
});

cdl!(CDLCONCEALBABYSWALL, ConcealingBabySwallow, "Concealing Baby Swallow",
"+100 on two black marubozu, a black candle gapping down with a long upper shadow into the second's body, and a black candle engulfing it shadows included. Reference: TA-Lib CDLCONCEALBABYSWALL.",
slots [ShadowVeryShort: 3, ShadowVeryShort: 2, ShadowVeryShort: 1],
lookback |s| s.p(ShadowVeryShort) + 3,
|w| {
    let (c3, c2, c1, c0) = (w.c(3), w.c(2), w.c(1), w.c(0));
    when(c3.color() == -1 && c2.color() == -1 && c1.color() == -1 && c0.color() == -1
        && c3.lower() < w.avg(0, 3) && c3.upper() < w.avg(0, 3)
        && c2.lower() < w.avg(1, 2) && c2.upper() < w.avg(1, 2)
        && body_gap_down(&c1, &c2) && c1.upper() > w.avg(2, 1) && c1.h > c2.c
        && c0.h > c1.h && c0.l < c1.l, 100)
});

cdl!(CDLCOUNTERATTACK, Counterattack, "Counterattack",
"+100 / -100 on two long opposite-coloured candles with (nearly) equal closes. Reference: TA-Lib CDLCOUNTERATTACK.",
slots [Equal: 1, BodyLong: 1, BodyLong: 0], lookback |s| s.p(Equal).max(s.p(BodyLong)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c1.color() == -c0.color() && c1.body() > w.avg(1, 1) && c0.body() > w.avg(2, 0)
        && c0.c <= c1.c + w.avg(0, 1) && c0.c >= c1.c - w.avg(0, 1), c0.color() * 100)
});

cdl_pen!(CDLDARKCLOUDCOVER, DarkCloudCover, 0.5, "Dark Cloud Cover",
"-100 on a long white candle and a black candle opening above its high and closing at least `penetration` of its body into it (above its open). Reference: TA-Lib CDLDARKCLOUDCOVER.",
slots [BodyLong: 1], lookback |s| s.p(BodyLong) + 1,
|w, pen| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c1.color() == 1 && c1.body() > w.avg(0, 1) && c0.color() == -1 && c0.o > c1.h
        && c0.c > c1.o && c0.c < c1.c - c1.body() * pen, -100)
});

cdl!(CDLDOJI, Doji, "Doji",
    "+100 when the real body is at most the BodyDoji average (10% of the average high-low range of the 10 previous candles). Reference: TA-Lib CDLDOJI.",
    slots [BodyDoji: 0], lookback |s| s.p(BodyDoji),
    |w| when(w.c(0).body() <= w.avg(0, 0), 100));

cdl!(CDLDOJISTAR, DojiStar, "Doji Star",
"-100 / +100 on a long white / black candle followed by a doji whose body gaps up / down. Reference: TA-Lib CDLDOJISTAR.",
slots [BodyLong: 1, BodyDoji: 0], lookback |s| s.p(BodyDoji).max(s.p(BodyLong)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c1.body() > w.avg(0, 1) && c0.body() <= w.avg(1, 0)
        && ((c1.color() == 1 && body_gap_up(&c0, &c1))
            || (c1.color() == -1 && body_gap_down(&c0, &c1))), -c1.color() * 100)
});

cdl!(CDLDRAGONFLYDOJI, DragonflyDoji, "Dragonfly Doji",
"+100 on a doji with a very short upper shadow and a lower shadow that is not very short. Reference: TA-Lib CDLDRAGONFLYDOJI.",
slots [BodyDoji: 0, ShadowVeryShort: 0], lookback |s| s.p(BodyDoji).max(s.p(ShadowVeryShort)),
|w| {
    let c0 = w.c(0);
    when(c0.body() <= w.avg(0, 0) && c0.upper() < w.avg(1, 0) && c0.lower() > w.avg(1, 0), 100)
});

cdl_pen!(CDLEVENINGDOJISTAR, EveningDojiStar, 0.3, "Evening Doji Star",
"-100 on a long white candle, a doji gapping up, and a black candle (not short) closing at least `penetration` of the first body into it. Reference: TA-Lib CDLEVENINGDOJISTAR.",
slots [BodyLong: 2, BodyDoji: 1, BodyShort: 0],
lookback |s| s.p(BodyDoji).max(s.p(BodyLong)).max(s.p(BodyShort)) + 2,
|w, pen| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.body() > w.avg(0, 2) && c2.color() == 1 && c1.body() <= w.avg(1, 1)
        && body_gap_up(&c1, &c2) && c0.body() > w.avg(2, 0) && c0.color() == -1
        && c0.c < c2.c - c2.body() * pen, -100)
});

cdl_pen!(CDLEVENINGSTAR, EveningStar, 0.3, "Evening Star",
"-100 on a long white candle, a short candle gapping up, and a black candle (not short) closing at least `penetration` of the first body into it. Reference: TA-Lib CDLEVENINGSTAR.",
slots [BodyLong: 2, BodyShort: 1, BodyShort: 0], lookback |s| s.p(BodyShort).max(s.p(BodyLong)) + 2,
|w, pen| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.body() > w.avg(0, 2) && c2.color() == 1 && c1.body() <= w.avg(1, 1)
        && body_gap_up(&c1, &c2) && c0.body() > w.avg(2, 0) && c0.color() == -1
        && c0.c < c2.c - c2.body() * pen, -100)
});

cdl!(CDLGAPSIDESIDEWHITE, GapSideSideWhite, "Up/Down-gap side-by-side white lines",
"+100 / -100 on two white candles of near-equal body and equal open, both gapping up / down from the candle before them. Reference: TA-Lib CDLGAPSIDESIDEWHITE.",
slots [Near: 1, Equal: 1], lookback |s| s.p(Near).max(s.p(Equal)) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    let up = body_gap_up(&c1, &c2);
    when(((up && body_gap_up(&c0, &c2)) || (body_gap_down(&c1, &c2) && body_gap_down(&c0, &c2)))
        && c1.color() == 1 && c0.color() == 1
        && c0.body() >= c1.body() - w.avg(0, 1) && c0.body() <= c1.body() + w.avg(0, 1)
        && c0.o >= c1.o - w.avg(1, 1) && c0.o <= c1.o + w.avg(1, 1), if up { 100 } else { -100 })
});

cdl!(CDLGRAVESTONEDOJI, GravestoneDoji, "Gravestone Doji",
"+100 on a doji with a very short lower shadow and an upper shadow that is not very short. Reference: TA-Lib CDLGRAVESTONEDOJI.",
slots [BodyDoji: 0, ShadowVeryShort: 0], lookback |s| s.p(BodyDoji).max(s.p(ShadowVeryShort)),
|w| {
    let c0 = w.c(0);
    when(c0.body() <= w.avg(0, 0) && c0.lower() < w.avg(1, 0) && c0.upper() > w.avg(1, 0), 100)
});

cdl!(CDLHAMMER, Hammer, "Hammer",
"+100 on a small body with a long lower shadow and a very short upper shadow, the body near or below the previous low. Reference: TA-Lib CDLHAMMER.",
slots [BodyShort: 0, ShadowLong: 0, ShadowVeryShort: 0, Near: 1],
lookback |s| s.p(BodyShort).max(s.p(ShadowLong)).max(s.p(ShadowVeryShort)).max(s.p(Near)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c0.body() < w.avg(0, 0) && c0.lower() > w.avg(1, 0) && c0.upper() < w.avg(2, 0)
        && c0.bottom() <= c1.l + w.avg(3, 1), 100)
});

cdl!(CDLHANGINGMAN, HangingMan, "Hanging Man",
"-100 on a small body with a long lower shadow and a very short upper shadow, the body near or above the previous high. Reference: TA-Lib CDLHANGINGMAN.",
slots [BodyShort: 0, ShadowLong: 0, ShadowVeryShort: 0, Near: 1],
lookback |s| s.p(BodyShort).max(s.p(ShadowLong)).max(s.p(ShadowVeryShort)).max(s.p(Near)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c0.body() < w.avg(0, 0) && c0.lower() > w.avg(1, 0) && c0.upper() < w.avg(2, 0)
        && c0.bottom() >= c1.h - w.avg(3, 1), -100)
});

/// The harami rule on a long candle `c1` and a small one `c0`: strictly inside 100, touching 80.
fn harami(c1: &super::Candle, c0: &super::Candle) -> i32 {
    if c0.top() < c1.top() && c0.bottom() > c1.bottom() {
        -c1.color() * 100
    } else if c0.top() <= c1.top() && c0.bottom() >= c1.bottom() {
        -c1.color() * 80
    } else {
        0
    }
}

cdl!(CDLHARAMI, Harami, "Harami Pattern",
"-100 / +100 on a long white / black candle and a short body inside it, -80 / +80 when the inner body touches an end. Reference: TA-Lib CDLHARAMI.",
slots [BodyLong: 1, BodyShort: 0], lookback |s| s.p(BodyShort).max(s.p(BodyLong)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    if c1.body() > w.avg(0, 1) && c0.body() <= w.avg(1, 0) { harami(&c1, &c0) } else { 0 }
});

cdl!(CDLHARAMICROSS, HaramiCross, "Harami Cross Pattern",
"-100 / +100 on a long white / black candle and a doji inside its body, -80 / +80 when the doji touches an end. Reference: TA-Lib CDLHARAMICROSS.",
slots [BodyLong: 1, BodyDoji: 0], lookback |s| s.p(BodyDoji).max(s.p(BodyLong)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    if c1.body() > w.avg(0, 1) && c0.body() <= w.avg(1, 0) { harami(&c1, &c0) } else { 0 }
});

cdl!(CDLHIGHWAVE, HighWave, "High-Wave Candle",
"+100 / -100 (the candle's colour) on a short body with two very long shadows. Reference: TA-Lib CDLHIGHWAVE.",
slots [BodyShort: 0, ShadowVeryLong: 0], lookback |s| s.p(BodyShort).max(s.p(ShadowVeryLong)),
|w| {
    let c0 = w.c(0);
    when(c0.body() < w.avg(0, 0) && c0.upper() > w.avg(1, 0) && c0.lower() > w.avg(1, 0),
        c0.color() * 100)
});

/// The state of the two Hikkake patterns: the bar of the last setup, its signal and the high and
/// low of the inside bar that a close must break within three bars to confirm it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct HikkakeState {
    idx: usize,
    result: i32,
    high: f64,
    low: f64,
}

impl HikkakeState {
    /// Records a setup at bar `i` (its signal), or confirms the last one.
    fn step(&mut self, setup: bool, w: &Win<'_>) -> i32 {
        let (c1, c0) = (w.c(1), w.c(0));
        if setup {
            self.result = if c0.h < c1.h { 100 } else { -100 };
            self.idx = w.i;
            self.high = c1.h;
            self.low = c1.l;
            self.result
        } else if w.i <= self.idx + 3
            && ((self.result > 0 && c0.c > self.high) || (self.result < 0 && c0.c < self.low))
        {
            self.idx = 0;
            self.result + if self.result > 0 { 100 } else { -100 }
        } else {
            0
        }
    }
}

/// TA-Lib's `CDLHIKKAKE` (Hikkake Pattern) on the candle engine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hikkake(HikkakeState);

impl Pattern for Hikkake {
    const SLOTS: &'static [(Setting, usize)] = &[];
    const PRE: usize = 3;
    fn lookback(_: &CandleSettings) -> usize {
        5
    }
    fn detect(&mut self, w: &Win<'_>) -> i32 {
        let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
        let setup = c1.h < c2.h
            && c1.l > c2.l
            && ((c0.h < c1.h && c0.l < c1.l) || (c0.h > c1.h && c0.l > c1.l));
        self.0.step(setup, w)
    }
    fn restart(&mut self) {
        self.0 = HikkakeState::default();
    }
}

cdl!(@decl CDLHIKKAKE, Hikkake, "Hikkake Pattern",
    "+100 / -100 on an inside bar followed by a bar breaking it downward / upward (higher-high-lower-low setup), +200 / -200 when a close within the next three bars confirms it by crossing the inside bar's high / low. Reference: TA-Lib CDLHIKKAKE.",
    params []);

/// TA-Lib's `CDLHIKKAKEMOD` (Modified Hikkake Pattern) on the candle engine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HikkakeMod(HikkakeState);

impl Pattern for HikkakeMod {
    const SLOTS: &'static [(Setting, usize)] = &[(Setting::Near, 2)];
    const PRE: usize = 3;
    fn lookback(s: &CandleSettings) -> usize {
        s.p(Setting::Near).max(1) + 5
    }
    fn detect(&mut self, w: &Win<'_>) -> i32 {
        let (c3, c2, c1, c0) = (w.c(3), w.c(2), w.c(1), w.c(0));
        let setup = c2.h < c3.h
            && c2.l > c3.l
            && c1.h < c2.h
            && c1.l > c2.l
            && ((c0.h < c1.h && c0.l < c1.l && c2.c <= c2.l + w.avg(0, 2))
                || (c0.h > c1.h && c0.l > c1.l && c2.c >= c2.h - w.avg(0, 2)));
        self.0.step(setup, w)
    }
    fn restart(&mut self) {
        self.0 = HikkakeState::default();
    }
}

cdl!(@decl CDLHIKKAKEMOD, HikkakeMod, "Modified Hikkake Pattern",
    "The Hikkake on two nested inside bars, the first closing near its low (bullish) / high (bearish): +100 / -100 on the breaking bar, +200 / -200 on a confirming close within three bars. Reference: TA-Lib CDLHIKKAKEMOD.",
    params []);

cdl!(CDLHOMINGPIGEON, HomingPigeon, "Homing Pigeon",
"+100 on a long black candle followed by a short black body inside it. Reference: TA-Lib CDLHOMINGPIGEON.",
slots [BodyLong: 1, BodyShort: 0], lookback |s| s.p(BodyShort).max(s.p(BodyLong)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c1.color() == -1 && c0.color() == -1 && c1.body() > w.avg(0, 1)
        && c0.body() <= w.avg(1, 0) && c0.o < c1.o && c0.c > c1.c, 100)
});

cdl!(CDLIDENTICAL3CROWS, IdenticalThreeCrows, "Identical Three Crows",
"-100 on three black candles with very short lower shadows and falling closes, each opening (nearly) at the previous close. Reference: TA-Lib CDLIDENTICAL3CROWS.",
slots [ShadowVeryShort: 2, ShadowVeryShort: 1, ShadowVeryShort: 0, Equal: 2, Equal: 1],
lookback |s| s.p(ShadowVeryShort).max(s.p(Equal)) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.color() == -1 && c2.lower() < w.avg(0, 2)
        && c1.color() == -1 && c1.lower() < w.avg(1, 1)
        && c0.color() == -1 && c0.lower() < w.avg(2, 0)
        && c2.c > c1.c && c1.c > c0.c
        && c1.o <= c2.c + w.avg(3, 2) && c1.o >= c2.c - w.avg(3, 2)
        && c0.o <= c1.c + w.avg(4, 1) && c0.o >= c1.c - w.avg(4, 1), -100)
});

cdl!(CDLINNECK, InNeck, "In-Neck Pattern",
"-100 on a long black candle and a white candle opening below its low and closing at or slightly above its close. Reference: TA-Lib CDLINNECK.",
slots [Equal: 1, BodyLong: 1], lookback |s| s.p(Equal).max(s.p(BodyLong)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c1.color() == -1 && c1.body() > w.avg(1, 1) && c0.color() == 1 && c0.o < c1.l
        && c0.c <= c1.c + w.avg(0, 1) && c0.c >= c1.c, -100)
});

cdl!(CDLINVERTEDHAMMER, InvertedHammer, "Inverted Hammer",
"+100 on a small body with a long upper shadow and a very short lower shadow, gapping down from the previous body. Reference: TA-Lib CDLINVERTEDHAMMER.",
slots [BodyShort: 0, ShadowLong: 0, ShadowVeryShort: 0],
lookback |s| s.p(BodyShort).max(s.p(ShadowLong)).max(s.p(ShadowVeryShort)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c0.body() < w.avg(0, 0) && c0.upper() > w.avg(1, 0) && c0.lower() < w.avg(2, 0)
        && body_gap_down(&c0, &c1), 100)
});

/// The kicking rule: two opposite marubozu with a gap (shadows included) between them.
fn kicking(w: &Win<'_>) -> bool {
    let (c1, c0) = (w.c(1), w.c(0));
    c1.color() == -c0.color()
        && c1.body() > w.avg(2, 1)
        && c1.upper() < w.avg(0, 1)
        && c1.lower() < w.avg(0, 1)
        && c0.body() > w.avg(3, 0)
        && c0.upper() < w.avg(1, 0)
        && c0.lower() < w.avg(1, 0)
        && ((c1.color() == -1 && gap_up(&c0, &c1)) || (c1.color() == 1 && gap_down(&c0, &c1)))
}

cdl!(CDLKICKING, Kicking, "Kicking",
    "+100 / -100 (the second candle's colour) on two opposite-coloured marubozu with a gap between them. Reference: TA-Lib CDLKICKING.",
    slots [ShadowVeryShort: 1, ShadowVeryShort: 0, BodyLong: 1, BodyLong: 0],
    lookback |s| s.p(ShadowVeryShort).max(s.p(BodyLong)) + 1,
    |w| when(kicking(w), w.c(0).color() * 100));

cdl!(CDLKICKINGBYLENGTH, KickingByLength, "Kicking - bull/bear determined by the longer marubozu",
"The kicking pattern, +100 / -100 by the colour of the longer of the two marubozu. Reference: TA-Lib CDLKICKINGBYLENGTH.",
slots [ShadowVeryShort: 1, ShadowVeryShort: 0, BodyLong: 1, BodyLong: 0],
lookback |s| s.p(ShadowVeryShort).max(s.p(BodyLong)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(kicking(w), if c0.body() > c1.body() { c0.color() } else { c1.color() } * 100)
});

cdl!(CDLLADDERBOTTOM, LadderBottom, "Ladder Bottom",
"+100 on three black candles with falling opens and closes, a black candle with an upper shadow, and a white candle opening above its open and closing above its high. Reference: TA-Lib CDLLADDERBOTTOM.",
slots [ShadowVeryShort: 1], lookback |s| s.p(ShadowVeryShort) + 4,
|w| {
    let (c4, c3, c2, c1, c0) = (w.c(4), w.c(3), w.c(2), w.c(1), w.c(0));
    when(c4.color() == -1 && c3.color() == -1 && c2.color() == -1
        && c4.o > c3.o && c3.o > c2.o && c4.c > c3.c && c3.c > c2.c
        && c1.color() == -1 && c1.upper() > w.avg(0, 1)
        && c0.color() == 1 && c0.o > c1.o && c0.c > c1.h, 100)
});

cdl!(CDLLONGLEGGEDDOJI, LongLeggedDoji, "Long Legged Doji",
"+100 on a doji with a long upper or lower shadow. Reference: TA-Lib CDLLONGLEGGEDDOJI.",
slots [BodyDoji: 0, ShadowLong: 0], lookback |s| s.p(BodyDoji).max(s.p(ShadowLong)),
|w| {
    let c0 = w.c(0);
    when(c0.body() <= w.avg(0, 0) && (c0.lower() > w.avg(1, 0) || c0.upper() > w.avg(1, 0)), 100)
});

cdl!(CDLLONGLINE, LongLine, "Long Line Candle",
"+100 / -100 (the candle's colour) on a long body with short shadows. Reference: TA-Lib CDLLONGLINE.",
slots [BodyLong: 0, ShadowShort: 0], lookback |s| s.p(BodyLong).max(s.p(ShadowShort)),
|w| {
    let c0 = w.c(0);
    when(c0.body() > w.avg(0, 0) && c0.upper() < w.avg(1, 0) && c0.lower() < w.avg(1, 0),
        c0.color() * 100)
});

cdl!(CDLMARUBOZU, Marubozu, "Marubozu",
"+100 / -100 (the candle's colour) on a long body with very short shadows. Reference: TA-Lib CDLMARUBOZU.",
slots [BodyLong: 0, ShadowVeryShort: 0], lookback |s| s.p(BodyLong).max(s.p(ShadowVeryShort)),
|w| {
    let c0 = w.c(0);
    when(c0.body() > w.avg(0, 0) && c0.upper() < w.avg(1, 0) && c0.lower() < w.avg(1, 0),
        c0.color() * 100)
});

cdl!(CDLMATCHINGLOW, MatchingLow, "Matching Low",
"+100 on two black candles with (nearly) equal closes. Reference: TA-Lib CDLMATCHINGLOW.",
slots [Equal: 1], lookback |s| s.p(Equal) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c1.color() == -1 && c0.color() == -1 && c0.c <= c1.c + w.avg(0, 1)
        && c0.c >= c1.c - w.avg(0, 1), 100)
});

cdl_pen!(CDLMATHOLD, MatHold, 0.5, "Mat Hold",
"+100 on a long white candle, a short black candle gapping up, two short candles holding within `penetration` of the first body, and a white candle closing above them all. Reference: TA-Lib CDLMATHOLD.",
slots [BodyLong: 4, BodyShort: 3, BodyShort: 2, BodyShort: 1],
lookback |s| s.p(BodyShort).max(s.p(BodyLong)) + 4,
|w, pen| {
    let (c4, c3, c2, c1, c0) = (w.c(4), w.c(3), w.c(2), w.c(1), w.c(0));
    when(c4.body() > w.avg(0, 4) && c3.body() < w.avg(1, 3) && c2.body() < w.avg(2, 2)
        && c1.body() < w.avg(3, 1)
        && c4.color() == 1 && c3.color() == -1 && c0.color() == 1
        && body_gap_up(&c3, &c4)
        && c2.bottom() < c4.c && c1.bottom() < c4.c
        && c2.bottom() > c4.c - c4.body() * pen && c1.bottom() > c4.c - c4.body() * pen
        && c2.top() < c3.o && c1.top() < c2.top()
        && c0.o > c1.c && c0.c > c3.h.max(c2.h).max(c1.h), 100)
});

cdl_pen!(CDLMORNINGDOJISTAR, MorningDojiStar, 0.3, "Morning Doji Star",
"+100 on a long black candle, a doji gapping down, and a white candle (not short) closing at least `penetration` of the first body into it. Reference: TA-Lib CDLMORNINGDOJISTAR.",
slots [BodyLong: 2, BodyDoji: 1, BodyShort: 0],
lookback |s| s.p(BodyDoji).max(s.p(BodyLong)).max(s.p(BodyShort)) + 2,
|w, pen| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.body() > w.avg(0, 2) && c2.color() == -1 && c1.body() <= w.avg(1, 1)
        && body_gap_down(&c1, &c2) && c0.body() > w.avg(2, 0) && c0.color() == 1
        && c0.c > c2.c + c2.body() * pen, 100)
});

cdl_pen!(CDLMORNINGSTAR, MorningStar, 0.3, "Morning Star",
"+100 on a long black candle, a short candle gapping down, and a white candle (not short) closing at least `penetration` of the first body into it. Reference: TA-Lib CDLMORNINGSTAR.",
slots [BodyLong: 2, BodyShort: 1, BodyShort: 0], lookback |s| s.p(BodyShort).max(s.p(BodyLong)) + 2,
|w, pen| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.body() > w.avg(0, 2) && c2.color() == -1 && c1.body() <= w.avg(1, 1)
        && body_gap_down(&c1, &c2) && c0.body() > w.avg(2, 0) && c0.color() == 1
        && c0.c > c2.c + c2.body() * pen, 100)
});

cdl!(CDLONNECK, OnNeck, "On-Neck Pattern",
"-100 on a long black candle and a white candle opening below its low and closing (nearly) at that low. Reference: TA-Lib CDLONNECK.",
slots [Equal: 1, BodyLong: 1], lookback |s| s.p(Equal).max(s.p(BodyLong)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c1.color() == -1 && c1.body() > w.avg(1, 1) && c0.color() == 1 && c0.o < c1.l
        && c0.c <= c1.l + w.avg(0, 1) && c0.c >= c1.l - w.avg(0, 1), -100)
});

cdl!(CDLPIERCING, Piercing, "Piercing Pattern",
"+100 on a long black candle and a long white candle opening below its low and closing above its midpoint (below its open). Reference: TA-Lib CDLPIERCING.",
slots [BodyLong: 1, BodyLong: 0], lookback |s| s.p(BodyLong) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c1.color() == -1 && c1.body() > w.avg(0, 1) && c0.color() == 1
        && c0.body() > w.avg(1, 0) && c0.o < c1.l && c0.c < c1.o
        && c0.c > c1.c + c1.body() * 0.5, 100)
});

cdl!(CDLRICKSHAWMAN, RickshawMan, "Rickshaw Man",
"+100 on a doji with two long shadows and its body near the middle of the range. Reference: TA-Lib CDLRICKSHAWMAN.",
slots [BodyDoji: 0, ShadowLong: 0, Near: 0],
lookback |s| s.p(BodyDoji).max(s.p(ShadowLong)).max(s.p(Near)),
|w| {
    let c0 = w.c(0);
    when(c0.body() <= w.avg(0, 0) && c0.lower() > w.avg(1, 0) && c0.upper() > w.avg(1, 0)
        && c0.bottom() <= c0.l + c0.hl() / 2.0 + w.avg(2, 0)
        && c0.top() >= c0.l + c0.hl() / 2.0 - w.avg(2, 0), 100)
});

cdl!(CDLRISEFALL3METHODS, RiseFallThreeMethods, "Rising/Falling Three Methods",
"+100 / -100 on a long candle, three short opposite-coloured candles within its range moving against it, and a long candle of the first's colour closing beyond the first's close. Reference: TA-Lib CDLRISEFALL3METHODS.",
slots [BodyLong: 4, BodyShort: 3, BodyShort: 2, BodyShort: 1, BodyLong: 0],
lookback |s| s.p(BodyShort).max(s.p(BodyLong)) + 4,
|w| {
    let (c4, c3, c2, c1, c0) = (w.c(4), w.c(3), w.c(2), w.c(1), w.c(0));
    let k = f64::from(c4.color());
    when(c4.body() > w.avg(0, 4) && c3.body() < w.avg(1, 3) && c2.body() < w.avg(2, 2)
        && c1.body() < w.avg(3, 1) && c0.body() > w.avg(4, 0)
        && c4.color() == -c3.color() && c3.color() == c2.color() && c2.color() == c1.color()
        && c1.color() == -c0.color()
        && c3.bottom() < c4.h && c3.top() > c4.l
        && c2.bottom() < c4.h && c2.top() > c4.l
        && c1.bottom() < c4.h && c1.top() > c4.l
        && c2.c * k < c3.c * k && c1.c * k < c2.c * k
        && c0.o * k > c1.c * k && c0.c * k > c4.c * k, 100 * c4.color())
});

cdl!(CDLSEPARATINGLINES, SeparatingLines, "Separating Lines",
"+100 / -100 on two opposite-coloured candles with (nearly) equal opens, the second a belt hold: long, with a very short shadow on the opening side. Reference: TA-Lib CDLSEPARATINGLINES.",
slots [ShadowVeryShort: 0, BodyLong: 0, Equal: 1],
lookback |s| s.p(ShadowVeryShort).max(s.p(BodyLong)).max(s.p(Equal)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c1.color() == -c0.color() && c0.o <= c1.o + w.avg(2, 1) && c0.o >= c1.o - w.avg(2, 1)
        && c0.body() > w.avg(1, 0)
        && ((c0.color() == 1 && c0.lower() < w.avg(0, 0))
            || (c0.color() == -1 && c0.upper() < w.avg(0, 0))), c0.color() * 100)
});

cdl!(CDLSHOOTINGSTAR, ShootingStar, "Shooting Star",
"-100 on a small body with a long upper shadow and a very short lower shadow, gapping up from the previous body. Reference: TA-Lib CDLSHOOTINGSTAR.",
slots [BodyShort: 0, ShadowLong: 0, ShadowVeryShort: 0],
lookback |s| s.p(BodyShort).max(s.p(ShadowLong)).max(s.p(ShadowVeryShort)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c0.body() < w.avg(0, 0) && c0.upper() > w.avg(1, 0) && c0.lower() < w.avg(2, 0)
        && body_gap_up(&c0, &c1), -100)
});

cdl!(CDLSHORTLINE, ShortLine, "Short Line Candle",
"+100 / -100 (the candle's colour) on a short body with short shadows. Reference: TA-Lib CDLSHORTLINE.",
slots [BodyShort: 0, ShadowShort: 0], lookback |s| s.p(BodyShort).max(s.p(ShadowShort)),
|w| {
    let c0 = w.c(0);
    when(c0.body() < w.avg(0, 0) && c0.upper() < w.avg(1, 0) && c0.lower() < w.avg(1, 0),
        c0.color() * 100)
});

cdl!(CDLSPINNINGTOP, SpinningTop, "Spinning Top",
"+100 / -100 (the candle's colour) on a short body with both shadows longer than the body. Reference: TA-Lib CDLSPINNINGTOP.",
slots [BodyShort: 0], lookback |s| s.p(BodyShort),
|w| {
    let c0 = w.c(0);
    when(c0.body() < w.avg(0, 0) && c0.upper() > c0.body() && c0.lower() > c0.body(),
        c0.color() * 100)
});

cdl!(CDLSTALLEDPATTERN, StalledPattern, "Stalled Pattern",
"-100 on two long white candles with rising closes and a short white candle opening near the second's close (a stalling advance). Reference: TA-Lib CDLSTALLEDPATTERN.",
slots [BodyLong: 2, BodyLong: 1, BodyShort: 0, ShadowVeryShort: 1, Near: 2, Near: 1],
lookback |s| s.p(BodyLong).max(s.p(BodyShort)).max(s.p(ShadowVeryShort).max(s.p(Near))) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.color() == 1 && c1.color() == 1 && c0.color() == 1
        && c0.c > c1.c && c1.c > c2.c
        && c2.body() > w.avg(0, 2) && c1.body() > w.avg(1, 1) && c1.upper() < w.avg(3, 1)
        && c1.o > c2.o && c1.o <= c2.c + w.avg(4, 2)
        && c0.body() < w.avg(2, 0)
        && c0.o >= c1.c - c0.body() - w.avg(5, 1), -100)
});

cdl!(CDLSTICKSANDWICH, StickSandwich, "Stick Sandwich",
"+100 on two black candles with (nearly) equal closes around a white candle trading above the first close. Reference: TA-Lib CDLSTICKSANDWICH.",
slots [Equal: 2], lookback |s| s.p(Equal) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.color() == -1 && c1.color() == 1 && c0.color() == -1 && c1.l > c2.c
        && c0.c <= c2.c + w.avg(0, 2) && c0.c >= c2.c - w.avg(0, 2), 100)
});

cdl!(CDLTAKURI, Takuri, "Takuri (Dragonfly Doji with very long lower shadow)",
"+100 on a doji with a very short upper shadow and a very long lower shadow. Reference: TA-Lib CDLTAKURI.",
slots [BodyDoji: 0, ShadowVeryShort: 0, ShadowVeryLong: 0],
lookback |s| s.p(BodyDoji).max(s.p(ShadowVeryShort)).max(s.p(ShadowVeryLong)),
|w| {
    let c0 = w.c(0);
    when(c0.body() <= w.avg(0, 0) && c0.upper() < w.avg(1, 0) && c0.lower() > w.avg(2, 0), 100)
});

cdl!(CDLTASUKIGAP, TasukiGap, "Tasuki Gap",
"+100 / -100 on a candle gapping up / down from the one before, and an opposite candle of near-equal body opening within it and closing into the gap without closing it. Reference: TA-Lib CDLTASUKIGAP.",
slots [Near: 1], lookback |s| s.p(Near) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    let near = (c1.body() - c0.body()).abs() < w.avg(0, 1);
    when((body_gap_up(&c1, &c2) && c1.color() == 1 && c0.color() == -1
            && c0.o < c1.c && c0.o > c1.o && c0.c < c1.o && c0.c > c2.top() && near)
        || (body_gap_down(&c1, &c2) && c1.color() == -1 && c0.color() == 1
            && c0.o < c1.o && c0.o > c1.c && c0.c > c1.o && c0.c < c2.bottom() && near),
        c1.color() * 100)
});

cdl!(CDLTHRUSTING, Thrusting, "Thrusting Pattern",
"-100 on a long black candle and a white candle opening below its low and closing into its body, above its close but not above its midpoint. Reference: TA-Lib CDLTHRUSTING.",
slots [Equal: 1, BodyLong: 1], lookback |s| s.p(Equal).max(s.p(BodyLong)) + 1,
|w| {
    let (c1, c0) = (w.c(1), w.c(0));
    when(c1.color() == -1 && c1.body() > w.avg(1, 1) && c0.color() == 1 && c0.o < c1.l
        && c0.c > c1.c + w.avg(0, 1) && c0.c <= c1.c + c1.body() * 0.5, -100)
});

cdl!(CDLTRISTAR, Tristar, "Tristar Pattern",
"-100 / +100 on three dojis, the middle one gapping up / down and the third not reaching as far. Reference: TA-Lib CDLTRISTAR.",
slots [BodyDoji: 2], lookback |s| s.p(BodyDoji) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    let doji = w.avg(0, 2);
    if c2.body() <= doji && c1.body() <= doji && c0.body() <= doji {
        let mut r = 0;
        if body_gap_up(&c1, &c2) && c0.top() < c1.top() {
            r = -100;
        }
        if body_gap_down(&c1, &c2) && c0.bottom() > c1.bottom() {
            r = 100;
        }
        r
    } else {
        0
    }
});

cdl!(CDLUNIQUE3RIVER, UniqueThreeRiver, "Unique 3 River",
"+100 on a long black candle, a black harami making a lower low, and a short white candle opening above that low. Reference: TA-Lib CDLUNIQUE3RIVER.",
slots [BodyLong: 2, BodyShort: 0], lookback |s| s.p(BodyShort).max(s.p(BodyLong)) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.body() > w.avg(0, 2) && c2.color() == -1 && c1.color() == -1 && c1.c > c2.c
        && c1.o <= c2.o && c1.l < c2.l && c0.body() < w.avg(1, 0) && c0.color() == 1
        && c0.o > c1.l, 100)
});

cdl!(CDLUPSIDEGAP2CROWS, UpsideGapTwoCrows, "Upside Gap Two Crows",
"-100 on a long white candle, a short black candle gapping up, and a black candle engulfing it but closing above the first's close. Reference: TA-Lib CDLUPSIDEGAP2CROWS.",
slots [BodyLong: 2, BodyShort: 1], lookback |s| s.p(BodyShort).max(s.p(BodyLong)) + 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.color() == 1 && c2.body() > w.avg(0, 2) && c1.color() == -1
        && c1.body() <= w.avg(1, 1) && body_gap_up(&c1, &c2) && c0.color() == -1
        && c0.o > c1.o && c0.c < c1.c && c0.c > c2.c, -100)
});

cdl!(CDLXSIDEGAP3METHODS, XSideGapThreeMethods, "Upside/Downside Gap Three Methods",
"+100 / -100 on two same-coloured candles with a body gap between them and an opposite candle opening in the second body and closing in the first, filling the gap. Reference: TA-Lib CDLXSIDEGAP3METHODS.",
slots [], lookback |s| 2,
|w| {
    let (c2, c1, c0) = (w.c(2), w.c(1), w.c(0));
    when(c2.color() == c1.color() && c1.color() == -c0.color()
        && c0.o < c1.top() && c0.o > c1.bottom() && c0.c < c2.top() && c0.c > c2.bottom()
        && ((c2.color() == 1 && body_gap_up(&c1, &c2)) || (c2.color() == -1 && body_gap_down(&c1, &c2))),
        c2.color() * 100)
});
