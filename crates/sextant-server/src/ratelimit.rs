//! Rate limits: token buckets per key (`ip:...`, `user:...`, `auth-ip:...`) behind the
//! [`RateLimiter`] trait. The built-in [`InProcessLimiter`] keeps the buckets in memory, which is
//! right for one server process; several instances need a shared implementation (issue #18)
//! behind the same trait.

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
