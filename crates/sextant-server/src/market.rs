//! Market data over HTTP: instruments (admin writes, signed-in reads), OHLCV bars with bulk
//! ingest (JSON or CSV, upserts), range queries with resampling and split/dividend adjustment,
//! the latest quote, corporate actions, and any declared function computed over stored bars
//! (`GET /v1/instruments/{symbol}/indicators/{name}`). docs/platform.md describes the rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as JsonValue};
use sextant_core::decl::FunctionDecl;
use sextant_core::ledger::Calendar;
use sextant_core::registry::{self, REGISTRY};

use crate::accounts::{audit, Admin, Authed, JsonBody, Q};
use crate::app::{now_unix, AppState};
use crate::convert::{self, ComputeRequest};
use crate::csv::{self, RowError};
use crate::error::ApiError;
use crate::store::{Bar, CorporateAction, InstrumentRec};

/// The asset classes an instrument may have.
pub const ASSET_CLASSES: [&str; 9] =
    ["equity", "etf", "index", "fx", "crypto", "bond", "commodity", "fund", "other"];
/// Most bars accepted by one ingest request.
pub const MAX_INGEST_BARS: usize = 200_000;
/// Most bars one range query or computation reads.
pub const MAX_RANGE_BARS: usize = 2_000_000;

/// A bar interval. Intraday intervals are fixed lengths; `1d` bars are keyed by the
/// exchange-local date at 00:00 UTC, `1w` by the Monday of the ISO week, `1mo` by the first day
/// of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Interval {
    /// 1 minute.
    M1,
    /// 5 minutes.
    M5,
    /// 15 minutes.
    M15,
    /// 30 minutes.
    M30,
    /// 1 hour.
    H1,
    /// 1 day.
    D1,
    /// 1 week (ISO, Monday).
    W1,
    /// 1 calendar month.
    Mo1,
}

/// Every interval, finest first.
pub const INTERVALS: [&str; 8] = ["1m", "5m", "15m", "30m", "1h", "1d", "1w", "1mo"];

impl Interval {
    /// Parses `1m`, `5m`, `15m`, `30m`, `1h`, `1d`, `1w`, `1mo`.
    pub fn parse(field: &'static str, s: &str) -> Result<Self, ApiError> {
        Ok(match s {
            "1m" => Self::M1,
            "5m" => Self::M5,
            "15m" => Self::M15,
            "30m" => Self::M30,
            "1h" => Self::H1,
            "1d" => Self::D1,
            "1w" => Self::W1,
            "1mo" => Self::Mo1,
            _ => {
                return Err(ApiError::InvalidField {
                    field,
                    reason: format!("must be one of {}", INTERVALS.join(", ")),
                })
            }
        })
    }
    /// The text form.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::M1 => "1m",
            Self::M5 => "5m",
            Self::M15 => "15m",
            Self::M30 => "30m",
            Self::H1 => "1h",
            Self::D1 => "1d",
            Self::W1 => "1w",
            Self::Mo1 => "1mo",
        }
    }
    /// Seconds of an intraday interval.
    #[must_use]
    pub const fn seconds(self) -> Option<i64> {
        match self {
            Self::M1 => Some(60),
            Self::M5 => Some(300),
            Self::M15 => Some(900),
            Self::M30 => Some(1800),
            Self::H1 => Some(3600),
            _ => None,
        }
    }
    /// Whether bars of `self` can be aggregated into `target` buckets exactly.
    #[must_use]
    pub fn resamples_to(self, target: Self) -> bool {
        match (self.seconds(), target.seconds()) {
            (Some(a), Some(b)) => b > a && b % a == 0,
            (Some(_), None) => target == Self::D1,
            (None, None) => self == Self::D1 && matches!(target, Self::W1 | Self::Mo1),
            (None, Some(_)) => false,
        }
    }
}

/// Path parameters with the server's error mapping (a JSON 404 for one that does not parse).
#[derive(Debug)]
pub struct P<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for P<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| P(v))
            .map_err(|e| ApiError::NotFound(e.body_text()))
    }
}

// --- validation ---------------------------------------------------------------------------------

fn bad(field: &'static str, reason: impl Into<String>) -> ApiError {
    ApiError::InvalidField { field, reason: reason.into() }
}

/// A symbol: 1 to 32 of `A-Z a-z 0-9 . _ - ^ =`.
pub fn check_symbol(field: &'static str, s: &str) -> Result<(), ApiError> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_^=".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(bad(field, "must be 1 to 32 characters of A-Z, a-z, 0-9 and . _ - ^ ="))
    }
}

/// A currency code: 3 to 10 upper-case letters or digits (ISO 4217 or a crypto code).
pub fn check_currency(field: &'static str, s: &str) -> Result<(), ApiError> {
    let ok = (3..=10).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(bad(field, "must be 3 to 10 upper-case letters or digits, e.g. USD"))
    }
}

/// A display name: 1 to 200 characters, no control characters.
pub fn check_name(field: &'static str, s: &str) -> Result<(), ApiError> {
    let n = s.chars().count();
    if (1..=200).contains(&n) && !s.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(bad(field, "must be 1 to 200 characters without control characters"))
    }
}

/// Standard-time UTC offsets (minutes) of the main exchanges' IANA zones. Daylight saving is
/// not applied (no time-zone database is linked; the ledger does the same).
const KNOWN_ZONES: [(&str, i64); 20] = [
    ("UTC", 0),
    ("Etc/UTC", 0),
    ("America/New_York", -300),
    ("America/Chicago", -360),
    ("America/Toronto", -300),
    ("America/Sao_Paulo", -180),
    ("Europe/London", 0),
    ("Europe/Dublin", 0),
    ("Europe/Paris", 60),
    ("Europe/Berlin", 60),
    ("Europe/Amsterdam", 60),
    ("Europe/Zurich", 60),
    ("Europe/Stockholm", 60),
    ("Asia/Tokyo", 540),
    ("Asia/Hong_Kong", 480),
    ("Asia/Shanghai", 480),
    ("Asia/Singapore", 480),
    ("Asia/Kolkata", 330),
    ("Asia/Seoul", 540),
    ("Australia/Sydney", 600),
];

/// A fixed offset `+05:30`, `-04:00`, `UTC+01:00` as minutes.
fn parse_offset(s: &str) -> Option<i64> {
    let s = s.strip_prefix("UTC").unwrap_or(s);
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=14).contains(&h) && (0..60).contains(&m)).then_some(sign * (h * 60 + m))
}

/// The instrument's zone: an IANA name (`time_zone`, with `utc_offset_minutes` given or known
/// for the main exchanges) or a fixed offset. Returns (IANA name, offset minutes).
fn resolve_zone(tz: &str, offset: Option<i64>) -> Result<(Option<String>, i64), ApiError> {
    if let Some(o) = offset {
        if !(-840..=840).contains(&o) {
            return Err(bad("utc_offset_minutes", "must be in [-840, 840]"));
        }
    }
    if let Some(m) = parse_offset(tz) {
        if offset.is_some_and(|o| o != m) {
            return Err(bad("utc_offset_minutes", "contradicts the fixed offset in `time_zone`"));
        }
        return Ok((None, m));
    }
    let Ok(zone) = tz.parse::<chrono_tz::Tz>() else {
        return Err(bad(
            "time_zone",
            "must be an IANA time-zone name such as America/New_York or a fixed offset such as \
             +05:30",
        ));
    };
    // Informational for an IANA zone (buckets follow the zone's rules, daylight saving
    // included): the given offset, the built-in one, or the zone's standard offset now.
    let known = KNOWN_ZONES.iter().find(|(z, _)| *z == tz).map(|(_, o)| *o);
    let standard = || {
        use chrono::Offset as _;
        use chrono_tz::OffsetComponents as _;
        let now = DateTime::<Utc>::from_timestamp(now_unix(), 0).unwrap_or_default().naive_utc();
        let off = chrono::TimeZone::offset_from_utc_datetime(&zone, &now);
        i64::from(off.fix().local_minus_utc()) / 60 - off.dst_offset().num_minutes()
    };
    Ok((Some(tz.to_owned()), offset.or(known).unwrap_or_else(standard)))
}

