//! Real-time load generator (docs/benchmarks.md, "Server: real time").
//!
//! ```text
//! cargo build --release -p sextant-server --bin sextant-server --example rt_bench
//! ulimit -n 65536
//! target/release/examples/rt_bench [SERVER_BINARY] [CLIENTS] [QUOTES] [FEEDERS] [WINDOW] [BATCH]
//! ```
//!
//! Runs the release server binary as a child process on loopback over a fresh SQLite directory
//! (WAL, synchronous=FULL), on the same machine as this generator. Setup: 100 instruments, and
//! 10,000 alerts stored before the first quote (100 per instrument over 10 streaming indicators
//! each: SMA, EMA, WMA, DEMA, TEMA, RSI, MOM, ROC, CMO, TRIX), so the server rebuilds them at its
//! first ingest, as after a restart. Then:
//! 1. `QUOTES` quotes (default 200,000) in batched WebSocket frames of `BATCH` quotes (default
//!    1,000; one `quotes` message, acknowledged after the commit), round-robin over the
//!    instruments, one second of event time apart per instrument (a 1-minute candle closes every
//!    60 quotes of an instrument): from one connection waiting for each acknowledgement before
//!    the next frame; from one connection with up to `WINDOW` frames unacknowledged (default 16,
//!    the server's default pipeline limit); from `FEEDERS` connections at once (default 4;
//!    instruments partitioned between them, each waiting for its acknowledgements). Each phase
//!    continues the event time (the alerts fired differ between phases and are printed). The
//!    frames are built before the clock starts; the server's CPU time per quote is read from
//!    `/proc`;
//! 2. the same over `POST /v1/quotes` in batches of `BATCH` (one connection);
//! 3. one quote per WebSocket message: one connection (2,000 messages, each acknowledged before
//!    the next; then `WINDOW` in flight), then `FEEDERS` connections at once (2,000 each);
//! 4. alert delivery, the delay from sending a quote to each client's receipt of the alert event
//!    it fires (p50, p99, max, and the server's CPU per delivered event): `CLIENTS` WebSocket
//!    clients (default 1,000) of one account subscribed to its alerts, 20 rounds of a quote that
//!    makes one price alert cross (every client receives each event at once); then the same
//!    number of clients spread over 50 accounts, each with an alert on its own instrument, one
//!    account's alert crossing every 10 ms for 400 rounds;
//! 5. the server's resident memory before and after the clients connected (per idle connection).
//!
//! Environment: `RT_ALERTS=quiet` sets the 10,000 alerts' levels where no value reaches them
//! (evaluated on every update, never fired; by default about one quote in four fires an alert,
//! each a stored event and side); `RT_FIRST_WINDOW` sets the frames in flight of the first phase
//! (default 1); `RT_PHASES=delivery` runs phases 4. and 5. only; `RT_DATABASE_URL`
//! (`postgres://...`, an empty database) runs the server and the setup on PostgreSQL instead of
//! the SQLite directory.
//!
//! The generator raises its own open-file limit to the hard limit; the server child inherits it.

use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{cpu_secs, pct, raise_nofile};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value as Json};
use sextant_server::store::AlertRec;
use sextant_server::{connect, Database};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const INSTRUMENTS: usize = 100;
const T0: i64 = 1_767_000_000; // a whole minute (2025-12-29T09:20:00Z)
const INDICATORS: [(&str, &str); 10] = [
    ("SMA", "timeperiod"),
    ("EMA", "timeperiod"),
    ("WMA", "timeperiod"),
    ("DEMA", "timeperiod"),
    ("TEMA", "timeperiod"),
    ("RSI", "timeperiod"),
    ("MOM", "timeperiod"),
    ("ROC", "timeperiod"),
    ("CMO", "timeperiod"),
    ("TRIX", "timeperiod"),
];

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|x| x.parse().ok()))
        })
        .unwrap_or(0)
}

async fn ws_connect(base: &str, token: &str) -> anyhow::Result<Ws> {
    let mut req =
        format!("{}/v1/stream", base.replace("http://", "ws://")).into_client_request()?;
    req.headers_mut().insert("authorization", format!("Bearer {token}").parse()?);
    // tungstenite zero-fills its whole read buffer before every read (128 KiB by default):
    // 4 KiB, as the server's, so that 5,000 clients do not spend the generator's CPU on it
    let config =
        tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default().read_buffer_size(4096);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), true).await?;
    let _welcome = ws.next().await;
    Ok(ws)
}

