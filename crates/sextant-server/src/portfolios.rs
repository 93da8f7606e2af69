//! Portfolios over HTTP: CRUD per user, transactions booked through the core ledger
//! ([`sextant_core::ledger`]) in decimal money, a CSV import that validates every row and
//! commits all or nothing (idempotent by file and by `Idempotency-Key`), holdings, performance
//! (TWR, MWR, ROI, ROAI, contributions) valued with the stored daily bars, and risk metrics of
//! the daily returns computed by the declared risk functions. Only the owner sees a portfolio
//! (another user's id is a 404, as an unknown one).

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Map, Value as JsonValue};
use sextant_core::ledger::{
    CostBasis, FlowTiming, Instrument, Ledger, LedgerConfig, LedgerError, MarketData, OrderPolicy,
    PerformanceOptions, Period, Transaction,
};
use sextant_core::registry;

use crate::accounts::{audit, Authed, Ctx, JsonBody, Principal, Q};
use crate::app::{fingerprint, now_unix, AppState};
use crate::convert::{self, ComputeRequest};
use crate::csv::{self, RowError};
use crate::error::ApiError;
use crate::market::{
    check_currency, check_name, page, paged, parse_time, read_upload, utc_date, P,
};
use crate::store::{Appended, ImportRec, Portfolio, StoredResponse, StoredTx};

/// One uploaded row: its row number and its cells by column.
type Row = (usize, BTreeMap<String, String>);

/// Most transactions one request may add.
pub const MAX_TRANSACTIONS_PER_REQUEST: usize = 100_000;

fn bad(field: &'static str, reason: impl Into<String>) -> ApiError {
    ApiError::InvalidField { field, reason: reason.into() }
}

// --- portfolios CRUD ----------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortfolioReq {
    name: String,
    #[serde(default)]
    base_currency: Option<String>,
    #[serde(default)]
    cost_basis: Option<String>,
}

fn check_portfolio(req: &PortfolioReq) -> Result<(String, String), ApiError> {
    check_name("name", &req.name)?;
    let base = req.base_currency.clone().unwrap_or_else(|| "USD".into());
    check_currency("base_currency", &base)?;
    let cb = req.cost_basis.clone().unwrap_or_else(|| "fifo".into());
    if !["fifo", "lifo", "average"].contains(&cb.as_str()) {
        return Err(bad("cost_basis", "must be fifo, lifo or average"));
    }
    Ok((base, cb))
}

fn portfolio_json(p: &Portfolio) -> JsonValue {
    json!({"id": p.id, "name": p.name, "base_currency": p.base_currency,
        "cost_basis": p.cost_basis, "created_at": p.created_at, "updated_at": p.updated_at})
}

