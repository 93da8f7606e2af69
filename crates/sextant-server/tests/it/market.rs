//! Market data end to end on SQLite and PostgreSQL: instruments (admin writes, signed-in
//! reads), bar ingest as upserts (JSON and CSV), range queries with pagination, resampling and
//! split/dividend adjustment, the latest quote, corporate actions, declared functions over
//! stored bars, and the providers (file replay, the embedded demo).

use reqwest::Method;
use serde_json::{json, Value as Json};
use sextant_server::provider::{self, FileReplay, Provider};

use crate::accounts::{call, get, post, user};
use crate::common::{assert_error, start, unique_key, TestServer};

/// A symbol no other test (or earlier run on the same database) used.
pub(crate) fn sym(tag: &str) -> String {
    let digits: String = unique_key(tag).chars().filter(char::is_ascii_digit).collect();
    format!("{tag}{}", &digits[digits.len().saturating_sub(16)..])
}

/// A signed-in admin and a signed-in explorer: (admin token, explorer token).
pub(crate) async fn admin_and_user(s: &TestServer) -> (String, String) {
    let (_, admin_id, admin, _) = user(s, "mkt-admin").await;
    assert!(s.store.set_tier(&admin_id, "admin").await.unwrap());
    let (_, _, explorer, _) = user(s, "mkt-user").await;
    (admin, explorer)
}