/// Unix seconds of `YYYY-MM-DD` (00:00 UTC), an RFC 3339 time, or an integer of unix seconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    let n: i64 = s.parse().ok()?;
    // 0001-01-01 .. 9999-12-31
    (-62_135_596_800..=253_402_300_799).contains(&n).then_some(n)
}

/// RFC 3339 text of unix seconds (UTC, `Z`).
#[must_use]
pub fn format_time(ts: i64) -> String {
    use chrono::Timelike as _;
    match DateTime::<Utc>::from_timestamp(ts, 0) {
        // the digits written directly: strftime's pattern parsing was a visible share of an
        // indicator response (one time per value)
        Some(t) if (0..=9999).contains(&t.year()) => {
            let mut b = *b"0000-00-00T00:00:00Z";
            let mut put = |at: usize, width: usize, mut v: u32| {
                for k in (at..at + width).rev() {
                    b[k] = b'0' + u8::try_from(v % 10).unwrap_or(0);
                    v /= 10;
                }
            };
            put(0, 4, t.year().unsigned_abs());
            put(5, 2, t.month());
            put(8, 2, t.day());
            put(11, 2, t.hour());
            put(14, 2, t.minute());
            put(17, 2, t.second());
            String::from_utf8_lossy(&b).into_owned()
        }
        Some(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => ts.to_string(),
    }
}

/// The UTC date of unix seconds.
#[must_use]
pub fn utc_date(ts: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp(ts, 0).map_or(NaiveDate::MIN, |t| t.date_naive())
}

fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp())
}

/// An exchange's clock: an IANA zone (daylight saving from the IANA database, `chrono-tz`, as
/// in the ledger) or a fixed UTC offset in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset, minutes east of UTC.
    Fixed(i64),
    /// An IANA zone.
    Iana(chrono_tz::Tz),
}

impl Zone {
    /// The instrument's clock: its IANA `time_zone` when it has one, else its fixed offset.
    #[must_use]
    pub fn of(inst: &InstrumentRec) -> Self {
        inst.time_zone
            .as_deref()
            .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
            .map_or(Self::Fixed(inst.utc_offset_minutes), Self::Iana)
    }

    /// Seconds east of UTC at the instant `ts` (unix seconds).
    #[must_use]
    pub fn offset_at(self, ts: i64) -> i64 {
        match self {
            Self::Fixed(m) => m * 60,
            Self::Iana(tz) => {
                use chrono::Offset as _;
                DateTime::<Utc>::from_timestamp(ts, 0).map_or(0, |t| {
                    let off = chrono::TimeZone::offset_from_utc_datetime(&tz, &t.naive_utc());
                    i64::from(off.fix().local_minus_utc())
                })
            }
        }
    }
}

/// The exchange-local date of a bar: `1d` and coarser bars are keyed by their date at 00:00
/// UTC; intraday bars by the exchange's local date at their open time.
#[must_use]
pub fn bar_date(ts: i64, interval: Interval, zone: Zone) -> NaiveDate {
    if interval.seconds().is_some() {
        utc_date(ts + zone.offset_at(ts))
    } else {
        utc_date(ts)
    }
}

// --- resampling and adjustment ------------------------------------------------------------------

/// A bar with the number of source bars it aggregates (1 for stored bars).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OutBar {
    /// The bar.
    #[serde(flatten)]
    pub bar: Bar,
    /// Source bars in it.
    pub count: u32,
    /// With a calendar (`calendar=`), the trading sessions the calendar has in the bucket: a
    /// bucket with fewer source days than sessions has a gap in the data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<u32>,
}

/// The bucket (its start, unix seconds) of a bar for a coarser target interval.
#[must_use]
pub fn bucket(ts: i64, from: Interval, to: Interval, zone: Zone) -> i64 {
    if let Some(w) = to.seconds() {
        // the local clock's bucket, at the offset in force at the bar's open
        let off = zone.offset_at(ts);
        return (ts + off).div_euclid(w) * w - off;
    }
    let d = bar_date(ts, from, zone);
    let start = match to {
        Interval::W1 => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
        Interval::Mo1 => d.with_day(1).unwrap_or(d),
        _ => d,
    };
    midnight(start)
}

/// Aggregates time-ordered bars into `to` buckets: open of the first bar, highest high,
/// lowest low, close of the last bar, summed volume; a bucket is labelled by its start.
#[must_use]
pub fn resample(bars: &[Bar], from: Interval, to: Interval, zone: Zone) -> Vec<OutBar> {
    let mut out: Vec<OutBar> = Vec::new();
    for b in bars {
        let k = bucket(b.ts, from, to, zone);
        match out.last_mut() {
            Some(o) if o.bar.ts == k => {
                o.bar.high = o.bar.high.max(b.high);
                o.bar.low = o.bar.low.min(b.low);
                o.bar.close = b.close;
                o.bar.volume += b.volume;
                o.count += 1;
            }
            _ => out.push(OutBar { bar: Bar { ts: k, ..*b }, count: 1, sessions: None }),
        }
    }
    out
}

/// Resampling on an exchange calendar (`calendar=` on the bar and indicator routes): bars
/// dated on a day the calendar has closed (a weekend or holiday bar, usually bad data) are left
/// out, and each bucket states its `sessions`, the trading days the calendar has in it. Weekly
/// and monthly buckets are labelled by their first trading day (a week whose Monday is a
/// holiday starts on the Tuesday); `1d` buckets by their date. Intraday targets keep the
/// clock buckets of [`resample`] (the calendar has no session hours) with the closed days
/// left out. Returns the bars and how many were left out.
///
/// # Errors
/// The calendar does not cover a bar's date (XNYS: 2000-2099), as a message.
pub fn resample_on_calendar(
    bars: &[Bar],
    from: Interval,
    to: Option<Interval>,
    zone: Zone,
    cal: &Calendar,
) -> Result<(Vec<OutBar>, usize), String> {
    let (Some(first), Some(last)) = (bars.first(), bars.last()) else {
        return Ok((Vec::new(), 0));
    };
    let (d0, d1) = (bar_date(first.ts, from, zone), bar_date(last.ts, from, zone));
    // the whole months around the range, so every bucket's sessions are known
    let lo = d0.with_day(1).unwrap_or(d0) - Duration::days(7);
    let hi = d1 + Duration::days(38);
    // (at the edge of the calendar's years, only the bars' own dates)
    let days =
        cal.trading_days(lo, hi).or_else(|_| cal.trading_days(d0, d1)).map_err(|e| match e {
            sextant_core::ledger::LedgerError::InvalidInput { reason, .. } => reason,
            other => other.to_string(),
        })?;
    let open = |d: NaiveDate| days.binary_search(&d).is_ok();
    let kept: Vec<Bar> =
        bars.iter().filter(|b| open(bar_date(b.ts, from, zone))).copied().collect();
    let excluded = bars.len() - kept.len();
    let to = to.unwrap_or(from);
    if to.seconds().is_some() {
        let out = if to == from {
            kept.into_iter().map(|bar| OutBar { bar, count: 1, sessions: None }).collect()
        } else {
            resample(&kept, from, to, zone)
        };
        return Ok((out, excluded));
    }
    let mut out = if to == from {
        kept.into_iter().map(|bar| OutBar { bar, count: 1, sessions: None }).collect()
    } else {
        resample(&kept, from, to, zone)
    };
    for o in &mut out {
        // the bucket's dates: [start, next start)
        let start = utc_date(o.bar.ts);
        let end = match to {
            Interval::W1 => start + Duration::days(7),
            Interval::Mo1 => start.checked_add_months(chrono::Months::new(1)).unwrap_or(start),
            _ => start + Duration::days(1),
        };
        let a = days.partition_point(|d| *d < start);
        let b = days.partition_point(|d| *d < end);
        o.sessions = Some(u32::try_from(b - a).unwrap_or(u32::MAX));
        if let Some(first_open) = days.get(a).filter(|_| b > a) {
            o.bar.ts = midnight(*first_open);
        }
    }
    Ok((out, excluded))
}

