//! Exchange calendars and time zones: XNYS against exchange_calendars' sessions
//! (tests/golden/ledger/xnys.json, every weekday of 2000-2030), and trade / booking dates in an
//! IANA zone across daylight saving, derived by hand.

use chrono::{Datelike, NaiveDate, Weekday};
use sextant_core::ledger::{Calendar, CalendarRules, Instrument, LedgerConfig, PerformanceOptions};

use super::{ledger, market};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn xnys_equals_exchange_calendars_2000_to_2030() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/ledger/xnys.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let closed: Vec<NaiveDate> = doc["closed_weekdays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| day(d.as_str().unwrap()))
        .collect();
    let (from, to) = (day("2000-01-03"), day(doc["to"].as_str().unwrap()));
    let days = Calendar::new(CalendarRules::Xnys).trading_days(from, to).unwrap();
    let mut want = Vec::new();
    let mut d = from;
    while d <= to {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !closed.contains(&d) {
            want.push(d);
        }
        d = d.succ_opt().unwrap();
    }
    let extra: Vec<_> = days.iter().filter(|d| !want.contains(d)).take(5).collect();
    let missing: Vec<_> = want.iter().filter(|d| !days.contains(d)).take(5).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "open but closed: {extra:?}; closed but open: {missing:?}"
    );
    assert_eq!(days.len(), want.len());
    // is_trading_day agrees with the range form
    assert!(days.iter().all(|d| Calendar::new(CalendarRules::Xnys).is_trading_day(*d)));
}

#[test]
fn calendar_forms_and_bounds() {
    let c: Calendar = serde_json::from_str(r#""XNYS""#).unwrap();
    assert_eq!(c, Calendar::new(CalendarRules::Xnys));
    let c: Calendar = serde_json::from_str(r#"{"holidays": ["2024-01-02"]}"#).unwrap();
    assert_eq!(c.name, CalendarRules::Weekdays);
    // Jan 1-5 2024 is Monday to Friday; the 2nd is an extra closure
    assert_eq!(c.trading_days(day("2024-01-01"), day("2024-01-07")).unwrap().len(), 4);
    assert!(serde_json::from_str::<Calendar>(r#""XLON""#).is_err());
    let e = Calendar::new(CalendarRules::Xnys)
        .trading_days(day("1999-12-01"), day("2000-02-01"))
        .unwrap_err();
    assert_eq!(e.code(), "INVALID_INPUT");
    assert!(Calendar::new(CalendarRules::All)
        .trading_days(day("2024-01-02"), day("2024-01-01"))
        .is_err());
}

#[test]
fn trade_and_booking_dates_follow_daylight_saving() {
    // 2024-07-01T04:30Z is 00:30 on July 1 in New York (EDT, UTC-4) but 23:30 on June 30 at
    // the winter offset UTC-5; 2024-01-02T04:30Z is 23:30 on January 1 (EST) either way.
    let ny =
        Instrument { time_zone: Some("America/New_York".into()), ..Instrument::new("X", "USD") };
    let fixed = Instrument { utc_offset_minutes: -300, ..Instrument::new("X", "USD") };
    let summer = "2024-07-01T04:30:00Z".parse().unwrap();
    let winter = "2024-01-02T04:30:00Z".parse().unwrap();
    assert_eq!(ny.trade_date(summer), day("2024-07-01"));
    assert_eq!(fixed.trade_date(summer), day("2024-06-30"));
    assert_eq!(ny.trade_date(winter), day("2024-01-01"));
    assert_eq!(fixed.trade_date(winter), day("2024-01-01"));
    // the portfolio's zone with a 16:00 cut-off: 20:30Z is 16:30 EDT in July (after the close:
    // next day) but 15:30 EST in January (same day)
    let cfg = LedgerConfig {
        time_zone: Some("America/New_York".into()),
        day_cutoff_minutes: 960,
        ..LedgerConfig::new("USD", vec![])
    };
    assert_eq!(cfg.book_date("2024-07-01T20:30:00Z".parse().unwrap()), day("2024-07-02"));
    assert_eq!(cfg.book_date("2024-01-02T20:30:00Z".parse().unwrap()), day("2024-01-02"));
    // an unknown zone is refused when the ledger is built
    let bad =
        LedgerConfig { time_zone: Some("Mars/Olympus".into()), ..LedgerConfig::new("USD", vec![]) };
    let e = sextant_core::ledger::Ledger::new(bad, vec![]).unwrap_err();
    assert!(e.to_string().contains("Mars/Olympus"), "{e}");
}

#[test]
fn performance_values_on_the_exchange_calendar() {
    // Prices on Jul 1 and Jul 5 2024 only; XNYS trades Jul 1, 2, 3 and 5 (Jul 4 closed), so
    // those are the valuation days, Jul 2 and 3 valued at Jul 1's price (latest on or before).
    let l = ledger(
        super::usd(&["X"]),
        r#"[{"timestamp": "2024-07-01T14:00:00Z", "type": "deposit", "currency": "USD", "amount": "100"},
            {"timestamp": "2024-07-01T15:00:00Z", "type": "buy", "instrument": "X", "quantity": "1", "price": "100"}]"#,
    );
    let m = market(r#"{"prices": {"X": [["2024-07-01", "100"], ["2024-07-05", "110"]]}}"#);
    let opts = PerformanceOptions {
        calendar: Some(Calendar::new(CalendarRules::Xnys)),
        ..PerformanceOptions::default()
    };
    let p = l.performance(&m, &opts).unwrap();
    let days: Vec<NaiveDate> = p.daily.iter().map(|r| r.date).collect();
    // the period starts at the close of Jul 1; one daily row per later valuation day
    assert_eq!(days, [day("2024-07-02"), day("2024-07-03"), day("2024-07-05")]);
    assert!((p.twr - 0.10).abs() < 1e-15);
}
