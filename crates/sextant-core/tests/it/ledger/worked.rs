//! Worked examples; every expected number is derived by hand in the comments.

use chrono::NaiveDate;
use sextant_core::ledger::{
    CostBasis, FlowTiming, Instrument, LedgerConfig, PerformanceOptions, Period,
};

use super::{d, ledger, market, usd};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const TWO_BUYS_ONE_SALE: &str = r#"[
  {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "3000"},
  {"timestamp": "2024-01-02T15:01:00Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "100", "fee": "1"},
  {"timestamp": "2024-01-03T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "120", "fee": "1"},
  {"timestamp": "2024-01-04T15:00:00Z", "type": "sell", "instrument": "X", "quantity": "15", "price": "130", "fee": "2"}
]"#;

// Lots: A = 10 @ 100 + 1 fee = 1001; B = 10 @ 120 + 1 = 1201. Sale: 15 x 130 - 2 = 1948 net.
// Cash: 3000 - 1001 - 1201 + 1948 = 1746 + 1000 = 2746.

#[test]
fn partial_sale_fifo() {
    let l = ledger(usd(&["X"]), TWO_BUYS_ONE_SALE);
    let b = l.book(None, None).unwrap();
    let p = &b.positions["X"];
    // FIFO removes all of A (1001) and 5 of B: 1201 * 5/10 = 600.50; realised 1948 - 1601.50
    assert_eq!(p.realised, d("346.50"));
    assert_eq!(p.quantity, d("5"));
    assert_eq!(p.cost().unwrap(), d("600.50"));
    assert_eq!(p.fees, d("4"));
    // proceeds split by quantity: 1948 * 10/15 = 1298.67 for A, the rest 649.33 for B
    let r = &b.realisations;
    assert_eq!((r[0].quantity, r[0].proceeds, r[0].gain), (d("10"), d("1298.67"), d("297.67")));
    assert_eq!((r[1].quantity, r[1].proceeds, r[1].gain), (d("5"), d("649.33"), d("48.83")));
    assert_eq!(b.cash["USD"].balance, d("2746"));
}

#[test]
fn partial_sale_lifo() {
    let mut cfg = usd(&["X"]);
    cfg.cost_basis = CostBasis::Lifo;
    let b = ledger(cfg, TWO_BUYS_ONE_SALE).book(None, None).unwrap();
    let p = &b.positions["X"];
    // LIFO removes all of B (1201) and 5 of A: 1001 * 5/10 = 500.50; realised 1948 - 1701.50
    assert_eq!(p.realised, d("246.50"));
    assert_eq!(p.cost().unwrap(), d("500.50"));
    assert_eq!(b.realisations[0].gain, d("97.67")); // 1298.67 - 1201
    assert_eq!(b.realisations[1].gain, d("148.83")); // 649.33 - 500.50
    assert_eq!(b.cash["USD"].balance, d("2746"));
}

#[test]
fn partial_sale_average_cost() {
    let mut cfg = usd(&["X"]);
    cfg.cost_basis = CostBasis::Average;
    let b = ledger(cfg, TWO_BUYS_ONE_SALE).book(None, None).unwrap();
    let p = &b.positions["X"];
    // pooled 20 units costing 2202; 15 of them cost 1651.50; realised 1948 - 1651.50
    assert_eq!(p.lots.len(), 1);
    assert_eq!(p.realised, d("296.50"));
    assert_eq!(p.cost().unwrap(), d("550.50"));
    assert_eq!(p.quantity, d("5"));
}

#[test]
fn split_and_reverse_split() {
    let l = ledger(
        usd(&["X"]),
        r#"[
      {"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "300"},
      {"timestamp": "2024-02-01T00:00:00Z", "type": "split", "instrument": "X", "numerator": 4, "denominator": 1},
      {"timestamp": "2024-02-02T15:00:00Z", "type": "sell", "instrument": "X", "quantity": "10", "price": "80"},
      {"timestamp": "2024-03-01T00:00:00Z", "type": "split", "instrument": "X", "numerator": 1, "denominator": 3}
    ]"#,
    );
    let b = l.book(None, None).unwrap();
    let p = &b.positions["X"];
    // 10 -> 40 units, cost 3000 unchanged (75 a unit); selling 10 at 80 removes 750: gain 50;
    // 30 left cost 2250, reverse 1:3 -> 10 units at 225
    assert_eq!(p.realised, d("50"));
    assert_eq!(p.quantity, d("10"));
    assert_eq!(p.cost().unwrap(), d("2250"));
    let v = l.valuation(None, None).unwrap();
    assert_eq!(v.holdings[0].average_cost, Some(d("225")));
    // the cash paid and received are unaffected by the splits: -3000 + 800
    assert_eq!(b.cash["USD"].balance, d("-2200"));
}

#[test]
fn dividends_cash_and_reinvested() {
    let l = ledger(
        usd(&["X"]),
        r#"[
      {"timestamp": "2024-01-02T15:00:00Z", "type": "deposit", "currency": "USD", "amount": "9000"},
      {"timestamp": "2024-01-02T15:00:01Z", "type": "buy", "instrument": "X", "quantity": "100", "price": "90"},
      {"timestamp": "2024-03-15T12:00:00Z", "type": "dividend", "instrument": "X", "amount": "50", "tax": "7.5"},
      {"timestamp": "2024-06-15T12:00:00Z", "type": "dividend_reinvested", "instrument": "X", "quantity": "0.5", "price": "90"}
    ]"#,
    );
    let b = l.book(None, None).unwrap();
    let p = &b.positions["X"];
    // income: 50 gross cash dividend + 0.5 x 90 = 45 reinvested; tax 7.50 withheld
    assert_eq!(p.income, d("95"));
    assert_eq!(p.taxes, d("7.50"));
    // cash: 9000 - 9000 + 42.50 net dividend; the reinvested one moves no cash
    assert_eq!(b.cash["USD"].balance, d("42.50"));
    assert_eq!(p.quantity, d("100.5"));
    assert_eq!(p.cost().unwrap(), d("9045"));
    // valued at 100: 100.5 x 100 = 10050, unrealised 10050 - 9045 = 1005
    let m = market(r#"{"prices": {"X": [["2024-06-28", "100"]]}}"#);
    let v = l.valuation(Some(day("2024-06-28")), Some(&m)).unwrap();
    assert_eq!(v.holdings[0].market_value, Some(d("10050")));
    assert_eq!(v.holdings[0].unrealised, Some(d("1005")));
    assert_eq!(v.total_base, Some(d("10092.50")));
}

/// 1000 invested at the close of D0 (price 100); the price rises 10% to D1, where 1100 more is
/// deposited and invested at 110; it then falls 10% to D2 (99). Each year is 365 days.
const DEPOSIT_MID_PERIOD: &str = r#"[
  {"timestamp": "2021-01-01T10:00:00Z", "type": "deposit", "currency": "USD", "amount": "1000"},
  {"timestamp": "2021-01-01T10:00:01Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "100"},
  {"timestamp": "2022-01-01T10:00:00Z", "type": "deposit", "currency": "USD", "amount": "1100"},
  {"timestamp": "2022-01-01T10:00:01Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "110"}
]"#;
const DEPOSIT_PRICES: &str =
    r#"{"prices": {"X": [["2021-01-01", "100"], ["2022-01-01", "110"], ["2023-01-01", "99"]]}}"#;

#[test]
fn deposit_mid_period_twr_vs_mwr_end_of_day_flows() {
    let l = ledger(usd(&["X"]), DEPOSIT_MID_PERIOD);
    let m = market(DEPOSIT_PRICES);
    let opts = PerformanceOptions {
        start: Some(day("2021-01-01")),
        flow_timing: FlowTiming::End,
        ..PerformanceOptions::default()
    };
    let p = l.performance(&m, &opts).unwrap();
    assert_eq!((p.start_value, p.end_value), (d("1000"), d("1980")));
    // TWR: r1 = (2200 - 1100)/1000 - 1 = +10%, r2 = 1980/2200 - 1 = -10%: 1.1 x 0.9 - 1
    assert!((p.daily[0].day_return - 0.1).abs() < 1e-15);
    assert!((p.daily[1].day_return + 0.1).abs() < 1e-15);
    assert!((p.twr + 0.01).abs() < 1e-15);
    assert!((p.twr_annualised - (0.99f64.sqrt() - 1.0)).abs() < 1e-15);
    // MWR: -1000 - 1100 v + 1980 v^2 = 0 with v = 1/(1+r):
    // v = (1100 + sqrt(1100^2 + 4 * 1980 * 1000)) / (2 * 1980)
    let v = (1100.0 + (1100.0f64 * 1100.0 + 4.0 * 1980.0 * 1000.0).sqrt()) / 3960.0;
    let mwr = p.mwr.unwrap();
    assert!((mwr - (1.0 / v - 1.0)).abs() < 1e-12, "{mwr}");
    assert!(mwr < p.twr_annualised); // more money was in during the losing year
                                     // gain = 1980 - 1000 - 1100 = -120; ROI = -120 / 2100;
                                     // average capital = 1000 + 1100 x 365/730 = 1550; ROAI = -120 / 1550
    assert_eq!(p.gain, d("-120"));
    assert_eq!(p.average_capital, d("1550"));
    assert!((p.roi.unwrap() + 120.0 / 2100.0).abs() < 1e-15);
    assert!((p.roai.unwrap() + 120.0 / 1550.0).abs() < 1e-15);
    // contributions: X gained -120 (2200 invested, worth 1980 + 100 cash... see below)
    let sum: rust_decimal::Decimal = p.contributions.iter().map(|c| c.gain).sum();
    assert_eq!(sum, p.gain);
}

#[test]
fn deposit_mid_period_start_of_day_flows() {
    // With the deposit at the start of D1's day, D1's return is measured on 1000 + 1100:
    // r1 = 2200/2100 - 1, r2 = 1980/2200 - 1; TWR = 1980/2100 - 1.
    let l = ledger(usd(&["X"]), DEPOSIT_MID_PERIOD);
    let m = market(DEPOSIT_PRICES);
    let opts =
        PerformanceOptions { start: Some(day("2021-01-01")), ..PerformanceOptions::default() };
    let p = l.performance(&m, &opts).unwrap();
    assert!((p.twr - (1980.0 / 2100.0 - 1.0)).abs() < 1e-15);
    // Modified Dietz with the flow counting its own day: 1000 + 1100 x 366/730
    assert_eq!(p.average_capital.round_dp(10), d("1551.5068493151"));
}

#[test]
fn two_currency_portfolio() {
    let mut sap = Instrument::new("SAP", "EUR");
    sap.utc_offset_minutes = 60;
    sap.time_zone = Some("Europe/Berlin".into());
    let cfg = LedgerConfig::new("USD", vec![Instrument::new("AAPL", "USD"), sap.clone()]);
    let l = ledger(
        cfg,
        r#"[
      {"timestamp": "2024-01-01T09:00:00Z", "type": "deposit", "currency": "USD", "amount": "10000"},
      {"timestamp": "2024-01-01T09:01:00Z", "type": "fx_conversion", "from_currency": "USD", "from_amount": "2200", "to_currency": "EUR", "to_amount": "2000"},
      {"timestamp": "2024-01-01T09:02:00Z", "type": "buy", "instrument": "SAP", "quantity": "10", "price": "150", "fee": "2"},
      {"timestamp": "2024-01-01T15:00:00Z", "type": "buy", "instrument": "AAPL", "quantity": "20", "price": "190"},
      {"timestamp": "2024-01-03T10:00:00Z", "type": "sell", "instrument": "SAP", "quantity": "5", "price": "160", "fee": "2"}
    ]"#,
    );
    let m = market(
        r#"{
      "prices": {"AAPL": [["2024-01-01", "190"], ["2024-01-02", "195"], ["2024-01-03", "200"]],
                 "SAP":  [["2024-01-01", "150"], ["2024-01-02", "155"], ["2024-01-03", "160"]]},
      "fx": {"EUR": [["2024-01-01", "1.10"], ["2024-01-03", "1.20"]]}}"#,
    );
    let v = l.valuation(Some(day("2024-01-03")), Some(&m)).unwrap();
    let sap_v = v.holdings.iter().find(|h| h.instrument == "SAP").unwrap();
    // EUR: lot 10 x 150 + 2 = 1502 EUR = 1652.20 USD at 1.10; sold 5 at 160 - 2 = 798 EUR,
    // cost 751 EUR: realised 47 EUR; in USD 798 x 1.20 - 1652.20 / 2 = 957.60 - 826.10
    assert_eq!(sap_v.realised, d("47"));
    assert_eq!(sap_v.realised_base, Some(d("131.5")));
    // 5 left worth 800 EUR = 960 USD; unrealised 49 EUR, 960 - 826.10 = 133.90 USD
    assert_eq!(sap_v.unrealised, Some(d("49")));
    assert_eq!(sap_v.unrealised_base, Some(d("133.9")));
    // fees: 2 EUR on each trade, 2.20 + 2.40 USD at the trade dates' rates
    assert_eq!((sap_v.fees, sap_v.fees_base), (d("4"), Some(d("4.6"))));
    // cash: USD 10000 - 2200 - 3800 = 4000; EUR 2000 - 1502 + 798 = 1296 = 1555.20 USD;
    // total 4000 (AAPL 20 x 200) + 960 + 4000 + 1555.20
    assert_eq!(v.total_base, Some(d("10515.2")));
    let opts =
        PerformanceOptions { start: Some(day("2023-12-31")), ..PerformanceOptions::default() };
    let p = l.performance(&m, &opts).unwrap();
    // one deposit at the start of the first day: TWR = 10515.20 / 10000 - 1
    assert!((p.twr - 0.05152).abs() < 1e-14);
    assert_eq!(p.gain, d("515.2"));
    let c = |n: &str| p.contributions.iter().find(|c| c.name == n).unwrap().gain;
    // AAPL 4000 - 3800; SAP 960 - (1652.20 - 957.60); EUR cash held 498 EUR from 1.10 to
    // 1.20 = 49.80; USD cash nothing
    assert_eq!(c("AAPL"), d("200"));
    assert_eq!(c("SAP"), d("265.4"));
    assert_eq!(c("cash:EUR"), d("49.8"));
    assert_eq!(c("cash:USD"), d("0"));
    let total: f64 = p.contributions.iter().map(|c| c.contribution.unwrap()).sum();
    assert!((total - p.roai.unwrap()).abs() < 1e-15);
    // a trade at 23:30 UTC is on the next day in Frankfurt (UTC+1)
    let ts = "2024-01-01T23:30:00Z".parse().unwrap();
    assert_eq!(sap.trade_date(ts), day("2024-01-02"));
}