/// Back-adjusts bars for splits and cash dividends (the CRSP / Yahoo method): every bar
/// before an ex-date is multiplied by `d / n` for an `n`-for-`d` split (volume by `n / d`) and
/// by `1 - D / C` for a dividend `D`, with `C` the close of the last bar before the ex-date.
/// Actions with no bar before them change nothing.
pub fn adjust(bars: &mut [Bar], actions: &[CorporateAction], interval: Interval, zone: Zone) {
    // (ex-date, price factor, volume factor) for every action, then applied from the newest.
    let dates: Vec<NaiveDate> = bars.iter().map(|b| bar_date(b.ts, interval, zone)).collect();
    let mut factors: Vec<(NaiveDate, f64, f64)> = Vec::new();
    for a in actions {
        let Ok(ex) = NaiveDate::parse_from_str(&a.ex_date, "%Y-%m-%d") else { continue };
        let before = dates.partition_point(|d| *d < ex);
        if before == 0 {
            continue;
        }
        match a.kind.as_str() {
            "split" => {
                let (n, d) = (a.numerator.unwrap_or(1), a.denominator.unwrap_or(1));
                if n > 0 && d > 0 {
                    #[allow(clippy::cast_precision_loss)]
                    let r = n as f64 / d as f64;
                    factors.push((ex, 1.0 / r, r));
                }
            }
            _ => {
                let amount: f64 = a.amount.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0.0);
                let c = bars[before - 1].close;
                if c > 0.0 && amount > 0.0 && amount < c {
                    factors.push((ex, 1.0 - amount / c, 1.0));
                }
            }
        }
    }
    if factors.is_empty() {
        return;
    }
    for (b, d) in bars.iter_mut().zip(&dates) {
        let (mut p, mut v) = (1.0, 1.0);
        for (ex, pf, vf) in &factors {
            if d < ex {
                p *= pf;
                v *= vf;
            }
        }
        if p != 1.0 || v != 1.0 {
            b.open *= p;
            b.high *= p;
            b.low *= p;
            b.close *= p;
            b.volume *= v;
        }
    }
}

// --- instruments --------------------------------------------------------------------------------

/// The body of `POST /v1/instruments` and `PUT /v1/instruments/{symbol}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentReq {
    /// Symbol (POST only; a PUT takes it from the path).
    #[serde(default)]
    pub symbol: Option<String>,
    /// Display name.
    pub name: String,
    /// Price currency.
    pub currency: String,
    /// IANA name or fixed offset; default `UTC`.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// The offset, required for IANA names that are not built in.
    #[serde(default)]
    pub utc_offset_minutes: Option<i64>,
    /// Asset class.
    pub asset_class: String,
}

/// Validates an instrument request into a record.
pub fn instrument_from(
    symbol: &str,
    req: &InstrumentReq,
    now: i64,
) -> Result<InstrumentRec, ApiError> {
    check_symbol("symbol", symbol)?;
    check_name("name", &req.name)?;
    check_currency("currency", &req.currency)?;
    if !ASSET_CLASSES.contains(&req.asset_class.as_str()) {
        return Err(bad("asset_class", format!("must be one of {}", ASSET_CLASSES.join(", "))));
    }
    let (time_zone, offset) =
        resolve_zone(req.time_zone.as_deref().unwrap_or("UTC"), req.utc_offset_minutes)?;
    Ok(InstrumentRec {
        symbol: symbol.to_owned(),
        name: req.name.clone(),
        currency: req.currency.clone(),
        time_zone,
        utc_offset_minutes: offset,
        asset_class: req.asset_class.clone(),
        created_at: now,
        updated_at: now,
    })
}

fn instrument_json(i: &InstrumentRec) -> JsonValue {
    json!({
        "symbol": i.symbol, "name": i.name, "currency": i.currency,
        "time_zone": i.time_zone, "utc_offset_minutes": i.utc_offset_minutes,
        "asset_class": i.asset_class, "created_at": i.created_at, "updated_at": i.updated_at,
    })
}

/// Pagination and sorting of a list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    asset_class: Option<String>,
}

/// Whether `id` has the shape of a record id (32 hex digits); anything else is no such record.
pub fn is_record_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `limit` in 1..=max (default `default`), `offset` >= 0.
pub fn page(
    limit: Option<i64>,
    offset: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64), ApiError> {
    let limit = limit.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(bad("limit", format!("must be in [1, {max}]")));
    }
    let offset = offset.unwrap_or(0);
    if !(0..=1_000_000_000).contains(&offset) {
        return Err(bad("offset", "must be in [0, 1000000000]"));
    }
    Ok((limit, offset))
}

/// `{"items": [...], "limit", "offset", "next_offset"}`: `next_offset` is null on the last page.
pub fn paged(items: Vec<JsonValue>, limit: i64, offset: i64, more: bool) -> JsonValue {
    let n = i64::try_from(items.len()).unwrap_or(0);
    json!({"items": items, "limit": limit, "offset": offset,
        "next_offset": if more { Some(offset + n) } else { None }})
}

fn sort_desc(sort: Option<&str>, key: &'static str) -> Result<bool, ApiError> {
    sort_desc_or(sort, key, false)
}

/// Whether `sort` asks for descending order of `key` (`key` or `-key`; `default` when absent).
pub fn sort_desc_or(
    sort: Option<&str>,
    key: &'static str,
    default: bool,
) -> Result<bool, ApiError> {
    match sort {
        None => Ok(default),
        Some(s) if s == key => Ok(false),
        Some(s) if s.strip_prefix('-') == Some(key) => Ok(true),
        Some(_) => Err(bad("sort", format!("must be `{key}` or `-{key}`"))),
    }
}

async fn list_instruments(
    State(app): State<AppState>,
    _: Authed,
    Q(q): Q<ListQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    let (limit, offset) = page(q.limit, q.offset, 100, 1000)?;
    let desc = sort_desc(q.sort.as_deref(), "symbol")?;
    if let Some(c) = q.asset_class.as_deref() {
        if !ASSET_CLASSES.contains(&c) {
            return Err(bad("asset_class", format!("must be one of {}", ASSET_CLASSES.join(", "))));
        }
    }
    let mut rows =
        app.store.list_instruments(q.asset_class.as_deref(), desc, limit + 1, offset).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(Json(paged(rows.iter().map(instrument_json).collect(), limit, offset, more)))
}

async fn create_instrument(
    State(app): State<AppState>,
    Admin(ctx, p): Admin,
    JsonBody(req): JsonBody<InstrumentReq>,
) -> Result<Response, ApiError> {
    let symbol = req.symbol.clone().ok_or_else(|| bad("symbol", "is required"))?;
    let rec = instrument_from(&symbol, &req, now_unix())?;
    if !app.store.create_instrument(&rec).await? {
        return Err(ApiError::Conflict(format!("the instrument {symbol} exists; PUT replaces it")));
    }
    audit(&app, &ctx, Some(&p.user.id), "instrument.create", Some(&symbol), json!({})).await?;
    Ok((StatusCode::CREATED, Json(instrument_json(&rec))).into_response())
}

async fn get_instrument(
    State(app): State<AppState>,
    _: Authed,
    P(symbol): P<String>,
) -> Result<Json<JsonValue>, ApiError> {
    let i = find_instrument(&app, &symbol).await?;
    let mut body = instrument_json(&i);
    let intervals = app.store.bar_intervals(&symbol).await?;
    body["bars"] = json!(intervals
        .iter()
        .map(|s| json!({"interval": s.interval, "count": s.count,
            "first": format_time(s.first), "last": format_time(s.last)}))
        .collect::<Vec<_>>());
    Ok(Json(body))
}

async fn update_instrument(
    State(app): State<AppState>,
    Admin(ctx, p): Admin,
    P(symbol): P<String>,
    JsonBody(req): JsonBody<InstrumentReq>,
) -> Result<Json<JsonValue>, ApiError> {
    if req.symbol.as_deref().is_some_and(|s| s != symbol) {
        return Err(bad("symbol", "differs from the path; symbols cannot be renamed"));
    }
    let old = find_instrument(&app, &symbol).await?;
    let mut rec = instrument_from(&symbol, &req, now_unix())?;
    rec.created_at = old.created_at;
    app.store.update_instrument(&rec).await?;
    audit(&app, &ctx, Some(&p.user.id), "instrument.update", Some(&symbol), json!({})).await?;
    Ok(Json(instrument_json(&rec)))
}

