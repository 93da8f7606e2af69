//! Prometheus metrics served by the app itself at `GET /metrics` (text format 0.0.4): request
//! counts by method, route template and status, a latency histogram by method and route, and
//! job counts. The route label is the matched template (`/v1/jobs/{id}`), never the raw path,
//! so the label set stays bounded; requests that match no route count as `<unmatched>`.
//!
//! With [`crate::Options::metrics_token`] set, a scrape must send
//! `Authorization: Bearer <token>` (401 otherwise).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::ApiError;
use crate::store::JOB_STATUSES;

/// Upper bounds of the latency buckets, seconds.
pub const BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    /// Cumulative counts are computed on output; these are per bucket (the last is +Inf).
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

/// The request metrics of this process.
#[derive(Debug, Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut routes = self.routes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = routes.entry((method.to_owned(), route.to_owned())).or_default();
        *s.by_status.entry(status).or_default() += 1;
        let i = BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len());
        s.buckets[i] += 1;
        s.sum += seconds;
        s.count += 1;
    }

    /// The request metrics in the text format.
    #[must_use]
    pub fn render(&self) -> String {
        let routes = self.routes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = String::new();
        out.push_str(
            "# HELP sextant_http_requests_total HTTP requests by method, route and status.\n\
             # TYPE sextant_http_requests_total counter\n",
        );
        for ((method, route), s) in routes.iter() {
            for (status, n) in &s.by_status {
                let _ = writeln!(
                    out,
                    "sextant_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    esc(method),
                    esc(route)
                );
            }
        }
        out.push_str(
            "# HELP sextant_http_request_duration_seconds HTTP request latency by method and route.\n\
             # TYPE sextant_http_request_duration_seconds histogram\n",
        );
        for ((method, route), s) in routes.iter() {
            let labels = format!("method=\"{}\",route=\"{}\"", esc(method), esc(route));
            let mut cum = 0;
            for (i, b) in BUCKETS.iter().enumerate() {
                cum += s.buckets[i];
                let _ = writeln!(
                    out,
                    "sextant_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {cum}"
                );
            }
            let _ = writeln!(
                out,
                "sextant_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ =
                writeln!(out, "sextant_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(
                out,
                "sextant_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

/// Escapes a label value.
fn esc(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The middleware that times every routed request.
pub async fn track(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "<unmatched>".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    app.metrics.observe(&method, &route, res.status().as_u16(), start.elapsed().as_secs_f64());
    res
}

/// `GET /metrics`.
pub async fn serve(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = app.options.metrics_token.as_deref() {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = given.is_some_and(|g| {
            // constant-time comparison of equal-length strings
            g.len() == token.len()
                && g.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        });
        if !ok {
            return ApiError::Unauthorized {
                code: "UNAUTHENTICATED",
                message: "send `Authorization: Bearer <metrics token>`".into(),
            }
            .into_response();
        }
    }
    let mut out = app.metrics.render();
    out.push_str(
        "# HELP sextant_jobs Jobs in the database by status.\n# TYPE sextant_jobs gauge\n",
    );
    let up = match app.store.job_counts().await {
        Ok(counts) => {
            for s in JOB_STATUSES {
                let n = counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
                let _ = writeln!(out, "sextant_jobs{{status=\"{s}\"}} {n}");
            }
            1
        }
        Err(e) => {
            tracing::warn!(error = %e, "counting jobs for /metrics failed");
            0
        }
    };
    out.push_str(
        "# HELP sextant_jobs_transitions_total Jobs this process queued, cancelled or finished, by status.\n\
         # TYPE sextant_jobs_transitions_total counter\n",
    );
    for (s, n) in JOB_STATUSES.iter().zip(app.jobs.finished_counts()) {
        if *s != "running" {
            let _ = writeln!(out, "sextant_jobs_transitions_total{{status=\"{s}\"}} {n}");
        }
    }
    let _ = writeln!(
        out,
        "# HELP sextant_database_up Whether the last query for /metrics succeeded.\n\
         # TYPE sextant_database_up gauge\nsextant_database_up {up}"
    );
    let mut res = (StatusCode::OK, out).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}