async fn reply(ws: &mut Ws, id: &Json) -> anyhow::Result<Json> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: Json = serde_json::from_str(t.as_str())?;
                if &v["id"] == id {
                    return Ok(v);
                }
            }
            Some(Ok(_)) => {}
            other => anyhow::bail!("connection ended: {other:?}"),
        }
    }
}

fn symbol(i: usize) -> String {
    format!("RTB{i:03}")
}

/// The k-th quote: instrument k % 100, one second of event time per round over the instruments.
fn quote(k: usize, offset: usize) -> Json {
    let i = k % INSTRUMENTS;
    let n = (k + offset) / INSTRUMENTS;
    #[allow(clippy::cast_precision_loss)]
    let x = n as f64;
    let price = 100.0 + 5.0 * libm::sin(x / 40.0 + i as f64) + 0.3 * libm::sin(x * 1.7);
    json!({"symbol": symbol(i), "ts": T0 + i64::try_from(n).unwrap_or(0), "price": price, "volume": 1})
}

/// `quotes` messages of `per` quotes each for quotes `0..n` (after `offset`) whose instrument
/// is `part` modulo `parts`, with their ids (so the timed loop parses no frame of its own).
fn frames(
    n: usize,
    offset: usize,
    per: usize,
    part: usize,
    parts: usize,
    tag: &str,
) -> Vec<(Json, String)> {
    let mine: Vec<usize> = (0..n).filter(|k| (k % INSTRUMENTS) % parts == part).collect();
    mine.chunks(per)
        .enumerate()
        .map(|(j, c)| {
            let qs: Vec<Json> = c.iter().map(|&k| quote(k, offset)).collect();
            let id = json!(format!("{tag}{part}-{j}"));
            let text = json!({"op": "quotes", "id": id, "quotes": qs}).to_string();
            (id, text)
        })
        .collect()
}

/// Sends prepared frames from `parts` connections at once, each with at most `window` frames
/// unacknowledged (1: each acknowledged before the next); returns (seconds, alerts fired).
async fn feed(
    base: &str,
    token: &str,
    all: Vec<Vec<(Json, String)>>,
    window: usize,
) -> anyhow::Result<(f64, u64)> {
    let mut conns = Vec::new();
    for _ in 0..all.len() {
        conns.push(ws_connect(base, token).await?);
    }
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (mut ws, list) in conns.into_iter().zip(all) {
        tasks.push(tokio::spawn(async move {
            let mut fired = 0;
            let mut unacked = std::collections::VecDeque::new();
            let mut list = list.into_iter();
            loop {
                while unacked.len() < window.max(1) {
                    let Some((id, m)) = list.next() else { break };
                    ws.send(Message::Text(m.into())).await?;
                    unacked.push_back(id);
                }
                // answers come in the order of the messages
                let Some(id) = unacked.pop_front() else { break };
                let r = reply(&mut ws, &id).await?;
                anyhow::ensure!(r["type"] == "ack", "{r}");
                fired += r["alerts_fired"].as_u64().unwrap_or(0);
            }
            Ok::<_, anyhow::Error>(fired)
        }));
    }
    let mut fired = 0;
    for t in tasks {
        fired += t.await??;
    }
    Ok((t.elapsed().as_secs_f64(), fired))
}

/// One ingest phase: quotes `0..n` after `offset` in messages of `per`, from `parts`
/// connections with `window` messages in flight each; returns (seconds, alerts fired, server
/// CPU µs per quote).
async fn phase(
    base: &str,
    token: &str,
    pid: u32,
    (n, offset, per): (usize, usize, usize),
    parts: usize,
    window: usize,
    tag: &str,
) -> anyhow::Result<(f64, u64, f64)> {
    let prepared: Vec<Vec<(Json, String)>> =
        (0..parts).map(|p| frames(n, offset, per, p, parts, tag)).collect();
    let cpu = cpu_secs(pid);
    let (secs, fired) = feed(base, token, prepared, window).await?;
    #[allow(clippy::cast_precision_loss)]
    let per_quote = (cpu_secs(pid) - cpu) * 1e6 / n as f64;
    Ok((secs, fired, per_quote))
}

/// (round, time received) of every alert event the listening clients got.
type Received = Arc<std::sync::Mutex<Vec<(usize, Instant)>>>;

/// Users of the spread delivery phase (each with its own instrument and alert).
const USERS: usize = 50;

/// The price of latency round `r`, above or below the alerts' level 100 (each round crosses
/// it), its distance 1 + r / 10,000 telling the round.
fn round_price(r: usize, above: bool) -> f64 {
    let d = 1.0 + r as f64 / 10_000.0;
    if above {
        100.0 + d
    } else {
        100.0 - d
    }
}

