//! The quote file-replay provider: a CSV file of quotes fed to the live ingest at a chosen
//! speed — in real time (`1`), `N` times faster, or as fast as the ingest takes them (`max`).
//! From the command line (`--replay-quotes FILE --replay-speed N`, in the background once the
//! server runs) or `POST /v1/quotes/replay?speed=N` (admin; the answer comes when the replay
//! ends). Docs: docs/realtime.md, "Replaying a file of quotes".
//!
//! The file: a header naming the columns `symbol`, `ts`, `price` and optionally `volume`, in any
//! order, then one quote a line; `ts` is unix seconds (fractions allowed) or an RFC 3339 time.
//! Quotes go to [`Hub::ingest`] in file order, so every tick rule (duplicates, late and
//! out-of-order ticks) applies as for live quotes. At a finite speed a quote is sent when
//! `(ts - first ts) / speed` seconds have passed since the start; the quotes due at the same
//! moment go in one batch (a quote older than one already sent is sent at once).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value as Json};

use super::{Hub, Quote};
use crate::error::ApiError;
use crate::store::Store;

/// How fast a file is replayed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// As fast as the ingest takes the quotes (batches of up to 1,000).
    Max,
    /// Event time divided by this factor (`1.0`: real time).
    Factor(f64),
}

impl Speed {
    /// Parses `max`, or a positive factor such as `1`, `60` or `10x`.
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("max") {
            return Ok(Self::Max);
        }
        let f: f64 = s.strip_suffix(['x', 'X']).unwrap_or(s).parse().unwrap_or(f64::NAN);
        if f.is_finite() && f > 0.0 {
            Ok(Self::Factor(f))
        } else {
            Err(ApiError::InvalidField {
                field: "speed",
                reason: "`max` or a positive factor (1 = real time, 60 = a minute a second)".into(),
            })
        }
    }
}

/// A replay to run at start (`--replay-quotes`, `--replay-speed`).
#[derive(Debug, Clone)]
pub struct ReplaySource {
    /// The CSV file.
    pub path: PathBuf,
    /// Its speed.
    pub speed: Speed,
}

/// What a replay did (the ingest reports added up).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Quotes read from the file.
    pub quotes: u64,
    /// Batches sent to the ingest.
    pub batches: u64,
    /// Quotes applied.
    pub accepted: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Late quotes dropped.
    pub late: u64,
    /// Quotes for unknown instruments.
    pub refused: u64,
    /// Alerts fired.
    pub alerts_fired: u64,
}

impl ReplayReport {
    /// The report as JSON.
    #[must_use]
    pub fn to_json(&self) -> Json {
        json!({"quotes": self.quotes, "batches": self.batches, "accepted": self.accepted,
            "duplicates": self.duplicates, "late": self.late, "refused": self.refused,
            "alerts_fired": self.alerts_fired})
    }
}

/// Parses a quote file (see the module docs). Every invalid row is listed (a 422 through the
/// route), as for `POST /v1/quotes`.
pub fn parse_csv(text: &str) -> Result<Vec<(usize, String, Quote)>, ApiError> {
    let bad = |reason: String| ApiError::InvalidField { field: "csv", reason };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else { return Ok(Vec::new()) };
    let names: Vec<String> =
        header.split(',').map(|h| h.trim().trim_matches('"').to_ascii_lowercase()).collect();
    let col = |n: &str| names.iter().position(|h| h == n);
    let (Some(cs), Some(ct), Some(cp)) = (col("symbol"), col("ts"), col("price")) else {
        return Err(bad("the header must name symbol, ts and price (volume optional)".into()));
    };
    if let Some(h) =
        names.iter().find(|h| !matches!(h.as_str(), "symbol" | "ts" | "price" | "volume"))
    {
        return Err(bad(format!("unknown column `{h}` (symbol, ts, price, volume)")));
    }
    let cv = col("volume");
    let mut rows = Vec::new();
    let mut list = Vec::new();
    for (line, text) in lines {
        let cells: Vec<&str> = text.split(',').map(|c| c.trim().trim_matches('"')).collect();
        let cell = |i: usize| cells.get(i).copied().unwrap_or("");
        let ts = match cell(ct).parse::<f64>() {
            Ok(x) => json!(x),
            Err(_) => json!(cell(ct)),
        };
        let mut q = json!({"symbol": cell(cs), "ts": ts,
            "price": cell(cp).parse::<f64>().map_or(Json::Null, |x| json!(x))});
        if let Some(v) = cv.map(cell).filter(|v| !v.is_empty()) {
            q["volume"] = v.parse::<f64>().map_or(Json::Null, |x| json!(x));
        }
        rows.push(line + 1);
        list.push(q);
    }
    // the same validation as POST /v1/quotes, rows numbered as the file's lines
    match super::parse_quotes(&json!({"quotes": list}), usize::MAX) {
        Ok((quotes, _)) => Ok(quotes.into_iter().map(|(i, s, q)| (rows[i] - 1, s, q)).collect()),
        Err(ApiError::InvalidRows { what, rows: mut errs }) => {
            for e in &mut errs {
                e.row = rows.get(e.row - 1).copied().unwrap_or(e.row);
            }
            Err(ApiError::InvalidRows { what, rows: errs })
        }
        Err(e) => Err(e),
    }
}

