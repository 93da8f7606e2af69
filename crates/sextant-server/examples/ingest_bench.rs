//! Bulk-ingest throughput of the bar store (docs/benchmarks.md, "Server: bulk bar ingest").
//!
//! ```text
//! cargo run --release -p sextant-server --example ingest_bench -- [DATABASE_URL] [BARS] [BATCH]
//! ```
//!
//! Without a URL it uses a fresh SQLite file in a temporary directory (WAL, synchronous=FULL,
//! as the server). It creates one instrument, then upserts `BARS` one-minute bars (default
//! 1,000,000) in requests of `BATCH` bars (default 50,000, one database transaction each, as
//! one `POST /v1/instruments/{symbol}/bars` would), then the same bars again (all unchanged),
//! and prints bars per second for both passes. The HTTP layer (JSON or CSV parsing) is not
//! included: it is measured separately with the ingest route's parse step.

use std::time::Instant;

mod common;

use sextant_server::market::{dedupe, parse_bars};
use sextant_server::store::Bar;
use sextant_server::{connect, Database};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = tempfile_dir()?;
    let db = match args.first().filter(|u| !u.is_empty() && *u != "-") {
        Some(url) => Database::Url(url.clone()),
        None => Database::SqliteDir(dir.clone()),
    };
    let n: usize = args.get(1).map_or(Ok(1_000_000), |s| s.parse())?;
    let batch: usize = args.get(2).map_or(Ok(50_000), |s| s.parse())?;
    let store = connect(&db).await?;
    let symbol = format!("BENCH{}", std::process::id());
    store.create_instrument(&common::instrument(&symbol)).await?;
    let t0 = 1_700_000_040_i64; // a whole minute
    let bars: Vec<Bar> = (0..n)
        .map(|k| {
            let x = 100.0 + (k % 1000) as f64 * 0.01;
            Bar {
                ts: t0 + 60 * k as i64,
                open: x,
                high: x + 0.5,
                low: x - 0.5,
                close: x + 0.1,
                volume: 1000.0,
            }
        })
        .collect();
    for pass in ["insert", "unchanged"] {
        let start = Instant::now();
        let mut written = 0;
        for chunk in bars.chunks(batch) {
            written += store.upsert_bars(&symbol, "1m", chunk).await?;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{} {pass}: {n} bars in {secs:.2} s = {:.0} bars/s ({written} written, batches of {batch})",
            store.backend(),
            n as f64 / secs
        );
    }
    // the route's parse step: CSV text to validated, deduplicated bars
    let mut csv = String::from("ts,open,high,low,close,volume\n");
    for b in bars.iter().take(batch) {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            b.ts, b.open, b.high, b.low, b.close, b.volume
        ));
    }
    let start = Instant::now();
    let mut interval = Some("1m".to_owned());
    let parsed = dedupe(
        parse_bars(csv.as_bytes(), true, &mut interval).map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    let secs = start.elapsed().as_secs_f64();
    println!(
        "CSV parse and validation: {} bars in {secs:.3} s = {:.0} bars/s",
        parsed.len(),
        parsed.len() as f64 / secs
    );
    store.delete_instrument(&symbol).await?;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("sextant-ingest-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