/// The rounds of the alert events in a frame, read from their `value` without building a JSON
/// tree (the generator shares the CPUs with the server).
fn rounds_in(text: &str) -> Vec<usize> {
    text.match_indices("\"value\":")
        .filter_map(|(i, k)| {
            let rest = &text[i + k.len()..];
            let end = rest.find([',', '}']).unwrap_or(rest.len());
            let v: f64 = rest[..end].parse().ok()?;
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some((((v - 100.0).abs() - 1.0) * 10_000.0).round() as usize)
        })
        .collect()
}

/// A client subscribed to its account's alerts that records when each round's event arrives.
async fn listen(
    base: &str,
    token: &str,
    received: Received,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut c = ws_connect(base, token).await?;
    let sub = json!({"op": "subscribe", "id": "s", "channel": "alerts"});
    c.send(Message::Text(sub.to_string().into())).await?;
    reply(&mut c, &json!("s")).await?;
    Ok(tokio::spawn(async move {
        while let Some(Ok(m)) = c.next().await {
            if let Message::Text(t) = m {
                let now = Instant::now();
                if t.as_str().contains("\"type\":\"alert\"") {
                    let rounds = rounds_in(t.as_str());
                    let mut g = received.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    g.extend(rounds.into_iter().map(|r| (r, now)));
                }
            }
        }
    }))
}

/// The delivery report: events, min / p50 / p99 / max delay, the server's and the generator's
/// CPU per delivery (`cpu`: seconds of each).
fn delivery(received: &Received, sent: &[Instant], cpu: (f64, f64)) -> String {
    let lat = latencies(received, sent);
    format!(
        "{} events, min {:.1} ms, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; CPU per delivery: server {:.1} us, generator {:.1} us",
        lat.len(),
        lat.first().copied().unwrap_or(f64::NAN),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        cpu.0 * 1e6 / (lat.len().max(1)) as f64,
        cpu.1 * 1e6 / (lat.len().max(1)) as f64
    )
}

/// Delays in ms from sending round r's quote (`sent[r - 1]`) to each receipt, sorted.
fn latencies(received: &Received, sent: &[Instant]) -> Vec<f64> {
    let got = received.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let mut lat: Vec<f64> = got
        .iter()
        .filter(|(r, _)| (1..=sent.len()).contains(r))
        .map(|(r, at)| at.duration_since(sent[r - 1]).as_secs_f64() * 1000.0)
        .collect();
    lat.sort_by(f64::total_cmp);
    lat
}

/// Sends one `quotes` message of (symbol, ts, price) and waits for its acknowledgement.
async fn ingest(ws: &mut Ws, id: &str, quotes: &[(String, i64, f64)]) -> anyhow::Result<()> {
    let qs: Vec<Json> =
        quotes.iter().map(|(s, ts, p)| json!({"symbol": s, "ts": ts, "price": p})).collect();
    let m = json!({"op": "quotes", "id": id, "quotes": qs});
    ws.send(Message::Text(m.to_string().into())).await?;
    let r = reply(ws, &json!(id)).await?;
    anyhow::ensure!(r["type"] == "ack", "{r}");
    Ok(())
}

