//! News over HTTP: admins ingest items (JSON); each is scored with the core's finance scorer
//! ([`sextant_core::sentiment::FinanceScorer`]) and tagged with the instruments it mentions by
//! the core's entity matcher ([`sextant_core::sentiment::Universe`], built from the instruments
//! table: symbol, cashtag and name), with the per-instrument sentence score
//! (`Universe::entity_sentiment`). Items are stored once per `(source, id)`: a re-sent item
//! creates nothing. Every signed-in user lists an instrument's news and its daily sentiment
//! (`GET /v1/instruments/{symbol}/sentiment`: the core's [`sextant_core::sentiment::aggregate`]
//! over the stored per-instrument scores, one row per trading day of the instrument's
//! calendar).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};
use sextant_core::sentiment::aggregate::{options_from_json, AggregateOptions, DayRow};
use sextant_core::sentiment::{aggregate, Asset, FinanceScorer, Item, Model, Universe};

use crate::accounts::{audit, Admin, Authed, JsonBody, Q};
use crate::app::{now_unix, AppState};
use crate::error::ApiError;
use crate::market::{format_time, page, paged, parse_time, range, P};
use crate::store::{NewsMention, NewsRec};

/// Most items per ingest request.
pub const MAX_NEWS_PER_REQUEST: usize = 1000;

