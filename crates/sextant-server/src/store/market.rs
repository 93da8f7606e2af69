//! The market-data and portfolio part of the [`Store`](super::Store): instruments, OHLCV bars
//! (composite key instrument, interval, time), corporate actions, portfolios, their
//! transactions and CSV imports.
//!
//! As in [`accounts`](super::accounts), both backends run the same SQL text through one macro
//! ([`market_methods`]). Bar prices are binary64 (`REAL` / `DOUBLE PRECISION`); portfolio money
//! is decimal text (each transaction is stored as the ledger's JSON with decimals as strings).

use serde::Serialize;

/// An instrument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstrumentRec {
    /// Symbol (the key), e.g. `MSFT`.
    pub symbol: String,
    /// Display name.
    pub name: String,
    /// ISO 4217 code of its prices.
    pub currency: String,
    /// The exchange's IANA time zone name, when known: bar buckets and trade dates follow its
    /// rules, daylight saving included.
    pub time_zone: Option<String>,
    /// The exchange's UTC offset in minutes: used for bar buckets and trade dates without an
    /// IANA zone, informational (the standard offset) with one.
    pub utc_offset_minutes: i64,
    /// `equity`, `etf`, `index`, `fx`, `crypto`, `bond`, `commodity`, `fund` or `other`.
    pub asset_class: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// One OHLCV bar; `ts` is its open time (unix seconds, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bar {
    /// Open time, unix seconds UTC.
    pub ts: i64,
    /// Open.
    pub open: f64,
    /// High.
    pub high: f64,
    /// Low.
    pub low: f64,
    /// Close.
    pub close: f64,
    /// Volume.
    pub volume: f64,
}

/// What a bar range holds for one interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntervalSummary {
    /// The interval, e.g. `1d`.
    pub interval: String,
    /// Number of bars.
    pub count: i64,
    /// First bar's open time.
    pub first: i64,
    /// Last bar's open time.
    pub last: i64,
}

/// A split or a cash dividend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorporateAction {
    /// Instrument.
    pub symbol: String,
    /// Ex-date, `YYYY-MM-DD` (exchange-local).
    pub ex_date: String,
    /// `split` or `dividend`.
    pub kind: String,
    /// Split: new units ...
    pub numerator: Option<i64>,
    /// ... per old units.
    pub denominator: Option<i64>,
    /// Dividend per unit (decimal text).
    pub amount: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// A portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Portfolio {
    /// Random id (hex).
    pub id: String,
    /// Owner.
    #[serde(skip)]
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Base currency (ISO 4217).
    pub base_currency: String,
    /// `fifo`, `lifo` or `average`.
    pub cost_basis: String,
    /// Number of transactions ever appended (the last sequence number).
    #[serde(skip)]
    pub tx_count: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// A stored transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTx {
    /// Sequence number in the portfolio (assigned on append).
    pub seq: i64,
    /// Timestamp, unix seconds UTC.
    pub ts: i64,
    /// The ledger's `type`.
    pub kind: String,
    /// The instrument, if any.
    pub instrument: Option<String>,
    /// The ledger transaction as JSON (decimals as strings).
    pub body: String,
    /// The import it came from.
    pub import_id: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// An import to record with appended transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRec {
    /// Random id (hex).
    pub id: String,
    /// Hex sha256 of the file.
    pub file_sha256: String,
    /// Rows (transactions) in the file.
    pub row_count: i64,
}

/// What appending transactions did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Appended; sequence numbers `first_seq..first_seq + count`.
    Done {
        /// The first new sequence number.
        first_seq: i64,
    },
    /// The same file was imported into this portfolio before: nothing was written.
    DuplicateImport {
        /// The earlier import's id.
        import_id: String,
        /// Its row count.
        row_count: i64,
    },
    /// No such portfolio.
    NoPortfolio,
}

pub(crate) const INSTRUMENT_COLS: &str =
    "symbol, name, currency, time_zone, utc_offset_minutes, asset_class, created_at, updated_at";
