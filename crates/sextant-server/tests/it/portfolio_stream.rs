//! Portfolio value changes on the stream (issue #16), on SQLite and PostgreSQL: the value of a
//! portfolio's holdings at the last live prices plus its cash, pushed to its owner on each
//! quote (throttled), equal to `GET /v1/portfolios/{id}/holdings`'s `total_base` once the live
//! daily candles hold the same prices (to 1e-9; the ledger rounds to cents).

use std::str::FromStr;
use std::time::Duration;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Value as Json};
use sextant_server::market::Interval;

use crate::accounts::{get, post};
use crate::common::start_with;
use crate::market::{admin_and_user, create_instrument, sym};
use crate::realtime::{connect, next_json, request};

#[tokio::test]
async fn a_portfolio_value_follows_live_quotes() {
    let mut o = sextant_server::Options::default();
    o.auth.rate_limits = sextant_server::ratelimit::RateLimits::default().scaled(1000.0);
    o.realtime.intervals = vec![Interval::M1, Interval::D1];
    let s = start_with(o).await;
    let (admin, alice) = admin_and_user(&s).await;
    let (_, bob) = admin_and_user(&s).await;
    let (x, y) = (sym("PVX"), sym("PVY"));
    create_instrument(&s, &admin, &x, json!({})).await;
    create_instrument(&s, &admin, &y, json!({})).await;
    let (st, pf) = post(&s, "/v1/portfolios", Some(&alice), &json!({"name": "Live"})).await;
    assert_eq!(st, 201, "{pf}");
    let id = pf["id"].as_str().unwrap().to_owned();
    let (st, r) = post(&s, &format!("/v1/portfolios/{id}/transactions"), Some(&alice),
        &json!({"transactions": [
            {"timestamp": "2024-04-30T14:00:00Z", "type": "deposit", "currency": "USD", "amount": "10000"},
            {"timestamp": "2024-04-30T15:00:00Z", "type": "buy", "instrument": x, "quantity": "10", "price": "100", "fee": "1"},
            {"timestamp": "2024-04-30T15:01:00Z", "type": "buy", "instrument": y, "quantity": "5", "price": "50"}]})).await;
    assert!(st == 200 || st == 201, "{r}");

    let mut ws = connect(&s, &alice).await;
    let mut ev = Vec::new();
    let sub = json!({"op": "subscribe", "id": 1, "channel": "portfolio", "portfolio": id});
    let r = request(&mut ws, sub.clone(), &mut ev).await;
    assert_eq!(r["type"], "subscribed", "{r}");
    // no stored prices yet: no value
    assert_eq!((r["base_currency"].as_str(), &r["value"]), (Some("USD"), &Json::Null), "{r}");
    // another user's portfolio, a bad id
    let mut wb = connect(&s, &bob).await;
    let r = request(&mut wb, sub, &mut ev).await;
    assert_eq!((r["type"].as_str(), r["code"].as_str()), (Some("error"), Some("NOT_FOUND")), "{r}");
    let r = request(
        &mut wb,
        json!({"op": "subscribe", "id": 2, "channel": "portfolio",
        "portfolio": "../x"}),
        &mut ev,
    )
    .await;
    assert_eq!(r["code"], "INVALID_FIELD", "{r}");

    let t0 = 1_714_570_200; // 2024-05-01T13:30:00Z
    let (st, r) = post(
        &s,
        "/v1/quotes",
        Some(&admin),
        &json!({"quotes": [
        {"symbol": x, "ts": t0, "price": 101.0}, {"symbol": y, "ts": t0 + 5, "price": 52.0},
        {"symbol": x, "ts": t0 + 60, "price": 103.0}]}),
    )
    .await;
    assert_eq!((st, r["accepted"].as_u64()), (200, Some(3)), "{r}");
    // cash 10000 - 10 x 100 - 1 - 5 x 50 = 8749; 10 x 103 + 5 x 52 = 1290
    let want = 8749.0 + 10.0 * 103.0 + 5.0 * 52.0;
    let mut values = Vec::new();
    let read = async {
        loop {
            let m = next_json(&mut ws).await.expect("stream");
            for e in m["events"].as_array().into_iter().flatten() {
                assert_eq!(e["type"], "portfolio", "{e}");
                assert_eq!(e["id"], id.as_str());
                values.push(e["value"].as_f64().unwrap());
                if values.last() == Some(&want) {
                    return;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.expect("the final value");
    // only values of the quotes' prices (some held back by the throttle), never a missing price
    for v in &values {
        assert!([8749.0 + 1010.0 + 260.0, want].contains(v), "{values:?}");
    }
    // the ledger's valuation over the live daily candles (same prices)
    let (st, h) = get(&s, &format!("/v1/portfolios/{id}/holdings"), Some(&alice)).await;
    assert_eq!(st, 200, "{h}");
    let total = Decimal::from_str(h["total_base"].as_str().unwrap()).unwrap().to_f64().unwrap();
    assert!((total - want).abs() < 1e-9, "{h}");

    let r = request(
        &mut ws,
        json!({"op": "unsubscribe", "id": 3, "channel": "portfolio",
        "portfolio": id}),
        &mut ev,
    )
    .await;
    assert_eq!(r["type"], "unsubscribed", "{r}");
}
