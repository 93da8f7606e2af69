//! Properties: exact decimal bookkeeping over 100,000 random transactions (each cost-basis
//! rule), and no panic on arbitrary records, configurations and market data.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use sextant_core::ledger::{
    xirr, CostBasis, Instrument, Ledger, LedgerConfig, MarketData, OrderPolicy, PerformanceOptions,
    Period, Transaction, TxKind,
};

/// splitmix64: a tiny seeded generator for the long random runs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A decimal with mantissa in [1, max] and exactly `scale` decimals.
    fn fixed(&mut self, max: u64, scale: u32) -> Decimal {
        Decimal::new((1 + self.below(max)) as i64, scale)
    }
    /// A decimal with mantissa in [1, max] and `scale_max` decimals at most.
    fn dec(&mut self, max: u64, scale_max: u64) -> Decimal {
        Decimal::new((1 + self.below(max)) as i64, self.below(scale_max + 1) as u32)
    }
}

fn cents(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

/// The independent reference: quantities, cash and paid costs summed directly from the
/// transactions, compared with the ledger's books.
fn exact_over_random_transactions(basis: CostBasis, seed: u64, n: usize) {
    const SYMS: [&str; 3] = ["A", "B", "C"];
    let mut rng = Rng(seed);
    let mut ts: DateTime<Utc> = "2000-01-03T14:30:00Z".parse().unwrap();
    let mut txs = Vec::with_capacity(n);
    let mut qty = [Decimal::ZERO; 3];
    let mut cash = Decimal::ZERO;
    let mut paid = Decimal::ZERO; // sum of buy costs (gross + fee)
    let mut received = Decimal::ZERO; // sum of net sale proceeds
    let mut fees = Decimal::ZERO;
    let mut income = Decimal::ZERO;
    for _ in 0..n {
        ts += Duration::seconds(1 + rng.below(20_000) as i64);
        let k = rng.below(3) as usize;
        let instrument = SYMS[k].to_string();
        let kind = match rng.below(1000) / 10 {
            0..=9 => {
                let amount = cents(rng.dec(10_000_000, 2));
                cash += amount;
                TxKind::Deposit { currency: "USD".into(), amount }
            }
            10..=13 => {
                let amount = cents(rng.dec(1_000_000, 2));
                cash -= amount;
                TxKind::Withdrawal { currency: "USD".into(), amount }
            }
            14..=55 => {
                let (quantity, price, fee) =
                    (rng.dec(100_000, 4), rng.dec(1_000_000, 4), rng.dec(1000, 2));
                let cost = cents(quantity * price) + fee;
                qty[k] += quantity;
                cash -= cost;
                paid += cost;
                fees += fee;
                TxKind::Buy { instrument, quantity, price, fee }
            }
            56..=93 if qty[k] > Decimal::ZERO => {
                let mut quantity = rng.dec(100_000, 4);
                if quantity > qty[k] {
                    quantity = qty[k];
                }
                let (price, fee) = (rng.dec(1_000_000, 4), rng.dec(1000, 2));
                let net = cents(quantity * price) - fee;
                qty[k] -= quantity;
                cash += net;
                received += net;
                fees += fee;
                TxKind::Sell { instrument, quantity, price, fee }
            }
            94..=97 => {
                let (amount, tax) =
                    (cents(rng.dec(100_000, 2)), Decimal::new(rng.below(100) as i64, 2));
                cash += amount - tax;
                income += amount;
                TxKind::Dividend { instrument, amount, tax }
            }
            98 | 99 if rng.below(10) > 0 => {
                let amount = cents(rng.dec(10_000, 2));
                cash -= amount;
                TxKind::Fee { currency: "USD".into(), amount, instrument: None }
            }
            _ if qty[k] > Decimal::from(1_000_000_000) && qty[k].scale() >= 12 => {
                // no split that would take the quantity past 28 significant digits
                TxKind::Fee { currency: "USD".into(), amount: Decimal::ZERO, instrument: None }
            }
            _ => {
                // about one in a thousand: integer forward splits, or reverse splits by 2, 5
                // and 10 (exact in decimal) once a holding is large
                let (numerator, denominator) = if qty[k] > Decimal::from(1_000_000_000) {
                    [(1, 2), (1, 5), (1, 10)][rng.below(3) as usize]
                } else {
                    [(2, 1), (3, 1), (4, 1)][rng.below(3) as usize]
                };
                qty[k] = qty[k] * Decimal::from(numerator) / Decimal::from(denominator);
                TxKind::Split { instrument, numerator, denominator }
            }
        };
        txs.push(Transaction { timestamp: ts, kind });
    }
    let mut cfg =
        LedgerConfig::new("USD", SYMS.iter().map(|s| Instrument::new(s, "USD")).collect());
    cfg.cost_basis = basis;
    let ledger = Ledger::new(cfg, txs).unwrap();
    let book = ledger.book(None, None).unwrap();
    for (k, s) in SYMS.iter().enumerate() {
        assert_eq!(book.positions[*s].quantity, qty[k], "{s} quantity under {basis:?}");
    }
    assert_eq!(book.cash["USD"].balance, cash, "cash under {basis:?}");
    // cost is conserved: what was paid is either in an open lot or in a realised cost
    let open: Decimal = book.positions.values().map(|p| p.cost().unwrap()).sum();
    let closed: Decimal = book.realisations.iter().map(|r| r.cost).sum();
    assert_eq!(open + closed, paid, "cost conservation under {basis:?}");
    let proceeds: Decimal = book.realisations.iter().map(|r| r.proceeds).sum();
    assert_eq!(proceeds, received);
    let realised: Decimal = book.positions.values().map(|p| p.realised).sum();
    assert_eq!(realised, received - closed);
    let f: Decimal = book.positions.values().map(|p| p.fees).sum();
    assert_eq!(f, fees);
    let inc: Decimal = book.positions.values().map(|p| p.income).sum();
    assert_eq!(inc, income);
    // cash amounts stay at cent scale
    assert!(book.cash["USD"].balance.scale() <= 2);
}

#[test]
fn exact_over_100k_random_transactions_fifo() {
    exact_over_random_transactions(CostBasis::Fifo, 1, 100_000);
}

#[test]
fn exact_over_100k_random_transactions_lifo() {
    exact_over_random_transactions(CostBasis::Lifo, 2, 100_000);
}

#[test]
fn exact_over_100k_random_transactions_average() {
    exact_over_random_transactions(CostBasis::Average, 3, 100_000);
}

fn any_decimal() -> impl Strategy<Value = Decimal> {
    // mostly plausible amounts, so the cases reach booking and valuation, plus extremes
    prop_oneof![
        1 => (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>(), 0u32..=28)
            .prop_map(|(lo, mid, hi, neg, sc)| Decimal::from_parts(lo, mid, hi, neg, sc)),
        8 => (0i64..1_000_000, 0u32..6).prop_map(|(m, s)| Decimal::new(m, s)),
        1 => (-1_000i64..0, 0u32..3).prop_map(|(m, s)| Decimal::new(m, s)),
        1 => Just(Decimal::ZERO),
        1 => Just(Decimal::MAX),
    ]
}

fn any_ts() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        20 => (0i64..100_000_000).prop_map(|s| DateTime::from_timestamp(1_600_000_000 + s, 0).unwrap()),
        1 => Just(DateTime::<Utc>::MAX_UTC),
        1 => Just(DateTime::<Utc>::MIN_UTC),
    ]
}

