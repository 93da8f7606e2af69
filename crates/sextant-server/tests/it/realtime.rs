//! Real time over loopback on SQLite and PostgreSQL: a day of 1-minute bars replayed as quotes
//! (four ticks a bar, plus a duplicate, a late and an out-of-order tick), a subscribed
//! WebSocket client receiving the quotes, the closed bars, indicator values equal to the core's
//! batch functions (tolerance 1e-9) and exactly the alerts the batch values imply; the server
//! restarted mid-replay (no alert repeated or lost); a slow client that never reads does not
//! stall the others; limits answered with close codes.

use std::collections::BTreeMap;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value as Json};
use sextant_core::decl::{InputData, OutVec, Value};
use sextant_core::registry;
use sextant_server::realtime::RealtimeOptions;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::accounts::{get, post};
use crate::common::{assert_error, start_on, start_with, TestServer};
use crate::market::{admin_and_user, create_instrument, sym};

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const DAY_OPEN: i64 = 1_714_570_200; // 2024-05-01T13:30:00Z, 09:30 in New York
const BARS: usize = 390;

fn options() -> sextant_server::Options {
    let mut o = sextant_server::Options::default();
    o.auth.rate_limits = sextant_server::ratelimit::RateLimits::default().scaled(1000.0);
    o
}

pub(crate) async fn connect(s: &TestServer, token: &str) -> Ws {
    let url = s.url("/v1/stream").replace("http://", "ws://");
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("ws connect");
    let hello = next_json(&mut ws).await.expect("welcome");
    assert_eq!(hello["type"], "welcome", "{hello}");
    ws
}

