//! The real-time part of the [`Store`](super::Store): alerts, their fired events, and the
//! commit of one quote ingest (bars, alert sides and events in one transaction). One SQL text
//! for both backends ([`realtime_methods`]) except the ingest commit's rows (`rt_rows`: multi-row
//! `VALUES` on SQLite, arrays on PostgreSQL).

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

/// Binds the nine [`EVENT_COLS`] of an event to a query, in order.
macro_rules! bind_event {
    ($q:expr, $e:expr) => {{
        let e = $e;
        $q.bind(&e.id)
            .bind(&e.alert_id)
            .bind(&e.user_id)
            .bind(&e.symbol)
            .bind(e.ts)
            .bind(&e.direction)
            .bind(e.value)
            .bind(e.threshold)
            .bind(e.created_at)
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
                    let sql = format!(
                        "INSERT INTO rt_alert_events ({EVENT_COLS}) VALUES ($1, $2, $3, $4, $5, \
                         $6, $7, $8, $9)"
                    );
                    let q = sqlx::query(&sql);
                    $crate::store::realtime::bind_event!(q, e).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(true)
            })
        }

        fn rt_commit<'a>(&'a self, c: &'a RtCommit) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                if c.bars.is_empty() && c.sides.is_empty() && c.events.is_empty() {
                    return Ok(());
                }
                self.ensure_bar_partitions(c.bars.iter().map(|(_, _, b)| b.ts)).await?;
                let mut tx = self.pool.begin().await?;
                // the statements differ: multi-row VALUES on SQLite, arrays on PostgreSQL
                Self::rt_rows(&mut tx, c).await?;
                tx.commit().await?;
                Ok(())
            })
        }
    };
}

pub(crate) use {alert_row, bind_event, event_row, realtime_methods};

/// Rows per statement of the SQLite ingest commit (at most 9 binds a row: 576 binds, far below
/// its limit).
const RT_CHUNK: usize = 64;

/// `(?, ..., ?), (...)`: `rows` rows of `cols` anonymous placeholders (SQLite looks numbered
/// parameters up by name, one linear search per bind).
fn rows_sql(rows: usize, cols: usize) -> String {
    let row = format!("({})", vec!["?"; cols].join(", "));
    vec![row.as_str(); rows].join(", ")
}

