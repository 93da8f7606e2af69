//! Market-data providers: where instruments and bars come from besides the ingest routes. A
//! live feed implements [`Provider`]; [`load`] writes what a provider yields into the store
//! through the same validation and upserts as `POST /v1/instruments/{symbol}/bars`, so loading
//! twice changes nothing.
//!
//! Built in: [`FileReplay`], which replays a directory of files (`instruments.json` and one
//! `SYMBOL.INTERVAL.csv` per series), and [`FileReplay::demo`], the same files compiled into
//! the binary (`sextant-server --demo`): MSFT daily bars 1986-2017 from pmdarima (MIT) and the
//! S&P 500 and NASDAQ Composite 1999-2018 from arch (NCSA), see `demo/make_demo.py`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::app::now_unix;
use crate::error::ApiError;
use crate::market::{dedupe, instrument_from, parse_bars, InstrumentReq, Interval};
use crate::store::{Bar, Store, StoreError};

/// One series a provider yields: bars of one instrument at one interval.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Instrument symbol.
    pub symbol: String,
    /// Interval (`1d`, `1m`...).
    pub interval: String,
    /// CSV text `ts|date,open,high,low,close[,volume]`.
    pub csv: String,
}

/// An instrument description from a provider (the body of `POST /v1/instruments`, plus an
/// optional `source` note).
#[derive(Debug, Clone, Deserialize)]
pub struct ProvidedInstrument {
    /// Symbol.
    pub symbol: String,
    /// Name.
    pub name: String,
    /// Price currency.
    pub currency: String,
    /// IANA name or fixed offset.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Offset for IANA names that are not built in.
    #[serde(default)]
    pub utc_offset_minutes: Option<i64>,
    /// Asset class.
    pub asset_class: String,
    /// Where the data comes from (informational).
    #[serde(default)]
    pub source: Option<String>,
}

/// A failure of a provider or of loading what it yields.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Reading the provider's files.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file's content is invalid.
    #[error("{what}: {message}")]
    Invalid {
        /// The file or series.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A source of instruments and bars (a live feed, a vendor file drop, a replay).
pub trait Provider: Send + Sync {
    /// A short name for logs.
    fn name(&self) -> &str;
    /// The instruments it serves.
    fn instruments(&self) -> Result<Vec<ProvidedInstrument>, ProviderError>;
    /// Every series it has now (a live feed returns what arrived since the last call).
    fn batches(&self) -> Result<Vec<Batch>, ProviderError>;
}

/// Replays files: `instruments.json` (an array of instruments) and `SYMBOL.INTERVAL.csv`.
#[derive(Debug, Clone)]
pub struct FileReplay {
    name: String,
    files: Vec<(String, String)>,
}

const DEMO: [(&str, &str); 4] = [
    ("instruments.json", include_str!("../demo/instruments.json")),
    ("MSFT.1d.csv", include_str!("../demo/MSFT.1d.csv")),
    ("SPX.1d.csv", include_str!("../demo/SPX.1d.csv")),
    ("IXIC.1d.csv", include_str!("../demo/IXIC.1d.csv")),
];

/// The demo portfolio's transactions (CSV for `POST /v1/portfolios/{id}/imports`).
pub const DEMO_TRANSACTIONS_CSV: &str = include_str!("../demo/transactions.csv");

impl FileReplay {
    /// The demo dataset compiled into the binary.
    #[must_use]
    pub fn demo() -> Self {
        Self {
            name: "demo".into(),
            files: DEMO.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect(),
        }
    }

    /// Reads a directory's `instruments.json` and `*.csv` files.
    pub fn from_dir(dir: &Path) -> Result<Self, ProviderError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| ProviderError::Io { path, source }
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            if name == "instruments.json" || name.ends_with(".csv") {
                files.push((name, std::fs::read_to_string(&path).map_err(io(&path))?));
            }
        }
        files.sort();
        Ok(Self { name: dir.display().to_string(), files })
    }
}

