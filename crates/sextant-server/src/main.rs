//! `sextant-server`: serves every declared Sextant function over HTTP (see the crate docs).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use sextant_server::auth::Secret;
use sextant_server::ratelimit::RateLimits;
use sextant_server::{connect, provider, router, store, AuthOptions, Database, Options};
use tracing_subscriber::EnvFilter;

/// Sextant's reference server.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "SEXTANT_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Directory of the embedded SQLite database (`sextant.db`), created if missing. Unused
    /// when a database URL is given.
    #[arg(long, env = "SEXTANT_DATA_DIR", default_value = "sextant-data")]
    data_dir: PathBuf,
    /// Database URL: `postgres://user@host:port/db` for PostgreSQL, `sqlite:path` for another
    /// SQLite file. Default: the SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// Largest accepted request body in bytes (413 above).
    #[arg(long, env = "SEXTANT_BODY_LIMIT", default_value_t = 16 * 1024 * 1024)]
    body_limit: usize,
    /// Seconds a response stored under an Idempotency-Key is kept.
    #[arg(long, env = "SEXTANT_IDEMPOTENCY_TTL", default_value_t = 24 * 3600)]
    idempotency_ttl: u64,
    /// Secret that signs the access tokens (HS256), at least 32 bytes. Without it a random one
    /// is drawn at start and every token dies with the process.
    #[arg(long, env = "SEXTANT_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// Lifetime of an access token in seconds (60 to 86,400; refresh tokens are unaffected).
    #[arg(long, env = "SEXTANT_ACCESS_TOKEN_TTL", default_value_t = sextant_server::auth::ACCESS_TTL)]
    access_token_ttl: i64,
    /// Multiplies every rate limit (requests per minute by tier; docs/accounts.md).
    #[arg(long, env = "SEXTANT_RATE_LIMIT_SCALE", default_value_t = 1.0)]
    rate_limit_scale: f64,
    /// Take the client address from X-Forwarded-For: only behind a proxy that sets it.
    #[arg(long, env = "SEXTANT_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
    /// Give this registered account the admin tier at start (recorded in the audit log).
    #[arg(long, env = "SEXTANT_GRANT_ADMIN")]
    grant_admin: Option<String>,
    /// Load the demo market data at start (MSFT, S&P 500, NASDAQ Composite daily bars; see
    /// docs/platform.md). Loading is an upsert: running with it every time changes nothing.
    #[arg(long, env = "SEXTANT_DEMO")]
    demo: bool,
    /// Replay a directory of market data at start (`instruments.json`, `SYMBOL.INTERVAL.csv`).
    #[arg(long, env = "SEXTANT_REPLAY_DIR")]
    replay_dir: Option<PathBuf>,
    /// Background job workers in this process (0: accept jobs, let other instances run them).
    #[arg(long, env = "SEXTANT_JOB_WORKERS", default_value_t = 2)]
    job_workers: usize,
    /// Bearer token that `GET /metrics` requires (unset: /metrics is open, like /health).
    #[arg(long, env = "SEXTANT_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Intervals of the live candles built from quotes, comma-separated (docs/realtime.md).
    #[arg(long, env = "SEXTANT_LIVE_INTERVALS", default_value = "1m")]
    live_intervals: String,
    /// At most one quote event per instrument per this many milliseconds on the streams.
    #[arg(long, env = "SEXTANT_QUOTE_THROTTLE_MS", default_value_t = 0)]
    quote_throttle_ms: u64,
    /// Replay a CSV file of quotes (`symbol,ts,price[,volume]`) through the live ingest once the
    /// server runs, in the background (docs/realtime.md).
    #[arg(long, env = "SEXTANT_REPLAY_QUOTES")]
    replay_quotes: Option<PathBuf>,
    /// Speed of `--replay-quotes`: `max` (as fast as possible) or a factor (1 = real time).
    #[arg(long, env = "SEXTANT_REPLAY_SPEED", default_value = "1")]
    replay_speed: String,
    /// This instance's name in the real-time fan-out across instances on one PostgreSQL
    /// (`GET /ready`, `pg_stat_activity`): up to 24 letters, digits, dashes, underscores or dots
    #[arg(long, env = "SEXTANT_INSTANCE_NAME")]
    instance_name: Option<String>,
    /// Run no AutoIndex scheduler on this instance (other instances on the same database run
    /// the scheduled rebalances).
    #[arg(long, env = "SEXTANT_NO_SCHEDULER")]
    no_scheduler: bool,
    /// Turn off the real-time fan-out across instances (PostgreSQL LISTEN/NOTIFY).
    #[arg(long, env = "SEXTANT_NO_FANOUT")]
    no_fanout: bool,
    /// Directory of the built web app served at `/` (docs/web.md). Default: `web/dist` when it
    /// holds an `index.html`, else none (`/` redirects to /docs/). An empty value: none.
    #[arg(long, env = "SEXTANT_WEB_DIR")]
    web_dir: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_current_span(true)
        .with_span_list(false)
        .init();

    let db = match args.database_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => Database::Url(url.to_owned()),
        None => Database::SqliteDir(args.data_dir.clone()),
    };
    let where_ = match &db {
        Database::SqliteDir(dir) => dir.join("sextant.db").display().to_string(),
        Database::Url(url) => store::redact(url),
    };
    let store = connect(&db).await.with_context(|| format!("opening the database {where_}"))?;
    let ttl = Duration::from_secs(args.idempotency_ttl);
    let purged = store.purge_responses(cutoff(ttl)).await?;
    tracing::info!(database = store.backend(), location = %where_, purged, "database ready");
    // Expired idempotency records are deleted hourly (and on start).
    let purger = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(3600));
            every.tick().await;
            loop {
                every.tick().await;
                match store.purge_responses(cutoff(ttl)).await {
                    Ok(n) => tracing::info!(purged = n, "expired idempotency records deleted"),
                    Err(e) => tracing::warn!(error = %e, "purging idempotency records failed"),
                }
            }
        })
    };

    let secret = match args.jwt_secret.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Secret::new(s.as_bytes().to_vec())
            .context("SEXTANT_JWT_SECRET must be at least 32 bytes")?,
        None => {
            tracing::warn!("no SEXTANT_JWT_SECRET: a random token key is used for this run");
            Secret::random()
        }
    };
    if !(60..=86_400).contains(&args.access_token_ttl) {
        anyhow::bail!("--access-token-ttl must be between 60 and 86400 seconds");
    }
    if !(args.rate_limit_scale.is_finite() && args.rate_limit_scale > 0.0) {
        anyhow::bail!("--rate-limit-scale must be a positive number");
    }
    if let Some(email) = args.grant_admin.as_deref() {
        match sextant_server::accounts::grant_admin(&store, email).await {
            Ok(true) => tracing::info!(email, "admin tier granted"),
            Ok(false) => tracing::warn!(email, "--grant-admin: no account with this address"),
            Err(e) => anyhow::bail!("--grant-admin: {e}"),
        }
    }
    if args.demo {
        let r = provider::load(&store, &provider::FileReplay::demo()).await.context("--demo")?;
        tracing::info!(
            instruments_created = r.instruments_created,
            bars_read = r.bars_read,
            bars_written = r.bars_written,
            "demo market data loaded"
        );
    }
    if let Some(dir) = args.replay_dir.as_deref().filter(|d| !d.as_os_str().is_empty()) {
        let replay = provider::FileReplay::from_dir(dir).context("--replay-dir")?;
        let r = provider::load(&store, &replay).await.context("--replay-dir")?;
        tracing::info!(dir = %dir.display(), instruments_created = r.instruments_created,
            bars_read = r.bars_read, bars_written = r.bars_written, "market data replayed");
    }
    let auth = AuthOptions {
        secret,
        rate_limits: RateLimits::default().scaled(args.rate_limit_scale),
        trust_forwarded_for: args.trust_forwarded_for,
        access_ttl: args.access_token_ttl,
        ..AuthOptions::default()
    };
    let jobs = sextant_server::jobs::JobOptions {
        workers: args.job_workers,
        ..sextant_server::jobs::JobOptions::default()
    };
    let options = Options {
        body_limit: args.body_limit,
        idempotency_ttl: ttl,
        auth,
        jobs,
        metrics_token: args.metrics_token.filter(|t| !t.is_empty()),
        scheduler_tick: (!args.no_scheduler).then_some(Duration::from_secs(30)),
        scheduler_lease: Duration::from_secs(600),
        realtime: sextant_server::realtime::RealtimeOptions {
            intervals: args
                .live_intervals
                .split(',')
                .map(|s| sextant_server::market::Interval::parse("live-intervals", s.trim()))
                .collect::<Result<_, _>>()
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            quote_throttle: Duration::from_millis(args.quote_throttle_ms),
            replay: match args.replay_quotes.filter(|p| !p.as_os_str().is_empty()) {
                Some(path) => Some(sextant_server::realtime::replay::ReplaySource {
                    path,
                    speed: sextant_server::realtime::replay::Speed::parse(&args.replay_speed)
                        .map_err(|e| anyhow::anyhow!("--replay-speed: {e}"))?,
                }),
                None => None,
            },
            fanout: !args.no_fanout,
            instance: args.instance_name.filter(|n| !n.is_empty()),
            ..sextant_server::realtime::RealtimeOptions::default()
        },
        web_dir: match args.web_dir {
            Some(d) if d.as_os_str().is_empty() => None,
            Some(d) => Some(d),
            None => Some(PathBuf::from("web/dist")).filter(|d| d.join("index.html").is_file()),
        },
    };
    let app = router(store.clone(), options);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, docs = %format!("http://{addr}/docs/"), "listening");
    // no Nagle delay: live events are small frames that should leave at once
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    purger.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Unix seconds before which stored idempotent responses have expired.
fn cutoff(ttl: Duration) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(now.saturating_sub(ttl.as_secs())).unwrap_or(0)
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the process exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!(signal = "SIGINT", "shutting down"),
        () = term => tracing::info!(signal = "SIGTERM", "shutting down"),
    }
}