async fn delete_instrument(
    State(app): State<AppState>,
    Admin(ctx, p): Admin,
    P(symbol): P<String>,
) -> Result<StatusCode, ApiError> {
    find_instrument(&app, &symbol).await?;
    if !app.store.delete_instrument(&symbol).await? {
        return Err(ApiError::NoSuchResource("instrument"));
    }
    audit(&app, &ctx, Some(&p.user.id), "instrument.delete", Some(&symbol), json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn find_instrument(app: &AppState, symbol: &str) -> Result<InstrumentRec, ApiError> {
    if check_symbol("symbol", symbol).is_err() {
        return Err(ApiError::NoSuchResource("instrument"));
    }
    app.store.instrument(symbol).await?.ok_or(ApiError::NoSuchResource("instrument"))
}

// --- bars: ingest -------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IngestQuery {
    #[serde(default)]
    interval: Option<String>,
}

/// One bar of a JSON upload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BarIn {
    ts: JsonValue,
    open: JsonValue,
    high: JsonValue,
    low: JsonValue,
    close: JsonValue,
    #[serde(default)]
    volume: Option<JsonValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BarsBody {
    #[serde(default)]
    interval: Option<String>,
    bars: Vec<BarIn>,
}

/// Checks one bar: a time aligned to the interval, finite prices with low <= open, close <=
/// high, volume >= 0.
pub fn check_bar(b: &Bar, interval: Interval, row: usize, errs: &mut Vec<RowError>) {
    let mut e = |c: &str, m: &str| errs.push(RowError::new(row, Some(c), m));
    let aligned = match interval.seconds() {
        Some(_) => b.ts % 60 == 0,
        None => b.ts.rem_euclid(86_400) == 0,
    };
    if !aligned {
        e(
            "ts",
            if interval.seconds().is_some() {
                "intraday bars must start on a whole minute"
            } else {
                "daily and coarser bars are dated: YYYY-MM-DD (00:00 UTC)"
            },
        );
        return;
    }
    let prices = [("open", b.open), ("high", b.high), ("low", b.low), ("close", b.close)];
    for (c, v) in prices {
        if !(v.is_finite() && v >= 0.0) {
            e(c, "must be a finite number >= 0");
            return;
        }
    }
    if !(b.volume.is_finite() && b.volume >= 0.0) {
        e("volume", "must be a finite number >= 0");
    } else if b.low > b.open.min(b.close) || b.high < b.open.max(b.close) || b.low > b.high {
        e("high", "must have low <= open, close <= high");
    }
}

fn num(v: &JsonValue) -> Option<f64> {
    match v {
        JsonValue::Number(n) => n.as_f64(),
        JsonValue::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn time_of(v: &JsonValue) -> Option<i64> {
    match v {
        JsonValue::Number(n) => n.as_i64().and_then(|n| parse_time(&n.to_string())),
        JsonValue::String(s) => parse_time(s),
        _ => None,
    }
}

/// Parses an upload (JSON `{"bars": [...]}` or CSV `ts,open,high,low,close[,volume]`) into
/// bars; every row error is collected.
pub fn parse_bars(
    body: &[u8],
    csv_body: bool,
    interval: &mut Option<String>,
) -> Result<Vec<Bar>, ApiError> {
    let mut errs = Vec::new();
    let mut out = Vec::new();
    if csv_body {
        let text = std::str::from_utf8(body)
            .map_err(|_| ApiError::BadBody("the CSV is not UTF-8".into()))?;
        let t = csv::parse(text).map_err(|rows| ApiError::InvalidRows { what: "bars", rows })?;
        let col = |names: &[&str]| names.iter().find_map(|n| t.column(n));
        let ts_col = col(&["ts", "timestamp", "date", "time", "datetime"]);
        let cols = [col(&["open"]), col(&["high"]), col(&["low"]), col(&["close"])];
        let vol = col(&["volume"]);
        let Some(ts_col) = ts_col else {
            return Err(ApiError::InvalidRows {
                what: "bars",
                rows: vec![RowError::new(
                    1,
                    Some("ts"),
                    "the header needs a `ts` (or `date`) column",
                )],
            });
        };
        for (c, name) in cols.iter().zip(["open", "high", "low", "close"]) {
            if c.is_none() {
                errs.push(RowError::new(1, Some(name), "missing from the header"));
            }
        }
        if let Some(extra) = t.header.iter().find(|h| {
            ![
                "ts",
                "timestamp",
                "date",
                "time",
                "datetime",
                "open",
                "high",
                "low",
                "close",
                "volume",
            ]
            .contains(&h.as_str())
        }) {
            errs.push(RowError::new(1, Some(extra), "unknown column"));
        }
        if !errs.is_empty() {
            return Err(ApiError::InvalidRows { what: "bars", rows: errs });
        }
        if t.records.len() > MAX_INGEST_BARS {
            return Err(bad("bars", format!("at most {MAX_INGEST_BARS} bars per request")));
        }
        for (row, rec) in &t.records {
            let mut vals = [0.0; 5];
            let Some(ts) = parse_time(&rec[ts_col]) else {
                errs.push(RowError::new(
                    *row,
                    Some("ts"),
                    "must be YYYY-MM-DD, RFC 3339 or unix seconds",
                ));
                continue;
            };
            let mut ok = true;
            for (k, (c, name)) in cols.iter().zip(["open", "high", "low", "close"]).enumerate() {
                match c.and_then(|c| rec[c].parse::<f64>().ok()) {
                    Some(v) => vals[k] = v,
                    None => {
                        errs.push(RowError::new(*row, Some(name), "must be a number"));
                        ok = false;
                    }
                }
            }
            match vol.map(|c| rec[c].as_str()).filter(|s| !s.is_empty()) {
                None => vals[4] = 0.0,
                Some(s) => match s.parse::<f64>() {
                    Ok(v) => vals[4] = v,
                    Err(_) => {
                        errs.push(RowError::new(*row, Some("volume"), "must be a number"));
                        ok = false;
                    }
                },
            }
            if ok {
                let [open, high, low, close, volume] = vals;
                out.push((*row, Bar { ts, open, high, low, close, volume }));
            }
        }
    } else {
        let b: BarsBody = serde_json::from_slice(body).map_err(|e| {
            if e.is_data() {
                ApiError::InvalidBody(e.to_string())
            } else {
                ApiError::MalformedJson(e.to_string())
            }
        })?;
        if b.bars.len() > MAX_INGEST_BARS {
            return Err(bad("bars", format!("at most {MAX_INGEST_BARS} bars per request")));
        }
        if b.interval.is_some() {
            if interval.is_some() && *interval != b.interval {
                return Err(bad("interval", "the query and the body name different intervals"));
            }
            *interval = b.interval;
        }
        for (k, x) in b.bars.iter().enumerate() {
            let row = k + 1;
            let Some(ts) = time_of(&x.ts) else {
                errs.push(RowError::new(
                    row,
                    Some("ts"),
                    "must be YYYY-MM-DD, RFC 3339 or unix seconds",
                ));
                continue;
            };
            let vol = x.volume.as_ref().filter(|v| !v.is_null()).map_or(Some(0.0), num);
            let fields = [
                ("open", num(&x.open)),
                ("high", num(&x.high)),
                ("low", num(&x.low)),
                ("close", num(&x.close)),
                ("volume", vol),
            ];
            if let Some((c, _)) = fields.iter().find(|(_, v)| v.is_none()) {
                errs.push(RowError::new(row, Some(c), "must be a number"));
                continue;
            }
            let v = fields.map(|(_, v)| v.unwrap_or(f64::NAN));
            out.push((
                row,
                Bar { ts, open: v[0], high: v[1], low: v[2], close: v[3], volume: v[4] },
            ));
        }
    }
    let iv = Interval::parse("interval", interval.as_deref().unwrap_or("1d"))?;
    for (row, b) in &out {
        check_bar(b, iv, *row, &mut errs);
    }
    if !errs.is_empty() {
        errs.sort_by_key(|e| e.row);
        return Err(ApiError::InvalidRows { what: "bars", rows: errs });
    }
    Ok(out.into_iter().map(|(_, b)| b).collect())
}

/// Sorts bars by time and keeps the last of equal times (a later row corrects an earlier one).
#[must_use]
pub fn dedupe(mut bars: Vec<Bar>) -> Vec<Bar> {
    // stable: equal times keep file order, then the last one wins
    bars.sort_by_key(|b| b.ts);
    let mut out: Vec<Bar> = Vec::with_capacity(bars.len());
    for b in bars {
        match out.last_mut() {
            Some(l) if l.ts == b.ts => *l = b,
            _ => out.push(b),
        }
    }
    out
}

fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|t| t.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|m| m == "text/csv" || m == "application/csv" || m == "text/plain")
}

/// Reads a body that is JSON or CSV (415 otherwise).
pub(crate) fn read_upload(
    app: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Bytes, bool), ApiError> {
    let csv_body = is_csv(headers);
    if !csv_body {
        crate::app::check_json_content_type(headers).map_err(|_| {
            ApiError::UnsupportedMediaType(
                "this route takes `application/json` or `text/csv`".into(),
            )
        })?;
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge { limit: app.options.body_limit }
        } else {
            ApiError::BadBody(e.body_text())
        }
    })?;
    Ok((body, csv_body))
}

