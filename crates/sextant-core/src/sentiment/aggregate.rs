//! `aggregate`: scored news items to per-asset, per-trading-day sentiment, mention timelines
//! and a co-mention graph.
//!
//! **Trading day of an item.** The item's time is converted to the exchange's time zone
//! (chrono-tz; `America/New_York` for XNYS). An item stamped *before* the close (default 16:00)
//! belongs to that local date; an item at or after the close belongs to the next date; a date
//! on which the calendar is closed (weekend, holiday) rolls forward to the next trading day.
//! So Friday 16:30 and Saturday news count on Monday (Tuesday when Monday is a holiday). The
//! close is the same every day: early closes (13:00) are not modelled.
//!
//! **Per asset and day** (rows only for days with at least one item): `count`, `mean` of the
//! item scores, `std` their population standard deviation (divisor `count`; 0 for one item),
//! and `decayed`, the exponentially time-weighted mean of *all* the asset's items up to that
//! day's close: `sum_i w_i s_i / sum_i w_i` with `w_i = 2^(-(close_d - t_i) / h)`, `t_i` the
//! item's time, `close_d` the instant of the day's close and `h` the half-life in hours.
//!
//! **Score of an item for an asset**: a given `score`; else, when the asset was found in the
//! text through the universe, the mean score of the sentences that mention it (as
//! `entity_sentiment`); else (symbols given) the model's score of the whole text.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;

use super::entities::Universe;
use super::extract::{universe_from_json, UNIVERSE};
use super::score::{raw_score, Model, MODEL_DOC};
use super::vader::Scratch;
use crate::decl::{Flags, FunctionDecl, InputSpec, Module, OutputSpec, ParamSpec};
use crate::error::{Error, Result};
use crate::ledger::{Calendar, CalendarRules};

fn bad(input: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidInput { input: input.into(), reason: reason.into() }
}

/// One news item: when, what it says about which assets.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Publication time.
    pub time: DateTime<Utc>,
    /// Text, if any.
    pub text: Option<String>,
    /// A pre-computed score (used instead of scoring the text).
    pub score: Option<f64>,
    /// The assets, if given (else found in the text with the universe).
    pub symbols: Option<Vec<String>>,
}

/// Options of [`aggregate`].
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateOptions {
    /// The trading calendar.
    pub calendar: Calendar,
    /// The exchange's time zone.
    pub time_zone: Tz,
    /// The close in exchange time, in seconds after midnight (86,400: the end of the day).
    pub close_seconds: u32,
    /// Half-life of the time decay, in hours.
    pub half_life_hours: f64,
    /// Scoring model for texts.
    pub model: Model,
}

impl Default for AggregateOptions {
    fn default() -> Self {
        Self {
            calendar: Calendar::new(CalendarRules::Xnys),
            time_zone: chrono_tz::America::New_York,
            close_seconds: 16 * 3600,
            half_life_hours: 24.0,
            model: Model::Finance,
        }
    }
}

/// One asset on one trading day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    /// The trading day.
    pub day: NaiveDate,
    /// The asset.
    pub symbol: String,
    /// Items about the asset that day.
    pub count: usize,
    /// Mean score.
    pub mean: f64,
    /// Population standard deviation of the scores.
    pub std: f64,
    /// Time-decayed mean of every item up to the day's close.
    pub decayed: f64,
}

/// One item in an asset's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    /// Position of the item in the input.
    pub index: usize,
    /// Its time (UTC).
    pub time: DateTime<Utc>,
    /// Its trading day.
    pub day: NaiveDate,
    /// Its score for the asset.
    pub score: f64,
}

/// A node of the co-mention graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    /// The asset.
    pub symbol: String,
    /// Items mentioning it.
    pub count: usize,
}

/// An edge of the co-mention graph: two assets mentioned by the same items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    /// The first asset (alphabetically).
    pub source: String,
    /// The second.
    pub target: String,
    /// Items mentioning both.
    pub count: usize,
}

/// The co-mention graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Graph {
    /// Assets, by count (descending) then symbol.
    pub nodes: Vec<Node>,
    /// Pairs, by count (descending) then symbols.
    pub edges: Vec<Edge>,
}