fn plausible_decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        8 => (1i64..100_000, 0u32..3).prop_map(|(m, s)| Decimal::new(m, s)),
        1 => (1i64..1_000_000_000, 0u32..8).prop_map(|(m, s)| Decimal::new(m, s)),
    ]
}

fn any_kind() -> impl Strategy<Value = TxKind> {
    kind_from(any_decimal().boxed(), false)
}

fn plausible_kind() -> impl Strategy<Value = TxKind> {
    kind_from(plausible_decimal().boxed(), true)
}

/// Transactions of every kind; `plausible` keeps splits valid and taxes on the account.
fn kind_from(dec: BoxedStrategy<Decimal>, plausible: bool) -> impl Strategy<Value = TxKind> {
    let sym = prop_oneof![Just("A".to_string()), Just("E".to_string()), Just("Z".to_string())];
    let ccy = prop_oneof![
        Just("USD".to_string()),
        Just("EUR".to_string()),
        Just("JPY".to_string()),
        Just("Q".to_string())
    ];
    (0u8..12, sym, ccy.clone(), ccy, dec.clone(), dec.clone(), dec, 0u64..4, 0u64..4).prop_map(
        move |(k, instrument, c1, c2, a, b, c, n, m)| match k {
            0 => TxKind::Buy { instrument, quantity: a, price: b, fee: c },
            1 => TxKind::Sell { instrument, quantity: a, price: b, fee: c },
            2 => TxKind::Dividend { instrument, amount: a, tax: b },
            3 => TxKind::DividendReinvested { instrument, quantity: a, price: b, tax: c },
            4 => TxKind::Fee { currency: c1, amount: a, instrument: None },
            5 => TxKind::Tax {
                currency: c1,
                amount: a,
                instrument: (!plausible).then_some(instrument),
            },
            6 if plausible => TxKind::Split {
                instrument,
                numerator: n + 1,
                denominator: [1, 2, 5, 10][m as usize],
            },
            6 => TxKind::Split { instrument, numerator: n, denominator: [1, 2, 5, 0][m as usize] },
            7 => TxKind::Deposit { currency: c1, amount: a },
            8 => TxKind::Withdrawal { currency: c1, amount: a },
            9 => TxKind::TransferIn { instrument, quantity: a, price: b, cost: Some(c) },
            10 => TxKind::TransferOut { instrument, quantity: a, price: b },
            _ => TxKind::FxConversion {
                from_currency: c1,
                from_amount: a,
                to_currency: c2,
                to_amount: b,
                fee: c,
            },
        },
    )
}

