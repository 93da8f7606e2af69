//! Portfolio value changes on the stream (issue #16): `{"op": "subscribe", "channel":
//! "portfolio", "portfolio": "<id>"}` (the owner only).
//!
//! At the first subscription the portfolio is valued as `GET /v1/portfolios/{id}/holdings`
//! values it (the ledger over the stored daily closes and FX rates): quantities, FX rates to
//! base and cash in base. Then one internal subscriber of the hub per portfolio follows the
//! `quotes` topics of its open holdings (so quotes ingested on another instance arrive through
//! the fan-out too), replaces each holding's price by the last live price and publishes the
//! value in base, `sum(quantity x price x fx) + cash`, on the topic `p:<id>`: at most one event
//! per [`THROTTLE`] per portfolio (the latest value wins; a held-back value is sent when the
//! period ends). Shared by every subscription to the same portfolio; stopped with the last.
//! The holdings and FX rates are those of the subscription time: a transaction booked later is
//! picked up by subscribing again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use rust_decimal::prelude::ToPrimitive;
use serde_json::{json, Value as Json};
use tokio::sync::Notify;

use super::Hub;
use crate::accounts::Principal;
use crate::app::AppState;
use crate::error::ApiError;

/// At most one value event per portfolio per this period.
pub const THROTTLE: Duration = Duration::from_millis(250);

/// The live portfolios of one hub.
#[derive(Debug, Default)]
pub struct Registry {
    live: Mutex<HashMap<String, Live>>,
}

#[derive(Debug)]
struct Live {
    refs: usize,
    stop: Arc<Notify>,
}

/// Holdings as valued at subscription time; prices replaced by live ones.
#[derive(Debug, Clone)]
struct Book {
    id: String,
    base: String,
    cash: f64,
    /// symbol -> (quantity, fx rate to base, price)
    holdings: HashMap<String, (f64, f64, Option<f64>)>,
}

impl Book {
    fn of(id: &str, v: &sextant_core::ledger::Valuation) -> Self {
        let f = |d: &rust_decimal::Decimal| d.to_f64().unwrap_or(f64::NAN);
        let base = |cur: &str| if cur == v.base_currency { 1.0 } else { f64::NAN };
        // without market data (no stored price yet) only base-currency amounts are known
        let cash = v
            .cash
            .iter()
            .map(|c| c.balance_base.as_ref().map_or_else(|| f(&c.balance) * base(&c.currency), f))
            .sum();
        let holdings = v
            .holdings
            .iter()
            .filter(|h| !h.quantity.is_zero())
            .map(|h| {
                let fx = h
                    .fx_rate
                    .as_ref()
                    .map_or(if h.currency == v.base_currency { 1.0 } else { f64::NAN }, f);
                (h.instrument.clone(), (f(&h.quantity), fx, h.price.as_ref().map(f)))
            })
            .collect();
        Self { id: id.to_owned(), base: v.base_currency.clone(), cash, holdings }
    }

    /// The value in base (`None` while a holding has no price or FX rate).
    fn value(&self) -> Option<f64> {
        let mut v = self.cash;
        for (q, fx, p) in self.holdings.values() {
            v += q * (*p)? * fx;
        }
        v.is_finite().then_some(v)
    }

    fn event(&self, ts: f64, value: f64, change: Option<f64>) -> Json {
        json!({"type": "portfolio", "id": self.id, "base_currency": self.base, "ts": ts,
            "value": value, "change": change})
    }
}

/// The topic of a portfolio's value.
#[must_use]
pub fn topic(id: &str) -> String {
    format!("p:{id}")
}

/// A subscription to a portfolio's value (404 unless the caller owns it): starts its live
/// value at the first one. Returns `{"base_currency", "value"}` at subscription time.
pub async fn subscribe(app: &AppState, p: &Principal, id: &str) -> Result<Json, ApiError> {
    let v = crate::portfolios::valuation_of(app, p, id).await?;
    let book = Book::of(id, &v);
    let reply = json!({"base_currency": book.base, "value": book.value()});
    let hub = &app.realtime;
    let mut live = hub.portfolios.live.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(l) = live.get_mut(id) {
        l.refs += 1;
        return Ok(reply);
    }
    let stop = Arc::new(Notify::new());
    live.insert(id.to_owned(), Live { refs: 1, stop: stop.clone() });
    tokio::spawn(run(Arc::downgrade(hub), book, stop));
    Ok(reply)
}

impl Registry {
    /// A subscription to the portfolio ended (the last one stops its live value).
    pub fn release(&self, id: &str) {
        let mut live = self.live.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(l) = live.get_mut(id) {
            l.refs = l.refs.saturating_sub(1);
            if l.refs == 0 {
                l.stop.notify_one();
                live.remove(id);
            }
        }
    }
}

async fn run(hub: Weak<Hub>, mut book: Book, stop: Arc<Notify>) {
    let Some(h) = hub.upgrade() else { return };
    let (cid, _client, mut rx) = h.connect("");
    let topics: Vec<String> = book.holdings.keys().map(|s| format!("q:{s}")).collect();
    for t in &topics {
        h.subscribe(cid, t);
    }
    let out = topic(&book.id);
    drop(h);
    let mut sent = book.value();
    let mut pending: Option<(f64, f64)> = None; // (ts, value) held back
    let mut next_ok = tokio::time::Instant::now();
    loop {
        let flush = tokio::time::sleep_until(next_ok);
        tokio::select! {
            () = stop.notified() => break,
            ev = rx.recv() => {
                let Some(text) = ev else { break };
                let Ok(q) = serde_json::from_str::<Json>(&text) else { continue };
                let (Some(sym), Some(price), Some(ts)) =
                    (q["symbol"].as_str(), q["price"].as_f64(), q["ts"].as_f64())
                else {
                    continue;
                };
                let Some(entry) = book.holdings.get_mut(sym) else { continue };
                entry.2 = Some(price);
                let Some(v) = book.value() else { continue };
                if Some(v) == sent && pending.is_none() {
                    continue;
                }
                pending = Some((ts, v));
            }
            () = flush, if pending.is_some() => {}
        }
        if let Some((ts, v)) = pending {
            let now = tokio::time::Instant::now();
            if now >= next_ok {
                let Some(h) = hub.upgrade() else { break };
                if Some(v) != sent {
                    let change = sent.map(|s| v - s);
                    h.publish(&out, &Arc::from(book.event(ts, v, change).to_string()));
                    sent = Some(v);
                }
                pending = None;
                next_ok = now + THROTTLE;
            }
        }
    }
    if let Some(h) = hub.upgrade() {
        h.disconnect(cid, &topics).await;
    }
}