impl Provider for FileReplay {
    fn name(&self) -> &str {
        &self.name
    }
    fn instruments(&self) -> Result<Vec<ProvidedInstrument>, ProviderError> {
        let Some((_, text)) = self.files.iter().find(|(n, _)| n == "instruments.json") else {
            return Ok(Vec::new());
        };
        serde_json::from_str(text).map_err(|e| ProviderError::Invalid {
            what: "instruments.json".into(),
            message: e.to_string(),
        })
    }
    fn batches(&self) -> Result<Vec<Batch>, ProviderError> {
        let mut out = Vec::new();
        for (name, text) in &self.files {
            let Some(stem) = name.strip_suffix(".csv") else { continue };
            let Some((symbol, interval)) = stem.rsplit_once('.') else {
                return Err(ProviderError::Invalid {
                    what: name.clone(),
                    message: "expected SYMBOL.INTERVAL.csv, e.g. MSFT.1d.csv".into(),
                });
            };
            out.push(Batch { symbol: symbol.into(), interval: interval.into(), csv: text.clone() });
        }
        Ok(out)
    }
}

/// What [`load`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Instruments created (existing ones are kept as they are).
    pub instruments_created: usize,
    /// Bars read.
    pub bars_read: usize,
    /// Bars inserted or replaced.
    pub bars_written: u64,
}

fn invalid(what: &str, e: &ApiError) -> ProviderError {
    let mut message = e.to_string();
    if let ApiError::InvalidRows { rows, .. } = e {
        if let Some(r) = rows.first() {
            message = format!("{message}; row {}: {:?} {}", r.row, r.column, r.message);
        }
    }
    ProviderError::Invalid { what: what.to_owned(), message }
}

/// Loads everything a provider yields: creates its missing instruments and upserts its bars.
pub async fn load(store: &Arc<dyn Store>, p: &dyn Provider) -> Result<LoadReport, ProviderError> {
    let mut report = LoadReport::default();
    let now = now_unix();
    for i in p.instruments()? {
        let req = InstrumentReq {
            symbol: Some(i.symbol.clone()),
            name: i.name.clone(),
            currency: i.currency.clone(),
            time_zone: i.time_zone.clone(),
            utc_offset_minutes: i.utc_offset_minutes,
            asset_class: i.asset_class.clone(),
        };
        let rec = instrument_from(&i.symbol, &req, now).map_err(|e| invalid(&i.symbol, &e))?;
        if store.create_instrument(&rec).await? {
            report.instruments_created += 1;
        }
    }
    for b in p.batches()? {
        let what = format!("{}.{}", b.symbol, b.interval);
        let iv = Interval::parse("interval", &b.interval).map_err(|e| invalid(&what, &e))?;
        if store.instrument(&b.symbol).await?.is_none() {
            return Err(ProviderError::Invalid {
                what,
                message: "no such instrument (declare it in instruments.json)".into(),
            });
        }
        let mut interval = Some(iv.as_str().to_owned());
        let bars =
            parse_bars(b.csv.as_bytes(), true, &mut interval).map_err(|e| invalid(&what, &e))?;
        report.bars_read += bars.len();
        let bars = dedupe(bars);
        // Only new or changed bars are written: replaying an unchanged file reads and compares.
        let (first, last) = (bars.first().map_or(0, |b| b.ts), bars.last().map_or(0, |b| b.ts));
        let stored = store.bars(&b.symbol, iv.as_str(), first, last).await?;
        let known: std::collections::HashMap<i64, Bar> =
            stored.into_iter().map(|s| (s.ts, s)).collect();
        let changed: Vec<Bar> = bars.into_iter().filter(|b| known.get(&b.ts) != Some(b)).collect();
        if !changed.is_empty() {
            report.bars_written += store.upsert_bars(&b.symbol, iv.as_str(), &changed).await?;
        }
    }
    Ok(report)
}
