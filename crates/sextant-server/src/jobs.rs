//! Background jobs: any declared function run off the request, for long runs (Monte Carlo,
//! backtests). `POST /v1/jobs` takes `{"module", "name", "inputs", "params"}` (the body of
//! `POST /v1/{module}/{name}` plus the function's name), checks the inputs and parameters at
//! once (a bad request is a 422, not a failed job) and answers 202 with the job. Workers in the
//! server claim queued jobs from the database, run them through the same
//! [`convert::compute`] as the synchronous route and store the answer or the error.
//!
//! The lifecycle: `queued` -> `running` -> `done` | `failed`, and `cancelled` from `queued` or
//! `running`. Everything is in the `jobs` table, so it survives a restart:
//! - a **queued** job stays queued and runs after the restart;
//! - a **running** job's worker writes a heartbeat every [`JobOptions::heartbeat`]; a running
//!   job whose heartbeat is older than [`JobOptions::stale_after`] (the server stopped or
//!   crashed while it ran) becomes `failed` with the code `INTERRUPTED`. It is not retried on
//!   its own: the caller submits it again. The sweep runs on start and every heartbeat, so it
//!   also covers a server of several instances (a live instance keeps its jobs' heartbeats
//!   fresh).
//!
//! Jobs go to the server's queue ([`JobOptions::queue`], `default`): its workers claim and
//! sweep only that queue, so a deployment can give long runs their own instances.
//!
//! A claim is a conditional update (`queued` to `running`), so one job runs once even with
//! several workers or instances on one database. Only the owner sees a job (another user's id
//! answers 404, as an unknown one). At most [`max_active`] jobs per user are queued or running,
//! by tier.
//!
//! Progress: a simulation whose paths can be computed in blocks (parameters `paths` and
//! `first_path`, every output a paths array, as Python's chunked callers) runs as blocks of
//! paths `[first_path + done, first_path + done + n)` of about [`JobOptions::block_work`]
//! path-steps each; the result is the blocks' rows concatenated, the same numbers as one call
//! (a path's numbers depend only on the seed and its index). After each block the job's
//! `progress` is the fraction of paths done, and a cancelled job stops there. Other functions
//! run as one call: progress 0 until done, then 1; cancelling one marks it `cancelled` at once
//! and frees its worker, while the core call finishes on its blocking thread and its answer is
//! discarded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value as JsonValue};
use sextant_core::decl::{FunctionDecl, OutputKind};
use sextant_core::registry;
use tokio::sync::Notify;

use crate::accounts::{audit, Authed, Principal, Q};
use crate::app::{check_json_content_type, now_unix, AppState};
use crate::convert::{self, ComputeRequest};
use crate::error::{json_response, ApiError};
use crate::market::{page, paged, P};
use crate::store::{JobRec, JOB_STATUSES};

/// Settings of the job runner.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// The queue this process submits to and whose jobs its workers run (`default`).
    pub queue: String,
    /// Worker tasks in this process (each runs one job at a time; 0: this process only
    /// accepts jobs and another instance runs them).
    pub workers: usize,
    /// How often a running job's heartbeat is written and stale jobs are swept.
    pub heartbeat: Duration,
    /// A running job whose heartbeat is older than this is failed as interrupted.
    pub stale_after: Duration,
    /// How often an idle worker looks for queued jobs it was not told about (jobs queued by
    /// another instance, or left queued by a restart).
    pub poll: Duration,
    /// Path-steps per block of a simulation run in blocks (progress and cancel points):
    /// `max(64, block_work / steps)` paths per block.
    pub block_work: usize,
}

impl Default for JobOptions {
    fn default() -> Self {
        Self {
            queue: "default".into(),
            workers: 2,
            heartbeat: Duration::from_secs(5),
            stale_after: Duration::from_secs(30),
            poll: Duration::from_secs(1),
            block_work: 1 << 22,
        }
    }
}

