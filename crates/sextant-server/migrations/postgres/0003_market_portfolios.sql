-- Market data (instruments, OHLCV bars, corporate actions) and portfolios (per user, with
-- their transactions and CSV imports). Times are unix seconds, UTC. Prices of bars are DOUBLE
-- PRECISION (binary64, as the analytics take them); money in portfolios is decimal text (never floating point).
CREATE TABLE instruments (
    symbol             TEXT    COLLATE "C" PRIMARY KEY NOT NULL,
    name               TEXT    NOT NULL,
    currency           TEXT    NOT NULL,
    time_zone          TEXT,                      -- IANA name, informational
    utc_offset_minutes BIGINT NOT NULL DEFAULT 0, -- the exchange's fixed offset, for buckets
    asset_class        TEXT    NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX instruments_asset_class ON instruments (asset_class, symbol);
-- One row per (instrument, interval, bar open time). Not partitioned (docs/platform.md says
-- why): the composite primary key's B-tree serves a range query as one index range scan.
CREATE TABLE bars (
    symbol   TEXT    COLLATE "C" NOT NULL REFERENCES instruments (symbol) ON DELETE CASCADE ON UPDATE CASCADE,
    freq     TEXT    NOT NULL,   -- the interval: 1m 5m 15m 30m 1h 1d 1w 1mo
    ts       BIGINT NOT NULL,
    open     DOUBLE PRECISION NOT NULL,
    high     DOUBLE PRECISION NOT NULL,
    low      DOUBLE PRECISION NOT NULL,
    close    DOUBLE PRECISION NOT NULL,
    volume   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (symbol, freq, ts)
);
CREATE TABLE corporate_actions (
    symbol      TEXT    COLLATE "C" NOT NULL REFERENCES instruments (symbol) ON DELETE CASCADE ON UPDATE CASCADE,
    ex_date     TEXT    NOT NULL,   -- YYYY-MM-DD, exchange-local
    kind        TEXT    NOT NULL CHECK (kind IN ('split', 'dividend')),
    numerator   BIGINT,            -- split: new units ...
    denominator BIGINT,            -- ... per old units
    amount      TEXT,               -- dividend per unit, decimal text, instrument currency
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (symbol, ex_date, kind)
);
CREATE TABLE portfolios (
    id            TEXT    PRIMARY KEY NOT NULL,
    user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    base_currency TEXT    NOT NULL,
    cost_basis    TEXT    NOT NULL,
    tx_count      BIGINT NOT NULL DEFAULT 0,  -- also the last transaction sequence number
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX portfolios_user ON portfolios (user_id, created_at);
CREATE TABLE portfolio_imports (
    id           TEXT    PRIMARY KEY NOT NULL,
    portfolio_id TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    file_sha256  TEXT    NOT NULL,
    row_count    BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    UNIQUE (portfolio_id, file_sha256)
);
CREATE TABLE portfolio_transactions (
    portfolio_id TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    seq          BIGINT NOT NULL,
    ts           BIGINT NOT NULL,
    kind         TEXT    NOT NULL,
    instrument   TEXT,
    body         TEXT    NOT NULL,  -- the ledger transaction as JSON, decimals as strings
    import_id    TEXT    REFERENCES portfolio_imports (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (portfolio_id, seq)
);
CREATE INDEX portfolio_transactions_ts ON portfolio_transactions (portfolio_id, ts, seq);