pub(crate) const PORTFOLIO_COLS: &str =
    "id, user_id, name, base_currency, cost_basis, tx_count, created_at, updated_at";
pub(crate) const TX_COLS: &str = "seq, ts, kind, instrument, body, import_id, created_at";
pub(crate) const ACTION_COLS: &str =
    "symbol, ex_date, kind, numerator, denominator, amount, created_at";
/// Bars per INSERT statement on SQLite (6 binds each, plus the symbol and interval once).
/// Through sqlx the cost per bar grows with the statement's size: at load 6-7, 16 rows gave
/// 98-162k bars/s, 64 rows 69k, 256 rows 27k and 1,024 rows 10k (docs/benchmarks.md). Every
/// full chunk reuses one cached prepared statement.
pub(crate) const SQLITE_BAR_CHUNK: usize = 16;
/// Bars per INSERT statement on PostgreSQL (one array per column, so no bind limit applies).
pub(crate) const PG_BAR_CHUNK: usize = 50_000;

/// The conflict clause of every bar upsert: a new bar is inserted, a changed bar replaced and an
/// identical bar left alone (not counted as written).
pub(crate) const BAR_CONFLICT: &str = " ON CONFLICT (symbol, freq, ts) DO UPDATE SET \
     open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, \
     volume = excluded.volume WHERE bars.open <> excluded.open OR bars.high <> excluded.high \
     OR bars.low <> excluded.low OR bars.close <> excluded.close \
     OR bars.volume <> excluded.volume";

/// The PostgreSQL insert of one batch: the columns as arrays, unnested into rows; `upsert`
/// adds [`BAR_CONFLICT`] (without it, a bar already stored is a unique violation).
pub(crate) fn insert_sql_pg(upsert: bool) -> String {
    format!(
        "INSERT INTO bars (symbol, freq, ts, open, high, low, close, volume) \
         SELECT $1, $2, t.ts, t.o, t.h, t.l, t.c, t.v FROM UNNEST($3::int8[], $4::float8[], \
         $5::float8[], $6::float8[], $7::float8[], $8::float8[]) AS t (ts, o, h, l, c, v)\
         {}",
        if upsert { BAR_CONFLICT } else { "" }
    )
}

/// The PostgreSQL update of one batch of bars already stored, bound like [`insert_sql_pg`]
/// plus the batch's first and last time (`$9`, `$10`, so only those months' partitions are
/// read): rewrites a bar only where a field differs, as [`BAR_CONFLICT`] does. A join, it
/// costs a small fraction of `INSERT ... ON CONFLICT` when most bars are unchanged.
pub(crate) const UPDATE_SQL_PG: &str = "UPDATE bars AS b SET open = t.o, high = t.h, \
     low = t.l, close = t.c, volume = t.v FROM UNNEST($3::int8[], $4::float8[], $5::float8[], \
     $6::float8[], $7::float8[], $8::float8[]) AS t (ts, o, h, l, c, v) \
     WHERE b.symbol = $1 AND b.freq = $2 AND b.ts >= $9 AND b.ts <= $10 AND b.ts = t.ts \
     AND (b.open <> t.o OR b.high <> t.h OR b.low <> t.l OR b.close <> t.c OR b.volume <> t.v)";

/// Increments an instrument's bars version (migration 0021), inside the transaction that
/// changed its bars, or after a corporate action's change (adjusted prices); `$1` is the
/// symbol.
pub(crate) const BUMP_BARS_VERSION: &str =
    "UPDATE instruments SET bars_version = bars_version + 1 WHERE symbol = $1";

