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
                let done = sqlx::query("DELETE FROM rt_alerts WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
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

        fn rt_commit<'a>(&'a self, c: &'a RtCommit) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                if c.bars.is_empty() && c.sides.is_empty() && c.events.is_empty() {
                    return Ok(());
                }
                let mut tx = self.pool.begin().await?;
                let bar_sql = format!(
                    "INSERT INTO bars (symbol, freq, ts, open, high, low, close, volume) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8){}",
                    $crate::store::market::BAR_CONFLICT
                );
                for (symbol, interval, b) in &c.bars {
                    sqlx::query(&bar_sql)
                        .bind(symbol)
                        .bind(interval)
                        .bind(b.ts)
                        .bind(b.open)
                        .bind(b.high)
                        .bind(b.low)
                        .bind(b.close)
                        .bind(b.volume)
                        .execute(&mut *tx)
                        .await?;
                }
                for (id, side, fired) in &c.sides {
                    sqlx::query(
                        "UPDATE rt_alerts SET side = $2, fired_count = fired_count + $3, \
                         last_fired_at = CASE WHEN $3 > 0 THEN $4 ELSE last_fired_at END \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(side)
                    .bind(fired)
                    .bind(c.fired_at)
                    .execute(&mut *tx)
                    .await?;
                }
                for e in &c.events {
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
                Ok(())
            })
        }
    };
}

pub(crate) use {alert_row, event_row, realtime_methods};
