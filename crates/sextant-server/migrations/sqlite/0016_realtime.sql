-- Real time (#16): alerts on live quotes, bars and streaming indicator values, and the events
-- they fired. spec is the alert's condition as posted (JSON text, validated against the
-- declarations). side is the last observed side of the condition (-1 below / outside the band,
-- 1 above / inside, 0 not yet observed); it is written in the same transaction as the bars and
-- events of an ingest, so a restart resumes from it and a crossing is neither repeated nor
-- missed. Times are unix seconds, UTC.
CREATE TABLE rt_alerts (
    id            TEXT    PRIMARY KEY NOT NULL,
    user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    symbol        TEXT    NOT NULL,
    freq          TEXT    NOT NULL,
    spec          TEXT    NOT NULL,
    side          INTEGER NOT NULL DEFAULT 0,
    fired_count   INTEGER NOT NULL DEFAULT 0,
    last_fired_at INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX rt_alerts_user ON rt_alerts (user_id, created_at);

-- One row per crossing: ts is the event time (the quote's or bar's time), value the left side
-- of the condition and threshold the right side at that moment.
CREATE TABLE rt_alert_events (
    id         TEXT    PRIMARY KEY NOT NULL,
    alert_id   TEXT    NOT NULL REFERENCES rt_alerts (id) ON DELETE CASCADE,
    user_id    TEXT    NOT NULL,
    symbol     TEXT    NOT NULL,
    ts         INTEGER NOT NULL,
    direction  TEXT    NOT NULL,
    value      REAL NOT NULL,
    threshold  REAL NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX rt_alert_events_user ON rt_alert_events (user_id, created_at);
CREATE INDEX rt_alert_events_alert ON rt_alert_events (alert_id, ts);