/// Positive observations from the start of the timestamps' range on.
fn plausible_series() -> impl Strategy<Value = Vec<(chrono::NaiveDate, Decimal)>> {
    let d0 = chrono::NaiveDate::from_ymd_opt(2020, 9, 1).unwrap();
    proptest::collection::vec(((1i64..1300), plausible_decimal()), 0..30).prop_map(move |v| {
        let mut s: Vec<_> = v.into_iter().map(|(d, x)| (d0 + Duration::days(d), x)).collect();
        s.push((d0, Decimal::ONE));
        s.sort_by_key(|(d, _)| *d);
        s.dedup_by_key(|(d, _)| *d);
        s
    })
}

fn raw_series() -> impl Strategy<Value = Vec<(chrono::NaiveDate, Decimal)>> {
    proptest::collection::vec(
        ((0i64..2000), any_decimal()).prop_map(|(d, v)| {
            (chrono::NaiveDate::from_ymd_opt(2020, 9, 1).unwrap() + Duration::days(d), v)
        }),
        0..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_panic_on_any_records(
        kinds in proptest::collection::vec((any_ts(), any_kind()), 0..25),
        short in any::<bool>(), neg_cash in any::<bool>(), sort in any::<bool>(),
        basis in 0u8..3, offset in -2000i32..2000, cutoff in 0u32..1600,
        pa in raw_series(), pe in raw_series(), fx in raw_series(),
        timing in any::<bool>(), sort_input in any::<bool>(),
    ) {
        let mut e = Instrument::new("E", "EUR");
        e.utc_offset_minutes = offset;
        let mut cfg = LedgerConfig::new("USD", vec![Instrument::new("A", "USD"), e]);
        cfg.allow_short = short;
        cfg.allow_negative_cash = neg_cash;
        cfg.order = if sort { OrderPolicy::Sort } else { OrderPolicy::Reject };
        cfg.cost_basis = [CostBasis::Fifo, CostBasis::Lifo, CostBasis::Average][basis as usize];
        cfg.utc_offset_minutes = offset;
        cfg.day_cutoff_minutes = cutoff;
        let txs = kinds.into_iter().map(|(timestamp, kind)| Transaction { timestamp, kind }).collect();
        let mut txs: Vec<Transaction> = txs;
        if sort_input {
            txs.sort_by_key(|t| t.timestamp);
        }
        if let Ok(l) = Ledger::new(cfg, txs) {
            let mut m = MarketData::default();
            m.prices.insert("A".into(), pa);
            m.prices.insert("E".into(), pe);
            m.fx.insert("EUR".into(), fx);
            let _ = l.valuation(None, Some(&m));
            let _ = l.valuation(None, None);
            let mut opts = PerformanceOptions::default();
            if timing { opts.flow_timing = sextant_core::ledger::FlowTiming::End; }
            let _ = l.performance(&m, &opts);
            let _ = l.performance_by_period(&m, &opts, Period::Month);
        }
    }

    #[test]
    fn xirr_never_panics_and_roots_are_roots(
        flows in proptest::collection::vec((0.0f64..30.0, -1e6f64..1e6), 2..12),
    ) {
        let (t, a): (Vec<f64>, Vec<f64>) = flows.into_iter().unzip();
        if let Ok(r) = xirr(&t, &a) {
            prop_assert!(r > -1.0);
            let scale: f64 = a.iter().map(|x| x.abs()).fold(0.0, f64::max);
            let npv = sextant_core::ledger::xnpv(r, &t, &a) / scale;
            // a root up to the solver's x tolerance: |f(r)| <= |f'(r)| * 1e-14 or so
            // the step stays inside the domain r > -1 (near -1 the NPV is extremely steep)
            let h = (1e-7 * (1.0 + r.abs())).min((1.0 + r) / 2.0);
            let slope = (sextant_core::ledger::xnpv(r + h, &t, &a) - sextant_core::ledger::xnpv(r - h, &t, &a)) / (2.0 * h * scale);
            prop_assert!(npv.abs() <= 1e-9 * (1.0 + slope.abs()), "npv {} slope {} r {}", npv, slope, r);
        }
    }
}

/// A random funded two-currency portfolio with daily prices and FX.
fn random_portfolio(seed: u64, n: usize) -> (Ledger, MarketData) {
    let mut rng = Rng(seed);
    let d0 = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let mut m = MarketData::default();
    for (s, start) in [("A", 100i64), ("E", 50)] {
        let mut p = start * 100;
        let series = (0..400)
            .map(|k| {
                p = (p + rng.below(401) as i64 - 200).max(100);
                (d0 + Duration::days(k), Decimal::new(p, 2))
            })
            .collect();
        m.prices.insert(s.into(), series);
    }
    let mut fx = 11_000i64;
    m.fx.insert(
        "EUR".into(),
        (0..400)
            .map(|k| {
                fx = (fx + rng.below(201) as i64 - 100).max(5_000);
                (d0 + Duration::days(k), Decimal::new(fx, 4))
            })
            .collect(),
    );
    let t0: DateTime<Utc> = "2020-01-02T10:00:00Z".parse().unwrap();
    let mut txs = vec![
        Transaction {
            timestamp: t0,
            kind: TxKind::Deposit { currency: "USD".into(), amount: Decimal::from(1_000_000) },
        },
        Transaction {
            timestamp: t0,
            kind: TxKind::Deposit { currency: "EUR".into(), amount: Decimal::from(500_000) },
        },
    ];
    let mut held = [Decimal::ZERO; 2];
    for i in 0..n {
        let timestamp = t0 + Duration::minutes(((i + 1) * 390 * 1440 / n) as i64);
        let k = rng.below(2) as usize;
        let instrument = ["A", "E"][k].to_string();
        let kind = match rng.below(10) {
            0 => TxKind::Deposit {
                currency: ["USD", "EUR"][k].into(),
                amount: rng.fixed(1_000_000, 2),
            },
            1 => TxKind::Withdrawal {
                currency: ["USD", "EUR"][k].into(),
                amount: rng.fixed(100_000, 2),
            },
            2 => TxKind::Dividend {
                instrument,
                amount: rng.fixed(10_000, 2),
                tax: Decimal::new(rng.below(100) as i64, 2),
            },
            3 => TxKind::Fee {
                currency: ["USD", "EUR"][k].into(),
                amount: rng.fixed(1_000, 2),
                instrument: Some(instrument),
            },
            4 => TxKind::FxConversion {
                from_currency: "USD".into(),
                from_amount: Decimal::from(1_000),
                to_currency: "EUR".into(),
                to_amount: rng.fixed(1_000, 0),
                fee: Decimal::ONE,
            },
            5 | 6 if held[k] > Decimal::ZERO => {
                let q = rng.fixed(1_000, 1).min(held[k]);
                held[k] -= q;
                TxKind::Sell {
                    instrument,
                    quantity: q,
                    price: rng.fixed(20_000, 2),
                    fee: Decimal::ONE,
                }
            }
            _ => {
                let q = rng.fixed(1_000, 1);
                held[k] += q;
                TxKind::Buy {
                    instrument,
                    quantity: q,
                    price: rng.fixed(20_000, 2),
                    fee: Decimal::ONE,
                }
            }
        };
        txs.push(Transaction { timestamp, kind });
    }
    let cfg =
        LedgerConfig::new("USD", vec![Instrument::new("A", "USD"), Instrument::new("E", "EUR")]);
    (Ledger::new(cfg, txs).unwrap(), m)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Contributions add up to the gain exactly; the gain is the value change less the net
    /// flows; monthly TWRs chain to the whole period's; the MWR is a root of its flows.
    #[test]
    fn performance_identities(seed in any::<u64>(), n in 1usize..300, end_timing in any::<bool>()) {
        let (l, m) = random_portfolio(seed, n);
        let mut opts = PerformanceOptions::default();
        if end_timing { opts.flow_timing = sextant_core::ledger::FlowTiming::End; }
        let p = match l.performance(&m, &opts) {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        let gains: Decimal = p.contributions.iter().map(|c| c.gain).sum();
        prop_assert_eq!(gains, p.gain);
        prop_assert_eq!(p.gain, p.end_value - p.start_value - (p.inflows - p.outflows));
        let c: f64 = p.contributions.iter().filter_map(|c| c.contribution).sum();
        prop_assert!((c - p.roai.unwrap()).abs() <= 1e-12 * (1.0 + c.abs()));
        let months = l.performance_by_period(&m, &opts, Period::Month).unwrap();
        let linked = months.iter().fold(1.0, |g, q| g * (1.0 + q.twr)) - 1.0;
        prop_assert!((linked - p.twr).abs() <= 1e-12 * (1.0 + p.twr.abs()), "{} vs {}", linked, p.twr);
        let month_gains: Decimal = months.iter().map(|q| q.gain).sum();
        prop_assert_eq!(month_gains, p.gain);
        let v = l.valuation(Some(p.end), Some(&m)).unwrap();
        prop_assert_eq!(v.total_base, Some(p.end_value));
    }
}

#[test]
fn random_portfolio_is_measured() {
    let (l, m) = random_portfolio(7, 250);
    let p = l.performance(&m, &PerformanceOptions::default()).unwrap();
    assert_eq!(p.daily.len(), 399);
    assert!(p.contributions.len() == 4 && p.mwr.is_some(), "{p:?}");
    assert!(l.book(None, None).unwrap().realisations.len() > 20);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Sorted, mostly valid records (shorting allowed, no unknown names) reach booking,
    /// valuation and performance; nothing panics there either.
    #[test]
    fn no_panic_on_plausible_records(
        kinds in proptest::collection::vec((any_ts(), plausible_kind()), 0..40),
        basis in 0u8..3, offset in -900i32..900, cutoff in 0u32..=1440,
        pa in plausible_series(), pe in plausible_series(), fx in plausible_series(),
        timing in any::<bool>(), short in any::<bool>(),
    ) {
        let mut cfg = LedgerConfig::new("USD", vec![Instrument::new("A", "USD"), Instrument::new("E", "EUR"), Instrument::new("Z", "JPY")]);
        cfg.allow_short = short;
        cfg.order = OrderPolicy::Sort;
        cfg.cost_basis = [CostBasis::Fifo, CostBasis::Lifo, CostBasis::Average][basis as usize];
        cfg.utc_offset_minutes = offset;
        cfg.day_cutoff_minutes = cutoff;
        cfg.currencies.insert("Q".into(), 4);
        let txs = kinds.into_iter().map(|(timestamp, kind)| Transaction { timestamp, kind }).collect();
        if let Ok(l) = Ledger::new(cfg, txs) {
            let mut m = MarketData::default();
            m.prices.insert("A".into(), pa.clone());
            m.prices.insert("E".into(), pe);
            m.prices.insert("Z".into(), pa);
            m.fx.insert("EUR".into(), fx.clone());
            m.fx.insert("JPY".into(), fx.clone());
            m.fx.insert("Q".into(), fx);
            let _ = l.valuation(None, Some(&m));
            let mut opts = PerformanceOptions::default();
            if timing { opts.flow_timing = sextant_core::ledger::FlowTiming::End; }
            let _ = l.performance(&m, &opts);
            let _ = l.performance_by_period(&m, &opts, Period::Quarter);
        }
    }
}
