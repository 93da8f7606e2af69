//! Alerts on an instrument's daily news sentiment (issue #16): `POST /v1/alerts` with
//! `{"symbol", "sentiment": {"measure", "half_life_hours"}, "op", "level" | "band"}`.
//!
//! The value is the latest trading day's row of the core's daily aggregate
//! ([`sextant_core::sentiment::aggregate`]) over the instrument's stored news mentions, exactly
//! as `GET /v1/instruments/{symbol}/sentiment` gives it (`mean`, or the time-decayed mean
//! `decayed`): the day of the newest stored item that mentions the instrument. It is evaluated
//! after every news ingest that mentions the instrument, with the same side rule as the other
//! alerts (the first value only sets the side; a change of side that matches the operator fires
//! once). The side moves with a conditional update (`WHERE side = previous`), so two ingests, on
//! one instance or on several, never fire the same crossing twice. Stored in `rt_alerts` with
//! the interval column `news` (the quote engine does not load them); listed, read, deleted and
//! their events paged like every alert.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value as Json};

use super::engine::{Condition, Right};
use super::hub::topic_alerts;
use crate::app::{now_unix, AppState};
use crate::error::ApiError;
use crate::store::{AlertEventRec, AlertRec, InstrumentRec, NewsMention, NewsRec};

/// The interval column of sentiment alerts.
pub const FREQ: &str = "news";

fn bad(reason: impl Into<String>) -> ApiError {
    ApiError::InvalidField { field: "sentiment", reason: reason.into() }
}

/// Which column of the daily aggregate an alert reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// The mean score of the day's items.
    Mean,
    /// The time-decayed mean of every item up to the day's close.
    Decayed,
}

/// A parsed sentiment alert.
#[derive(Debug, Clone)]
pub struct SentimentAlert {
    /// The column read.
    pub measure: Measure,
    /// Half-life of the decayed mean, in hours (default 24).
    pub half_life_hours: f64,
    /// Operator and level or band.
    pub cond: Condition,
}

/// Parses and validates the spec of a sentiment alert (the body without `symbol`).
pub fn parse(spec: &Map<String, Json>) -> Result<SentimentAlert, ApiError> {
    for k in ["indicator", "ref", "on", "interval"] {
        if spec.get(k).is_some_and(|v| !v.is_null()) {
            return Err(bad(format!(
                "a sentiment alert takes `op` with `level` or `band`, not `{k}`"
            )));
        }
    }
    let s = spec
        .get("sentiment")
        .and_then(Json::as_object)
        .ok_or_else(|| bad("must be an object: {\"measure\": \"mean\" or \"decayed\"}"))?;
    if let Some(k) = s.keys().find(|k| !matches!(k.as_str(), "measure" | "half_life_hours")) {
        return Err(bad(format!("unknown key `{k}` (measure, half_life_hours)")));
    }
    let measure = match s.get("measure") {
        None | Some(Json::Null) => Measure::Mean,
        Some(Json::String(m)) if m == "mean" => Measure::Mean,
        Some(Json::String(m)) if m == "decayed" => Measure::Decayed,
        _ => return Err(bad("`measure` must be `mean` or `decayed`")),
    };
    let half_life_hours = match s.get("half_life_hours") {
        None | Some(Json::Null) => 24.0,
        Some(v) => v
            .as_f64()
            .filter(|h| h.is_finite() && (0.01..=87_600.0).contains(h))
            .ok_or_else(|| bad("`half_life_hours` must be between 0.01 and 87600"))?,
    };
    let cond = Condition::parse(spec)?;
    if matches!(cond.right, Right::Ind(_)) {
        return Err(bad("a sentiment alert compares with a `level` or a `band`"));
    }
    Ok(SentimentAlert { measure, half_life_hours, cond })
}

