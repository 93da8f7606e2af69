//! Several server instances on one database (issue #18), each with its own connection pool as
//! separate processes have: rate limits are shared (PostgreSQL; SQLite is one instance and
//! keeps its buckets in process memory), a refresh token spent on one instance is a detected
//! reuse on the other (also when both race), and a due AutoIndex rebalance runs once.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value as Json};
use sextant_server::provider::{self, FileReplay};
use sextant_server::ratelimit::RateLimits;
use sextant_server::{connect, Options};

use crate::accounts::{call, get, post, user};
use crate::common::{assert_error, database, start_on, unique_key, TestServer};

/// Two instances on one database, each with its own pool and the same token key; the first
/// keeps a temporary SQLite directory alive.
async fn pair(options: Options) -> (TestServer, TestServer) {
    let (db, dir) = database();
    let a = start_on(connect(&db).await.expect("database"), dir, options.clone()).await;
    let b = start_on(connect(&db).await.expect("database"), None, options).await;
    (a, b)
}

fn scaled() -> Options {
    let mut o = Options::default();
    o.auth.rate_limits = RateLimits::default().scaled(1000.0);
    o
}

/// A client address (documentation range 198.18.0.0/15) no other test or run used.
fn fresh_ip() -> String {
    let k = unique_key("ip");
    let h = k.bytes().fold(0u32, |h, c| h.wrapping_mul(31).wrapping_add(u32::from(c)));
    format!("198.{}.{}.{}", 18 + (h >> 16) % 2, (h >> 8) & 255, h & 255)
}

#[tokio::test]
async fn rate_limits_are_shared_by_the_instances() {
    let mut o = Options::default();
    o.auth.rate_limits = RateLimits {
        anonymous: 4,
        explorer: 6,
        auth_per_ip: 1000,
        per_ip_signed_in: 1_000_000,
        ..RateLimits::default()
    };
    o.auth.trust_forwarded_for = true;
    let (a, b) = pair(o.clone()).await;
    if a.store.backend() != "postgres" {
        // SQLite is one instance: each process keeps its own buckets (documented).
        return;
    }
    let ip = fresh_ip();
    let anon = |s: &TestServer| s.client.get(s.url("/v1/functions")).header("x-forwarded-for", &ip);
    for s in [&a, &b, &a, &b] {
        assert_eq!(anon(s).send().await.unwrap().status().as_u16(), 200);
    }
    for s in [&a, &b] {
        let res = anon(s).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 429, "the 5th request of the minute, on either instance");
        let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=15).contains(&retry), "{retry}");
    }
    // A signed-in explorer's 6 per minute, spent on both instances. The account is made on a
    // third instance with generous limits (the helpers call from 127.0.0.1).
    let mut setup = scaled();
    setup.auth.secret = o.auth.secret.clone();
    let c = start_on(connect(&database().0).await.expect("database"), None, setup).await;
    let (_, _, access, _) = user(&c, "shared-limit").await;
    for s in [&a, &b, &a, &b, &a, &b] {
        assert_eq!(get(s, "/v1/account", Some(&access)).await.0, 200);
    }
    for s in [&a, &b] {
        let (st, retry, body) = call(s, Method::GET, "/v1/account", Some(&access), None).await;
        assert_error(st, &body, 429, "RATE_LIMITED", None);
        assert!(retry.is_some());
    }
}

#[tokio::test]
async fn refresh_token_reuse_is_detected_across_instances() {
    let (a, b) = pair(scaled()).await;
    let (_, _, _, r1) = user(&a, "reuse-x").await;
    // rotate on A, present the spent token on B: the whole family is revoked
    let (st, t2) = post(&a, "/v1/auth/refresh", None, &json!({"refresh_token": r1})).await;
    assert_eq!(st, 200, "{t2}");
    let (st, body) = post(&b, "/v1/auth/refresh", None, &json!({"refresh_token": r1})).await;
    assert_error(st, &body, 401, "REFRESH_TOKEN_REUSED", None);
    let (st, body) =
        post(&a, "/v1/auth/refresh", None, &json!({"refresh_token": t2["refresh_token"]})).await;
    assert_eq!(st, 401, "the family is revoked on A too: {body}");
    let (st, _) = get(&a, "/v1/account", Some(t2["access_token"].as_str().unwrap())).await;
    assert_eq!(st, 401, "the session's access token is refused");

    // the same token presented to both at once: one spend, one detected reuse
    for _ in 0..3 {
        let (_, _, _, r) = user(&b, "reuse-race").await;
        let body = json!({"refresh_token": r});
        let (x, y) = tokio::join!(
            post(&a, "/v1/auth/refresh", None, &body),
            post(&b, "/v1/auth/refresh", None, &body)
        );
        // exactly one sees the token fresh; the other is a reuse (which revokes the family, so
        // the winner may still be refused if the revocation lands before it finishes)
        let reused =
            [&x, &y].iter().filter(|r| r.1["error"]["code"] == "REFRESH_TOKEN_REUSED").count();
        assert_eq!(reused, 1, "{} / {}", x.1, y.1);
        assert!(x.0 == 401 || y.0 == 401, "{} / {}", x.1, y.1);
    }
}

#[tokio::test]
async fn a_due_rebalance_runs_once_on_two_instances() {
    let mut o = scaled();
    o.scheduler_tick = Duration::from_millis(50);
    let (a, b) = pair(o).await;
    provider::load(&a.store, &FileReplay::demo()).await.unwrap();
    let (_, _, token, _) = user(&a, "ai-two").await;
    let strategy = json!({"version": 1, "universe": {"kind": "static", "symbols": ["SPX", "IXIC"]},
        "weighting": {"scheme": "inverse_volatility", "window": 63},
        "schedule": {"kind": "monthly"}, "costs": {"bps": 10}});
    let (st, created) = post(
        &a,
        "/v1/autoindex/strategies",
        Some(&token),
        &json!({"name": "Two", "strategy": strategy, "auto_rebalance": "daily"}),
    )
    .await;
    assert_eq!(st, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    // due long ago (the deployment was down): both schedulers see it at their next tick
    let mut rec = a.store.strategy(&id).await.unwrap().unwrap();
    rec.next_run_at = Some(1_000);
    a.store.put_strategy(&rec).await.unwrap();
    let path = format!("/v1/autoindex/strategies/{id}/rebalances");
    let mut seen = false;
    for _ in 0..600 {
        let (_, hist) = get(&b, &path, Some(&token)).await;
        if !hist["items"].as_array().unwrap().is_empty() {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "no scheduled rebalance within 30 s");
    tokio::time::sleep(Duration::from_millis(500)).await; // ten more ticks of each
    for s in [&a, &b] {
        let (_, hist) = get(s, &path, Some(&token)).await;
        let items: &Vec<Json> = hist["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{hist}");
        assert_eq!(items[0]["kind"], "schedule");
    }
}