#[test]
fn short_sale_and_cover() {
    let mut cfg = usd(&["X"]);
    cfg.allow_short = true;
    let l = ledger(
        cfg,
        r#"[
      {"timestamp": "2024-01-02T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "5", "price": "100"},
      {"timestamp": "2024-01-03T15:00:00Z", "type": "sell", "instrument": "X", "quantity": "15", "price": "110", "fee": "3"},
      {"timestamp": "2024-01-04T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "10", "price": "90"}
    ]"#,
    );
    let b = l.book(None, None).unwrap();
    // the sale closes 5 long (fee share 1: 550 - 1 - 500 = 49) and opens 10 short with
    // 1100 - 2 = 1098 received; covering at 900 gains 198
    assert_eq!(b.realisations[0].gain, d("49"));
    assert_eq!(b.realisations[1].gain, d("198"));
    assert_eq!(b.positions["X"].quantity, d("0"));
    assert_eq!(b.positions["X"].realised, d("247"));
}

#[test]
fn book_date_follows_the_day_cutoff() {
    let mut cfg = usd(&[]);
    cfg.utc_offset_minutes = -300; // New York, winter
    cfg.day_cutoff_minutes = 960; // 16:00 close
    assert_eq!(cfg.book_date("2024-01-02T20:30:00Z".parse().unwrap()), day("2024-01-02"));
    assert_eq!(cfg.book_date("2024-01-02T21:00:00Z".parse().unwrap()), day("2024-01-02"));
    assert_eq!(cfg.book_date("2024-01-02T21:30:00Z".parse().unwrap()), day("2024-01-03"));
    // 23:00 in New York is after the close: the next day
    assert_eq!(cfg.book_date("2024-01-03T04:00:00Z".parse().unwrap()), day("2024-01-03"));
    assert_eq!(cfg.book_date("2024-01-02T14:00:00Z".parse().unwrap()), day("2024-01-02"));
}

#[test]
fn transfers_are_external_flows_without_realised_pnl() {
    let l = ledger(
        usd(&["X"]),
        r#"[
      {"timestamp": "2024-01-02T15:00:00Z", "type": "transfer_in", "instrument": "X", "quantity": "10", "price": "50", "cost": "300"},
      {"timestamp": "2024-01-05T15:00:00Z", "type": "transfer_out", "instrument": "X", "quantity": "4", "price": "60"}
    ]"#,
    );
    let b = l.book(None, None).unwrap();
    let p = &b.positions["X"];
    assert_eq!(p.realised, d("0"));
    assert_eq!(p.cost().unwrap(), d("180")); // 300 x 6/10
    let flows: Vec<_> = b.flows.iter().map(|f| f.amount).collect();
    assert_eq!(flows, [d("500"), d("-240")]);
    // valued: 10 x 50 in, 4 x 60 out at the end of the 5th, 6 x 60 left; with end-of-day
    // flows r = (360 + 240) / 500 - 1 = 60/50 - 1
    let m = market(
        r#"{"prices": {"X": [["2024-01-01", "50"], ["2024-01-02", "50"], ["2024-01-05", "60"]]}}"#,
    );
    let opts = PerformanceOptions { flow_timing: FlowTiming::End, ..PerformanceOptions::default() };
    let perf = l.performance(&m, &opts).unwrap();
    assert_eq!(perf.start, day("2024-01-01"));
    assert!((perf.twr - 0.2).abs() < 1e-15, "{}", perf.twr);
    assert_eq!(perf.gain, d("100")); // 360 - 0 - (500 - 240)
}

