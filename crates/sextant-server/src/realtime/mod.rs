//! Real time: live quotes in (`POST /v1/quotes`, or a `quotes` message on the WebSocket), the
//! forming candle per (instrument, interval) updated in place, streaming indicator states from
//! the core's declarations, alerts evaluated on every update, and per-user live streams over
//! `GET /v1/stream`. Rules, limits and message formats: docs/realtime.md.
//!
//! - [`engine`]: candles, indicator states and alert conditions (no I/O);
//! - [`hub`]: the ingest under one lock (apply, commit to the store, publish), subscriptions
//!   and bounded per-client queues;
//! - [`ws`]: the WebSocket protocol;
//! - [`routes`]: the HTTP routes (quotes, alerts, alert events).

pub mod engine;
pub mod fanout;
pub mod hub;
pub mod portfolio;
pub mod replay;
pub mod sentiment;
pub mod ws;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json_};

use crate::accounts::{Admin, Authed, Q};
use crate::app::{check_json_content_type, now_unix, AppState};
use crate::error::ApiError;
use crate::market::{self, Interval, P};
use crate::store::{AlertEventRec, AlertRec};

pub use hub::Hub;

/// Settings of the real-time layer.
#[derive(Debug, Clone)]
pub struct RealtimeOptions {
    /// The intervals candles are built for from quotes (default `1m`).
    pub intervals: Vec<Interval>,
    /// At most one quote event per instrument per this period on the streams (the latest wins;
    /// zero: every quote).
    pub quote_throttle: Duration,
    /// Events queued per client before the client is skipped ahead (events dropped, a `lagged`
    /// notice sent).
    pub queue_capacity: usize,
    /// Dropped events after which a slow client is disconnected (close code 4008).
    pub max_dropped: u64,
    /// Subscriptions per connection (close code 4029 above).
    pub max_subscriptions: usize,
    /// Largest accepted client message in bytes (close code 1009 above).
    pub max_message_bytes: usize,
    /// Largest server frame in bytes: event batches are split to stay under it.
    pub max_frame_bytes: usize,
    /// Period of heartbeat messages.
    pub heartbeat: Duration,
    /// The frames of one wake-up (the events queued for the client, in frames of at most
    /// `max_frame_bytes`) not written within this time drop the client (close code 4008).
    pub write_timeout: Duration,
    /// Invalid client messages before the connection is closed (close code 4400).
    pub max_invalid_messages: u32,
    /// Streaming indicator states in the whole server.
    pub max_streams: usize,
    /// Alerts per user.
    pub max_alerts_per_user: usize,
    /// Quotes per request or message.
    pub max_quotes: usize,
    /// Messages a WebSocket client may send before their answers come (a feed sends its next
    /// `quotes` message while the last one is committed); the connection reads no further
    /// message until an answer is sent. Answers keep the order of the messages.
    pub max_pipelined: usize,
    /// A quote file replayed in the background once the server runs (`--replay-quotes`).
    pub replay: Option<replay::ReplaySource>,
    /// Fan-out of live events to the other instances on the same PostgreSQL (LISTEN/NOTIFY;
    /// [`fanout`]). No effect on SQLite.
    pub fanout: bool,
    /// This instance's name in the fan-out (`/ready`, the listener's `application_name`); a
    /// random suffix is added. Random when `None`.
    pub instance: Option<String>,
    /// Wait before the fan-out reconnects a lost listener.
    pub fanout_retry: Duration,
}

impl Default for RealtimeOptions {
    fn default() -> Self {
        Self {
            intervals: vec![Interval::M1],
            quote_throttle: Duration::ZERO,
            queue_capacity: 4096,
            max_dropped: 65_536,
            max_subscriptions: 256,
            max_message_bytes: 1 << 20,
            max_frame_bytes: 256 * 1024,
            heartbeat: Duration::from_secs(15),
            write_timeout: Duration::from_secs(10),
            max_invalid_messages: 16,
            max_streams: 200_000,
            max_alerts_per_user: 20_000,
            max_quotes: 100_000,
            max_pipelined: 16,
            replay: None,
            fanout: true,
            instance: None,
            fanout_retry: Duration::from_secs(1),
        }
    }
}

