//! The OpenAPI entries of the market-data and portfolio routes ([`crate::market`],
//! [`crate::portfolios`]). The indicator route's `name` enum is derived from the declarations
//! computable over stored bars.

use serde_json::{json, Map, Value as Json};

use crate::market::{bar_functions, ASSET_CLASSES, INTERVALS};
use crate::portfolios::TX_COLUMNS;
use crate::store::JOB_STATUSES;

fn r(s: &str) -> Json {
    json!({"$ref": format!("#/components/schemas/{s}")})
}

fn err(description: &str) -> Json {
    json!({"description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// One operation. `ok`: (status, description, schema or None for an empty body).
fn op(
    id: &str,
    tag: &str,
    summary: &str,
    params: Vec<Json>,
    body: Option<Json>,
    ok: &[(&str, &str, Option<Json>)],
) -> Json {
    let mut responses = Map::new();
    responses.insert("400".into(), err("Malformed JSON or CSV, or a bad header"));
    responses.insert("401".into(), err("Missing, invalid, expired or revoked credentials"));
    responses.insert("403".into(), err("The tier does not allow this route (FORBIDDEN)"));
    responses.insert("404".into(), err("No such resource visible to the caller"));
    responses.insert(
        "409".into(),
        err("Conflicts with stored state (CONFLICT, IDEMPOTENCY_KEY_REUSED)"),
    );
    responses.insert("413".into(), err("Body larger than the limit"));
    responses.insert("415".into(), err("Unsupported Content-Type"));
    responses.insert(
        "422".into(),
        err("A field, parameter or row is invalid (INVALID_FIELD, INVALID_BODY, INVALID_ROWS \
             with a `rows` list, or a core or ledger code)"),
    );
    responses.insert(
        "429".into(),
        json!({"description": "Rate limit exhausted (RATE_LIMITED)",
            "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
    );
    responses.insert("503".into(), err("Storage unavailable"));
    for (status, description, schema) in ok {
        responses.insert(
            (*status).into(),
            match schema {
                Some(s) => json!({"description": description,
                    "content": {"application/json": {"schema": s}}}),
                None => json!({"description": description}),
            },
        );
    }
    let mut o = json!({
        "tags": [tag],
        "operationId": id,
        "summary": summary,
        "security": [{"bearer": []}],
        "responses": responses,
    });
    if !params.is_empty() {
        o["parameters"] = Json::Array(params);
    }
    if let Some(b) = body {
        o["requestBody"] = json!({"required": true, "content": b});
    }
    o
}

fn q(name: &str, schema: Json, description: &str) -> Json {
    json!({"name": name, "in": "query", "required": false, "description": description,
        "schema": schema})
}

fn path_symbol(example: bool) -> Json {
    let mut p = json!({"name": "symbol", "in": "path", "required": true,
        "schema": {"type": "string", "minLength": 1, "maxLength": 32,
                   "pattern": "^[A-Za-z0-9._^=-]+$"}});
    if example {
        p["example"] = json!("MSFT");
    }
    p
}

fn path_pid() -> Json {
    json!({"name": "id", "in": "path", "required": true,
        "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}})
}

fn paging(max: i64, default: i64) -> Vec<Json> {
    vec![
        q(
            "limit",
            json!({"type": "integer", "minimum": 1, "maximum": max, "default": default}),
            "page size",
        ),
        q(
            "offset",
            json!({"type": "integer", "minimum": 0, "maximum": 1_000_000_000, "default": 0}),
            "items to skip",
        ),
    ]
}

fn page_of(item: Json) -> Json {
    json!({"type": "object", "required": ["items", "limit", "offset", "next_offset"],
        "properties": {"items": {"type": "array", "items": item},
            "limit": {"type": "integer"}, "offset": {"type": "integer"},
            "next_offset": {"type": ["integer", "null"]}, "total": {"type": "integer"}}})
}

fn range_params() -> Vec<Json> {
    vec![
        q(
            "interval",
            json!({"type": "string", "enum": INTERVALS, "default": "1d"}),
            "stored interval",
        ),
        q(
            "from",
            json!({"type": "string", "examples": ["2017-01-01"]}),
            "first bar time: YYYY-MM-DD, RFC 3339 or unix seconds (inclusive)",
        ),
        q(
            "to",
            json!({"type": "string", "examples": ["2017-12-31"]}),
            "last bar time (inclusive; a date includes the whole day)",
        ),
        q(
            "resample",
            json!({"type": "string", "enum": INTERVALS}),
            "aggregate to a coarser interval (1m->5m/15m/30m/1h/1d, 1h->1d, 1d->1w/1mo)",
        ),
        q(
            "adjusted",
            json!({"type": "boolean", "default": false}),
            "back-adjust for splits and dividends",
        ),
        q(
            "calendar",
            json!({"type": "string", "examples": ["XNYS", "weekdays"]}),
            "exchange calendar (XNYS, XNAS, weekdays, all, or JSON {name, holidays}): bars on \
             closed days are left out, weekly/monthly buckets start on their first trading day \
             and state their sessions",
        ),
    ]
}

/// Adds the market-data and portfolio paths.
pub fn paths(paths: &mut Map<String, Json>) {
    let mut add = |path: &str, method: &str, o: Json| {
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = o;
    };
    let json_body = |schema: Json| json!({"application/json": {"schema": schema}});
    let upload = |schema: Json| {
        json!({"application/json": {"schema": schema},
            "text/csv": {"schema": {"type": "string"}}})
    };

    // instruments
    let mut list_params = paging(1000, 100);
    list_params.push(q("sort", json!({"type": "string", "enum": ["symbol", "-symbol"]}), "order"));
    list_params.push(q("asset_class", json!({"type": "string", "enum": ASSET_CLASSES}), "filter"));
    add(
        "/v1/instruments",
        "get",
        op(
            "list_instruments",
            "market",
            "Instruments, by symbol",
            list_params,
            None,
            &[("200", "a page of instruments", Some(page_of(r("Instrument"))))],
        ),
    );
    add(
        "/v1/instruments",
        "post",
        op(
            "create_instrument",
            "market",
            "Create an instrument (admin tier)",
            vec![],
            Some(json_body(r("InstrumentInput"))),
            &[("201", "created", Some(r("Instrument")))],
        ),
    );
    add(
        "/v1/instruments/{symbol}",
        "get",
        op(
            "get_instrument",
            "market",
            "One instrument with the intervals stored",
            vec![path_symbol(true)],
            None,
            &[("200", "the instrument", Some(r("Instrument")))],
        ),
    );
    add(
        "/v1/instruments/{symbol}",
        "put",
        op(
            "update_instrument",
            "market",
            "Replace an instrument's fields (admin tier)",
            vec![path_symbol(false)],
            Some(json_body(r("InstrumentInput"))),
            &[("200", "updated", Some(r("Instrument")))],
        ),
    );
    add(
        "/v1/instruments/{symbol}",
        "delete",
        op(
            "delete_instrument",
            "market",
            "Delete an instrument with its bars and actions (admin tier)",
            vec![path_symbol(false)],
            None,
            &[("204", "deleted", None)],
        ),
    );

    // bars
    let mut bar_params = vec![path_symbol(true)];
    bar_params.extend(range_params());
    bar_params.extend(paging(10_000, 1000));
    bar_params.push(q("sort", json!({"type": "string", "enum": ["ts", "-ts"]}), "order"));
    let mut bars_page = page_of(r("Bar"));
    bars_page["required"] = json!([
        "items",
        "limit",
        "offset",
        "next_offset",
        "symbol",
        "interval",
        "source_interval",
        "adjusted",
        "total"
    ]);
    for k in ["symbol", "interval", "source_interval"] {
        bars_page["properties"][k] = json!({"type": "string"});
    }
    bars_page["properties"]["adjusted"] = json!({"type": "boolean"});
    bars_page["properties"]["calendar"] = json!({"type": "object"});
    bars_page["properties"]["excluded"] = json!({"type": "integer", "minimum": 0});
    add(
        "/v1/instruments/{symbol}/bars",
        "get",
        op(
            "get_bars",
            "market",
            "OHLCV bars in a time range, optionally resampled and adjusted",
            bar_params,
            None,
            &[("200", "a page of bars", Some(bars_page))],
        ),
    );
    add(
        "/v1/instruments/{symbol}/bars",
        "post",
        op(
            "ingest_bars",
            "market",
            "Bulk upsert of bars from JSON or CSV (admin tier): corrections replace, identical \
         bars are no-ops, any order; all or nothing",
            vec![
                path_symbol(false),
                q(
                    "interval",
                    json!({"type": "string", "enum": INTERVALS, "default": "1d"}),
                    "interval",
                ),
            ],
            Some(upload(r("BarsInput"))),
            &[("200", "ingested", Some(r("IngestResult")))],
        ),
    );
    add(
        "/v1/instruments/{symbol}/quote",
        "get",
        op(
            "get_quote",
            "market",
            "The latest bar of the instrument (any interval)",
            vec![path_symbol(true)],
            None,
            &[("200", "the latest quote", Some(r("Quote")))],
        ),
    );

    // corporate actions
    add(
        "/v1/instruments/{symbol}/actions",
        "get",
        op(
            "list_actions",
            "market",
            "Splits and dividends by ex-date",
            vec![path_symbol(true)],
            None,
            &[(
                "200",
                "the actions",
                Some(json!({"type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": r("CorporateAction")}}})),
            )],
        ),
    );
    add(
        "/v1/instruments/{symbol}/actions",
        "post",
        op(
            "put_action",
            "market",
            "Record a split or a dividend (admin tier; replaces one of the same ex-date and kind)",
            vec![path_symbol(false)],
            Some(json_body(r("ActionInput"))),
            &[("201", "recorded", Some(r("CorporateAction")))],
        ),
    );
    add(
        "/v1/instruments/{symbol}/actions/{ex_date}/{kind}",
        "delete",
        op(
            "delete_action",
            "market",
            "Delete a corporate action (admin tier)",
            vec![
                path_symbol(false),
                json!({"name": "ex_date", "in": "path", "required": true,
                 "schema": {"type": "string", "format": "date"}}),
                json!({"name": "kind", "in": "path", "required": true,
                 "schema": {"type": "string", "enum": ["split", "dividend"]}}),
            ],
            None,
            &[("204", "deleted", None)],
        ),
    );

    // functions over stored bars
    let mut names: Vec<&str> = bar_functions().map(|d| d.name).collect();
    names.sort_unstable();
    names.dedup();
    let mut ind_params = vec![
        path_symbol(true),
        json!({"name": "name", "in": "path", "required": true, "example": "RSI",
            "schema": {"type": "string", "enum": names}}),
    ];
    ind_params.extend(range_params());
    ind_params.push(q(
        "timeperiod",
        json!({"type": "integer", "minimum": 1, "maximum": 100_000}),
        "any declared parameter of the function is a query parameter; timeperiod is one",
    ));
    add(
        "/v1/instruments/{symbol}/indicators/{name}",
        "get",
        op(
            "instrument_indicator",
            "market",
            "Compute a declared function over stored bars: its open/high/low/close/volume/real \
         inputs are the bars' columns (real is the close), a returns input the close-to-close \
         simple returns; other query parameters are the function's parameters",
            ind_params,
            None,
            &[("200", "the outputs aligned with `ts`", Some(r("BarsComputation")))],
        ),
    );

    // portfolios
    let mut pl = paging(1000, 100);
    pl.push(q("sort", json!({"type": "string", "enum": ["created_at", "-created_at"]}), "order"));
    add(
        "/v1/portfolios",
        "get",
        op(
            "list_portfolios",
            "portfolios",
            "The caller's portfolios",
            pl,
            None,
            &[("200", "a page of portfolios", Some(page_of(r("Portfolio"))))],
        ),
    );
    add(
        "/v1/portfolios",
        "post",
        op(
            "create_portfolio",
            "portfolios",
            "Create a portfolio",
            vec![],
            Some(json_body(r("PortfolioInput"))),
            &[("201", "created", Some(r("Portfolio")))],
        ),
    );
    add(
        "/v1/portfolios/{id}",
        "get",
        op(
            "get_portfolio",
            "portfolios",
            "One portfolio",
            vec![path_pid()],
            None,
            &[("200", "the portfolio", Some(r("Portfolio")))],
        ),
    );
    add(
        "/v1/portfolios/{id}",
        "put",
        op(
            "update_portfolio",
            "portfolios",
            "Rename a portfolio or change its base currency or cost basis",
            vec![path_pid()],
            Some(json_body(r("PortfolioInput"))),
            &[("200", "updated", Some(r("Portfolio")))],
        ),
    );
    add(
        "/v1/portfolios/{id}",
        "delete",
        op(
            "delete_portfolio",
            "portfolios",
            "Delete a portfolio with its transactions",
            vec![path_pid()],
            None,
            &[("204", "deleted", None)],
        ),
    );
    let mut tl = vec![path_pid()];
    tl.extend(paging(1000, 100));
    tl.push(q(
        "sort",
        json!({"type": "string", "enum": ["timestamp", "-timestamp", "seq", "-seq"]}),
        "order",
    ));
    tl.push(q("type", json!({"type": "string"}), "only this transaction type"));
    tl.push(q("instrument", json!({"type": "string"}), "only this instrument"));
    add(
        "/v1/portfolios/{id}/transactions",
        "get",
        op(
            "list_transactions",
            "portfolios",
            "The portfolio's transactions",
            tl,
            None,
            &[("200", "a page of transactions", Some(page_of(r("StoredTransaction"))))],
        ),
    );
    let idem = json!({"$ref": "#/components/parameters/IdempotencyKey"});
    add(
        "/v1/portfolios/{id}/transactions",
        "post",
        op(
            "add_transactions",
            "portfolios",
            "Add transactions (JSON or CSV rows), booked through the ledger; all or nothing",
            vec![path_pid(), idem.clone()],
            Some(upload(r("TransactionsInput"))),
            &[("201", "added", Some(r("AppendResult")))],
        ),
    );
    add(
        "/v1/portfolios/{id}/transactions/{seq}",
        "delete",
        op(
            "delete_transaction",
            "portfolios",
            "Delete one transaction (409 if the rest would not book)",
            vec![
                path_pid(),
                json!({"name": "seq", "in": "path", "required": true,
            "schema": {"type": "integer", "minimum": 1}}),
            ],
            None,
            &[("204", "deleted", None)],
        ),
    );
    add(
        "/v1/portfolios/{id}/imports",
        "post",
        op(
            "import_transactions",
            "portfolios",
            "Import a CSV of transactions: every row validated, all or nothing; a file imported \
         before creates nothing (200, duplicate: true)",
            vec![path_pid(), idem],
            Some(json!({"text/csv": {"schema": {"type": "string"}}})),
            &[
                ("201", "imported", Some(r("AppendResult"))),
                ("200", "this file was imported before: nothing created", Some(r("AppendResult"))),
            ],
        ),
    );
    add(
        "/v1/portfolios/{id}/holdings",
        "get",
        op(
            "portfolio_holdings",
            "portfolios",
            "Holdings, cost, realised and unrealised P&L and cash, valued with the stored daily \
         closes",
            vec![
                path_pid(),
                q("date", json!({"type": "string", "format": "date"}), "as of this date"),
            ],
            None,
            &[("200", "the valuation", Some(r("Valuation")))],
        ),
    );
    let perf_params = |extra: Vec<Json>| {
        let mut v = vec![
            path_pid(),
            q("start", json!({"type": "string", "format": "date"}), "from the close of this date"),
            q("end", json!({"type": "string", "format": "date"}), "to the close of this date"),
            q(
                "flow_timing",
                json!({"type": "string", "enum": ["start", "end"]}),
                "when flows count",
            ),
        ];
        v.extend(extra);
        v
    };
    add(
        "/v1/portfolios/{id}/performance",
        "get",
        op(
            "portfolio_performance",
            "portfolios",
            "TWR, MWR (XIRR), ROI, ROAI and contributions over a period (core ledger)",
            perf_params(vec![
                q(
                    "period",
                    json!({"type": "string", "enum": ["month", "quarter", "year"]}),
                    "also per period",
                ),
                q(
                    "daily",
                    json!({"type": "boolean", "default": false}),
                    "include the daily series",
                ),
            ]),
            None,
            &[("200", "the performance", Some(r("Performance")))],
        ),
    );
    add(
        "/v1/portfolios/{id}/risk",
        "get",
        op(
            "portfolio_risk",
            "portfolios",
            "Risk metrics of the portfolio's daily returns (the declared risk functions)",
            perf_params(vec![
                q(
                    "risk_free",
                    json!({"type": "number"}),
                    "risk-free return per day (sharpe_ratio)",
                ),
                q(
                    "cutoff",
                    json!({"type": "number", "minimum": 0, "maximum": 1}),
                    "tail probability (value_at_risk)",
                ),
            ]),
            None,
            &[("200", "the metrics", Some(r("Risk")))],
        ),
    );
}

/// An enum's values plus `null` (the field may be sent as null: it then takes its default).
fn nullable(values: &[&str]) -> Json {
    let mut v: Vec<Json> = values.iter().map(|x| json!(x)).collect();
    v.push(Json::Null);
    Json::Array(v)
}

/// The job routes ([`crate::jobs`]).
pub fn job_paths(paths: &mut Map<String, Json>) {
    let mut add = |path: &str, method: &str, o: Json| {
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = o;
    };
    let mut list_params = paging(1000, 100);
    list_params.push(q(
        "sort",
        json!({"type": "string", "enum": ["created_at", "-created_at"], "default": "-created_at"}),
        "order (newest first by default)",
    ));
    list_params.push(q("status", json!({"type": "string", "enum": JOB_STATUSES}), "filter"));
    add(
        "/v1/jobs",
        "get",
        op(
            "list_jobs",
            "jobs",
            "The caller's jobs",
            list_params,
            None,
            &[("200", "a page of jobs", Some(page_of(r("Job"))))],
        ),
    );
    add(
        "/v1/jobs",
        "post",
        op(
            "submit_job",
            "jobs",
            "Run a declared function as a background job (429 TOO_MANY_JOBS above the tier's \
             limit of queued and running jobs)",
            vec![],
            Some(json!({"application/json": {"schema": r("JobInput")}})),
            &[("202", "queued; poll GET /v1/jobs/{id}", Some(r("Job")))],
        ),
    );
    let id = || vec![path_pid()];
    add(
        "/v1/jobs/{id}",
        "get",
        op(
            "get_job",
            "jobs",
            "One job: status, progress, error",
            id(),
            None,
            &[("200", "the job", Some(r("Job")))],
        ),
    );
    add(
        "/v1/jobs/{id}/result",
        "get",
        op(
            "job_result",
            "jobs",
            "A done job's answer, as POST /v1/{module}/{name} gives it (409 before it is done, \
             or when it failed or was cancelled)",
            id(),
            None,
            &[("200", "the compute answer", Some(json!({"type": "object"})))],
        ),
    );
    add(
        "/v1/jobs/{id}/cancel",
        "post",
        op(
            "cancel_job",
            "jobs",
            "Cancel a queued or running job (409 once it has finished)",
            id(),
            None,
            &[("200", "the cancelled job", Some(r("Job")))],
        ),
    );
}

/// The AutoIndex service routes ([`crate::autoindex`]).
pub fn autoindex_paths(paths: &mut Map<String, Json>) {
    let mut add = |path: &str, method: &str, o: Json| {
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = o;
    };
    let body = |s: &str| Some(json!({"application/json": {"schema": r(s)}}));
    let id = || vec![path_pid()];
    let base = "/v1/autoindex/strategies";
    add(
        base,
        "get",
        op(
            "list_strategies",
            "strategies",
            "The caller's AutoIndex strategies",
            paging(1000, 100),
            None,
            &[("200", "a page of strategies", Some(page_of(r("IndexStrategy"))))],
        ),
    );
    add(
        base,
        "post",
        op(
            "create_strategy",
            "strategies",
            "Create a strategy (validated by the core; the universe must be instruments)",
            vec![],
            body("IndexStrategyInput"),
            &[("201", "created", Some(r("IndexStrategy")))],
        ),
    );
    let one = format!("{base}/{{id}}");
    add(
        &one,
        "get",
        op(
            "get_strategy",
            "strategies",
            "One strategy",
            id(),
            None,
            &[("200", "the strategy", Some(r("IndexStrategy")))],
        ),
    );
    add(
        &one,
        "put",
        op(
            "update_strategy",
            "strategies",
            "Replace name, strategy and schedule (a changed schedule restarts next_run_at)",
            id(),
            body("IndexStrategyInput"),
            &[("200", "replaced", Some(r("IndexStrategy")))],
        ),
    );
    add(
        &one,
        "delete",
        op(
            "delete_strategy",
            "strategies",
            "Delete it with its rebalances",
            id(),
            None,
            &[("204", "deleted", None)],
        ),
    );
    let mut range = id();
    range.push(q("from", json!({"type": "string", "examples": ["2010-01-01"]}), "first bar date"));
    range.push(q("to", json!({"type": "string"}), "last bar date (inclusive)"));
    add(
        &format!("{one}/backtest"),
        "get",
        op(
            "backtest_strategy",
            "strategies",
            "Backtest over the stored adjusted daily closes (the declared autoindex.backtest)",
            range,
            None,
            &[("200", "the core's backtest", Some(json!({"type": "object"})))],
        ),
    );
    add(&format!("{one}/simulate"), "post", op("simulate_strategy", "strategies",
        "Percentile bands of the index's future value (the declared autoindex.simulate over the backtest's values)",
        id(), body("IndexSimulateInput"),
        &[("200", "the simulation", Some(json!({"type": "object",
            "properties": {"as_of": {"type": ["string", "null"]}, "simulation": {"type": "object"}}})))]));
    add(
        &format!("{one}/rebalance"),
        "post",
        op(
            "rebalance_strategy",
            "strategies",
            "Run the strategy to the newest bar and record its allocation",
            id(),
            None,
            &[("201", "the recorded rebalance", Some(r("IndexRebalance")))],
        ),
    );
    add(
        &format!("{one}/allocation"),
        "get",
        op(
            "strategy_allocation",
            "strategies",
            "The latest recorded allocation (404 before the first rebalance)",
            id(),
            None,
            &[("200", "the latest rebalance", Some(r("IndexRebalance")))],
        ),
    );
    let mut hist = id();
    hist.extend(paging(1000, 100));
    hist.push(q(
        "sort",
        json!({"type": "string", "enum": ["created_at", "-created_at"]}),
        "order (newest first by default)",
    ));
    add(
        &format!("{one}/rebalances"),
        "get",
        op(
            "strategy_rebalances",
            "strategies",
            "The recorded rebalances (manual and scheduled)",
            hist,
            None,
            &[("200", "a page of rebalances", Some(page_of(r("IndexRebalance"))))],
        ),
    );
}

/// The schemas of the AutoIndex service routes.
#[must_use]
pub fn autoindex_schemas() -> Map<String, Json> {
    let mut m = Map::new();
    let sched = json!({"type": ["string", "null"], "enum": ["daily", "weekly", "monthly", null]});
    m.insert("IndexStrategy".into(), json!({"type": "object",
        "required": ["id", "name", "strategy", "auto_rebalance", "next_run_at", "created_at", "updated_at"],
        "properties": {"id": {"type": "string"}, "name": {"type": "string"},
            "strategy": {"type": "object"}, "auto_rebalance": sched,
            "next_run_at": {"type": ["integer", "null"]},
            "created_at": {"type": "integer"}, "updated_at": {"type": "integer"}}}));
    m.insert("IndexStrategyInput".into(), json!({"type": "object", "additionalProperties": false,
        "required": ["name", "strategy"],
        "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200},
            "strategy": {"type": "object", "description": "the core's strategy, version 1 (docs/autoindex.md)"},
            "auto_rebalance": sched},
        "examples": [{"name": "Two indexes", "auto_rebalance": "monthly",
            "strategy": {"version": 1, "universe": {"kind": "static", "symbols": ["SPX", "IXIC"]},
                "weighting": {"scheme": "inverse_volatility", "window": 63},
                "schedule": {"kind": "monthly"}, "costs": {"bps": 10}}}]}));
    m.insert("IndexSimulateInput".into(), json!({"type": "object", "additionalProperties": false,
        "properties": {"config": {"type": ["object", "null"],
                "description": "the core's simulation config (version 1) or null for defaults"},
            "from": {"type": ["string", "null"]}, "to": {"type": ["string", "null"]}},
        "examples": [{"config": {"version": 1, "method": "bootstrap", "horizon": 21, "paths": 1000, "seed": 1}}]}));
    m.insert("IndexRebalance".into(), json!({"type": "object",
        "required": ["id", "kind", "as_of", "created_at"],
        "properties": {"id": {"type": "string"}, "kind": {"type": "string", "enum": ["manual", "schedule"]},
            "as_of": {"type": "string"}, "value": r("Number"), "cash": r("Number"),
            "weights": {"type": ["object", "null"]}, "targets": {"type": ["object", "null"]},
            "last_rebalance": {"type": ["object", "null"]}, "rebalances": {"type": "integer"},
            "created_at": {"type": "integer"}}}));
    m
}

/// The news routes ([`crate::news`]).
pub fn news_paths(paths: &mut Map<String, Json>) {
    let mut add = |path: &str, method: &str, o: Json| {
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = o;
    };
    add("/v1/news", "post", op("ingest_news", "news",
        "Ingest news items (admin): scored by the finance scorer, tagged with the instruments they mention; stored once per (source, id)",
        vec![], Some(json!({"application/json": {"schema": r("NewsInput")}})),
        &[("200", "what was stored", Some(json!({"type": "object",
            "required": ["received", "created", "duplicates", "tagged"],
            "properties": {"received": {"type": "integer"}, "created": {"type": "integer"},
                "duplicates": {"type": "integer"}, "tagged": {"type": "integer"}}})))]));
    let mut params = vec![path_symbol(true)];
    params.push(q("from", json!({"type": "string"}), "first publication time"));
    params.push(q(
        "to",
        json!({"type": "string"}),
        "last publication time (a date includes its day)",
    ));
    params.extend(paging(1000, 100));
    params.push(q(
        "sort",
        json!({"type": "string", "enum": ["published_at", "-published_at"]}),
        "order (newest first by default)",
    ));
    add("/v1/instruments/{symbol}/news", "get", op("instrument_news", "news",
        "News mentioning an instrument, with the item's score and the score of the sentences that mention it",
        params, None, &[("200", "a page of news", Some(page_of(r("NewsItem"))))]));
    let params = vec![
        path_symbol(true),
        q("from", json!({"type": "string"}), "first trading day (older items still count in `decayed`)"),
        q("to", json!({"type": "string"}), "last publication time (a date includes its day)"),
        q("calendar", json!({"type": "string", "examples": ["XNYS", "weekdays"]}),
            "trading calendar: XNYS, XNAS, weekdays or all (default: XNYS for America/New_York instruments, else weekdays)"),
        q("close", json!({"type": "string", "examples": ["16:00"]}),
            "the close in exchange time, HH:MM; later items count on the next trading day"),
        q("half_life_hours", json!({"type": "number", "minimum": 0.01, "maximum": 87600}),
            "half-life of the time decay, hours (default 24)"),
    ];
    add("/v1/instruments/{symbol}/sentiment", "get", op("instrument_sentiment", "news",
        "Daily sentiment of an instrument: per trading day the count, mean and standard deviation of the stored item scores, and the time-decayed mean",
        params, None, &[("200", "one row per trading day with news", Some(r("DailySentiment")))]));
}

/// The schemas of the news routes.
#[must_use]
pub fn news_schemas() -> Map<String, Json> {
    let mut m = Map::new();
    m.insert(
        "NewsInput".into(),
        json!({"type": "object", "additionalProperties": false,
        "required": ["items"],
        "properties": {"items": {"type": "array", "minItems": 1, "maxItems": 1000,
            "items": {"type": "object", "additionalProperties": false,
                "required": ["source", "id", "published_at", "title"],
                "properties": {"source": {"type": "string", "minLength": 1, "maxLength": 100},
                    "id": {"type": "string", "minLength": 1, "maxLength": 200},
                    "published_at": {"type": "string", "examples": ["2024-05-02T13:00:00Z"]},
                    "title": {"type": "string", "minLength": 1, "maxLength": 1000},
                    "body": {"type": ["string", "null"]}, "url": {"type": ["string", "null"]}}}}}}),
    );
    m.insert(
        "DailySentiment".into(),
        json!({"type": "object",
        "required": ["symbol", "calendar", "time_zone", "close_seconds", "half_life_hours", "days"],
        "properties": {"symbol": {"type": "string"}, "calendar": {"type": "string"},
            "time_zone": {"type": "string"}, "close_seconds": {"type": "integer"},
            "half_life_hours": {"type": "number"},
            "days": {"type": "array", "items": {"type": "object",
                "required": ["day", "count", "mean", "std", "decayed"],
                "properties": {"day": {"type": "string"}, "count": {"type": "integer"},
                    "mean": {"type": "number"}, "std": {"type": "number"},
                    "decayed": {"type": "number"}}}}}}),
    );
    m.insert("NewsItem".into(), json!({"type": "object",
        "required": ["id", "source", "external_id", "published_at", "title", "score", "entity_score"],
        "properties": {"id": {"type": "string"}, "source": {"type": "string"},
            "external_id": {"type": "string"}, "published_at": {"type": "string"},
            "title": {"type": "string"}, "url": {"type": ["string", "null"]},
            "score": {"type": "number"}, "entity_score": {"type": "number"},
            "sentences": {"type": "integer"}, "mentions": {"type": "integer"}}}));
    m
}

/// The schemas of the job routes.
#[must_use]
pub fn job_schemas() -> Map<String, Json> {
    let mut m = Map::new();
    m.insert(
        "Job".into(),
        json!({"type": "object",
        "required": ["id", "module", "name", "status", "progress", "created_at", "started_at",
                     "finished_at", "error", "result_url"],
        "properties": {"id": {"type": "string"}, "module": {"type": "string"},
            "name": {"type": "string"},
            "status": {"type": "string", "enum": JOB_STATUSES},
            "progress": {"type": "number", "minimum": 0, "maximum": 1},
            "created_at": {"type": "integer"},
            "started_at": {"type": ["integer", "null"]},
            "finished_at": {"type": ["integer", "null"]},
            "error": {"description": "a failed job's error: {code, message, parameter}",
                      "type": ["object", "null"]},
            "result_url": {"type": "string"}}}),
    );
    m.insert(
        "JobInput".into(),
        json!({"type": "object", "additionalProperties": false, "required": ["module", "name"],
        "properties": {"module": {"type": "string", "examples": ["mc"]},
            "name": {"type": "string", "examples": ["simulate_gbm"]},
            "inputs": {"type": "object", "description": "as in POST /v1/{module}/{name}"},
            "params": {"type": "object", "description": "as in POST /v1/{module}/{name}"}},
        "examples": [{"module": "mc", "name": "simulate_gbm", "inputs": {},
                      "params": {"s0": 100.0, "paths": 1000, "steps": 252, "seed": 7}}]}),
    );
    m
}

/// The schemas the paths refer to.
#[must_use]
pub fn schemas() -> Map<String, Json> {
    let num = r("Number");
    let mut m = Map::new();
    m.insert("Instrument".into(), json!({"type": "object",
        "required": ["symbol", "name", "currency", "time_zone", "utc_offset_minutes", "asset_class"],
        "properties": {"symbol": {"type": "string"}, "name": {"type": "string"},
            "currency": {"type": "string"}, "time_zone": {"type": ["string", "null"]},
            "utc_offset_minutes": {"type": "integer"}, "asset_class": {"type": "string"},
            "created_at": {"type": "integer"}, "updated_at": {"type": "integer"},
            "bars": {"type": "array", "items": {"type": "object",
                "required": ["interval", "count", "first", "last"],
                "properties": {"interval": {"type": "string"}, "count": {"type": "integer"},
                    "first": {"type": "string"}, "last": {"type": "string"}}}}}}));
    m.insert(
        "InstrumentInput".into(),
        json!({"type": "object", "additionalProperties": false,
        "required": ["name", "currency", "asset_class"],
        "properties": {"symbol": {"type": ["string", "null"], "examples": ["AAPL"]},
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "currency": {"type": "string", "pattern": "^[A-Z0-9]{3,10}$", "examples": ["USD"]},
            "time_zone": {"type": ["string", "null"], "examples": ["America/New_York", "+05:30"]},
            "utc_offset_minutes": {"type": ["integer", "null"], "minimum": -840, "maximum": 840},
            "asset_class": {"type": "string", "enum": ASSET_CLASSES}}}),
    );
    m.insert(
        "Bar".into(),
        json!({"type": "object",
        "required": ["ts", "open", "high", "low", "close", "volume", "count"],
        "properties": {"ts": {"type": "string"}, "open": num, "high": num, "low": num,
            "close": num, "volume": num, "count": {"type": "integer"},
            "sessions": {"type": "integer", "minimum": 0}}}),
    );
    let cell = json!({"type": ["number", "string"]});
    m.insert(
        "BarsInput".into(),
        json!({"type": "object", "additionalProperties": false,
        "required": ["bars"],
        "properties": {"interval": {"type": ["string", "null"], "enum": nullable(&INTERVALS)},
            "bars": {"type": "array", "items": {"type": "object", "additionalProperties": false,
                "required": ["ts", "open", "high", "low", "close"],
                "properties": {"ts": {"type": ["string", "integer"], "examples": ["2024-01-02"]},
                    "open": cell, "high": cell, "low": cell, "close": cell, "volume": {"type": ["number", "string", "null"]}}}}}}),
    );
    m.insert(
        "IngestResult".into(),
        json!({"type": "object",
        "required": ["symbol", "interval", "received", "written", "unchanged"],
        "properties": {"symbol": {"type": "string"}, "interval": {"type": "string"},
            "received": {"type": "integer"}, "duplicates_in_request": {"type": "integer"},
            "written": {"type": "integer"}, "unchanged": {"type": "integer"}}}),
    );
    m.insert(
        "Quote".into(),
        json!({"type": "object",
        "required": ["symbol", "currency", "interval", "ts", "price"],
        "properties": {"symbol": {"type": "string"}, "currency": {"type": "string"},
            "interval": {"type": "string"}, "ts": {"type": "string"}, "price": num,
            "open": num, "high": num, "low": num, "close": num, "volume": num}}),
    );
    m.insert("CorporateAction".into(), json!({"type": "object", "required": ["ex_date", "kind"],
        "properties": {"ex_date": {"type": "string"}, "kind": {"enum": ["split", "dividend"]},
            "numerator": {"type": ["integer", "null"]}, "denominator": {"type": ["integer", "null"]},
            "amount": {"type": ["string", "null"]}}}));
    m.insert(
        "ActionInput".into(),
        json!({"type": "object", "additionalProperties": false,
        "required": ["ex_date", "kind"],
        "properties": {"ex_date": {"type": "string", "format": "date"},
            "kind": {"type": "string", "enum": ["split", "dividend"]},
            "numerator": {"type": ["integer", "null"], "minimum": 1, "maximum": 1_000_000},
            "denominator": {"type": ["integer", "null"], "minimum": 1, "maximum": 1_000_000},
            "amount": {"type": ["string", "number", "null"]}}}),
    );
    m.insert(
        "BarsComputation".into(),
        json!({"type": "object",
        "required": ["module", "function", "params", "outputs", "symbol", "interval", "ts"],
        "properties": {"module": {"type": "string"}, "function": {"type": "string"},
            "params": {"type": "object"}, "outputs": {"type": "object"},
            "symbol": {"type": "string"}, "interval": {"type": "string"},
            "adjusted": {"type": "boolean"},
            "ts": {"type": "array", "items": {"type": "string"}}}}),
    );
    m.insert("Portfolio".into(), json!({"type": "object",
        "required": ["id", "name", "base_currency", "cost_basis", "created_at", "updated_at"],
        "properties": {"id": {"type": "string"}, "name": {"type": "string"},
            "base_currency": {"type": "string"}, "cost_basis": {"enum": ["fifo", "lifo", "average"]},
            "created_at": {"type": "integer"}, "updated_at": {"type": "integer"},
            "transactions": {"type": "integer"}}}));
    m.insert("PortfolioInput".into(), json!({"type": "object", "additionalProperties": false,
        "required": ["name"],
        "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200},
            "base_currency": {"type": ["string", "null"], "pattern": "^[A-Z0-9]{3,10}$", "default": "USD"},
            "cost_basis": {"type": ["string", "null"], "enum": ["fifo", "lifo", "average", null], "default": "fifo"}}}));
    let tx_props: Map<String, Json> = TX_COLUMNS
        .iter()
        .map(|c| ((*c).to_owned(), json!({"type": ["string", "number", "null"]})))
        .collect();
    let tx = json!({"type": "object", "additionalProperties": false,
        "required": ["timestamp", "type"], "properties": tx_props});
    m.insert(
        "TransactionsInput".into(),
        json!({"type": "object", "additionalProperties": false,
        "required": ["transactions"],
        "properties": {"transactions": {"type": "array", "items": tx}}}),
    );
    m.insert(
        "StoredTransaction".into(),
        json!({"type": "object",
        "required": ["timestamp", "type", "seq"],
        "properties": {"timestamp": {"type": "string"}, "type": {"type": "string"},
            "seq": {"type": "integer"}, "import_id": {"type": ["string", "null"]}}}),
    );
    m.insert(
        "AppendResult".into(),
        json!({"type": "object",
        "required": ["import_id", "created", "rows", "duplicate"],
        "properties": {"import_id": {"type": ["string", "null"]}, "created": {"type": "integer"},
            "rows": {"type": "integer"}, "duplicate": {"type": "boolean"},
            "first_seq": {"type": "integer"}}}),
    );
    m.insert(
        "Valuation".into(),
        json!({"type": "object",
        "required": ["base_currency", "holdings", "cash", "portfolio_id"],
        "properties": {"date": {"type": ["string", "null"]}, "base_currency": {"type": "string"},
            "holdings": {"type": "array", "items": {"type": "object"}},
            "cash": {"type": "array", "items": {"type": "object"}},
            "total_base": {"type": ["string", "null"]}, "portfolio_id": {"type": "string"}}}),
    );
    m.insert("Performance".into(), json!({"type": "object",
        "required": ["start", "end", "twr", "gain", "portfolio_id"],
        "description": "decimal amounts are strings; returns are numbers (mwr, roi, roai may be null)",
        "properties": {"start": {"type": "string"}, "end": {"type": "string"},
            "start_value": {"type": "string"}, "end_value": {"type": "string"},
            "gain": {"type": "string"}, "twr": num, "twr_annualised": num,
            "mwr": num, "roi": num, "roai": num, "mwr_error": {"type": ["string", "null"]},
            "contributions": {"type": "array", "items": {"type": "object"}},
            "daily": {"type": "array", "items": {"type": "object"}},
            "periods": {"type": "array", "items": {"type": "object"}},
            "portfolio_id": {"type": "string"}}}));
    m.insert(
        "Risk".into(),
        json!({"type": "object",
        "required": ["start", "end", "observations", "metrics", "portfolio_id"],
        "properties": {"start": {"type": "string"}, "end": {"type": "string"},
            "observations": {"type": "integer"}, "frequency": {"const": "daily"},
            "metrics": {"type": "object", "additionalProperties": num},
            "params": {"type": "object"}, "portfolio_id": {"type": "string"}}}),
    );
    m
}

/// The real-time routes ([`crate::realtime`]): quotes in, alerts, alert events, and the
/// WebSocket upgrade (its protocol is in docs/realtime.md).
pub fn realtime_paths(paths: &mut Map<String, Json>) {
    let mut add = |path: &str, method: &str, o: Json| {
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = o;
    };
    add("/v1/quotes", "post", op("ingest_quotes", "realtime",
        "Ingest live quotes (admin): the forming candle of every live interval is updated in place, closed candles stored, streaming indicators and alerts evaluated, subscribers notified",
        vec![], Some(json!({"application/json": {"schema": r("QuotesInput")}})),
        &[("200", "what was applied", Some(r("QuotesReport")))]));
    add("/v1/quotes/replay", "post", op("replay_quotes", "realtime",
        "Replay a CSV file of quotes (admin; header symbol,ts,price[,volume]) through the live ingest at a speed: `max`, or a factor of real time; answers when the replay ends",
        vec![q("speed", json!({"type": "string", "default": "max"}), "`max` or a positive factor (1 = real time, 60 = a minute of quotes a second)")],
        Some(json!({"text/csv": {"schema": {"type": "string"}}})),
        &[("200", "the added-up ingest reports", Some(json!({"type": "object"})))]));
    add("/v1/alerts", "post", op("create_alert", "realtime",
        "Create an alert on the price, a streaming indicator or the daily news sentiment (crosses a level or another indicator, enters or leaves a band), validated against the declarations",
        vec![], Some(json!({"application/json": {"schema": r("AlertInput")}})),
        &[("201", "the alert", Some(r("Alert")))]));
    add(
        "/v1/alerts",
        "get",
        op(
            "list_alerts",
            "realtime",
            "The caller's alerts, oldest first",
            paging(1000, 100),
            None,
            &[("200", "a page of alerts", Some(page_of(r("Alert"))))],
        ),
    );
    let mut params = paging(1000, 100);
    params.push(q(
        "alert_id",
        json!({"type": "string", "pattern": "^[0-9a-f]{32}$"}),
        "only this alert's events",
    ));
    add(
        "/v1/alerts/events",
        "get",
        op(
            "list_alert_events",
            "realtime",
            "The caller's fired alert events, by event time",
            params,
            None,
            &[("200", "a page of events", Some(page_of(r("AlertEvent"))))],
        ),
    );
    add(
        "/v1/alerts/{id}",
        "get",
        op(
            "get_alert",
            "realtime",
            "One alert with its state",
            vec![path_pid()],
            None,
            &[("200", "the alert", Some(r("Alert")))],
        ),
    );
    add(
        "/v1/alerts/{id}",
        "delete",
        op(
            "delete_alert",
            "realtime",
            "Delete an alert with its events",
            vec![path_pid()],
            None,
            &[("204", "deleted", None)],
        ),
    );
    let mut ws = op("stream", "realtime",
        "WebSocket of live quotes, bars, indicator values, alert events, news and portfolio values (upgrade request; protocol in docs/realtime.md)",
        vec![q("access_token", json!({"type": "string"}),
            "the access token, for clients that cannot send the Authorization header")],
        None, &[("101", "switching to the WebSocket protocol", None)]);
    ws["description"] = json!(
        "Authenticated with the access token. Server frames are JSON \
        objects: `welcome`, `events` (a batch of `quote`, `bar`, `indicator`, `alert`, `news`, \
        `portfolio`, `lagged` events), replies (`subscribed`, `unsubscribed`, `ack`, `pong`, `error`) and \
        `heartbeat`. Close codes: 4001 token expired, 4008 slow consumer, 4029 too many \
        subscriptions, 4400 too many invalid messages, 1009 message too big."
    );
    add("/v1/stream", "get", ws);
}

/// The schemas of the real-time routes.
#[must_use]
pub fn realtime_schemas() -> Map<String, Json> {
    let mut m = Map::new();
    m.insert(
        "QuotesInput".into(),
        json!({"type": "object", "additionalProperties": false,
        "required": ["quotes"],
        "properties": {"quotes": {"type": "array", "maxItems": 100_000, "items": {
            "type": "object", "additionalProperties": false, "required": ["symbol", "ts", "price"],
            "properties": {
                "symbol": {"type": "string", "minLength": 1, "maxLength": 32,
                    "pattern": "^[A-Za-z0-9._^=-]+$", "example": "MSFT"},
                "ts": {"oneOf": [
                    {"type": "number", "minimum": 0, "maximum": 7_258_118_400_i64},
                    {"type": "string", "format": "date-time"}],
                    "description": "unix seconds (fractions allowed) or an RFC 3339 time"},
                "price": {"type": "number", "exclusiveMinimum": 0},
                "volume": {"type": ["number", "null"], "minimum": 0}}}}}}),
    );
    m.insert(
        "QuotesReport".into(),
        json!({"type": "object",
        "required": ["received", "accepted", "duplicates", "late", "alerts_fired", "refused"],
        "properties": {"received": {"type": "integer"}, "accepted": {"type": "integer"},
            "duplicates": {"type": "integer"}, "late": {"type": "integer"},
            "alerts_fired": {"type": "integer"},
            "refused": {"type": "array", "items": {"type": "object",
                "properties": {"row": {"type": "integer"}, "reason": {"type": "string"}}}}}}),
    );
    let indicator = json!({"type": "object", "additionalProperties": false, "required": ["name"],
        "properties": {"name": {"type": "string", "example": "RSI"},
            "params": {"type": ["object", "null"], "example": {"timeperiod": 14}},
            "output": {"type": ["string", "null"]}}});
    m.insert("AlertInput".into(), json!({"type": "object", "additionalProperties": false,
        "required": ["symbol", "op"],
        "properties": {
            "symbol": {"type": "string", "minLength": 1, "maxLength": 32,
                "pattern": "^[A-Za-z0-9._^=-]+$", "example": "MSFT"},
            "interval": {"type": ["string", "null"], "enum": [null, "1m", "5m", "15m", "30m", "1h", "1d", "1w", "1mo"]},
            "indicator": {"anyOf": [indicator, {"type": "null"}],
                "description": "the left side; the price when absent"},
            "op": {"type": "string",
                "enum": ["crosses_above", "crosses_below", "crosses", "enters_band", "leaves_band"]},
            "level": {"type": ["number", "null"]},
            "ref": {"anyOf": [indicator, {"type": "null"}],
                "description": "an indicator as the right side of a crossing"},
            "band": {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
            "on": {"type": ["string", "null"], "enum": [null, "tick", "bar"]},
            "note": {"type": ["string", "null"], "maxLength": 200},
            "sentiment": {"type": ["object", "null"], "additionalProperties": false,
                "description": "an alert on the instrument's daily news sentiment (evaluated on news ingest; no indicator, ref, on or interval)",
                "properties": {"measure": {"type": ["string", "null"], "enum": [null, "mean", "decayed"]},
                    "half_life_hours": {"type": ["number", "null"], "minimum": 0.01, "maximum": 87600}}}},
        "example": {"symbol": "MSFT", "indicator": {"name": "RSI", "params": {"timeperiod": 14}},
            "op": "crosses_below", "level": 30, "on": "bar"}}));
    m.insert(
        "Alert".into(),
        json!({"type": "object",
        "required": ["id", "symbol", "interval", "op", "side", "fired_count", "created_at"],
        "properties": {"id": {"type": "string"}, "symbol": {"type": "string"},
            "interval": {"type": "string"}, "op": {"type": "string"},
            "side": {"type": "integer", "enum": [-1, 0, 1]},
            "fired_count": {"type": "integer"},
            "last_fired_at": {"type": ["string", "null"]}, "created_at": {"type": "string"}}}),
    );
    m.insert(
        "AlertEvent".into(),
        json!({"type": "object",
        "required": ["id", "alert_id", "symbol", "ts", "direction", "value", "threshold"],
        "properties": {"type": {"type": "string"}, "id": {"type": "string"},
            "alert_id": {"type": "string"}, "symbol": {"type": "string"}, "ts": {"type": "string"},
            "direction": {"type": "string", "enum": ["above", "below", "entered", "left"]},
            "value": {"type": ["number", "null"]}, "threshold": {"type": ["number", "null"]},
            "created_at": {"type": "string"}}}),
    );
    m
}
