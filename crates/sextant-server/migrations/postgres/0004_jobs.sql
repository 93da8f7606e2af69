-- Background jobs: a declared function run off the request (POST /v1/jobs/{module}/{name}).
-- Status moves queued -> running -> done | failed, or to cancelled from queued or running.
-- A running job's worker writes heartbeat_at every few seconds; a running job whose heartbeat
-- is older than the stale limit (the server stopped or crashed while it ran) becomes failed
-- (code INTERRUPTED). Times are unix seconds, UTC.
CREATE TABLE jobs (
    id           TEXT    PRIMARY KEY NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    queue        TEXT    NOT NULL DEFAULT 'default', -- workers claim from their queue only
    status       TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress     DOUBLE PRECISION NOT NULL DEFAULT 0,
    request      TEXT    NOT NULL,   -- the body, as posted to /v1/{module}/{name}
    result       TEXT,               -- done: the compute answer (JSON text)
    error        TEXT,               -- failed: the error body (JSON text)
    worker       TEXT,               -- the process that claimed it
    created_at   BIGINT NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT,
    heartbeat_at BIGINT
);
CREATE INDEX jobs_user ON jobs (user_id, created_at);
CREATE INDEX jobs_status ON jobs (queue, status, created_at);
