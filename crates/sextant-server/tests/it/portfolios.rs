//! Portfolios end to end on SQLite and PostgreSQL: CRUD and isolation between users, the CSV
//! import (row errors, all or nothing, idempotent by file and by key), transactions through
//! the ledger, and the journey: register, enable 2FA, import the demo transactions, see
//! holdings, performance and risk, checked against the core ledger and closed forms.

use std::str::FromStr;

use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{json, Value as Json};
use sextant_core::ledger::{
    Instrument, Ledger, LedgerConfig, MarketData, OrderPolicy, PerformanceOptions,
};
use sextant_server::provider::{self, FileReplay, DEMO_TRANSACTIONS_CSV};

use crate::accounts::{call, enrol, get, post, user, PASSWORD};
use crate::common::{assert_error, start, unique_key, TestServer};
use crate::market::{admin_and_user, create_instrument, send, sym};

async fn portfolio(s: &TestServer, token: &str, body: Json) -> String {
    let (st, b) = post(s, "/v1/portfolios", Some(token), &body).await;
    assert_eq!(st, 201, "{b}");
    b["id"].as_str().unwrap().to_owned()
}

fn dec(v: &Json) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}"))).unwrap()
}

#[tokio::test]
async fn portfolios_crud_is_per_user() {
    let s = start().await;
    let (_, _, alice, _) = user(&s, "pf-alice").await;
    let (_, bob_id, bob, _) = user(&s, "pf-bob").await;
    let id = portfolio(
        &s,
        &alice,
        json!({"name": "Retirement", "base_currency": "EUR", "cost_basis": "lifo"}),
    )
    .await;
    let (st, b) = get(&s, &format!("/v1/portfolios/{id}"), Some(&alice)).await;
    assert_eq!(
        (st, b["base_currency"].as_str(), b["cost_basis"].as_str(), b["transactions"].as_i64()),
        (200, Some("EUR"), Some("lifo"), Some(0)),
        "{b}"
    );
    let second = portfolio(&s, &alice, json!({"name": "Play money"})).await;
    let (_, list) = get(&s, "/v1/portfolios?sort=-created_at&limit=1", Some(&alice)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["next_offset"], 1);
    let (_, list) = get(&s, "/v1/portfolios", Some(&alice)).await;
    let ids: Vec<&str> =
        list["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&id.as_str()) && ids.contains(&second.as_str()));
    // Bob sees none of it: every route with the id is a 404, as for an unknown id
    let (_, list) = get(&s, "/v1/portfolios", Some(&bob)).await;
    assert_eq!(list["items"], json!([]));
    for (m, path) in [
        (Method::GET, ""),
        (Method::PUT, ""),
        (Method::DELETE, ""),
        (Method::GET, "/transactions"),
        (Method::POST, "/transactions"),
        (Method::DELETE, "/transactions/1"),
        (Method::GET, "/holdings"),
        (Method::GET, "/performance"),
        (Method::GET, "/risk"),
    ] {
        let body = (m == Method::PUT).then(|| json!({"name": "mine"}))
            .or_else(|| (m == Method::POST).then(|| json!({"transactions": [{"timestamp": "2024-01-01", "type": "deposit", "currency": "USD", "amount": "1"}]})));
        let (st, _, b) =
            call(&s, m.clone(), &format!("/v1/portfolios/{id}{path}"), Some(&bob), body.as_ref())
                .await;
        assert_error(st, &b, 404, "NOT_FOUND", None);
    }
    let (st, b, _) = send(
        &s,
        Method::POST,
        &format!("/v1/portfolios/{id}/imports"),
        &bob,
        "text/csv",
        DEMO_TRANSACTIONS_CSV,
        None,
    )
    .await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
    assert_eq!(s.store.transactions(&id).await.unwrap().len(), 0);
    // anonymous callers are refused
    assert_eq!(get(&s, "/v1/portfolios", None).await.0, 401);
    // validation
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x", "base_currency": "us dollars"}), "base_currency"),
        (json!({"name": "x", "cost_basis": "hifo"}), "cost_basis"),
    ] {
        let (st, b) = post(&s, "/v1/portfolios", Some(&alice), &body).await;
        assert_error(st, &b, 422, "INVALID_FIELD", Some(field));
    }
    let (st, b) =
        post(&s, "/v1/portfolios", Some(&alice), &json!({"name": "x", "owner": bob_id})).await;
    assert_error(st, &b, 422, "INVALID_BODY", None);
    for bad in ["not-hex", "' OR 1=1 --"] {
        let (st, b) = get(&s, &format!("/v1/portfolios/{}", urlencode(bad)), Some(&alice)).await;
        assert_error(st, &b, 404, "NOT_FOUND", None);
    }
    // update and delete
    let (st, _, b) = call(
        &s,
        Method::PUT,
        &format!("/v1/portfolios/{id}"),
        Some(&alice),
        Some(&json!({"name": "Pension", "base_currency": "EUR"})),
    )
    .await;
    assert_eq!(
        (st, b["name"].as_str(), b["cost_basis"].as_str()),
        (200, Some("Pension"), Some("fifo"))
    );
    let (st, _, _) =
        call(&s, Method::DELETE, &format!("/v1/portfolios/{second}"), Some(&alice), None).await;
    assert_eq!(st, 204);
    assert_eq!(get(&s, &format!("/v1/portfolios/{second}"), Some(&alice)).await.0, 404);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn imports_validate_every_row_and_commit_all_or_nothing() {
    let s = start().await;
    let (admin, alice) = admin_and_user(&s).await;
    let x = sym("IMP");
    create_instrument(&s, &admin, &x, json!({})).await;
    let id = portfolio(&s, &alice, json!({"name": "Imports"})).await;
    let imports = format!("/v1/portfolios/{id}/imports");
    // every bad row is reported with its row number (the header is row 1) and column
    let csv = format!(
        "timestamp,type,instrument,currency,quantity,price,fee,amount\n\
        2024-01-02T15:00:00Z,deposit,,USD,,,,1000\n\
        2024-01-03T15:00:00Z,buy,{x},,ten,100,1,\n\
        yesterday,buy,{x},,1,100,,\n\
        2024-01-04T15:00:00Z,buy,NOPE,,1,100,,\n\
        2024-01-04T15:00:00Z,buy,{x},,1,,,\n\
        2024-01-04T15:00:00Z,deposit,{x},USD,,,,5\n\
        2024-01-04T15:00:00Z,teleport,,,,,,\n"
    );
    let (st, b, _) = send(&s, Method::POST, &imports, &alice, "text/csv", &csv, None).await;
    assert_error(st, &b, 422, "INVALID_ROWS", None);
    let rows: Vec<(i64, String)> = b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["column"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        rows,
        [
            (3, "quantity".into()),
            (4, "timestamp".into()),
            (5, "instrument".into()),
            (6, "price".into()),
            (7, "instrument".into()),
            (8, "type".into())
        ],
        "{b}"
    );
    assert_eq!(s.store.transactions(&id).await.unwrap().len(), 0, "nothing written");
    // a ledger error (selling more than held) names its row; nothing written
    let csv = format!(
        "type,timestamp,instrument,quantity,price,currency,amount\n\
        deposit,2024-01-02T15:00:00Z,,,,USD,1000\n\
        buy,2024-01-03T15:00:00Z,{x},5,100,,\n\
        sell,2024-01-04T15:00:00Z,{x},6,110,,\n"
    );
    let (st, b, _) = send(&s, Method::POST, &imports, &alice, "text/csv", &csv, None).await;
    assert_error(st, &b, 422, "INVALID_ROWS", None);
    assert_eq!(b["rows"][0]["row"], 4, "{b}");
    assert!(b["rows"][0]["message"].as_str().unwrap().contains("INSUFFICIENT_QUANTITY"), "{b}");
    assert_eq!(s.store.transactions(&id).await.unwrap().len(), 0);
    // a valid file: created once; the same file again creates nothing
    let good = csv.replace(",6,110,", ",2,110,");
    let (st, b, _) = send(&s, Method::POST, &imports, &alice, "text/csv", &good, None).await;
    assert_eq!(
        (st, b["created"].as_i64(), b["duplicate"].as_bool()),
        (201, Some(3), Some(false)),
        "{b}"
    );
    let (st, b2, _) = send(&s, Method::POST, &imports, &alice, "text/csv", &good, None).await;
    assert_eq!(
        (st, b2["created"].as_i64(), b2["duplicate"].as_bool(), &b2["import_id"]),
        (200, Some(0), Some(true), &b["import_id"])
    );
    assert_eq!(s.store.transactions(&id).await.unwrap().len(), 3);
    // a retried request with the same Idempotency-Key gets the stored answer; another body with it is a 409
    let key = unique_key("imp");
    let more =
        format!("timestamp,type,instrument,quantity,price\n2024-01-05T15:00:00Z,sell,{x},1,120\n");
    let (st, first, replayed) =
        send(&s, Method::POST, &imports, &alice, "text/csv", &more, Some(&key)).await;
    assert_eq!((st, replayed, first["created"].as_i64()), (201, false, Some(1)), "{first}");
    let (st, again, replayed) =
        send(&s, Method::POST, &imports, &alice, "text/csv", &more, Some(&key)).await;
    assert_eq!((st, replayed), (201, true));
    assert_eq!(again, first);
    let (st, b, _) = send(&s, Method::POST, &imports, &alice, "text/csv", &good, Some(&key)).await;
    assert_error(st, &b, 409, "IDEMPOTENCY_KEY_REUSED", Some("Idempotency-Key"));
    assert_eq!(s.store.transactions(&id).await.unwrap().len(), 4);
    // JSON transactions go through the same rules
    let txs = format!("/v1/portfolios/{id}/transactions");
    let (st, b) = post(&s, &txs, Some(&alice), &json!({"transactions": [
        {"timestamp": "2024-01-06T15:00:00Z", "type": "dividend", "instrument": x, "amount": "3.25", "tax": 0.5},
        {"timestamp": "2024-01-06T16:00:00Z", "type": "fee", "currency": "USD", "amount": 2}]})).await;
    assert_eq!((st, b["created"].as_i64()), (201, Some(2)), "{b}");
    let (st, b) = post(&s, &txs, Some(&alice), &json!({"transactions": [{"timestamp": "2024-01-06", "type": "buy", "instrument": x, "quantity": "1", "price": "1", "colour": "red"}]})).await;
    assert_error(st, &b, 422, "INVALID_ROWS", None);
    let (st, b, _) = send(&s, Method::POST, &imports, &alice, "application/json", "{}", None).await;
    assert_error(st, &b, 415, "UNSUPPORTED_MEDIA_TYPE", None);
    // listing, filtering, sorting
    let (_, page) = get(&s, &format!("{txs}?type=buy"), Some(&alice)).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["quantity"], "5");
    let (_, page) = get(&s, &format!("{txs}?sort=-timestamp&limit=2"), Some(&alice)).await;
    assert_eq!(page["items"][0]["type"], "fee");
    assert_eq!(page["next_offset"], 2);
    assert_eq!(page["total"], 6);
    // deleting the buy would leave sales of nothing: 409; deleting the fee is fine
    let buy_seq =
        s.store.transactions(&id).await.unwrap().iter().find(|t| t.kind == "buy").unwrap().seq;
    let (st, _, b) =
        call(&s, Method::DELETE, &format!("{txs}/{buy_seq}"), Some(&alice), None).await;
    assert_error(st, &b, 409, "CONFLICT", None);
    let fee_seq =
        s.store.transactions(&id).await.unwrap().iter().find(|t| t.kind == "fee").unwrap().seq;
    let (st, _, _) =
        call(&s, Method::DELETE, &format!("{txs}/{fee_seq}"), Some(&alice), None).await;
    assert_eq!(st, 204);
    let (st, _, _) =
        call(&s, Method::DELETE, &format!("{txs}/{fee_seq}"), Some(&alice), None).await;
    assert_eq!(st, 404);
    // the GDPR export carries the portfolio and its transactions
    let (_, export) = get(&s, "/v1/account/export", Some(&alice)).await;
    assert_eq!(export["portfolios"][0]["transactions"].as_array().unwrap().len(), 5);
}