/// Feeds parsed quotes to the ingest at `speed`; returns the added-up reports.
pub async fn replay(
    hub: &Hub,
    store: &Arc<dyn Store>,
    quotes: Vec<(usize, String, Quote)>,
    speed: Speed,
) -> Result<ReplayReport, ApiError> {
    let max = hub.options().max_quotes.clamp(1, 1000);
    let mut report = ReplayReport { quotes: quotes.len() as u64, ..ReplayReport::default() };
    let t0 = quotes.first().map_or(0.0, |q| q.2.ts);
    let start = tokio::time::Instant::now();
    let mut rest = quotes.into_iter().peekable();
    while let Some(first) = rest.next() {
        let mut batch = vec![first];
        match speed {
            Speed::Max => {
                while batch.len() < max {
                    match rest.next() {
                        Some(q) => batch.push(q),
                        None => break,
                    }
                }
            }
            Speed::Factor(f) => {
                let due = |ts: f64| start + Duration::from_secs_f64(((ts - t0) / f).max(0.0));
                let at = due(batch[0].2.ts);
                // the quotes due by then go together
                while batch.len() < max && rest.peek().is_some_and(|q| due(q.2.ts) <= at) {
                    batch.extend(rest.next());
                }
                tokio::time::sleep_until(at).await;
            }
        }
        let r = hub.ingest(store, batch, Vec::new()).await?;
        report.batches += 1;
        let n = |k: &str| r[k].as_u64().unwrap_or(0);
        report.accepted += n("accepted");
        report.duplicates += n("duplicates");
        report.late += n("late");
        report.alerts_fired += n("alerts_fired");
        report.refused += r["refused"].as_array().map_or(0, |a| a.len() as u64);
    }
    Ok(report)
}

/// Starts the replay given at start (`RealtimeOptions::replay`) in the background; failures
/// are logged. Needs a Tokio runtime.
pub fn start(hub: &Arc<Hub>, store: &Arc<dyn Store>) {
    let Some(src) = hub.options().replay.clone() else { return };
    let (hub, store) = (hub.clone(), store.clone());
    tokio::spawn(async move {
        let path = src.path.display().to_string();
        let text = match tokio::fs::read_to_string(&src.path).await {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(file = %path, error = %e, "quote replay: cannot read the file");
                return;
            }
        };
        let quotes = match parse_csv(&text) {
            Ok(q) => q,
            Err(e) => {
                tracing::error!(file = %path, error = %e, "quote replay: invalid file");
                return;
            }
        };
        tracing::info!(file = %path, quotes = quotes.len(), speed = ?src.speed, "quote replay started");
        match replay(&hub, &store, quotes, src.speed).await {
            Ok(r) => tracing::info!(file = %path, report = %r.to_json(), "quote replay done"),
            Err(e) => tracing::error!(file = %path, error = %e, "quote replay failed"),
        }
    });
}
