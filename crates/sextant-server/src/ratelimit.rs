//! Rate limits: token buckets per key (`ip:...`, `user:...`, `auth-ip:...`) behind the
//! [`RateLimiter`] trait. [`InProcessLimiter`] keeps the buckets in memory, which is right for
//! one server process (SQLite). [`PgLimiter`] keeps them in PostgreSQL's `rate_limits` table,
//! one atomic upsert per check, so every instance on one database spends the same buckets
//! (issue #18); the router uses it on PostgreSQL unless
//! [`crate::AuthOptions::shared_rate_limits`] is off.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::store::BoxFuture;

/// Requests per minute by caller class. A bucket holds a minute's worth and refills evenly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Anonymous callers, per client address.
    pub anonymous: u32,
    /// Per user of the explorer tier.
    pub explorer: u32,
    /// Per user of the pro tier.
    pub pro: u32,
    /// Per user of the enterprise tier.
    pub enterprise: u32,
    /// Per user of the admin tier.
    pub admin: u32,
    /// Per client address for signed-in callers (all users behind one address together).
    pub per_ip_signed_in: u32,
    /// Per client address on the credential routes (register, login, refresh, verification,
    /// password reset), on top of the above: slows credential stuffing.
    pub auth_per_ip: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            anonymous: 60,
            explorer: 120,
            pro: 600,
            enterprise: 3000,
            admin: 6000,
            per_ip_signed_in: 6000,
            auth_per_ip: 20,
        }
    }
}

impl RateLimits {
    /// Every limit multiplied by `factor` (at least 1 per minute).
    #[must_use]
    pub fn scaled(self, factor: f64) -> Self {
        let f = |v: u32| {
            let x = (f64::from(v) * factor).round();
            if x >= f64::from(u32::MAX) {
                u32::MAX
            } else if x >= 1.0 {
                x as u32
            } else {
                1
            }
        };
        Self {
            anonymous: f(self.anonymous),
            explorer: f(self.explorer),
            pro: f(self.pro),
            enterprise: f(self.enterprise),
            admin: f(self.admin),
            per_ip_signed_in: f(self.per_ip_signed_in),
            auth_per_ip: f(self.auth_per_ip),
        }
    }

    /// The per-user limit of a tier.
    #[must_use]
    pub fn for_tier(&self, tier: &str) -> u32 {
        match tier {
            "pro" => self.pro,
            "enterprise" => self.enterprise,
            "admin" => self.admin,
            _ => self.explorer,
        }
    }
}

/// Takes one request from a key's bucket.
pub trait RateLimiter: Send + Sync + 'static {
    /// `Ok` when `key` (limited to `per_minute`) may proceed; otherwise the seconds until it may
    /// (the `Retry-After` value, at least 1).
    fn check<'a>(&'a self, key: &'a str, per_minute: u32) -> BoxFuture<'a, Result<(), u64>>;
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets in this process's memory.
#[derive(Debug, Default)]
pub struct InProcessLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Above this many keys, full buckets are dropped (they carry no information).
const MAX_KEYS: usize = 100_000;

impl InProcessLimiter {
    /// An empty limiter.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The decision at `now` (exposed for deterministic tests).
    pub fn check_at(&self, key: &str, per_minute: u32, now: Instant) -> Result<(), u64> {
        let cap = f64::from(per_minute.max(1));
        let rate = cap / 60.0;
        let mut map = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > MAX_KEYS {
            map.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < cap
            });
        }
        let b = map.entry(key.to_owned()).or_insert(Bucket { tokens: cap, at: now });
        let refill = now.saturating_duration_since(b.at).as_secs_f64() * rate;
        b.tokens = (b.tokens + refill).min(cap);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - b.tokens) / rate).ceil();
            Err(if wait >= 1.0 { wait as u64 } else { 1 })
        }
    }
}

impl RateLimiter for InProcessLimiter {
    fn check<'a>(&'a self, key: &'a str, per_minute: u32) -> BoxFuture<'a, Result<(), u64>> {
        Box::pin(async move { self.check_at(key, per_minute, Instant::now()) })
    }
}

