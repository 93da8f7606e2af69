//! The router: service endpoints, the catalogue, one generic compute handler for every declared
//! function, the OpenAPI document and the Swagger UI.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use sextant_core::decl::FunctionDecl;
use sextant_core::registry::{self, REGISTRY};
use sha2::{Digest, Sha256};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::accounts;
use crate::auth::{Secret, Tokens};
use crate::convert::{self, ComputeRequest};
use crate::error::{json_response, ApiError};
use crate::mailer::{LogMailer, Mailer};
use crate::openapi;
use crate::ratelimit::{InProcessLimiter, RateLimiter, RateLimits};
use crate::store::{Store, StoredResponse};

/// Header that carries a client's idempotency key.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Response header set on a replayed (stored) response.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// Request id header, set when missing and copied to the response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest accepted request body in bytes (413 above).
    pub body_limit: usize,
    /// How long stored idempotent responses are kept.
    pub idempotency_ttl: Duration,
    /// Accounts, tokens and rate limits.
    pub auth: AuthOptions,
    /// Background jobs.
    pub jobs: crate::jobs::JobOptions,
    /// When set, `GET /metrics` needs `Authorization: Bearer <this>`.
    pub metrics_token: Option<String>,
    /// How often the AutoIndex scheduler looks for due rebalances; `None`: this instance runs
    /// no scheduler (others on the same database do the scheduled rebalances).
    pub scheduler_tick: Option<Duration>,
    /// How long a claimed scheduled run is held by its instance. A run whose instance stops
    /// before it is recorded is taken again by any scheduler once the lease has passed.
    pub scheduler_lease: Duration,
    /// Live quotes, streams and alerts.
    pub realtime: crate::realtime::RealtimeOptions,
    /// Directory of the web app (docs/web.md), served at `/` with `index.html` for unknown
    /// paths outside /v1, /docs, /metrics. `None`: `/` redirects to the Swagger UI.
    pub web_dir: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            body_limit: 16 * 1024 * 1024,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            auth: AuthOptions::default(),
            jobs: crate::jobs::JobOptions::default(),
            metrics_token: None,
            scheduler_tick: Some(Duration::from_secs(30)),
            scheduler_lease: Duration::from_secs(600),
            realtime: crate::realtime::RealtimeOptions::default(),
            web_dir: None,
        }
    }
}

/// Settings of the accounts: token keys, limits, lockout, mail.
#[derive(Clone)]
pub struct AuthOptions {
    /// The HS256 key of the access tokens (at least 32 bytes).
    pub secret: Secret,
    /// `iss` of the access tokens, also the issuer shown by authenticator apps.
    pub issuer: String,
    /// `aud` of the access tokens.
    pub audience: String,
    /// Requests per minute by caller class.
    pub rate_limits: RateLimits,
    /// Where the rate-limit buckets live (replaced by the database's when
    /// `shared_rate_limits` is on and the store has shared buckets).
    pub limiter: Arc<dyn RateLimiter>,
    /// On PostgreSQL, keep the buckets in the database so every instance spends the same ones
    /// (default); off, each instance limits on its own (`limiter`).
    pub shared_rate_limits: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Consecutive failed sign-ins (password or second factor) that lock an account.
    pub max_failed_logins: u32,
    /// How long a locked account stays locked.
    pub lockout: Duration,
    /// Outgoing mail (verification and reset tokens).
    pub mailer: Arc<dyn Mailer>,
    /// Lifetime of an access token in seconds (default [`crate::auth::ACCESS_TTL`], 15 min).
    pub access_ttl: i64,
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self {
            secret: Secret::random(),
            issuer: "sextant".into(),
            audience: "sextant-api".into(),
            rate_limits: RateLimits::default(),
            limiter: Arc::new(InProcessLimiter::new()),
            shared_rate_limits: true,
            trust_forwarded_for: false,
            max_failed_logins: 5,
            lockout: Duration::from_secs(15 * 60),
            mailer: Arc::new(LogMailer),
            access_ttl: crate::auth::ACCESS_TTL,
        }
    }
}

impl std::fmt::Debug for AuthOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthOptions")
            .field("secret", &self.secret)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("rate_limits", &self.rate_limits)
            .field("shared_rate_limits", &self.shared_rate_limits)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("max_failed_logins", &self.max_failed_logins)
            .field("lockout", &self.lockout)
            .field("access_ttl", &self.access_ttl)
            .finish_non_exhaustive()
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// Storage.
    pub store: Arc<dyn Store>,
    /// Settings.
    pub options: Options,
    /// Access-token signer and checker.
    pub tokens: Tokens,
    /// The in-process side of the job queue.
    pub jobs: Arc<crate::jobs::JobQueue>,
    /// Request metrics.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Live quotes, streams and alerts.
    pub realtime: Arc<crate::realtime::Hub>,
    /// Bars of recent range queries, checked against the instrument's bars version.
    pub bar_cache: Arc<crate::market::BarCache>,
    /// Recent indicator responses, checked against the instrument's bars version.
    pub responses: Arc<crate::market::ResponseCache>,
}

