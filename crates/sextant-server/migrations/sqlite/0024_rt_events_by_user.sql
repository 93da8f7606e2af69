-- Real time (#16): the events of an alert are found through their user's index, not an index
-- of their own. The `(alert_id, ts)` index took one random page write per fired alert (1.6x
-- slower ingest when most quotes fire, docs/benchmarks.md). Its two users change with it:
-- deleting an alert deletes its events by (user_id, alert_id) in the same transaction
-- (`delete_alert`), and an ingest commit drops the events of an alert deleted while they
-- waited for it (their insert checks that the alert exists) instead of failing. Deleting a
-- user deletes its events through user_id. SQLite cannot drop a foreign key: the table is
-- rebuilt.
CREATE TABLE rt_alert_events_next (
    id         TEXT    PRIMARY KEY NOT NULL,
    alert_id   TEXT    NOT NULL,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    symbol     TEXT    NOT NULL,
    ts         INTEGER NOT NULL,
    direction  TEXT    NOT NULL,
    value      REAL NOT NULL,
    threshold  REAL NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO rt_alert_events_next (id, alert_id, user_id, symbol, ts, direction, value, threshold, created_at)
    SELECT id, alert_id, user_id, symbol, ts, direction, value, threshold, created_at
    FROM rt_alert_events WHERE user_id IN (SELECT id FROM users);
DROP TABLE rt_alert_events;
ALTER TABLE rt_alert_events_next RENAME TO rt_alert_events;
CREATE INDEX rt_alert_events_user ON rt_alert_events (user_id, created_at);