async fn ingest_bars(
    State(app): State<AppState>,
    Admin(ctx, p): Admin,
    P(symbol): P<String>,
    Q(q): Q<IngestQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<JsonValue>, ApiError> {
    let (body, csv_body) = read_upload(&app, &headers, body)?;
    find_instrument(&app, &symbol).await?;
    let mut interval = q.interval;
    let bars = parse_bars(&body, csv_body, &mut interval)?;
    let iv = Interval::parse("interval", interval.as_deref().unwrap_or("1d"))?;
    let received = bars.len();
    let bars = dedupe(bars);
    let written = app.store.upsert_bars(&symbol, iv.as_str(), &bars).await?;
    if written > 0 {
        // a live series holding these bars rebuilds its indicator states and alert sides
        if let Some(from) = bars.iter().map(|b| b.ts).min() {
            app.realtime.bars_changed(&app.store, &symbol, iv, from).await?;
        }
    }
    let unique = u64::try_from(bars.len()).unwrap_or(0);
    audit(
        &app,
        &ctx,
        Some(&p.user.id),
        "bars.ingest",
        Some(&symbol),
        json!({"interval": iv.as_str(), "received": received, "written": written}),
    )
    .await?;
    Ok(Json(json!({
        "symbol": symbol, "interval": iv.as_str(), "received": received,
        "duplicates_in_request": received - bars.len(),
        "written": written, "unchanged": unique.saturating_sub(written),
    })))
}

// --- bars: queries ------------------------------------------------------------------------------

/// Query of a bar range.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeQuery {
    #[serde(default)]
    interval: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    resample: Option<String>,
    #[serde(default)]
    adjusted: Option<bool>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    calendar: Option<String>,
}

/// The range bounds (inclusive, unix seconds) of `from` / `to`.
pub fn range(from: Option<&str>, to: Option<&str>) -> Result<(i64, i64), ApiError> {
    let f = match from {
        Some(s) => parse_time(s)
            .ok_or_else(|| bad("from", "must be YYYY-MM-DD, RFC 3339 or unix seconds"))?,
        None => i64::MIN,
    };
    let t = match to {
        Some(s) => {
            let t = parse_time(s)
                .ok_or_else(|| bad("to", "must be YYYY-MM-DD, RFC 3339 or unix seconds"))?;
            // a date bound includes that whole day
            if NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").is_ok() {
                t + 86_399
            } else {
                t
            }
        }
        None => i64::MAX,
    };
    if f > t {
        return Err(bad("from", "must not be after `to`"));
    }
    Ok((f, t))
}

/// Loads a range of bars, adjusted on request, resampled on request.
/// Recent results kept in memory with the instrument's bars version (migration 0021) they were
/// computed at: a request reads the version (one indexed row) and uses a kept result only when
/// it is unchanged. Every write that changes an instrument's bars or corporate actions
/// increments the version in its own transaction, on any instance, so a kept result is never
/// older than the last committed write the request can see. Two are kept in [`AppState`]: the
/// bars of a range query (by symbol, interval, from, to; at most [`BAR_CACHE_WEIGHT`] bars) and
/// whole indicator responses (by symbol, function and query; at most [`RESPONSE_CACHE_WEIGHT`]
/// bytes). The least recently used entries go first.
#[derive(Debug)]
pub struct VersionedCache<K, V> {
    inner: std::sync::Mutex<CacheInner<K, V>>,
    capacity: usize,
}

#[derive(Debug)]
struct CacheInner<K, V> {
    /// (version, value, weight, last use)
    map: std::collections::HashMap<K, (i64, V, usize, u64)>,
    weight: usize,
    clock: u64,
}

/// Bars kept by the range-query cache (48 bytes each: about 96 MB).
pub const BAR_CACHE_WEIGHT: usize = 2_000_000;
/// Bytes of indicator responses kept.
pub const RESPONSE_CACHE_WEIGHT: usize = 64 << 20;

impl<K: std::hash::Hash + Eq + Clone, V: Clone> VersionedCache<K, V> {
    /// An empty cache holding at most `capacity` in total weight.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: std::sync::Mutex::new(CacheInner {
                map: std::collections::HashMap::new(),
                weight: 0,
                clock: 0,
            }),
            capacity,
        }
    }

    fn get(&self, key: &K, version: i64) -> Option<V> {
        let mut g = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        g.clock += 1;
        let now = g.clock;
        match g.map.get_mut(key) {
            Some((v, value, _, used)) if *v == version => {
                *used = now;
                Some(value.clone())
            }
            _ => None,
        }
    }

    fn put(&self, key: K, version: i64, value: V, weight: usize) {
        if weight > self.capacity / 4 {
            return;
        }
        let mut g = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        g.clock += 1;
        let now = g.clock;
        g.weight += weight;
        if let Some((_, _, old, _)) = g.map.insert(key, (version, value, weight, now)) {
            g.weight -= old;
        }
        while g.weight > self.capacity {
            let Some(oldest) = g.map.iter().min_by_key(|(_, e)| e.3).map(|(k, _)| k.clone()) else {
                break;
            };
            if let Some((_, _, old, _)) = g.map.remove(&oldest) {
                g.weight -= old;
            }
        }
    }
}