pub(crate) async fn next_json(ws: &mut Ws) -> Option<Json> {
    loop {
        match ws.next().await? {
            Ok(Message::Text(t)) => return Some(serde_json::from_str(t.as_str()).unwrap()),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Sends a message and reads until its reply (the `id` matches); events read meanwhile are
/// appended to `events`.
pub(crate) async fn request(ws: &mut Ws, msg: Json, events: &mut Vec<Json>) -> Json {
    let id = msg["id"].clone();
    ws.send(Message::Text(msg.to_string().into())).await.unwrap();
    loop {
        let m = next_json(ws).await.expect("reply");
        match m["type"].as_str() {
            Some("events") => events.extend(m["events"].as_array().unwrap().iter().cloned()),
            Some("heartbeat") => {}
            _ if m["id"] == id => return m,
            _ => panic!("unexpected message {m}"),
        }
    }
}

/// Reads every event queued before now (a ping is a barrier).
pub(crate) async fn drain(ws: &mut Ws, events: &mut Vec<Json>) {
    let r = request(ws, json!({"op": "ping", "id": "barrier"}), events).await;
    assert_eq!(r["type"], "pong");
}

/// The day: bar i opens at the previous close; a deterministic wave with noise.
fn day() -> Vec<[f64; 5]> {
    let mut seed: u64 = 42;
    let mut noise = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        #[allow(clippy::cast_precision_loss)]
        let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
        u
    };
    let mut out = Vec::with_capacity(BARS);
    let mut prev: f64 = 100.0;
    for i in 0..BARS {
        #[allow(clippy::cast_precision_loss)]
        let x = i as f64;
        let close = 100.0 + 6.0 * libm::sin(x / 30.0) + 2.0 * libm::sin(x / 7.0) + (noise() - 0.5);
        let (o, c) = (prev, close);
        let high = o.max(c) + 0.2 * noise();
        let low = o.min(c) - 0.2 * noise();
        out.push([o, high, low, c, 40.0]);
        prev = close;
    }
    out
}

fn ts_of(i: usize) -> i64 {
    DAY_OPEN + 60 * i64::try_from(i).unwrap()
}

/// The ticks of bar i: open, high, low, close at +0, +15, +30, +45 s, 10 shares each.
fn ticks(i: usize, b: &[f64; 5], symbol: &str) -> Vec<Json> {
    let t = ts_of(i);
    [(0, b[0]), (15, b[1]), (30, b[2]), (45, b[3])]
        .iter()
        .map(|(dt, p)| json!({"symbol": symbol, "ts": t + dt, "price": p, "volume": 10}))
        .collect()
}

fn batch(name: &str, params: &[(&str, Value)], inputs: &[&[f64]]) -> Vec<f64> {
    let d = registry::find("ta", name).unwrap();
    let p = d.params_named(params.iter().cloned()).unwrap();
    let data: Vec<InputData<'_>> = inputs.iter().map(|x| InputData::Series(x)).collect();
    match d.call(&data, &p).unwrap().remove(0) {
        OutVec::F64(v) => v,
        other => panic!("{other:?}"),
    }
}

/// Crossing events implied by a sequence of (time, left, right) by the documented side rule.
fn crossings(
    seq: &[(i64, f64, f64)],
    band: Option<(f64, f64)>,
    fire: &dyn Fn(i64, i64) -> Option<&'static str>,
) -> Vec<(i64, &'static str)> {
    let mut side = 0;
    let mut out = Vec::new();
    for &(t, x, y) in seq {
        if x.is_nan() || y.is_nan() {
            continue;
        }
        let next = match band {
            Some((lo, hi)) => {
                if (lo..=hi).contains(&x) {
                    1
                } else {
                    -1
                }
            }
            None if x > y => 1,
            None if x < y => -1,
            None => side,
        };
        if next != side {
            if let Some(d) = fire(side, next) {
                out.push((t, d));
            }
            side = next;
        }
    }
    out
}

fn t(ts: i64) -> String {
    sextant_server::market::format_time(ts)
}

#[tokio::test]
async fn a_replayed_day_streams_quotes_indicators_and_exactly_the_expected_alerts_across_a_restart()
{
    let s1 = start_with(options()).await;
    let (admin, user) = admin_and_user(&s1).await;
    let symbol = sym("RT");
    create_instrument(&s1, &admin, &symbol, json!({})).await;
    let bars = day();

    // alerts, validated against the declarations
    let alert = |body: Json| {
        let s = &s1;
        let user = user.clone();
        async move {
            let (st, r) = post(s, "/v1/alerts", Some(&user), &body).await;
            assert_eq!(st, 201, "{r}");
            r["id"].as_str().unwrap().to_owned()
        }
    };
    let rsi = json!({"name": "RSI", "params": {"timeperiod": 14}});
    let a_rsi = alert(json!({"symbol": symbol, "indicator": rsi, "op": "crosses_below",
        "level": 30, "on": "bar"}))
    .await;
    let a_sma = alert(json!({"symbol": symbol, "op": "crosses",
        "ref": {"name": "SMA", "params": {"timeperiod": 20}}, "on": "bar"}))
    .await;
    let a_band = alert(json!({"symbol": symbol, "indicator": rsi, "op": "enters_band",
        "band": [40, 60], "on": "bar"}))
    .await;
    let a_tick = alert(json!({"symbol": symbol, "op": "crosses_above", "level": 100.0})).await;
    // invalid alerts are refused with the field at fault
    for (body, field) in [
        (
            json!({"symbol": symbol, "indicator": {"name": "NOPE"}, "op": "crosses", "level": 1}),
            "indicator",
        ),
        (
            json!({"symbol": symbol, "indicator": {"name": "RSI", "params": {"timeperiod": 0}},
            "op": "crosses", "level": 1}),
            "timeperiod",
        ),
        (json!({"symbol": symbol, "op": "sideways", "level": 1}), "op"),
        (json!({"symbol": symbol, "op": "enters_band", "band": [2, 1]}), "band"),
        (json!({"symbol": symbol, "op": "crosses", "level": 1, "ref": rsi}), "level"),
    ] {
        let (st, r) = post(&s1, "/v1/alerts", Some(&user), &body).await;
        assert_eq!(st, 422, "{body}: {r}");
        let text = r.to_string();
        assert!(text.contains(field), "{field}: {r}");
    }
    let (st, r) = post(
        &s1,
        "/v1/alerts",
        Some(&user),
        &json!({"symbol": "NOSUCH_RT", "op": "crosses", "level": 1}),
    )
    .await;
    assert_error(st, &r, 404, "NOT_FOUND", None);

    let subscribe = |ws_events: &mut Vec<Json>| {
        let _ = ws_events;
    };
    subscribe(&mut Vec::new());
    let subs = |symbol: &str| {
        vec![
            json!({"op": "subscribe", "id": 1, "channel": "quotes", "symbol": symbol}),
            json!({"op": "subscribe", "id": 2, "channel": "bars", "symbol": symbol}),
            json!({"op": "subscribe", "id": 3, "channel": "indicator", "symbol": symbol,
                "indicator": {"name": "RSI", "params": {"timeperiod": 14}}}),
            json!({"op": "subscribe", "id": 4, "channel": "indicator", "symbol": symbol,
                "indicator": {"name": "SMA", "params": {"timeperiod": 20}}}),
            json!({"op": "subscribe", "id": 5, "channel": "alerts"}),
        ]
    };
    let mut ev1 = Vec::new();
    let mut ws1 = connect(&s1, &user).await;
    for m in subs(&symbol) {
        let r = request(&mut ws1, m, &mut ev1).await;
        assert_eq!(r["type"], "subscribed", "{r}");
    }

    // phase 1: bars 0..200 in batches of ten bars, with a duplicate, a late and an
    // out-of-order tick
    let half = 200;
    let mut sent_prices = Vec::new();
    for chunk in (0..half).collect::<Vec<_>>().chunks(10) {
        let mut qs = Vec::new();
        for &i in chunk {
            let tk = ticks(i, &bars[i], &symbol);
            sent_prices.extend(tk.iter().map(|q| q["price"].as_f64().unwrap()));
            qs.extend(tk.clone());
            if i == 5 {
                qs.push(tk[3].clone()); // duplicate of the previous tick
                qs.push(json!({"symbol": symbol, "ts": ts_of(3) + 10, "price": 1.0}));
                // late
            }
            if i == 6 {
                // out of order within the candle: inside the range, no size, no effect
                qs.push(json!({"symbol": symbol, "ts": ts_of(6) + 5,
                    "price": (bars[6][1] + bars[6][2]) / 2.0, "volume": 0}));
            }
        }
        let (st, r) = post(&s1, "/v1/quotes", Some(&admin), &json!({"quotes": qs})).await;
        assert_eq!(st, 200, "{r}");
        if chunk[0] == 0 {
            assert_eq!((r["duplicates"].as_u64(), r["late"].as_u64()), (Some(1), Some(1)), "{r}");
        }
    }
    let (st, r) = post(&s1, "/v1/quotes", Some(&user), &json!({"quotes": []})).await;
    assert_error(st, &r, 403, "FORBIDDEN", None);
    drain(&mut ws1, &mut ev1).await;

    // every applied tick arrived as a quote, in order (the out-of-order tick is applied too)
    let got_quotes: Vec<f64> =
        ev1.iter().filter(|e| e["type"] == "quote").map(|e| e["price"].as_f64().unwrap()).collect();
    let mut want_quotes = sent_prices.clone();
    want_quotes.insert(4 * 7, (bars[6][1] + bars[6][2]) / 2.0);
    assert_eq!(got_quotes, want_quotes);
    // closed bars as built from the ticks, also stored
    let closed: Vec<&Json> = ev1.iter().filter(|e| e["type"] == "bar").collect();
    assert_eq!(closed.len(), half - 1);
    for (i, b) in closed.iter().enumerate() {
        assert_eq!(b["ts"], t(ts_of(i)));
        let got = [
            b["open"].as_f64(),
            b["high"].as_f64(),
            b["low"].as_f64(),
            b["close"].as_f64(),
            b["volume"].as_f64(),
        ];
        assert_eq!(got, bars[i].map(Some), "bar {i}");
    }

    // restart: the first server stops, a second one opens the same database
    drop(ws1);
    s1.halt();
    let s2 = start_on(s1.store.clone(), None, s1.options.clone()).await;
    let mut ev2 = Vec::new();
    let mut ws2 = connect(&s2, &user).await;
    for m in subs(&symbol) {
        let r = request(&mut ws2, m, &mut ev2).await;
        assert_eq!(r["type"], "subscribed", "{r}");
    }
    for chunk in (half..BARS).collect::<Vec<_>>().chunks(10) {
        let qs: Vec<Json> = chunk.iter().flat_map(|&i| ticks(i, &bars[i], &symbol)).collect();
        let (st, r) = post(&s2, "/v1/quotes", Some(&admin), &json!({"quotes": qs})).await;
        assert_eq!((st, r["accepted"].as_u64()), (200, Some(4 * chunk.len() as u64)), "{r}");
    }
    // one tick of the next minute closes the day's last bar
    let last_tick = json!({"symbol": symbol, "ts": ts_of(BARS), "price": 100.5});
    let (st, _) = post(&s2, "/v1/quotes", Some(&admin), &json!({"quotes": [last_tick]})).await;
    assert_eq!(st, 200);
    drain(&mut ws2, &mut ev2).await;

    // the stored bars are the day's
    let (st, stored) =
        get(&s2, &format!("/v1/instruments/{symbol}/bars?interval=1m&limit=1000"), Some(&user))
            .await;
    assert_eq!(st, 200, "{stored}");
    let items = stored["items"].as_array().or_else(|| stored["bars"].as_array()).unwrap();
    assert_eq!(items.len(), BARS + 1);

    // indicator values of closed bars equal the batch functions over the same bars
    let col = |k: usize| bars.iter().map(|b| b[k]).collect::<Vec<f64>>();
    let close = col(3);
    let rsi_b = batch("RSI", &[("timeperiod", Value::Int(14))], &[&close]);
    let sma_b = batch("SMA", &[("timeperiod", Value::Int(20))], &[&close]);
    let mut finals: BTreeMap<(String, String), Option<f64>> = BTreeMap::new();
    for e in ev1.iter().chain(&ev2).filter(|e| e["type"] == "indicator" && e["final"] == true) {
        let key =
            (e["indicator"].as_str().unwrap().to_owned(), e["ts"].as_str().unwrap().to_owned());
        let v = e["values"]["real"].as_f64();
        assert!(finals.insert(key, v).is_none(), "a final value repeated: {e}");
    }
    let mut compared = 0;
    for (name, want) in [("RSI(timeperiod=14)", &rsi_b), ("SMA(timeperiod=20)", &sma_b)] {
        for (i, w) in want.iter().enumerate() {
            let got = finals.get(&(name.to_owned(), t(ts_of(i))));
            let Some(got) = got else { panic!("no final {name} for bar {i}") };
            match got {
                None => assert!(w.is_nan(), "{name} bar {i}: null, want {w}"),
                Some(g) => {
                    assert!((g - w).abs() <= 1e-9, "{name} bar {i}: {g} vs {w}");
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 700, "{compared}");

    // exactly the expected alerts: from the batch values by the side rule
    let bar_seq = |left: &[f64], right: &dyn Fn(usize) -> f64| -> Vec<(i64, f64, f64)> {
        (0..BARS).map(|i| (ts_of(i), left[i], right(i))).collect()
    };
    let mut want: Vec<(String, String, &str)> = Vec::new();
    let mut add = |id: &str, evs: Vec<(i64, &'static str)>| {
        for (ts, d) in evs {
            want.push((id.to_owned(), t(ts), d));
        }
    };
    add(
        &a_rsi,
        crossings(&bar_seq(&rsi_b, &|_| 30.0), None, &|a, b| {
            (a == 1 && b == -1).then_some("below")
        }),
    );
    add(
        &a_sma,
        crossings(&bar_seq(&close, &|i| sma_b[i]), None, &|a, b| match (a, b) {
            (-1, 1) => Some("above"),
            (1, -1) => Some("below"),
            _ => None,
        }),
    );
    add(
        &a_band,
        crossings(&bar_seq(&rsi_b, &|_| 0.0), Some((40.0, 60.0)), &|a, b| {
            (a == -1 && b == 1).then_some("entered")
        }),
    );
    // the tick alert sees the last price after every applied tick
    let mut tick_seq = Vec::new();
    for (i, b) in bars.iter().enumerate() {
        for (dt, p) in [(0, b[0]), (15, b[1]), (30, b[2]), (45, b[3])] {
            tick_seq.push((ts_of(i) + dt, p, 100.0));
        }
        if i == 6 {
            tick_seq.push((ts_of(6) + 5, b[3], 100.0)); // the close did not move
        }
    }
    tick_seq.push((ts_of(BARS), 100.5, 100.0));
    add(&a_tick, crossings(&tick_seq, None, &|a, b| (a == -1 && b == 1).then_some("above")));
    want.sort();
    assert!(want.len() >= 10, "{want:?}");
    for id in [&a_sma, &a_band, &a_tick] {
        assert!(want.iter().any(|w| &w.0 == id), "no expected event of {id}");
    }

    let mut pushed: Vec<(String, String, &str)> = ev1
        .iter()
        .chain(&ev2)
        .filter(|e| e["type"] == "alert")
        .map(|e| {
            let d = match e["direction"].as_str().unwrap() {
                "above" => "above",
                "below" => "below",
                "entered" => "entered",
                _ => "left",
            };
            (e["alert_id"].as_str().unwrap().to_owned(), e["ts"].as_str().unwrap().to_owned(), d)
        })
        .collect();
    pushed.sort();
    assert_eq!(pushed, want, "pushed alerts");
    let (st, list) = get(&s2, "/v1/alerts/events?limit=1000", Some(&user)).await;
    assert_eq!(st, 200, "{list}");
    let mut recorded: Vec<(String, String, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let d = match e["direction"].as_str().unwrap() {
                "above" => "above",
                "below" => "below",
                "entered" => "entered",
                _ => "left",
            };
            (e["alert_id"].as_str().unwrap().to_owned(), e["ts"].as_str().unwrap().to_owned(), d)
        })
        .collect();
    recorded.sort();
    assert_eq!(recorded, want, "recorded alerts");
    // the alert's own record counts its firings
    let (_, a) = get(&s2, &format!("/v1/alerts/{a_sma}"), Some(&user)).await;
    let n_sma = want.iter().filter(|w| w.0 == a_sma).count() as u64;
    assert_eq!(a["fired_count"].as_u64(), Some(n_sma), "{a}");
    // CRUD: list, another user cannot see it, delete
    let (_, all) = get(&s2, "/v1/alerts", Some(&user)).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 4, "{all}");
    let (st, r) = get(&s2, &format!("/v1/alerts/{a_sma}"), Some(&admin)).await;
    assert_error(st, &r, 404, "NOT_FOUND", None);
    let res = s2
        .client
        .delete(s2.url(&format!("/v1/alerts/{a_sma}")))
        .bearer_auth(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let (st, _) = get(&s2, &format!("/v1/alerts/{a_sma}"), Some(&user)).await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn a_slow_client_does_not_stall_others_and_limits_close_with_codes() {
    let mut o = options();
    o.realtime = RealtimeOptions {
        queue_capacity: 2048,
        max_dropped: 4096,
        max_subscriptions: 3,
        max_message_bytes: 16 * 1024,
        max_invalid_messages: 4,
        ..RealtimeOptions::default()
    };
    let s = start_with(o).await;
    let (admin, user) = admin_and_user(&s).await;
    let symbol = sym("RTS");
    create_instrument(&s, &admin, &symbol, json!({})).await;

    // no token: 401; a token but no upgrade: 400
    let (st, r) = get(&s, "/v1/stream", None).await;
    assert_error(st, &r, 401, "UNAUTHENTICATED", None);
    let (st, r) = get(&s, "/v1/stream", Some(&user)).await;
    assert_eq!(st, 400, "{r}");

    let sub = json!({"op": "subscribe", "id": 1, "channel": "quotes", "symbol": symbol});
    let mut slow = connect(&s, &user).await;
    slow.send(Message::Text(sub.to_string().into())).await.unwrap();
    let mut fast = connect(&s, &user).await;
    let mut got = Vec::new();
    request(&mut fast, sub.clone(), &mut got).await;
    // the slow client never reads; the fast one drains after every batch and gets everything
    let mut n = 0;
    // (enough events to fill the loopback socket buffers of the client that never reads)
    for k in 0..100 {
        let qs: Vec<Json> = (0..1000)
            .map(|j| {
                json!({"symbol": symbol, "ts": DAY_OPEN + k * 1000 + j,
                "price": 50.0 + f64::from(i32::try_from(j).unwrap()) / 100.0})
            })
            .collect();
        let (st, r) = post(&s, "/v1/quotes", Some(&admin), &json!({"quotes": qs})).await;
        assert_eq!((st, r["accepted"].as_u64()), (200, Some(1000)), "{r}");
        n += 1000;
        drain(&mut fast, &mut got).await;
        assert_eq!(got.iter().filter(|e| e["type"] == "quote").count(), n);
    }
    // the slow client was dropped: with 4008 when its queue overflowed past the limit, or
    // without a close frame when a write timed out first (its socket was full; on a loaded
    // machine either comes first). Reading what it was sent ends either way.
    let code = loop {
        match slow.next().await {
            Some(Ok(Message::Close(Some(f)))) => break Some(u16::from(f.code)),
            Some(Ok(_)) => {}
            _ => break None,
        }
    };
    assert!(matches!(code, Some(4008) | None), "{code:?}");

    // too many subscriptions: 4029
    let mut ws = connect(&s, &user).await;
    let mut ev = Vec::new();
    for (i, ch) in ["quotes", "bars", "alerts"].iter().enumerate() {
        let r = request(
            &mut ws,
            json!({"op": "subscribe", "id": i, "channel": ch, "symbol": symbol}),
            &mut ev,
        )
        .await;
        assert_eq!(r["type"], "subscribed", "{r}");
    }
    ws.send(Message::Text(
        json!({"op": "subscribe", "id": 9, "channel": "news"}).to_string().into(),
    ))
    .await
    .unwrap();
    assert_eq!(close_code(&mut ws).await, Some(4029));

    // garbage: errors, then 4400
    let mut ws = connect(&s, &user).await;
    let r = request(&mut ws, json!({"op": "subscribe", "id": 1, "channel": "nope"}), &mut ev).await;
    assert_eq!(
        (r["type"].as_str(), r["code"].as_str()),
        (Some("error"), Some("INVALID_FIELD")),
        "{r}"
    );
    for _ in 0..5 {
        ws.send(Message::Text("{not json".into())).await.unwrap();
    }
    assert_eq!(close_code(&mut ws).await, Some(4400));

    // a message above the size limit: 1009
    let mut ws = connect(&s, &user).await;
    let big = format!("{{\"op\":\"ping\",\"pad\":\"{}\"}}", "x".repeat(32 * 1024));
    let _ = ws.send(Message::Text(big.into())).await;
    assert_eq!(close_code(&mut ws).await, Some(1009));

    // quote input over the socket needs the admin tier
    let mut ws = connect(&s, &user).await;
    let r = request(&mut ws, json!({"op": "quotes", "id": 7, "quotes": []}), &mut ev).await;
    assert_eq!(r["code"], "FORBIDDEN", "{r}");
    let mut ws = connect(&s, &admin).await;
    let r = request(
        &mut ws,
        json!({"op": "quotes", "id": 8, "quotes": [
        {"symbol": symbol, "ts": DAY_OPEN + 200_000, "price": 51.0}]}),
        &mut ev,
    )
    .await;
    assert_eq!((r["type"].as_str(), r["accepted"].as_u64()), (Some("ack"), Some(1)), "{r}");
}

async fn close_code(ws: &mut Ws) -> Option<u16> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Close(Some(f)))) => return Some(u16::from(f.code)),
            Some(Ok(_)) => {}
            _ => return None,
        }
    }
}

