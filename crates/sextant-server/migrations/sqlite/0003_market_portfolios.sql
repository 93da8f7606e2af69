-- Market data (instruments, OHLCV bars, corporate actions) and portfolios (per user, with
-- their transactions and CSV imports). Times are unix seconds, UTC. Prices of bars are REAL
-- (binary64, as the analytics take them); money in portfolios is decimal text (never REAL).
CREATE TABLE instruments (
    symbol             TEXT    PRIMARY KEY NOT NULL,
    name               TEXT    NOT NULL,
    currency           TEXT    NOT NULL,
    time_zone          TEXT,                      -- IANA name, informational
    utc_offset_minutes INTEGER NOT NULL DEFAULT 0, -- the exchange's fixed offset, for buckets
    asset_class        TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX instruments_asset_class ON instruments (asset_class, symbol);
-- One row per (instrument, interval, bar open time): the primary key is the clustered index
-- (WITHOUT ROWID), so a range query reads one contiguous run of the B-tree.
CREATE TABLE bars (
    symbol   TEXT    NOT NULL REFERENCES instruments (symbol) ON DELETE CASCADE ON UPDATE CASCADE,
    freq     TEXT    NOT NULL,   -- the interval: 1m 5m 15m 30m 1h 1d 1w 1mo
    ts       INTEGER NOT NULL,
    open     REAL    NOT NULL,
    high     REAL    NOT NULL,
    low      REAL    NOT NULL,
    close    REAL    NOT NULL,
    volume   REAL    NOT NULL,
    PRIMARY KEY (symbol, freq, ts)
) WITHOUT ROWID;
CREATE TABLE corporate_actions (
    symbol      TEXT    NOT NULL REFERENCES instruments (symbol) ON DELETE CASCADE ON UPDATE CASCADE,
    ex_date     TEXT    NOT NULL,   -- YYYY-MM-DD, exchange-local
    kind        TEXT    NOT NULL CHECK (kind IN ('split', 'dividend')),
    numerator   INTEGER,            -- split: new units ...
    denominator INTEGER,            -- ... per old units
    amount      TEXT,               -- dividend per unit, decimal text, instrument currency
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (symbol, ex_date, kind)
);
CREATE TABLE portfolios (
    id            TEXT    PRIMARY KEY NOT NULL,
    user_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    base_currency TEXT    NOT NULL,
    cost_basis    TEXT    NOT NULL,
    tx_count      INTEGER NOT NULL DEFAULT 0,  -- also the last transaction sequence number
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX portfolios_user ON portfolios (user_id, created_at);
CREATE TABLE portfolio_imports (
    id           TEXT    PRIMARY KEY NOT NULL,
    portfolio_id TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    file_sha256  TEXT    NOT NULL,
    row_count    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (portfolio_id, file_sha256)
);
CREATE TABLE portfolio_transactions (
    portfolio_id TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    ts           INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    instrument   TEXT,
    body         TEXT    NOT NULL,  -- the ledger transaction as JSON, decimals as strings
    import_id    TEXT    REFERENCES portfolio_imports (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (portfolio_id, seq)
);
CREATE INDEX portfolio_transactions_ts ON portfolio_transactions (portfolio_id, ts, seq);