/// The calendar month (UTC) of a unix time, as `year * 12 + month - 1`.
pub(crate) fn month_index(ts: i64) -> i64 {
    use chrono::Datelike as _;
    let days = ts.div_euclid(86_400);
    let date = chrono::NaiveDate::from_num_days_from_ce_opt(
        i32::try_from(days + 719_163).unwrap_or(i32::MAX),
    )
    .unwrap_or(chrono::NaiveDate::MAX);
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// The PostgreSQL partition of `bars` holding one month (see [`month_index`]): its name
/// (`bars_YYYY_MM`, as migration 0020 names them) and its range of times `[lo, hi)`.
pub(crate) fn month_partition(month: i64) -> Result<(String, i64, i64), sqlx::Error> {
    let start = |m: i64| {
        let year = i32::try_from(m.div_euclid(12)).ok()?;
        let month0 = u32::try_from(m.rem_euclid(12)).ok()?;
        let d = chrono::NaiveDate::from_ymd_opt(year, month0 + 1, 1)?;
        Some((year, month0 + 1, d.and_hms_opt(0, 0, 0)?.and_utc().timestamp()))
    };
    match (start(month), start(month + 1)) {
        (Some((year, mo, lo)), Some((_, _, hi))) if (1..=9999).contains(&year) => {
            Ok((format!("bars_{year:04}_{mo:02}"), lo, hi))
        }
        _ => Err(sqlx::Error::Protocol(format!(
            "bar time in month {month} is outside the years 1 to 9999 that can be stored"
        ))),
    }
}

macro_rules! instrument_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::InstrumentRec {
            symbol: r.try_get("symbol")?,
            name: r.try_get("name")?,
            currency: r.try_get("currency")?,
            time_zone: r.try_get("time_zone")?,
            utc_offset_minutes: r.try_get("utc_offset_minutes")?,
            asset_class: r.try_get("asset_class")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }};
}

macro_rules! bar_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::Bar {
            ts: r.try_get("ts")?,
            open: r.try_get("open")?,
            high: r.try_get("high")?,
            low: r.try_get("low")?,
            close: r.try_get("close")?,
            volume: r.try_get("volume")?,
        })
    }};
}

macro_rules! portfolio_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::Portfolio {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            name: r.try_get("name")?,
            base_currency: r.try_get("base_currency")?,
            cost_basis: r.try_get("cost_basis")?,
            tx_count: r.try_get("tx_count")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }};
}

macro_rules! tx_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::StoredTx {
            seq: r.try_get("seq")?,
            ts: r.try_get("ts")?,
            kind: r.try_get("kind")?,
            instrument: r.try_get("instrument")?,
            body: r.try_get("body")?,
            import_id: r.try_get("import_id")?,
            created_at: r.try_get("created_at")?,
        })
    }};
}

macro_rules! action_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::CorporateAction {
            symbol: r.try_get("symbol")?,
            ex_date: r.try_get("ex_date")?,
            kind: r.try_get("kind")?,
            numerator: r.try_get("numerator")?,
            denominator: r.try_get("denominator")?,
            amount: r.try_get("amount")?,
            created_at: r.try_get("created_at")?,
        })
    }};
}

