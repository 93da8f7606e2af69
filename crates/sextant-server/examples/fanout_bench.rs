//! Real-time fan-out across two server instances on one PostgreSQL (docs/benchmarks.md,
//! "Server: real-time fan-out").
//!
//! ```text
//! cargo build --release -p sextant-server --bin sextant-server --example fanout_bench
//! target/release/examples/fanout_bench postgres://... [SERVER_BINARY] [CLIENTS] [QUOTES]
//! ```
//!
//! Runs two release server processes (A and B) on loopback over the given PostgreSQL database,
//! on the same machine as this generator. Then:
//! 1. one client on A and `CLIENTS` (default 100) on B subscribed to the account's alerts;
//!    40 rounds of one quote posted to A that makes a price alert cross; the delay from sending
//!    the quote to the receipt of the alert event on A's client (local) and on B's clients
//!    (through LISTEN/NOTIFY): p50, p99, max;
//! 2. one client on A and one on B subscribed to an instrument's quotes; `QUOTES` (default
//!    20,000) quotes posted to A in batches of 1,000; the time until each client received the
//!    last one (quote events per second delivered locally and across instances).

use std::time::{Duration, Instant};

mod common;
use common::pct;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value as Json};
use sextant_server::{connect, Database};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const T0: i64 = 1_767_000_000; // a whole minute

async fn ws_connect(base: &str, token: &str) -> anyhow::Result<Ws> {
    let mut req =
        format!("{}/v1/stream", base.replace("http://", "ws://")).into_client_request()?;
    req.headers_mut().insert("authorization", format!("Bearer {token}").parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    let _welcome = ws.next().await;
    Ok(ws)
}

async fn subscribe(ws: &mut Ws, msg: Json) -> anyhow::Result<()> {
    ws.send(Message::Text(msg.to_string().into())).await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: Json = serde_json::from_str(t.as_str())?;
                if v["type"] == "subscribed" {
                    return Ok(());
                }
                anyhow::ensure!(v["type"] != "error", "{v}");
            }
            Some(Ok(_)) => {}
            other => anyhow::bail!("connection ended: {other:?}"),
        }
    }
}

/// Reads until `n` events of `kind` arrived; returns when.
async fn receive(ws: &mut Ws, kind: &str, n: usize) -> anyhow::Result<Instant> {
    let mut seen = 0;
    while seen < n {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: Json = serde_json::from_str(t.as_str())?;
                seen += v["events"]
                    .as_array()
                    .map_or(0, |a| a.iter().filter(|e| e["type"] == kind).count());
            }
            Some(Ok(_)) => {}
            other => anyhow::bail!("connection ended: {other:?}"),
        }
    }
    Ok(Instant::now())
}

