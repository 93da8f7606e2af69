-- Real time (#16): the events of an alert are found through their user's index, not an index
-- of their own. The `(alert_id, ts)` index took one random page write per fired alert (1.6x
-- slower ingest on SQLite when most quotes fire, docs/benchmarks.md). Its two users change with
-- it: deleting an alert deletes its events by (user_id, alert_id) in the same transaction
-- (`delete_alert`), and an ingest commit drops the events of an alert deleted while they
-- waited for it (their insert checks that the alert exists) instead of failing. Deleting a
-- user deletes its events through user_id.
ALTER TABLE rt_alert_events DROP CONSTRAINT IF EXISTS rt_alert_events_alert_id_fkey;
DROP INDEX IF EXISTS rt_alert_events_alert;
DELETE FROM rt_alert_events e WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = e.user_id);
ALTER TABLE rt_alert_events ADD CONSTRAINT rt_alert_events_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