/// The market-data and portfolio methods of [`Store`](super::Store), written once for both
/// backends (the implementing type has a `pool` field).
macro_rules! market_methods {
    () => {
        fn create_instrument<'a>(
            &'a self,
            i: &'a InstrumentRec,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(&format!(
                    "INSERT INTO instruments ({INSTRUMENT_COLS}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING"
                ))
                .bind(&i.symbol)
                .bind(&i.name)
                .bind(&i.currency)
                .bind(&i.time_zone)
                .bind(i.utc_offset_minutes)
                .bind(&i.asset_class)
                .bind(i.created_at)
                .bind(i.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn update_instrument<'a>(
            &'a self,
            i: &'a InstrumentRec,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE instruments SET name = $2, currency = $3, time_zone = $4, \
                     utc_offset_minutes = $5, asset_class = $6, updated_at = $7 WHERE symbol = $1",
                )
                .bind(&i.symbol)
                .bind(&i.name)
                .bind(&i.currency)
                .bind(&i.time_zone)
                .bind(i.utc_offset_minutes)
                .bind(&i.asset_class)
                .bind(i.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn instrument<'a>(
            &'a self,
            symbol: &'a str,
        ) -> BoxFuture<'a, Result<Option<InstrumentRec>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(&format!(
                    "SELECT {INSTRUMENT_COLS} FROM instruments WHERE symbol = $1"
                ))
                .bind(symbol)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.as_ref().map(|r| $crate::store::market::instrument_row!(r)).transpose()?)
            })
        }

        fn list_instruments<'a>(
            &'a self,
            asset_class: Option<&'a str>,
            descending: bool,
            limit: i64,
            offset: i64,
        ) -> BoxFuture<'a, Result<Vec<InstrumentRec>, StoreError>> {
            Box::pin(async move {
                let order = if descending { "DESC" } else { "ASC" };
                let rows = sqlx::query(&format!(
                    "SELECT {INSTRUMENT_COLS} FROM instruments \
                     WHERE ($1 IS NULL OR asset_class = $1) \
                     ORDER BY symbol {order} LIMIT $2 OFFSET $3"
                ))
                .bind(asset_class)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::market::instrument_row!(r))
                    .collect::<Result<Vec<_>, _>>()?)
            })
        }

        fn delete_instrument<'a>(
            &'a self,
            symbol: &'a str,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query("DELETE FROM instruments WHERE symbol = $1")
                    .bind(symbol)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn upsert_bars<'a>(
            &'a self,
            symbol: &'a str,
            interval: &'a str,
            bars: &'a [Bar],
        ) -> BoxFuture<'a, Result<u64, StoreError>> {
            // per backend: multi-row prepared statements on SQLite, arrays on PostgreSQL
            Box::pin(self.upsert_bars_impl(symbol, interval, bars))
        }

        fn bars_version<'a>(
            &'a self,
            symbol: &'a str,
        ) -> BoxFuture<'a, Result<Option<i64>, StoreError>> {
            Box::pin(async move {
                Ok(sqlx::query_scalar("SELECT bars_version FROM instruments WHERE symbol = $1")
                    .bind(symbol)
                    .fetch_optional(&self.pool)
                    .await?)
            })
        }

        fn bars<'a>(
            &'a self,
            symbol: &'a str,
            interval: &'a str,
            from: i64,
            to: i64,
        ) -> BoxFuture<'a, Result<Vec<Bar>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(
                    "SELECT ts, open, high, low, close, volume FROM bars \
                     WHERE symbol = $1 AND freq = $2 AND ts >= $3 AND ts <= $4 ORDER BY ts",
                )
                .bind(symbol)
                .bind(interval)
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::market::bar_row!(r))
                    .collect::<Result<Vec<_>, _>>()?)
            })
        }

        fn latest_bar<'a>(
            &'a self,
            symbol: &'a str,
            interval: &'a str,
        ) -> BoxFuture<'a, Result<Option<Bar>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(
                    "SELECT ts, open, high, low, close, volume FROM bars \
                     WHERE symbol = $1 AND freq = $2 ORDER BY ts DESC LIMIT 1",
                )
                .bind(symbol)
                .bind(interval)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.as_ref().map(|r| $crate::store::market::bar_row!(r)).transpose()?)
            })
        }

        fn bar_intervals<'a>(
            &'a self,
            symbol: &'a str,
        ) -> BoxFuture<'a, Result<Vec<IntervalSummary>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(
                    "SELECT freq, COUNT(*) AS n, MIN(ts) AS first, MAX(ts) AS last FROM bars \
                     WHERE symbol = $1 GROUP BY freq ORDER BY freq",
                )
                .bind(symbol)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(IntervalSummary {
                            interval: r.try_get("freq")?,
                            count: r.try_get("n")?,
                            first: r.try_get("first")?,
                            last: r.try_get("last")?,
                        })
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()
                    .map_err(StoreError::from)
            })
        }

        fn put_action<'a>(
            &'a self,
            a: &'a CorporateAction,
        ) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query(&format!(
                    "INSERT INTO corporate_actions ({ACTION_COLS}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (symbol, ex_date, kind) DO UPDATE \
                     SET numerator = excluded.numerator, denominator = excluded.denominator, \
                     amount = excluded.amount"
                ))
                .bind(&a.symbol)
                .bind(&a.ex_date)
                .bind(&a.kind)
                .bind(a.numerator)
                .bind(a.denominator)
                .bind(&a.amount)
                .bind(a.created_at)
                .execute(&self.pool)
                .await?;
                // after the commit: adjusted prices changed (the caches compare this version)
                sqlx::query($crate::store::market::BUMP_BARS_VERSION)
                    .bind(&a.symbol)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            })
        }

        fn actions<'a>(
            &'a self,
            symbol: &'a str,
        ) -> BoxFuture<'a, Result<Vec<CorporateAction>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(&format!(
                    "SELECT {ACTION_COLS} FROM corporate_actions WHERE symbol = $1 \
                     ORDER BY ex_date, kind"
                ))
                .bind(symbol)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::market::action_row!(r))
                    .collect::<Result<Vec<_>, _>>()?)
            })
        }

        fn delete_action<'a>(
            &'a self,
            symbol: &'a str,
            ex_date: &'a str,
            kind: &'a str,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "DELETE FROM corporate_actions WHERE symbol = $1 AND ex_date = $2 AND kind = $3",
                )
                .bind(symbol)
                .bind(ex_date)
                .bind(kind)
                .execute(&self.pool)
                .await?;
                if done.rows_affected() > 0 {
                    sqlx::query($crate::store::market::BUMP_BARS_VERSION)
                        .bind(symbol)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(done.rows_affected() == 1)
            })
        }

        fn create_portfolio<'a>(&'a self, p: &'a Portfolio) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query(&format!(
                    "INSERT INTO portfolios ({PORTFOLIO_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                ))
                .bind(&p.id)
                .bind(&p.user_id)
                .bind(&p.name)
                .bind(&p.base_currency)
                .bind(&p.cost_basis)
                .bind(p.tx_count)
                .bind(p.created_at)
                .bind(p.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            })
        }

        fn portfolio<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Portfolio>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(&format!("SELECT {PORTFOLIO_COLS} FROM portfolios WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map(|r| $crate::store::market::portfolio_row!(r)).transpose()?)
            })
        }

        fn portfolios_of<'a>(
            &'a self,
            user_id: &'a str,
            descending: bool,
            limit: i64,
            offset: i64,
        ) -> BoxFuture<'a, Result<Vec<Portfolio>, StoreError>> {
            Box::pin(async move {
                let order = if descending { "DESC" } else { "ASC" };
                let rows = sqlx::query(&format!(
                    "SELECT {PORTFOLIO_COLS} FROM portfolios WHERE user_id = $1 \
                     ORDER BY created_at {order}, id {order} LIMIT $2 OFFSET $3"
                ))
                .bind(user_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::market::portfolio_row!(r))
                    .collect::<Result<Vec<_>, _>>()?)
            })
        }

        fn update_portfolio<'a>(&'a self, p: &'a Portfolio) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE portfolios SET name = $2, base_currency = $3, cost_basis = $4, \
                     updated_at = $5 WHERE id = $1",
                )
                .bind(&p.id)
                .bind(&p.name)
                .bind(&p.base_currency)
                .bind(&p.cost_basis)
                .bind(p.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn delete_portfolio<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query("DELETE FROM portfolios WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn transactions<'a>(
            &'a self,
            portfolio_id: &'a str,
        ) -> BoxFuture<'a, Result<Vec<StoredTx>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(&format!(
                    "SELECT {TX_COLS} FROM portfolio_transactions WHERE portfolio_id = $1 ORDER BY seq"
                ))
                .bind(portfolio_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::market::tx_row!(r))
                    .collect::<Result<Vec<_>, _>>()?)
            })
        }

        fn append_transactions<'a>(
            &'a self,
            portfolio_id: &'a str,
            txs: &'a [StoredTx],
            import: Option<&'a ImportRec>,
            now: i64,
        ) -> BoxFuture<'a, Result<Appended, StoreError>> {
            Box::pin(async move {
                let mut tx = self.pool.begin().await?;
                // The first statement writes: it takes the portfolio's row lock (PostgreSQL)
                // or the database's write lock (SQLite), so concurrent appends serialise.
                let n = i64::try_from(txs.len()).unwrap_or(i64::MAX);
                let row = sqlx::query(
                    "UPDATE portfolios SET tx_count = tx_count + $2, updated_at = $3 \
                     WHERE id = $1 RETURNING tx_count",
                )
                .bind(portfolio_id)
                .bind(n)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { return Ok(Appended::NoPortfolio) };
                let last: i64 = row.try_get("tx_count")?;
                if let Some(imp) = import {
                    let prior = sqlx::query(
                        "SELECT id, row_count FROM portfolio_imports \
                         WHERE portfolio_id = $1 AND file_sha256 = $2",
                    )
                    .bind(portfolio_id)
                    .bind(&imp.file_sha256)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if let Some(p) = prior {
                        let out = Appended::DuplicateImport {
                            import_id: p.try_get("id")?,
                            row_count: p.try_get("row_count")?,
                        };
                        tx.rollback().await?;
                        return Ok(out);
                    }
                    sqlx::query(
                        "INSERT INTO portfolio_imports (id, portfolio_id, file_sha256, row_count, \
                         created_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&imp.id)
                    .bind(portfolio_id)
                    .bind(&imp.file_sha256)
                    .bind(imp.row_count)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                let first = last - n + 1;
                for (k, t) in txs.iter().enumerate() {
                    let seq = first + i64::try_from(k).unwrap_or(0);
                    sqlx::query(
                        "INSERT INTO portfolio_transactions (portfolio_id, seq, ts, kind, \
                         instrument, body, import_id, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(portfolio_id)
                    .bind(seq)
                    .bind(t.ts)
                    .bind(&t.kind)
                    .bind(&t.instrument)
                    .bind(&t.body)
                    .bind(import.map(|i| i.id.as_str()))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(Appended::Done { first_seq: first })
            })
        }

        fn import_by_hash<'a>(
            &'a self,
            portfolio_id: &'a str,
            file_sha256: &'a str,
        ) -> BoxFuture<'a, Result<Option<(String, i64)>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(
                    "SELECT id, row_count FROM portfolio_imports \
                     WHERE portfolio_id = $1 AND file_sha256 = $2",
                )
                .bind(portfolio_id)
                .bind(file_sha256)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| Ok::<_, sqlx::Error>((r.try_get("id")?, r.try_get("row_count")?))).transpose()?)
            })
        }

        fn delete_transaction<'a>(
            &'a self,
            portfolio_id: &'a str,
            seq: i64,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "DELETE FROM portfolio_transactions WHERE portfolio_id = $1 AND seq = $2",
                )
                .bind(portfolio_id)
                .bind(seq)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }
    };
}

/// `INSERT ... ON CONFLICT DO UPDATE` of `n` bars of one instrument and interval: a correction
/// replaces the stored bar, an identical bar is left alone (and not counted as written).
///
/// Parameters: `?1` the symbol and `?2` the interval, shared by every row, then six per bar
/// (ts, open, high, low, close, volume). SQLite gets numbered `?NNN` placeholders: it reads
/// `$NNN` as a *named* parameter and looks each one up by name, which made an 8,000-parameter
/// statement about 10x slower.
#[must_use]
pub(crate) fn upsert_sql(n: usize) -> String {
    use std::fmt::Write as _;
    let mut sql = String::with_capacity(64 + n * 48);
    sql.push_str("INSERT INTO bars (symbol, freq, ts, open, high, low, close, volume) VALUES ");
    for i in 0..n {
        let b = 2 + i * 6;
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(
            sql,
            "{sep}(?1, ?2, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6
        );
    }
    sql.push_str(BAR_CONFLICT);
    sql
}

pub(crate) use {action_row, bar_row, instrument_row, market_methods, portfolio_row, tx_row};