/// The caller's portfolio with this id (404 for an unknown id and for another user's).
async fn owned(app: &AppState, p: &Principal, id: &str) -> Result<Portfolio, ApiError> {
    if !crate::market::is_record_id(id) {
        return Err(ApiError::NoSuchResource("portfolio"));
    }
    match app.store.portfolio(id).await? {
        Some(pf) if pf.user_id == p.user.id => Ok(pf),
        _ => Err(ApiError::NoSuchResource("portfolio")),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    sort: Option<String>,
}

async fn list(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    Q(q): Q<ListQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    let (limit, offset) = page(q.limit, q.offset, 100, 1000)?;
    let desc = crate::market::sort_desc_or(q.sort.as_deref(), "created_at", false)?;
    let mut rows = app.store.portfolios_of(&p.user.id, desc, limit + 1, offset).await?;
    let more = rows.len() > usize::try_from(limit).unwrap_or(0);
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(Json(paged(rows.iter().map(portfolio_json).collect(), limit, offset, more)))
}

async fn create(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    JsonBody(req): JsonBody<PortfolioReq>,
) -> Result<Response, ApiError> {
    let (base, cb) = check_portfolio(&req)?;
    let now = now_unix();
    let pf = Portfolio {
        id: crate::auth::random_id(),
        user_id: p.user.id.clone(),
        name: req.name,
        base_currency: base,
        cost_basis: cb,
        tx_count: 0,
        created_at: now,
        updated_at: now,
    };
    app.store.create_portfolio(&pf).await?;
    audit(&app, &ctx, Some(&p.user.id), "portfolio.create", Some(&pf.id), json!({})).await?;
    Ok((StatusCode::CREATED, Json(portfolio_json(&pf))).into_response())
}

async fn get_one(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
) -> Result<Json<JsonValue>, ApiError> {
    let pf = owned(&app, &p, &id).await?;
    let mut body = portfolio_json(&pf);
    body["transactions"] = json!(app.store.transactions(&id).await?.len());
    Ok(Json(body))
}

async fn update(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    P(id): P<String>,
    JsonBody(req): JsonBody<PortfolioReq>,
) -> Result<Json<JsonValue>, ApiError> {
    let mut pf = owned(&app, &p, &id).await?;
    let (base, cb) = check_portfolio(&req)?;
    let (old_base, old_cb) = (pf.base_currency.clone(), pf.cost_basis.clone());
    pf.name = req.name;
    pf.base_currency = base;
    pf.cost_basis = cb;
    pf.updated_at = now_unix();
    if pf.base_currency != old_base || pf.cost_basis != old_cb {
        // the stored transactions must still book under the new settings
        let txs = app.store.transactions(&id).await?;
        ledger_of(&app, &pf, &txs, &[]).await.map_err(|e| e.into_api(0))?;
    }
    app.store.update_portfolio(&pf).await?;
    audit(&app, &ctx, Some(&p.user.id), "portfolio.update", Some(&id), json!({})).await?;
    Ok(Json(portfolio_json(&pf)))
}

async fn remove(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    P(id): P<String>,
) -> Result<StatusCode, ApiError> {
    owned(&app, &p, &id).await?;
    app.store.delete_portfolio(&id).await?;
    audit(&app, &ctx, Some(&p.user.id), "portfolio.delete", Some(&id), json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- transactions: validation -------------------------------------------------------------------

/// The columns of a transaction row (CSV header or JSON keys).
pub const TX_COLUMNS: [&str; 16] = [
    "timestamp",
    "type",
    "instrument",
    "currency",
    "quantity",
    "price",
    "fee",
    "amount",
    "tax",
    "cost",
    "numerator",
    "denominator",
    "from_currency",
    "from_amount",
    "to_currency",
    "to_amount",
];

const DECIMAL_COLUMNS: [&str; 8] =
    ["quantity", "price", "fee", "amount", "tax", "cost", "from_amount", "to_amount"];

/// (required, optional) fields of each transaction type.
fn fields_of(kind: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match kind {
        "buy" | "sell" => (&["instrument", "quantity", "price"], &["fee"]),
        "dividend" => (&["instrument", "amount"], &["tax"]),
        "dividend_reinvested" => (&["instrument", "quantity", "price"], &["tax"]),
        "fee" | "tax" => (&["currency", "amount"], &["instrument"]),
        "split" => (&["instrument", "numerator", "denominator"], &[]),
        "deposit" | "withdrawal" => (&["currency", "amount"], &[]),
        "transfer_in" => (&["instrument", "quantity", "price"], &["cost"]),
        "transfer_out" => (&["instrument", "quantity", "price"], &[]),
        "fx_conversion" => {
            (&["from_currency", "from_amount", "to_currency", "to_amount"], &["fee"])
        }
        _ => return None,
    })
}

/// Checks one row's cells (column -> text) and builds the ledger transaction. Every problem of
/// the row is reported with its column.
fn row_to_tx(
    row: usize,
    cells: &BTreeMap<String, String>,
    errs: &mut Vec<RowError>,
) -> Option<Transaction> {
    let n0 = errs.len();
    let get = |k: &str| cells.get(k).map(String::as_str).filter(|s| !s.is_empty());
    let ts = match get("timestamp") {
        None => {
            errs.push(RowError::new(row, Some("timestamp"), "is required"));
            None
        }
        Some(s) => match parse_time(s).and_then(|t| DateTime::<Utc>::from_timestamp(t, 0)) {
            Some(t) => Some(t),
            None => {
                errs.push(RowError::new(
                    row,
                    Some("timestamp"),
                    "must be RFC 3339 (2024-01-02T15:00:00Z), YYYY-MM-DD or unix seconds",
                ));
                None
            }
        },
    };
    let kind = get("type").unwrap_or("");
    let Some((required, optional)) = fields_of(kind) else {
        errs.push(RowError::new(
            row,
            Some("type"),
            format!(
            "must be one of buy, sell, dividend, dividend_reinvested, fee, tax, split, deposit, \
             withdrawal, transfer_in, transfer_out, fx_conversion; got {kind:?}"),
        ));
        return None;
    };
    let mut obj = Map::new();
    obj.insert("type".into(), json!(kind));
    for (col, val) in cells.iter().filter(|(_, v)| !v.is_empty()) {
        let col = col.as_str();
        if col == "timestamp" || col == "type" {
            continue;
        }
        if !required.contains(&col) && !optional.contains(&col) {
            errs.push(RowError::new(
                row,
                Some(col),
                format!("is not a field of a `{kind}` transaction"),
            ));
            continue;
        }
        if DECIMAL_COLUMNS.contains(&col) {
            match val.parse::<Decimal>() {
                Ok(d) => {
                    obj.insert(col.into(), json!(d.to_string()));
                }
                Err(_) => errs.push(RowError::new(
                    row,
                    Some(col),
                    format!("{val:?} is not a decimal number"),
                )),
            }
        } else if col == "numerator" || col == "denominator" {
            match val.parse::<u64>() {
                Ok(n) if n > 0 => {
                    obj.insert(col.into(), json!(n));
                }
                _ => errs.push(RowError::new(row, Some(col), "must be a whole number > 0")),
            }
        } else if col == "instrument" {
            if crate::market::check_symbol("instrument", val).is_err() {
                errs.push(RowError::new(row, Some(col), "is not a valid symbol"));
            } else {
                obj.insert(col.into(), json!(val));
            }
        } else if check_currency("currency", val).is_err() {
            errs.push(RowError::new(row, Some(col), "must be a currency code such as USD"));
        } else {
            obj.insert(col.into(), json!(val));
        }
    }
    for col in required {
        if get(col).is_none() {
            errs.push(RowError::new(
                row,
                Some(col),
                format!("is required for a `{kind}` transaction"),
            ));
        }
    }
    let ts = ts?;
    if errs.len() > n0 {
        return None;
    }
    obj.insert("timestamp".into(), json!(ts.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
    match serde_json::from_value::<Transaction>(JsonValue::Object(obj)) {
        Ok(t) => Some(t),
        Err(e) => {
            errs.push(RowError::new(row, None, e.to_string()));
            None
        }
    }
}

/// A ledger failure over stored plus new transactions.
enum BookError {
    Ledger(LedgerError, usize),
    Api(ApiError),
}

impl From<ApiError> for BookError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl BookError {
    /// The API error; ledger errors about new transaction `i` name the row `rows[i]`.
    fn into_api_rows(self, rows: &[usize]) -> ApiError {
        match self {
            Self::Api(e) => e,
            Self::Ledger(e, n_old) => {
                let subject = e.subject();
                let index = subject
                    .strip_prefix("transactions[")
                    .and_then(|s| s.strip_suffix(']'))
                    .and_then(|s| s.parse::<usize>().ok());
                let message = format!("{e} [{}]", e.code());
                match index {
                    Some(i) if i >= n_old && i - n_old < rows.len() => ApiError::InvalidRows {
                        what: "transactions",
                        rows: vec![RowError::new(rows[i - n_old], None, message)],
                    },
                    Some(i) => ApiError::InvalidRows {
                        what: "transactions",
                        rows: vec![RowError::new(
                            0,
                            None,
                            format!(
                                "with the new rows, stored transaction #{} fails: {message}",
                                i + 1
                            ),
                        )],
                    },
                    None => ApiError::Core(sextant_core::Error::from(e)),
                }
            }
        }
    }
    fn into_api(self, n_new: usize) -> ApiError {
        let rows: Vec<usize> = (1..=n_new).collect();
        self.into_api_rows(&rows)
    }
}

/// The ledger of a portfolio's stored transactions followed by `new` ones (sorted stably by
/// timestamp), with every instrument they name from the instruments table.
async fn ledger_of(
    app: &AppState,
    pf: &Portfolio,
    stored: &[StoredTx],
    new: &[Transaction],
) -> Result<Ledger, BookError> {
    let mut txs: Vec<Transaction> = Vec::with_capacity(stored.len() + new.len());
    for t in stored {
        let tx = serde_json::from_str(&t.body)
            .map_err(|e| ApiError::Internal(format!("stored transaction {}: {e}", t.seq)))?;
        txs.push(tx);
    }
    let n_old = txs.len();
    txs.extend_from_slice(new);
    let symbols: BTreeSet<&str> = txs.iter().filter_map(|t| t.kind.instrument()).collect();
    let mut instruments = Vec::with_capacity(symbols.len());
    for s in symbols {
        if let Some(i) = app.store.instrument(s).await.map_err(ApiError::from)? {
            instruments.push(Instrument {
                symbol: i.symbol,
                currency: i.currency,
                utc_offset_minutes: i32::try_from(i.utc_offset_minutes).unwrap_or(0),
                time_zone: i.time_zone,
            });
        }
    }
    let mut cfg = LedgerConfig::new(&pf.base_currency, instruments);
    cfg.cost_basis = match pf.cost_basis.as_str() {
        "lifo" => CostBasis::Lifo,
        "average" => CostBasis::Average,
        _ => CostBasis::Fifo,
    };
    cfg.order = OrderPolicy::Sort;
    let ledger = Ledger::new(cfg, txs).map_err(|e| BookError::Ledger(e, n_old))?;
    ledger.book(None, None).map_err(|e| BookError::Ledger(e, n_old))?;
    Ok(ledger)
}

fn stored(t: &Transaction) -> Result<StoredTx, ApiError> {
    Ok(StoredTx {
        seq: 0,
        ts: t.timestamp.timestamp(),
        kind: serde_json::to_value(&t.kind)
            .ok()
            .and_then(|v| v["type"].as_str().map(str::to_owned))
            .unwrap_or_default(),
        instrument: t.kind.instrument().map(str::to_owned),
        body: serde_json::to_string(t).map_err(|e| ApiError::Internal(e.to_string()))?,
        import_id: None,
        created_at: 0,
    })
}

/// Validates rows into transactions, then books them after the stored ones; all-or-nothing.
async fn validate(
    app: &AppState,
    pf: &Portfolio,
    rows: &[Row],
) -> Result<Vec<Transaction>, ApiError> {
    if rows.is_empty() {
        return Err(bad("transactions", "no transactions given"));
    }
    if rows.len() > MAX_TRANSACTIONS_PER_REQUEST {
        return Err(bad(
            "transactions",
            format!("at most {MAX_TRANSACTIONS_PER_REQUEST} per request"),
        ));
    }
    let mut errs = Vec::new();
    let mut txs = Vec::with_capacity(rows.len());
    let mut known: BTreeMap<String, bool> = BTreeMap::new();
    for (row, cells) in rows {
        if let Some(t) = row_to_tx(*row, cells, &mut errs) {
            // unknown instruments are a row error here, before the ledger sees them
            if let Some(s) = t.kind.instrument() {
                let exists = match known.get(s) {
                    Some(e) => *e,
                    None => {
                        let e = app.store.instrument(s).await?.is_some();
                        known.insert(s.to_owned(), e);
                        e
                    }
                };
                if !exists {
                    errs.push(RowError::new(
                        *row,
                        Some("instrument"),
                        format!("unknown instrument {s:?}; GET /v1/instruments lists them"),
                    ));
                    continue;
                }
            }
            txs.push(t);
        }
    }
    if !errs.is_empty() {
        return Err(ApiError::InvalidRows { what: "transactions", rows: errs });
    }
    let stored_txs = app.store.transactions(&pf.id).await?;
    let line_numbers: Vec<usize> = rows.iter().map(|(r, _)| *r).collect();
    ledger_of(app, pf, &stored_txs, &txs).await.map_err(|e| e.into_api_rows(&line_numbers))?;
    Ok(txs)
}

fn tx_json(t: &StoredTx) -> JsonValue {
    let mut v: JsonValue = serde_json::from_str(&t.body).unwrap_or_else(|_| json!({}));
    v["seq"] = json!(t.seq);
    v["import_id"] = json!(t.import_id);
    v
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TxQuery {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    r#type: Option<String>,
    #[serde(default)]
    instrument: Option<String>,
}

async fn list_transactions(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
    Q(q): Q<TxQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    owned(&app, &p, &id).await?;
    let (limit, offset) = page(q.limit, q.offset, 100, 1000)?;
    let mut txs = app.store.transactions(&id).await?;
    txs.retain(|t| {
        q.r#type.as_deref().is_none_or(|k| t.kind == k)
            && q.instrument.as_deref().is_none_or(|s| t.instrument.as_deref() == Some(s))
    });
    match q.sort.as_deref() {
        None | Some("timestamp") => txs.sort_by_key(|t| (t.ts, t.seq)),
        Some("-timestamp") => txs.sort_by_key(|t| std::cmp::Reverse((t.ts, t.seq))),
        Some("seq") => {}
        Some("-seq") => txs.reverse(),
        Some(_) => return Err(bad("sort", "must be timestamp, -timestamp, seq or -seq")),
    }
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(txs.len());
    let end = start.saturating_add(usize::try_from(limit).unwrap_or(0)).min(txs.len());
    let mut body =
        paged(txs[start..end].iter().map(tx_json).collect(), limit, offset, end < txs.len());
    body["total"] = json!(txs.len());
    Ok(Json(body))
}

fn cell_text(v: &JsonValue) -> Option<String> {
    match v {
        JsonValue::String(s) => Some(s.trim().to_owned()),
        JsonValue::Number(n) => Some(n.to_string()),
        JsonValue::Null => Some(String::new()),
        _ => None,
    }
}

/// Rows of a JSON body `{"transactions": [{...}]}` (or a bare array) as cells.
fn json_rows(body: &[u8]) -> Result<Vec<Row>, ApiError> {
    let v: JsonValue = serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            ApiError::InvalidBody(e.to_string())
        } else {
            ApiError::MalformedJson(e.to_string())
        }
    })?;
    let items = match &v {
        JsonValue::Array(a) => a,
        JsonValue::Object(o) if o.len() == 1 && o.contains_key("transactions") => {
            match &o["transactions"] {
                JsonValue::Array(a) => a,
                _ => return Err(ApiError::InvalidBody("`transactions` must be an array".into())),
            }
        }
        _ => return Err(ApiError::InvalidBody("expected {\"transactions\": [...]}".into())),
    };
    let mut rows = Vec::with_capacity(items.len());
    let mut errs = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let JsonValue::Object(o) = item else {
            errs.push(RowError::new(k + 1, None, "must be an object"));
            continue;
        };
        let mut cells = BTreeMap::new();
        for (key, val) in o {
            if !TX_COLUMNS.contains(&key.as_str()) {
                errs.push(RowError::new(k + 1, Some(key), "unknown field"));
            } else if let Some(t) = cell_text(val) {
                cells.insert(key.clone(), t);
            } else {
                errs.push(RowError::new(k + 1, Some(key), "must be a string or a number"));
            }
        }
        rows.push((k + 1, cells));
    }
    if errs.is_empty() {
        Ok(rows)
    } else {
        Err(ApiError::InvalidRows { what: "transactions", rows: errs })
    }
}

/// Rows of a CSV file with a header of [`TX_COLUMNS`] names (any order, any subset).
fn csv_rows(body: &[u8]) -> Result<Vec<Row>, ApiError> {
    let text =
        std::str::from_utf8(body).map_err(|_| ApiError::BadBody("the CSV is not UTF-8".into()))?;
    let t =
        csv::parse(text).map_err(|rows| ApiError::InvalidRows { what: "transactions", rows })?;
    let unknown: Vec<RowError> = t
        .header
        .iter()
        .filter(|h| !TX_COLUMNS.contains(&h.as_str()))
        .map(|h| RowError::new(1, Some(h), "unknown column"))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::InvalidRows { what: "transactions", rows: unknown });
    }
    Ok(t.records
        .into_iter()
        .map(|(line, rec)| (line, t.header.iter().cloned().zip(rec).collect()))
        .collect())
}