/// The range-query cache of [`load_bars`].
pub type BarCache = VersionedCache<(String, &'static str, i64, i64), Arc<Vec<Bar>>>;
/// The indicator-response cache of the indicator route.
pub type ResponseCache = VersionedCache<String, Bytes>;

pub(crate) async fn load_bars(
    app: &AppState,
    inst: &InstrumentRec,
    interval: Interval,
    (from, to): (i64, i64),
    adjusted: bool,
    resample_to: Option<Interval>,
    calendar: Option<&Calendar>,
) -> Result<(Vec<OutBar>, usize), ApiError> {
    let key = (inst.symbol.clone(), interval.as_str(), from, to);
    let version = app.store.bars_version(&inst.symbol).await?;
    let cached = version.and_then(|v| app.bar_cache.get(&key, v));
    let mut bars = if let Some(b) = cached {
        b.as_ref().clone()
    } else {
        let b = app.store.bars(&inst.symbol, interval.as_str(), from, to).await?;
        if let (Some(v), true) = (version, b.len() <= MAX_RANGE_BARS) {
            let n = b.len();
            app.bar_cache.put(key, v, Arc::new(b.clone()), n);
        }
        b
    };
    if bars.len() > MAX_RANGE_BARS {
        return Err(bad(
            "from",
            format!("the range holds more than {MAX_RANGE_BARS} bars; narrow it"),
        ));
    }
    if adjusted {
        let actions = app.store.actions(&inst.symbol).await?;
        if !actions.is_empty() {
            // Dividend factors need the close before each ex-date: read the whole history
            // before the range too.
            let mut all = app.store.bars(&inst.symbol, interval.as_str(), i64::MIN, to).await?;
            adjust(&mut all, &actions, interval, Zone::of(inst));
            bars = all.into_iter().filter(|b| b.ts >= from).collect();
        }
    }
    if let Some(cal) = calendar {
        return resample_on_calendar(&bars, interval, resample_to, Zone::of(inst), cal)
            .map_err(|reason| bad("calendar", reason));
    }
    Ok((
        match resample_to {
            Some(t) if t != interval => resample(&bars, interval, t, Zone::of(inst)),
            _ => bars.into_iter().map(|bar| OutBar { bar, count: 1, sessions: None }).collect(),
        },
        0,
    ))
}

/// The `calendar` query parameter: a name (`XNYS`, `XNAS`, `weekdays`, `all`) or the JSON form
/// `{"name": "XNYS", "holidays": ["2030-01-02"]}`.
pub(crate) fn parse_calendar(text: Option<&str>) -> Result<Option<Calendar>, ApiError> {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    let json = if t.starts_with('{') { t.to_owned() } else { JsonValue::from(t).to_string() };
    serde_json::from_str(&json).map(Some).map_err(|_| {
        bad(
            "calendar",
            format!(
                "unknown calendar `{t}`: use XNYS, XNAS, weekdays or all, or \
                 {{\"name\": ..., \"holidays\": [\"YYYY-MM-DD\", ...]}}"
            ),
        )
    })
}

fn bar_json(b: &OutBar) -> JsonValue {
    let mut v = json!({"ts": format_time(b.bar.ts), "open": convert::f64_to_json(b.bar.open),
        "high": convert::f64_to_json(b.bar.high), "low": convert::f64_to_json(b.bar.low),
        "close": convert::f64_to_json(b.bar.close), "volume": convert::f64_to_json(b.bar.volume),
        "count": b.count});
    if let Some(n) = b.sessions {
        v["sessions"] = json!(n);
    }
    v
}

async fn get_bars(
    State(app): State<AppState>,
    _: Authed,
    P(symbol): P<String>,
    Q(q): Q<RangeQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    let (limit, offset) = page(q.limit, q.offset, 1000, 10_000)?;
    let desc = sort_desc(q.sort.as_deref(), "ts")?;
    let iv = Interval::parse("interval", q.interval.as_deref().unwrap_or("1d"))?;
    let to_iv = q.resample.as_deref().map(|s| Interval::parse("resample", s)).transpose()?;
    if let Some(t) = to_iv {
        if t != iv && !iv.resamples_to(t) {
            return Err(bad(
                "resample",
                format!("{} bars cannot be resampled to {}", iv.as_str(), t.as_str()),
            ));
        }
    }
    let r = range(q.from.as_deref(), q.to.as_deref())?;
    let inst = find_instrument(&app, &symbol).await?;
    let adjusted = q.adjusted.unwrap_or(false);
    let calendar = parse_calendar(q.calendar.as_deref())?;
    let (mut bars, excluded) =
        load_bars(&app, &inst, iv, r, adjusted, to_iv, calendar.as_ref()).await?;
    if desc {
        bars.reverse();
    }
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(bars.len());
    let end = start.saturating_add(usize::try_from(limit).unwrap_or(0)).min(bars.len());
    let items: Vec<JsonValue> = bars[start..end].iter().map(bar_json).collect();
    let mut body = paged(items, limit, offset, end < bars.len());
    body["symbol"] = json!(symbol);
    body["interval"] = json!(to_iv.unwrap_or(iv).as_str());
    body["source_interval"] = json!(iv.as_str());
    body["adjusted"] = json!(adjusted);
    body["total"] = json!(bars.len());
    if let Some(c) = &calendar {
        body["calendar"] = json!(c);
        body["excluded"] = json!(excluded);
    }
    Ok(Json(body))
}

async fn quote(
    State(app): State<AppState>,
    _: Authed,
    P(symbol): P<String>,
) -> Result<Json<JsonValue>, ApiError> {
    let inst = find_instrument(&app, &symbol).await?;
    // the newest bar of any interval; on equal open times the finest interval
    let mut best: Option<(i64, Interval)> = None;
    for s in app.store.bar_intervals(&symbol).await? {
        let Ok(iv) = Interval::parse("interval", &s.interval) else { continue };
        if best.is_none_or(|(t, b)| s.last > t || (s.last == t && iv < b)) {
            best = Some((s.last, iv));
        }
    }
    let Some((_, iv)) = best else {
        return Err(ApiError::NoSuchResource("quote (no bars stored)"));
    };
    let b = app
        .store
        .latest_bar(&symbol, iv.as_str())
        .await?
        .ok_or(ApiError::NoSuchResource("quote"))?;
    Ok(Json(json!({"symbol": symbol, "currency": inst.currency, "interval": iv.as_str(),
        "ts": format_time(b.ts), "price": convert::f64_to_json(b.close),
        "open": convert::f64_to_json(b.open), "high": convert::f64_to_json(b.high),
        "low": convert::f64_to_json(b.low), "close": convert::f64_to_json(b.close),
        "volume": convert::f64_to_json(b.volume)})))
}

// --- corporate actions --------------------------------------------------------------------------

/// The body of `POST /v1/instruments/{symbol}/actions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionReq {
    ex_date: String,
    kind: String,
    #[serde(default)]
    numerator: Option<i64>,
    #[serde(default)]
    denominator: Option<i64>,
    #[serde(default)]
    amount: Option<JsonValue>,
}

fn action_json(a: &CorporateAction) -> JsonValue {
    json!({"ex_date": a.ex_date, "kind": a.kind, "numerator": a.numerator,
        "denominator": a.denominator, "amount": a.amount})
}

fn check_date(field: &'static str, s: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad(field, "must be a date YYYY-MM-DD"))
}

async fn list_actions(
    State(app): State<AppState>,
    _: Authed,
    P(symbol): P<String>,
) -> Result<Json<JsonValue>, ApiError> {
    find_instrument(&app, &symbol).await?;
    let items: Vec<JsonValue> = app.store.actions(&symbol).await?.iter().map(action_json).collect();
    Ok(Json(json!({"items": items})))
}

async fn put_action(
    State(app): State<AppState>,
    Admin(ctx, p): Admin,
    P(symbol): P<String>,
    JsonBody(req): JsonBody<ActionReq>,
) -> Result<Response, ApiError> {
    find_instrument(&app, &symbol).await?;
    let d = check_date("ex_date", &req.ex_date)?;
    let (mut numerator, mut denominator, mut amount) = (None, None, None);
    match req.kind.as_str() {
        "split" => {
            let n = req.numerator.ok_or_else(|| bad("numerator", "is required for a split"))?;
            let dd = req.denominator.unwrap_or(1);
            if !(1..=1_000_000).contains(&n) {
                return Err(bad("numerator", "must be in [1, 1000000]"));
            }
            if !(1..=1_000_000).contains(&dd) {
                return Err(bad("denominator", "must be in [1, 1000000]"));
            }
            if req.amount.is_some() {
                return Err(bad("amount", "a split has no amount"));
            }
            (numerator, denominator) = (Some(n), Some(dd));
        }
        "dividend" => {
            let a =
                req.amount.as_ref().ok_or_else(|| bad("amount", "is required for a dividend"))?;
            let text = match a {
                JsonValue::String(s) => s.trim().to_owned(),
                JsonValue::Number(n) => n.to_string(),
                _ => return Err(bad("amount", "must be a decimal number or string")),
            };
            let dec: rust_decimal::Decimal =
                text.parse().map_err(|_| bad("amount", "must be a decimal number"))?;
            if dec <= rust_decimal::Decimal::ZERO {
                return Err(bad("amount", "must be > 0"));
            }
            if req.numerator.is_some() || req.denominator.is_some() {
                return Err(bad("numerator", "a dividend has no ratio"));
            }
            amount = Some(dec.normalize().to_string());
        }
        _ => return Err(bad("kind", "must be `split` or `dividend`")),
    }
    let a = CorporateAction {
        symbol: symbol.clone(),
        ex_date: d.format("%Y-%m-%d").to_string(),
        kind: req.kind.clone(),
        numerator,
        denominator,
        amount,
        created_at: now_unix(),
    };
    app.store.put_action(&a).await?;
    audit(&app, &ctx, Some(&p.user.id), "action.put", Some(&symbol), action_json(&a)).await?;
    Ok((StatusCode::CREATED, Json(action_json(&a))).into_response())
}

