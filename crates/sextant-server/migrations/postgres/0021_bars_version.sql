-- Bars (#15): a version per instrument, incremented in the transaction of every write that
-- changes its bars (bulk upserts, closed live candles). Readers cache bars by (instrument,
-- interval, range) and compare the version on each request, so a write on any instance
-- invalidates every instance's cache (market.rs, BarCache).
ALTER TABLE instruments ADD COLUMN bars_version BIGINT NOT NULL DEFAULT 0;