async fn append(
    app: &AppState,
    ctx: &Ctx,
    p: &Principal,
    pf: &Portfolio,
    txs: &[Transaction],
    import: Option<&ImportRec>,
) -> Result<(StatusCode, JsonValue), ApiError> {
    let stored_txs: Vec<StoredTx> = txs.iter().map(stored).collect::<Result<_, _>>()?;
    let now = now_unix();
    match app.store.append_transactions(&pf.id, &stored_txs, import, now).await? {
        Appended::NoPortfolio => Err(ApiError::NoSuchResource("portfolio")),
        Appended::DuplicateImport { import_id, row_count } => Ok((
            StatusCode::OK,
            json!({"import_id": import_id, "created": 0, "rows": row_count, "duplicate": true}),
        )),
        Appended::Done { first_seq } => {
            let n = stored_txs.len();
            let action =
                if import.is_some() { "portfolio.import" } else { "portfolio.transactions" };
            audit(app, ctx, Some(&p.user.id), action, Some(&pf.id), json!({"created": n})).await?;
            Ok((
                StatusCode::CREATED,
                json!({"import_id": import.map(|i| i.id.clone()), "created": n, "rows": n,
                    "duplicate": false, "first_seq": first_seq}),
            ))
        }
    }
}

/// Runs `work` once per (user, Idempotency-Key): a retry with the same key and body gets the
/// stored response; the same key with another body is a 409.
async fn idempotent<F>(
    app: &AppState,
    p: &Principal,
    headers: &HeaderMap,
    path: &str,
    body: &[u8],
    work: F,
) -> Result<Response, ApiError>
where
    F: std::future::Future<Output = Result<(StatusCode, JsonValue), ApiError>>,
{
    let key = crate::app::idempotency_key(headers)?;
    let Some(key) = key else {
        let (status, v) = work.await?;
        return Ok((status, Json(v)).into_response());
    };
    let scoped = format!("user:{}:{key}", p.user.id);
    let fp = fingerprint("POST", path, body);
    if let Some(rec) = app.store.get_response(&scoped).await? {
        return if rec.fingerprint == fp {
            Ok(crate::app::replay(rec))
        } else {
            Err(ApiError::IdempotencyConflict(key))
        };
    }
    let (status, v) = work.await?;
    let rec = StoredResponse {
        key: scoped,
        fingerprint: fp,
        status: status.as_u16(),
        body: v.to_string(),
        created_at: now_unix(),
    };
    app.store.put_response(&rec).await?;
    Ok((status, Json(v)).into_response())
}