/// Most queued or running jobs per user, by tier.
#[must_use]
pub fn max_active(tier: &str) -> i64 {
    match tier {
        "pro" => 10,
        "enterprise" | "admin" => 50,
        _ => 2,
    }
}

/// The in-process side of the queue: wakes idle workers and counts finished jobs.
#[derive(Debug)]
pub struct JobQueue {
    notify: Notify,
    worker_id: String,
    finished: [AtomicU64; 5],
}

impl Default for JobQueue {
    fn default() -> Self {
        Self {
            notify: Notify::new(),
            worker_id: crate::auth::random_id(),
            finished: Default::default(),
        }
    }
}

impl JobQueue {
    /// Jobs this process moved to each status (`JOB_STATUSES` order): the finished counters
    /// of `/metrics`.
    #[must_use]
    pub fn finished_counts(&self) -> [u64; 5] {
        std::array::from_fn(|i| self.finished[i].load(Ordering::Relaxed))
    }

    fn count(&self, status: &str) {
        if let Some(i) = JOB_STATUSES.iter().position(|s| *s == status) {
            self.finished[i].fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The error body stored on a job failed by the stale sweep.
fn interrupted_body() -> String {
    json!({"error": {"code": "INTERRUPTED", "message": "the server stopped while the job ran; \
        submit it again", "parameter": null}})
    .to_string()
}

/// Starts the workers and the stale sweep on the current runtime.
pub fn start(app: &AppState) {
    let opts = app.options.jobs.clone();
    for _ in 0..opts.workers {
        let app = app.clone();
        tokio::spawn(async move { worker(app).await });
    }
    let app = app.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(opts.heartbeat.max(Duration::from_millis(100)));
        loop {
            every.tick().await;
            sweep(&app).await;
        }
    });
}

async fn sweep(app: &AppState) {
    let stale = i64::try_from(app.options.jobs.stale_after.as_secs()).unwrap_or(i64::MAX);
    let now = now_unix();
    match app
        .store
        .fail_stale_jobs(
            &app.options.jobs.queue,
            now.saturating_sub(stale),
            &interrupted_body(),
            now,
        )
        .await
    {
        Ok(0) => {}
        Ok(n) => {
            tracing::warn!(jobs = n, "running jobs without a heartbeat failed as interrupted");
            for _ in 0..n {
                app.jobs.count("failed");
            }
        }
        Err(e) => tracing::warn!(error = %e, "sweeping stale jobs failed"),
    }
}

async fn worker(app: AppState) {
    loop {
        match app.store.claim_job(&app.options.jobs.queue, &app.jobs.worker_id, now_unix()).await {
            Ok(Some(job)) => run_one(&app, job).await,
            Ok(None) => {
                tokio::select! {
                    () = app.jobs.notify.notified() => {}
                    () = tokio::time::sleep(app.options.jobs.poll) => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "claiming a job failed");
                tokio::time::sleep(app.options.jobs.poll).await;
            }
        }
    }
}

/// The outcome of one run: (status, result, error).
type Outcome = (&'static str, Option<String>, Option<String>);

fn failed(e: &ApiError) -> Outcome {
    ("failed", None, Some(String::from_utf8_lossy(&e.body_bytes()).into_owned()))
}

async fn run_one(app: &AppState, job: JobRec) {
    let span = tracing::info_span!("job", id = %job.id, function = %format!("{}/{}", job.module, job.name));
    let _enter = span.enter();
    let Some(decl) = registry::find(&job.module, &job.name) else {
        let e = ApiError::UnknownFunction { module: job.module.clone(), name: job.name.clone() };
        finish(app, &job.id, failed(&e)).await;
        return;
    };
    let req: ComputeRequest = match serde_json::from_str(&job.request) {
        Ok(r) => r,
        Err(e) => {
            finish(app, &job.id, failed(&ApiError::InvalidBody(e.to_string()))).await;
            return;
        }
    };
    let outcome = match blocks(decl, &req, app.options.jobs.block_work) {
        Some((first, paths, block)) => {
            run_blocks(app, &job.id, decl, req, (first, paths, block)).await
        }
        None => run_call(app, &job.id, decl, req, 0.0).await.map(|r| match r {
            Ok(v) => ("done", Some(v.to_string()), None),
            Err(e) => failed(&e),
        }),
    };
    // None: cancelled (or declared stale) while it ran; the answer is discarded
    match outcome {
        Some(o) => finish(app, &job.id, o).await,
        None => tracing::info!("job no longer running; its answer will be discarded"),
    }
}

/// `(first_path, paths, paths per block)` when `decl` is a simulation computed in blocks (its
/// parameters include `paths` and `first_path` and every output is a paths array) and the run
/// is larger than one block.
fn blocks(
    decl: &'static FunctionDecl,
    req: &ComputeRequest,
    block_work: usize,
) -> Option<(u64, u64, u64)> {
    let has = |n: &str| decl.params.iter().any(|p| p.name == n);
    let in_blocks = has("paths")
        && has("first_path")
        && decl.outputs.iter().all(|o| o.kind == OutputKind::Paths);
    if !in_blocks {
        return None;
    }
    // the parameters with their defaults (checked at submission)
    let params = convert::params(decl, &req.params).ok()?;
    let int = |n: &str| -> Option<u64> {
        let k = decl.params.iter().position(|p| p.name == n)?;
        params.values().get(k)?.as_int().and_then(|v| u64::try_from(v).ok())
    };
    let (paths, first) = (int("paths")?, int("first_path")?);
    let steps = if has("steps") { int("steps")?.max(1) } else { 1 };
    let block = (u64::try_from(block_work).unwrap_or(u64::MAX) / steps).max(64);
    (paths > block).then_some((first, paths, block))
}

/// One core call on a blocking thread, with the job's heartbeat (and `progress`) written while
/// it runs; `None` when the job stopped running meanwhile (cancelled or swept).
async fn run_call(
    app: &AppState,
    id: &str,
    decl: &'static FunctionDecl,
    req: ComputeRequest,
    progress: f64,
) -> Option<Result<JsonValue, ApiError>> {
    let mut task = tokio::task::spawn_blocking(move || -> Result<JsonValue, ApiError> {
        let out = convert::compute(decl, &req)?;
        serde_json::to_value(&out).map_err(|e| ApiError::Internal(e.to_string()))
    });
    let mut beat =
        tokio::time::interval(app.options.jobs.heartbeat.max(Duration::from_millis(100)));
    beat.tick().await;
    loop {
        tokio::select! {
            joined = &mut task => break Some(match joined {
                Ok(r) => r,
                Err(join) => Err(ApiError::Internal(format!("the job's task failed: {join}"))),
            }),
            _ = beat.tick() => match app.store.job_heartbeat(id, now_unix(), progress).await {
                Ok(false) => break None,
                Ok(true) => {}
                Err(e) => tracing::warn!(error = %e, "job heartbeat failed"),
            },
        }
    }
}

/// A simulation as blocks of paths (see the module doc): each block's output rows appended,
/// `progress` written after each block, and the run stopped at a block boundary when the job
/// was cancelled.
async fn run_blocks(
    app: &AppState,
    id: &str,
    decl: &'static FunctionDecl,
    req: ComputeRequest,
    (first, paths, block): (u64, u64, u64),
) -> Option<Outcome> {
    let mut whole: Option<JsonValue> = None;
    let mut done = 0u64;
    while done < paths {
        let n = block.min(paths - done);
        let mut part = ComputeRequest { inputs: req.inputs.clone(), params: req.params.clone() };
        part.params.insert("paths".into(), json!(n));
        part.params.insert("first_path".into(), json!(first + done));
        #[allow(clippy::cast_precision_loss, reason = "a fraction")]
        let progress = done as f64 / paths as f64;
        let mut out = match run_call(app, id, decl, part, progress).await? {
            Ok(v) => v,
            Err(e) => return Some(failed(&e)),
        };
        match &mut whole {
            None => whole = Some(out),
            Some(w) => {
                for o in decl.outputs {
                    let rows = out["outputs"][o.name].as_array_mut().map(std::mem::take);
                    if let (Some(all), Some(rows)) = (w["outputs"][o.name].as_array_mut(), rows) {
                        all.extend(rows);
                    }
                }
            }
        }
        done += n;
        #[allow(clippy::cast_precision_loss, reason = "a fraction")]
        let progress = done as f64 / paths as f64;
        if done < paths {
            match app.store.job_heartbeat(id, now_unix(), progress).await {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => tracing::warn!(error = %e, "job heartbeat failed"),
            }
        }
    }
    let mut whole = whole?;
    // the parameters as asked: the whole run, not the last block
    whole["params"]["paths"] = json!(paths);
    whole["params"]["first_path"] = json!(first);
    Some(("done", Some(whole.to_string()), None))
}

async fn finish(app: &AppState, id: &str, (status, result, error): Outcome) {
    // A few tries: losing a finished job's answer to a passing database error is costly.
    for attempt in 0..3u32 {
        match app
            .store
            .finish_job(id, status, result.as_deref(), error.as_deref(), now_unix())
            .await
        {
            Ok(true) => {
                app.jobs.count(status);
                tracing::info!(status, "job finished");
                return;
            }
            Ok(false) => {
                tracing::info!("job cancelled or swept while it ran; its answer is discarded");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, attempt, "storing a job's outcome failed");
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
        }
    }
}

/// A time-ordered id: 12 hex digits of unix milliseconds, then 20 random hex digits (32 in
/// all), so ids sort by creation time.
pub(crate) fn ordered_id() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{:012x}{}", ms & 0xffff_ffff_ffff, &crate::auth::random_id()[..20])
}

// --- routes -------------------------------------------------------------------------------------

fn bad(field: &'static str, reason: impl Into<String>) -> ApiError {
    ApiError::InvalidField { field, reason: reason.into() }
}

/// The body of `POST /v1/jobs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobReq {
    module: String,
    name: String,
    #[serde(default)]
    inputs: Map<String, JsonValue>,
    #[serde(default)]
    params: Map<String, JsonValue>,
}