/// Token buckets in PostgreSQL, shared by every instance on the database. One statement per
/// check: an `INSERT ... ON CONFLICT DO UPDATE` refills the bucket from the database clock,
/// takes a token when there is one and returns what it decided; the row lock makes concurrent
/// checks from several instances serialise on the key. Rows idle for a minute (full buckets)
/// are deleted every [`PgLimiter::PRUNE_EVERY`] checks.
#[derive(Debug)]
pub struct PgLimiter {
    pool: sqlx::PgPool,
    calls: std::sync::atomic::AtomicU64,
}

/// `$1` key, `$2` bucket size (requests per minute).
const PG_TAKE: &str = "\
WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) \
INSERT INTO rate_limits AS r (key, tokens, at_ms, granted) \
SELECT $1, $2 - 1, now.ms, true FROM now \
ON CONFLICT (key) DO UPDATE SET \
  tokens = CASE WHEN least($2, r.tokens + greatest(excluded.at_ms - r.at_ms, 0) * $2 / 60000.0) >= 1 \
    THEN least($2, r.tokens + greatest(excluded.at_ms - r.at_ms, 0) * $2 / 60000.0) - 1 \
    ELSE least($2, r.tokens + greatest(excluded.at_ms - r.at_ms, 0) * $2 / 60000.0) END, \
  granted = least($2, r.tokens + greatest(excluded.at_ms - r.at_ms, 0) * $2 / 60000.0) >= 1, \
  at_ms = greatest(r.at_ms, excluded.at_ms) \
RETURNING tokens, granted";

impl PgLimiter {
    /// Checks between two deletions of idle rows.
    pub const PRUNE_EVERY: u64 = 10_000;

    /// Buckets in `pool`'s `rate_limits` table (created by the PostgreSQL migrations).
    #[must_use]
    pub fn new(pool: sqlx::PgPool) -> Self {
        Self { pool, calls: std::sync::atomic::AtomicU64::new(0) }
    }

    async fn take(&self, key: &str, per_minute: u32) -> Result<Result<(), u64>, sqlx::Error> {
        use sqlx::Row;
        let cap = f64::from(per_minute.max(1));
        let n = self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n % Self::PRUNE_EVERY == Self::PRUNE_EVERY - 1 {
            sqlx::query(
                "DELETE FROM rate_limits WHERE at_ms < \
                 (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 60000",
            )
            .execute(&self.pool)
            .await?;
        }
        let row = sqlx::query(PG_TAKE).bind(key).bind(cap).fetch_one(&self.pool).await?;
        let tokens: f64 = row.try_get("tokens")?;
        if row.try_get::<bool, _>("granted")? {
            return Ok(Ok(()));
        }
        let wait = ((1.0 - tokens) / (cap / 60.0)).ceil();
        Ok(Err(if wait >= 1.0 { wait as u64 } else { 1 }))
    }
}

impl RateLimiter for PgLimiter {
    fn check<'a>(&'a self, key: &'a str, per_minute: u32) -> BoxFuture<'a, Result<(), u64>> {
        Box::pin(async move {
            match self.take(key, per_minute).await {
                Ok(decision) => decision,
                Err(e) => {
                    // The database is down: every request fails anyway; do not add a 429.
                    tracing::warn!(error = %e, "rate-limit check failed; letting the request through");
                    Ok(())
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_holds_a_minute_and_refills_evenly() {
        let l = InProcessLimiter::new();
        let t0 = Instant::now();
        for _ in 0..60 {
            assert_eq!(l.check_at("k", 60, t0), Ok(()));
        }
        assert_eq!(l.check_at("k", 60, t0), Err(1));
        assert_eq!(l.check_at("other", 60, t0), Ok(()));
        assert_eq!(l.check_at("k", 60, t0 + Duration::from_millis(1000)), Ok(()));
        assert_eq!(l.check_at("k", 60, t0 + Duration::from_millis(1000)), Err(1));
        // 6 per minute: one every 10 s.
        for _ in 0..6 {
            assert_eq!(l.check_at("slow", 6, t0), Ok(()));
        }
        assert_eq!(l.check_at("slow", 6, t0), Err(10));
    }

    #[test]
    fn scaling_keeps_at_least_one() {
        let r = RateLimits::default().scaled(0.0);
        assert_eq!(r.anonymous, 1);
        assert_eq!(RateLimits::default().scaled(2.0).pro, 1200);
    }
}
