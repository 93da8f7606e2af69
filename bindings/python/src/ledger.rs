//! `sextant._native.Ledger`: the ledger's record API for Python. Configuration, transactions
//! and market data come in as JSON (built by `python/src/sextant/ledger`), results go out as
//! JSON with decimals as strings; the core does all validation and arithmetic.

use pyo3::prelude::*;
use serde::de::DeserializeOwned;
use sextant_core::ledger::{
    xirr_dates, Ledger, LedgerConfig, LedgerError, MarketData, PerformanceOptions, Period,
    Transaction,
};
use sextant_core::Error;

use crate::errors::to_py;

/// A ledger error as the Python `InputError`, with `code` set to the ledger's own code
/// (e.g. `"INSUFFICIENT_QUANTITY"`).
fn ledger_err(py: Python<'_>, e: LedgerError) -> PyErr {
    let code = e.code();
    let err = to_py(py, Error::from(e));
    let _ = err.value(py).setattr("code", code);
    err
}

fn parse<T: DeserializeOwned>(py: Python<'_>, what: &str, json: &str) -> PyResult<T> {
    serde_json::from_str(json)
        .map_err(|e| to_py(py, Error::InvalidInput { input: what.into(), reason: e.to_string() }))
}

fn dump<T: serde::Serialize>(py: Python<'_>, v: &T) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| {
        to_py(py, Error::InvalidInput { input: "result".into(), reason: e.to_string() })
    })
}

/// A validated ledger (see `sextant.ledger.Ledger`, which builds it).
#[pyclass(name = "Ledger", module = "sextant._native", frozen)]
pub(crate) struct PyLedger {
    inner: Ledger,
}

#[pymethods]
impl PyLedger {
    /// Ledger(config_json, transactions_json)
    #[new]
    fn py_new(py: Python<'_>, config_json: &str, transactions_json: &str) -> PyResult<Self> {
        let cfg: LedgerConfig = parse(py, "config", config_json)?;
        let txs: Vec<Transaction> = parse(py, "transactions", transactions_json)?;
        let inner = py.detach(|| Ledger::new(cfg, txs)).map_err(|e| ledger_err(py, e))?;
        Ok(Self { inner })
    }

    /// The configuration as JSON.
    fn config_json(&self, py: Python<'_>) -> PyResult<String> {
        dump(py, self.inner.config())
    }

    /// The transactions in booking order as JSON `[[input_index, transaction], ...]`.
    fn transactions_json(&self, py: Python<'_>) -> PyResult<String> {
        dump(py, &self.inner.transactions())
    }

    /// The books (positions, cash, realisations, external flows) after every transaction,
    /// as JSON; with market data, base-currency amounts use its FX rates.
    #[pyo3(signature = (market_json=None))]
    fn book_json(&self, py: Python<'_>, market_json: Option<&str>) -> PyResult<String> {
        let market: Option<MarketData> = market_json.map(|m| parse(py, "market", m)).transpose()?;
        let market =
            market.map(MarketData::validated).transpose().map_err(|e| ledger_err(py, e))?;
        let book =
            py.detach(|| self.inner.book(None, market.as_ref())).map_err(|e| ledger_err(py, e))?;
        dump(py, &book)
    }

    /// Holdings and cash at the close of `date` (ISO), valued with the market data if given.
    #[pyo3(signature = (date=None, market_json=None))]
    fn valuation_json(
        &self,
        py: Python<'_>,
        date: Option<&str>,
        market_json: Option<&str>,
    ) -> PyResult<String> {
        let date = date.map(|d| parse(py, "at", &format!("{d:?}"))).transpose()?;
        let market: Option<MarketData> = market_json.map(|m| parse(py, "market", m)).transpose()?;
        let v = py
            .detach(|| self.inner.valuation(date, market.as_ref()))
            .map_err(|e| ledger_err(py, e))?;
        dump(py, &v)
    }

    /// Performance as JSON; with `period` ("month", "quarter", "year"), a list per period.
    #[pyo3(signature = (market_json, options_json, period=None))]
    fn performance_json(
        &self,
        py: Python<'_>,
        market_json: &str,
        options_json: &str,
        period: Option<&str>,
    ) -> PyResult<String> {
        let market: MarketData = parse(py, "market", market_json)?;
        let opts: PerformanceOptions = parse(py, "options", options_json)?;
        match period {
            None => {
                let p = py.detach(|| self.inner.performance(&market, &opts));
                dump(py, &p.map_err(|e| ledger_err(py, e))?)
            }
            Some(s) => {
                let period: Period = serde_json::from_value(serde_json::Value::String(s.into()))
                    .map_err(|_| {
                        to_py(
                            py,
                            Error::UnknownOption {
                                param: "period".into(),
                                value: s.into(),
                                allowed: "month, quarter, year".into(),
                            },
                        )
                    })?;
                let p = py.detach(|| self.inner.performance_by_period(&market, &opts, period));
                dump(py, &p.map_err(|e| ledger_err(py, e))?)
            }
        }
    }
}

/// XIRR of flows on ISO dates (Act/365 from the first date).
#[pyfunction]
pub(crate) fn ledger_xirr(py: Python<'_>, dates: Vec<String>, amounts: Vec<f64>) -> PyResult<f64> {
    let dates = dates
        .iter()
        .map(|d| parse(py, "dates", &format!("{d:?}")))
        .collect::<PyResult<Vec<chrono::NaiveDate>>>()?;
    xirr_dates(&dates, &amounts).map_err(|e| ledger_err(py, e))
}
