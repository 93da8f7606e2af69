//! The real-time part of the [`Store`](super::Store): alerts, their fired events, and the
//! commit of one quote ingest (bars, alert sides and events in one transaction). One SQL text
//! for both backends ([`realtime_methods`]).

use super::Bar;

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRec {
    /// Random id (hex).
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Instrument.
    pub symbol: String,
    /// Bar interval of the condition (`1m`...).
    pub interval: String,
    /// The condition as posted (JSON text).
    pub spec: String,
    /// Last observed side: -1, 0 (not observed yet) or 1.
    pub side: i64,
    /// How many times it fired.
    pub fired_count: i64,
    /// Unix seconds of the last firing.
    pub last_fired_at: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
}

/// A fired alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertEventRec {
    /// Random id (hex).
    pub id: String,
    /// The alert.
    pub alert_id: String,
    /// Its owner.
    pub user_id: String,
    /// Instrument.
    pub symbol: String,
    /// Event time (the quote's or bar's unix seconds).
    pub ts: i64,
    /// `above`, `below`, `entered` or `left`.
    pub direction: String,
    /// Left side of the condition.
    pub value: f64,
    /// Right side of the condition.
    pub threshold: f64,
    /// Unix seconds.
    pub created_at: i64,
}

/// What one quote ingest writes, in one transaction.
#[derive(Debug, Default, Clone)]
pub struct RtCommit {
    /// Bars to upsert: (symbol, interval, bar), closed candles and the forming one.
    pub bars: Vec<(String, String, Bar)>,
    /// New sides of alerts: (id, side, times it fired in this ingest).
    pub sides: Vec<(String, i64, i64)>,
    /// Unix seconds of the firings.
    pub fired_at: i64,
    /// Fired events.
    pub events: Vec<AlertEventRec>,
}

pub(crate) const ALERT_COLS: &str =
    "id, user_id, symbol, freq, spec, side, fired_count, last_fired_at, created_at";
pub(crate) const EVENT_COLS: &str =
    "id, alert_id, user_id, symbol, ts, direction, value, threshold, created_at";

macro_rules! alert_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::AlertRec {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            symbol: r.try_get("symbol")?,
            interval: r.try_get("freq")?,
            spec: r.try_get("spec")?,
            side: r.try_get("side")?,
            fired_count: r.try_get("fired_count")?,
            last_fired_at: r.try_get("last_fired_at")?,
            created_at: r.try_get("created_at")?,
        })
    }};
}

macro_rules! event_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::AlertEventRec {
            id: r.try_get("id")?,
            alert_id: r.try_get("alert_id")?,
            user_id: r.try_get("user_id")?,
            symbol: r.try_get("symbol")?,
            ts: r.try_get("ts")?,
            direction: r.try_get("direction")?,
            value: r.try_get("value")?,
            threshold: r.try_get("threshold")?,
            created_at: r.try_get("created_at")?,
        })
    }};
}

