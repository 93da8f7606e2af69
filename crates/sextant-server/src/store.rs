//! Storage behind one [`Store`] trait, with two implementations over sqlx: an embedded SQLite
//! file (the default; WAL, `synchronous=FULL`) and PostgreSQL. Each has its own migrations
//! folder (`migrations/sqlite`, `migrations/postgres`), embedded in the binary and applied on
//! connect.
//!
//! What is stored: responses to requests sent with an `Idempotency-Key` header, and the
//! accounts (users, sessions, refresh and one-time tokens, TOTP recovery codes, the append-only
//! audit log; see [`accounts`]), the market data (instruments, OHLCV bars, corporate actions)
//! and the portfolios with their transactions (see [`market`]).

pub mod accounts;
pub mod autoindex;
pub mod jobs;
pub mod market;
pub mod news;
pub mod realtime;
use accounts::{account_methods, AUDIT_COLS, REFRESH_COLS, SESSION_COLS, USER_COLS};
pub use accounts::{AuditEntry, RefreshToken, Session, Spend, User};
use autoindex::{autoindex_methods, REBALANCE_COLS, STRATEGY_COLS};
pub use autoindex::{RebalanceRec, StrategyRec};
use jobs::{jobs_methods, JOB_COLS, JOB_LIST_COLS};
pub use jobs::{JobRec, JOB_STATUSES};
use market::{market_methods, ACTION_COLS, INSTRUMENT_COLS, PORTFOLIO_COLS, TX_COLS};
pub use market::{
    Appended, Bar, CorporateAction, ImportRec, InstrumentRec, IntervalSummary, Portfolio, StoredTx,
};
use news::{news_methods, NEWS_COLS};
pub use news::{NewsMention, NewsRec};
use realtime::{realtime_methods, ALERT_COLS, EVENT_COLS};
pub use realtime::{AlertEventRec, AlertRec, RtCommit};

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions as _, Row};

/// A boxed future, so the trait stays object safe (`Arc<dyn Store>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A storage failure: the database is unreachable, a migration failed, or a URL is unusable.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An error from the database driver.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration could not be applied.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database URL names no supported backend.
    #[error("unsupported database URL `{0}`: use postgres://, postgresql:// or sqlite:")]
    UnsupportedUrl(String),
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// A response stored under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The client's key.
    pub key: String,
    /// Hex sha256 of the request (method, path, body); a reuse with another request is a conflict.
    pub fingerprint: String,
    /// HTTP status.
    pub status: u16,
    /// The exact body bytes (JSON text).
    pub body: String,
    /// Unix seconds, UTC.
    pub created_at: i64,
}

