//! Alerts on daily news sentiment (issue #16) on SQLite and PostgreSQL: validated on create,
//! evaluated on every news ingest against the latest trading day's mean of the instrument's
//! mention scores (the core's `entity_sentiment` per item, averaged per day as the core's
//! `aggregate` does, exact to 1e-12), fired once per crossing, recorded and pushed.

use serde_json::{json, Value as Json};
use sextant_core::sentiment::{Asset, FinanceScorer, Universe};

use crate::accounts::{get, post};
use crate::common::{assert_error, start};
use crate::market::{admin_and_user, create_instrument, sym};
use crate::realtime::{connect, drain, request};

#[tokio::test]
async fn a_daily_sentiment_alert_fires_once_per_crossing_on_news_ingest() {
    let s = start().await;
    let (admin, user) = admin_and_user(&s).await;
    let symbol = sym("SNT");
    let name = format!("Gloomwood Anvils {symbol}");
    create_instrument(&s, &admin, &symbol, json!({"name": name})).await;

    // validated on create
    for (body, field) in [
        (
            json!({"symbol": symbol, "sentiment": {"measure": "median"}, "op": "crosses", "level": 0}),
            "sentiment",
        ),
        (
            json!({"symbol": symbol, "sentiment": {"half_life_hours": 0}, "op": "crosses", "level": 0}),
            "sentiment",
        ),
        (
            json!({"symbol": symbol, "sentiment": {}, "indicator": {"name": "RSI"}, "op": "crosses", "level": 0}),
            "sentiment",
        ),
        (
            json!({"symbol": symbol, "sentiment": {}, "op": "crosses", "level": 0, "on": "bar"}),
            "sentiment",
        ),
        (
            json!({"symbol": symbol, "sentiment": {"window": 3}, "op": "crosses", "level": 0}),
            "sentiment",
        ),
        (json!({"symbol": symbol, "sentiment": "mean", "op": "crosses", "level": 0}), "sentiment"),
        (json!({"symbol": symbol, "sentiment": {}, "op": "sideways", "level": 0}), "op"),
        (json!({"symbol": symbol, "sentiment": {}, "op": "enters_band", "band": [1, -1]}), "band"),
    ] {
        let (st, r) = post(&s, "/v1/alerts", Some(&user), &body).await;
        assert_error(st, &r, 422, "INVALID_FIELD", Some(field));
    }
    let (st, r) = post(
        &s,
        "/v1/alerts",
        Some(&user),
        &json!({"symbol": "NOSUCH_SNT", "sentiment": {}, "op": "crosses", "level": 0}),
    )
    .await;
    assert_error(st, &r, 404, "NOT_FOUND", None);
    let (st, alert) = post(
        &s,
        "/v1/alerts",
        Some(&user),
        &json!({"symbol": symbol,
        "sentiment": {"measure": "mean"}, "op": "crosses_below", "level": -0.5}),
    )
    .await;
    assert_eq!(st, 201, "{alert}");
    assert_eq!((alert["interval"].as_str(), alert["side"].as_i64()), (Some("news"), Some(0)));
    let id = alert["id"].as_str().unwrap().to_owned();

    let mut ws = connect(&s, &user).await;
    let mut pushed = Vec::new();
    let r = request(&mut ws, json!({"op": "subscribe", "id": 1, "channel": "alerts"}), &mut pushed)
        .await;
    assert_eq!(r["type"], "subscribed");

    // the reference: the core's entity score of each item for this instrument
    let scorer = FinanceScorer::builtin();
    let uni =
        Universe::new(vec![Asset { symbol: symbol.clone(), names: vec![name.clone()] }]).unwrap();
    let score = |t: &str| uni.entity_sentiment(t, |x| scorer.score(x))[0].score;
    let good = format!("{name} shares surge after record profit and strong growth.");
    let bad =
        format!("{name} shares plunge after fraud charges, huge losses and bankruptcy fears.");
    let worse = format!("{name} collapses: terrible losses, fraud and a crash in sales.");
    assert!(
        score(&good) > 0.0 && score(&bad) < -0.5 && score(&worse) < -0.5,
        "{} {} {}",
        score(&good),
        score(&bad),
        score(&worse)
    );
    let mut n = 0;
    let mut news = |title: &str, at: &str| {
        n += 1;
        json!({"items": [{"source": "wire", "id": format!("{symbol}-{n}"), "published_at": at,
            "title": title}]})
    };
    let events = || async {
        let (st, ev) = get(&s, &format!("/v1/alerts/events?alert_id={id}"), Some(&user)).await;
        assert_eq!(st, 200, "{ev}");
        ev["items"].as_array().unwrap().clone()
    };
    // Wednesday: positive (the first value only sets the side)
    let (st, r) = post(&s, "/v1/news", Some(&admin), &news(&good, "2024-05-01T14:00:00Z")).await;
    assert_eq!((st, r["tagged"].as_u64()), (200, Some(1)), "{r}");
    assert!(events().await.is_empty());
    let (_, a) = get(&s, &format!("/v1/alerts/{id}"), Some(&user)).await;
    assert_eq!(a["side"], 1, "{a}");
    // Thursday: negative: the day's mean is below -0.5, it fires
    post(&s, "/v1/news", Some(&admin), &news(&bad, "2024-05-02T14:00:00Z")).await;
    let ev = events().await;
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(
        (ev[0]["direction"].as_str(), ev[0]["threshold"].as_f64()),
        (Some("below"), Some(-0.5))
    );
    assert!((ev[0]["value"].as_f64().unwrap() - score(&bad)).abs() < 1e-12, "{ev:?}");
    assert_eq!(ev[0]["ts"], "2024-05-02T14:00:00Z");
    // the same as GET /v1/instruments/{symbol}/sentiment's day
    let (_, daily) = get(
        &s,
        &format!("/v1/instruments/{symbol}/sentiment?from=2024-05-02&to=2024-05-03"),
        Some(&user),
    )
    .await;
    assert_eq!(daily["days"][0]["mean"], ev[0]["value"], "{daily}");
    // more bad news the same day: still below, nothing more
    post(&s, "/v1/news", Some(&admin), &news(&worse, "2024-05-02T15:00:00Z")).await;
    assert_eq!(events().await.len(), 1);
    // Friday positive (back above: crosses_below does not fire), Monday negative: fires again,
    // with Monday's mean
    post(&s, "/v1/news", Some(&admin), &news(&good, "2024-05-03T14:00:00Z")).await;
    assert_eq!(events().await.len(), 1);
    post(&s, "/v1/news", Some(&admin), &news(&worse, "2024-05-06T14:00:00Z")).await;
    let ev = events().await;
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert!((ev[1]["value"].as_f64().unwrap() - score(&worse)).abs() < 1e-12, "{ev:?}");
    let (_, a) = get(&s, &format!("/v1/alerts/{id}"), Some(&user)).await;
    assert_eq!((a["side"].as_i64(), a["fired_count"].as_i64()), (Some(-1), Some(2)), "{a}");

    // pushed to the owner's stream, each once
    drain(&mut ws, &mut pushed).await;
    let got: Vec<&Json> = pushed.iter().filter(|e| e["type"] == "alert").collect();
    assert_eq!(got.len(), 2, "{pushed:?}");
    assert_eq!(got[0]["id"], ev[0]["id"]);
    assert_eq!(got[1]["id"], ev[1]["id"]);

    // deleted like every alert
    let res = s
        .client
        .delete(s.url(&format!("/v1/alerts/{id}")))
        .bearer_auth(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    post(&s, "/v1/news", Some(&admin), &news(&good, "2024-05-07T14:00:00Z")).await;
    let (st, _) = get(&s, &format!("/v1/alerts/{id}"), Some(&user)).await;
    assert_eq!(st, 404);
}
