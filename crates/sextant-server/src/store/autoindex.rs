//! The AutoIndex part of the [`Store`](super::Store): per-user strategies and their rebalances.
//! One SQL text for both backends ([`autoindex_methods`]).
//!
//! A scheduled run is claimed with a conditional update that leases it (`run_lease_until`,
//! taken only while the run is still due and unleased), and ended with another that moves
//! `next_run_at` on and drops the lease; a rebalance row is unique per `(strategy, run_key)`.
//! One due run is recorded once however many scheduler instances see it, and a run whose
//! instance stopped before ending it is taken again once its lease has passed.

/// A stored strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyRec {
    /// Random id (hex).
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// The core strategy (version 1) as JSON text.
    pub config: String,
    /// `daily`, `weekly`, `monthly`, or `None` (on demand only).
    pub auto_rebalance: Option<String>,
    /// The next scheduled run, unix seconds.
    pub next_run_at: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
}

/// A stored rebalance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebalanceRec {
    /// Time-ordered id: 12 hex digits of unix milliseconds, then 20 random hex digits.
    pub id: String,
    /// The strategy.
    pub strategy_id: String,
    /// `manual:<id>` or `schedule:<due time>`.
    pub run_key: String,
    /// `manual` or `schedule`.
    pub kind: String,
    /// Date of the last bar used (`YYYY-MM-DD`).
    pub as_of: String,
    /// The allocation as JSON text.
    pub body: String,
    /// Unix seconds.
    pub created_at: i64,
}

pub(crate) const STRATEGY_COLS: &str =
    "id, user_id, name, config, auto_rebalance, next_run_at, created_at, updated_at";
pub(crate) const REBALANCE_COLS: &str = "id, strategy_id, run_key, kind, as_of, body, created_at";

macro_rules! strategy_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::StrategyRec {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            name: r.try_get("name")?,
            config: r.try_get("config")?,
            auto_rebalance: r.try_get("auto_rebalance")?,
            next_run_at: r.try_get("next_run_at")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }};
}

macro_rules! rebalance_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::RebalanceRec {
            id: r.try_get("id")?,
            strategy_id: r.try_get("strategy_id")?,
            run_key: r.try_get("run_key")?,
            kind: r.try_get("kind")?,
            as_of: r.try_get("as_of")?,
            body: r.try_get("body")?,
            created_at: r.try_get("created_at")?,
        })
    }};
}

/// The AutoIndex methods of [`Store`](super::Store), written once for both backends.
macro_rules! autoindex_methods {
    () => {
        fn put_strategy<'a>(&'a self, s: &'a StrategyRec) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query(&format!(
                    "INSERT INTO autoindex_strategies ({STRATEGY_COLS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (id) DO UPDATE SET name = $3, config = $4, \
                     auto_rebalance = $5, next_run_at = $6, updated_at = $8"
                ))
                .bind(&s.id)
                .bind(&s.user_id)
                .bind(&s.name)
                .bind(&s.config)
                .bind(&s.auto_rebalance)
                .bind(s.next_run_at)
                .bind(s.created_at)
                .bind(s.updated_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            })
        }

        fn strategy<'a>(
            &'a self,
            id: &'a str,
        ) -> BoxFuture<'a, Result<Option<StrategyRec>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(&format!(
                    "SELECT {STRATEGY_COLS} FROM autoindex_strategies WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.as_ref().map(|r| $crate::store::autoindex::strategy_row!(r)).transpose()?)
            })
        }

        fn strategies_of<'a>(
            &'a self,
            user_id: &'a str,
            limit: i64,
            offset: i64,
        ) -> BoxFuture<'a, Result<Vec<StrategyRec>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(&format!(
                    "SELECT {STRATEGY_COLS} FROM autoindex_strategies WHERE user_id = $1 \
                     ORDER BY created_at, id LIMIT $2 OFFSET $3"
                ))
                .bind(user_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::autoindex::strategy_row!(r))
                    .collect::<Result<Vec<_>, _>>()?)
            })
        }

        fn delete_strategy<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query("DELETE FROM autoindex_strategies WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn due_strategies(
            &self,
            now: i64,
            limit: i64,
        ) -> BoxFuture<'_, Result<Vec<StrategyRec>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(&format!(
                    "SELECT {STRATEGY_COLS} FROM autoindex_strategies \
                     WHERE next_run_at IS NOT NULL AND next_run_at <= $1 \
                     AND (run_lease_until IS NULL OR run_lease_until <= $1) \
                     ORDER BY next_run_at, id LIMIT $2"
                ))
                .bind(now)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::autoindex::strategy_row!(r))
                    .collect::<Result<Vec<_>, _>>()?)
            })
        }

        fn claim_strategy_run<'a>(
            &'a self,
            id: &'a str,
            due: i64,
            now: i64,
            lease_until: i64,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE autoindex_strategies SET run_lease_until = $4 \
                     WHERE id = $1 AND next_run_at = $2 \
                     AND (run_lease_until IS NULL OR run_lease_until <= $3)",
                )
                .bind(id)
                .bind(due)
                .bind(now)
                .bind(lease_until)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn end_strategy_run<'a>(
            &'a self,
            id: &'a str,
            due: i64,
            next: i64,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE autoindex_strategies SET next_run_at = $3, run_lease_until = NULL \
                     WHERE id = $1 AND next_run_at = $2",
                )
                .bind(id)
                .bind(due)
                .bind(next)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn add_rebalance<'a>(
            &'a self,
            r: &'a RebalanceRec,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(&format!(
                    "INSERT INTO autoindex_rebalances ({REBALANCE_COLS}) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (strategy_id, run_key) DO NOTHING"
                ))
                .bind(&r.id)
                .bind(&r.strategy_id)
                .bind(&r.run_key)
                .bind(&r.kind)
                .bind(&r.as_of)
                .bind(&r.body)
                .bind(r.created_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn rebalances<'a>(
            &'a self,
            strategy_id: &'a str,
            descending: bool,
            limit: i64,
            offset: i64,
        ) -> BoxFuture<'a, Result<Vec<RebalanceRec>, StoreError>> {
            Box::pin(async move {
                let order = if descending { "DESC" } else { "ASC" };
                let rows = sqlx::query(&format!(
                    "SELECT {REBALANCE_COLS} FROM autoindex_rebalances WHERE strategy_id = $1 \
                     ORDER BY id {order} LIMIT $2 OFFSET $3"
                ))
                .bind(strategy_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::autoindex::rebalance_row!(r))
                    .collect::<Result<Vec<_>, _>>()?)
            })
        }
    };
}

pub(crate) use {autoindex_methods, rebalance_row, strategy_row};
