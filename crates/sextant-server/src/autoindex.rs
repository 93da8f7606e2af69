//! AutoIndex as a service: per-user strategies (the core's versioned
//! [`sextant_core::autoindex::Strategy`], validated by the core), backtests over the stored
//! daily bars, forward simulation, and rebalances on demand or on a schedule in the
//! background, with their history. Every computation goes through the declared functions
//! `autoindex.backtest` and `autoindex.simulate` (the same code as `POST /v1/autoindex/...`).
//!
//! **Market data of a strategy.** The universe's symbols (`all`: every instrument with daily
//! bars, at most [`MAX_ASSETS`]) must be instruments. Their split- and dividend-adjusted `1d`
//! closes are aligned on the union of their bar dates; inside an asset's first..last date a
//! date without a bar of that asset (another exchange's holiday) carries its last close
//! forward, so the core sees one contiguous run per asset.
//!
//! **A rebalance** runs the backtest up to the newest bar and records the allocation: the
//! targets of the last rebalance the strategy's own schedule made, the end-of-day weights and
//! value of the last bar. History is every recorded rebalance.
//!
//! **The scheduler.** A strategy with `auto_rebalance` (`daily`, `weekly` or `monthly`) has a
//! persisted `next_run_at` (the next 00:00 UTC day, Monday or 1st of a month). Every
//! [`crate::Options::scheduler_tick`] the server looks for due strategies and claims each due
//! run with a conditional update that leases it for [`crate::Options::scheduler_lease`]; only
//! the claimer runs it, then moves `next_run_at` to the first boundary after now and drops the
//! lease. The rebalance row's run key (`schedule:<due time>`) is unique, so one due run is
//! recorded once even with several instances, and a run whose instance stopped mid-way (a
//! restart, a crash) is taken again by any scheduler once its lease has passed. Runs missed
//! while the server was down are not replayed one by one: the first tick after a start finds
//! the strategy overdue and runs it once. A run that fails for a reason of the server (store
//! unavailable, a failed task: a 5xx) is handed back at once and retried on a later pass; one
//! the strategy itself makes fail (a 4xx, e.g. no prices for its assets) is logged and skipped
//! until the next boundary.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Datelike, Duration as Days, NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value as JsonValue};
use sextant_core::autoindex::{Strategy, Universe};
use sextant_core::registry;

use crate::accounts::{audit, Authed, JsonBody, Principal, Q};
use crate::app::{now_unix, AppState};
use crate::convert::{self, ComputeRequest};
use crate::error::ApiError;
use crate::market::{check_name, load_bars, page, paged, range, Interval, P};
use crate::store::{RebalanceRec, StrategyRec};

/// Most assets in one strategy's market data.
pub const MAX_ASSETS: usize = 500;
/// Most strategies per user.
pub const MAX_STRATEGIES: i64 = 100;
/// The `auto_rebalance` values.
pub const SCHEDULES: [&str; 3] = ["daily", "weekly", "monthly"];

fn bad(field: &'static str, reason: impl Into<String>) -> ApiError {
    ApiError::InvalidField { field, reason: reason.into() }
}

/// The first schedule boundary strictly after `after` (unix seconds): the next 00:00 UTC
/// (`daily`), Monday 00:00 UTC (`weekly`) or 1st of a month 00:00 UTC (`monthly`).
#[must_use]
pub fn next_run(every: &str, after: i64) -> i64 {
    let day = crate::market::utc_date(after);
    let next = match every {
        "weekly" => day + Days::days(7 - i64::from(day.weekday().num_days_from_monday())),
        "monthly" => {
            let (y, m) =
                if day.month() == 12 { (day.year() + 1, 1) } else { (day.year(), day.month() + 1) };
            NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day + Days::days(31))
        }
        _ => day + Days::days(1),
    };
    Utc.from_utc_datetime(&next.and_hms_opt(0, 0, 0).unwrap_or_default()).timestamp()
}

// --- strategies CRUD ----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StrategyReq {
    name: String,
    strategy: JsonValue,
    #[serde(default)]
    auto_rebalance: Option<String>,
}

/// Checks a request with the core's own parser and validation.
fn check_strategy(req: &StrategyReq) -> Result<Strategy, ApiError> {
    check_name("name", &req.name)?;
    if let Some(s) = req.auto_rebalance.as_deref() {
        if !SCHEDULES.contains(&s) {
            return Err(bad("auto_rebalance", "must be daily, weekly, monthly or null"));
        }
    }
    Ok(Strategy::from_json(&req.strategy.to_string())?)
}

