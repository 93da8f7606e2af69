//! The accounts part of the [`Store`](super::Store): users, sessions, refresh and one-time
//! tokens, TOTP recovery codes and the audit log.
//!
//! Both backends run the same SQL text: `$n` placeholders are understood by PostgreSQL and by
//! sqlx's SQLite driver, flags are 0/1 integers and times unix seconds (`i64`) on both, so one
//! macro ([`account_methods`]) expands the implementation inside each backend's `impl Store`.

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Random 128-bit id (hex).
    pub id: String,
    /// Lower-cased e-mail address.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// `explorer`, `pro`, `enterprise` or `admin`.
    pub tier: String,
    /// Whether the address was confirmed with a verification token.
    pub email_verified: bool,
    /// Base32 TOTP secret, once enrolment started.
    pub totp_secret: Option<String>,
    /// Whether sign-in requires the second factor.
    pub totp_enabled: bool,
    /// The last accepted TOTP time step (a code of that step or earlier is refused).
    pub totp_last_step: i64,
    /// Consecutive failed sign-ins since the last success or lockout.
    pub failed_logins: i64,
    /// Unix seconds until which sign-in is refused (0: not locked).
    pub locked_until: i64,
    /// Unix seconds.
    pub created_at: i64,
}

/// One sign-in: the family of its rotating refresh tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Random id (hex); the access tokens carry it as `sid`.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds when revoked (logout, revoke-all, refresh-token reuse).
    pub revoked_at: Option<i64>,
    /// Client address at sign-in.
    pub ip: String,
    /// Client user agent at sign-in.
    pub user_agent: String,
}

/// A refresh token, stored by the sha256 of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// Hex sha256 of the token.
    pub hash: String,
    /// Its session (family).
    pub session_id: String,
    /// Owner.
    pub user_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// Unix seconds when it was rotated.
    pub used_at: Option<i64>,
}

/// What spending a refresh token found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spend {
    /// No such token.
    Unknown,
    /// The token was unused and is now spent (the caller still checks expiry and session).
    Fresh(RefreshToken),
    /// The token had already been spent: a reuse.
    Reused(RefreshToken),
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// Sequence number (assigned by the database).
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who: a user id, `deleted:...` after erasure, or none (anonymous).
    pub actor: Option<String>,
    /// What, e.g. `auth.login`.
    pub action: String,
    /// The object acted on (a user or session id), when there is one.
    pub target: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Further facts as a JSON object text.
    pub detail: String,
}

pub(crate) const USER_COLS: &str = "id, email, password_hash, tier, email_verified, totp_secret, \
    totp_enabled, totp_last_step, failed_logins, locked_until, created_at";
pub(crate) const SESSION_COLS: &str = "id, user_id, created_at, revoked_at, ip, user_agent";
pub(crate) const REFRESH_COLS: &str = "hash, session_id, user_id, created_at, expires_at, used_at";
pub(crate) const AUDIT_COLS: &str = "id, at, actor, action, target, ip, user_agent, detail";

macro_rules! user_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::User {
            id: r.try_get("id")?,
            email: r.try_get("email")?,
            password_hash: r.try_get("password_hash")?,
            tier: r.try_get("tier")?,
            email_verified: r.try_get::<i64, _>("email_verified")? != 0,
            totp_secret: r.try_get("totp_secret")?,
            totp_enabled: r.try_get::<i64, _>("totp_enabled")? != 0,
            totp_last_step: r.try_get("totp_last_step")?,
            failed_logins: r.try_get("failed_logins")?,
            locked_until: r.try_get("locked_until")?,
            created_at: r.try_get("created_at")?,
        })
    }};
}

macro_rules! session_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::Session {
            id: r.try_get("id")?,
            user_id: r.try_get("user_id")?,
            created_at: r.try_get("created_at")?,
            revoked_at: r.try_get("revoked_at")?,
            ip: r.try_get("ip")?,
            user_agent: r.try_get("user_agent")?,
        })
    }};
}

macro_rules! refresh_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::RefreshToken {
            hash: r.try_get("hash")?,
            session_id: r.try_get("session_id")?,
            user_id: r.try_get("user_id")?,
            created_at: r.try_get("created_at")?,
            expires_at: r.try_get("expires_at")?,
            used_at: r.try_get("used_at")?,
        })
    }};
}

macro_rules! audit_row {
    ($r:expr) => {{
        let r = $r;
        Ok::<_, sqlx::Error>($crate::store::AuditEntry {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            action: r.try_get("action")?,
            target: r.try_get("target")?,
            ip: r.try_get("ip")?,
            user_agent: r.try_get("user_agent")?,
            detail: r.try_get("detail")?,
        })
    }};
}

