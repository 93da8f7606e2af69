-- Responses stored under client-supplied Idempotency-Key headers: a retry of the same request
-- returns the stored bytes instead of recomputing.
CREATE TABLE idempotency_keys (
    key         TEXT    PRIMARY KEY NOT NULL,
    fingerprint TEXT    NOT NULL,      -- sha256 of method, path and body (hex)
    status      INTEGER NOT NULL,      -- HTTP status of the stored response
    body        TEXT    NOT NULL,      -- the exact JSON bytes returned
    created_at  INTEGER NOT NULL       -- unix seconds, UTC
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
