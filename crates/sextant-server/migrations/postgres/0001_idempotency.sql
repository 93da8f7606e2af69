-- Responses stored under client-supplied Idempotency-Key headers: a retry of the same request
-- returns the stored bytes instead of recomputing. The body is TEXT, not JSONB: a replay must
-- return the identical bytes.
CREATE TABLE idempotency_keys (
    key         TEXT     PRIMARY KEY,
    fingerprint TEXT     NOT NULL,     -- sha256 of method, path and body (hex)
    status      SMALLINT NOT NULL,     -- HTTP status of the stored response
    body        TEXT     NOT NULL,     -- the exact JSON bytes returned
    created_at  BIGINT   NOT NULL      -- unix seconds, UTC
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys USING brin (created_at);
