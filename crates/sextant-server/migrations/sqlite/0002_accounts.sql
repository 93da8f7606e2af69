-- Accounts: users, sessions (one per sign-in; a refresh-token family), refresh tokens and
-- one-time tokens stored as sha256 hashes, TOTP recovery codes stored as sha256 hashes, and the
-- append-only audit log. Times are unix seconds, UTC; flags are 0/1 integers (the same Rust
-- types as on PostgreSQL).
CREATE TABLE users (
    id             TEXT    PRIMARY KEY NOT NULL,  -- random 128-bit hex, never reused
    email          TEXT    NOT NULL UNIQUE,       -- lower-cased
    password_hash  TEXT    NOT NULL,              -- argon2id PHC string
    tier           TEXT    NOT NULL CHECK (tier IN ('explorer', 'pro', 'enterprise', 'admin')),
    email_verified INTEGER NOT NULL DEFAULT 0,
    totp_secret    TEXT,                          -- base32; set at enrolment
    totp_enabled   INTEGER NOT NULL DEFAULT 0,
    totp_last_step INTEGER NOT NULL DEFAULT 0,    -- last accepted 30 s step (replay guard)
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);
CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY NOT NULL,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    ip         TEXT    NOT NULL,
    user_agent TEXT    NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE refresh_tokens (
    hash       TEXT    PRIMARY KEY NOT NULL,      -- sha256 hex of the token
    session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER                            -- set when rotated; a second use is a reuse
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE TABLE one_time_tokens (
    hash       TEXT    PRIMARY KEY NOT NULL,      -- sha256 hex of the token
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL,                  -- verify_email | reset_password
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE TABLE recovery_codes (
    user_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    TEXT    NOT NULL,                     -- sha256 hex of the code
    used_at INTEGER,
    PRIMARY KEY (user_id, hash)
);
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    actor      TEXT,             -- user id; 'deleted:<sha256 prefix>' once the user is erased
    action     TEXT    NOT NULL,
    target     TEXT,
    ip         TEXT,
    user_agent TEXT,
    detail     TEXT    NOT NULL  -- JSON object
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_target ON audit_log (target);
-- Append-only: no row is ever deleted; an update may only pseudonymise (actor and target to
-- 'deleted:...', ip and user agent to NULL).
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.action IS NOT OLD.action
    OR NEW.detail IS NOT OLD.detail
    OR (NEW.actor IS NOT OLD.actor AND COALESCE(NEW.actor, 'deleted:') NOT LIKE 'deleted:%')
    OR (NEW.target IS NOT OLD.target AND COALESCE(NEW.target, 'deleted:') NOT LIKE 'deleted:%')
    OR (NEW.ip IS NOT OLD.ip AND NEW.ip IS NOT NULL)
    OR (NEW.user_agent IS NOT OLD.user_agent AND NEW.user_agent IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: an update may only pseudonymise');
END;
