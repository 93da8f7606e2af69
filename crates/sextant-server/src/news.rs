//! News over HTTP: admins ingest items (JSON); each is scored with the core's finance scorer
//! ([`sextant_core::sentiment::FinanceScorer`]) and tagged with the instruments it mentions by
//! the core's entity matcher ([`sextant_core::sentiment::Universe`], built from the instruments
//! table: symbol, cashtag and name), with the per-instrument sentence score
//! (`Universe::entity_sentiment`). Items are stored once per `(source, id)`: a re-sent item
//! creates nothing. Every signed-in user lists an instrument's news.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};
use sextant_core::sentiment::{Asset, FinanceScorer, Universe};

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

/// The news routes.
pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/news", post(ingest)).route("/v1/instruments/{symbol}/news", get(list))
}