/// Validates, checks the instrument and the user's limit, and stores a sentiment alert.
pub async fn create(
    app: &AppState,
    user_id: &str,
    symbol: String,
    spec: Map<String, Json>,
) -> Result<AlertRec, ApiError> {
    parse(&spec)?;
    if app.store.instrument(&symbol).await?.is_none() {
        return Err(ApiError::NoSuchResource("instrument"));
    }
    let max = app.options.realtime.max_alerts_per_user;
    let have =
        app.store.alerts_of(Some(user_id), i64::try_from(max).unwrap_or(i64::MAX), 0).await?;
    if have.len() >= max {
        return Err(ApiError::Conflict(format!("{max} alerts, the most one account may have")));
    }
    let rec = AlertRec {
        id: crate::auth::random_id(),
        user_id: user_id.to_owned(),
        symbol,
        interval: FREQ.to_owned(),
        spec: Json::Object(spec).to_string(),
        side: 0,
        fired_count: 0,
        last_fired_at: None,
        created_at: now_unix(),
    };
    app.store.create_alert(&rec).await?;
    Ok(rec)
}

/// After a news ingest: evaluates the sentiment alerts of every instrument the items mention.
/// Failures are logged (the news is stored already).
pub async fn on_news(app: &AppState, items: &[(NewsRec, Vec<NewsMention>)]) {
    let mut symbols: Vec<&str> =
        items.iter().flat_map(|(_, m)| m.iter().map(|x| x.symbol.as_str())).collect();
    symbols.sort_unstable();
    symbols.dedup();
    for s in symbols {
        if let Err(e) = evaluate(app, s).await {
            tracing::warn!(error = %e, symbol = s, "sentiment alerts: evaluation failed");
        }
    }
}

/// The latest day's value of the instrument's daily sentiment and the newest item's time.
async fn latest(
    app: &AppState,
    inst: &InstrumentRec,
    measure: Measure,
    half_life: f64,
) -> Result<Option<(i64, f64)>, ApiError> {
    let newest = app.store.news_of(&inst.symbol, i64::MIN, i64::MAX, true, 1, 0).await?;
    let Some((n, _)) = newest.first() else { return Ok(None) };
    let at = n.published_at;
    // the newest item's trading day is within the two days before it (a weekend or holiday
    // moves an item to the next trading day, never earlier)
    let (rows, _, _) = crate::news::daily_rows(
        &app.store,
        inst,
        at.saturating_sub(2 * 86_400),
        i64::MAX,
        half_life,
        None,
        None,
    )
    .await?;
    Ok(rows.last().map(|d| {
        (
            at,
            match measure {
                Measure::Mean => d.mean,
                Measure::Decayed => d.decayed,
            },
        )
    }))
}

async fn evaluate(app: &AppState, symbol: &str) -> Result<(), ApiError> {
    let alerts = app.store.alerts_on(symbol, FREQ).await?;
    if alerts.is_empty() {
        return Ok(());
    }
    let Some(inst) = app.store.instrument(symbol).await? else { return Ok(()) };
    let mut values: HashMap<(bool, u64), Option<(i64, f64)>> = HashMap::new();
    for a in &alerts {
        let Ok(s) = parse(&super::spec_object(a)) else { continue };
        let key = (s.measure == Measure::Mean, s.half_life_hours.to_bits());
        let v = match values.get(&key) {
            Some(v) => *v,
            None => {
                let v = latest(app, &inst, s.measure, s.half_life_hours).await?;
                values.insert(key, v);
                v
            }
        };
        let Some((ts, x)) = v else { continue };
        let level = match s.cond.right {
            Right::Level(l) => l,
            Right::Band(lo, _) => lo, // the band's side ignores it
            Right::Ind(_) => continue,
        };
        let Some(next) = s.cond.side(x, level, a.side) else { continue };
        if next == a.side {
            continue;
        }
        let event = s.cond.fires(a.side, next).map(|direction| AlertEventRec {
            id: crate::auth::random_id(),
            alert_id: a.id.clone(),
            user_id: a.user_id.clone(),
            symbol: a.symbol.clone(),
            ts,
            direction: direction.to_owned(),
            value: x,
            // the band edge nearest to the value, as for the other alerts
            threshold: match s.cond.right {
                Right::Band(lo, hi) if (x - lo).abs() <= (x - hi).abs() => lo,
                Right::Band(_, hi) => hi,
                _ => level,
            },
            created_at: now_unix(),
        });
        if app.store.alert_side_if(&a.id, a.side, next, event.as_ref()).await? {
            if let Some(e) = event {
                let text: Arc<str> = Arc::from(super::event_json(&e).to_string());
                app.realtime.publish(&topic_alerts(&e.user_id), &text);
            }
        }
    }
    Ok(())
}