async fn add_transactions(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    P(id): P<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (body, csv_body) = read_upload(&app, &headers, body)?;
    let pf = owned(&app, &p, &id).await?;
    let path = format!("/v1/portfolios/{id}/transactions");
    let work = async {
        let rows = if csv_body { csv_rows(&body)? } else { json_rows(&body)? };
        let txs = validate(&app, &pf, &rows).await?;
        append(&app, &ctx, &p, &pf, &txs, None).await
    };
    idempotent(&app, &p, &headers, &path, &body, work).await
}

async fn import_csv(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    P(id): P<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (body, csv_body) = read_upload(&app, &headers, body)?;
    if !csv_body {
        return Err(ApiError::UnsupportedMediaType("an import takes `text/csv`".into()));
    }
    let pf = owned(&app, &p, &id).await?;
    let path = format!("/v1/portfolios/{id}/imports");
    let work = async {
        let rows = csv_rows(&body)?;
        let sha = crate::auth::hex(&<sha2::Sha256 as sha2::Digest>::digest(&body));
        let rec = ImportRec {
            id: crate::auth::random_id(),
            file_sha256: sha,
            row_count: i64::try_from(rows.len()).unwrap_or(0),
        };
        // A file imported before is answered without validating it again (its rows would
        // now fail, e.g. sales of what the first import already sold).
        if let Some((import_id, row_count)) =
            app.store.import_by_hash(&pf.id, &rec.file_sha256).await?
        {
            return Ok((
                StatusCode::OK,
                json!({"import_id": import_id, "created": 0,
                "rows": row_count, "duplicate": true}),
            ));
        }
        let txs = validate(&app, &pf, &rows).await?;
        append(&app, &ctx, &p, &pf, &txs, Some(&rec)).await
    };
    idempotent(&app, &p, &headers, &path, &body, work).await
}