pub(crate) async fn create_instrument(s: &TestServer, admin: &str, symbol: &str, extra: Json) {
    let mut body = json!({"symbol": symbol, "name": format!("{symbol} Inc."), "currency": "USD",
        "time_zone": "America/New_York", "asset_class": "equity"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (st, b) = post(s, "/v1/instruments", Some(admin), &body).await;
    assert_eq!(st, 201, "{b}");
}

/// Sends a body with a content type; (status, JSON body).
pub(crate) async fn send(
    s: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: &str,
    idempotency_key: Option<&str>,
) -> (u16, Json, bool) {
    let mut req = s
        .client
        .request(method, s.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some(k) = idempotency_key {
        req = req.header("idempotency-key", k);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let replayed = res.headers().get("idempotent-replayed").is_some();
    let text = res.text().await.unwrap();
    let v = if text.is_empty() { Json::Null } else { serde_json::from_str(&text).unwrap() };
    (status, v, replayed)
}

fn closes(page: &Json) -> Vec<f64> {
    page["items"].as_array().unwrap().iter().map(|b| b["close"].as_f64().unwrap()).collect()
}

#[tokio::test]
async fn instruments_crud_tiers_and_validation() {
    let s = start().await;
    let (admin, explorer) = admin_and_user(&s).await;
    let x = sym("CRUD");
    // anonymous reads are refused; explorers read; only admins write
    assert_error(
        get(&s, "/v1/instruments", None).await.0,
        &get(&s, "/v1/instruments", None).await.1,
        401,
        "UNAUTHENTICATED",
        None,
    );
    let body = json!({"symbol": x, "name": "Crud Corp", "currency": "EUR",
        "time_zone": "Europe/Berlin", "asset_class": "equity"});
    let (st, b) = post(&s, "/v1/instruments", Some(&explorer), &body).await;
    assert_error(st, &b, 403, "FORBIDDEN", None);
    let (st, b) = post(&s, "/v1/instruments", Some(&admin), &body).await;
    assert_eq!(st, 201, "{b}");
    assert_eq!(b["utc_offset_minutes"], 60);
    assert_eq!(b["time_zone"], "Europe/Berlin");
    let (st, b) = post(&s, "/v1/instruments", Some(&admin), &body).await;
    assert_error(st, &b, 409, "CONFLICT", None);
    let (st, b) = get(&s, &format!("/v1/instruments/{x}"), Some(&explorer)).await;
    assert_eq!(
        (st, b["name"].as_str(), b["bars"].as_array().map(Vec::len)),
        (200, Some("Crud Corp"), Some(0))
    );
    // fixed offsets, and IANA names with an explicit offset
    let y = sym("OFFS");
    create_instrument(&s, &admin, &y, json!({"time_zone": "+05:30"})).await;
    assert_eq!(
        get(&s, &format!("/v1/instruments/{y}"), Some(&admin)).await.1["utc_offset_minutes"],
        330
    );
    // invalid fields name the field
    for (field, value) in [
        ("currency", json!("usd")),
        ("asset_class", json!("stonks")),
        ("time_zone", json!("../../etc/passwd")),
        ("utc_offset_minutes", json!(5000)),
        ("name", json!("")),
        ("symbol", json!("BAD SYMBOL")),
    ] {
        let mut b =
            json!({"symbol": sym("V"), "name": "V", "currency": "USD", "asset_class": "etf"});
        b[field] = value;
        let (st, r) = post(&s, "/v1/instruments", Some(&admin), &b).await;
        assert_error(st, &r, 422, "INVALID_FIELD", Some(field));
    }
    let b = json!({"symbol": sym("Z"), "name": "Z", "currency": "USD", "asset_class": "etf",
        "time_zone": "Pacific/Nowhere"});
    let (st, r) = post(&s, "/v1/instruments", Some(&admin), &b).await;
    assert_error(st, &r, 422, "INVALID_FIELD", Some("time_zone"));
    // update
    let (st, _, b) = call(&s, Method::PUT, &format!("/v1/instruments/{x}"), Some(&admin),
        Some(&json!({"name": "Crud AG", "currency": "EUR", "time_zone": "+01:00", "asset_class": "equity"}))).await;
    assert_eq!((st, b["name"].as_str()), (200, Some("Crud AG")), "{b}");
    let (st, _, b) = call(
        &s,
        Method::PUT,
        &format!("/v1/instruments/{x}"),
        Some(&explorer),
        Some(&json!({"name": "Mine", "currency": "EUR", "asset_class": "equity"})),
    )
    .await;
    assert_error(st, &b, 403, "FORBIDDEN", None);
    // list: pagination and sort reach every instrument exactly once, in order
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let (st, page) = get(
            &s,
            &format!("/v1/instruments?limit=2&offset={offset}&sort=-symbol"),
            Some(&explorer),
        )
        .await;
        assert_eq!(st, 200, "{page}");
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["symbol"].as_str().unwrap().to_owned()),
        );
        match page["next_offset"].as_i64() {
            Some(n) => offset = n,
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted);
    assert!(seen.contains(&x) && seen.contains(&y));
    let (st, page) = get(&s, "/v1/instruments?asset_class=fx&limit=1000", Some(&explorer)).await;
    assert_eq!(st, 200);
    assert!(page["items"].as_array().unwrap().iter().all(|i| i["asset_class"] == "fx"));
    for bad in ["limit=0", "limit=1001", "offset=-1", "sort=name", "asset_class=x", "colour=red"] {
        let (st, _) = get(&s, &format!("/v1/instruments?{bad}"), Some(&explorer)).await;
        assert_eq!(st, 422, "{bad}");
    }
    // delete cascades to bars
    let (st, b, _) = send(
        &s,
        Method::POST,
        &format!("/v1/instruments/{x}/bars"),
        &admin,
        "text/csv",
        "date,open,high,low,close\n2024-01-02,1,2,0.5,1.5\n",
        None,
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let (st, _, _) =
        call(&s, Method::DELETE, &format!("/v1/instruments/{x}"), Some(&explorer), None).await;
    assert_eq!(st, 403);
    let (st, _, _) =
        call(&s, Method::DELETE, &format!("/v1/instruments/{x}"), Some(&admin), None).await;
    assert_eq!(st, 204);
    let (st, b) = get(&s, &format!("/v1/instruments/{x}"), Some(&admin)).await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
    assert!(s.store.bars(&x, "1d", i64::MIN, i64::MAX).await.unwrap().is_empty());
    let (st, _, _) =
        call(&s, Method::DELETE, &format!("/v1/instruments/{x}"), Some(&admin), None).await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn ingest_is_an_upsert_corrections_replace_duplicates_are_no_ops() {
    let s = start().await;
    let (admin, explorer) = admin_and_user(&s).await;
    let x = sym("UPS");
    create_instrument(&s, &admin, &x, json!({})).await;
    let path = format!("/v1/instruments/{x}/bars?interval=1d");
    // out of order, JSON, numbers and strings
    let bars = json!({"bars": [
        {"ts": "2024-01-04", "open": 12, "high": 13, "low": 11, "close": 12.5, "volume": 300},
        {"ts": "2024-01-02", "open": "10", "high": 11, "low": 9.5, "close": 10.5, "volume": 100},
        {"ts": "2024-01-03T00:00:00Z", "open": 10.5, "high": 12, "low": 10, "close": 11.75, "volume": 200},
    ]});
    let (st, b) = post(&s, &path, Some(&admin), &bars).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        (b["received"].as_i64(), b["written"].as_i64(), b["unchanged"].as_i64()),
        (Some(3), Some(3), Some(0))
    );
    // the same again: nothing written
    let (_, b) = post(&s, &path, Some(&admin), &bars).await;
    assert_eq!((b["written"].as_i64(), b["unchanged"].as_i64()), (Some(0), Some(3)), "{b}");
    // a correction of one bar, sent twice in the request (the later row wins), as CSV
    let csv = "date,open,high,low,close,volume\n2024-01-03,10.5,12,10,11,250\n2024-01-03,10.5,12,10,11.5,250\n2024-01-02,10,11,9.5,10.5,100\n";
    let (st, b, _) = send(&s, Method::POST, &path, &admin, "text/csv", csv, None).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        (
            b["received"].as_i64(),
            b["duplicates_in_request"].as_i64(),
            b["written"].as_i64(),
            b["unchanged"].as_i64()
        ),
        (Some(3), Some(1), Some(1), Some(1)),
        "{b}"
    );
    let (st, page) = get(&s, &format!("/v1/instruments/{x}/bars"), Some(&explorer)).await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(closes(&page), [10.5, 11.5, 12.5]);
    assert_eq!(page["items"][1]["volume"], 250.0);
    assert_eq!(page["items"][0]["ts"], "2024-01-02T00:00:00Z");
    // invalid rows: every one reported with its row and column, nothing written
    let bad = "date,open,high,low,close,volume\n2024-01-05,1,2,0.5,1.5,10\nnot-a-date,1,2,0.5,1.5,10\n2024-01-06,1,0.5,0.4,1.5,10\n2024-01-07,x,2,1,1,1\n2024-01-08T12:00:00Z,1,2,0.5,1.5,10\n2024-01-09,1,2,0.5,1.5,-3\n";
    let (st, b, _) = send(&s, Method::POST, &path, &admin, "text/csv", bad, None).await;
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
            (3, "ts".into()),
            (4, "high".into()),
            (5, "open".into()),
            (6, "ts".into()),
            (7, "volume".into())
        ]
    );
    assert_eq!(
        s.store.bars(&x, "1d", i64::MIN, i64::MAX).await.unwrap().len(),
        3,
        "all or nothing"
    );
    let (st, b, _) =
        send(&s, Method::POST, &path, &admin, "text/csv", "day,open\n1,2\n", None).await;
    assert_error(st, &b, 422, "INVALID_ROWS", None);
    // explorers cannot ingest; unknown instruments are 404; other media types 415
    let (st, b) = post(&s, &path, Some(&explorer), &bars).await;
    assert_error(st, &b, 403, "FORBIDDEN", None);
    let (st, b) =
        post(&s, &format!("/v1/instruments/{}/bars", sym("NONE")), Some(&admin), &bars).await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
    let (st, b, _) = send(&s, Method::POST, &path, &admin, "application/xml", "<a/>", None).await;
    assert_error(st, &b, 415, "UNSUPPORTED_MEDIA_TYPE", None);
    let (st, b) =
        post(&s, &format!("/v1/instruments/{x}/bars?interval=2d"), Some(&admin), &bars).await;
    assert_error(st, &b, 422, "INVALID_FIELD", Some("interval"));
}

