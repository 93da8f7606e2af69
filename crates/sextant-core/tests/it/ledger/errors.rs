//! Validation: each bad record gives its typed error naming the transaction.

use sextant_core::ledger::{
    xirr, Instrument, Ledger, LedgerConfig, LedgerError, OrderPolicy, PerformanceOptions,
};

use super::{d, market, txs, usd};

fn err(cfg: LedgerConfig, json: &str) -> LedgerError {
    Ledger::new(cfg, txs(json)).unwrap_err()
}

#[test]
fn selling_more_than_held_without_shorting() {
    let e = err(
        usd(&["X"]),
        r#"[
      {"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "5", "price": "10"},
      {"timestamp": "2024-01-03T15:00:00Z", "type": "sell", "instrument": "X", "quantity": "6", "price": "10"}
    ]"#,
    );
    assert_eq!(
        e,
        LedgerError::InsufficientQuantity {
            index: 1,
            instrument: "X".into(),
            held: d("5"),
            requested: d("6")
        }
    );
    assert_eq!(e.code(), "INSUFFICIENT_QUANTITY");
    let core: sextant_core::Error = e.into();
    assert!(core.to_string().contains("transactions[1]"), "{core}");
}

#[test]
fn negative_price_and_zero_quantity() {
    let e = err(
        usd(&["X"]),
        r#"[{"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "5", "price": "-1"}]"#,
    );
    assert!(matches!(e, LedgerError::InvalidAmount { index: 0, field: "price", .. }), "{e}");
    let e = err(
        usd(&["X"]),
        r#"[{"timestamp": "2024-01-02T15:00:00Z", "type": "sell", "instrument": "X", "quantity": "0", "price": "1"}]"#,
    );
    assert!(matches!(e, LedgerError::InvalidAmount { field: "quantity", .. }), "{e}");
}

#[test]
fn unknown_currency_and_instrument() {
    let e = err(
        usd(&["X"]),
        r#"[{"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "XXY", "amount": "1"}]"#,
    );
    assert_eq!(e, LedgerError::UnknownCurrency { index: 0, currency: "XXY".into() });
    let e = err(
        usd(&["X"]),
        r#"[{"timestamp": "2024-01-02T15:00:00Z", "type": "dividend", "instrument": "Y", "amount": "1"}]"#,
    );
    assert_eq!(e, LedgerError::UnknownInstrument { index: 0, instrument: "Y".into() });
    // a declared extra currency is accepted, with its own minor units
    let mut cfg = usd(&[]);
    cfg.currencies.insert("BTC".into(), 8);
    let l = Ledger::new(
        cfg,
        txs(r#"[{"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "BTC", "amount": "0.123456789"}]"#),
    )
    .unwrap();
    assert_eq!(l.book(None, None).unwrap().cash["BTC"].balance, d("0.12345679"));
    // an instrument in an unknown currency is a configuration error
    let e = Ledger::new(LedgerConfig::new("USD", vec![Instrument::new("Z", "ZZZ")]), vec![])
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
}

const UNORDERED: &str = r#"[
  {"timestamp": "2024-01-03T15:00:00Z", "type": "sell", "instrument": "X", "quantity": "5", "price": "12"},
  {"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "5", "price": "10"}
]"#;

#[test]
fn out_of_order_timestamps_rejected_or_sorted() {
    let e = err(usd(&["X"]), UNORDERED);
    assert!(matches!(e, LedgerError::OutOfOrder { index: 1, .. }), "{e}");
    let mut cfg = usd(&["X"]);
    cfg.order = OrderPolicy::Sort;
    let l = Ledger::new(cfg, txs(UNORDERED)).unwrap();
    assert_eq!(l.transactions()[0].0, 1); // the buy first, keeping its input position
    assert_eq!(l.book(None, None).unwrap().positions["X"].realised, d("10"));
}

#[test]
fn inexact_reverse_split() {
    let e = err(
        usd(&["X"]),
        r#"[
      {"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "1"},
      {"timestamp": "2024-01-03T15:00:00Z", "type": "split", "instrument": "X", "numerator": 1, "denominator": 3}
    ]"#,
    );
    assert!(matches!(e, LedgerError::InvalidSplit { index: 1, .. }), "{e}");
    let e = err(
        usd(&["X"]),
        r#"[{"timestamp": "2024-01-03T15:00:00Z", "type": "split", "instrument": "X", "numerator": 0, "denominator": 3}]"#,
    );
    assert!(matches!(e, LedgerError::InvalidSplit { index: 0, .. }), "{e}");
}

#[test]
fn negative_cash_when_disallowed() {
    let mut cfg = usd(&["X"]);
    cfg.allow_negative_cash = false;
    let e = err(
        cfg,
        r#"[
      {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "100"},
      {"timestamp": "2024-01-02T15:01:00Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "10", "fee": "0.01"}
    ]"#,
    );
    assert_eq!(
        e,
        LedgerError::InsufficientCash { index: 1, currency: "USD".into(), balance: d("-0.01") }
    );
}

#[test]
fn missing_market_data() {
    let cfg = LedgerConfig::new("USD", vec![Instrument::new("S", "EUR")]);
    let l = Ledger::new(
        cfg,
        txs(r#"[{"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "S", "quantity": "1", "price": "10"}]"#),
    )
    .unwrap();
    let m = market(r#"{"prices": {"S": [["2024-01-02", "10"]]}}"#);
    let e = l.performance(&m, &PerformanceOptions::default()).unwrap_err();
    assert_eq!(e.code(), "MISSING_FX_RATE", "{e}");
    let m = market(
        r#"{"prices": {"S": [["2024-01-05", "10"]]}, "fx": {"EUR": [["2024-01-01", "1.1"]]}}"#,
    );
    let e = l.valuation(Some("2024-01-03".parse().unwrap()), Some(&m)).unwrap_err();
    assert_eq!(e.code(), "MISSING_PRICE", "{e}");
    let m = market(r#"{"fx": {"EUR": [["2024-01-01", "0"]]}}"#);
    assert_eq!(l.valuation(None, Some(&m)).unwrap_err().code(), "INVALID_INPUT");
}

#[test]
fn xirr_without_a_root() {
    let e = xirr(&[0.0, 1.0], &[100.0, 50.0]).unwrap_err();
    assert_eq!(e.code(), "NO_ROOT");
    // both signs but a positive NPV at every rate: 100 now, -1 later, +1 later still
    let e = xirr(&[0.0, 1.0, 2.0], &[100.0, -1.0, 1.0]).unwrap_err();
    assert_eq!(e.code(), "NO_ROOT", "{e}");
    assert!(xirr(&[0.0], &[f64::NAN]).is_err());
    assert!(xirr(&[0.0, 1.0], &[1.0]).is_err());
}

#[test]
fn undefined_twr_without_funding() {
    // a buy with no deposit: the portfolio's net value starts at 0 and the day's value is
    // the price move, so the day's return has no capital to be measured on
    let l = Ledger::new(
        usd(&["X"]),
        txs(r#"[{"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "1", "price": "10"}]"#),
    )
    .unwrap();
    let m = market(r#"{"prices": {"X": [["2024-01-01", "10"], ["2024-01-02", "11"]]}}"#);
    let e = l.performance(&m, &PerformanceOptions::default()).unwrap_err();
    assert_eq!(e.code(), "UNDEFINED_RETURN", "{e}");
}
