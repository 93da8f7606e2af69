//! Integration tests over loopback: the router on 127.0.0.1:0, called with an HTTP client.
//! The database comes from `SEXTANT_TEST_DATABASE_URL` (e.g. a postgres:// URL); without it each
//! test gets a fresh SQLite file. scripts/stages/server.sh runs the suite on both.

mod accounts;
mod attacks;
mod autoindex;
mod binary;
mod common;
mod errors;
mod golden;
mod idempotency;
mod instances;
mod jobs;
mod market;
mod mc;
mod news;
mod portfolio_stream;
mod portfolios;
mod realtime;
mod sentiment_alerts;
mod service;
mod store;
mod web;