async fn ingest(s: &TestServer, admin: &str, x: &str, interval: &str, rows: &[(&str, [f64; 5])]) {
    let bars: Vec<Json> = rows
        .iter()
        .map(|(t, v)| {
            json!({"ts": t, "open": v[0], "high": v[1],
        "low": v[2], "close": v[3], "volume": v[4]})
        })
        .collect();
    let (st, b) = post(
        s,
        &format!("/v1/instruments/{x}/bars?interval={interval}"),
        Some(admin),
        &json!({"bars": bars}),
    )
    .await;
    assert_eq!(st, 200, "{b}");
}

#[tokio::test]
async fn ranges_paginate_and_resample_on_the_exchange_calendar() {
    let s = start().await;
    let (admin, explorer) = admin_and_user(&s).await;
    let x = sym("RNG");
    create_instrument(&s, &admin, &x, json!({})).await;
    // Mon 2024-01-29 .. Tue 2024-02-06 (no weekend bars)
    let days = [
        ("2024-01-29", [10.0, 12.0, 9.0, 11.0, 100.0]),
        ("2024-01-30", [11.0, 11.5, 10.0, 10.5, 100.0]),
        ("2024-01-31", [10.5, 15.0, 10.0, 14.0, 200.0]),
        ("2024-02-01", [14.0, 14.5, 8.0, 9.0, 300.0]),
        ("2024-02-02", [9.0, 9.9, 8.8, 9.5, 50.0]),
        ("2024-02-05", [9.5, 9.6, 8.5, 9.25, 50.0]),
        ("2024-02-06", [9.25, 10.0, 9.0, 9.75, 25.0]),
    ];
    ingest(&s, &admin, &x, "1d", &days).await;
    let base = format!("/v1/instruments/{x}/bars");
    let (_, p) =
        get(&s, &format!("{base}?from=2024-01-30&to=2024-02-05&limit=2"), Some(&explorer)).await;
    assert_eq!(
        (closes(&p), p["next_offset"].as_i64(), p["total"].as_i64()),
        (vec![10.5, 14.0], Some(2), Some(5))
    );
    let (_, p) =
        get(&s, &format!("{base}?from=2024-01-30&to=2024-02-05&limit=2&offset=4"), Some(&explorer))
            .await;
    assert_eq!((closes(&p), p["next_offset"].as_i64()), (vec![9.25], None));
    let (_, p) = get(&s, &format!("{base}?sort=-ts&limit=3"), Some(&explorer)).await;
    assert_eq!(closes(&p), [9.75, 9.25, 9.5]);
    // weekly (ISO weeks from Monday) and monthly bars: first open, max high, min low, last close, summed volume
    let (st, p) = get(&s, &format!("{base}?resample=1w"), Some(&explorer)).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(
        p["items"],
        json!([
        {"ts": "2024-01-29T00:00:00Z", "open": 10.0, "high": 15.0, "low": 8.0, "close": 9.5, "volume": 750.0, "count": 5},
        {"ts": "2024-02-05T00:00:00Z", "open": 9.5, "high": 10.0, "low": 8.5, "close": 9.75, "volume": 75.0, "count": 2}])
    );
    let (_, p) = get(&s, &format!("{base}?resample=1mo"), Some(&explorer)).await;
    assert_eq!(
        p["items"],
        json!([
        {"ts": "2024-01-01T00:00:00Z", "open": 10.0, "high": 15.0, "low": 9.0, "close": 14.0, "volume": 400.0, "count": 3},
        {"ts": "2024-02-01T00:00:00Z", "open": 14.0, "high": 14.5, "low": 8.0, "close": 9.75, "volume": 425.0, "count": 4}])
    );
    assert_eq!((p["interval"].as_str(), p["source_interval"].as_str()), (Some("1mo"), Some("1d")));
    // on the NYSE calendar (no holiday in these weeks): the same buckets, with their sessions
    let (st, p) = get(&s, &format!("{base}?resample=1w&calendar=XNYS"), Some(&explorer)).await;
    assert_eq!(st, 200, "{p}");
    let sessions: Vec<(&str, i64, i64)> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["ts"].as_str().unwrap(),
                b["count"].as_i64().unwrap(),
                b["sessions"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(sessions, [("2024-01-29T00:00:00Z", 5, 5), ("2024-02-05T00:00:00Z", 2, 5)]);
    assert_eq!((p["calendar"]["name"].as_str(), p["excluded"].as_i64()), (Some("XNYS"), Some(0)));
    let (st, b) = get(&s, &format!("{base}?calendar=LSE"), Some(&explorer)).await;
    assert_error(st, &b, 422, "INVALID_FIELD", Some("calendar"));
    // intraday: 1m bars of a New York instrument (UTC-5) into 5m and into the local day
    let mins = [
        ("2024-03-01T14:29:00Z", [1.0, 1.0, 1.0, 1.0, 1.0]),
        ("2024-03-01T14:30:00Z", [2.0, 3.0, 2.0, 3.0, 1.0]),
        ("2024-03-01T14:34:00Z", [3.0, 3.5, 1.5, 2.5, 2.0]),
        ("2024-03-01T14:35:00Z", [2.5, 2.5, 2.5, 2.5, 4.0]),
    ];
    ingest(&s, &admin, &x, "1m", &mins).await;
    let (_, p) = get(&s, &format!("{base}?interval=1m&resample=5m"), Some(&explorer)).await;
    let got: Vec<(String, f64, f64, f64, f64, f64)> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["ts"].as_str().unwrap().to_owned(),
                b["open"].as_f64().unwrap(),
                b["high"].as_f64().unwrap(),
                b["low"].as_f64().unwrap(),
                b["close"].as_f64().unwrap(),
                b["volume"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2024-03-01T14:25:00Z".into(), 1.0, 1.0, 1.0, 1.0, 1.0),
            ("2024-03-01T14:30:00Z".into(), 2.0, 3.5, 1.5, 2.5, 3.0),
            ("2024-03-01T14:35:00Z".into(), 2.5, 2.5, 2.5, 2.5, 4.0)
        ]
    );
    let (_, p) = get(&s, &format!("{base}?interval=1m&resample=1d"), Some(&explorer)).await;
    assert_eq!(p["items"][0]["ts"], "2024-03-01T00:00:00Z");
    assert_eq!(p["items"][0]["volume"], 8.0);
    // refused: finer targets, unknown intervals, reversed ranges
    for bad in [
        "resample=1d&interval=1w",
        "interval=1w&resample=1mo",
        "resample=3d",
        "from=2024-02-01&to=2024-01-01",
        "from=yesterday",
    ] {
        let (st, b) = get(&s, &format!("{base}?{bad}"), Some(&explorer)).await;
        assert_eq!(st, 422, "{bad}: {b}");
    }
}