#[test]
fn monthly_periods_chain_to_the_whole() {
    let l = ledger(usd(&["X"]), DEPOSIT_MID_PERIOD);
    let m = market(
        r#"{"prices": {"X": [["2021-01-01", "100"], ["2021-01-29", "104"], ["2021-02-26", "97"],
        ["2021-03-31", "110"], ["2022-01-01", "110"], ["2022-02-28", "99"]]}}"#,
    );
    let opts =
        PerformanceOptions { start: Some(day("2021-01-01")), ..PerformanceOptions::default() };
    let whole = l.performance(&m, &opts).unwrap();
    let months = l.performance_by_period(&m, &opts, Period::Month).unwrap();
    assert_eq!(months.len(), 5);
    assert_eq!(months[0].end, day("2021-01-29"));
    let linked = months.iter().fold(1.0, |g, p| g * (1.0 + p.twr)) - 1.0;
    assert!((linked - whole.twr).abs() < 1e-14);
    let gains: rust_decimal::Decimal = months.iter().map(|p| p.gain).sum();
    assert_eq!(gains, whole.gain);
    let years = l.performance_by_period(&m, &opts, Period::Year).unwrap();
    assert_eq!(years.len(), 2);
    assert!((years[0].twr - 0.1).abs() < 1e-15);
}