/// The storage interface of the server.
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Checks that the database answers.
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;
    /// The response stored under `key`, if any.
    fn get_response<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredResponse>, StoreError>>;
    /// Stores a response unless the key is taken; returns whether it was inserted.
    fn put_response<'a>(
        &'a self,
        rec: &'a StoredResponse,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Deletes stored responses created before `before` (unix seconds); returns how many.
    fn purge_responses(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>>;
    /// Closes the connection pool; later calls fail.
    fn close(&self) -> BoxFuture<'_, ()>;
    /// Rate-limit buckets kept in the database, shared by every instance on it (PostgreSQL);
    /// `None` (SQLite: one instance) keeps them in process memory.
    fn shared_limiter(&self) -> Option<Arc<dyn crate::ratelimit::RateLimiter>> {
        None
    }
    /// The PostgreSQL pool, for the real-time fan-out across instances (LISTEN/NOTIFY);
    /// `None` on SQLite (one instance).
    fn pg_pool(&self) -> Option<PgPool> {
        None
    }

    // --- accounts ------------------------------------------------------------------------------
    /// Inserts a user unless the id or e-mail is taken; returns whether it was inserted.
    fn create_user<'a>(&'a self, u: &'a User) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// The user with this id.
    fn user_by_id<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<User>, StoreError>>;
    /// The user with this (lower-cased) e-mail address.
    fn user_by_email<'a>(
        &'a self,
        email: &'a str,
    ) -> BoxFuture<'a, Result<Option<User>, StoreError>>;
    /// Users by creation time.
    fn list_users(&self, limit: i64, offset: i64) -> BoxFuture<'_, Result<Vec<User>, StoreError>>;
    /// Replaces the password hash and clears the failed-login counter and lock.
    fn set_password<'a>(
        &'a self,
        user_id: &'a str,
        hash: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Sets the tier.
    fn set_tier<'a>(
        &'a self,
        user_id: &'a str,
        tier: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Marks the e-mail address verified.
    fn set_email_verified<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Sets the TOTP secret and whether the second factor is required.
    fn set_totp<'a>(
        &'a self,
        user_id: &'a str,
        secret: Option<&'a str>,
        enabled: bool,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Records `step` as the last used TOTP step if it is later than the recorded one; returns
    /// false for a replay (atomic).
    fn claim_totp_step<'a>(
        &'a self,
        user_id: &'a str,
        step: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Counts a failed sign-in; at `max_failures` consecutive failures the account is locked
    /// for `lock_secs` and the counter restarts. Returns `locked_until` (unix seconds).
    fn login_failed<'a>(
        &'a self,
        user_id: &'a str,
        now: i64,
        max_failures: i64,
        lock_secs: i64,
    ) -> BoxFuture<'a, Result<i64, StoreError>>;
    /// Clears the failed-login counter.
    fn login_succeeded<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Deletes the user with its sessions, tokens and codes, and pseudonymises its audit
    /// entries (actor and target to `pseudonym`, address and user agent removed), in one
    /// transaction.
    fn delete_user<'a>(
        &'a self,
        user_id: &'a str,
        pseudonym: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Inserts a session.
    fn create_session<'a>(&'a self, s: &'a Session) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The session with this id.
    fn session<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Session>, StoreError>>;
    /// A user's sessions.
    fn sessions_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Session>, StoreError>>;
    /// Revokes one of this user's sessions; false if it is not theirs or already revoked.
    fn revoke_session<'a>(
        &'a self,
        user_id: &'a str,
        session_id: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Revokes every live session of a user; returns how many.
    fn revoke_sessions_of<'a>(
        &'a self,
        user_id: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;
    /// Stores a refresh token (by hash).
    fn put_refresh<'a>(&'a self, t: &'a RefreshToken) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Spends a refresh token atomically: fresh, already spent (a reuse) or unknown.
    fn spend_refresh<'a>(
        &'a self,
        hash: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Spend, StoreError>>;
    /// Stores a single-use token (by hash) for a purpose.
    fn put_one_time<'a>(
        &'a self,
        hash: &'a str,
        user_id: &'a str,
        purpose: &'a str,
        now: i64,
        expires_at: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Spends an unexpired, unused single-use token of this purpose; returns its user.
    fn take_one_time<'a>(
        &'a self,
        hash: &'a str,
        purpose: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Option<String>, StoreError>>;
    /// Replaces a user's recovery codes (hashes).
    fn set_recovery_codes<'a>(
        &'a self,
        user_id: &'a str,
        hashes: &'a [String],
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Spends one unused recovery code (by hash); false if none matches.
    fn use_recovery_code<'a>(
        &'a self,
        user_id: &'a str,
        hash: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// How many unused recovery codes a user has.
    fn recovery_codes_left<'a>(
        &'a self,
        user_id: &'a str,
    ) -> BoxFuture<'a, Result<i64, StoreError>>;
    /// Appends an audit entry (its `id` is ignored and assigned by the database).
    fn append_audit<'a>(&'a self, e: &'a AuditEntry) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The newest audit entries, all or those whose actor or target is `actor`.
    fn audit<'a>(
        &'a self,
        actor: Option<&'a str>,
        limit: i64,
    ) -> BoxFuture<'a, Result<Vec<AuditEntry>, StoreError>>;

    // --- market data ---------------------------------------------------------------------------
    /// Inserts an instrument unless the symbol is taken; returns whether it was inserted.
    fn create_instrument<'a>(
        &'a self,
        i: &'a InstrumentRec,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Replaces an instrument's fields (not its symbol or creation time).
    fn update_instrument<'a>(
        &'a self,
        i: &'a InstrumentRec,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// The instrument with this symbol.
    fn instrument<'a>(
        &'a self,
        symbol: &'a str,
    ) -> BoxFuture<'a, Result<Option<InstrumentRec>, StoreError>>;
    /// Instruments by symbol, optionally of one asset class.
    fn list_instruments<'a>(
        &'a self,
        asset_class: Option<&'a str>,
        descending: bool,
        limit: i64,
        offset: i64,
    ) -> BoxFuture<'a, Result<Vec<InstrumentRec>, StoreError>>;
    /// Deletes an instrument with its bars and corporate actions.
    fn delete_instrument<'a>(&'a self, symbol: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Upserts bars (unique timestamps) in one transaction: new bars are inserted, changed bars
    /// replaced, identical bars left alone. Returns how many rows were inserted or replaced.
    fn upsert_bars<'a>(
        &'a self,
        symbol: &'a str,
        interval: &'a str,
        bars: &'a [Bar],
    ) -> BoxFuture<'a, Result<u64, StoreError>>;
    /// The instrument's bars version (migration 0021): it grows with every committed write
    /// that changes its bars. `None` when there is no such instrument.
    fn bars_version<'a>(
        &'a self,
        symbol: &'a str,
    ) -> BoxFuture<'a, Result<Option<i64>, StoreError>>;
    /// Bars with `from <= ts <= to`, by time.
    fn bars<'a>(
        &'a self,
        symbol: &'a str,
        interval: &'a str,
        from: i64,
        to: i64,
    ) -> BoxFuture<'a, Result<Vec<Bar>, StoreError>>;
    /// The newest bar of an interval.
    fn latest_bar<'a>(
        &'a self,
        symbol: &'a str,
        interval: &'a str,
    ) -> BoxFuture<'a, Result<Option<Bar>, StoreError>>;
    /// The stored intervals of an instrument with their counts and time ranges.
    fn bar_intervals<'a>(
        &'a self,
        symbol: &'a str,
    ) -> BoxFuture<'a, Result<Vec<IntervalSummary>, StoreError>>;
    /// Inserts or replaces a corporate action (key: symbol, ex-date, kind).
    fn put_action<'a>(&'a self, a: &'a CorporateAction) -> BoxFuture<'a, Result<(), StoreError>>;
    /// An instrument's corporate actions by ex-date.
    fn actions<'a>(
        &'a self,
        symbol: &'a str,
    ) -> BoxFuture<'a, Result<Vec<CorporateAction>, StoreError>>;
    /// Deletes one corporate action.
    fn delete_action<'a>(
        &'a self,
        symbol: &'a str,
        ex_date: &'a str,
        kind: &'a str,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    // --- portfolios ----------------------------------------------------------------------------
    /// Inserts a portfolio.
    fn create_portfolio<'a>(&'a self, p: &'a Portfolio) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The portfolio with this id (any owner: callers check the owner).
    fn portfolio<'a>(&'a self, id: &'a str)
        -> BoxFuture<'a, Result<Option<Portfolio>, StoreError>>;
    /// A user's portfolios by creation time.
    fn portfolios_of<'a>(
        &'a self,
        user_id: &'a str,
        descending: bool,
        limit: i64,
        offset: i64,
    ) -> BoxFuture<'a, Result<Vec<Portfolio>, StoreError>>;
    /// Replaces name, base currency and cost basis.
    fn update_portfolio<'a>(&'a self, p: &'a Portfolio) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Deletes a portfolio with its transactions and imports.
    fn delete_portfolio<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// A portfolio's transactions by sequence number.
    fn transactions<'a>(
        &'a self,
        portfolio_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<StoredTx>, StoreError>>;
    /// Appends transactions (and records the import, when given) in one database transaction:
    /// all or nothing. An import of a file already imported into the portfolio writes nothing.
    fn append_transactions<'a>(
        &'a self,
        portfolio_id: &'a str,
        txs: &'a [StoredTx],
        import: Option<&'a ImportRec>,
        now: i64,
    ) -> BoxFuture<'a, Result<Appended, StoreError>>;
    /// The import of this file into this portfolio, if any: (import id, rows).
    fn import_by_hash<'a>(
        &'a self,
        portfolio_id: &'a str,
        file_sha256: &'a str,
    ) -> BoxFuture<'a, Result<Option<(String, i64)>, StoreError>>;
    /// Deletes one transaction.
    fn delete_transaction<'a>(
        &'a self,
        portfolio_id: &'a str,
        seq: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    // --- jobs ----------------------------------------------------------------------------------
    /// Inserts a job (`started_at` is also its first heartbeat).
    fn create_job<'a>(&'a self, j: &'a JobRec) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The job with this id, with its request and result (any owner: callers check the owner).
    fn job<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<JobRec>, StoreError>>;
    /// A user's jobs by creation time, optionally of one status, without request and result.
    fn jobs_of<'a>(
        &'a self,
        user_id: &'a str,
        status: Option<&'a str>,
        descending: bool,
        limit: i64,
        offset: i64,
    ) -> BoxFuture<'a, Result<Vec<JobRec>, StoreError>>;
    /// How many of a user's jobs are queued or running.
    fn active_jobs<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<i64, StoreError>>;
    /// Claims the oldest queued job of `queue` for `worker` (queued to running, exclusive).
    fn claim_job<'a>(
        &'a self,
        queue: &'a str,
        worker: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<Option<JobRec>, StoreError>>;
    /// Records that a running job is alive, with its progress; false if it is no longer running.
    fn job_heartbeat<'a>(
        &'a self,
        id: &'a str,
        now: i64,
        progress: f64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Moves a running job to `done` (with its result) or `failed` (with its error); false if
    /// it is no longer running (it was cancelled or declared stale meanwhile).
    fn finish_job<'a>(
        &'a self,
        id: &'a str,
        status: &'a str,
        result: Option<&'a str>,
        error: Option<&'a str>,
        now: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Cancels a queued or running job; false if it had already finished.
    fn cancel_job<'a>(&'a self, id: &'a str, now: i64) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Fails every running job of `queue` whose last heartbeat is before `heartbeat_before`.
    fn fail_stale_jobs<'a>(
        &'a self,
        queue: &'a str,
        heartbeat_before: i64,
        error: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<u64, StoreError>>;
    /// The number of jobs of each status.
    fn job_counts(&self) -> BoxFuture<'_, Result<Vec<(String, i64)>, StoreError>>;

    // --- autoindex -----------------------------------------------------------------------------
    /// Inserts a strategy, or replaces its name, config, schedule and next run.
    fn put_strategy<'a>(&'a self, s: &'a StrategyRec) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The strategy with this id (any owner: callers check the owner).
    fn strategy<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<StrategyRec>, StoreError>>;
    /// A user's strategies by creation time.
    fn strategies_of<'a>(
        &'a self,
        user_id: &'a str,
        limit: i64,
        offset: i64,
    ) -> BoxFuture<'a, Result<Vec<StrategyRec>, StoreError>>;
    /// Deletes a strategy with its rebalances.
    fn delete_strategy<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Strategies whose next scheduled run is at or before `now` and not leased at `now`,
    /// most overdue first.
    fn due_strategies(
        &self,
        now: i64,
        limit: i64,
    ) -> BoxFuture<'_, Result<Vec<StrategyRec>, StoreError>>;
    /// Leases the run of a strategy due at `due` until `lease_until` if it is still due and no
    /// lease is held at `now`: true for the one caller that claimed this run.
    fn claim_strategy_run<'a>(
        &'a self,
        id: &'a str,
        due: i64,
        now: i64,
        lease_until: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Ends a claimed run: moves the next run from `due` to `next` (`next == due` hands the
    /// run back for a retry) and drops the lease, if the run is still due at `due`.
    fn end_strategy_run<'a>(
        &'a self,
        id: &'a str,
        due: i64,
        next: i64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Records a rebalance unless one with the same run key exists; true if recorded.
    fn add_rebalance<'a>(&'a self, r: &'a RebalanceRec) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// A strategy's rebalances by time.
    fn rebalances<'a>(
        &'a self,
        strategy_id: &'a str,
        descending: bool,
        limit: i64,
        offset: i64,
    ) -> BoxFuture<'a, Result<Vec<RebalanceRec>, StoreError>>;

    // --- news ----------------------------------------------------------------------------------
    /// Stores news items with their mentions in one transaction; an item whose (source,
    /// external id) is stored already is skipped. Returns how many were stored.
    fn add_news<'a>(
        &'a self,
        items: &'a [(NewsRec, Vec<NewsMention>)],
    ) -> BoxFuture<'a, Result<u64, StoreError>>;
    /// The news mentioning an instrument, published in `[from, to]`, by time.
    fn news_of<'a>(
        &'a self,
        symbol: &'a str,
        from: i64,
        to: i64,
        descending: bool,
        limit: i64,
        offset: i64,
    ) -> BoxFuture<'a, Result<Vec<(NewsRec, NewsMention)>, StoreError>>;

    // --- real time -----------------------------------------------------------------------------
    /// Inserts an alert.
    fn create_alert<'a>(&'a self, a: &'a AlertRec) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The alert with this id.
    fn alert<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<AlertRec>, StoreError>>;
    /// A user's alerts (every user's with `None`), by creation time.
    fn alerts_of<'a>(
        &'a self,
        user_id: Option<&'a str>,
        limit: i64,
        offset: i64,
    ) -> BoxFuture<'a, Result<Vec<AlertRec>, StoreError>>;
    /// Deletes an alert with its events.
    fn delete_alert<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// A user's fired alert events (of one alert, when given), by event time.
    fn alert_events<'a>(
        &'a self,
        user_id: &'a str,
        alert_id: Option<&'a str>,
        limit: i64,
        offset: i64,
    ) -> BoxFuture<'a, Result<Vec<AlertEventRec>, StoreError>>;
    /// Writes one quote ingest (bars, alert sides, events) in one transaction.
    fn rt_commit<'a>(&'a self, c: &'a RtCommit) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The alerts on `symbol` stored with this `interval` column (sentiment alerts: `news`).
    fn alerts_on<'a>(
        &'a self,
        symbol: &'a str,
        interval: &'a str,
    ) -> BoxFuture<'a, Result<Vec<AlertRec>, StoreError>>;
    /// Moves an alert from side `prev` to `next` and records `event` (a firing), in one
    /// transaction, only if its stored side is still `prev`; false when another evaluation
    /// (another instance) moved it first.
    fn alert_side_if<'a>(
        &'a self,
        id: &'a str,
        prev: i64,
        next: i64,
        event: Option<&'a AlertEventRec>,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file `sextant.db` in this directory (created with its directory if missing).
    SqliteDir(PathBuf),
    /// A database URL: `postgres://...`, `postgresql://...` or `sqlite:...`.
    Url(String),
}