async fn delete_tx(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    P((id, seq)): P<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let pf = owned(&app, &p, &id).await?;
    let mut rest = app.store.transactions(&id).await?;
    let before = rest.len();
    rest.retain(|t| t.seq != seq);
    if rest.len() == before {
        return Err(ApiError::NoSuchResource("transaction"));
    }
    // the remaining transactions must still book (e.g. not a buy that a later sale needs)
    ledger_of(&app, &pf, &rest, &[]).await.map_err(|e| match e {
        BookError::Ledger(e, _) => ApiError::Conflict(format!(
            "without this transaction the portfolio does not book: {e} [{}]",
            e.code()
        )),
        BookError::Api(e) => e,
    })?;
    app.store.delete_transaction(&id, seq).await?;
    audit(
        &app,
        &ctx,
        Some(&p.user.id),
        "portfolio.transaction_delete",
        Some(&id),
        json!({"seq": seq}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- holdings, performance, risk ----------------------------------------------------------------

/// Closing prices of every instrument of the ledger from the stored `1d` bars (raw, not
/// adjusted: the ledger books splits itself) and FX rates from `fx` instruments named
/// `{CUR}{BASE}` (e.g. `EURUSD`: the value of one EUR in USD).
async fn market_of(app: &AppState, ledger: &Ledger) -> Result<MarketData, ApiError> {
    let mut m = MarketData::default();
    let base = ledger.config().base_currency.clone();
    let mut currencies = BTreeSet::new();
    for (sym, inst) in ledger.instruments() {
        let bars = app.store.bars(sym, "1d", i64::MIN, i64::MAX).await?;
        m.prices.insert(
            sym.clone(),
            bars.iter()
                .filter_map(|b| {
                    Some((
                        utc_date(b.ts),
                        Decimal::from_f64_retain(b.close)?.round_dp(10).normalize(),
                    ))
                })
                .collect(),
        );
        currencies.insert(inst.currency.clone());
    }
    for (_, t) in ledger.transactions() {
        if let Ok(v) = serde_json::to_value(&t.kind) {
            for k in ["currency", "from_currency", "to_currency"] {
                if let Some(c) = v[k].as_str() {
                    currencies.insert(c.to_owned());
                }
            }
        }
    }
    for c in currencies.iter().filter(|c| **c != base) {
        let pair = format!("{c}{base}");
        let bars = app.store.bars(&pair, "1d", i64::MIN, i64::MAX).await?;
        if !bars.is_empty() {
            m.fx.insert(
                c.clone(),
                bars.iter()
                    .filter_map(|b| {
                        Some((
                            utc_date(b.ts),
                            Decimal::from_f64_retain(b.close)?.round_dp(10).normalize(),
                        ))
                    })
                    .collect(),
            );
        }
    }
    Ok(m)
}

fn date_param(field: &'static str, s: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    s.map(|s| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| bad(field, "must be a date YYYY-MM-DD"))
    })
    .transpose()
}

async fn loaded(
    app: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(Portfolio, Ledger, MarketData), ApiError> {
    let pf = owned(app, p, id).await?;
    let txs = app.store.transactions(id).await?;
    let ledger = ledger_of(app, &pf, &txs, &[]).await.map_err(|e| e.into_api(0))?;
    let market = market_of(app, &ledger).await?;
    Ok((pf, ledger, market))
}

/// The caller's portfolio valued as `GET /v1/portfolios/{id}/holdings` values it (latest
/// stored prices), or without prices when a holding has none stored yet: the starting point of
/// its live value on the stream (`realtime::portfolio`).
pub(crate) async fn valuation_of(
    app: &AppState,
    p: &Principal,
    id: &str,
) -> Result<sextant_core::ledger::Valuation, ApiError> {
    let (_, ledger, market) = loaded(app, p, id).await?;
    tokio::task::spawn_blocking(move || {
        ledger.valuation(None, Some(&market)).or_else(|_| ledger.valuation(None, None))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(ledger_err)
}

fn ledger_err(e: LedgerError) -> ApiError {
    ApiError::Core(sextant_core::Error::from(e))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldingsQuery {
    #[serde(default)]
    date: Option<String>,
}

async fn holdings(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
    Q(q): Q<HoldingsQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    let date = date_param("date", q.date.as_deref())?;
    let (pf, ledger, market) = loaded(&app, &p, &id).await?;
    let v = tokio::task::spawn_blocking(move || ledger.valuation(date, Some(&market)))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ledger_err)?;
    let mut body = serde_json::to_value(&v).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["portfolio_id"] = json!(pf.id);
    Ok(Json(body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerfQuery {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    flow_timing: Option<String>,
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    daily: Option<bool>,
}

fn perf_options(
    start: Option<&str>,
    end: Option<&str>,
    timing: Option<&str>,
) -> Result<PerformanceOptions, ApiError> {
    let flow_timing = match timing {
        None | Some("start") => FlowTiming::Start,
        Some("end") => FlowTiming::End,
        Some(_) => return Err(bad("flow_timing", "must be start or end")),
    };
    let (start, end) = (date_param("start", start)?, date_param("end", end)?);
    if let (Some(s), Some(e)) = (start, end) {
        if s > e {
            return Err(bad("start", "must not be after `end`"));
        }
    }
    Ok(PerformanceOptions { start, end, flow_timing, ..PerformanceOptions::default() })
}

async fn performance(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
    Q(q): Q<PerfQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    let opts = perf_options(q.start.as_deref(), q.end.as_deref(), q.flow_timing.as_deref())?;
    let period = match q.period.as_deref() {
        None => None,
        Some("month") => Some(Period::Month),
        Some("quarter") => Some(Period::Quarter),
        Some("year") => Some(Period::Year),
        Some(_) => return Err(bad("period", "must be month, quarter or year")),
    };
    let daily = q.daily.unwrap_or(false);
    let (pf, ledger, market) = loaded(&app, &p, &id).await?;
    let body = tokio::task::spawn_blocking(move || -> Result<JsonValue, ApiError> {
        let whole = ledger.performance(&market, &opts).map_err(ledger_err)?;
        let strip = |mut v: JsonValue| {
            if !daily {
                if let Some(o) = v.as_object_mut() {
                    o.remove("daily");
                }
            }
            v
        };
        let mut body =
            strip(serde_json::to_value(&whole).map_err(|e| ApiError::Internal(e.to_string()))?);
        if let Some(per) = period {
            let parts = ledger.performance_by_period(&market, &opts, per).map_err(ledger_err)?;
            body["periods"] = JsonValue::Array(
                parts
                    .into_iter()
                    .map(|x| strip(serde_json::to_value(x).unwrap_or_default()))
                    .collect(),
            );
        }
        Ok(body)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let mut body = body;
    body["portfolio_id"] = json!(pf.id);
    body["base_currency"] = json!(pf.base_currency);
    Ok(Json(body))
}

/// The risk metrics of `GET /v1/portfolios/{id}/risk`: declared risk functions of one
/// `returns` input (and their parameters from the query when declared).
pub const RISK_METRICS: [&str; 9] = [
    "annual_return",
    "annual_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "calmar_ratio",
    "max_drawdown",
    "value_at_risk",
    "conditional_value_at_risk",
    "tail_ratio",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskQuery {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    flow_timing: Option<String>,
    #[serde(default)]
    risk_free: Option<f64>,
    #[serde(default)]
    cutoff: Option<f64>,
}

async fn risk(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    P(id): P<String>,
    Q(q): Q<RiskQuery>,
) -> Result<Json<JsonValue>, ApiError> {
    let opts = perf_options(q.start.as_deref(), q.end.as_deref(), q.flow_timing.as_deref())?;
    let mut given = Map::new();
    if let Some(r) = q.risk_free {
        given.insert("risk_free".into(), json!(r));
    }
    if let Some(c) = q.cutoff {
        given.insert("cutoff".into(), json!(c));
    }
    let (pf, ledger, market) = loaded(&app, &p, &id).await?;
    let body = tokio::task::spawn_blocking(move || -> Result<JsonValue, ApiError> {
        let perf = ledger.performance(&market, &opts).map_err(ledger_err)?;
        let returns: Vec<f64> = perf.daily.iter().map(|d| d.day_return).collect();
        let series = JsonValue::Array(returns.iter().map(|r| convert::f64_to_json(*r)).collect());
        let mut metrics = Map::new();
        let mut params_used = Map::new();
        for name in RISK_METRICS {
            let Some(decl) = registry::find("risk", name) else { continue };
            let params: Map<String, JsonValue> = given
                .iter()
                .filter(|(k, _)| decl.params.iter().any(|p| p.name == k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut inputs = Map::new();
            inputs.insert("returns".into(), series.clone());
            let out = convert::compute(decl, &ComputeRequest { inputs, params })?;
            if let Some((_, v)) = out.outputs.0.first() {
                metrics.insert(name.into(), v.clone());
            }
            params_used.insert(name.into(), serde_json::to_value(&out.params).unwrap_or_default());
        }
        Ok(json!({"start": perf.start, "end": perf.end, "observations": returns.len(),
            "frequency": "daily", "metrics": metrics, "params": params_used}))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let mut body = body;
    body["portfolio_id"] = json!(pf.id);
    Ok(Json(body))
}

/// A user's portfolios with their transactions, for the GDPR export.
pub(crate) async fn export_of(app: &AppState, user_id: &str) -> Result<JsonValue, ApiError> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = app.store.portfolios_of(user_id, false, 1000, offset).await?;
        for pf in &page {
            let mut v = portfolio_json(pf);
            v["transactions"] = json!(app
                .store
                .transactions(&pf.id)
                .await?
                .iter()
                .map(tx_json)
                .collect::<Vec<_>>());
            out.push(v);
        }
        if page.len() < 1000 {
            break;
        }
        offset += 1000;
    }
    Ok(JsonValue::Array(out))
}

/// The portfolio routes (signed-in callers; each sees only its own portfolios).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/portfolios", get(list).post(create))
        .route("/v1/portfolios/{id}", get(get_one).put(update).delete(remove))
        .route("/v1/portfolios/{id}/transactions", get(list_transactions).post(add_transactions))
        .route("/v1/portfolios/{id}/transactions/{seq}", delete(delete_tx))
        .route("/v1/portfolios/{id}/imports", post(import_csv))
        .route("/v1/portfolios/{id}/holdings", get(holdings))
        .route("/v1/portfolios/{id}/performance", get(performance))
        .route("/v1/portfolios/{id}/risk", get(risk))
}