/// The demo transactions as ledger JSON, written out by hand (independent of the CSV reader).
fn demo_transactions() -> Json {
    json!([
        {"timestamp": "2015-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "100000"},
        {"timestamp": "2015-01-05T21:00:00Z", "type": "buy", "instrument": "MSFT", "quantity": "800", "price": "43.154", "fee": "4.95"},
        {"timestamp": "2015-01-05T21:00:00Z", "type": "buy", "instrument": "SPX", "quantity": "25", "price": "2020.579956", "fee": "4.95"},
        {"timestamp": "2016-01-04T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "20000"},
        {"timestamp": "2016-01-04T21:00:00Z", "type": "buy", "instrument": "MSFT", "quantity": "300", "price": "52.434", "fee": "4.95"},
        {"timestamp": "2016-06-01T21:00:00Z", "type": "sell", "instrument": "SPX", "quantity": "10", "price": "2099.330078", "fee": "4.95"},
        {"timestamp": "2017-03-01T15:00:00Z", "type": "withdrawal", "currency": "USD", "amount": "5000"},
        {"timestamp": "2017-06-01T21:00:00Z", "type": "sell", "instrument": "MSFT", "quantity": "200", "price": "69.728", "fee": "4.95"}
    ])
}

#[tokio::test]
async fn journey_register_2fa_import_the_demo_then_holdings_performance_risk() {
    let s = start().await;
    provider::load(&s.store, &FileReplay::demo()).await.unwrap();
    let (email, _, token, _) = user(&s, "journey").await;
    let (secret, _, step) = enrol(&s, &token).await;
    // sign in again with the second factor (the next step's code: the enrolment used this one)
    let code = crate::accounts::code_at(&secret, step + 1);
    let (st, b) = post(
        &s,
        "/v1/auth/login",
        None,
        &json!({"email": email, "password": PASSWORD, "totp_code": code}),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let token = b["access_token"].as_str().unwrap().to_owned();
    let id = portfolio(&s, &token, json!({"name": "Demo", "base_currency": "USD"})).await;
    let (st, b, _) = send(
        &s,
        Method::POST,
        &format!("/v1/portfolios/{id}/imports"),
        &token,
        "text/csv",
        DEMO_TRANSACTIONS_CSV,
        Some(&unique_key("demo")),
    )
    .await;
    assert_eq!((st, b["created"].as_i64()), (201, Some(8)), "{b}");

    // holdings as of the last MSFT bar: quantities, cash to the cent (hand-computed, half-even
    // cents per trade), market values at the stored closes
    let (st, h) =
        get(&s, &format!("/v1/portfolios/{id}/holdings?date=2017-11-10"), Some(&token)).await;
    assert_eq!(st, 200, "{h}");
    let hold = |sym: &str| {
        h["holdings"].as_array().unwrap().iter().find(|x| x["instrument"] == sym).unwrap().clone()
    };
    let (msft, spx) = (hold("MSFT"), hold("SPX"));
    assert_eq!(
        (dec(&msft["quantity"]), dec(&spx["quantity"])),
        (Decimal::from(900), Decimal::from(15))
    );
    assert_eq!(dec(&msft["price"]), Decimal::from_str("83.87").unwrap());
    assert_eq!(dec(&msft["market_value"]), Decimal::from_str("75483.00").unwrap());
    // 100000 - 34523.20 - 4.95 - 50514.50 - 4.95 + 20000 - 15730.20 - 4.95 + 20993.30 - 4.95 - 5000 + 13945.60 - 4.95
    assert_eq!(dec(&h["cash"][0]["balance"]), Decimal::from_str("49146.25").unwrap());
    // FIFO: the MSFT sale of 200 takes the 2015 lot at (34523.20 + 4.95) / 800 a share
    assert_eq!(
        dec(&msft["realised"]),
        Decimal::from_str("13945.60").unwrap()
            - Decimal::from_str("4.95").unwrap()
            - Decimal::from_str("8632.04").unwrap()
    );

    // performance equals the core ledger's over the same transactions and the stored closes
    let (st, p) = get(
        &s,
        &format!("/v1/portfolios/{id}/performance?start=2015-01-01&end=2017-11-10&daily=true"),
        Some(&token),
    )
    .await;
    assert_eq!(st, 200, "{p}");
    let mut market = MarketData::default();
    for sym in ["MSFT", "SPX"] {
        let bars = s.store.bars(sym, "1d", i64::MIN, i64::MAX).await.unwrap();
        market.prices.insert(
            sym.into(),
            bars.iter()
                .map(|b| {
                    (
                        chrono::DateTime::from_timestamp(b.ts, 0).unwrap().date_naive(),
                        Decimal::from_str(&b.close.to_string()).unwrap(),
                    )
                })
                .collect(),
        );
    }
    let mut cfg = LedgerConfig::new(
        "USD",
        vec![Instrument::new("MSFT", "USD"), Instrument::new("SPX", "USD")],
    );
    cfg.order = OrderPolicy::Sort;
    let ledger = Ledger::new(cfg, serde_json::from_value(demo_transactions()).unwrap()).unwrap();
    let opts = PerformanceOptions {
        start: chrono::NaiveDate::from_ymd_opt(2015, 1, 1),
        end: chrono::NaiveDate::from_ymd_opt(2017, 11, 10),
        ..PerformanceOptions::default()
    };
    let want = ledger.performance(&market, &opts).unwrap();
    assert_eq!(p["twr"].as_f64().unwrap(), want.twr);
    assert_eq!(p["mwr"].as_f64().unwrap(), want.mwr.unwrap());
    assert_eq!(dec(&p["gain"]), want.gain);
    assert_eq!(dec(&p["end_value"]), want.end_value);
    // ROI = gain / (start value + inflows), start value 0, inflows 120000 (closed form)
    let roi = p["roi"].as_f64().unwrap();
    let gain: f64 = p["gain"].as_str().unwrap().parse().unwrap();
    assert!((roi - gain / 120_000.0).abs() < 1e-12, "{roi} vs {}", gain / 120_000.0);
    // contributions add up to the gain exactly (decimals)
    let sum: Decimal = p["contributions"].as_array().unwrap().iter().map(|c| dec(&c["gain"])).sum();
    assert_eq!(sum, dec(&p["gain"]));
    let (_, yearly) = get(
        &s,
        &format!("/v1/portfolios/{id}/performance?start=2015-01-01&end=2017-11-10&period=year"),
        Some(&token),
    )
    .await;
    let chained: f64 = yearly["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| 1.0 + y["twr"].as_f64().unwrap())
        .product::<f64>()
        - 1.0;
    assert!((chained - want.twr).abs() < 1e-12, "{chained} vs {}", want.twr);
    assert_eq!(yearly["periods"].as_array().unwrap().len(), 3);
    assert!(yearly.get("daily").is_none());

    // risk: the declared functions over the daily returns, and max drawdown in closed form
    let daily: Vec<f64> =
        p["daily"].as_array().unwrap().iter().map(|d| d["return"].as_f64().unwrap()).collect();
    let (st, r) = get(
        &s,
        &format!("/v1/portfolios/{id}/risk?start=2015-01-01&end=2017-11-10&cutoff=0.01"),
        Some(&token),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["observations"].as_u64().unwrap() as usize, daily.len());
    for (name, params) in [
        ("sharpe_ratio", json!({})),
        ("value_at_risk", json!({"cutoff": 0.01})),
        ("annual_volatility", json!({})),
        ("sortino_ratio", json!({})),
    ] {
        let (st, posted) = post(
            &s,
            &format!("/v1/risk/{name}"),
            None,
            &json!({"inputs": {"returns": daily}, "params": params}),
        )
        .await;
        assert_eq!(st, 200, "{posted}");
        assert_eq!(r["metrics"][name], posted["outputs"][name], "{name}");
    }
    let (mut peak, mut wealth, mut mdd) = (1.0f64, 1.0f64, 0.0f64);
    for x in &daily {
        wealth *= 1.0 + x;
        peak = peak.max(wealth);
        mdd = mdd.min(wealth / peak - 1.0);
    }
    assert!(
        (r["metrics"]["max_drawdown"].as_f64().unwrap() - mdd).abs() < 1e-12,
        "{} vs {mdd}",
        r["metrics"]["max_drawdown"]
    );
    assert_eq!(r["params"]["value_at_risk"]["cutoff"], 0.01);
    for bad in ["start=2017-01-01&end=2016-01-01", "flow_timing=noon", "start=01/01/2016"] {
        let (st, _) = get(&s, &format!("/v1/portfolios/{id}/risk?{bad}"), Some(&token)).await;
        assert_eq!(st, 422, "{bad}");
    }
    // a portfolio without transactions has no performance yet: a 422, not a 500
    let empty = portfolio(&s, &token, json!({"name": "Empty"})).await;
    let (st, _) = get(&s, &format!("/v1/portfolios/{empty}/performance"), Some(&token)).await;
    assert_eq!(st, 422);
    let (st, h) = get(&s, &format!("/v1/portfolios/{empty}/holdings"), Some(&token)).await;
    assert_eq!((st, h["holdings"].as_array().map(Vec::len)), (200, Some(0)), "{h}");
    // deleting the account deletes its portfolios
    let (st, _) =
        post(&s, "/v1/account/delete", Some(&token), &json!({"password": PASSWORD})).await;
    assert_eq!(st, 204);
    assert!(s.store.portfolio(&id).await.unwrap().is_none());
    assert!(s.store.transactions(&id).await.unwrap().is_empty());
}
