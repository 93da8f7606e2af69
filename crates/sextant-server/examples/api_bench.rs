//! Indicator-request latency under a fixed request rate (docs/benchmarks.md, "Server: indicator
//! requests").
//!
//! ```text
//! cargo build --release -p sextant-server --bin sextant-server --example api_bench
//! target/release/examples/api_bench [SERVER_BINARY] [RATE] [SECONDS] [BARS]
//! ```
//!
//! Runs the release server binary as a child process on loopback over a fresh SQLite directory
//! (WAL, synchronous=FULL), on the same machine as this generator. One instrument holds `BARS`
//! daily bars (default 5,000). The generator then sends `GET
//! /v1/instruments/{symbol}/indicators/RSI?timeperiod=14` (the whole series, 5,000 values) at
//! `RATE` requests per second (default 1,000) for `SECONDS` (default 10), open loop: each request
//! is started at its scheduled time whatever the earlier ones do, and its latency is counted
//! from that scheduled time to the last byte of the response, so a stall on the server shows in
//! the tail instead of slowing the generator down (no coordinated omission). It prints the rate
//! achieved and the latency percentiles; a warm-up second is not counted. A fifth argument
//! `vary` gives every request its own period (`timeperiod=2+k`), so none is answered from the
//! server's response cache.

use std::ffi::OsStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::pct;

use serde_json::Value as Json;
use sextant_server::store::Bar;
use sextant_server::{connect, Database};

#[tokio::main]
#[allow(clippy::cast_precision_loss)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bin = args.first().cloned().unwrap_or_else(|| "target/release/sextant-server".into());
    let rate: u32 = args.get(1).map_or(Ok(1000), |s| s.parse())?;
    let seconds: u32 = args.get(2).map_or(Ok(10), |s| s.parse())?;
    let n_bars: i64 = args.get(3).map_or(Ok(5000), |s| s.parse())?;
    // `vary`: every request asks another RSI period, so no two responses are the same and each
    // is computed (the bars still come from the range cache)
    let vary = args.get(4).is_some_and(|a| a == "vary");
    anyhow::ensure!(rate > 0 && seconds > 0 && n_bars > 0, "RATE, SECONDS and BARS must be > 0");
    let dir = std::env::temp_dir().join(format!("sextant-api-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = connect(&Database::SqliteDir(dir.clone())).await?;
    store.create_instrument(&common::instrument("APIB")).await?;
    let bars: Vec<Bar> = (0..n_bars)
        .map(|k| {
            let x = 100.0 + 10.0 * libm::sin(k as f64 / 30.0) + 0.5 * libm::sin(k as f64 * 1.3);
            Bar {
                ts: 86_400 * (7_000 + k),
                open: x,
                high: x + 1.0,
                low: x - 1.0,
                close: x + 0.2,
                volume: 1e6,
            }
        })
        .collect();
    store.upsert_bars("APIB", "1d", &bars).await?;
    store.close().await;

    let (mut child, base) =
        common::spawn_server(&bin, [OsStr::new("--data-dir"), dir.as_os_str()])?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    common::wait_ready(&http, &base, |_| true).await?;
    let token = common::sign_in(&http, &base, "bench@example.com").await?;
    let token = Arc::new(format!("Bearer {token}"));
    let url = Arc::new(format!("{base}/v1/instruments/APIB/indicators/RSI?timeperiod=14"));
    let check: Json =
        http.get(url.as_str()).header("authorization", token.as_str()).send().await?.json().await?;
    let values = check["outputs"]["real"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(values == usize::try_from(n_bars)?, "unexpected response: {check}");

    let total = rate * (seconds + 1);
    let period = Duration::from_secs_f64(1.0 / f64::from(rate));
    let start = Instant::now() + Duration::from_millis(50);
    let mut tasks = Vec::with_capacity(total as usize);
    for k in 0..total {
        let at = start + period * k;
        tokio::time::sleep_until(at.into()).await;
        let (http, token) = (http.clone(), token.clone());
        let url = if vary {
            Arc::new(url.replace("timeperiod=14", &format!("timeperiod={}", 2 + k)))
        } else {
            url.clone()
        };
        tasks.push(tokio::spawn(async move {
            let req = http.get(url.as_str()).header("authorization", token.as_str());
            let status = match req.send().await {
                Ok(r) => {
                    let code = r.status().as_u16();
                    if r.bytes().await.is_ok() {
                        code
                    } else {
                        0
                    }
                }
                Err(_) => 0,
            };
            (k, at.elapsed().as_secs_f64() * 1e3, status)
        }));
    }
    let sent = start.elapsed().as_secs_f64();
    let mut lat = Vec::new();
    let mut errors = std::collections::BTreeMap::new();
    for t in tasks {
        let (k, ms, status) = t.await?;
        if status != 200 {
            *errors.entry(status).or_insert(0) += 1;
        } else if k >= rate {
            lat.push(ms);
        }
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "{total} requests scheduled at {rate}/s, sent in {sent:.2} s ({:.0}/s), errors by status (0: no response): {errors:?}",
        f64::from(total) / sent
    );
    println!(
        "latency over the last {seconds} s (ms): p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
        pct(&lat, 0.5),
        pct(&lat, 0.95),
        pct(&lat, 0.99),
        pct(&lat, 1.0)
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
