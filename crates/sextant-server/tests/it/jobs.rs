//! Background jobs on SQLite and PostgreSQL: a job's answer equals the synchronous route's,
//! failures keep the core's error, only the owner sees a job, the tier's limit of active jobs,
//! cancel, and the restart rules (queued jobs run after a restart; a running job without a
//! heartbeat fails as INTERRUPTED). Each server gets its own queue, so the suites running in
//! parallel on one PostgreSQL database never run each other's jobs.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value as Json};
use sextant_server::jobs::JobOptions;
use sextant_server::store::JobRec;
use sextant_server::Options;

use crate::accounts::{call, get, post, user};
use crate::common::{assert_error, start_on, start_with, unique_key, TestServer};

fn options(workers: usize, queue: &str) -> Options {
    let mut o = Options::default();
    o.auth.rate_limits = sextant_server::ratelimit::RateLimits::default().scaled(1000.0);
    o.jobs = JobOptions {
        queue: queue.to_owned(),
        workers,
        heartbeat: Duration::from_millis(200),
        stale_after: Duration::from_secs(30),
        poll: Duration::from_millis(100),
        // small blocks, so a modest simulation runs in several (progress and cancel points)
        block_work: 1 << 10,
    };
    o
}

/// Polls a job until it leaves queued and running (at most 120 s: a bound, not a timing
/// assertion).
async fn wait(s: &TestServer, token: &str, id: &str) -> Json {
    for _ in 0..1200 {
        let (st, b) = get(s, &format!("/v1/jobs/{id}"), Some(token)).await;
        assert_eq!(st, 200, "{b}");
        if !["queued", "running"].contains(&b["status"].as_str().unwrap()) {
            return b;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish");
}

async fn submit(s: &TestServer, token: &str, body: &Json) -> String {
    let (st, b) = post(s, "/v1/jobs", Some(token), body).await;
    assert_eq!(st, 202, "{b}");
    assert_eq!(b["status"], "queued", "{b}");
    b["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_job_answers_as_the_synchronous_route_and_only_to_its_owner() {
    let s = start_with(options(2, &unique_key("q"))).await;
    let (_, _, alice, _) = user(&s, "job-alice").await;
    let (_, _, bob, _) = user(&s, "job-bob").await;
    let params = json!({"s0": 100.0, "paths": 3, "steps": 4, "seed": 5, "full_paths": true});
    let id = submit(
        &s,
        &alice,
        &json!({"module": "mc", "name": "simulate_gbm", "inputs": {}, "params": params}),
    )
    .await;
    let job = wait(&s, &alice, &id).await;
    assert_eq!((job["status"].as_str(), job["progress"].as_f64()), (Some("done"), Some(1.0)));
    assert!(job["started_at"].is_i64() && job["finished_at"].is_i64(), "{job}");
    let (st, got) = get(&s, &format!("/v1/jobs/{id}/result"), Some(&alice)).await;
    assert_eq!(st, 200, "{got}");
    let (_, want) =
        s.post_json("/v1/mc/simulate_gbm", &json!({"inputs": {}, "params": params})).await;
    assert_eq!(got, want);

    // a failure found by the core while running keeps the core's code and parameter
    let cov = json!([[0.04, 0.05], [0.05, 0.04]]);
    let bad = submit(
        &s,
        &alice,
        &json!({"module": "mc", "name": "simulate_correlated_gbm",
                "inputs": {"s0": [1.0, 2.0], "mu": [0.0, 0.1], "cov": cov},
                "params": {"paths": 3}}),
    )
    .await;
    let job = wait(&s, &alice, &bad).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(
        (job["error"]["code"].as_str(), job["error"]["parameter"].as_str()),
        (Some("INVALID_INPUT"), Some("cov")),
        "{job}"
    );
    let (st, b) = get(&s, &format!("/v1/jobs/{bad}/result"), Some(&alice)).await;
    assert_error(st, &b, 409, "CONFLICT", None);

    // lists: newest first, status filter, paging
    let (_, list) = get(&s, "/v1/jobs", Some(&alice)).await;
    let ids: Vec<&str> =
        list["items"].as_array().unwrap().iter().map(|j| j["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "{list}");
    assert!(ids.contains(&id.as_str()) && ids.contains(&bad.as_str()));
    let (_, list) = get(&s, "/v1/jobs?status=failed", Some(&alice)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], bad);
    let (_, list) = get(&s, "/v1/jobs?limit=1&sort=created_at", Some(&alice)).await;
    assert_eq!(
        (list["items"].as_array().unwrap().len(), list["next_offset"].as_i64()),
        (1, Some(1))
    );
    let (st, b) = get(&s, "/v1/jobs?status=sleeping", Some(&alice)).await;
    assert_error(st, &b, 422, "INVALID_FIELD", Some("status"));

    // the GDPR export lists the jobs with their requests
    let (_, export) = get(&s, "/v1/account/export", Some(&alice)).await;
    assert_eq!(export["jobs"].as_array().unwrap().len(), 2, "{export}");
    let first = export["jobs"].as_array().unwrap().iter().find(|j| j["id"] == id.as_str()).unwrap();
    assert_eq!(first["request"]["params"], params);
    // Bob sees none of it: 404 as for an unknown id
    let (_, list) = get(&s, "/v1/jobs", Some(&bob)).await;
    assert_eq!(list["items"], json!([]));
    for (m, path) in [(Method::GET, ""), (Method::GET, "/result"), (Method::POST, "/cancel")] {
        let (st, _, b) = call(&s, m, &format!("/v1/jobs/{id}{path}"), Some(&bob), None).await;
        assert_error(st, &b, 404, "NOT_FOUND", None);
    }
    let (st, _, b) = call(&s, Method::GET, "/v1/jobs/not-an-id", Some(&alice), None).await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
    // a finished job cannot be cancelled
    let (st, b) = post(&s, &format!("/v1/jobs/{id}/cancel"), Some(&alice), &json!({})).await;
    assert_error(st, &b, 409, "CONFLICT", None);

    // bad submissions are refused at once, not queued as failures
    let (st, b) =
        post(&s, "/v1/jobs", Some(&alice), &json!({"module": "mc", "name": "nope"})).await;
    assert_error(st, &b, 422, "INVALID_FIELD", Some("name"));
    let (st, b) = post(
        &s,
        "/v1/jobs",
        Some(&alice),
        &json!({"module": "mc", "name": "simulate_gbm", "params": {"sigma": -0.1}}),
    )
    .await;
    assert_error(st, &b, 422, "OUT_OF_RANGE", Some("sigma"));
    let (st, b) = post(
        &s,
        "/v1/jobs",
        Some(&alice),
        &json!({"module": "mc", "name": "simulate_gbm", "extra": 1}),
    )
    .await;
    assert_error(st, &b, 422, "INVALID_BODY", None);
    let (st, b) =
        post(&s, "/v1/jobs", None, &json!({"module": "mc", "name": "simulate_gbm"})).await;
    assert_error(st, &b, 401, "UNAUTHENTICATED", None);
    let (_, list) = get(&s, "/v1/jobs", Some(&alice)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // /metrics counts the routes by template and the jobs by status
    let text = s.client.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        text.contains(
            r#"sextant_http_requests_total{method="GET",route="/v1/jobs/{id}",status="200"}"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"sextant_http_requests_total{method="POST",route="/v1/jobs",status="202"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"sextant_http_request_duration_seconds_count{method="POST",route="/v1/jobs"} 6"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"sextant_jobs_transitions_total{status="done"} 1"#), "{text}");
    assert!(text.contains(r#"sextant_jobs_transitions_total{status="failed"} 1"#), "{text}");
    assert!(text.contains("sextant_database_up 1"), "{text}");
}

/// A simulation larger than one block runs as blocks of paths: its answer is the one-call
/// answer exactly (a path's numbers depend only on the seed and its index), its progress rises
/// through the block fractions, and a cancel stops it at a block boundary.
#[tokio::test]
async fn a_simulation_runs_in_blocks_with_progress_and_the_one_call_answer() {
    let s = start_with(options(1, &unique_key("q"))).await;
    let (_, _, alice, _) = user(&s, "job-blocks").await;
    // block_work 1024 / 16 steps = 64 paths per block: 150 paths are 3 blocks (64, 64, 22)
    let params = json!({"s0": 100.0, "paths": 150, "steps": 16, "seed": 11, "full_paths": true,
                        "first_path": 7});
    let body = json!({"module": "mc", "name": "simulate_gbm", "inputs": {}, "params": params});
    let id = submit(&s, &alice, &body).await;
    let mut seen = Vec::new();
    let job = loop {
        let (_, b) = get(&s, &format!("/v1/jobs/{id}"), Some(&alice)).await;
        let p = b["progress"].as_f64().unwrap();
        if seen.last() != Some(&p) {
            seen.push(p);
        }
        if !["queued", "running"].contains(&b["status"].as_str().unwrap()) {
            break b;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert_eq!((job["status"].as_str(), job["progress"].as_f64()), (Some("done"), Some(1.0)));
    // whatever the poll caught lies on the block fractions 0, 64/150, 128/150, 1, in order
    let fractions = [0.0, 64.0 / 150.0, 128.0 / 150.0, 1.0];
    assert!(seen.iter().all(|p| fractions.contains(p)), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    let (_, got) = get(&s, &format!("/v1/jobs/{id}/result"), Some(&alice)).await;
    let (_, want) =
        s.post_json("/v1/mc/simulate_gbm", &json!({"inputs": {}, "params": params})).await;
    assert_eq!(got["outputs"]["paths"].as_array().unwrap().len(), 150);
    assert_eq!(got, want);
}

#[tokio::test]
async fn limits_cancel_and_the_restart_rules() {
    let queue = unique_key("q");
    // no workers: jobs stay queued
    let a = start_with(options(0, &queue)).await;
    let (_, carol_id, carol, _) = user(&a, "job-carol").await;
    let body = json!({"module": "mc", "name": "simulate_gbm", "params": {"paths": 3, "steps": 2, "seed": 1}});
    let first = submit(&a, &carol, &body).await;
    let second = submit(&a, &carol, &body).await;
    // the explorer tier allows 2 active jobs
    let (st, b) = post(&a, "/v1/jobs", Some(&carol), &body).await;
    assert_error(st, &b, 429, "TOO_MANY_JOBS", None);
    let (st, b) = post(&a, &format!("/v1/jobs/{first}/cancel"), Some(&carol), &json!({})).await;
    assert_eq!((st, b["status"].as_str()), (200, Some("cancelled")), "{b}");
    assert!(b["finished_at"].is_i64(), "{b}");
    let (st, b) = get(&a, &format!("/v1/jobs/{first}/result"), Some(&carol)).await;
    assert_error(st, &b, 409, "CONFLICT", None);
    let (st, b) = post(&a, &format!("/v1/jobs/{first}/cancel"), Some(&carol), &json!({})).await;
    assert_error(st, &b, 409, "CONFLICT", None);
    // a cancelled job frees its place
    let third = submit(&a, &carol, &body).await;

    // a job that was running when its server died: heartbeat long ago
    let orphan = sextant_server::auth::random_id();
    a.store
        .create_job(&JobRec {
            id: orphan.clone(),
            user_id: carol_id.clone(),
            module: "mc".into(),
            name: "simulate_gbm".into(),
            queue: queue.clone(),
            status: "running".into(),
            progress: 0.0,
            request: json!({"inputs": {}, "params": {}}).to_string(),
            result: None,
            error: None,
            created_at: 1,
            started_at: Some(1),
            finished_at: None,
        })
        .await
        .unwrap();

    // "restart": a server with workers on the same database and queue
    let mut restarted = options(2, &queue);
    restarted.auth.secret = a.options.auth.secret.clone(); // the tokens stay valid
    let b = start_on(a.store.clone(), None, restarted).await;
    for id in [&second, &third] {
        let job = wait(&b, &carol, id).await;
        assert_eq!(job["status"], "done", "{job}");
        let (st, got) = get(&b, &format!("/v1/jobs/{id}/result"), Some(&carol)).await;
        assert_eq!(st, 200);
        let (_, want) = b
            .post_json("/v1/mc/simulate_gbm", &json!({"inputs": {}, "params": body["params"]}))
            .await;
        assert_eq!(got, want);
    }
    let job = wait(&b, &carol, &orphan).await;
    assert_eq!(
        (job["status"].as_str(), job["error"]["code"].as_str()),
        (Some("failed"), Some("INTERRUPTED")),
        "{job}"
    );
    // the cancelled one never ran
    let (_, job) = get(&b, &format!("/v1/jobs/{first}"), Some(&carol)).await;
    assert_eq!((job["status"].as_str(), job["started_at"].as_i64()), (Some("cancelled"), None));
    drop(a);
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let mut o = options(0, &unique_key("q"));
    o.metrics_token = Some("scrape-secret-0123456789".into());
    let s = start_with(o).await;
    let res = s.client.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let res = s.client.get(s.url("/metrics")).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let res = s
        .client
        .get(s.url("/metrics"))
        .bearer_auth("scrape-secret-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    assert!(
        text.contains(
            r#"sextant_http_requests_total{method="GET",route="/metrics",status="401"} 2"#
        ),
        "{text}"
    );
    assert!(text.contains("# TYPE sextant_http_request_duration_seconds histogram"), "{text}");
}