/// The real-time methods of [`Store`](super::Store), written once for both backends.
macro_rules! realtime_methods {
    () => {
        fn create_alert<'a>(&'a self, a: &'a AlertRec) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query(&format!(
                    "INSERT INTO rt_alerts ({ALERT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                     $8, $9)"
                ))
                .bind(&a.id)
                .bind(&a.user_id)
                .bind(&a.symbol)
                .bind(&a.interval)
                .bind(&a.spec)
                .bind(a.side)
                .bind(a.fired_count)
                .bind(a.last_fired_at)
                .bind(a.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            })
        }

        fn alert<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<AlertRec>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(&format!("SELECT {ALERT_COLS} FROM rt_alerts WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map(|r| $crate::store::realtime::alert_row!(r)).transpose()?)
            })
        }

        fn alerts_of<'a>(
            &'a self,
            user_id: Option<&'a str>,
            limit: i64,
            offset: i64,
        ) -> BoxFuture<'a, Result<Vec<AlertRec>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(&format!(
                    "SELECT {ALERT_COLS} FROM rt_alerts WHERE ($1 IS NULL OR user_id = $1) \
                     ORDER BY created_at, id LIMIT $2 OFFSET $3"
                ))
                .bind(user_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::realtime::alert_row!(r))
                    .collect::<Result<_, _>>()?)
            })
        }

        fn delete_alert<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let mut tx = self.pool.begin().await?;
                // its events, through the user's index (migration 0024)
                sqlx::query(
                    "DELETE FROM rt_alert_events WHERE user_id = \
                     (SELECT user_id FROM rt_alerts WHERE id = $1) AND alert_id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let done = sqlx::query("DELETE FROM rt_alerts WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn alert_events<'a>(
            &'a self,
            user_id: &'a str,
            alert_id: Option<&'a str>,
            limit: i64,
            offset: i64,
        ) -> BoxFuture<'a, Result<Vec<AlertEventRec>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(&format!(
                    "SELECT {EVENT_COLS} FROM rt_alert_events WHERE user_id = $1 \
                     AND ($2 IS NULL OR alert_id = $2) ORDER BY ts, created_at, id \
                     LIMIT $3 OFFSET $4"
                ))
                .bind(user_id)
                .bind(alert_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::realtime::event_row!(r))
                    .collect::<Result<_, _>>()?)
            })
        }

        fn alerts_on<'a>(
            &'a self,
            symbol: &'a str,
            interval: &'a str,
        ) -> BoxFuture<'a, Result<Vec<AlertRec>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(&format!(
                    "SELECT {ALERT_COLS} FROM rt_alerts WHERE symbol = $1 AND freq = $2 \
                     ORDER BY created_at, id"
                ))
                .bind(symbol)
                .bind(interval)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::realtime::alert_row!(r))
                    .collect::<Result<_, _>>()?)
            })
        }

        fn alert_side_if<'a>(
            &'a self,
            id: &'a str,
            prev: i64,
            next: i64,
            event: Option<&'a AlertEventRec>,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let mut tx = self.pool.begin().await?;
                let fired = i64::from(event.is_some());
                let done = sqlx::query(
                    "UPDATE rt_alerts SET side = $3, fired_count = fired_count + $4, \
                     last_fired_at = CASE WHEN $4 > 0 THEN $5 ELSE last_fired_at END \
                     WHERE id = $1 AND side = $2",
                )
                .bind(id)
                .bind(prev)
                .bind(next)
                .bind(fired)
                .bind(event.map_or(0, |e| e.created_at))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                if let Some(e) = event {
                    sqlx::query(&format!(
                        "INSERT INTO rt_alert_events ({EVENT_COLS}) VALUES ($1, $2, $3, $4, $5, \
                         $6, $7, $8, $9)"
                    ))
                    .bind(&e.id)
                    .bind(&e.alert_id)
                    .bind(&e.user_id)
                    .bind(&e.symbol)
                    .bind(e.ts)
                    .bind(&e.direction)
                    .bind(e.value)
                    .bind(e.threshold)
                    .bind(e.created_at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(true)
            })
        }

        fn rt_commit<'a>(&'a self, c: &'a RtCommit) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                use $crate::store::realtime::{rows_sql, RT_CHUNK};
                // SQLite: anonymous `?` (it looks numbered parameters up by name, one linear
                // search per bind); PostgreSQL: `$n`
                let anon = self.backend() == "sqlite";
                if c.bars.is_empty() && c.sides.is_empty() && c.events.is_empty() {
                    return Ok(());
                }
                self.ensure_bar_partitions(c.bars.iter().map(|(_, _, b)| b.ts)).await?;
                let mut tx = self.pool.begin().await?;
                // bars of an instrument deleted meanwhile are dropped, as its stored ones were
                let mut present = std::collections::BTreeMap::new();
                for (symbol, _, _) in &c.bars {
                    if !present.contains_key(symbol.as_str()) {
                        // SQLite: no look-up. A read first would make this a read transaction
                        // that fails with SQLITE_BUSY (no wait) when it then writes after
                        // another connection's commit; its foreign key refuses a bar of a
                        // deleted instrument instead (the commit fails and is reloaded).
                        let found = anon
                            || sqlx::query(Self::LOCK_INSTRUMENT)
                                .bind(symbol)
                                .fetch_optional(&mut *tx)
                                .await?
                                .is_some();
                        present.insert(symbol.as_str(), found);
                    }
                }
                let bars: Vec<&(String, String, $crate::store::Bar)> =
                    c.bars.iter().filter(|t| present[t.0.as_str()]).collect();
                let mut written = 0;
                // multi-row statements of at most RT_CHUNK rows: a full chunk reuses one
                // cached prepared statement
                for chunk in bars.chunks(RT_CHUNK) {
                    let sql = format!(
                        "INSERT INTO bars (symbol, freq, ts, open, high, low, close, volume) \
                         VALUES {}{}",
                        rows_sql(chunk.len(), 8, 0, anon),
                        $crate::store::market::BAR_CONFLICT
                    );
                    let mut q = sqlx::query(&sql);
                    for t in chunk {
                        let (symbol, interval, b) = (&t.0, &t.1, &t.2);
                        q = q
                            .bind(symbol)
                            .bind(interval)
                            .bind(b.ts)
                            .bind(b.open)
                            .bind(b.high)
                            .bind(b.low)
                            .bind(b.close)
                            .bind(b.volume);
                    }
                    written += q.execute(&mut *tx).await?.rows_affected();
                }
                // the bars versions of the instruments written (the caches compare them)
                if written > 0 {
                    let symbols: Vec<&str> =
                        present.iter().filter(|(_, found)| **found).map(|(s, _)| *s).collect();
                    // one statement per chunk of instruments, not one per instrument
                    for chunk in symbols.chunks(RT_CHUNK) {
                        let sql = format!(
                            "UPDATE instruments SET bars_version = bars_version + 1 \
                             WHERE symbol IN {}",
                            rows_sql(1, chunk.len(), 0, anon)
                        );
                        let mut q = sqlx::query(&sql);
                        for symbol in chunk {
                            q = q.bind(*symbol);
                        }
                        q.execute(&mut *tx).await?;
                    }
                }
                // VALUES columns are column1, column2... on both backends
                for chunk in c.sides.chunks(RT_CHUNK) {
                    let sql = format!(
                        "UPDATE rt_alerts SET side = v.column2, \
                         fired_count = fired_count + v.column3, \
                         last_fired_at = CASE WHEN v.column3 > 0 THEN {} ELSE last_fired_at \
                         END FROM (VALUES {}) AS v WHERE rt_alerts.id = v.column1",
                        if anon { "?" } else { "$1" },
                        rows_sql(chunk.len(), 3, 1, anon)
                    );
                    let mut q = sqlx::query(&sql).bind(c.fired_at);
                    for (id, side, fired) in chunk {
                        q = q.bind(id).bind(side).bind(fired);
                    }
                    q.execute(&mut *tx).await?;
                }
                // the events of an alert deleted while they waited for this commit are dropped
                // with it (no foreign key refuses them: migration 0024)
                for chunk in c.events.chunks(RT_CHUNK) {
                    let sql = format!(
                        "INSERT INTO rt_alert_events ({EVENT_COLS}) SELECT v.column1, \
                         v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, \
                         v.column8, v.column9 FROM (VALUES {}) AS v WHERE EXISTS \
                         (SELECT 1 FROM rt_alerts a WHERE a.id = v.column2)",
                        rows_sql(chunk.len(), 9, 0, anon)
                    );
                    let mut q = sqlx::query(&sql);
                    for e in chunk {
                        q = q
                            .bind(&e.id)
                            .bind(&e.alert_id)
                            .bind(&e.user_id)
                            .bind(&e.symbol)
                            .bind(e.ts)
                            .bind(&e.direction)
                            .bind(e.value)
                            .bind(e.threshold)
                            .bind(e.created_at);
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            })
        }
    };
}

pub(crate) use {alert_row, event_row, realtime_methods};

/// Rows per statement of the ingest commit (at most 9 binds a row: 576 binds, far below both
/// backends' limits).
pub(crate) const RT_CHUNK: usize = 64;

/// `($k+1, ..., $k+cols), (...)`: `rows` rows of `cols` numbered placeholders after the first `k`
/// (`anon`: `?` each).
pub(crate) fn rows_sql(rows: usize, cols: usize, k: usize, anon: bool) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            if anon {
                s.push('?');
            } else {
                let _ = write!(s, "${}", k + r * cols + c + 1);
            }
        }
        s.push(')');
    }
    s
}