impl super::SqliteStore {
    /// The rows of one ingest commit, in its transaction: statements of at most [`RT_CHUNK`]
    /// rows (a full chunk reuses one cached prepared statement).
    ///
    /// No look-up of the instruments first: a read would make this a read transaction that
    /// fails with `SQLITE_BUSY` (no wait) when it then writes after another connection's
    /// commit; the bars' foreign key refuses a bar of a deleted instrument instead (the commit
    /// fails and the live state is reloaded).
    pub(crate) async fn rt_rows(
        conn: &mut sqlx::SqliteConnection,
        c: &RtCommit,
    ) -> Result<(), sqlx::Error> {
        let mut written = 0;
        for chunk in c.bars.chunks(RT_CHUNK) {
            let sql = format!(
                "INSERT INTO bars (symbol, freq, ts, open, high, low, close, volume) VALUES {}{}",
                rows_sql(chunk.len(), 8),
                super::market::BAR_CONFLICT
            );
            let mut q = sqlx::query(&sql);
            for (symbol, interval, b) in chunk {
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
            written += q.execute(&mut *conn).await?.rows_affected();
        }
        // the bars versions of the instruments written (the caches compare them)
        if written > 0 {
            let symbols: std::collections::BTreeSet<&str> =
                c.bars.iter().map(|t| t.0.as_str()).collect();
            let symbols: Vec<&str> = symbols.into_iter().collect();
            for chunk in symbols.chunks(RT_CHUNK) {
                let sql = format!(
                    "UPDATE instruments SET bars_version = bars_version + 1 WHERE symbol IN {}",
                    rows_sql(1, chunk.len())
                );
                let mut q = sqlx::query(&sql);
                for symbol in chunk {
                    q = q.bind(*symbol);
                }
                q.execute(&mut *conn).await?;
            }
        }
        // VALUES columns are column1, column2...
        for chunk in c.sides.chunks(RT_CHUNK) {
            let sql = format!(
                "UPDATE rt_alerts SET side = v.column2, fired_count = fired_count + v.column3, \
                 last_fired_at = CASE WHEN v.column3 > 0 THEN ? ELSE last_fired_at END \
                 FROM (VALUES {}) AS v WHERE rt_alerts.id = v.column1",
                rows_sql(chunk.len(), 3)
            );
            let mut q = sqlx::query(&sql).bind(c.fired_at);
            for (id, side, fired) in chunk {
                q = q.bind(id).bind(side).bind(fired);
            }
            q.execute(&mut *conn).await?;
        }
        // the events of an alert deleted while they waited for this commit are dropped with it
        // (no foreign key refuses them: migration 0024)
        for chunk in c.events.chunks(RT_CHUNK) {
            let sql = format!(
                "INSERT INTO rt_alert_events ({EVENT_COLS}) SELECT v.column1, v.column2, \
                 v.column3, v.column4, v.column5, v.column6, v.column7, v.column8, v.column9 \
                 FROM (VALUES {}) AS v WHERE EXISTS \
                 (SELECT 1 FROM rt_alerts a WHERE a.id = v.column2)",
                rows_sql(chunk.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for e in chunk {
                q = bind_event!(q, e);
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }
}

impl super::PgStore {
    /// The rows of one ingest commit, in its transaction: one statement per table whatever the
    /// commit's size, each column bound as one array (a statement is a round trip; a commit
    /// of 16 frames of 1,000 quotes writes hundreds of rows of each kind).
    ///
    /// Bars of an instrument deleted meanwhile are dropped: one look-up takes the lock a
    /// foreign key check takes on all the commit's instruments (migration 0020 replaced the
    /// bars' per-row foreign key), so none is deleted before the commit ends.
    pub(crate) async fn rt_rows(
        conn: &mut sqlx::PgConnection,
        c: &RtCommit,
    ) -> Result<(), sqlx::Error> {
        if !c.bars.is_empty() {
            let wanted: std::collections::BTreeSet<&str> =
                c.bars.iter().map(|t| t.0.as_str()).collect();
            let wanted: Vec<&str> = wanted.into_iter().collect();
            let present: Vec<String> = sqlx::query_scalar(
                "SELECT symbol FROM instruments WHERE symbol = ANY($1) ORDER BY symbol \
                 FOR KEY SHARE",
            )
            .bind(&wanted)
            .fetch_all(&mut *conn)
            .await?;
            let present: std::collections::HashSet<&str> =
                present.iter().map(String::as_str).collect();
            let bars: Vec<&(String, String, Bar)> =
                c.bars.iter().filter(|t| present.contains(t.0.as_str())).collect();
            let col = |f: fn(&Bar) -> f64| bars.iter().map(|t| f(&t.2)).collect::<Vec<f64>>();
            let written = sqlx::query(&format!(
                "INSERT INTO bars (symbol, freq, ts, open, high, low, close, volume) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::float8[], \
                 $5::float8[], $6::float8[], $7::float8[], $8::float8[]){}",
                super::market::BAR_CONFLICT
            ))
            .bind(bars.iter().map(|t| t.0.as_str()).collect::<Vec<&str>>())
            .bind(bars.iter().map(|t| t.1.as_str()).collect::<Vec<&str>>())
            .bind(bars.iter().map(|t| t.2.ts).collect::<Vec<i64>>())
            .bind(col(|b| b.open))
            .bind(col(|b| b.high))
            .bind(col(|b| b.low))
            .bind(col(|b| b.close))
            .bind(col(|b| b.volume))
            .execute(&mut *conn)
            .await?
            .rows_affected();
            // the bars versions of the instruments written (the caches compare them)
            if written > 0 {
                let symbols: Vec<&str> = present.into_iter().collect();
                sqlx::query(
                    "UPDATE instruments SET bars_version = bars_version + 1 \
                     WHERE symbol = ANY($1)",
                )
                .bind(symbols)
                .execute(&mut *conn)
                .await?;
            }
        }
        if !c.sides.is_empty() {
            sqlx::query(
                "UPDATE rt_alerts SET side = v.side, fired_count = fired_count + v.fired, \
                 last_fired_at = CASE WHEN v.fired > 0 THEN $1 ELSE last_fired_at END \
                 FROM UNNEST($2::text[], $3::int8[], $4::int8[]) AS v (id, side, fired) \
                 WHERE rt_alerts.id = v.id",
            )
            .bind(c.fired_at)
            .bind(c.sides.iter().map(|t| t.0.as_str()).collect::<Vec<&str>>())
            .bind(c.sides.iter().map(|t| t.1).collect::<Vec<i64>>())
            .bind(c.sides.iter().map(|t| t.2).collect::<Vec<i64>>())
            .execute(&mut *conn)
            .await?;
        }
        // only events of alerts that exist: those of an alert deleted while they waited for
        // this commit are dropped with it (migration 0024). No foreign key to users (migration
        // 0025): a firing is a change of side, so the update above has locked the row of every
        // alert whose events these are; a user deletion, which cascades to the user's alerts,
        // waits for this commit and then deletes the events (`delete_user`), or went first and
        // these find no alert
        if !c.events.is_empty() {
            let e = &c.events;
            let text = |f: fn(&AlertEventRec) -> &str| e.iter().map(f).collect::<Vec<&str>>();
            sqlx::query(&format!(
                "INSERT INTO rt_alert_events ({EVENT_COLS}) SELECT v.* FROM UNNEST($1::text[], \
                 $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::float8[], \
                 $8::float8[], $9::int8[]) AS v ({EVENT_COLS}) WHERE EXISTS \
                 (SELECT 1 FROM rt_alerts a WHERE a.id = v.alert_id)"
            ))
            .bind(text(|r| &r.id))
            .bind(text(|r| &r.alert_id))
            .bind(text(|r| &r.user_id))
            .bind(text(|r| &r.symbol))
            .bind(e.iter().map(|r| r.ts).collect::<Vec<i64>>())
            .bind(text(|r| &r.direction))
            .bind(e.iter().map(|r| r.value).collect::<Vec<f64>>())
            .bind(e.iter().map(|r| r.threshold).collect::<Vec<f64>>())
            .bind(e.iter().map(|r| r.created_at).collect::<Vec<i64>>())
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}
