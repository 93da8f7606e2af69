-- Accounts: users, sessions (one per sign-in; a refresh-token family), refresh tokens and
-- one-time tokens stored as sha256 hashes, TOTP recovery codes stored as sha256 hashes, and the
-- append-only audit log. Times are unix seconds, UTC; flags are 0/1 BIGINTs (the same Rust types
-- as on SQLite).
CREATE TABLE users (
    id             TEXT   PRIMARY KEY,
    email          TEXT   NOT NULL UNIQUE,
    password_hash  TEXT   NOT NULL,
    tier           TEXT   NOT NULL CHECK (tier IN ('explorer', 'pro', 'enterprise', 'admin')),
    email_verified BIGINT NOT NULL DEFAULT 0,
    totp_secret    TEXT,
    totp_enabled   BIGINT NOT NULL DEFAULT 0,
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    failed_logins  BIGINT NOT NULL DEFAULT 0,
    locked_until   BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL
);
CREATE TABLE sessions (
    id         TEXT   PRIMARY KEY,
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    ip         TEXT   NOT NULL,
    user_agent TEXT   NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE TABLE refresh_tokens (
    hash       TEXT   PRIMARY KEY,
    session_id TEXT   NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
CREATE TABLE one_time_tokens (
    hash       TEXT   PRIMARY KEY,
    user_id    TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE TABLE recovery_codes (
    user_id TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    TEXT   NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, hash)
);
CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT    NOT NULL,
    actor      TEXT,
    action     TEXT      NOT NULL,
    target     TEXT,
    ip         TEXT,
    user_agent TEXT,
    detail     TEXT      NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_target ON audit_log (target);
-- Append-only: no row is ever deleted; an update may only pseudonymise (actor and target to
-- 'deleted:...', ip and user agent to NULL).
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.at IS DISTINCT FROM OLD.at
        OR NEW.action IS DISTINCT FROM OLD.action OR NEW.detail IS DISTINCT FROM OLD.detail
        OR (NEW.actor IS DISTINCT FROM OLD.actor
            AND COALESCE(NEW.actor, 'deleted:') NOT LIKE 'deleted:%')
        OR (NEW.target IS DISTINCT FROM OLD.target
            AND COALESCE(NEW.target, 'deleted:') NOT LIKE 'deleted:%')
        OR (NEW.ip IS DISTINCT FROM OLD.ip AND NEW.ip IS NOT NULL)
        OR (NEW.user_agent IS DISTINCT FROM OLD.user_agent AND NEW.user_agent IS NOT NULL) THEN
        RAISE EXCEPTION 'audit_log is append-only: an update may only pseudonymise';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