/// The whole application with its middleware: request ids, JSON logs per request, panics to a
/// JSON 500, the body limit, request metrics. Called inside a Tokio runtime, it also starts the
/// job workers ([`crate::jobs::start`]) and the AutoIndex scheduler ([`crate::autoindex::start`]).
pub fn router(store: Arc<dyn Store>, mut options: Options) -> Router {
    if options.auth.shared_rate_limits {
        if let Some(shared) = store.shared_limiter() {
            options.auth.limiter = shared;
        }
    }
    let body_limit = options.body_limit;
    let tokens = Tokens::new(&options.auth.secret, &options.auth.issuer, &options.auth.audience)
        .with_ttl(options.auth.access_ttl);
    let realtime = Arc::new(crate::realtime::Hub::new(options.realtime.clone()));
    let state = AppState {
        store,
        options,
        tokens,
        jobs: Arc::default(),
        metrics: Arc::default(),
        realtime,
        bar_cache: Arc::new(crate::market::BarCache::new(crate::market::BAR_CACHE_WEIGHT)),
        responses: Arc::new(crate::market::ResponseCache::new(
            crate::market::RESPONSE_CACHE_WEIGHT,
        )),
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        crate::jobs::start(&state);
        crate::autoindex::start(&state);
        state.realtime.start();
        crate::realtime::replay::start(&state.realtime, &state.store);
        if let Some(pool) = state.options.realtime.fanout.then(|| state.store.pg_pool()).flatten() {
            crate::realtime::fanout::start(
                &state.realtime,
                state.store.clone(),
                pool,
                state.options.realtime.instance.as_deref(),
            );
        }
    }
    let doc = openapi::document(REGISTRY);
    let swagger =
        utoipa_swagger_ui::SwaggerUi::new("/docs").external_url_unchecked("/openapi.json", doc);
    // Every /v1 route passes the gate: bearer authentication and rate limits.
    let v1 = Router::new()
        .route("/v1/functions", get(catalogue))
        .route("/v1/functions/{module}/{name}", get(describe))
        .route("/v1/{module}/{name}", post(compute))
        .merge(accounts::routes())
        .merge(crate::market::routes())
        .merge(crate::portfolios::routes())
        .merge(crate::jobs::routes())
        .merge(crate::autoindex::routes())
        .merge(crate::news::routes())
        .merge(crate::realtime::routes())
        .route_layer(middleware::from_fn_with_state(state.clone(), accounts::gate));
    let web_dir = state.options.web_dir.clone();
    let root = match &web_dir {
        Some(_) => Router::new(),
        None => Router::new().route("/", get(|| async { Redirect::temporary("/docs/") })),
    };
    let app = root
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(crate::metrics::serve))
        .merge(v1)
        .merge(swagger)
        .route_layer(middleware::from_fn_with_state(state.clone(), crate::metrics::track));
    let app = match web_dir {
        Some(dir) => app.fallback_service(web_files(&dir, state.clone())),
        None => app.fallback(not_found),
    };
    app.method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send>| {
            ApiError::Internal("the handler panicked".into()).into_response()
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<Body>| {
                    let id =
                        req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %req.method(),
                        path = %req.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

async fn health() -> impl IntoResponse {
    Json(serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

async fn ready(State(app): State<AppState>) -> Response {
    match app.store.ping().await {
        Ok(()) => {
            let mut body = serde_json::json!({"status": "ready", "database": app.store.backend()});
            if let Some(f) = app.realtime.fanout_status() {
                body["fanout"] = f; // several instances: docs/distributed.md
            }
            Json(body).into_response()
        }
        Err(e) => ApiError::Store(e).into_response(),
    }
}

/// The catalogue body: every function's description, in registry order.
#[derive(serde::Serialize)]
struct Catalogue {
    functions: Vec<sextant_core::decl::FunctionInfo>,
}

async fn catalogue() -> impl IntoResponse {
    Json(Catalogue { functions: REGISTRY.iter().map(|d| d.info()).collect() })
}

fn lookup(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<&'static FunctionDecl, ApiError> {
    let Path((module, name)) = path.map_err(|e| ApiError::NotFound(e.body_text()))?;
    registry::find(&module, &name).ok_or(ApiError::UnknownFunction { module, name })
}

async fn describe(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(Json(lookup(path)?.info()))
}

/// The web app's files: a file of the directory when it exists, else `index.html` (the app
/// routes in the browser); paths under /v1/ and /docs/ that matched no route stay JSON 404s.
fn web_files(
    dir: &std::path::Path,
    state: AppState,
) -> axum::routing::MethodRouter<(), std::convert::Infallible> {
    let files = tower_http::services::ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .precompressed_gzip()
        .fallback(
            tower_http::services::ServeFile::new(dir.join("index.html")).precompressed_gzip(),
        );
    let api_404 = Router::new().fallback(not_found).with_state(state);
    axum::routing::any(move |req: Request<Body>| {
        let files = files.clone();
        let api_404 = api_404.clone();
        async move {
            use tower::ServiceExt as _;
            let p = req.uri().path();
            let api = ["/v1", "/docs", "/metrics", "/openapi.json"]
                .iter()
                .any(|r| p == *r || p.starts_with(&format!("{r}/")));
            if api || !matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD) {
                return api_404.oneshot(req).await.into_response();
            }
            files.oneshot(req).await.into_response()
        }
    })
}

async fn not_found(State(app): State<AppState>, req: Request<Body>) -> ApiError {
    app.metrics.observe(req.method().as_str(), "<unmatched>", 404, 0.0);
    ApiError::NotFound(req.uri().path().to_owned())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

pub(crate) fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Err(ApiError::UnsupportedMediaType("no Content-Type".into()));
    };
    let text = ct.to_str().unwrap_or("");
    let mime = text.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let is_json =
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(format!("`{}`", text.escape_default())))
    }
}

