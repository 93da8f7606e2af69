//! AutoIndex as a service on SQLite and PostgreSQL, over the demo's SPX and IXIC daily bars:
//! the backtest, allocation and simulation equal the core's run in the test over the same
//! stored closes; only the owner sees a strategy; the scheduler records a due rebalance once,
//! also when two servers share the database, and runs a rebalance missed while down once.

use std::time::Duration;

use chrono::NaiveDate;
use reqwest::Method;
use serde_json::{json, Value as Json};
use sextant_core::autoindex::{backtest, simulate, AssetData, MarketData, SimConfig, Strategy};
use sextant_server::provider::{self, FileReplay};
use sextant_server::store::StrategyRec;
use sextant_server::Options;

use crate::accounts::{call, get, post, user};
use crate::common::{assert_error, start_on, start_with, TestServer};

fn strategy() -> Json {
    json!({"version": 1, "universe": {"kind": "static", "symbols": ["SPX", "IXIC"]},
        "weighting": {"scheme": "inverse_volatility", "window": 63},
        "schedule": {"kind": "monthly"}, "costs": {"bps": 10}})
}

/// A server whose scheduler ticks every `tick_ms` (`None`: no scheduler).
fn options(tick_ms: Option<u64>) -> Options {
    let mut o = Options::default();
    o.auth.rate_limits = sextant_server::ratelimit::RateLimits::default().scaled(1000.0);
    o.scheduler_tick = tick_ms.map(Duration::from_millis);
    // short: a run of another test's strategy (on PostgreSQL the suite shares the database)
    // that this test's end cuts off is taken again soon
    o.scheduler_lease = Duration::from_secs(3);
    o
}

/// The core's market data from the stored closes (SPX and IXIC share their dates).
async fn core_data(s: &TestServer, from: i64) -> MarketData {
    let mut assets = Vec::new();
    let mut dates = Vec::new();
    for sym in ["SPX", "IXIC"] {
        let bars = s.store.bars(sym, "1d", from, i64::MAX).await.unwrap();
        dates = bars
            .iter()
            .map(|b| chrono::DateTime::from_timestamp(b.ts, 0).unwrap().date_naive())
            .collect::<Vec<NaiveDate>>();
        assets.push(AssetData {
            symbol: sym.into(),
            close: bars.iter().map(|b| b.close).collect(),
            open: None,
            total_return: None,
            volume: None,
        });
    }
    MarketData { dates, assets, benchmark: None }
}

