//! # sextant-server
//!
//! Sextant's reference HTTP server: a thin adapter over `sextant-core`. Every declared function
//! is `POST /v1/{module}/{name}` with a JSON body `{"inputs": {...}, "params": {...}}`; the
//! routes, the OpenAPI 3.1 document (`/openapi.json`) and the Swagger UI (`/docs/`) are derived
//! from [`sextant_core::registry::REGISTRY`]. Storage is an embedded SQLite file by default or
//! PostgreSQL, behind one [`store::Store`] trait.
//!
//! ## Quick start
//! ```text
//! cargo run --release -p sextant-server            # http://127.0.0.1:8080/docs/
//! curl -s localhost:8080/v1/ta/SMA -H 'content-type: application/json' \
//!      -d '{"inputs": {"real": [1, 2, 3, 4]}, "params": {"timeperiod": 2}}'
//! ```
//!
//! ## Errors
//! One [`error::ApiError`] maps to HTTP: 422 with the core's code and the parameter at fault for
//! bad inputs or parameters, 400 for malformed JSON, 415 for a missing JSON content type, 404
//! for unknown functions, 413 above the body limit, 409 for a reused idempotency key, 401 for
//! missing or bad credentials, 403 for a tier that may not use a route, 429 with `Retry-After`
//! above a rate limit or for a locked account. The body is always
//! `{"error": {"code", "message", "parameter"}}`.
//!
//! ## Accounts
//! Registration, sign-in with argon2id passwords, HS256 access tokens with rotating refresh
//! tokens, TOTP two-factor authentication, tiers, rate limits and an append-only audit log with
//! GDPR export and erasure: [`accounts`], [`auth`], [`ratelimit`], [`mailer`] and
//! docs/accounts.md. The analytics routes stay open to anonymous callers (rate limited per
//! client address).
//!
//! ## Market data and portfolios
//! Instruments, OHLCV bars (bulk upserts from JSON or CSV, range queries, resampling, split and
//! dividend adjustment, quotes), corporate actions, any declared function over stored bars,
//! market-data providers with a built-in file replay and demo dataset (`--demo`), and per-user
//! portfolios booked through the core ledger (CSV imports, holdings, performance, risk):
//! [`market`], [`portfolios`], [`provider`] and docs/platform.md.
//!
//! ## Jobs, AutoIndex, metrics
//! Any declared function as a background job with status, result and cancel, stored so that it
//! survives a restart ([`jobs`]); per-user AutoIndex strategies with backtests over stored bars,
//! simulation and rebalances on demand or on a persisted schedule ([`autoindex`]); Prometheus
//! `GET /metrics` on the app's own listener ([`metrics`]); news items scored and tagged with
//! the instruments they mention by the core's sentiment code ([`news`]). See docs/platform.md.
//!
//! ## Real time
//! Live quotes (`POST /v1/quotes` or the WebSocket) update the forming candle per instrument and
//! interval in place; streaming indicator states built from the declarations follow every
//! update; alerts (`/v1/alerts`) are evaluated incrementally and fire once per crossing; per-user
//! live streams on `GET /v1/stream` with bounded queues and close codes: [`realtime`] and
//! docs/realtime.md.
//!
//! ## NaN
//! NaN travels as JSON `null` in both directions; the infinities as `"Infinity"` and
//! `"-Infinity"`.
//!
//! ## Feature flags
//! None.

pub mod accounts;
pub mod app;
pub mod auth;
pub mod autoindex;
pub mod convert;
pub mod csv;
pub mod error;
pub mod jobs;
pub mod mailer;
pub mod market;
pub mod metrics;
pub mod news;
pub mod openapi;
pub mod openapi_platform;
pub mod portfolios;
pub mod provider;
pub mod ratelimit;
pub mod realtime;
pub mod store;

pub use app::{router, AuthOptions, Options};
pub use error::ApiError;
pub use store::{connect, Database, Store, StoreError};