/// The result of [`aggregate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    /// Per asset per trading day, by day then symbol.
    pub days: Vec<DayRow>,
    /// Per asset, its items by time.
    pub timelines: BTreeMap<String, Vec<TimelineEvent>>,
    /// The co-mention graph.
    pub graph: Graph,
}

impl AggregateOptions {
    /// The trading day of an instant (see the module doc). `at` names the input in errors.
    pub fn trading_day(&self, t: DateTime<Utc>, at: &str) -> Result<NaiveDate> {
        let local = t.with_timezone(&self.time_zone);
        let mut d = local.date_naive();
        let secs = chrono::Timelike::num_seconds_from_midnight(&local.time());
        if secs >= self.close_seconds {
            d = d.succ_opt().ok_or_else(|| bad(at, "date out of range"))?;
        }
        if self.calendar.name == CalendarRules::Xnys
            && !(2000..=2099).contains(&chrono::Datelike::year(&d))
        {
            return Err(bad(at, format!("XNYS covers 2000-2099; {d} is outside it")));
        }
        for _ in 0..400 {
            if self.calendar.is_trading_day(d) {
                return Ok(d);
            }
            d = d.succ_opt().ok_or_else(|| bad(at, "date out of range"))?;
        }
        Err(bad(at, format!("no trading day within 400 days after {}", local.date_naive())))
    }

    /// The instant of the close of `day`.
    pub fn close_of(&self, day: NaiveDate) -> DateTime<Utc> {
        let naive = day.and_time(NaiveTime::MIN) + Duration::seconds(i64::from(self.close_seconds));
        let tz = self.time_zone;
        match tz.from_local_datetime(&naive) {
            chrono::LocalResult::Single(x) | chrono::LocalResult::Ambiguous(x, _) => x,
            // in a DST gap: the instant an hour later in local terms
            chrono::LocalResult::None => tz
                .from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
                .unwrap_or_else(|| tz.from_utc_datetime(&naive)),
        }
        .with_timezone(&Utc)
    }
}