async fn create(s: &TestServer, token: &str, body: &Json) -> String {
    let (st, b) = post(s, "/v1/autoindex/strategies", Some(token), body).await;
    assert_eq!(st, 201, "{b}");
    b["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn strategies_backtest_simulate_and_rebalance_as_the_core() {
    let s = start_with(options(None)).await;
    provider::load(&s.store, &FileReplay::demo()).await.unwrap();
    let (_, _, alice, _) = user(&s, "ai-alice").await;
    let (_, _, bob, _) = user(&s, "ai-bob").await;
    let id = create(&s, &alice, &json!({"name": "Two indexes", "strategy": strategy()})).await;
    let base = format!("/v1/autoindex/strategies/{id}");
    let (st, b) = get(&s, &base, Some(&alice)).await;
    assert_eq!((st, &b["strategy"], &b["auto_rebalance"]), (200, &strategy(), &Json::Null));

    // the core validates the configuration; the universe must be instruments
    let mut v2 = strategy();
    v2["version"] = json!(2);
    let (st, b) =
        post(&s, "/v1/autoindex/strategies", Some(&alice), &json!({"name": "x", "strategy": v2}))
            .await;
    assert_eq!((st, b["error"]["parameter"].as_str()), (422, Some("strategy.version")), "{b}");
    let mut unknown = strategy();
    unknown["universe"]["symbols"] = json!(["SPX", "NOPE"]);
    let (st, b) = post(
        &s,
        "/v1/autoindex/strategies",
        Some(&alice),
        &json!({"name": "x", "strategy": unknown}),
    )
    .await;
    assert_error(st, &b, 422, "INVALID_FIELD", Some("strategy"));
    let (st, b) = post(
        &s,
        "/v1/autoindex/strategies",
        Some(&alice),
        &json!({"name": "x", "strategy": strategy(), "auto_rebalance": "hourly"}),
    )
    .await;
    assert_error(st, &b, 422, "INVALID_FIELD", Some("auto_rebalance"));

    // backtest over the stored bars = the core's over the same closes (exact)
    let from = 1_262_304_000; // 2010-01-01
    let (st, got) = get(&s, &format!("{base}/backtest?from=2010-01-01"), Some(&alice)).await;
    assert_eq!(st, 200, "{got}");
    let core_strategy = Strategy::from_json(&strategy().to_string()).unwrap();
    let want = backtest(&core_strategy, &core_data(&s, from).await).unwrap();
    assert_eq!(got, serde_json::to_value(&want).unwrap());
    assert!(want.rebalances.len() > 90, "{}", want.rebalances.len());

    // simulate through the declared function over the index values from the first trade
    let cfg = json!({"version": 1, "method": "bootstrap", "horizon": 5, "paths": 200, "seed": 1});
    let (st, sim) = post(
        &s,
        &format!("{base}/simulate"),
        Some(&alice),
        &json!({"config": cfg, "from": "2010-01-01"}),
    )
    .await;
    assert_eq!(st, 200, "{sim}");
    let start = want.start.unwrap();
    let want_sim =
        simulate(&want.values[start..], &serde_json::from_value::<SimConfig>(cfg).unwrap())
            .unwrap();
    assert_eq!(sim["simulation"], serde_json::to_value(&want_sim).unwrap());

    // no allocation before the first rebalance; then the latest one
    let (st, b) = get(&s, &format!("{base}/allocation"), Some(&alice)).await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
    let (st, first) = post(&s, &format!("{base}/rebalance"), Some(&alice), &json!({})).await;
    assert_eq!((st, first["kind"].as_str()), (201, Some("manual")), "{first}");
    let full = backtest(&core_strategy, &core_data(&s, i64::MIN).await).unwrap();
    let last = full.rebalances.last().unwrap();
    assert_eq!(first["as_of"], "2018-12-31");
    assert_eq!(first["targets"]["SPX"].as_f64(), Some(last.targets[0]));
    assert_eq!(first["targets"]["IXIC"].as_f64(), Some(last.targets[1]));
    assert_eq!(first["value"].as_f64(), full.values.last().copied());
    assert_eq!(first["weights"]["IXIC"].as_f64(), Some(full.weights.last().unwrap()[1]));
    assert_eq!(first["last_rebalance"]["trade_date"], json!(last.trade_date));
    assert!((last.targets[0] + last.targets[1] - 1.0).abs() < 1e-12);
    let (_, second) = post(&s, &format!("{base}/rebalance"), Some(&alice), &json!({})).await;
    let (st, now) = get(&s, &format!("{base}/allocation"), Some(&alice)).await;
    assert_eq!((st, &now["id"]), (200, &second["id"]));
    let (_, hist) = get(&s, &format!("{base}/rebalances"), Some(&alice)).await;
    let ids: Vec<&Json> = hist["items"].as_array().unwrap().iter().map(|r| &r["id"]).collect();
    assert_eq!(ids, vec![&second["id"], &first["id"]]);
    let (_, hist) =
        get(&s, &format!("{base}/rebalances?sort=created_at&limit=1"), Some(&alice)).await;
    assert_eq!((&hist["items"][0]["id"], hist["next_offset"].as_i64()), (&first["id"], Some(1)));

    // the GDPR export has the strategy with its rebalances
    let (st, export) = get(&s, "/v1/account/export", Some(&alice)).await;
    assert_eq!(st, 200, "{export}");
    let mine = &export["autoindex_strategies"][0];
    assert_eq!((&mine["id"], mine["rebalances"].as_array().unwrap().len()), (&json!(id), 2));
    // Bob sees none of it
    let (_, list) = get(&s, "/v1/autoindex/strategies", Some(&bob)).await;
    assert_eq!(list["items"], json!([]));
    for (m, path) in [
        (Method::GET, ""),
        (Method::PUT, ""),
        (Method::DELETE, ""),
        (Method::GET, "/backtest"),
        (Method::POST, "/simulate"),
        (Method::POST, "/rebalance"),
        (Method::GET, "/allocation"),
        (Method::GET, "/rebalances"),
    ] {
        let body = match m {
            Method::PUT => Some(json!({"name": "mine", "strategy": strategy()})),
            Method::POST => Some(json!({})),
            _ => None,
        };
        let (st, _, b) = call(&s, m, &format!("{base}{path}"), Some(&bob), body.as_ref()).await;
        assert_error(st, &b, 404, "NOT_FOUND", None);
    }
    // update, then delete
    let (st, _, b) = call(
        &s,
        Method::PUT,
        &base,
        Some(&alice),
        Some(&json!({"name": "Renamed", "strategy": strategy(), "auto_rebalance": "weekly"})),
    )
    .await;
    assert_eq!(
        (st, b["name"].as_str(), b["auto_rebalance"].as_str()),
        (200, Some("Renamed"), Some("weekly"))
    );
    assert!(b["next_run_at"].as_i64().unwrap() % 86_400 == 0, "{b}");
    let (st, _, _) = call(&s, Method::DELETE, &base, Some(&alice), None).await;
    assert_eq!(st, 204);
    let (st, b) = get(&s, &base, Some(&alice)).await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
}

#[tokio::test]
async fn the_scheduler_runs_a_missed_rebalance_once_across_instances() {
    // `a` serves the API and runs no scheduler; two scheduling instances join below
    let a = start_with(options(None)).await;
    provider::load(&a.store, &FileReplay::demo()).await.unwrap();
    let (_, _, carol, _) = user(&a, "ai-carol").await;
    let id = create(
        &a,
        &carol,
        &json!({"name": "Daily", "strategy": strategy(), "auto_rebalance": "daily"}),
    )
    .await;
    let (_, b) = get(&a, &format!("/v1/autoindex/strategies/{id}"), Some(&carol)).await;
    let next = b["next_run_at"].as_i64().unwrap();
    let now = crate::accounts::now();
    assert!(next > now && next <= now + 86_400 && next % 86_400 == 0, "{b}");

    // the server was down when the run was due (long ago): put the due time in the past
    let mut rec: StrategyRec = a.store.strategy(&id).await.unwrap().unwrap();
    rec.next_run_at = Some(1_000);
    a.store.put_strategy(&rec).await.unwrap();
    // an instance claimed the run and stopped before recording it: its lease holds the run
    // for 2 s, then the run is free again
    let claimed = crate::accounts::now();
    let lease = claimed + 2;
    assert!(a.store.claim_strategy_run(&id, 1_000, claimed, lease).await.unwrap());
    assert!(!a.store.claim_strategy_run(&id, 1_000, claimed, lease).await.unwrap());
    assert!(a.store.due_strategies(claimed, 1_000).await.unwrap().iter().all(|s| s.id != id));
    // two scheduling instances on the same database: both see the due run once the lease passed
    let mut o = options(Some(100));
    o.auth.secret = a.options.auth.secret.clone();
    let b2 = start_on(a.store.clone(), None, o.clone()).await;
    let _b3 = start_on(a.store.clone(), None, o).await;
    let path = format!("/v1/autoindex/strategies/{id}/rebalances");
    let mut rows = Json::Null;
    for _ in 0..600 {
        let (_, hist) = get(&b2, &path, Some(&carol)).await;
        if !hist["items"].as_array().unwrap().is_empty() {
            // taken again only after the lease of the stopped instance
            let seen = crate::accounts::now();
            assert!(seen >= lease, "recorded at {seen}, before the lease end {lease}");
            rows = hist;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // more scheduler passes of both instances
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, hist) = get(&a, &path, Some(&carol)).await;
    assert_eq!(hist["items"].as_array().unwrap().len(), 1, "{hist}");
    assert_eq!(hist["items"][0]["id"], rows["items"][0]["id"]);
    assert_eq!(hist["items"][0]["kind"], "schedule");
    assert_eq!(hist["items"][0]["as_of"], "2018-12-31");
    // the next run is the first midnight after now, and the due run cannot be claimed again
    let rec = a.store.strategy(&id).await.unwrap().unwrap();
    let next = rec.next_run_at.unwrap();
    assert!(next > now && next % 86_400 == 0, "{next}");
    assert!(!a.store.claim_strategy_run(&id, 1_000, i64::MAX - 1, i64::MAX).await.unwrap());
    assert_eq!(rec.next_run_at, Some(next));
}