/// Opens (and migrates) the configured database.
pub async fn connect(db: &Database) -> Result<Arc<dyn Store>, StoreError> {
    match db {
        Database::SqliteDir(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|source| StoreError::DataDir { path: dir.clone(), source })?;
            let opts = SqliteConnectOptions::new().filename(dir.join("sextant.db"));
            Ok(Arc::new(SqliteStore::open(opts).await?))
        }
        Database::Url(url)
            if url.starts_with("postgres://") || url.starts_with("postgresql://") =>
        {
            Ok(Arc::new(PgStore::open(url).await?))
        }
        Database::Url(url) if url.starts_with("sqlite:") => {
            let opts = SqliteConnectOptions::from_str(url)?;
            Ok(Arc::new(SqliteStore::open(opts).await?))
        }
        Database::Url(url) => Err(StoreError::UnsupportedUrl(redact(url))),
    }
}

/// The URL without its password, for messages and logs.
#[must_use]
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &userinfo[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The SQLite implementation.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens the file (creating it), switches to WAL and applies `migrations/sqlite`.
    pub async fn open(opts: SqliteConnectOptions) -> Result<Self, StoreError> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a transaction acknowledged to a client survives a power cut, not only kill -9.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            // 64 MiB of page cache per connection (the default is 2 MiB): the live ingest
            // updates alerts and inserts events all over their indexes, and a page read back
            // from the file costs a system call (allocated as used, not up front)
            .pragma("cache_size", "-65536")
            // a checkpoint every 8,192 WAL pages (32 MiB) instead of 1,000: the live ingest
            // rewrites the same pages (alert sides, forming candles) in every commit, and a
            // checkpoint writes each page once however often the WAL holds it
            .pragma("wal_autocheckpoint", "8192")
            // bulk upserts are long statements: slow ones are logged at debug, not warn
            .log_slow_statements(log::LevelFilter::Debug, Duration::from_secs(1));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// SQLite's `bars` is one table: there are no partitions to create.
    #[allow(clippy::unused_async)]
    pub(crate) async fn ensure_bar_partitions(
        &self,
        _ts: impl Iterator<Item = i64>,
    ) -> Result<(), StoreError> {
        Ok(())
    }

    /// Bar upserts in one transaction as statements of [`market::SQLITE_BAR_CHUNK`] rows: every
    /// full chunk reuses one prepared statement.
    async fn upsert_bars_impl(
        &self,
        symbol: &str,
        interval: &str,
        bars: &[Bar],
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut written = 0;
        let full = market::upsert_sql(market::SQLITE_BAR_CHUNK);
        for chunk in bars.chunks(market::SQLITE_BAR_CHUNK) {
            let tail;
            let sql = if chunk.len() == market::SQLITE_BAR_CHUNK {
                &full
            } else {
                tail = market::upsert_sql(chunk.len());
                &tail
            };
            let mut q = sqlx::query(sql).bind(symbol).bind(interval);
            for b in chunk {
                q = q.bind(b.ts).bind(b.open).bind(b.high).bind(b.low).bind(b.close).bind(b.volume);
            }
            written += q.execute(&mut *tx).await?.rows_affected();
        }
        if written > 0 {
            sqlx::query(market::BUMP_BARS_VERSION).bind(symbol).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(written)
    }
}

fn row_to_response(row: &impl RowLike) -> Result<StoredResponse, sqlx::Error> {
    row.to_response()
}

/// Decodes a stored row on either backend.
trait RowLike {
    fn to_response(&self) -> Result<StoredResponse, sqlx::Error>;
}

impl RowLike for sqlx::sqlite::SqliteRow {
    fn to_response(&self) -> Result<StoredResponse, sqlx::Error> {
        let status: i64 = self.try_get("status")?;
        Ok(StoredResponse {
            key: self.try_get("key")?,
            fingerprint: self.try_get("fingerprint")?,
            status: u16::try_from(status).unwrap_or(500),
            body: self.try_get("body")?,
            created_at: self.try_get("created_at")?,
        })
    }
}

impl RowLike for sqlx::postgres::PgRow {
    fn to_response(&self) -> Result<StoredResponse, sqlx::Error> {
        let status: i16 = self.try_get("status")?;
        Ok(StoredResponse {
            key: self.try_get("key")?,
            fingerprint: self.try_get("fingerprint")?,
            status: u16::try_from(status).unwrap_or(500),
            body: self.try_get("body")?,
            created_at: self.try_get("created_at")?,
        })
    }
}

const SELECT: &str = "SELECT key, fingerprint, status, body, created_at FROM idempotency_keys";

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        })
    }
    fn get_response<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredResponse>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("{SELECT} WHERE key = ?1"))
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
            Ok(row.as_ref().map(row_to_response).transpose()?)
        })
    }
    fn put_response<'a>(
        &'a self,
        rec: &'a StoredResponse,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let done = sqlx::query(
                "INSERT INTO idempotency_keys (key, fingerprint, status, body, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key) DO NOTHING",
            )
            .bind(&rec.key)
            .bind(&rec.fingerprint)
            .bind(i64::from(rec.status))
            .bind(&rec.body)
            .bind(rec.created_at)
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }
    fn purge_responses(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?1")
                .bind(before)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected())
        })
    }
    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.pool.close())
    }
    account_methods!();
    market_methods!();
    jobs_methods!();
    autoindex_methods!();
    news_methods!();
    realtime_methods!();
}