async fn delete_action(
    State(app): State<AppState>,
    Admin(ctx, p): Admin,
    P((symbol, ex_date, kind)): P<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    find_instrument(&app, &symbol).await?;
    if check_date("ex_date", &ex_date).is_err() || !["split", "dividend"].contains(&kind.as_str()) {
        return Err(ApiError::NoSuchResource("corporate action"));
    }
    if !app.store.delete_action(&symbol, &ex_date, &kind).await? {
        return Err(ApiError::NoSuchResource("corporate action"));
    }
    audit(
        &app,
        &ctx,
        Some(&p.user.id),
        "action.delete",
        Some(&symbol),
        json!({"ex_date": ex_date, "kind": kind}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- functions over stored bars -----------------------------------------------------------------

/// The bar fields a declared input can be fed from: `open`, `high`, `low`, `close`, `volume`,
/// `real` (the close) and `returns` (close-to-close simple returns).
pub const BAR_INPUTS: [&str; 7] = ["open", "high", "low", "close", "volume", "real", "returns"];

/// Whether every input of a declaration can be fed from stored bars.
#[must_use]
pub fn over_bars(decl: &FunctionDecl) -> bool {
    use sextant_core::decl::InputKind;
    !decl.inputs.is_empty()
        && decl.inputs.iter().all(|i| i.kind == InputKind::Series && BAR_INPUTS.contains(&i.name))
}

/// The declarations computable over stored bars: `ta` first, then the other modules.
pub fn bar_functions() -> impl Iterator<Item = &'static FunctionDecl> {
    REGISTRY.iter().copied().filter(|d| over_bars(d))
}

fn find_bar_function(name: &str) -> Option<&'static FunctionDecl> {
    registry::find("ta", name)
        .filter(|d| over_bars(d))
        .or_else(|| bar_functions().find(|d| d.name == name))
}

/// A query value as a JSON parameter: integer, float, boolean, null or text.
fn query_value(s: &str) -> JsonValue {
    if let Ok(i) = s.parse::<i64>() {
        return json!(i);
    }
    if let Ok(f) = s.parse::<f64>() {
        if f.is_finite() {
            return json!(f);
        }
    }
    match s {
        "true" => json!(true),
        "false" => json!(false),
        "null" => JsonValue::Null,
        _ => json!(s),
    }
}

async fn indicator(
    State(app): State<AppState>,
    _: Authed,
    P((symbol, name)): P<(String, String)>,
    Q(mut q): Q<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let decl = find_bar_function(&name)
        .ok_or(ApiError::UnknownFunction { module: "ta".into(), name: name.clone() })?;
    // the whole query (sorted by the map) names the response
    let mut cache_key = format!("{symbol}\u{0}{name}");
    for (k, v) in &q {
        cache_key.push_str(&format!("\u{0}{k}={v}"));
    }
    let version = app.store.bars_version(&symbol).await?;
    if let Some(body) = version.and_then(|v| app.responses.get(&cache_key, v)) {
        return Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response());
    }
    let iv = Interval::parse("interval", q.remove("interval").as_deref().unwrap_or("1d"))?;
    let to_iv = q.remove("resample").map(|s| Interval::parse("resample", &s)).transpose()?;
    if let Some(t) = to_iv {
        if t != iv && !iv.resamples_to(t) {
            return Err(bad(
                "resample",
                format!("{} bars cannot be resampled to {}", iv.as_str(), t.as_str()),
            ));
        }
    }
    let r = range(q.remove("from").as_deref(), q.remove("to").as_deref())?;
    let adjusted = match q.remove("adjusted").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(bad("adjusted", "must be true or false")),
    };
    let calendar = parse_calendar(q.remove("calendar").as_deref())?;
    let inst = find_instrument(&app, &symbol).await?;
    let (bars, _) = load_bars(&app, &inst, iv, r, adjusted, to_iv, calendar.as_ref()).await?;
    let wants_returns = decl.inputs.iter().any(|i| i.name == "returns");
    let skip = usize::from(wants_returns && !bars.is_empty());
    let params: Map<String, JsonValue> =
        q.iter().map(|(k, v)| (k.clone(), query_value(v))).collect();
    let mut inputs = Map::new();
    for i in decl.inputs {
        let col: Vec<JsonValue> = match i.name {
            "returns" => bars
                .windows(2)
                .map(|w| convert::f64_to_json(w[1].bar.close / w[0].bar.close - 1.0))
                .collect(),
            field => bars[skip..]
                .iter()
                .map(|b| {
                    convert::f64_to_json(match field {
                        "open" => b.bar.open,
                        "high" => b.bar.high,
                        "low" => b.bar.low,
                        "volume" => b.bar.volume,
                        _ => b.bar.close,
                    })
                })
                .collect(),
        };
        inputs.insert(i.name.to_owned(), JsonValue::Array(col));
    }
    let ts: Vec<String> = bars[skip..].iter().map(|b| format_time(b.bar.ts)).collect();
    let req = ComputeRequest { inputs, params };
    let out = tokio::task::spawn_blocking(move || convert::compute(decl, &req))
        .await
        .map_err(|e| ApiError::Internal(format!("compute task failed: {e}")))??;
    let mut body = serde_json::to_value(&out).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["symbol"] = json!(symbol);
    body["interval"] = json!(to_iv.unwrap_or(iv).as_str());
    body["adjusted"] = json!(adjusted);
    body["ts"] = json!(ts);
    let bytes =
        Bytes::from(serde_json::to_vec(&body).map_err(|e| ApiError::Internal(e.to_string()))?);
    if let Some(v) = version {
        app.responses.put(cache_key, v, bytes.clone(), bytes.len());
    }
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// The market-data routes (all under the gate; reads need a signed-in caller, writes the admin
/// tier).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/instruments", get(list_instruments).post(create_instrument))
        .route(
            "/v1/instruments/{symbol}",
            get(get_instrument).put(update_instrument).delete(delete_instrument),
        )
        .route("/v1/instruments/{symbol}/bars", get(get_bars).post(ingest_bars))
        .route("/v1/instruments/{symbol}/quote", get(quote))
        .route("/v1/instruments/{symbol}/actions", get(list_actions).post(put_action))
        .route("/v1/instruments/{symbol}/actions/{ex_date}/{kind}", delete(delete_action))
        .route("/v1/instruments/{symbol}/indicators/{name}", get(indicator))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(ts: i64, o: f64, h: f64, l: f64, c: f64, v: f64) -> Bar {
        Bar { ts, open: o, high: h, low: l, close: c, volume: v }
    }

    #[test]
    fn resample_days_to_iso_weeks_and_months() {
        // 2024-01-29 (Mon) .. 2024-02-02 (Fri), then Mon 2024-02-05
        let day = |d: &str| parse_time(d).unwrap();
        let bars = [
            b(day("2024-01-29"), 10.0, 12.0, 9.0, 11.0, 100.0),
            b(day("2024-01-31"), 11.0, 15.0, 10.0, 14.0, 200.0),
            b(day("2024-02-01"), 14.0, 14.5, 8.0, 9.0, 300.0),
            b(day("2024-02-05"), 9.0, 9.5, 8.5, 9.25, 50.0),
        ];
        let w = resample(&bars, Interval::D1, Interval::W1, Zone::Fixed(-300));
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].bar, b(day("2024-01-29"), 10.0, 15.0, 8.0, 9.0, 600.0));
        assert_eq!(w[0].count, 3);
        assert_eq!(w[1].bar, b(day("2024-02-05"), 9.0, 9.5, 8.5, 9.25, 50.0));
        let m = resample(&bars, Interval::D1, Interval::Mo1, Zone::Fixed(0));
        assert_eq!(m[0].bar, b(day("2024-01-01"), 10.0, 15.0, 9.0, 14.0, 300.0));
        assert_eq!(m[1].bar, b(day("2024-02-01"), 14.0, 14.5, 8.0, 9.25, 350.0));
    }

    /// The direct digits equal chrono's strftime ("%Y-%m-%dT%H:%M:%SZ") from year 0 to 9999.
    #[test]
    fn format_time_equals_strftime() {
        let mut ts = -62_167_219_200_i64; // 0000-01-01
        while ts < 253_402_300_800 {
            let want = DateTime::<Utc>::from_timestamp(ts, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(format_time(ts), want);
            ts += 7_777_777 + ts.rem_euclid(86_399);
        }
        assert_eq!(format_time(1_709_164_800), "2024-02-29T00:00:00Z");
    }

    /// XNYS in January 2024 (the NYSE calendar, as `exchange_calendars` has it): closed on
    /// Monday 1 January (New Year) and Monday 15 January (Martin Luther King Jr. Day), so the
    /// month has 21 sessions and the week of the 15th has 4, starting on Tuesday the 16th.
    #[test]
    fn resample_on_the_nyse_calendar() {
        let day = |d: &str| parse_time(d).unwrap();
        let cal: Calendar = serde_json::from_str("\"XNYS\"").unwrap();
        let bars = [
            b(day("2024-01-12"), 10.0, 11.0, 9.0, 10.5, 1.0),
            b(day("2024-01-13"), 99.0, 99.0, 99.0, 99.0, 9.0), // a Saturday: left out
            b(day("2024-01-15"), 98.0, 98.0, 98.0, 98.0, 9.0), // the holiday: left out
            b(day("2024-01-16"), 10.5, 12.0, 10.0, 11.0, 2.0),
            b(day("2024-01-18"), 11.0, 13.0, 10.5, 12.5, 3.0),
        ];
        let (w, excluded) =
            resample_on_calendar(&bars, Interval::D1, Some(Interval::W1), Zone::Fixed(0), &cal)
                .unwrap();
        assert_eq!(excluded, 2);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].bar, b(day("2024-01-08"), 10.0, 11.0, 9.0, 10.5, 1.0));
        assert_eq!((w[0].count, w[0].sessions), (1, Some(5)));
        assert_eq!(w[1].bar, b(day("2024-01-16"), 10.5, 13.0, 10.0, 12.5, 5.0));
        assert_eq!((w[1].count, w[1].sessions), (2, Some(4)));
        let (m, _) =
            resample_on_calendar(&bars, Interval::D1, Some(Interval::Mo1), Zone::Fixed(0), &cal)
                .unwrap();
        assert_eq!(m[0].bar, b(day("2024-01-02"), 10.0, 13.0, 9.0, 12.5, 6.0));
        assert_eq!((m[0].count, m[0].sessions), (3, Some(21)));
        // intraday bars on the holiday are left out of the daily buckets
        let minute = |d: &str, hm: i64| day(d) + 14 * 3600 + 60 * hm;
        let intraday = [
            b(minute("2024-01-15", 31), 5.0, 5.0, 5.0, 5.0, 1.0),
            b(minute("2024-01-16", 30), 6.0, 7.0, 5.5, 6.5, 1.0),
            b(minute("2024-01-16", 31), 6.5, 8.0, 6.0, 7.5, 2.0),
        ];
        let ny = Zone::Iana(chrono_tz::America::New_York);
        let (d, excluded) =
            resample_on_calendar(&intraday, Interval::M1, Some(Interval::D1), ny, &cal).unwrap();
        assert_eq!(excluded, 1);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].bar, b(day("2024-01-16"), 6.0, 8.0, 5.5, 7.5, 3.0));
        assert_eq!((d[0].count, d[0].sessions), (2, Some(1)));
        // outside the calendar's years: a message naming the range
        let old = [b(day("1999-12-31"), 1.0, 1.0, 1.0, 1.0, 1.0)];
        let err = resample_on_calendar(&old, Interval::D1, None, Zone::Fixed(0), &cal).unwrap_err();
        assert!(err.contains("2000-2099"), "{err}");
        assert!(parse_calendar(Some("LSE")).is_err());
        assert_eq!(parse_calendar(Some("weekdays")).unwrap(), Some(Calendar::default()));
    }

    #[test]
    fn intraday_buckets_follow_the_exchange_offset() {
        // 09:30 local at UTC-5 is 14:30 UTC; hourly buckets start on the local hour.
        let t = parse_time("2024-03-01T14:30:00Z").unwrap();
        assert_eq!(
            format_time(bucket(t, Interval::M1, Interval::H1, Zone::Fixed(-300))),
            "2024-03-01T14:00:00Z"
        );
        assert_eq!(
            format_time(bucket(t, Interval::M1, Interval::H1, Zone::Fixed(330))),
            "2024-03-01T14:30:00Z"
        );
        // the local date of 23:30 UTC at UTC+5:30 is the next day
        let late = parse_time("2024-03-01T23:30:00Z").unwrap();
        assert_eq!(
            format_time(bucket(late, Interval::M1, Interval::D1, Zone::Fixed(330))),
            "2024-03-02T00:00:00Z"
        );
        assert!(
            Interval::M1.resamples_to(Interval::M5) && !Interval::M5.resamples_to(Interval::M1)
        );
        assert!(
            !Interval::W1.resamples_to(Interval::Mo1) && Interval::D1.resamples_to(Interval::Mo1)
        );
    }

    #[test]
    fn split_and_dividend_back_adjustment() {
        let day = |d: &str| parse_time(d).unwrap();
        let mut bars = vec![
            b(day("2024-01-02"), 100.0, 100.0, 100.0, 100.0, 10.0),
            b(day("2024-01-03"), 200.0, 200.0, 200.0, 200.0, 10.0),
            b(day("2024-01-04"), 100.0, 100.0, 100.0, 100.0, 20.0),
        ];
        let act = |d: &str, k: &str, n: Option<i64>, a: Option<&str>| CorporateAction {
            symbol: "X".into(),
            ex_date: d.into(),
            kind: k.into(),
            numerator: n,
            denominator: n.map(|_| 1),
            amount: a.map(str::to_owned),
            created_at: 0,
        };
        // 2-for-1 on the 4th; a 2.0 dividend on the 3rd (close before: 100 -> factor 0.98)
        adjust(
            &mut bars,
            &[
                act("2024-01-03", "dividend", None, Some("2")),
                act("2024-01-04", "split", Some(2), None),
            ],
            Interval::D1,
            Zone::Fixed(0),
        );
        assert!((bars[0].close - 100.0 * 0.98 * 0.5).abs() < 1e-12);
        assert!((bars[0].volume - 20.0).abs() < 1e-12);
        assert!((bars[1].close - 100.0).abs() < 1e-12);
        assert!((bars[2].close - 100.0).abs() < 1e-12);
    }

    #[test]
    fn offsets_and_zones() {
        assert_eq!(parse_offset("+05:30"), Some(330));
        assert_eq!(parse_offset("UTC-04:00"), Some(-240));
        assert_eq!(parse_offset("05:30"), None);
        assert_eq!(
            resolve_zone("America/New_York", None).unwrap(),
            (Some("America/New_York".into()), -300)
        );
        assert!(resolve_zone("Pacific/Nowhere", None).is_err());
        assert!(resolve_zone("Pacific/Nowhere", Some(600)).is_err());
        assert!(resolve_zone("../etc", None).is_err());
        // a zone not built in: its standard offset from the IANA database
        assert_eq!(resolve_zone("America/Denver", None).unwrap().1, -420);
        assert_eq!(resolve_zone("Asia/Kathmandu", None).unwrap().1, 345);
    }

    #[test]
    fn intraday_buckets_follow_daylight_saving_in_an_iana_zone() {
        let ny = Zone::Iana(chrono_tz::America::New_York);
        // 04:00 UTC is 23:00 EST the day before in January, 00:00 EDT the same day in March
        // (DST began on 2024-03-10); a fixed -05:00 puts both on the day before.
        let winter = parse_time("2024-01-10T04:00:00Z").unwrap();
        let summer = parse_time("2024-03-12T04:00:00Z").unwrap();
        let d = |t| format_time(bucket(t, Interval::H1, Interval::D1, ny));
        assert_eq!(
            (d(winter).as_str(), d(summer).as_str()),
            ("2024-01-09T00:00:00Z", "2024-03-12T00:00:00Z")
        );
        assert_eq!(
            format_time(bucket(summer, Interval::H1, Interval::D1, Zone::Fixed(-300))),
            "2024-03-11T00:00:00Z"
        );
        // the New York open, 09:30 local, is 14:30 UTC in winter and 13:30 UTC in summer: both
        // fall in the local 09:00 hourly bucket
        let h =
            |t: &str| format_time(bucket(parse_time(t).unwrap(), Interval::M1, Interval::H1, ny));
        assert_eq!(h("2024-01-10T14:30:00Z"), "2024-01-10T14:00:00Z");
        assert_eq!(h("2024-03-12T13:30:00Z"), "2024-03-12T13:00:00Z");
        assert_eq!(ny.offset_at(summer), -4 * 3600);
    }
}