/// The accounts methods of [`Store`](super::Store), written once for both backends (the
/// implementing type has a `pool` field).
macro_rules! account_methods {
    () => {
        fn create_user<'a>(&'a self, u: &'a User) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(&format!(
                    "INSERT INTO users ({USER_COLS}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING"
                ))
                .bind(&u.id)
                .bind(&u.email)
                .bind(&u.password_hash)
                .bind(&u.tier)
                .bind(i64::from(u.email_verified))
                .bind(&u.totp_secret)
                .bind(i64::from(u.totp_enabled))
                .bind(u.totp_last_step)
                .bind(u.failed_logins)
                .bind(u.locked_until)
                .bind(u.created_at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn user_by_id<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<User>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map(|r| $crate::store::accounts::user_row!(r)).transpose()?)
            })
        }

        fn user_by_email<'a>(
            &'a self,
            email: &'a str,
        ) -> BoxFuture<'a, Result<Option<User>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(&format!("SELECT {USER_COLS} FROM users WHERE email = $1"))
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map(|r| $crate::store::accounts::user_row!(r)).transpose()?)
            })
        }

        fn list_users(&self, limit: i64, offset: i64) -> BoxFuture<'_, Result<Vec<User>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(&format!(
                    "SELECT {USER_COLS} FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2"
                ))
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.iter().map(|r| $crate::store::accounts::user_row!(r)).collect::<Result<Vec<_>, _>>()?)
            })
        }

        fn set_password<'a>(
            &'a self,
            user_id: &'a str,
            hash: &'a str,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = 0 \
                     WHERE id = $1",
                )
                .bind(user_id)
                .bind(hash)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn set_tier<'a>(
            &'a self,
            user_id: &'a str,
            tier: &'a str,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query("UPDATE users SET tier = $2 WHERE id = $1")
                    .bind(user_id)
                    .bind(tier)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn set_email_verified<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query("UPDATE users SET email_verified = 1 WHERE id = $1")
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn set_totp<'a>(
            &'a self,
            user_id: &'a str,
            secret: Option<&'a str>,
            enabled: bool,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE users SET totp_secret = $2, totp_enabled = $3 WHERE id = $1",
                )
                .bind(user_id)
                .bind(secret)
                .bind(i64::from(enabled))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn claim_totp_step<'a>(
            &'a self,
            user_id: &'a str,
            step: i64,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2",
                )
                .bind(user_id)
                .bind(step)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn login_failed<'a>(
            &'a self,
            user_id: &'a str,
            now: i64,
            max_failures: i64,
            lock_secs: i64,
        ) -> BoxFuture<'a, Result<i64, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(
                    "UPDATE users SET \
                       locked_until = CASE WHEN failed_logins + 1 >= $3 THEN $2 + $4 \
                                      ELSE locked_until END, \
                       failed_logins = CASE WHEN failed_logins + 1 >= $3 THEN 0 \
                                       ELSE failed_logins + 1 END \
                     WHERE id = $1 RETURNING locked_until",
                )
                .bind(user_id)
                .bind(now)
                .bind(max_failures)
                .bind(lock_secs)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| r.try_get::<i64, _>("locked_until")).transpose()?.unwrap_or(0))
            })
        }

        fn login_succeeded<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query("UPDATE users SET failed_logins = 0 WHERE id = $1")
                    .bind(user_id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            })
        }

        fn delete_user<'a>(
            &'a self,
            user_id: &'a str,
            pseudonym: &'a str,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "UPDATE audit_log SET actor = $2, ip = NULL, user_agent = NULL \
                     WHERE actor = $1",
                )
                .bind(user_id)
                .bind(pseudonym)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE audit_log SET target = $2 WHERE target = $1")
                    .bind(user_id)
                    .bind(pseudonym)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                // after the user: its alerts' deletion (a cascade) waited for any ingest commit
                // holding them, whose events this statement then sees (PostgreSQL's events
                // have no foreign key to users: migration 0025)
                sqlx::query("DELETE FROM rt_alert_events WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn create_session<'a>(&'a self, s: &'a Session) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query(&format!(
                    "INSERT INTO sessions ({SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6)"
                ))
                .bind(&s.id)
                .bind(&s.user_id)
                .bind(s.created_at)
                .bind(s.revoked_at)
                .bind(&s.ip)
                .bind(&s.user_agent)
                .execute(&self.pool)
                .await?;
                Ok(())
            })
        }

        fn session<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<Option<Session>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(&format!("SELECT {SESSION_COLS} FROM sessions WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.as_ref().map(|r| $crate::store::accounts::session_row!(r)).transpose()?)
            })
        }

        fn sessions_of<'a>(
            &'a self,
            user_id: &'a str,
        ) -> BoxFuture<'a, Result<Vec<Session>, StoreError>> {
            Box::pin(async move {
                let rows = sqlx::query(&format!(
                    "SELECT {SESSION_COLS} FROM sessions WHERE user_id = $1 \
                     ORDER BY created_at, id"
                ))
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.iter().map(|r| $crate::store::accounts::session_row!(r)).collect::<Result<Vec<_>, _>>()?)
            })
        }

        fn revoke_session<'a>(
            &'a self,
            user_id: &'a str,
            session_id: &'a str,
            now: i64,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE sessions SET revoked_at = $3 \
                     WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL",
                )
                .bind(user_id)
                .bind(session_id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn revoke_sessions_of<'a>(
            &'a self,
            user_id: &'a str,
            now: i64,
        ) -> BoxFuture<'a, Result<u64, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
                )
                .bind(user_id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            })
        }

        fn put_refresh<'a>(&'a self, t: &'a RefreshToken) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query(&format!(
                    "INSERT INTO refresh_tokens ({REFRESH_COLS}) VALUES ($1, $2, $3, $4, $5, $6)"
                ))
                .bind(&t.hash)
                .bind(&t.session_id)
                .bind(&t.user_id)
                .bind(t.created_at)
                .bind(t.expires_at)
                .bind(t.used_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            })
        }

        fn spend_refresh<'a>(&'a self, hash: &'a str, now: i64) -> BoxFuture<'a, Result<Spend, StoreError>> {
            Box::pin(async move {
                // One atomic statement: of two concurrent uses exactly one sees the token fresh.
                let row = sqlx::query(&format!(
                    "UPDATE refresh_tokens SET used_at = $2 WHERE hash = $1 AND used_at IS NULL \
                     RETURNING {REFRESH_COLS}"
                ))
                .bind(hash)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                if let Some(r) = row.as_ref() {
                    return Ok(Spend::Fresh($crate::store::accounts::refresh_row!(r)?));
                }
                let row = sqlx::query(&format!(
                    "SELECT {REFRESH_COLS} FROM refresh_tokens WHERE hash = $1"
                ))
                .bind(hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(match row.as_ref() {
                    Some(r) => Spend::Reused($crate::store::accounts::refresh_row!(r)?),
                    None => Spend::Unknown,
                })
            })
        }

        fn put_one_time<'a>(
            &'a self,
            hash: &'a str,
            user_id: &'a str,
            purpose: &'a str,
            now: i64,
            expires_at: i64,
        ) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO one_time_tokens (hash, user_id, purpose, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(hash)
                .bind(user_id)
                .bind(purpose)
                .bind(now)
                .bind(expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            })
        }

        fn take_one_time<'a>(
            &'a self,
            hash: &'a str,
            purpose: &'a str,
            now: i64,
        ) -> BoxFuture<'a, Result<Option<String>, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(
                    "UPDATE one_time_tokens SET used_at = $3 WHERE hash = $1 AND purpose = $2 \
                     AND used_at IS NULL AND expires_at > $3 RETURNING user_id",
                )
                .bind(hash)
                .bind(purpose)
                .bind(now)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| r.try_get::<String, _>("user_id")).transpose()?)
            })
        }

        fn set_recovery_codes<'a>(
            &'a self,
            user_id: &'a str,
            hashes: &'a [String],
        ) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                for h in hashes {
                    sqlx::query("INSERT INTO recovery_codes (user_id, hash) VALUES ($1, $2)")
                        .bind(user_id)
                        .bind(h)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            })
        }

        fn use_recovery_code<'a>(
            &'a self,
            user_id: &'a str,
            hash: &'a str,
            now: i64,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE recovery_codes SET used_at = $3 \
                     WHERE user_id = $1 AND hash = $2 AND used_at IS NULL",
                )
                .bind(user_id)
                .bind(hash)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        }

        fn recovery_codes_left<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<i64, StoreError>> {
            Box::pin(async move {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
                )
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get::<i64, _>("n")?)
            })
        }

        fn append_audit<'a>(&'a self, e: &'a AuditEntry) -> BoxFuture<'a, Result<(), StoreError>> {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO audit_log (at, actor, action, target, ip, user_agent, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(e.at)
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.target)
                .bind(&e.ip)
                .bind(&e.user_agent)
                .bind(&e.detail)
                .execute(&self.pool)
                .await?;
                Ok(())
            })
        }

        fn audit<'a>(
            &'a self,
            actor: Option<&'a str>,
            limit: i64,
        ) -> BoxFuture<'a, Result<Vec<AuditEntry>, StoreError>> {
            Box::pin(async move {
                let rows = match actor {
                    Some(a) => sqlx::query(&format!(
                        "SELECT {AUDIT_COLS} FROM audit_log WHERE actor = $1 OR target = $1 \
                         ORDER BY id DESC LIMIT $2"
                    ))
                    .bind(a)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?,
                    None => sqlx::query(&format!(
                        "SELECT {AUDIT_COLS} FROM audit_log ORDER BY id DESC LIMIT $1"
                    ))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?,
                };
                Ok(rows.iter().map(|r| $crate::store::accounts::audit_row!(r)).collect::<Result<Vec<_>, _>>()?)
            })
        }
    };
}

pub(crate) use {account_methods, audit_row, refresh_row, session_row, user_row};
