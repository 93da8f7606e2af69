-- Bars (#15): monthly range partitions on ts, and no per-row foreign key.
--
-- bars becomes a table partitioned by RANGE (ts), one partition per calendar month (UTC) named
-- bars_YYYY_MM, created by the server before it writes a bar into a month that has none
-- (store.rs, PgStore::ensure_bar_partitions). Range queries on (symbol, freq, ts) read only the
-- months they span, and each month's primary-key index stays small.
--
-- The foreign key to instruments is replaced, because PostgreSQL checks it with a trigger per
-- inserted row (it tripled the cost of a bulk insert):
-- * a writer locks the instrument row once per transaction (SELECT ... FOR KEY SHARE), as the
--   foreign key check did per row, so an instrument cannot be deleted while its bars are
--   written;
-- * deleting an instrument deletes its bars in the same statement (trigger below), as
--   ON DELETE CASCADE did. Symbols are never updated.
ALTER TABLE bars RENAME TO bars_unpartitioned;
ALTER TABLE bars_unpartitioned RENAME CONSTRAINT bars_pkey TO bars_unpartitioned_pkey;

CREATE TABLE bars (
    symbol   TEXT    COLLATE "C" NOT NULL,
    freq     TEXT    NOT NULL,   -- the interval: 1m 5m 15m 30m 1h 1d 1w 1mo
    ts       BIGINT NOT NULL,
    open     DOUBLE PRECISION NOT NULL,
    high     DOUBLE PRECISION NOT NULL,
    low      DOUBLE PRECISION NOT NULL,
    close    DOUBLE PRECISION NOT NULL,
    volume   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (symbol, freq, ts)
) PARTITION BY RANGE (ts);

-- one partition per month that already holds bars
DO $$
DECLARE
    m timestamp;
BEGIN
    FOR m IN
        SELECT DISTINCT date_trunc('month', to_timestamp(ts) AT TIME ZONE 'UTC')
        FROM bars_unpartitioned
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF bars FOR VALUES FROM (%s) TO (%s)',
            'bars_' || to_char(extract(year FROM m), 'FM0000') || '_'
                || to_char(extract(month FROM m), 'FM00'),
            extract(epoch FROM m)::bigint,
            extract(epoch FROM m + interval '1 month')::bigint
        );
    END LOOP;
END
$$;

INSERT INTO bars SELECT symbol, freq, ts, open, high, low, close, volume FROM bars_unpartitioned;
DROP TABLE bars_unpartitioned;

CREATE FUNCTION instruments_delete_bars() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM bars WHERE symbol = OLD.symbol;
    RETURN OLD;
END
$$;
CREATE TRIGGER instruments_delete_bars AFTER DELETE ON instruments
    FOR EACH ROW EXECUTE FUNCTION instruments_delete_bars();