/// Aggregates items (see the module doc). Item `k`'s errors name `items[k]`.
pub fn aggregate(
    items: &[Item],
    universe: Option<&Universe>,
    opts: &AggregateOptions,
) -> Result<Aggregate> {
    if !(opts.half_life_hours.is_finite() && opts.half_life_hours > 0.0) {
        return Err(Error::OutOfRange {
            param: "half_life".into(),
            value: crate::error::Num(opts.half_life_hours).to_string(),
            bound: "must be positive".into(),
        });
    }
    // (symbol, day, time, index, score)
    let mut obs: Vec<(String, NaiveDate, DateTime<Utc>, usize, f64)> = Vec::new();
    let mut per_item: Vec<Vec<String>> = Vec::with_capacity(items.len());
    let mut scratch = Scratch::default();
    for (k, it) in items.iter().enumerate() {
        let at = format!("items[{k}]");
        let day = opts.trading_day(it.time, &format!("{at}.time"))?;
        let text = it.text.as_deref();
        let mut pairs: Vec<(String, f64)> = Vec::new();
        if let Some(syms) = &it.symbols {
            let s = match (it.score, text) {
                (Some(s), _) => s,
                (None, Some(t)) => raw_score(t, opts.model, &mut scratch),
                (None, None) => return Err(bad(at, "has neither `text` nor `score`")),
            };
            for sym in syms {
                let sym = sym.trim();
                if !sym.is_empty() && !pairs.iter().any(|(p, _)| p == sym) {
                    pairs.push((sym.to_owned(), s));
                }
            }
        } else {
            let Some(u) = universe else {
                return Err(bad(at, "has no `symbols` and no universe was given"));
            };
            let Some(t) = text else {
                return Err(bad(at, "has no `symbols` and no `text` to find them in"));
            };
            match it.score {
                Some(s) => pairs.extend(u.symbols(t).into_iter().map(|sym| (sym, s))),
                None => pairs.extend(
                    u.entity_sentiment(t, |x| raw_score(x, opts.model, &mut scratch))
                        .into_iter()
                        .map(|e| (e.symbol, e.score)),
                ),
            }
        }
        for (sym, s) in &pairs {
            obs.push((sym.clone(), day, it.time, k, *s));
        }
        per_item.push(pairs.into_iter().map(|p| p.0).collect());
    }
    obs.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3)));

    let h_secs = opts.half_life_hours * 3600.0;
    let mut days = Vec::new();
    let mut timelines: BTreeMap<String, Vec<TimelineEvent>> = BTreeMap::new();
    let mut i = 0;
    while i < obs.len() {
        let sym = &obs[i].0;
        let end = i + obs[i..].iter().take_while(|o| &o.0 == sym).count();
        let group = &obs[i..end];
        timelines.insert(
            sym.clone(),
            group
                .iter()
                .map(|o| TimelineEvent { index: o.3, time: o.2, day: o.1, score: o.4 })
                .collect(),
        );
        // days in order; the items of a day are contiguous since day is monotone in time
        let (mut num, mut den) = (0.0f64, 0.0f64);
        let mut prev_close: Option<DateTime<Utc>> = None;
        let mut j = 0;
        while j < group.len() {
            let day = group[j].1;
            let n = group[j..].iter().take_while(|o| o.1 == day).count();
            let today = &group[j..j + n];
            let close = opts.close_of(day);
            if let Some(p) = prev_close {
                #[allow(clippy::cast_precision_loss, reason = "seconds between closes")]
                let f = libm::exp2(-((close - p).num_seconds() as f64) / h_secs);
                num *= f;
                den *= f;
            }
            for o in today {
                #[allow(clippy::cast_precision_loss, reason = "seconds before the close")]
                let w = libm::exp2(-((close - o.2).num_milliseconds() as f64) / 1000.0 / h_secs);
                num += w * o.4;
                den += w;
            }
            prev_close = Some(close);
            #[allow(clippy::cast_precision_loss, reason = "counts are small")]
            let nf = n as f64;
            let mean = today.iter().map(|o| o.4).sum::<f64>() / nf;
            let var = today.iter().map(|o| (o.4 - mean) * (o.4 - mean)).sum::<f64>() / nf;
            let decayed = if den > 0.0 { num / den } else { mean };
            days.push(DayRow {
                day,
                symbol: sym.clone(),
                count: n,
                mean,
                std: var.sqrt(),
                decayed,
            });
            j += n;
        }
        i = end;
    }
    days.sort_by(|a, b| a.day.cmp(&b.day).then(a.symbol.cmp(&b.symbol)));

    let mut node_count: BTreeMap<&str, usize> = BTreeMap::new();
    let mut edge_count: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for syms in &per_item {
        for (a, s) in syms.iter().enumerate() {
            *node_count.entry(s).or_default() += 1;
            for t in &syms[a + 1..] {
                let key = if s <= t { (s.as_str(), t.as_str()) } else { (t.as_str(), s.as_str()) };
                *edge_count.entry(key).or_default() += 1;
            }
        }
    }
    let mut nodes: Vec<Node> =
        node_count.into_iter().map(|(s, c)| Node { symbol: s.to_owned(), count: c }).collect();
    nodes.sort_by(|a, b| b.count.cmp(&a.count).then(a.symbol.cmp(&b.symbol)));
    let mut edges: Vec<Edge> = edge_count
        .into_iter()
        .map(|((a, b), c)| Edge { source: a.to_owned(), target: b.to_owned(), count: c })
        .collect();
    edges.sort_by(|a, b| {
        b.count.cmp(&a.count).then(a.source.cmp(&b.source)).then(a.target.cmp(&b.target))
    });
    Ok(Aggregate { days, timelines, graph: Graph { nodes, edges } })
}

