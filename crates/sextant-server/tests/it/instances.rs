//! Several server instances on one database (issue #18), each with its own connection pool as
//! separate processes have: rate limits are shared (PostgreSQL; SQLite is one instance and
//! keeps its buckets in process memory), a refresh token spent on one instance is a detected
//! reuse on the other (also when both race), a due AutoIndex rebalance runs once, and live
//! events raised on one instance reach WebSocket clients of the other exactly once, also across
//! a lost fan-out listener (PostgreSQL LISTEN/NOTIFY; SQLite is one instance).

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value as Json};
use sextant_server::provider::{self, FileReplay};
use sextant_server::ratelimit::RateLimits;
use sextant_server::{connect, Options};

use crate::accounts::{call, get, post, user};
use crate::common::{assert_error, database, start_on, unique_key, TestServer};
use crate::market::{admin_and_user, create_instrument, sym};
use crate::realtime::{connect as ws_connect, drain, next_json, request, Ws};

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
    o.scheduler_tick = Some(Duration::from_millis(50));
    // short: a run of another test's strategy (the suite shares the database) that this test's
    // end cuts off is taken again soon
    o.scheduler_lease = Duration::from_secs(3);
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

// --- real-time fan-out ----------------------------------------------------------------------------

/// The instance's fan-out state from `/ready`, once its listener listens.
async fn listening(s: &TestServer) -> Json {
    for _ in 0..500 {
        let (_, r) = s.get("/ready").await;
        if r["fanout"]["listening"] == true {
            return r["fanout"].clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the fan-out listener did not start within 10 s");
}

/// Waits until `pred` holds for the instance's fan-out state (10 s at most).
async fn fanout_until(s: &TestServer, what: &str, pred: impl Fn(&Json) -> bool) -> Json {
    for _ in 0..500 {
        let (_, r) = s.get("/ready").await;
        if pred(&r["fanout"]) {
            return r["fanout"].clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what}: not within 10 s");
}

/// Reads events until one satisfies `last` (10 s at most); returns all read.
async fn events_until(ws: &mut Ws, last: impl Fn(&Json) -> bool) -> Vec<Json> {
    let mut out = Vec::new();
    let read = async {
        loop {
            let m = next_json(ws).await.expect("the stream ended");
            if m["type"] == "events" {
                for e in m["events"].as_array().unwrap() {
                    out.push(e.clone());
                    if last(e) {
                        return;
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.expect("the awaited event");
    out
}

async fn subscribe(ws: &mut Ws, msgs: &[Json]) {
    let mut ev = Vec::new();
    for m in msgs {
        let r = request(ws, m.clone(), &mut ev).await;
        assert_eq!(r["type"], "subscribed", "{r}");
    }
    assert!(ev.is_empty(), "{ev:?}");
}

fn named(o: &Options, name: &str) -> Options {
    let mut o = o.clone();
    o.realtime.instance = Some(name.into());
    o
}

const T0: i64 = 1_714_570_200; // 2024-05-01T13:30:00Z

#[tokio::test]
async fn live_events_raised_on_one_instance_reach_the_other_exactly_once() {
    let (db, dir) = database();
    if !matches!(db, sextant_server::Database::Url(_)) {
        return; // SQLite is one instance: nothing to fan out
    }
    let o = scaled(); // one token key for both
    let a = start_on(connect(&db).await.unwrap(), dir, named(&o, "fo-a")).await;
    let b = start_on(connect(&db).await.unwrap(), None, named(&o, "fo-b")).await;
    listening(&a).await;
    let fb = listening(&b).await;
    let b_id = fb["instance"].as_str().unwrap().to_owned();
    let (admin, user) = admin_and_user(&a).await;
    let symbol = sym("FO");
    let name = format!("Zebulon Fanout {symbol}");
    create_instrument(&a, &admin, &symbol, json!({"name": name})).await;
    // the alert is created on B; A, which ingests the quotes, evaluates it
    let (st, alert) = post(
        &b,
        "/v1/alerts",
        Some(&user),
        &json!({"symbol": symbol, "op": "crosses_above", "level": 100.0}),
    )
    .await;
    assert_eq!(st, 201, "{alert}");
    let subs = [
        json!({"op": "subscribe", "id": 1, "channel": "alerts"}),
        json!({"op": "subscribe", "id": 2, "channel": "quotes", "symbol": symbol}),
        json!({"op": "subscribe", "id": 3, "channel": "bars", "symbol": symbol}),
        json!({"op": "subscribe", "id": 4, "channel": "indicator", "symbol": symbol,
            "indicator": {"name": "SMA", "params": {"timeperiod": 2}}}),
        json!({"op": "subscribe", "id": 5, "channel": "news", "symbol": symbol}),
    ];
    let mut wa = ws_connect(&a, &user).await;
    let mut wb = ws_connect(&b, &user).await;
    subscribe(&mut wa, &subs).await;
    subscribe(&mut wb, &subs).await;
    // B's messages arrive in order: once A holds B's quote and indicator topics, it has loaded
    // the alert created before them
    fanout_until(&a, "A knows B's topics", |f| f["peer_topics"][&b_id] == 2).await;

    // one ingest on A: the third quote crosses 100 (the first only sets the side), the fifth
    // closes the first candle
    let quotes = |ps: &[(i64, f64)]| {
        json!({"quotes": ps.iter().map(|(t, p)| json!({"symbol": symbol, "ts": T0 + t,
            "price": p, "volume": 10})).collect::<Vec<_>>()})
    };
    let (st, r) = post(
        &a,
        "/v1/quotes",
        Some(&admin),
        &quotes(&[(0, 99.0), (10, 99.5), (20, 101.0), (30, 100.5), (60, 102.0)]),
    )
    .await;
    assert_eq!(
        (st, r["accepted"].as_u64(), r["alerts_fired"].as_u64()),
        (200, Some(5), Some(1)),
        "{r}"
    );
    // a later ingest on A is the barrier: B receives A's events in A's order
    let (st, _) = post(&a, "/v1/quotes", Some(&admin), &quotes(&[(120, 99.8)])).await;
    assert_eq!(st, 200);
    // news with a payload above NOTIFY's 8000 bytes (sent by reference)
    let url = format!("https://example.com/{}", "\u{1F600}".repeat(1950));
    let (st, r) = post(
        &a,
        "/v1/news",
        Some(&admin),
        &json!({"items": [{"source": "wire", "id": format!("{symbol}-1"),
            "published_at": "2024-05-01T14:00:00Z", "title": format!("{name} beats estimates"),
            "url": url}]}),
    )
    .await;
    assert_eq!(st, 200, "{r}");

    let is_news = |e: &Json| e["type"] == "news";
    let mut on_a = events_until(&mut wa, is_news).await;
    drain(&mut wa, &mut on_a).await;
    let mut on_b = events_until(&mut wb, is_news).await;
    drain(&mut wb, &mut on_b).await;
    // B saw exactly what A's own client saw, in the same order: the quotes, the closed candles,
    // the indicator values, the alert once, the news
    assert_eq!(on_b, on_a);
    let alerts: Vec<&Json> = on_b.iter().filter(|e| e["type"] == "alert").collect();
    assert_eq!(alerts.len(), 1, "{on_b:?}");
    assert_eq!(alerts[0]["alert_id"], alert["id"]);
    assert_eq!(
        (alerts[0]["value"].as_f64(), alerts[0]["threshold"].as_f64()),
        (Some(101.0), Some(100.0))
    );
    assert_eq!(alerts[0]["direction"], "above");
    let prices: Vec<f64> = on_b
        .iter()
        .filter(|e| e["type"] == "quote")
        .map(|e| e["price"].as_f64().unwrap())
        .collect();
    assert_eq!(prices, [99.0, 99.5, 101.0, 100.5, 102.0, 99.8]);
    let bars: Vec<[f64; 4]> = on_b
        .iter()
        .filter(|e| e["type"] == "bar")
        .map(|e| ["open", "high", "low", "close"].map(|k| e[k].as_f64().unwrap()))
        .collect();
    assert_eq!(bars, [[99.0, 101.0, 99.0, 100.5], [102.0, 102.0, 102.0, 102.0]]);
    let finals: Vec<&Json> =
        on_b.iter().filter(|e| e["type"] == "indicator" && e["final"] == true).collect();
    assert_eq!(finals.len(), 2, "{on_b:?}");
    assert_eq!(finals[1]["values"]["real"].as_f64(), Some((100.5 + 102.0) / 2.0));
    let news: Vec<&Json> = on_b.iter().filter(|e| is_news(e)).collect();
    assert_eq!(news.len(), 1);
    assert_eq!(news[0]["url"], url.as_str());
    let (_, ready) = a.get("/ready").await;
    assert!(ready["fanout"]["spilled"].as_u64().unwrap() >= 1, "{ready}");

    // an alert deleted on B is no longer evaluated on A (a later subscription on B is the
    // barrier: A has processed the deletion once it holds B's new topic)
    let id = alert["id"].as_str().unwrap();
    let (st, _, _) = call(&b, Method::DELETE, &format!("/v1/alerts/{id}"), Some(&user), None).await;
    assert_eq!(st, 204);
    let other = sym("FO");
    create_instrument(&a, &admin, &other, json!({})).await;
    subscribe(
        &mut wb,
        &[json!({"op": "subscribe", "id": 6, "channel": "quotes", "symbol": other})],
    )
    .await;
    fanout_until(&a, "A knows B's new topic", |f| f["peer_topics"][&b_id] == 3).await;
    let (st, r) = post(&a, "/v1/quotes", Some(&admin), &quotes(&[(180, 99.0), (190, 101.0)])).await;
    assert_eq!((st, r["alerts_fired"].as_u64()), (200, Some(0)), "{r}");
}

#[tokio::test]
async fn a_lost_listener_reconnects_and_delivers_the_missed_alert_once() {
    let (db, dir) = database();
    let sextant_server::Database::Url(url) = &db else {
        return; // SQLite is one instance: nothing to fan out
    };
    let mut o = scaled();
    o.realtime.fanout_retry = Duration::from_secs(3); // the gap: B stays deaf this long
    let a = start_on(connect(&db).await.unwrap(), dir, named(&o, "fo-a")).await;
    let b = start_on(connect(&db).await.unwrap(), None, named(&o, "fo-b")).await;
    listening(&a).await;
    let b_id = listening(&b).await["instance"].as_str().unwrap().to_owned();
    let (admin, user) = admin_and_user(&a).await;
    let symbol = sym("FOR");
    create_instrument(&a, &admin, &symbol, json!({})).await;
    let (st, alert) = post(
        &a,
        "/v1/alerts",
        Some(&user),
        &json!({"symbol": symbol, "op": "crosses", "level": 100.0}),
    )
    .await;
    assert_eq!(st, 201, "{alert}");
    let sub = [json!({"op": "subscribe", "id": 1, "channel": "alerts"})];
    let mut wb = ws_connect(&b, &user).await;
    subscribe(&mut wb, &sub).await;
    let quote = |t: i64, p: f64| json!({"quotes": [{"symbol": symbol, "ts": T0 + t, "price": p}]});
    let (st, _) = post(&a, "/v1/quotes", Some(&admin), &quote(0, 99.0)).await; // sets the side
    assert_eq!(st, 200);

    // cut B's listening connection (as a network failure or a PostgreSQL restart would)
    let pg = sqlx::PgPool::connect(url).await.unwrap();
    let cut: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE application_name = 'sextant-rt ' || $1",
    )
    .bind(&b_id)
    .fetch_one(&pg)
    .await
    .unwrap();
    assert_eq!(cut, 1);
    fanout_until(&b, "B notices the lost listener", |f| f["listening"] == false).await;
    // fired on A while B hears nothing
    let (st, r) = post(&a, "/v1/quotes", Some(&admin), &quote(10, 101.0)).await;
    assert_eq!((st, r["alerts_fired"].as_u64()), (200, Some(1)), "{r}");
    fanout_until(&b, "B listens again", |f| f["listening"] == true && f["reconnects"] == 1).await;
    // fired after the reconnect: delivered live
    let (st, r) = post(&a, "/v1/quotes", Some(&admin), &quote(20, 99.5)).await;
    assert_eq!((st, r["alerts_fired"].as_u64()), (200, Some(1)), "{r}");

    let mut got = events_until(&mut wb, |e| e["direction"] == "below").await;
    drain(&mut wb, &mut got).await;
    let dirs: Vec<(&str, f64)> = got
        .iter()
        .filter(|e| e["type"] == "alert")
        .map(|e| (e["direction"].as_str().unwrap(), e["value"].as_f64().unwrap()))
        .collect();
    // the missed one re-read from rt_alert_events once, then the live one
    assert_eq!(dirs, [("above", 101.0), ("below", 99.5)], "{got:?}");
    let f = fanout_until(&b, "B's counters", |_| true).await;
    assert!(f["caught_up"].as_u64().unwrap() >= 1, "{f}");
    pg.close().await;
}
