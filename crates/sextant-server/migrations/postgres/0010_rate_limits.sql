-- Rate-limit token buckets shared by every server instance on this database (issue #18).
-- One row per key (`ip:...`, `user:...`, `auth-ip:...`): the tokens left after the last
-- request, when that was (milliseconds of the database clock, so the instances' clocks do not
-- matter) and whether that request was let through. A bucket refills in a minute, so a row
-- untouched for a minute is a full bucket and is deleted (sextant_server::ratelimit::PgLimiter).
-- SQLite (one instance) keeps its buckets in process memory and has no such table.
CREATE UNLOGGED TABLE rate_limits (
    key     TEXT             PRIMARY KEY NOT NULL,
    tokens  DOUBLE PRECISION NOT NULL,
    at_ms   BIGINT           NOT NULL,
    granted BOOLEAN          NOT NULL
);
CREATE INDEX rate_limits_at ON rate_limits (at_ms);
