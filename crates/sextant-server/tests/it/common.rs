use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::Value as Json;
use sextant_server::mailer::MemoryMailer;
use sextant_server::ratelimit::RateLimits;
use sextant_server::{connect, router, Database, Options, Store};

pub(crate) struct TestServer {
    pub(crate) base: String,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) client: reqwest::Client,
    pub(crate) mailer: Arc<MemoryMailer>,
    pub(crate) options: Options,
    _dir: Option<tempfile::TempDir>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The database the suite runs on.
pub(crate) fn database() -> (Database, Option<tempfile::TempDir>) {
    match std::env::var("SEXTANT_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => (Database::Url(url), None),
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            (Database::SqliteDir(dir.path().to_owned()), Some(dir))
        }
    }
}

/// A server whose rate limits are high enough not to interfere (suites that send hundreds of
/// requests); the rate-limit tests pass their own limits to [`start_with`].
pub(crate) async fn start() -> TestServer {
    let mut options = Options::default();
    options.auth.rate_limits = RateLimits::default().scaled(1000.0);
    start_with(options).await
}

/// A server with these options; its mail goes to [`TestServer::mailer`].
pub(crate) async fn start_with(options: Options) -> TestServer {
    let (db, dir) = database();
    let store = connect(&db).await.expect("database");
    start_on(store, dir, options).await
}

/// A server over an open store (a second server on the same database: a restart, or another
/// instance). `dir` keeps a temporary SQLite directory alive.
pub(crate) async fn start_on(
    store: Arc<dyn Store>,
    dir: Option<tempfile::TempDir>,
    mut options: Options,
) -> TestServer {
    init_logs();
    // On PostgreSQL the suite's tests share one database: a test's scheduler would claim other
    // tests' due strategies. Only the servers of tests that set a tick of their own run one.
    if options.scheduler_tick == Options::default().scheduler_tick {
        options.scheduler_tick = None;
    }
    let mailer = Arc::new(MemoryMailer::default());
    options.auth.mailer = mailer.clone();
    let app = router(store.clone(), options.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .expect("serve");
    });
    TestServer {
        base: format!("http://{addr}"),
        store,
        client: reqwest::Client::new(),
        mailer,
        options,
        _dir: dir,
        task,
    }
}

/// The servers' warnings go to the test's captured output (printed when the test fails);
/// `SEXTANT_TEST_LOG` sets another filter, e.g. `sextant_server=debug`.
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SEXTANT_TEST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // Only the first call of the process installs it; the later ones are no-ops.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

/// A key no other test (or earlier run on the same PostgreSQL database) has used.
pub(crate) fn unique_key(tag: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{tag}-{}-{nanos}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

impl TestServer {
    /// Stops serving (a crash: the listener task is aborted; the store stays open).
    pub(crate) fn halt(&self) {
        self.task.abort();
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) async fn post_json(&self, path: &str, body: &Json) -> (u16, Json) {
        let res = self.client.post(self.url(path)).json(body).send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, Json) {
        let res = self.client.get(self.url(path)).send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
    }
}

/// Asserts a JSON error body with this code (and parameter, when given).
pub(crate) fn assert_error(
    status: u16,
    body: &Json,
    want_status: u16,
    code: &str,
    param: Option<&str>,
) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    if let Some(p) = param {
        assert_eq!(body["error"]["parameter"], p, "{body}");
    }
}
