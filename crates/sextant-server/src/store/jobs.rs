//! The jobs part of the [`Store`](super::Store): background runs of declared functions with
//! their status, progress, result or error. One SQL text serves both backends
//! ([`jobs_methods`]), as in [`accounts`](super::accounts).
//!
//! Claiming is a conditional update (`... WHERE id = $1 AND status = 'queued'`), so two workers
//! (in one process or in several servers on one database) never run the same job.

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRec {
    /// Time-ordered id: 12 hex digits of unix milliseconds, then 20 random hex digits.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// The function's module, e.g. `mc`.
    pub module: String,
    /// The function's name, e.g. `simulate_gbm`.
    pub name: String,
    /// The queue whose workers run it.
    pub queue: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub status: String,
    /// 0 to 1.
    pub progress: f64,
    /// The request body (JSON text); empty in lists.
    pub request: String,
    /// The compute answer (JSON text) of a done job; `None` in lists.
    pub result: Option<String>,
    /// The error body (JSON text) of a failed job.
    pub error: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// When a worker claimed it.
    pub started_at: Option<i64>,
    /// When it reached done, failed or cancelled.
    pub finished_at: Option<i64>,
}

/// Statuses a job can have, in lifecycle order.
pub const JOB_STATUSES: [&str; 5] = ["queued", "running", "done", "failed", "cancelled"];

pub(crate) const JOB_COLS: &str =
    "id, user_id, module, name, queue, status, progress, request, result, \
     error, created_at, started_at, finished_at";
/// The list columns: neither the request nor the result (they can be megabytes).
pub(crate) const JOB_LIST_COLS: &str = "id, user_id, module, name, queue, status, progress, \
     '' AS request, CAST(NULL AS TEXT) AS result, error, created_at, started_at, finished_at";

macro_rules! job_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::JobRec {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            module: r.try_get("module")?,
            name: r.try_get("name")?,
            queue: r.try_get("queue")?,
            status: r.try_get("status")?,
            progress: r.try_get("progress")?,
            request: r.try_get("request")?,
            result: r.try_get("result")?,
            error: r.try_get("error")?,
            created_at: r.try_get("created_at")?,
            started_at: r.try_get("started_at")?,
            finished_at: r.try_get("finished_at")?,
        })
    }};
}

/// The job methods of [`Store`](super::Store), written once for both backends.
macro_rules! jobs_methods {
    () => {
        fn create_job<'a>(&'a self, j: &'a JobRec) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO jobs (id, user_id, module, name, status, progress, request, \
                     created_at, started_at, heartbeat_at, queue) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
                )
                .bind(&j.id)
                .bind(&j.user_id)
                .bind(&j.module)
                .bind(&j.name)
                .bind(&j.status)
                .bind(j.progress)
                .bind(&j.request)
                .bind(j.created_at)
                .bind(j.started_at)
                .bind(&j.queue)
                .execute(&self.pool)
                .await?;
                Ok(())
            })
        }

        fn job<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<JobRec>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(&format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map(|r| $crate::store::jobs::job_row!(r)).transpose()?)
            })
        }

        fn jobs_of<'a>(
            &'a self,
            user_id: &'a str,
            status: Option<&'a str>,
            descending: bool,
            limit: i64,
            offset: i64,
        ) -> BoxFuture<'a, Result<Vec<JobRec>, StoreError>> {
            Box::pin(async move {
                let order = if descending { "DESC" } else { "ASC" };
                let rows = sqlx::query(&format!(
                    "SELECT {JOB_LIST_COLS} FROM jobs \
                     WHERE user_id = $1 AND ($2 IS NULL OR status = $2) \
                     ORDER BY created_at {order}, id {order} LIMIT $3 OFFSET $4"
                ))
                .bind(user_id)
                .bind(status)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .iter()
                    .map(|r| $crate::store::jobs::job_row!(r))
                    .collect::<Result<Vec<_>, _>>()?)
            })
        }

        fn active_jobs<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<i64, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n FROM jobs \
                     WHERE user_id = $1 AND status IN ('queued', 'running')",
                )
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get("n")?)
            })
        }

        fn claim_job<'a>(
            &'a self,
            queue: &'a str,
            worker: &'a str,
            now: i64,
        ) -> BoxFuture<'a, Result<Option<JobRec>, StoreError>> {
            Box::pin(async move {
                // A few tries: another worker may claim the oldest queued job between the two
                // statements; the conditional update makes the claim exclusive.
                for _ in 0..8 {
                    let row = sqlx::query(
                        "SELECT id FROM jobs WHERE queue = $1 AND status = 'queued' \
                         ORDER BY created_at, id LIMIT 1",
                    )
                    .bind(queue)
                    .fetch_optional(&self.pool)
                    .await?;
                    let Some(row) = row else { return Ok(None) };
                    let id: String = row.try_get("id")?;
                    let done = sqlx::query(
                        "UPDATE jobs SET status = 'running', worker = $2, started_at = $3, \
                         heartbeat_at = $3 WHERE id = $1 AND status = 'queued'",
                    )
                    .bind(&id)
                    .bind(worker)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                    if done.rows_affected() == 1 {
                        let row =
                            sqlx::query(&format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1"))
                                .bind(&id)
                                .fetch_optional(&self.pool)
                                .await?;
                        return Ok(row
                            .as_ref()
                            .map(|r| $crate::store::jobs::job_row!(r))
                            .transpose()?);
                    }
                }
                Ok(None)
            })
        }

        fn job_heartbeat<'a>(
            &'a self,
            id: &'a str,
            now: i64,
            progress: f64,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE jobs SET heartbeat_at = $2, progress = $3 \
                     WHERE id = $1 AND status = 'running'",
                )
                .bind(id)
                .bind(now)
                .bind(progress)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn finish_job<'a>(
            &'a self,
            id: &'a str,
            status: &'a str,
            result: Option<&'a str>,
            error: Option<&'a str>,
            now: i64,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let progress = if status == "done" { 1.0_f64 } else { 0.0_f64 };
                let done = sqlx::query(
                    "UPDATE jobs SET status = $2, result = $3, error = $4, finished_at = $5, \
                     progress = CASE WHEN $2 = 'done' THEN $6 ELSE progress END \
                     WHERE id = $1 AND status = 'running'",
                )
                .bind(id)
                .bind(status)
                .bind(result)
                .bind(error)
                .bind(now)
                .bind(progress)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn cancel_job<'a>(
            &'a self,
            id: &'a str,
            now: i64,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE jobs SET status = 'cancelled', finished_at = $2 \
                     WHERE id = $1 AND status IN ('queued', 'running')",
                )
                .bind(id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn fail_stale_jobs<'a>(
            &'a self,
            queue: &'a str,
            heartbeat_before: i64,
            error: &'a str,
            now: i64,
        ) -> BoxFuture<'a, Result<u64, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE jobs SET status = 'failed', error = $2, finished_at = $3 \
                     WHERE status = 'running' AND heartbeat_at < $1 AND queue = $4",
                )
                .bind(heartbeat_before)
                .bind(error)
                .bind(now)
                .bind(queue)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            })
        }

        fn job_counts(&self) -> BoxFuture<'_, Result<Vec<(String, i64)>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(
                    "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status ORDER BY status",
                )
                .fetch_all(&self.pool)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push((r.try_get("status")?, r.try_get("n")?));
                }
                Ok(out)
            })
        }
    };
}

pub(crate) use {job_row, jobs_methods};