pub(crate) fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get(IDEMPOTENCY_KEY) else { return Ok(None) };
    let bad = |reason: &str| ApiError::InvalidHeader {
        header: "Idempotency-Key",
        reason: reason.to_owned(),
    };
    let key = v.to_str().map_err(|_| bad("must be printable ASCII"))?;
    if key.is_empty() || key.len() > 255 {
        return Err(bad("must be 1 to 255 characters"));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("must be printable ASCII without spaces"));
    }
    Ok(Some(key.to_owned()))
}

/// The fingerprint an idempotency key is bound to: sha256 of method, path and body.
#[must_use]
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub(crate) fn replay(rec: StoredResponse) -> Response {
    let status = StatusCode::from_u16(rec.status).unwrap_or(StatusCode::OK);
    let mut res = json_response(status, rec.body.into_bytes());
    res.headers_mut().insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    res
}

/// Runs one request through the core off the async threads. Returns the status and body bytes
/// (200 or the 4xx of a rejected body: both are deterministic, so both may be stored).
async fn run(decl: &'static FunctionDecl, body: Bytes) -> Result<(StatusCode, Vec<u8>), ApiError> {
    let task = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        let req: ComputeRequest = serde_json::from_slice(&body).map_err(|e| {
            if e.is_data() {
                ApiError::InvalidBody(e.to_string())
            } else {
                ApiError::MalformedJson(e.to_string())
            }
        })?;
        let out = convert::compute(decl, &req)?;
        serde_json::to_vec(&out).map_err(|e| ApiError::Internal(e.to_string()))
    });
    match task.await {
        Ok(Ok(bytes)) => Ok((StatusCode::OK, bytes)),
        Ok(Err(e)) if e.status().is_client_error() => {
            tracing::info!(code = e.code(), error = %e, "request rejected");
            Ok((e.status(), e.body_bytes()))
        }
        Ok(Err(e)) => Err(e),
        Err(join) => Err(ApiError::Internal(format!("compute task failed: {join}"))),
    }
}

async fn compute(
    State(app): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let decl = lookup(path)?;
    check_json_content_type(&headers)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge { limit: app.options.body_limit }
        } else {
            ApiError::BadBody(e.body_text())
        }
    })?;
    let Some(key) = idempotency_key(&headers)? else {
        let (status, bytes) = run(decl, body).await?;
        return Ok(json_response(status, bytes));
    };

    // The canonical path, so that percent-encoded spellings of one route share a fingerprint.
    let fp = fingerprint("POST", &format!("/v1/{}/{}", decl.module.as_str(), decl.name), &body);
    let ttl = i64::try_from(app.options.idempotency_ttl.as_secs()).unwrap_or(i64::MAX);
    if let Some(rec) = app.store.get_response(&key).await? {
        if rec.created_at.saturating_add(ttl) >= now_unix() {
            return if rec.fingerprint == fp {
                Ok(replay(rec))
            } else {
                Err(ApiError::IdempotencyConflict(key))
            };
        }
        // Expired: forget it and treat the key as new.
        app.store.purge_responses(now_unix().saturating_sub(ttl)).await?;
    }
    let (status, bytes) = run(decl, body).await?;
    let rec = StoredResponse {
        key,
        fingerprint: fp,
        status: status.as_u16(),
        body: String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))?,
        created_at: now_unix(),
    };
    if app.store.put_response(&rec).await? {
        return Ok(json_response(status, rec.body.into_bytes()));
    }
    // A concurrent request with the same key stored first: answer as a retry would.
    match app.store.get_response(&rec.key).await? {
        Some(first) if first.fingerprint == rec.fingerprint => Ok(replay(first)),
        _ => Err(ApiError::IdempotencyConflict(rec.key)),
    }
}