/// Parses an item time: RFC 3339 / ISO 8601 text with an offset (`2024-01-02T14:30:00Z`,
/// `2024-01-02 09:30:00-05:00`) or a number of seconds since the Unix epoch.
pub fn parse_time(v: &Value, at: &str) -> Result<DateTime<Utc>> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            DateTime::parse_from_rfc3339(s)
                .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z"))
                .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    bad(at, format!("`{s}` is not an ISO 8601 time with an offset (2024-01-02T14:30:00Z or ...-05:00); times without an offset are ambiguous"))
                })
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if !x.is_finite() || x.abs() > 1.0e11 {
                return Err(bad(at, format!("{n} is not a usable epoch time in seconds")));
            }
            #[allow(clippy::cast_possible_truncation, reason = "bounded above")]
            let ms = (x * 1000.0).round() as i64;
            DateTime::from_timestamp_millis(ms)
                .ok_or_else(|| bad(at, format!("{n} is out of range")))
        }
        _ => Err(bad(at, "expected an ISO 8601 string with an offset or epoch seconds")),
    }
}

/// Parses the `items` JSON: a list of objects `{time, text?, score?, symbols?}` (`symbols`: a
/// list of strings or one string; `symbol` is accepted too). Other fields are ignored.
pub fn items_from_json(v: &Value) -> Result<Vec<Item>> {
    let Value::Array(rows) = v else {
        return Err(bad("items", "expected a list of {time, text, score, symbols} objects"));
    };
    let mut out = Vec::with_capacity(rows.len());
    for (k, row) in rows.iter().enumerate() {
        let at = format!("items[{k}]");
        let Value::Object(m) = row else {
            return Err(bad(at, "expected an object {time, text, score, symbols}"));
        };
        let time = match m.get("time") {
            Some(t) => parse_time(t, &format!("{at}.time"))?,
            None => return Err(bad(format!("{at}.time"), "is missing")),
        };
        let text = match m.get("text") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(bad(format!("{at}.text"), "expected a string")),
        };
        let score = match m.get("score") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() => Some(x),
                _ => return Err(bad(format!("{at}.score"), "expected a finite number")),
            },
            Some(_) => return Err(bad(format!("{at}.score"), "expected a number")),
        };
        let sv = m.get("symbols").or_else(|| m.get("symbol"));
        let symbols = match sv {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(vec![s.clone()]),
            Some(Value::Array(a)) => Some(
                a.iter()
                    .enumerate()
                    .map(|(j, s)| match s {
                        Value::String(s) => Ok(s.clone()),
                        _ => Err(bad(format!("{at}.symbols[{j}]"), "expected a string")),
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
            Some(_) => {
                return Err(bad(format!("{at}.symbols"), "expected a list of strings"));
            }
        };
        out.push(Item { time, text, score, symbols });
    }
    Ok(out)
}

/// Parses the `options` JSON (null or an object): `calendar` (`"XNYS"`, `"XNAS"`,
/// `"weekdays"`, `"all"`, or `{"name": ..., "holidays": [dates]}`), `time_zone` (IANA name),
/// `close` (`"HH:MM"` in exchange time, `"24:00"` for the end of the day).
pub fn options_from_json(
    v: &Value,
    half_life_hours: f64,
    model: Model,
) -> Result<AggregateOptions> {
    let m = match v {
        Value::Null => serde_json::Map::new(),
        Value::Object(m) => m.clone(),
        _ => return Err(bad("options", "expected null or an object {calendar, time_zone, close}")),
    };
    for k in m.keys() {
        if !matches!(k.as_str(), "calendar" | "time_zone" | "close") {
            return Err(bad(
                format!("options.{k}"),
                "unknown option (expected calendar, time_zone, close)",
            ));
        }
    }
    let calendar: Calendar = match m.get("calendar") {
        None | Some(Value::Null) => Calendar::new(CalendarRules::Xnys),
        Some(c) => serde_json::from_value(c.clone()).map_err(|e| {
            bad(
                "options.calendar",
                format!("{e} (expected XNYS, XNAS, weekdays, all, or {{name, holidays}})"),
            )
        })?,
    };
    let exchange = calendar.name == CalendarRules::Xnys;
    let time_zone = match m.get("time_zone") {
        None | Some(Value::Null) if exchange => chrono_tz::America::New_York,
        None | Some(Value::Null) => chrono_tz::UTC,
        Some(Value::String(s)) => s
            .parse::<Tz>()
            .map_err(|_| bad("options.time_zone", format!("`{s}` is not an IANA time zone")))?,
        Some(_) => return Err(bad("options.time_zone", "expected a string")),
    };
    let close_seconds = match m.get("close") {
        None | Some(Value::Null) => {
            if exchange {
                16 * 3600
            } else {
                86_400
            }
        }
        Some(Value::String(s)) => parse_close(s)?,
        Some(_) => return Err(bad("options.close", "expected \"HH:MM\"")),
    };
    Ok(AggregateOptions { calendar, time_zone, close_seconds, half_life_hours, model })
}

fn parse_close(s: &str) -> Result<u32> {
    let err = || bad("options.close", format!("`{s}` is not a time HH:MM between 00:01 and 24:00"));
    let (h, m) = s.trim().split_once(':').ok_or_else(err)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
    let secs = h * 3600 + m * 60;
    if m >= 60 || secs == 0 || secs > 86_400 {
        return Err(err());
    }
    Ok(secs)
}

const ITEMS: InputSpec = InputSpec::json(
    "items",
    "the news items: a list of {time, text, score, symbols} (time: ISO 8601 with an offset or epoch seconds; text and/or a pre-computed score; symbols: the assets, else found in the text with the universe); other fields are ignored",
    r#"[{"time": "2024-01-02T14:30:00Z", "text": "Apple beats estimates. AT&T cuts its dividend."}, {"time": "2024-01-02T22:00:00Z", "text": "$AAPL shares fall", "symbols": ["AAPL"]}, {"time": "2024-01-03T15:00:00Z", "score": 0.5, "symbols": ["T"]}]"#,
);
const OPTIONS: InputSpec = InputSpec::json(
    "options",
    "null or {calendar, time_zone, close}: calendar XNYS (default), XNAS, weekdays, all, or {name, holidays}; time_zone an IANA name (default America/New_York for XNYS, else UTC); close \"HH:MM\" in exchange time (default 16:00 for XNYS, else 24:00)",
    r#"{"calendar": "XNYS", "close": "16:00"}"#,
);

/// Declaration of `aggregate`.
pub static AGGREGATE: FunctionDecl = FunctionDecl {
    name: "aggregate",
    module: Module::Sentiment,
    group: "Aggregation",
    summary: "Per-asset, per-trading-day sentiment, mention timelines and a co-mention graph",
    doc: "aggregate(items, universe, options) -> {days: [{day, symbol, count, mean, std, decayed}], timelines: {symbol: [{index, time, day, score}]}, graph: {nodes: [{symbol, count}], edges: [{source, target, count}]}}. An item belongs to its local date in the exchange time zone if stamped before the close, else to the next date; closed days roll forward to the next trading day. mean and std (population, divisor count) are over the day's items; decayed = sum w_i s_i / sum w_i over all the asset's items up to the day's close, w_i = 2^(-(close - t_i) / half_life) with half_life in hours. An item's score for an asset: its `score` if given; else the mean score of the sentences naming the asset when found through the universe; else the whole text's score. universe may be null when every item has symbols.",
    inputs: &[ITEMS, UNIVERSE, OPTIONS],
    params: &[
        ParamSpec::choice("model", "finance", Model::NAMES, MODEL_DOC),
        ParamSpec::float(
            "half_life",
            24.0,
            1.0e-3,
            1.0e6,
            "half-life of the time decay of `decayed`, in hours",
        ),
    ],
    outputs: &[OutputSpec::json("aggregate")],
    flags: Flags::NONE,
    lookback: None,
    compute: |i, p, o| {
        let items = items_from_json(&i.json::<Value>(0, "items")?)?;
        let uv = i.json::<Value>(1, "universe")?;
        let universe = if uv.is_null() { None } else { Some(universe_from_json(&uv, "universe")?) };
        let opts =
            options_from_json(&i.json::<Value>(2, "options")?, p.float(1), Model::parse(p.str(0))?)?;
        o.set_json(0, &aggregate(&items, universe.as_ref(), &opts)?)
    },
    stream: None,
};