#[tokio::test]
async fn corporate_actions_adjust_prices_on_request() {
    let s = start().await;
    let (admin, explorer) = admin_and_user(&s).await;
    let x = sym("ADJ");
    create_instrument(&s, &admin, &x, json!({})).await;
    ingest(
        &s,
        &admin,
        &x,
        "1d",
        &[
            ("2024-01-02", [100.0, 100.0, 100.0, 100.0, 10.0]),
            ("2024-01-03", [100.0, 102.0, 98.0, 98.0, 10.0]),
            ("2024-01-04", [50.0, 51.0, 49.0, 50.0, 20.0]),
        ],
    )
    .await;
    let act = format!("/v1/instruments/{x}/actions");
    let (st, b) = post(
        &s,
        &act,
        Some(&admin),
        &json!({"ex_date": "2024-01-04", "kind": "split", "numerator": 2, "denominator": 1}),
    )
    .await;
    assert_eq!(st, 201, "{b}");
    let (st, b) = post(
        &s,
        &act,
        Some(&admin),
        &json!({"ex_date": "2024-01-03", "kind": "dividend", "amount": "2.5"}),
    )
    .await;
    assert_eq!((st, b["amount"].as_str()), (201, Some("2.5")), "{b}");
    let (st, b) = post(
        &s,
        &act,
        Some(&explorer),
        &json!({"ex_date": "2024-01-03", "kind": "dividend", "amount": "1"}),
    )
    .await;
    assert_error(st, &b, 403, "FORBIDDEN", None);
    for (body, field) in [
        (json!({"ex_date": "2024-13-01", "kind": "split", "numerator": 2}), "ex_date"),
        (json!({"ex_date": "2024-01-05", "kind": "merger"}), "kind"),
        (json!({"ex_date": "2024-01-05", "kind": "split"}), "numerator"),
        (json!({"ex_date": "2024-01-05", "kind": "dividend", "amount": "-1"}), "amount"),
    ] {
        let (st, b) = post(&s, &act, Some(&admin), &body).await;
        assert_error(st, &b, 422, "INVALID_FIELD", Some(field));
    }
    let (_, list) = get(&s, &act, Some(&explorer)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let base = format!("/v1/instruments/{x}/bars");
    let (_, raw) = get(&s, &base, Some(&explorer)).await;
    assert_eq!(closes(&raw), [100.0, 98.0, 50.0]);
    // dividend factor 1 - 2.5 / 100 on the 2nd; split factor 1/2 on the 2nd and 3rd
    let (_, adj) = get(&s, &format!("{base}?adjusted=true"), Some(&explorer)).await;
    let c = closes(&adj);
    assert!(
        (c[0] - 100.0 * 0.975 * 0.5).abs() < 1e-12
            && (c[1] - 49.0).abs() < 1e-12
            && (c[2] - 50.0).abs() < 1e-12,
        "{c:?}"
    );
    assert!((adj["items"][0]["volume"].as_f64().unwrap() - 20.0).abs() < 1e-12);
    assert!((adj["items"][1]["high"].as_f64().unwrap() - 51.0).abs() < 1e-12);
    // a range after the dividend still sees the split, and the adjustment before it
    let (_, part) =
        get(&s, &format!("{base}?adjusted=true&from=2024-01-02&to=2024-01-02"), Some(&explorer))
            .await;
    assert!((closes(&part)[0] - 48.75).abs() < 1e-12);
    let (st, _, _) =
        call(&s, Method::DELETE, &format!("{act}/2024-01-03/dividend"), Some(&admin), None).await;
    assert_eq!(st, 204);
    let (st, _, _) =
        call(&s, Method::DELETE, &format!("{act}/2024-01-03/dividend"), Some(&admin), None).await;
    assert_eq!(st, 404);
    let (_, adj) = get(&s, &format!("{base}?adjusted=true"), Some(&explorer)).await;
    assert_eq!(closes(&adj), [50.0, 49.0, 50.0]);
}

#[tokio::test]
async fn the_quote_is_the_newest_bar() {
    let s = start().await;
    let (admin, explorer) = admin_and_user(&s).await;
    let x = sym("QUO");
    create_instrument(&s, &admin, &x, json!({})).await;
    let (st, b) = get(&s, &format!("/v1/instruments/{x}/quote"), Some(&explorer)).await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
    ingest(
        &s,
        &admin,
        &x,
        "1d",
        &[("2024-03-01", [1.0, 2.0, 0.5, 1.5, 10.0]), ("2024-02-29", [1.0, 1.0, 1.0, 1.0, 1.0])],
    )
    .await;
    ingest(
        &s,
        &admin,
        &x,
        "1m",
        &[
            ("2024-03-01T15:01:00Z", [1.6, 1.7, 1.6, 1.65, 3.0]),
            ("2024-03-01T15:00:00Z", [1.5, 1.6, 1.5, 1.6, 2.0]),
        ],
    )
    .await;
    let (st, q) = get(&s, &format!("/v1/instruments/{x}/quote"), Some(&explorer)).await;
    assert_eq!(st, 200, "{q}");
    assert_eq!(
        (q["interval"].as_str(), q["ts"].as_str(), q["price"].as_f64(), q["currency"].as_str()),
        (Some("1m"), Some("2024-03-01T15:01:00Z"), Some(1.65), Some("USD"))
    );
}

#[tokio::test]
async fn declared_functions_run_over_stored_bars() {
    let s = start().await;
    let (admin, explorer) = admin_and_user(&s).await;
    let x = sym("IND");
    create_instrument(&s, &admin, &x, json!({})).await;
    // a deterministic walk of 60 days from 2024-01-01
    let mut rows = Vec::new();
    let mut c: f64 = 100.0;
    for k in 0..60i64 {
        let o = c;
        c *= 1.0 + 0.01 * libm::sin((k as f64) * 0.7);
        let (h, l) = (o.max(c) + 0.5, o.min(c) - 0.5);
        let d = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(k);
        rows.push((d.format("%Y-%m-%d").to_string(), [o, h, l, c, 1000.0 + k as f64]));
    }
    let refs: Vec<(&str, [f64; 5])> = rows.iter().map(|(d, v)| (d.as_str(), *v)).collect();
    ingest(&s, &admin, &x, "1d", &refs).await;
    let col = |i: usize| -> Vec<f64> { rows.iter().map(|(_, v)| v[i]).collect() };
    // SMA: the closed form (mean of the last 5 closes) and the posted-data route agree
    let (st, r) = get(
        &s,
        &format!("/v1/instruments/{x}/indicators/SMA?timeperiod=5&from=2024-01-01&to=2024-02-29"),
        Some(&explorer),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    let sma = r["outputs"]["real"].as_array().unwrap();
    assert_eq!(sma.len(), 60);
    assert_eq!(r["ts"][0], "2024-01-01T00:00:00Z");
    assert!(sma[3].is_null());
    let closes = col(3);
    for k in 4..60 {
        let want = closes[k - 4..=k].iter().sum::<f64>() / 5.0;
        assert!((sma[k].as_f64().unwrap() - want).abs() < 1e-12 * want, "k = {k}");
    }
    let (_, posted) = post(
        &s,
        "/v1/ta/SMA",
        None,
        &json!({"inputs": {"real": closes}, "params": {"timeperiod": 5}}),
    )
    .await;
    assert_eq!(posted["outputs"], r["outputs"]);
    // ATR takes high, low and close from the bars
    let (_, r) =
        get(&s, &format!("/v1/instruments/{x}/indicators/ATR?timeperiod=14"), Some(&explorer))
            .await;
    let (_, posted) = post(&s, "/v1/ta/ATR", None, &json!({"inputs": {"high": col(1), "low": col(2), "close": col(3)}, "params": {"timeperiod": 14}})).await;
    assert_eq!(r["outputs"], posted["outputs"]);
    assert_eq!(r["params"]["timeperiod"], 14);
    // risk functions take the close-to-close returns (ts from the second bar)
    let (st, r) =
        get(&s, &format!("/v1/instruments/{x}/indicators/sharpe_ratio"), Some(&explorer)).await;
    assert_eq!(st, 200, "{r}");
    let returns: Vec<f64> = closes.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
    let (_, posted) =
        post(&s, "/v1/risk/sharpe_ratio", None, &json!({"inputs": {"returns": returns}})).await;
    assert_eq!(r["outputs"], posted["outputs"]);
    assert_eq!(r["ts"][0], "2024-01-02T00:00:00Z");
    // weekly RSI over resampled bars
    let (st, r) = get(
        &s,
        &format!("/v1/instruments/{x}/indicators/RSI?resample=1w&timeperiod=2"),
        Some(&explorer),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["outputs"]["real"].as_array().unwrap().len(), r["ts"].as_array().unwrap().len());
    assert_eq!(r["interval"], "1w");
    // errors: unknown function, a function of other inputs, a bad parameter, an unknown one
    let (st, b) = get(&s, &format!("/v1/instruments/{x}/indicators/NOPE"), Some(&explorer)).await;
    assert_error(st, &b, 404, "UNKNOWN_FUNCTION", None);
    let (st, b) = get(&s, &format!("/v1/instruments/{x}/indicators/CORREL"), Some(&explorer)).await;
    assert_error(st, &b, 404, "UNKNOWN_FUNCTION", None);
    let (st, b) =
        get(&s, &format!("/v1/instruments/{x}/indicators/SMA?timeperiod=0"), Some(&explorer)).await;
    assert_error(st, &b, 422, "OUT_OF_RANGE", Some("timeperiod"));
    let (st, b) =
        get(&s, &format!("/v1/instruments/{x}/indicators/SMA?colour=red"), Some(&explorer)).await;
    assert_eq!(st, 422, "{b}");
    let (st, b) =
        get(&s, &format!("/v1/instruments/{}/indicators/SMA", sym("NONE")), Some(&explorer)).await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
}

fn f64_file(path: &str) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap();
    bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
}

#[tokio::test]
async fn the_demo_dataset_loads_once_and_matches_its_source() {
    let s = start().await;
    let demo = FileReplay::demo();
    let first = provider::load(&s.store, &demo).await.unwrap();
    assert_eq!(first.bars_read, 7983 + 5031 + 5031);
    // loading again writes nothing (on a shared database the first load may be another test's)
    let again = provider::load(&s.store, &demo).await.unwrap();
    assert_eq!((again.instruments_created, again.bars_written), (0, 0));
    // the closes are pmdarima's and arch's, as in the golden fixtures (6 decimals in the CSV)
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/data");
    for (symbol, file) in [("MSFT", "msft_close.f64"), ("SPX", "sp500_close.f64")] {
        let want = f64_file(&format!("{root}/{file}"));
        let got = s.store.bars(symbol, "1d", i64::MIN, i64::MAX).await.unwrap();
        assert_eq!(got.len(), want.len(), "{symbol}");
        for (b, w) in got.iter().zip(&want) {
            assert!((b.close - w).abs() <= 5e-7, "{symbol} {}: {} vs {w}", b.ts, b.close);
        }
    }
    let i = s.store.instrument("MSFT").await.unwrap().unwrap();
    assert_eq!((i.currency.as_str(), i.utc_offset_minutes), ("USD", -300));
}

#[tokio::test]
async fn a_file_replay_directory_loads_through_the_provider_trait() {
    let s = start().await;
    let dir = tempfile::tempdir().unwrap();
    let x = sym("RPL");
    std::fs::write(
        dir.path().join("instruments.json"),
        json!([{"symbol": x, "name": "Replay",
        "currency": "JPY", "time_zone": "Asia/Tokyo", "asset_class": "equity"}])
        .to_string(),
    )
    .unwrap();
    std::fs::write(dir.path().join(format!("{x}.1h.csv")),
        "ts,open,high,low,close,volume\n2024-01-04T01:00:00Z,100,110,90,105,7\n2024-01-04T00:00:00Z,99,101,98,100,5\n").unwrap();
    let replay = FileReplay::from_dir(dir.path()).unwrap();
    assert_eq!(replay.instruments().unwrap().len(), 1);
    let r = provider::load(&s.store, &replay).await.unwrap();
    assert_eq!((r.instruments_created, r.bars_read, r.bars_written), (1, 2, 2));
    let bars = s.store.bars(&x, "1h", i64::MIN, i64::MAX).await.unwrap();
    assert_eq!(bars.iter().map(|b| b.close).collect::<Vec<_>>(), [100.0, 105.0]);
    assert_eq!(s.store.instrument(&x).await.unwrap().unwrap().utc_offset_minutes, 540);
    // a bad file names itself
    std::fs::write(dir.path().join("BROKEN.csv"), "ts,open\n").unwrap();
    let err =
        provider::load(&s.store, &FileReplay::from_dir(dir.path()).unwrap()).await.unwrap_err();
    assert!(err.to_string().contains("BROKEN.csv"), "{err}");
}

#[tokio::test]
async fn the_openapi_document_has_every_market_and_portfolio_route() {
    let s = start().await;
    let (_, doc) = get(&s, "/openapi.json", None).await;
    let paths = doc["paths"].as_object().unwrap();
    for (path, method, id) in [
        ("/v1/instruments", "get", "list_instruments"),
        ("/v1/instruments", "post", "create_instrument"),
        ("/v1/instruments/{symbol}", "get", "get_instrument"),
        ("/v1/instruments/{symbol}", "put", "update_instrument"),
        ("/v1/instruments/{symbol}", "delete", "delete_instrument"),
        ("/v1/instruments/{symbol}/bars", "get", "get_bars"),
        ("/v1/instruments/{symbol}/bars", "post", "ingest_bars"),
        ("/v1/instruments/{symbol}/quote", "get", "get_quote"),
        ("/v1/instruments/{symbol}/actions", "get", "list_actions"),
        ("/v1/instruments/{symbol}/actions", "post", "put_action"),
        ("/v1/instruments/{symbol}/actions/{ex_date}/{kind}", "delete", "delete_action"),
        ("/v1/instruments/{symbol}/indicators/{name}", "get", "instrument_indicator"),
        ("/v1/portfolios", "get", "list_portfolios"),
        ("/v1/portfolios", "post", "create_portfolio"),
        ("/v1/portfolios/{id}", "get", "get_portfolio"),
        ("/v1/portfolios/{id}", "put", "update_portfolio"),
        ("/v1/portfolios/{id}", "delete", "delete_portfolio"),
        ("/v1/portfolios/{id}/transactions", "get", "list_transactions"),
        ("/v1/portfolios/{id}/transactions", "post", "add_transactions"),
        ("/v1/portfolios/{id}/transactions/{seq}", "delete", "delete_transaction"),
        ("/v1/portfolios/{id}/imports", "post", "import_transactions"),
        ("/v1/portfolios/{id}/holdings", "get", "portfolio_holdings"),
        ("/v1/portfolios/{id}/performance", "get", "portfolio_performance"),
        ("/v1/portfolios/{id}/risk", "get", "portfolio_risk"),
    ] {
        assert_eq!(paths[path][method]["operationId"], id, "{method} {path}");
        assert_eq!(paths[path][method]["security"], json!([{"bearer": []}]), "{id}");
    }
    let names = &paths["/v1/instruments/{symbol}/indicators/{name}"]["get"]["parameters"][1]
        ["schema"]["enum"];
    let names: Vec<&str> = names.as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(names.contains(&"RSI") && names.contains(&"ATR") && names.contains(&"sharpe_ratio"));
    assert!(!names.contains(&"CORREL"));
}

#[tokio::test]
async fn resampling_follows_daylight_saving_of_the_exchange_zone() {
    let s = start().await;
    let (admin, user) = admin_and_user(&s).await;
    let (ny, fixed) = (sym("NYDST"), sym("FIXED"));
    create_instrument(&s, &admin, &ny, json!({})).await;
    create_instrument(&s, &admin, &fixed, json!({"time_zone": "-05:00"})).await;
    // 04:00 UTC: 23:00 EST the day before in January, 00:00 EDT the same day in March
    let csv = "ts,open,high,low,close,volume\n\
               2024-01-10T04:00:00Z,1,1,1,1,1\n2024-03-12T04:00:00Z,2,2,2,2,1\n";
    for symbol in [&ny, &fixed] {
        let (st, b, _) = send(
            &s,
            Method::POST,
            &format!("/v1/instruments/{symbol}/bars?interval=1h"),
            &admin,
            "text/csv",
            csv,
            None,
        )
        .await;
        assert_eq!(st, 200, "{b}");
    }
    let days = |b: &Json| -> Vec<String> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["ts"].as_str().unwrap().to_owned())
            .collect()
    };
    let (st, b) =
        get(&s, &format!("/v1/instruments/{ny}/bars?interval=1h&resample=1d"), Some(&user)).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(days(&b), ["2024-01-09T00:00:00Z", "2024-03-12T00:00:00Z"]);
    let (_, b) =
        get(&s, &format!("/v1/instruments/{fixed}/bars?interval=1h&resample=1d"), Some(&user))
            .await;
    assert_eq!(days(&b), ["2024-01-09T00:00:00Z", "2024-03-11T00:00:00Z"]);
}