/// The PostgreSQL implementation.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Months (see [`market::month_partition`]) whose `bars` partition is known to exist.
    bar_months: Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
}

impl PgStore {
    /// Connects and applies `migrations/postgres`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let opts = sqlx::postgres::PgConnectOptions::from_str(url)?
            .log_slow_statements(log::LevelFilter::Debug, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(opts)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool, bar_months: Arc::default() })
    }

    /// The look-up of an instrument row (`$1` the symbol) by a transaction that writes its
    /// bars, with the lock a foreign key check takes, so the instrument is not deleted
    /// meanwhile (migration 0020 replaced the per-row foreign key).
    const LOCK_INSTRUMENT: &'static str =
        "SELECT 1 FROM instruments WHERE symbol = $1 FOR KEY SHARE";

    /// Creates the monthly `bars` partitions (migration 0020) that the times `ts` fall in and
    /// that do not exist yet. Each runs as its own short statement, before the transaction that
    /// writes the bars, so the lock it takes on `bars` is not held during the write. Another
    /// instance creating the same partition at the same moment is not an error.
    pub(crate) async fn ensure_bar_partitions(
        &self,
        ts: impl Iterator<Item = i64>,
    ) -> Result<(), StoreError> {
        let mut need = std::collections::BTreeSet::new();
        {
            let known = self.bar_months.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for t in ts {
                let month = market::month_index(t);
                if !known.contains(&month) {
                    need.insert(month);
                }
            }
        }
        for month in need {
            let (name, lo, hi) = market::month_partition(month)?;
            let sql = format!(
                "CREATE TABLE IF NOT EXISTS {name} PARTITION OF bars FOR VALUES FROM ({lo}) TO ({hi})"
            );
            match sqlx::query(&sql).execute(&self.pool).await {
                Ok(_) => {}
                // created by a concurrent writer: duplicate_table, or the catalog's unique index
                Err(sqlx::Error::Database(e))
                    if matches!(e.code().as_deref(), Some("42P07" | "23505")) => {}
                Err(e) => return Err(e.into()),
            }
            self.bar_months.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(month);
        }
        Ok(())
    }

    /// Bar upserts in one transaction, [`market::PG_BAR_CHUNK`] rows per statement bound as
    /// one array per column (`UNNEST`).
    ///
    /// The instrument row is locked once (`FOR KEY SHARE`, what a foreign key check takes per
    /// row). Bars whose time is not stored yet go in with a plain `INSERT`, which costs half of
    /// an `INSERT ... ON CONFLICT`; the others through the upsert, which rewrites only changed
    /// bars. A bar inserted by a concurrent writer between the look-up and the insert makes the
    /// plain insert fail with a unique violation: the batch is then retried as one upsert.
    async fn upsert_bars_impl(
        &self,
        symbol: &str,
        interval: &str,
        bars: &[Bar],
    ) -> Result<u64, StoreError> {
        if bars.is_empty() {
            return Ok(0);
        }
        self.ensure_bar_partitions(bars.iter().map(|b| b.ts)).await?;
        match self.write_bars(symbol, interval, bars, true).await {
            Err(StoreError::Database(sqlx::Error::Database(e)))
                if e.code().as_deref() == Some("23505") =>
            {
                self.write_bars(symbol, interval, bars, false).await
            }
            other => other,
        }
    }

    async fn write_bars(
        &self,
        symbol: &str,
        interval: &str,
        bars: &[Bar],
        split_new: bool,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(Self::LOCK_INSTRUMENT)
            .bind(symbol)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?;
        let (lo, hi) =
            bars.iter().fold((i64::MAX, i64::MIN), |(lo, hi), b| (lo.min(b.ts), hi.max(b.ts)));
        let mut written = 0;
        if split_new {
            let stored: std::collections::HashSet<i64> = sqlx::query_scalar(
                "SELECT ts FROM bars WHERE symbol = $1 AND freq = $2 AND ts >= $3 AND ts <= $4",
            )
            .bind(symbol)
            .bind(interval)
            .bind(lo)
            .bind(hi)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
            let (fresh, known): (Vec<Bar>, Vec<Bar>) =
                bars.iter().partition(|b| !stored.contains(&b.ts));
            let insert = market::insert_sql_pg(false);
            written += pg_bar_rows(&mut tx, symbol, interval, &fresh, &insert, None).await?;
            let update = market::UPDATE_SQL_PG;
            written +=
                pg_bar_rows(&mut tx, symbol, interval, &known, update, Some((lo, hi))).await?;
        } else {
            let upsert = market::insert_sql_pg(true);
            written += pg_bar_rows(&mut tx, symbol, interval, bars, &upsert, None).await?;
        }
        if written > 0 {
            sqlx::query(market::BUMP_BARS_VERSION).bind(symbol).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(written)
    }
}