fn strategy_json(s: &StrategyRec) -> JsonValue {
    json!({"id": s.id, "name": s.name,
        "strategy": serde_json::from_str::<JsonValue>(&s.config).unwrap_or(JsonValue::Null),
        "auto_rebalance": s.auto_rebalance, "next_run_at": s.next_run_at,
        "created_at": s.created_at, "updated_at": s.updated_at})
}

fn rebalance_json(r: &RebalanceRec) -> JsonValue {
    let mut v = serde_json::from_str::<JsonValue>(&r.body).unwrap_or(JsonValue::Null);
    v["id"] = json!(r.id);
    v["kind"] = json!(r.kind);
    v["created_at"] = json!(r.created_at);
    v
}

/// The caller's strategy with this id (404 for an unknown id and for another user's).
async fn owned(app: &AppState, p: &Principal, id: &str) -> Result<StrategyRec, ApiError> {
    if !crate::market::is_record_id(id) {
        return Err(ApiError::NoSuchResource("strategy"));
    }
    match app.store.strategy(id).await? {
        Some(s) if s.user_id == p.user.id => Ok(s),
        _ => Err(ApiError::NoSuchResource("strategy")),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

async fn list(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    Q(q): Q<ListQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    let (limit, offset) = page(q.limit, q.offset, 100, 1000)?;
    let mut rows = app.store.strategies_of(&p.user.id, limit + 1, offset).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(Json(paged(rows.iter().map(strategy_json).collect(), limit, offset, more)))
}

async fn create(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    JsonBody(req): JsonBody<StrategyReq>,
) -> Result<Response, ApiError> {
    let strategy = check_strategy(&req)?;
    symbols_of(&app, &strategy).await?;
    if app.store.strategies_of(&p.user.id, 1, MAX_STRATEGIES - 1).await?.len() == 1 {
        return Err(ApiError::Conflict(format!(
            "an account has at most {MAX_STRATEGIES} strategies"
        )));
    }
    let now = now_unix();
    let rec = StrategyRec {
        id: crate::auth::random_id(),
        user_id: p.user.id.clone(),
        name: req.name,
        config: req.strategy.to_string(),
        next_run_at: req.auto_rebalance.as_deref().map(|e| next_run(e, now)),
        auto_rebalance: req.auto_rebalance,
        created_at: now,
        updated_at: now,
    };
    app.store.put_strategy(&rec).await?;
    audit(&app, &ctx, Some(&p.user.id), "autoindex.create", Some(&rec.id), json!({})).await?;
    Ok((StatusCode::CREATED, Json(strategy_json(&rec))).into_response())
}

async fn get_one(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
) -> Result<Json<JsonValue>, ApiError> {
    Ok(Json(strategy_json(&owned(&app, &p, &id).await?)))
}

async fn update(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    P(id): P<String>,
    JsonBody(req): JsonBody<StrategyReq>,
) -> Result<Json<JsonValue>, ApiError> {
    let mut rec = owned(&app, &p, &id).await?;
    let strategy = check_strategy(&req)?;
    symbols_of(&app, &strategy).await?;
    let now = now_unix();
    if req.auto_rebalance != rec.auto_rebalance {
        rec.next_run_at = req.auto_rebalance.as_deref().map(|e| next_run(e, now));
    }
    rec.name = req.name;
    rec.config = req.strategy.to_string();
    rec.auto_rebalance = req.auto_rebalance;
    rec.updated_at = now;
    app.store.put_strategy(&rec).await?;
    audit(&app, &ctx, Some(&p.user.id), "autoindex.update", Some(&id), json!({})).await?;
    Ok(Json(strategy_json(&rec)))
}

async fn remove(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    P(id): P<String>,
) -> Result<StatusCode, ApiError> {
    owned(&app, &p, &id).await?;
    app.store.delete_strategy(&id).await?;
    audit(&app, &ctx, Some(&p.user.id), "autoindex.delete", Some(&id), json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- market data and the declared functions ----------------------------------------------------

/// The symbols a strategy's market data needs (each an instrument).
async fn symbols_of(app: &AppState, s: &Strategy) -> Result<Vec<String>, ApiError> {
    let symbols: Vec<String> = match &s.universe {
        Universe::All => {
            let all = app.store.list_instruments(None, false, 10_000, 0).await?;
            let mut out = Vec::new();
            for i in all {
                if app.store.latest_bar(&i.symbol, "1d").await?.is_some() {
                    out.push(i.symbol);
                }
            }
            out
        }
        Universe::Static { symbols } => symbols.clone(),
        Universe::Membership { members } => {
            members.iter().map(|m| m.symbol.clone()).collect::<BTreeSet<_>>().into_iter().collect()
        }
    };
    if symbols.is_empty() {
        return Err(bad("strategy", "the universe has no instrument with daily bars"));
    }
    if symbols.len() > MAX_ASSETS {
        return Err(bad("strategy", format!("the universe has more than {MAX_ASSETS} assets")));
    }
    for sym in &symbols {
        if app.store.instrument(sym).await?.is_none() {
            return Err(bad(
                "strategy",
                format!(
                    "unknown instrument {sym:?} in the universe; GET /v1/instruments lists them"
                ),
            ));
        }
    }
    Ok(symbols)
}

/// The core's market data for a strategy over `[from, to]`: adjusted daily closes on the union
/// of the dates, carried forward inside each asset's own first..last range.
async fn market_data(
    app: &AppState,
    strategy: &Strategy,
    span: (i64, i64),
) -> Result<JsonValue, ApiError> {
    let symbols = symbols_of(app, strategy).await?;
    let mut series: Vec<(String, BTreeMap<NaiveDate, f64>)> = Vec::with_capacity(symbols.len());
    let mut dates = BTreeSet::new();
    for sym in symbols {
        let Some(inst) = app.store.instrument(&sym).await? else { continue };
        let (bars, _) = load_bars(app, &inst, Interval::D1, span, true, None, None).await?;
        let m: BTreeMap<NaiveDate, f64> =
            bars.iter().map(|b| (crate::market::utc_date(b.bar.ts), b.bar.close)).collect();
        dates.extend(m.keys().copied());
        series.push((sym, m));
    }
    if dates.len() < 2 {
        return Err(bad("from", "the range holds fewer than 2 daily bars of the universe"));
    }
    if dates.len().saturating_mul(series.len()) > 5_000_000 {
        return Err(bad("from", "the range holds more than 5,000,000 prices; narrow it"));
    }
    let dates: Vec<NaiveDate> = dates.into_iter().collect();
    let assets: Vec<JsonValue> = series
        .iter()
        .map(|(sym, m)| {
            let (first, last) = (m.keys().next().copied(), m.keys().next_back().copied());
            let mut prev = f64::NAN;
            let close: Vec<JsonValue> = dates
                .iter()
                .map(|d| {
                    if let Some(c) = m.get(d) {
                        prev = *c;
                    }
                    let inside = first.is_some_and(|f| *d >= f) && last.is_some_and(|l| *d <= l);
                    if inside {
                        convert::f64_to_json(prev)
                    } else {
                        JsonValue::Null
                    }
                })
                .collect();
            json!({"symbol": sym, "close": close})
        })
        .collect();
    let dates: Vec<String> = dates.iter().map(ToString::to_string).collect();
    Ok(json!({"dates": dates, "assets": assets}))
}

/// Runs a declared `autoindex` function off the async threads; returns its one JSON output.
async fn run_declared(
    name: &'static str,
    inputs: Map<String, JsonValue>,
) -> Result<JsonValue, ApiError> {
    let decl = registry::find("autoindex", name)
        .ok_or_else(|| ApiError::Internal(format!("autoindex.{name} is not declared")))?;
    tokio::task::spawn_blocking(move || -> Result<JsonValue, ApiError> {
        let req = ComputeRequest { inputs, params: Map::new() };
        let out = convert::compute(decl, &req)?;
        Ok(out.outputs.0.into_iter().next().map_or(JsonValue::Null, |(_, v)| v))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("autoindex.{name} failed: {e}")))?
}

async fn backtest_of(
    app: &AppState,
    rec: &StrategyRec,
    span: (i64, i64),
) -> Result<JsonValue, ApiError> {
    let strategy = Strategy::from_json(&rec.config)?;
    let data = market_data(app, &strategy, span).await?;
    let strategy: JsonValue =
        serde_json::from_str(&rec.config).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut inputs = Map::new();
    inputs.insert("strategy".into(), strategy);
    inputs.insert("data".into(), data);
    run_declared("backtest", inputs).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

async fn backtest(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
    Q(q): Q<RangeQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    let rec = owned(&app, &p, &id).await?;
    let span = range(q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(backtest_of(&app, &rec, span).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SimulateReq {
    #[serde(default)]
    config: JsonValue,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

async fn simulate(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
    JsonBody(req): JsonBody<SimulateReq>,
) -> Result<Json<JsonValue>, ApiError> {
    let rec = owned(&app, &p, &id).await?;
    let span = range(req.from.as_deref(), req.to.as_deref())?;
    let bt = backtest_of(&app, &rec, span).await?;
    // the index values from the first trade on
    let start = bt["start"].as_u64().and_then(|s| usize::try_from(s).ok()).unwrap_or(0);
    let values: Vec<JsonValue> = bt["values"]
        .as_array()
        .map(|v| v.iter().skip(start).cloned().collect())
        .unwrap_or_default();
    let mut inputs = Map::new();
    inputs.insert("values".into(), JsonValue::Array(values));
    inputs.insert("config".into(), req.config);
    let sim = run_declared("simulate", inputs).await?;
    Ok(Json(json!({"as_of": bt["dates"].as_array().and_then(|d| d.last()).cloned(),
        "simulation": sim})))
}

/// The allocation at the end of a backtest.
fn allocation(bt: &JsonValue) -> Result<(String, JsonValue), ApiError> {
    let symbols: Vec<&str> = bt["symbols"]
        .as_array()
        .map(|s| s.iter().filter_map(JsonValue::as_str).collect())
        .unwrap_or_default();
    let as_of = bt["dates"]
        .as_array()
        .and_then(|d| d.last())
        .and_then(JsonValue::as_str)
        .ok_or_else(|| ApiError::Internal("a backtest without dates".into()))?
        .to_owned();
    let by_symbol = |row: &JsonValue| -> JsonValue {
        let m: Map<String, JsonValue> = symbols
            .iter()
            .zip(row.as_array().into_iter().flatten())
            .map(|(s, w)| ((*s).to_owned(), w.clone()))
            .collect();
        JsonValue::Object(m)
    };
    let last = bt["rebalances"].as_array().and_then(|r| r.last());
    let weights =
        bt["weights"].as_array().and_then(|w| w.last()).map_or(JsonValue::Null, by_symbol);
    let body = json!({
        "as_of": as_of,
        "value": bt["values"].as_array().and_then(|v| v.last()).cloned(),
        "cash": bt["cash"].as_array().and_then(|v| v.last()).cloned(),
        "weights": weights,
        "targets": last.map_or(JsonValue::Null, |r| by_symbol(&r["targets"])),
        "last_rebalance": last.map(|r| json!({"signal_date": r["signal_date"],
            "trade_date": r["trade_date"], "reason": r["reason"]})),
        "rebalances": bt["rebalances"].as_array().map_or(0, Vec::len),
    });
    Ok((as_of, body))
}

/// Runs a strategy to the newest bar and records its allocation under `run_key`; `None` when a
/// rebalance with this key exists already.
async fn rebalance_now(
    app: &AppState,
    rec: &StrategyRec,
    kind: &str,
    run_key: String,
) -> Result<Option<RebalanceRec>, ApiError> {
    let bt = backtest_of(app, rec, (i64::MIN, i64::MAX)).await?;
    let (as_of, body) = allocation(&bt)?;
    let r = RebalanceRec {
        id: crate::jobs::ordered_id(),
        strategy_id: rec.id.clone(),
        run_key,
        kind: kind.to_owned(),
        as_of,
        body: body.to_string(),
        created_at: now_unix(),
    };
    Ok(app.store.add_rebalance(&r).await?.then_some(r))
}

async fn rebalance(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    P(id): P<String>,
) -> Result<Response, ApiError> {
    let rec = owned(&app, &p, &id).await?;
    let key = format!("manual:{}", crate::auth::random_id());
    let r = rebalance_now(&app, &rec, "manual", key)
        .await?
        .ok_or_else(|| ApiError::Internal("a fresh run key was taken".into()))?;
    audit(&app, &ctx, Some(&p.user.id), "autoindex.rebalance", Some(&id), json!({})).await?;
    Ok((StatusCode::CREATED, Json(rebalance_json(&r))).into_response())
}

async fn current(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
) -> Result<Json<JsonValue>, ApiError> {
    owned(&app, &p, &id).await?;
    let rows = app.store.rebalances(&id, true, 1, 0).await?;
    rows.first().map(|r| Json(rebalance_json(r))).ok_or(ApiError::NoSuchResource("allocation"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    sort: Option<String>,
}

async fn history(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
    Q(q): Q<HistoryQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    owned(&app, &p, &id).await?;
    let (limit, offset) = page(q.limit, q.offset, 100, 1000)?;
    let desc = crate::market::sort_desc_or(q.sort.as_deref(), "created_at", true)?;
    let mut rows = app.store.rebalances(&id, desc, limit + 1, offset).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(Json(paged(rows.iter().map(rebalance_json).collect(), limit, offset, more)))
}

// --- the scheduler ------------------------------------------------------------------------------

/// One scheduler pass: claims and runs every due strategy; returns how many ran.
pub async fn run_due(app: &AppState) -> usize {
    let now = now_unix();
    let due = match app.store.due_strategies(now, 50).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "listing due strategies failed");
            return 0;
        }
    };
    let mut ran = 0;
    for rec in due {
        let (Some(every), Some(at)) = (rec.auto_rebalance.as_deref(), rec.next_run_at) else {
            continue;
        };
        let next = next_run(every, now);
        let lease = now.saturating_add(
            i64::try_from(app.options.scheduler_lease.as_secs()).unwrap_or(i64::MAX).max(1),
        );
        match app.store.claim_strategy_run(&rec.id, at, now, lease).await {
            Ok(true) => {}
            Ok(false) => continue, // another scheduler claimed it
            Err(e) => {
                tracing::warn!(error = %e, strategy = %rec.id, "claiming a scheduled run failed");
                continue;
            }
        }
        let then = match rebalance_now(app, &rec, "schedule", format!("schedule:{at}")).await {
            Ok(_) => {
                ran += 1;
                tracing::info!(strategy = %rec.id, due = at, "scheduled rebalance recorded");
                next
            }
            Err(e) if e.status().is_server_error() => {
                // The store or the task failed, not the strategy: hand the run back so that a
                // later pass (of any instance) retries it instead of losing it.
                tracing::warn!(strategy = %rec.id, error = %e, "scheduled rebalance failed; retrying");
                at
            }
            Err(e) => {
                tracing::warn!(
                    strategy = %rec.id,
                    error = %e,
                    "scheduled rebalance refused; the next one is due at {next}"
                );
                next
            }
        };
        if let Err(e) = app.store.end_strategy_run(&rec.id, at, then).await {
            // The lease runs out and another pass takes the run again (the run key keeps it
            // from being recorded twice).
            tracing::warn!(strategy = %rec.id, error = %e, "ending a scheduled run failed");
        }
    }
    ran
}

/// Starts the scheduler on the current runtime.
pub fn start(app: &AppState) {
    let app = app.clone();
    let Some(tick) = app.options.scheduler_tick else { return };
    tokio::spawn(async move {
        let tick = tick.max(Duration::from_millis(50));
        let mut every = tokio::time::interval(tick);
        loop {
            every.tick().await;
            run_due(&app).await;
        }
    });
}

/// A user's strategies with their rebalances, for the GDPR export.
pub(crate) async fn export_of(app: &AppState, user_id: &str) -> Result<Vec<JsonValue>, ApiError> {
    let mut out = Vec::new();
    for s in app.store.strategies_of(user_id, MAX_STRATEGIES, 0).await? {
        let mut v = strategy_json(&s);
        let rows = app.store.rebalances(&s.id, false, 100_000, 0).await?;
        v["rebalances"] = JsonValue::Array(rows.iter().map(rebalance_json).collect());
        out.push(v);
    }
    Ok(out)
}

/// The AutoIndex routes.
pub fn routes() -> Router<AppState> {
    let base = "/v1/autoindex/strategies";
    Router::new()
        .route(base, get(list).post(create))
        .route(&format!("{base}/{{id}}"), get(get_one).put(update).delete(remove))
        .route(&format!("{base}/{{id}}/backtest"), get(backtest))
        .route(&format!("{base}/{{id}}/simulate"), post(simulate))
        .route(&format!("{base}/{{id}}/rebalance"), post(rebalance))
        .route(&format!("{base}/{{id}}/allocation"), get(current))
        .route(&format!("{base}/{{id}}/rebalances"), get(history))
}