/// Posts a quote file to `POST /v1/quotes/replay?speed=...`.
async fn replay_file(s: &TestServer, token: &str, speed: &str, csv: String) -> (u16, Json) {
    let res = s
        .client
        .post(s.url(&format!("/v1/quotes/replay?speed={speed}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let st = res.status().as_u16();
    (st, serde_json::from_str(&res.text().await.unwrap()).unwrap())
}

#[tokio::test]
async fn a_quote_file_replayed_at_speed_builds_the_candles_and_indicators_of_the_batch_functions() {
    let s = start_with(options()).await;
    let (admin, user) = admin_and_user(&s).await;
    let symbol = sym("RP");
    create_instrument(&s, &admin, &symbol, json!({})).await;
    let bars: Vec<[f64; 5]> = day().into_iter().take(60).collect();
    let mut ws = connect(&s, &user).await;
    let mut events = Vec::new();
    let sma = json!({"name": "SMA", "params": {"timeperiod": 10}});
    let r = request(
        &mut ws,
        json!({"op": "subscribe", "id": 1, "channel": "indicator", "symbol": symbol,
            "indicator": sma}),
        &mut events,
    )
    .await;
    assert_eq!(r["type"], "subscribed", "{r}");

    // the file: four ticks a bar, columns in another order, RFC 3339 and unix times; the first
    // 30 bars as fast as possible, the next 30 at 600x (30 minutes of quotes in 3 s)
    let file = |range: std::ops::Range<usize>| {
        let mut csv = String::from("ts,symbol,price,volume\n");
        for i in range {
            for (k, q) in ticks(i, &bars[i], &symbol).iter().enumerate() {
                let ts = q["ts"].as_i64().unwrap();
                let ts = if k == 0 { t(ts) } else { ts.to_string() };
                csv.push_str(&format!("{ts},{symbol},{},10\n", q["price"].as_f64().unwrap()));
            }
        }
        csv
    };
    let (st, r) = replay_file(&s, &admin, "max", file(0..30)).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!((r["quotes"].as_u64(), r["accepted"].as_u64()), (Some(120), Some(120)), "{r}");
    let (st, r) = replay_file(&s, &admin, "600x", file(30..60)).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["accepted"].as_u64(), Some(120), "{r}");
    assert!(r["batches"].as_u64().unwrap() > 1, "{r}");
    // one tick of the next minute closes the last bar
    let tail = format!("symbol,ts,price\n{symbol},{},100\n", ts_of(60));
    let (st, _) = replay_file(&s, &admin, "1", tail).await;
    assert_eq!(st, 200);
    drain(&mut ws, &mut events).await;

    // candles stored as the bars the ticks were made from
    let (st, stored) =
        get(&s, &format!("/v1/instruments/{symbol}/bars?interval=1m&limit=1000"), Some(&user))
            .await;
    assert_eq!(st, 200, "{stored}");
    let items = stored["items"].as_array().or_else(|| stored["bars"].as_array()).unwrap();
    assert_eq!(items.len(), 61);
    for (i, b) in bars.iter().enumerate() {
        let got: Vec<f64> = ["open", "high", "low", "close", "volume"]
            .iter()
            .map(|k| items[i][*k].as_f64().unwrap())
            .collect();
        assert_eq!(got, b.to_vec(), "bar {i}");
    }
    // final indicator values equal the batch SMA over the same closes (1e-9)
    let close: Vec<f64> = bars.iter().map(|b| b[3]).collect();
    let want = batch("SMA", &[("timeperiod", Value::Int(10))], &[&close]);
    let finals: Vec<&Json> =
        events.iter().filter(|e| e["type"] == "indicator" && e["final"] == true).collect();
    assert_eq!(finals.len(), 60);
    for (i, e) in finals.iter().enumerate() {
        assert_eq!(e["ts"], t(ts_of(i)));
        match e["values"]["real"].as_f64() {
            None => assert!(want[i].is_nan(), "bar {i}"),
            Some(g) => assert!((g - want[i]).abs() <= 1e-9, "bar {i}: {g} vs {}", want[i]),
        }
    }

    // validation: bad rows listed by file line, a bad speed, the admin tier, the media type
    let (st, r) =
        replay_file(&s, &admin, "max", format!("symbol,ts,price\n{symbol},1714570200,-1\n")).await;
    assert_eq!(st, 422, "{r}");
    assert!(r.to_string().contains("price"), "{r}");
    let (st, r) = replay_file(&s, &admin, "fast", "symbol,ts,price\n".into()).await;
    assert_eq!(st, 422, "{r}");
    let (st, r) = replay_file(&s, &admin, "max", "symbol,when,price\n".into()).await;
    assert_eq!(st, 422, "{r}");
    let (st, _) = replay_file(&s, &user, "max", "symbol,ts,price\n".into()).await;
    assert_eq!(st, 403);
}

/// A correction to a closed bar (bulk ingest of stored bars while the series is live) rebuilds
/// the live indicator states from the corrected bars and derives the alert sides again, without
/// firing (docs/realtime.md, "Corrections"); later ticks are evaluated on the corrected values.
/// Reference: the core's batch SMA over the corrected closes (tolerance 1e-9).
#[tokio::test]
async fn a_correction_to_a_closed_bar_rebuilds_the_live_indicators_and_alert_sides() {
    let s = start_with(options()).await;
    let (admin, user) = admin_and_user(&s).await;
    let symbol = sym("RC");
    create_instrument(&s, &admin, &symbol, json!({})).await;
    let sma = json!({"name": "SMA", "params": {"timeperiod": 3}});
    let mut ids = Vec::new();
    for on in ["bar", "tick"] {
        let body = json!({"symbol": symbol, "indicator": sma, "op": "crosses_above",
            "level": 100, "on": on});
        let (st, r) = post(&s, "/v1/alerts", Some(&user), &body).await;
        assert_eq!(st, 201, "{r}");
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    let quote = |i: usize, price: f64| json!({"symbol": symbol, "ts": ts_of(i), "price": price, "volume": 10});
    // bars 0..=9 close at 99, bar 10 forms at 99: SMA(3) = 99, both alerts below the level
    let qs: Vec<Json> = (0..=10).map(|i| quote(i, 99.0)).collect();
    let (st, r) = post(&s, "/v1/quotes", Some(&admin), &json!({"quotes": qs})).await;
    assert_eq!(st, 200, "{r}");
    let side = |id: String| {
        let (s, user) = (&s, user.clone());
        async move {
            let (st, a) = get(s, &format!("/v1/alerts/{id}"), Some(&user)).await;
            assert_eq!(st, 200, "{a}");
            (a["side"].as_i64().unwrap(), a["fired_count"].as_i64().unwrap())
        }
    };
    assert_eq!(side(ids[0].clone()).await, (-1, 0));
    assert_eq!(side(ids[1].clone()).await, (-1, 0));

    let mut ws = connect(&s, &user).await;
    let mut events = Vec::new();
    for m in [
        json!({"op": "subscribe", "id": 1, "channel": "indicator", "symbol": symbol,
            "indicator": sma}),
        json!({"op": "subscribe", "id": 2, "channel": "alerts"}),
    ] {
        let r = request(&mut ws, m, &mut events).await;
        assert_eq!(r["type"], "subscribed", "{r}");
    }
    drain(&mut ws, &mut events).await;
    events.clear();

    // the correction: closed bars 7, 8 and 9 closed at 110
    let csv: String = std::iter::once("ts,open,high,low,close,volume\n".to_owned())
        .chain((7..=9).map(|i| format!("{},110,110,110,110,40\n", t(ts_of(i)))))
        .collect();
    let (st, b, _) = crate::market::send(
        &s,
        reqwest::Method::POST,
        &format!("/v1/instruments/{symbol}/bars?interval=1m"),
        &admin,
        "text/csv",
        &csv,
        None,
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["written"], 3, "{b}");

    let mut closes = vec![99.0; 7];
    closes.extend([110.0, 110.0, 110.0, 99.0]);
    let value_at =
        |closes: &[f64]| *batch("SMA", &[("timeperiod", Value::Int(3))], &[closes]).last().unwrap();
    drain(&mut ws, &mut events).await;
    let vals: Vec<&Json> = events.iter().filter(|e| e["type"] == "indicator").collect();
    let last = vals.last().expect("the corrected value is published");
    assert_eq!(last["ts"], t(ts_of(10)), "{last}");
    let got = last["values"]["real"].as_f64().unwrap();
    assert!((got - value_at(&closes)).abs() < 1e-9, "{got} vs {}", value_at(&closes));
    // both sides are above now (stored), and nothing fired: a correction rewrites history
    assert_eq!(side(ids[0].clone()).await, (1, 0));
    assert_eq!(side(ids[1].clone()).await, (1, 0));
    assert!(events.iter().all(|e| e["type"] != "alert"), "{events:?}");

    // later ticks run on the corrected state: bars 11 and 12 at 99 take the tick alert below,
    // bar 13 at 120 takes it above again (one firing); the bar alert goes below as bar 12
    // closes (SMA 99), without firing
    events.clear();
    let qs = vec![quote(11, 99.0), quote(12, 99.0), quote(13, 120.0)];
    let (st, r) = post(&s, "/v1/quotes", Some(&admin), &json!({"quotes": qs})).await;
    assert_eq!(st, 200, "{r}");
    closes.extend([99.0, 99.0, 120.0]);
    drain(&mut ws, &mut events).await;
    let fired: Vec<&Json> = events.iter().filter(|e| e["type"] == "alert").collect();
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!((&fired[0]["alert_id"], &fired[0]["direction"]), (&json!(ids[1]), &json!("above")));
    assert_eq!(fired[0]["ts"], t(ts_of(13)));
    let want = value_at(&closes);
    assert!((fired[0]["value"].as_f64().unwrap() - want).abs() < 1e-9, "{} vs {want}", fired[0]);
    let last = events.iter().rfind(|e| e["type"] == "indicator").unwrap();
    assert!((last["values"]["real"].as_f64().unwrap() - want).abs() < 1e-9, "{last}");
    assert_eq!(side(ids[0].clone()).await, (-1, 0));
    assert_eq!(side(ids[1].clone()).await, (1, 1));
}

/// A feed that sends its next `quotes` message before the last is answered (a pipeline): the
/// answers come in the order of the messages (a ping between them included), each after its
/// commit, and the candles are those of the quotes in the order sent. With `max_pipelined` 3
/// and 13 messages sent at once, no message is lost or answered twice.
#[tokio::test]
async fn pipelined_quote_messages_are_answered_in_order_and_committed() {
    let mut o = options();
    o.realtime = RealtimeOptions { max_pipelined: 3, ..RealtimeOptions::default() };
    let s = start_with(o).await;
    let (admin, user) = admin_and_user(&s).await;
    let symbol = sym("RTP");
    create_instrument(&s, &admin, &symbol, json!({})).await;
    let mut ws = connect(&s, &admin).await;
    // 12 messages of 30 quotes (one a second from the day's open), sent without waiting, and a
    // ping after the fifth
    let mut ids = Vec::new();
    let mut prices = Vec::new();
    for m in 0..12i64 {
        let qs: Vec<Json> = (0..30i64)
            .map(|j| {
                let k = m * 30 + j;
                let price = 100.0 + f64::from(i32::try_from((k * 37) % 23).unwrap()) / 10.0;
                prices.push((DAY_OPEN + k, price));
                json!({"symbol": symbol, "ts": DAY_OPEN + k, "price": price, "volume": 1})
            })
            .collect();
        let msg = json!({"op": "quotes", "id": format!("q{m}"), "quotes": qs});
        ws.send(Message::Text(msg.to_string().into())).await.unwrap();
        ids.push(json!(format!("q{m}")));
        if m == 4 {
            let ping = json!({"op": "ping", "id": "between"});
            ws.send(Message::Text(ping.to_string().into())).await.unwrap();
            ids.push(json!("between"));
        }
    }
    let mut answers = Vec::new();
    while answers.len() < ids.len() {
        let m = next_json(&mut ws).await.expect("an answer");
        if m["type"] != "heartbeat" {
            answers.push(m);
        }
    }
    let got: Vec<Json> = answers.iter().map(|a| a["id"].clone()).collect();
    assert_eq!(got, ids);
    for a in &answers {
        if a["id"] == "between" {
            assert_eq!(a["type"], "pong", "{a}");
        } else {
            assert_eq!(
                (a["type"].as_str(), a["accepted"].as_u64()),
                (Some("ack"), Some(30)),
                "{a}"
            );
        }
    }
    // the stored candles (6 minutes of one quote a second) equal the quotes' OHLC
    let (st, r) =
        get(&s, &format!("/v1/instruments/{symbol}/bars?interval=1m&limit=100"), Some(&user)).await;
    assert_eq!(st, 200, "{r}");
    let bars = r["items"].as_array().or_else(|| r["bars"].as_array()).expect("bars");
    assert_eq!(bars.len(), 6, "{r}");
    for (b, minute) in bars.iter().zip(prices.chunks(60)) {
        let p: Vec<f64> = minute.iter().map(|x| x.1).collect();
        assert_eq!(b["open"].as_f64(), Some(p[0]), "{b}");
        assert_eq!(b["close"].as_f64(), p.last().copied(), "{b}");
        assert_eq!(b["high"].as_f64(), p.iter().copied().reduce(f64::max), "{b}");
        assert_eq!(b["low"].as_f64(), p.iter().copied().reduce(f64::min), "{b}");
        assert_eq!(b["volume"].as_f64(), Some(60.0), "{b}");
    }
}