/// One quote (tick).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    /// Event time, unix seconds (fractions allowed).
    pub ts: f64,
    /// Trade or mid price.
    pub price: f64,
    /// Size (0 when not given).
    pub volume: f64,
}

/// Parsed quotes `(row, symbol, quote)` and the refused rows `{row, reason}`.
pub type Parsed = (Vec<(usize, String, Quote)>, Vec<Json_>);

/// Earliest and latest accepted quote times (1970 to 2200).
const TS_RANGE: std::ops::RangeInclusive<f64> = 0.0..=7_258_118_400.0;

/// Parses `{"quotes": [{"symbol", "ts", "price", "volume"?}, ...]}`: `ts` is unix seconds
/// or an RFC 3339 / ISO date-time text. All or nothing: any invalid row is a 422 listing every
/// invalid row (1-based). Returns the quotes with their rows (0-based); the second list is
/// empty (rows refused later, for an unknown instrument, are added to it by the ingest).
pub fn parse_quotes(body: &Json_, max: usize) -> Result<Parsed, ApiError> {
    let bad = |reason: &str| ApiError::InvalidField { field: "quotes", reason: reason.into() };
    let obj = body.as_object().ok_or_else(|| bad("the body must be {\"quotes\": [...]}"))?;
    if let Some(k) = obj.keys().find(|k| k.as_str() != "quotes") {
        return Err(ApiError::InvalidField {
            field: "quotes",
            reason: format!("unknown key `{k}`"),
        });
    }
    let list = obj.get("quotes").and_then(Json_::as_array).ok_or_else(|| bad("must be a list"))?;
    if list.len() > max {
        return Err(bad(&format!("at most {max} quotes per request")));
    }
    let mut ok = Vec::with_capacity(list.len());
    let mut errors = Vec::new();
    for (row, q) in list.iter().enumerate() {
        match parse_quote(q) {
            Ok((s, q)) => ok.push((row, s, q)),
            Err((column, reason)) => {
                errors.push(crate::csv::RowError::new(row + 1, column, reason));
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::InvalidRows { what: "quotes", rows: errors });
    }
    Ok((ok, Vec::new()))
}

fn parse_quote(q: &Json_) -> Result<(String, Quote), (Option<&'static str>, String)> {
    let o = q.as_object().ok_or((None, "must be an object".to_owned()))?;
    if let Some(k) = o.keys().find(|k| !matches!(k.as_str(), "symbol" | "ts" | "price" | "volume"))
    {
        return Err((None, format!("unknown key `{k}`")));
    }
    let symbol =
        o.get("symbol").and_then(Json_::as_str).ok_or((Some("symbol"), "required text".into()))?;
    market::check_symbol("symbol", symbol).map_err(|e| (Some("symbol"), e.to_string()))?;
    let ts = match o.get("ts") {
        Some(Json_::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        #[allow(clippy::cast_precision_loss)]
        Some(Json_::String(s)) => market::parse_time(s).map_or(f64::NAN, |t| t as f64),
        _ => f64::NAN,
    };
    if !TS_RANGE.contains(&ts) {
        return Err((Some("ts"), "unix seconds or an ISO 8601 time, from 1970 to 2200".into()));
    }
    let price = o.get("price").and_then(Json_::as_f64).unwrap_or(f64::NAN);
    if !price.is_finite() || price <= 0.0 {
        return Err((Some("price"), "a finite positive number".into()));
    }
    let volume = match o.get("volume") {
        None | Some(Json_::Null) => 0.0,
        Some(v) => v.as_f64().unwrap_or(f64::NAN),
    };
    if !volume.is_finite() || volume < 0.0 {
        return Err((Some("volume"), "a finite number, not negative".into()));
    }
    Ok((symbol.to_owned(), Quote { ts, price, volume }))
}

async fn post_quotes(
    State(app): State<AppState>,
    _: Admin,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_json_content_type(&headers)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge { limit: app.options.body_limit }
        } else {
            ApiError::BadBody(e.body_text())
        }
    })?;
    let v: Json_ =
        serde_json::from_slice(&body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    let (quotes, refused) = parse_quotes(&v, app.options.realtime.max_quotes)?;
    let report = app.realtime.ingest(&app.store, quotes, refused).await?;
    Ok(Json(report).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayQuery {
    #[serde(default)]
    speed: Option<String>,
}

/// `POST /v1/quotes/replay?speed=N` (admin): a CSV file of quotes (`symbol,ts,price[,volume]`)
/// fed to the ingest at a speed (`max`, or a factor: 1 = real time); answers when it ends.
async fn replay_quotes(
    State(app): State<AppState>,
    _: Admin,
    Q(q): Q<ReplayQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (body, csv_body) = crate::market::read_upload(&app, &headers, body)?;
    if !csv_body {
        return Err(ApiError::UnsupportedMediaType("a quote replay takes `text/csv`".into()));
    }
    let speed = replay::Speed::parse(q.speed.as_deref().unwrap_or("max"))?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::InvalidField { field: "csv", reason: "not UTF-8".into() })?;
    let quotes = replay::parse_csv(text)?;
    let report = replay::replay(&app.realtime, &app.store, quotes, speed).await?;
    Ok(Json(report.to_json()).into_response())
}

// --- alerts -------------------------------------------------------------------------------------

fn alert_json(a: &AlertRec) -> Json_ {
    let spec: Json_ = serde_json::from_str(&a.spec).unwrap_or(Json_::Null);
    let mut v = json!({"id": a.id, "symbol": a.symbol, "interval": a.interval,
        "side": a.side, "fired_count": a.fired_count,
        "last_fired_at": a.last_fired_at.map(market::format_time),
        "created_at": market::format_time(a.created_at)});
    if let (Json_::Object(m), Json_::Object(s)) = (&mut v, spec) {
        for (k, x) in s {
            m.entry(k).or_insert(x);
        }
    }
    v
}

pub(crate) fn event_json(e: &AlertEventRec) -> Json_ {
    json!({"type": "alert", "id": e.id, "alert_id": e.alert_id, "symbol": e.symbol,
        "ts": market::format_time(e.ts), "direction": e.direction,
        "value": crate::convert::f64_to_json(e.value),
        "threshold": crate::convert::f64_to_json(e.threshold),
        "created_at": market::format_time(e.created_at)})
}

async fn create_alert(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_json_content_type(&headers)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge { limit: app.options.body_limit }
        } else {
            ApiError::BadBody(e.body_text())
        }
    })?;
    let v: Json_ =
        serde_json::from_slice(&body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    let Json_::Object(mut spec) = v else {
        return Err(ApiError::InvalidBody("the body must be a JSON object".into()));
    };
    for k in spec.keys() {
        if !matches!(
            k.as_str(),
            "symbol"
                | "interval"
                | "indicator"
                | "op"
                | "level"
                | "ref"
                | "band"
                | "on"
                | "note"
                | "sentiment"
        ) {
            return Err(ApiError::InvalidField {
                field: "body",
                reason: format!("unknown key `{k}`"),
            });
        }
    }
    let symbol = match spec.remove("symbol") {
        Some(Json_::String(s)) => s,
        _ => return Err(ApiError::InvalidField { field: "symbol", reason: "required".into() }),
    };
    market::check_symbol("symbol", &symbol)?;
    if let Some(n) = spec.get("note") {
        if n.as_str().is_none_or(|s| s.chars().count() > 200) {
            return Err(ApiError::InvalidField {
                field: "note",
                reason: "a text of at most 200 characters".into(),
            });
        }
    }
    if spec.contains_key("sentiment") {
        // daily news sentiment, evaluated on news ingest (realtime/sentiment.rs)
        let rec = sentiment::create(&app, &p.user.id, symbol, spec).await?;
        return Ok((StatusCode::CREATED, Json(alert_json(&rec))).into_response());
    }
    let interval = match spec.remove("interval") {
        None | Some(Json_::Null) => {
            app.options.realtime.intervals.first().copied().unwrap_or(Interval::M1)
        }
        Some(Json_::String(s)) => Interval::parse("interval", &s)?,
        Some(_) => {
            return Err(ApiError::InvalidField {
                field: "interval",
                reason: "must be a string".into(),
            })
        }
    };
    let cond = engine::Condition::parse(&spec)?;
    let rec = AlertRec {
        id: crate::auth::random_id(),
        user_id: p.user.id.clone(),
        symbol,
        interval: interval.as_str().to_owned(),
        spec: Json_::Object(spec).to_string(),
        side: 0,
        fired_count: 0,
        last_fired_at: None,
        created_at: now_unix(),
    };
    app.realtime.add_alert(&app.store, &rec, cond, interval).await?;
    Ok((StatusCode::CREATED, Json(alert_json(&rec))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventQuery {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    alert_id: Option<String>,
}

async fn list_alerts(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    Q(q): Q<PageQuery>,
) -> Result<Response, ApiError> {
    let (limit, offset) = market::page(q.limit, q.offset, 100, 1000)?;
    let mut rows = app.store.alerts_of(Some(&p.user.id), limit + 1, offset).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(Json(market::paged(rows.iter().map(alert_json).collect(), limit, offset, more))
        .into_response())
}

async fn own_alert(app: &AppState, user_id: &str, id: &str) -> Result<AlertRec, ApiError> {
    if !market::is_record_id(id) {
        return Err(ApiError::NoSuchResource("alert"));
    }
    match app.store.alert(id).await? {
        Some(a) if a.user_id == user_id => Ok(a),
        _ => Err(ApiError::NoSuchResource("alert")),
    }
}

async fn get_alert(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
) -> Result<Response, ApiError> {
    let a = own_alert(&app, &p.user.id, &id).await?;
    Ok(Json(alert_json(&a)).into_response())
}

async fn delete_alert(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
) -> Result<Response, ApiError> {
    let a = own_alert(&app, &p.user.id, &id).await?;
    if a.interval == sentiment::FREQ {
        app.store.delete_alert(&a.id).await?; // not loaded by the quote engine
    } else {
        app.realtime.remove_alert(&app.store, &a).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_events(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    Q(q): Q<EventQuery>,
) -> Result<Response, ApiError> {
    let (limit, offset) = market::page(q.limit, q.offset, 100, 1000)?;
    if let Some(id) = &q.alert_id {
        own_alert(&app, &p.user.id, id).await?;
    }
    let mut rows =
        app.store.alert_events(&p.user.id, q.alert_id.as_deref(), limit + 1, offset).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(Json(market::paged(rows.iter().map(event_json).collect(), limit, offset, more))
        .into_response())
}

/// A JSON object of the spec as posted, for messages.
#[must_use]
pub fn spec_object(a: &AlertRec) -> Map<String, Json_> {
    match serde_json::from_str(&a.spec) {
        Ok(Json_::Object(m)) => m,
        _ => Map::new(),
    }
}

/// The real-time routes (under the gate).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/quotes", axum::routing::post(post_quotes))
        .route("/v1/quotes/replay", axum::routing::post(replay_quotes))
        .route("/v1/alerts", get(list_alerts).post(create_alert))
        .route("/v1/alerts/events", get(list_events))
        .route("/v1/alerts/{id}", get(get_alert).delete(delete_alert))
        .route("/v1/stream", get(ws::stream))
}