#[tokio::main]
#[allow(clippy::too_many_lines, clippy::cast_precision_loss)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().cloned().ok_or_else(|| anyhow::anyhow!("a postgres:// URL"))?;
    let bin = args.get(1).cloned().unwrap_or_else(|| "target/release/sextant-server".into());
    let clients: usize = args.get(2).map_or(Ok(100), |s| s.parse())?;
    let n_quotes: usize = args.get(3).map_or(Ok(20_000), |s| s.parse())?;
    let store = connect(&Database::Url(url.clone())).await?;
    let (mut ca, a) =
        common::spawn_server(&bin, ["--database-url", &url, "--instance-name", "bench-a"])?;
    let (mut cb, b) =
        common::spawn_server(&bin, ["--database-url", &url, "--instance-name", "bench-b"])?;
    let http = reqwest::Client::new();
    for base in [&a, &b] {
        common::wait_ready(&http, base, |v| v["fanout"]["listening"] == true).await?;
    }
    let tag = std::process::id();
    let email = format!("fanout-{tag}@example.com");
    let token = common::sign_in(&http, &a, &email).await?;
    let user = store.user_by_email(&email).await?.expect("user");
    store.set_tier(&user.id, "admin").await?;
    let (lat, thr) = (format!("FOL{tag}"), format!("FOT{tag}"));
    for s in [&lat, &thr] {
        let body = json!({"symbol": s, "name": format!("bench {s}"), "currency": "USD",
            "time_zone": "UTC", "asset_class": "other"});
        let r =
            http.post(format!("{a}/v1/instruments")).bearer_auth(&token).json(&body).send().await?;
        anyhow::ensure!(r.status().is_success(), "instrument: {}", r.text().await?);
    }
    let r = http
        .post(format!("{b}/v1/alerts"))
        .bearer_auth(&token)
        .json(&json!({"symbol": lat, "op": "crosses", "level": 100.0}))
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "alert: {}", r.text().await?);

    // 1. alert delivery: local (A) and across instances (B)
    let sub = json!({"op": "subscribe", "id": 1, "channel": "alerts"});
    let mut on_a = ws_connect(&a, &token).await?;
    subscribe(&mut on_a, sub.clone()).await?;
    let mut on_b = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut w = ws_connect(&b, &token).await?;
        subscribe(&mut w, sub.clone()).await?;
        on_b.push(w);
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // the alert created on B reached A
    let post = |k: i64, p: f64| {
        let body = json!({"quotes": [{"symbol": lat, "ts": T0 + k, "price": p}]});
        http.post(format!("{a}/v1/quotes")).bearer_auth(&token).json(&body).send()
    };
    post(0, 99.0).await?; // sets the side
    let (mut local, mut remote) = (Vec::new(), Vec::new());
    for round in 1..=40 {
        let price = if round % 2 == 1 { 101.0 } else { 99.0 };
        let t = Instant::now();
        post(round, price).await?;
        let got_a = receive(&mut on_a, "alert", 1).await?;
        local.push(got_a.duration_since(t).as_secs_f64() * 1e3);
        let waits = on_b.iter_mut().map(|w| receive(w, "alert", 1));
        for got in futures_util::future::join_all(waits).await {
            remote.push(got?.duration_since(t).as_secs_f64() * 1e3);
        }
    }
    for v in [&mut local, &mut remote] {
        v.sort_by(f64::total_cmp);
    }
    println!(
        "alert delivery, ms: local (A) p50 {:.2} p99 {:.2} max {:.2}; across instances ({} clients on B) p50 {:.2} p99 {:.2} max {:.2}",
        pct(&local, 0.5),
        pct(&local, 0.99),
        local.last().copied().unwrap_or(f64::NAN),
        clients,
        pct(&remote, 0.5),
        pct(&remote, 0.99),
        remote.last().copied().unwrap_or(f64::NAN)
    );
    drop(on_b);

    // 2. quote events: local and across instances
    let sub = json!({"op": "subscribe", "id": 2, "channel": "quotes", "symbol": thr});
    let mut qa = ws_connect(&a, &token).await?;
    subscribe(&mut qa, sub.clone()).await?;
    let mut qb = ws_connect(&b, &token).await?;
    subscribe(&mut qb, sub).await?;
    tokio::time::sleep(Duration::from_millis(500)).await; // B's interest reached A
    let n = n_quotes;
    let recv_a = tokio::spawn(async move { receive(&mut qa, "quote", n).await });
    let recv_b = tokio::spawn(async move { receive(&mut qb, "quote", n).await });
    let t = Instant::now();
    let mut k = 0usize;
    while k < n_quotes {
        let batch: Vec<Json> = (k..(k + 1000).min(n_quotes))
            .map(|i| {
                let x = i as f64;
                json!({"symbol": thr, "ts": T0 + i64::try_from(i).unwrap_or(0),
                    "price": 100.0 + libm::sin(x / 50.0)})
            })
            .collect();
        k += batch.len();
        let r = http
            .post(format!("{a}/v1/quotes"))
            .bearer_auth(&token)
            .json(&json!({"quotes": batch}))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "quotes: {}", r.text().await?);
    }
    let ingested = t.elapsed().as_secs_f64();
    let done_a = recv_a.await??.duration_since(t).as_secs_f64();
    let done_b = recv_b.await??.duration_since(t).as_secs_f64();
    println!(
        "{n_quotes} quotes posted to A in {ingested:.2} s; all received by A's client after {done_a:.2} s ({:.0}/s), by B's client after {done_b:.2} s ({:.0}/s)",
        n_quotes as f64 / done_a,
        n_quotes as f64 / done_b
    );
    let (_, ready): (u16, Json) = {
        let r = http.get(format!("{a}/ready")).send().await?;
        (r.status().as_u16(), r.json().await?)
    };
    println!("A's fan-out: {}", ready["fanout"]);
    let _ = ca.kill();
    let _ = cb.kill();
    let _ = ca.wait();
    let _ = cb.wait();
    Ok(())
}
