-- Background jobs: a declared function run off the request (POST /v1/jobs/{module}/{name}).
-- Status moves queued -> running -> done | failed, or to cancelled from queued or running.
-- A running job's worker writes heartbeat_at every few seconds; a running job whose heartbeat
-- is older than the stale limit (the server stopped or crashed while it ran) becomes failed
-- (code INTERRUPTED). Times are unix seconds, UTC.
CREATE TABLE jobs (
    id           TEXT    PRIMARY KEY NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    queue        TEXT    NOT NULL DEFAULT 'default', -- workers claim from their queue only
    status       TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress     REAL NOT NULL DEFAULT 0,
    request      TEXT    NOT NULL,   -- the body, as posted to /v1/{module}/{name}
    result       TEXT,               -- done: the compute answer (JSON text)
    error        TEXT,               -- failed: the error body (JSON text)
    worker       TEXT,               -- the process that claimed it
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    heartbeat_at INTEGER
);
CREATE INDEX jobs_user ON jobs (user_id, created_at);
CREATE INDEX jobs_status ON jobs (queue, status, created_at);

-- AutoIndex: per-user strategies (the core's versioned strategy JSON) and their rebalances.
-- auto_rebalance: NULL (on demand only), 'daily', 'weekly' or 'monthly'; next_run_at is the
-- next scheduled run (unix seconds). The scheduler claims a due run with a conditional update
-- of next_run_at, and a rebalance row is unique per (strategy, run_key), so one due run is
-- recorded once even with several instances.
CREATE TABLE autoindex_strategies (
    id             TEXT    PRIMARY KEY NOT NULL,
    user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    config         TEXT    NOT NULL,   -- the strategy (version 1), JSON
    auto_rebalance TEXT    CHECK (auto_rebalance IN ('daily', 'weekly', 'monthly')),
    next_run_at    INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX autoindex_strategies_user ON autoindex_strategies (user_id, created_at);
CREATE INDEX autoindex_strategies_due ON autoindex_strategies (next_run_at);
CREATE TABLE autoindex_rebalances (
    strategy_id  TEXT    NOT NULL REFERENCES autoindex_strategies (id) ON DELETE CASCADE,
    id           TEXT    NOT NULL,   -- random
    run_key      TEXT    NOT NULL,   -- 'manual:<random>' or 'schedule:<due time>'
    kind         TEXT    NOT NULL CHECK (kind IN ('manual', 'schedule')),
    as_of        TEXT    NOT NULL,   -- date of the last bar used
    body         TEXT    NOT NULL,   -- the allocation, JSON
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (strategy_id, id),
    UNIQUE (strategy_id, run_key)
);
CREATE INDEX autoindex_rebalances_time ON autoindex_rebalances (strategy_id, created_at);

-- News: items scored by the core's finance scorer, and the instruments each mentions (the
-- core's entity matcher over the instruments table) with the score of the sentences that
-- mention them. An item is stored once per (source, external_id).
CREATE TABLE news_items (
    id           TEXT    PRIMARY KEY NOT NULL,
    source       TEXT    NOT NULL,
    external_id  TEXT    NOT NULL,
    published_at INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    url          TEXT,
    score        REAL NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (source, external_id)
);
CREATE TABLE news_mentions (
    symbol       TEXT NOT NULL REFERENCES instruments (symbol) ON DELETE CASCADE ON UPDATE CASCADE,
    published_at INTEGER NOT NULL,
    news_id      TEXT    NOT NULL REFERENCES news_items (id) ON DELETE CASCADE,
    score        REAL NOT NULL,
    sentences    INTEGER NOT NULL,
    mentions     INTEGER NOT NULL,
    PRIMARY KEY (symbol, published_at, news_id)
);