/// Runs one of the PostgreSQL bar statements ([`market::insert_sql_pg`],
/// [`market::UPDATE_SQL_PG`]) over `rows` in chunks of [`market::PG_BAR_CHUNK`], each column
/// bound as one array; `range` binds the batch's first and last time as `$9`, `$10`.
async fn pg_bar_rows(
    conn: &mut sqlx::PgConnection,
    symbol: &str,
    interval: &str,
    rows: &[Bar],
    sql: &str,
    range: Option<(i64, i64)>,
) -> Result<u64, sqlx::Error> {
    let mut n = 0;
    for chunk in rows.chunks(market::PG_BAR_CHUNK) {
        let col = |f: fn(&Bar) -> f64| chunk.iter().map(f).collect::<Vec<f64>>();
        let mut q = sqlx::query(sql)
            .bind(symbol)
            .bind(interval)
            .bind(chunk.iter().map(|b| b.ts).collect::<Vec<i64>>())
            .bind(col(|b| b.open))
            .bind(col(|b| b.high))
            .bind(col(|b| b.low))
            .bind(col(|b| b.close))
            .bind(col(|b| b.volume));
        if let Some((lo, hi)) = range {
            q = q.bind(lo).bind(hi);
        }
        n += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(n)
}

impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }
    fn shared_limiter(&self) -> Option<Arc<dyn crate::ratelimit::RateLimiter>> {
        Some(Arc::new(crate::ratelimit::PgLimiter::new(self.pool.clone())))
    }
    fn pg_pool(&self) -> Option<PgPool> {
        Some(self.pool.clone())
    }
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        })
    }
    fn get_response<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredResponse>, StoreError>> {
        Box::pin(async move {
            let row = sqlx::query(&format!("{SELECT} WHERE key = $1"))
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
            Ok(row.as_ref().map(row_to_response).transpose()?)
        })
    }
    fn put_response<'a>(
        &'a self,
        rec: &'a StoredResponse,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let status = i16::try_from(rec.status).unwrap_or(i16::MAX);
            let done = sqlx::query(
                "INSERT INTO idempotency_keys (key, fingerprint, status, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING",
            )
            .bind(&rec.key)
            .bind(&rec.fingerprint)
            .bind(status)
            .bind(&rec.body)
            .bind(rec.created_at)
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }
    fn purge_responses(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected())
        })
    }
    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.pool.close())
    }
    account_methods!();
    market_methods!();
    jobs_methods!();
    autoindex_methods!();
    news_methods!();
    realtime_methods!();
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_password() {
        assert_eq!(redact("postgres://u:secret@h:5/db"), "postgres://u:***@h:5/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
