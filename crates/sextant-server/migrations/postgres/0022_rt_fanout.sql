-- Real-time fan-out across instances (#18, src/realtime/fanout.rs). Events travel between the
-- instances on one database as NOTIFY messages on the channel `sextant_rt`; an event larger
-- than a NOTIFY payload (8000 bytes) is written here and only its id is notified. Rows are
-- read once by each listening instance and deleted after ten minutes by their writer. UNLOGGED:
-- a crash of PostgreSQL loses only events in flight, which the notifications would lose too.
CREATE UNLOGGED TABLE rt_fanout_spill (
    id         BIGSERIAL PRIMARY KEY,
    origin     TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX rt_fanout_spill_created ON rt_fanout_spill (created_at);

-- The catch-up after a lost listener re-reads the alert events created since it was last known
-- to be listening (minus a margin), across users.
CREATE INDEX rt_alert_events_created ON rt_alert_events (created_at);