#[tokio::main]
#[allow(clippy::too_many_lines, clippy::cast_precision_loss)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bin = args.first().cloned().unwrap_or_else(|| "target/release/sextant-server".into());
    let clients: usize = args.get(1).map_or(Ok(1000), |s| s.parse())?;
    let n_quotes: usize = args.get(2).map_or(Ok(200_000), |s| s.parse())?;
    let feeders: usize = args.get(3).map_or(Ok(4), |s| s.parse())?;
    let window: usize = args.get(4).map_or(Ok(16), |s| s.parse())?;
    let batch: usize = args.get(5).map_or(Ok(1000), |s| s.parse())?;
    println!("open-file limit {}", raise_nofile());
    let dir = std::env::temp_dir().join(format!("sextant-rt-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // RT_DATABASE_URL: an empty PostgreSQL database instead of the SQLite directory
    let url = std::env::var("RT_DATABASE_URL").ok();
    let db = url.clone().map_or_else(|| Database::SqliteDir(dir.clone()), Database::Url);
    let store = connect(&db).await?;
    println!("database: {}", store.backend());
    for i in 0..=INSTRUMENTS {
        let s = if i == INSTRUMENTS { "RTBLAT".to_owned() } else { symbol(i) };
        store.create_instrument(&common::instrument(&s)).await?;
    }
    for u in 0..USERS {
        store.create_instrument(&common::instrument(&format!("RTL{u:03}"))).await?;
    }
    let db_args: [std::ffi::OsString; 2] = match &url {
        Some(u) => ["--database-url".into(), u.into()],
        None => ["--data-dir".into(), dir.clone().into()],
    };
    let (mut child, base) = common::spawn_server(&bin, &db_args)?;
    let pid = child.id();
    let http = reqwest::Client::new();
    common::wait_ready(&http, &base, |_| true).await?;
    let token = common::sign_in(&http, &base, "bench@example.com").await?;
    let user = store.user_by_email("bench@example.com").await?.expect("registered");
    store.set_tier(&user.id, "admin").await?;

    // 10,000 alerts, stored before the server's first ingest (rebuilt as after a restart)
    let t = Instant::now();
    // RT_ALERTS=quiet: levels no value reaches (every alert evaluated on every update, none
    // fires); by default about one quote in four fires one
    let quiet = std::env::var("RT_ALERTS").is_ok_and(|v| v == "quiet");
    for i in 0..INSTRUMENTS {
        for j in 0..100 {
            let (name, p) = INDICATORS[j % 10];
            let level = if quiet {
                1e6
            } else if name == "RSI" || name == "CMO" {
                30.0 + (j % 40) as f64
            } else {
                100.0
            };
            // one period (14) per indicator: 10 streaming states per instrument
            let mut params = serde_json::Map::new();
            params.insert(p.to_owned(), json!(14));
            let spec = json!({"indicator": {"name": name, "params": params},
                "op": "crosses", "level": level, "on": if j % 2 == 0 { "tick" } else { "bar" }});
            store
                .create_alert(&AlertRec {
                    id: format!("{:032x}", i * 1000 + j + 1),
                    user_id: user.id.clone(),
                    symbol: symbol(i),
                    interval: "1m".into(),
                    spec: spec.to_string(),
                    side: 0,
                    fired_count: 0,
                    last_fired_at: None,
                    created_at: 0,
                })
                .await?;
        }
    }
    println!("stored 10000 alerts in {:.1} s", t.elapsed().as_secs_f64());
    // the latency alert
    store
        .create_alert(&AlertRec {
            id: format!("{:032x}", 999_999_999),
            user_id: user.id.clone(),
            symbol: "RTBLAT".into(),
            interval: "1m".into(),
            spec: json!({"op": "crosses", "level": 100.0}).to_string(),
            side: 0,
            fired_count: 0,
            last_fired_at: None,
            created_at: 0,
        })
        .await?;

    // first ingest: the server loads the alerts and rebuilds their indicator states
    let mut ws = ws_connect(&base, &token).await?;
    let t = Instant::now();
    let first = json!({"op": "quotes", "id": 0, "quotes": [quote(0, 0)]});
    ws.send(Message::Text(first.to_string().into())).await?;
    let r = reply(&mut ws, &json!(0)).await?;
    println!(
        "first ingest (loads 10,001 alerts, 1,000 indicator states): {:.2} s {r}",
        t.elapsed().as_secs_f64()
    );

    // 1. batched WebSocket frames: one connection, each frame acknowledged before the next;
    // one connection with `window` frames in flight; `feeders` connections at once
    // RT_FIRST_WINDOW: frames in flight in the first phase (default 1), to compare a pipelined
    // feed with the same quotes (the later phases continue the price paths: other crossings)
    let first: usize = std::env::var("RT_FIRST_WINDOW").map_or(Ok(1), |s| s.parse())?;
    // RT_PHASES=delivery: only the delivery phases (4. and 5.)
    let ingest_phases = std::env::var("RT_PHASES").map_or(true, |v| v != "delivery");
    let mut offset = INSTRUMENTS; // event time continues
    let batched = [(1, first, "b"), (1, window, "w"), (feeders, 1, "f")];
    for &(parts, w, tag) in batched.iter().filter(|_| ingest_phases) {
        let (secs, fired, cpu) =
            phase(&base, &token, pid, (n_quotes, offset, batch), parts, w, tag).await?;
        println!(
            "WS batched ({batch}/frame, {parts} connection(s), {w} in flight): {n_quotes} quotes in {secs:.2} s = {:.0} quotes/s, server CPU {cpu:.1} us/quote ({fired} alerts fired)",
            n_quotes as f64 / secs
        );
        offset += n_quotes;
    }

    // 2. HTTP batches
    let n_http = if ingest_phases { n_quotes / 2 } else { 0 };
    let t = Instant::now();
    for chunk in (0..n_http).collect::<Vec<_>>().chunks(batch) {
        let qs: Vec<Json> = chunk.iter().map(|&q| quote(q, offset)).collect();
        let res = http
            .post(format!("{base}/v1/quotes"))
            .bearer_auth(&token)
            .json(&json!({"quotes": qs}))
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "{}", res.text().await?);
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "HTTP batched ({batch}/request): {n_http} quotes in {secs:.2} s = {:.0} quotes/s",
        n_http as f64 / secs
    );
    offset += n_http;

    // 3. one quote per message: one connection (each acknowledged before the next; then
    // `window` in flight), then `feeders` at once
    let n_one = 2000;
    let single = [(1, 1, "o"), (1, window, "p"), (feeders, 1, "m")];
    for &(parts, w, tag) in single.iter().filter(|_| ingest_phases) {
        let n = n_one * parts;
        let (secs, _, cpu) = phase(&base, &token, pid, (n, offset, 1), parts, w, tag).await?;
        println!(
            "WS one quote per message ({parts} connection(s), {w} in flight): {n} in {secs:.2} s = {:.0} quotes/s, server CPU {cpu:.0} us/quote",
            n as f64 / secs
        );
        offset += n;
    }

    // 4. and 5. many clients receiving alerts: all at once (one alert to every client), then
    // spread (one user's clients at a time)
    let rss0 = rss_kib(pid);
    let t = Instant::now();
    let received: Received = Arc::default();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        tasks.push(listen(&base, &token, received.clone()).await?);
    }
    println!("{clients} clients connected and subscribed in {:.1} s", t.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss1 = rss_kib(pid);
    println!(
        "server RSS {rss0} KiB before, {rss1} KiB with {clients} idle clients: {:.1} KiB per connection",
        (rss1.saturating_sub(rss0)) as f64 / clients as f64
    );
    let rounds = 20;
    // set the side below first (no event), then alternate above/below: one event per round
    ingest(&mut ws, "p", &[("RTBLAT".into(), T0, 99.0)]).await?;
    let mut sent = Vec::new();
    let cpu = (cpu_secs(pid), cpu_secs(std::process::id()));
    for r in 1..=rounds {
        let t0 = Instant::now();
        let q = ("RTBLAT".to_owned(), T0 + r as i64, round_price(r, r % 2 == 1));
        ingest(&mut ws, &format!("r{r}"), &[q]).await?;
        sent.push(t0);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "alert delivery to all {clients} clients at once x {rounds} rounds: {}",
        delivery(&received, &sent, (cpu_secs(pid) - cpu.0, cpu_secs(std::process::id()) - cpu.1))
    );
    for t in tasks.drain(..) {
        t.abort();
    }

    // spread: `USERS` users with clients / USERS connections each and an alert on their own
    // instrument; a round every 10 ms fires one user's alert (its connections receive it)
    let per = clients / USERS;
    let received: Received = Arc::default();
    for u in 0..USERS {
        let email = format!("spread{u}@example.com");
        let tok = common::sign_in(&http, &base, &email).await?;
        let res = http
            .post(format!("{base}/v1/alerts"))
            .bearer_auth(&tok)
            .json(&json!({"symbol": format!("RTL{u:03}"), "op": "crosses", "level": 100.0}))
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "{}", res.text().await?);
        for _ in 0..per {
            tasks.push(listen(&base, &tok, received.clone()).await?);
        }
    }
    let primes: Vec<(String, i64, f64)> =
        (0..USERS).map(|u| (format!("RTL{u:03}"), T0, 99.0)).collect();
    ingest(&mut ws, "sp", &primes).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let spread_rounds = 400;
    let mut sent = Vec::new();
    let cpu = (cpu_secs(pid), cpu_secs(std::process::id()));
    let t = Instant::now();
    let period = Duration::from_millis(10);
    for r in 1..=spread_rounds {
        let u = (r - 1) % USERS;
        let t0 = Instant::now();
        // each user's rounds alternate above and below
        let q = (format!("RTL{u:03}"), T0 + r as i64, round_price(r, ((r - 1) / USERS) % 2 == 0));
        ingest(&mut ws, &format!("s{r}"), &[q]).await?;
        sent.push(t0);
        tokio::time::sleep_until((t + period * u32::try_from(r).unwrap_or(0)).into()).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!(
        "alert delivery spread: {} clients ({USERS} users x {per}), one user's alert every {} ms x {spread_rounds} rounds ({} deliveries/s): {}",
        per * USERS,
        period.as_millis(),
        per * 1000 / usize::try_from(period.as_millis()).unwrap_or(1),
        delivery(&received, &sent, (cpu_secs(pid) - cpu.0, cpu_secs(std::process::id()) - cpu.1))
    );
    for t in tasks {
        t.abort();
    }
    let _ = child.kill();
    let _ = child.wait();
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