fn bad(field: &'static str, reason: impl Into<String>) -> ApiError {
    ApiError::InvalidField { field, reason: reason.into() }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewsItem {
    source: String,
    id: String,
    published_at: String,
    title: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IngestReq {
    items: Vec<NewsItem>,
}

fn check_text(field: &'static str, s: &str, max: usize) -> Result<(), ApiError> {
    if s.chars().count() > max {
        return Err(bad(field, format!("at most {max} characters")));
    }
    Ok(())
}

/// The universe of the instruments table (symbols and names), for tagging.
async fn universe(app: &AppState) -> Result<Universe, ApiError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut assets = Vec::new();
    for i in app.store.list_instruments(None, false, 100_000, 0).await? {
        if seen.insert(i.symbol.to_ascii_uppercase()) {
            assets.push(Asset { symbol: i.symbol, names: vec![i.name] });
        }
    }
    Ok(Universe::new(assets)?)
}

async fn ingest(
    State(app): State<AppState>,
    Admin(ctx, p): Admin,
    JsonBody(req): JsonBody<IngestReq>,
) -> Result<Json<JsonValue>, ApiError> {
    if req.items.is_empty() || req.items.len() > MAX_NEWS_PER_REQUEST {
        return Err(bad("items", format!("1 to {MAX_NEWS_PER_REQUEST} items")));
    }
    let now = now_unix();
    let mut recs = Vec::with_capacity(req.items.len());
    for it in &req.items {
        if it.source.trim().is_empty() || it.id.trim().is_empty() || it.title.trim().is_empty() {
            return Err(bad("items", "source, id and title must not be empty"));
        }
        check_text("source", &it.source, 100)?;
        check_text("id", &it.id, 200)?;
        check_text("title", &it.title, 1000)?;
        check_text("body", it.body.as_deref().unwrap_or(""), 100_000)?;
        check_text("url", it.url.as_deref().unwrap_or(""), 2000)?;
        let published = parse_time(&it.published_at)
            .ok_or_else(|| bad("published_at", "must be YYYY-MM-DD, RFC 3339 or unix seconds"))?;
        recs.push(NewsRec {
            id: crate::auth::random_id(),
            source: it.source.trim().to_owned(),
            external_id: it.id.trim().to_owned(),
            published_at: published,
            title: it.title.clone(),
            body: it.body.clone().unwrap_or_default(),
            url: it.url.clone(),
            score: 0.0,
            created_at: now,
        });
    }
    let universe = universe(&app).await?;
    // scoring and tagging off the async threads
    let items = tokio::task::spawn_blocking(move || {
        let scorer = FinanceScorer::builtin();
        recs.into_iter()
            .map(|mut n| {
                let text = if n.body.is_empty() {
                    n.title.clone()
                } else {
                    format!("{}\n{}", n.title, n.body)
                };
                n.score = scorer.score(&text);
                let mentions = universe
                    .entity_sentiment(&text, |s| scorer.score(s))
                    .into_iter()
                    .map(|e| NewsMention {
                        symbol: e.symbol,
                        score: e.score,
                        sentences: i64::try_from(e.sentences).unwrap_or(i64::MAX),
                        mentions: i64::try_from(e.mentions).unwrap_or(i64::MAX),
                    })
                    .collect::<Vec<_>>();
                (n, mentions)
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("scoring failed: {e}")))?;
    let received = items.len();
    let tagged = items.iter().filter(|(_, m)| !m.is_empty()).count();
    let created = app.store.add_news(&items).await?;
    app.realtime.publish_news(&items); // live `news` subscribers (realtime::hub)
    crate::realtime::sentiment::on_news(&app, &items).await; // sentiment alerts
    audit(&app, &ctx, Some(&p.user.id), "news.ingest", None, json!({"created": created})).await?;
    Ok(Json(json!({"received": received, "created": created,
        "duplicates": u64::try_from(received).unwrap_or(0).saturating_sub(created),
        "tagged": tagged})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    sort: Option<String>,
}

async fn list(
    State(app): State<AppState>,
    Authed(_, _p): Authed,
    P(symbol): P<String>,
    Q(q): Q<ListQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    if app.store.instrument(&symbol).await?.is_none() {
        return Err(ApiError::NoSuchResource("instrument"));
    }
    let (limit, offset) = page(q.limit, q.offset, 100, 1000)?;
    let (from, to) = range(q.from.as_deref(), q.to.as_deref())?;
    let desc = match q.sort.as_deref() {
        None | Some("-published_at") => true,
        Some("published_at") => false,
        Some(_) => return Err(bad("sort", "must be `published_at` or `-published_at`")),
    };
    let mut rows = app.store.news_of(&symbol, from, to, desc, limit + 1, offset).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let items = rows
        .iter()
        .map(|(n, m)| {
            json!({"id": n.id, "source": n.source, "external_id": n.external_id,
                "published_at": format_time(n.published_at), "title": n.title, "url": n.url,
                "score": n.score, "entity_score": m.score, "sentences": m.sentences,
                "mentions": m.mentions})
        })
        .collect();
    let mut body = paged(items, limit, offset, more);
    body["symbol"] = json!(symbol);
    Ok(Json(body))
}

/// Most stored items one daily-sentiment request reads (narrow `from` / `to` beyond it).
pub const MAX_SENTIMENT_ITEMS: i64 = 100_000;

/// Items older than this many half-lives before `from` are not read: each would weigh less
/// than 2^-20 (1e-6) in the time-decayed mean of the first day.
const DECAY_HORIZON_HALF_LIVES: f64 = 20.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SentimentQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    calendar: Option<String>,
    #[serde(default)]
    close: Option<String>,
    #[serde(default)]
    half_life_hours: Option<f64>,
}

/// Per trading day: how many stored items mention the instrument, their mean score and
/// population standard deviation, and the time-decayed mean of every item up to the day's
/// close (the core's `aggregate`; see docs/platform.md).
async fn daily_sentiment(
    State(app): State<AppState>,
    Authed(_, _p): Authed,
    P(symbol): P<String>,
    Q(q): Q<SentimentQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    let Some(inst) = app.store.instrument(&symbol).await? else {
        return Err(ApiError::NoSuchResource("instrument"));
    };
    let half_life = q.half_life_hours.unwrap_or(24.0);
    let (from, to) = range(q.from.as_deref(), q.to.as_deref())?;
    let (agg, opts, calendar) = daily_rows(
        &app.store,
        &inst,
        from,
        to,
        half_life,
        q.calendar.as_deref(),
        q.close.as_deref(),
    )
    .await?;
    let first_day = match chrono::DateTime::from_timestamp(from, 0) {
        Some(t) if from != i64::MIN => Some(opts.trading_day(t, "from")?),
        _ => None,
    };
    let days: Vec<JsonValue> = agg
        .iter()
        .filter(|d| first_day.is_none_or(|f| d.day >= f))
        .map(|d| {
            json!({"day": d.day.to_string(), "count": d.count, "mean": d.mean, "std": d.std,
                "decayed": d.decayed})
        })
        .collect();
    Ok(Json(json!({"symbol": symbol, "calendar": calendar, "time_zone": opts.time_zone.name(),
        "close_seconds": opts.close_seconds, "half_life_hours": half_life, "days": days})))
}

/// The core's daily aggregate (`aggregate`) of the stored mentions of `inst` published up to
/// `to`, read from `from` less the decay horizon: the rows, the options and the calendar
/// name. The calendar is NYSE for New York instruments and weekdays elsewhere unless given.
/// Shared by `GET /v1/instruments/{symbol}/sentiment` and the sentiment alerts
/// (`realtime::sentiment`).
pub(crate) async fn daily_rows(
    store: &std::sync::Arc<dyn crate::store::Store>,
    inst: &crate::store::InstrumentRec,
    from: i64,
    to: i64,
    half_life: f64,
    calendar: Option<&str>,
    close: Option<&str>,
) -> Result<(Vec<DayRow>, AggregateOptions, String), ApiError> {
    if !(half_life.is_finite() && (0.01..=87_600.0).contains(&half_life)) {
        return Err(bad("half_life_hours", "must be between 0.01 and 87600 (ten years)"));
    }
    let symbol = inst.symbol.clone();
    // the exchange's calendar: NYSE for New York instruments, weekdays elsewhere (or as asked)
    let tz = inst.time_zone.clone().unwrap_or_else(|| "UTC".to_owned());
    let calendar = calendar
        .map(str::to_owned)
        .unwrap_or_else(|| if tz == "America/New_York" { "XNYS" } else { "weekdays" }.to_owned());
    let mut options = json!({"calendar": calendar, "time_zone": tz});
    if let Some(c) = close {
        options["close"] = json!(c);
    }
    let opts = options_from_json(&options, half_life, Model::Finance).map_err(|e| match e {
        sextant_core::Error::InvalidInput { input, reason } if input == "options.calendar" => {
            bad("calendar", reason)
        }
        sextant_core::Error::InvalidInput { input, reason } if input == "options.close" => {
            bad("close", reason)
        }
        e => e.into(),
    })?;
    #[allow(clippy::cast_possible_truncation, reason = "at most 20 x 87,600 hours in seconds")]
    let horizon = (DECAY_HORIZON_HALF_LIVES * half_life * 3600.0).ceil() as i64;
    let read_from = from.saturating_sub(horizon);
    let rows = store.news_of(&symbol, read_from, to, false, MAX_SENTIMENT_ITEMS + 1, 0).await?;
    if rows.len() > usize::try_from(MAX_SENTIMENT_ITEMS).unwrap_or(usize::MAX) {
        return Err(bad(
            "from",
            format!("more than {MAX_SENTIMENT_ITEMS} items in the range; narrow `from` / `to`"),
        ));
    }
    let items = rows
        .iter()
        .map(|(n, m)| {
            Ok(Item {
                time: chrono::DateTime::from_timestamp(n.published_at, 0)
                    .ok_or_else(|| ApiError::Internal("stored time out of range".into()))?,
                text: None,
                score: Some(m.score),
                symbols: Some(vec![symbol.clone()]),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let agg =
        tokio::task::spawn_blocking(move || aggregate(&items, None, &opts).map(|a| (a, opts)))
            .await
            .map_err(|e| ApiError::Internal(format!("aggregation failed: {e}")))?;
    let (agg, opts) = agg?;
    Ok((agg.days, opts, calendar))
}

/// The news routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/news", post(ingest))
        .route("/v1/instruments/{symbol}/news", get(list))
        .route("/v1/instruments/{symbol}/sentiment", get(daily_sentiment))
}