/// The range and response caches of the indicator and bar routes never serve a result older
/// than a committed write: a correction, a new bar and a corporate action each change the next
/// answer. Expected values: SMA(3) is the mean of the last three closes (closed form); a 2-for-1
/// split halves every earlier price (CRSP / Yahoo back-adjustment).
#[tokio::test]
async fn cached_indicator_and_bar_answers_follow_every_write() {
    let s = start().await;
    let (admin, explorer) = admin_and_user(&s).await;
    let x = sym("CACHE");
    create_instrument(&s, &admin, &x, json!({})).await;
    let day = |c: f64| [c, c + 1.0, c - 1.0, c, 10.0];
    ingest(
        &s,
        &admin,
        &x,
        "1d",
        &[("2024-01-02", day(10.0)), ("2024-01-03", day(11.0)), ("2024-01-04", day(12.0))],
    )
    .await;
    let sma = format!("/v1/instruments/{x}/indicators/SMA?timeperiod=3");
    let last =
        |r: &Json| r["outputs"]["real"].as_array().unwrap().last().unwrap().as_f64().unwrap();
    for _ in 0..2 {
        let (st, r) = get(&s, &sma, Some(&explorer)).await;
        assert_eq!(st, 200, "{r}");
        assert!((last(&r) - 11.0).abs() < 1e-12, "{r}");
    }
    // a correction of the last close
    ingest(&s, &admin, &x, "1d", &[("2024-01-04", day(15.0))]).await;
    let (_, r) = get(&s, &sma, Some(&explorer)).await;
    assert!((last(&r) - 12.0).abs() < 1e-12, "{r}");
    let (_, b) = get(&s, &format!("/v1/instruments/{x}/bars"), Some(&explorer)).await;
    assert_eq!(b["items"][2]["close"], 15.0, "{b}");
    // a new bar
    ingest(&s, &admin, &x, "1d", &[("2024-01-05", day(18.0))]).await;
    let (_, r) = get(&s, &sma, Some(&explorer)).await;
    assert!((last(&r) - 44.0 / 3.0).abs() < 1e-12, "{r}");
    assert_eq!(r["ts"].as_array().unwrap().len(), 4);
    // a split on 2024-01-05 halves the earlier closes in the adjusted answer
    let adjusted = format!("{sma}&adjusted=true");
    let (_, r) = get(&s, &adjusted, Some(&explorer)).await;
    assert!((last(&r) - 44.0 / 3.0).abs() < 1e-12, "{r}");
    let (st, b) = post(
        &s,
        &format!("/v1/instruments/{x}/actions"),
        Some(&admin),
        &json!({"ex_date": "2024-01-05", "kind": "split", "numerator": 2, "denominator": 1}),
    )
    .await;
    assert_eq!(st, 201, "{b}");
    let (_, r) = get(&s, &adjusted, Some(&explorer)).await;
    assert!((last(&r) - (5.5 + 7.5 + 18.0) / 3.0).abs() < 1e-12, "{r}");
}