fn opt_error(text: Option<&str>) -> JsonValue {
    text.and_then(|t| serde_json::from_str::<JsonValue>(t).ok())
        .map_or(JsonValue::Null, |v| v.get("error").cloned().unwrap_or(v))
}

/// A job as answered (without its request and result).
#[must_use]
pub fn job_json(j: &JobRec) -> JsonValue {
    json!({
        "id": j.id, "module": j.module, "name": j.name, "status": j.status,
        "progress": j.progress, "created_at": j.created_at, "started_at": j.started_at,
        "finished_at": j.finished_at, "error": opt_error(j.error.as_deref()),
        "result_url": format!("/v1/jobs/{}/result", j.id),
    })
}

/// The caller's job with this id (404 for an unknown id and for another user's).
async fn owned(app: &AppState, p: &Principal, id: &str) -> Result<JobRec, ApiError> {
    if !crate::market::is_record_id(id) {
        return Err(ApiError::NoSuchResource("job"));
    }
    match app.store.job(id).await? {
        Some(j) if j.user_id == p.user.id => Ok(j),
        _ => Err(ApiError::NoSuchResource("job")),
    }
}

async fn submit(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
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
    // Parse and check off the async threads: a body can be megabytes of numbers.
    let (req, decl) = tokio::task::spawn_blocking(move || {
        let req: JobReq = serde_json::from_slice(&body).map_err(|e| {
            if e.is_data() {
                ApiError::InvalidBody(e.to_string())
            } else {
                ApiError::MalformedJson(e.to_string())
            }
        })?;
        let Some(decl) = registry::find(&req.module, &req.name) else {
            return Err(bad(
                "name",
                format!("no function {}/{}; GET /v1/functions lists them", req.module, req.name),
            ));
        };
        convert::inputs(decl, &req.inputs)?;
        convert::params(decl, &req.params)?;
        Ok((req, decl))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("checking the job failed: {e}")))??;

    let limit = max_active(&p.user.tier);
    if app.store.active_jobs(&p.user.id).await? >= limit {
        return Err(ApiError::TooManyJobs { limit, tier: p.user.tier.clone() });
    }
    let request = json!({"inputs": req.inputs, "params": req.params}).to_string();
    let job = JobRec {
        id: ordered_id(),
        user_id: p.user.id.clone(),
        module: decl.module.as_str().to_owned(),
        name: decl.name.to_owned(),
        queue: app.options.jobs.queue.clone(),
        status: "queued".into(),
        progress: 0.0,
        request,
        result: None,
        error: None,
        created_at: now_unix(),
        started_at: None,
        finished_at: None,
    };
    app.store.create_job(&job).await?;
    app.jobs.count("queued");
    app.jobs.notify.notify_one();
    audit(
        &app,
        &ctx,
        Some(&p.user.id),
        "job.create",
        Some(&job.id),
        json!({"function": format!("{}/{}", job.module, job.name)}),
    )
    .await?;
    let mut res = (StatusCode::ACCEPTED, Json(job_json(&job))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/jobs/{}", job.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

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
    status: Option<String>,
}

async fn list(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    Q(q): Q<ListQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    let (limit, offset) = page(q.limit, q.offset, 100, 1000)?;
    let desc = crate::market::sort_desc_or(q.sort.as_deref(), "created_at", true)?;
    if let Some(s) = q.status.as_deref() {
        if !JOB_STATUSES.contains(&s) {
            return Err(bad("status", format!("must be one of {}", JOB_STATUSES.join(", "))));
        }
    }
    let mut rows =
        app.store.jobs_of(&p.user.id, q.status.as_deref(), desc, limit + 1, offset).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(Json(paged(rows.iter().map(job_json).collect(), limit, offset, more)))
}

async fn get_one(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
) -> Result<Json<JsonValue>, ApiError> {
    Ok(Json(job_json(&owned(&app, &p, &id).await?)))
}

async fn result(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
) -> Result<Response, ApiError> {
    let job = owned(&app, &p, &id).await?;
    match (job.status.as_str(), job.result) {
        ("done", Some(r)) => Ok(json_response(StatusCode::OK, r.into_bytes())),
        ("failed", _) => Err(ApiError::Conflict(
            "the job failed: it has no result (GET /v1/jobs/{id} shows the error)".into(),
        )),
        (status, _) => Err(ApiError::Conflict(format!("the job is {status}: it has no result"))),
    }
}

async fn cancel(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    P(id): P<String>,
) -> Result<Json<JsonValue>, ApiError> {
    let job = owned(&app, &p, &id).await?;
    if !app.store.cancel_job(&id, now_unix()).await? {
        return Err(ApiError::Conflict(format!(
            "the job is {} already: only a queued or running job can be cancelled",
            job.status
        )));
    }
    app.jobs.count("cancelled");
    audit(&app, &ctx, Some(&p.user.id), "job.cancel", Some(&id), json!({})).await?;
    let job = owned(&app, &p, &id).await?;
    Ok(Json(job_json(&job)))
}

/// A user's jobs for the GDPR export: each job with its request (results are not repeated:
/// they are the function's answer to that request).
pub(crate) async fn export_of(app: &AppState, user_id: &str) -> Result<Vec<JsonValue>, ApiError> {
    let mut out = Vec::new();
    for j in app.store.jobs_of(user_id, None, false, 100_000, 0).await? {
        let mut v = job_json(&j);
        if let Some(full) = app.store.job(&j.id).await? {
            v["request"] = serde_json::from_str(&full.request).unwrap_or(JsonValue::Null);
        }
        out.push(v);
    }
    Ok(out)
}

/// The job routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/jobs", get(list).post(submit))
        .route("/v1/jobs/{id}", get(get_one))
        .route("/v1/jobs/{id}/result", get(result))
        .route("/v1/jobs/{id}/cancel", post(cancel))
}
