//! AutoIndex: hand-checked backtests, delistings, no look-ahead, the risk report against the
//! risk functions, risk score breakpoints, forward simulation, configuration errors, no panics.

use chrono::NaiveDate;
use proptest::prelude::*;
use sextant_core::autoindex::{
    backtest, interpolate, risk_score, simulate, AssetData, MarketData, ScoreAsset, ScoreConfig,
    SimConfig, SimMethod, Strategy,
};
use sextant_core::{risk, Error};

const NAN: f64 = f64::NAN;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn asset(sym: &str, close: &[f64]) -> AssetData {
    AssetData {
        symbol: sym.into(),
        close: close.to_vec(),
        open: None,
        total_return: None,
        volume: None,
    }
}

fn strategy(json: &str) -> Strategy {
    Strategy::from_json(json).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

/// Seven bars over three months; 3 assets.
fn three_assets() -> MarketData {
    let dates = [
        "2024-01-29",
        "2024-01-30",
        "2024-01-31",
        "2024-02-01",
        "2024-02-02",
        "2024-03-01",
        "2024-03-04",
    ];
    MarketData {
        dates: dates.iter().map(|d| date(d)).collect(),
        assets: vec![
            asset("A", &[10.0, 10.0, 10.0, 11.0, 12.0, 12.0, 13.0]),
            asset("B", &[20.0, 20.0, 20.0, 19.0, 18.0, 20.0, 20.0]),
            asset("C", &[5.0, 5.0, 5.0, 5.0, 6.0, 5.0, 5.0]),
        ],
        benchmark: None,
    }
}

#[test]
fn equal_weight_monthly_with_costs_by_hand() {
    let s = strategy(
        r#"{"version": 1, "universe": {"kind": "static", "symbols": ["A", "B", "C"]},
            "weighting": {"scheme": "equal", "window": 1}, "schedule": {"kind": "monthly"},
            "costs": {"bps": 10, "fixed": 0.5}}"#,
    );
    let bt = backtest(&s, &three_assets()).unwrap();
    let b = 0.001;
    // bar 1 (Jan 30) is the first with one return for every asset: signal; traded at the
    // close of bar 2 (Jan 31). All cash into three buys: V = (100 - 3 x 0.5) / (1 + b).
    assert_eq!(bt.start, Some(2));
    assert_eq!(bt.values[0], 100.0);
    assert_eq!(bt.values[1], 100.0);
    let v2 = (100.0 - 1.5) / (1.0 + b);
    assert!(close(bt.values[2], v2), "{} vs {v2}", bt.values[2]);
    assert!(close(bt.costs[2], 100.0 - v2));
    assert!(close(bt.turnover[2], v2 / 100.0));
    assert!(bt.cash[2].abs() < 1e-12);
    let (ua, ub, uc) = (v2 / 3.0 / 10.0, v2 / 3.0 / 20.0, v2 / 3.0 / 5.0);
    // bar 3 (Feb 1) opens a new month: signal at the close of bar 2, trade at the close of bar 3
    let (ha, hb, hc) = (ua * 11.0, ub * 19.0, uc * 5.0);
    let v_pre = ha + hb + hc;
    assert!(close(v_pre, v2 * 61.0 / 60.0));
    // A is sold, B and C bought: V (1 + b/3) = V_pre - 1.5 - b (hA - hB - hC)
    let v3 = (v_pre - 1.5 - b * (ha - hb - hc)) / (1.0 + b / 3.0);
    assert!(v3 / 3.0 < ha && v3 / 3.0 > hb && v3 / 3.0 > hc);
    assert!(close(bt.values[3], v3), "{} vs {v3}", bt.values[3]);
    assert!(close(bt.costs[3], v_pre - v3));
    let turn3 = ((v3 / 3.0 - ha).abs() + (v3 / 3.0 - hb).abs() + (v3 / 3.0 - hc).abs()) / v_pre;
    assert!(close(bt.turnover[3], turn3));
    for w in &bt.weights[3] {
        assert!(close(*w, 1.0 / 3.0));
    }
    // bar 4 (Feb 2): no trade, holdings drift
    let (ua, ub, uc) = (v3 / 33.0, v3 / 57.0, v3 / 15.0);
    let v4 = ua * 12.0 + ub * 18.0 + uc * 6.0;
    assert!(close(bt.values[4], v4));
    assert_eq!(bt.costs[4], 0.0);
    assert!(close(bt.weights[4][0], ua * 12.0 / v4));
    // bar 5 (Mar 1): the third rebalance; bar 6 drifts
    assert_eq!(bt.rebalances.len(), 3);
    let reasons: Vec<_> = bt.rebalances.iter().map(|r| r.reason).collect();
    assert_eq!(reasons, ["initial", "schedule", "schedule"]);
    assert_eq!(bt.rebalances[1].signal_date, date("2024-01-31"));
    assert_eq!(bt.rebalances[1].trade_date, date("2024-02-01"));
    assert_eq!(bt.rebalances[2].trades, 3);
    assert!(close(bt.total_costs, bt.costs.iter().sum()));
    // returns and value agree
    for t in 3..7 {
        assert!(close(bt.returns[t], bt.values[t] / bt.values[t - 1] - 1.0));
    }
    assert!(bt.returns[1].is_nan() && close(bt.returns[2], v2 / 100.0 - 1.0));
}

#[test]
fn open_execution_uses_the_open() {
    let mut d = three_assets();
    for a in &mut d.assets {
        // opens 1% above the closes
        a.open = Some(a.close.iter().map(|c| c * 1.01).collect());
    }
    let s = strategy(
        r#"{"version": 1, "universe": {"kind": "all"}, "weighting": {"scheme": "equal"},
            "schedule": {"kind": "quarterly"}, "execution": "open"}"#,
    );
    let bt = backtest(&s, &d).unwrap();
    // bought at the open of bar 2 (1.01 x close), valued at the close
    let v2: f64 = 100.0 / 3.0 / 1.01 * 3.0;
    assert!(close(bt.values[2], v2));
    // quarterly: bar 5 (Mar 1) is the same quarter, so one rebalance only
    assert_eq!(bt.rebalances.len(), 1);
    d.assets[1].open.as_mut().unwrap()[2] = NAN;
    let e = backtest(&s, &d).unwrap_err();
    assert!(e.to_string().contains("B.open"), "{e}");
}

fn delisting_data() -> MarketData {
    MarketData {
        dates: ["2024-05-06", "2024-05-07", "2024-05-08", "2024-05-09", "2024-05-10"]
            .iter()
            .map(|d| date(d))
            .collect(),
        assets: vec![
            asset("A", &[10.0, 10.0, 11.0, 12.0, 13.0]),
            asset("B", &[20.0, 20.0, 22.0, NAN, NAN]),
        ],
        benchmark: None,
    }
}

#[test]
fn delisting_to_cash_and_redistributed() {
    let base = r#"{"version": 1, "universe": {"kind": "all"}, "weighting": {"scheme": "equal"},
        "schedule": {"kind": "monthly"}, "delisting": "DELIST"}"#;
    // trade at the close of bar 2: 50 into A at 11, 50 into B at 22
    let (ua, ub) = (50.0 / 11.0, 50.0 / 22.0);
    let cash = backtest(&strategy(&base.replace("DELIST", "cash")), &delisting_data()).unwrap();
    // bar 3: B has no price; sold at its last price 22 -> cash 50
    assert_eq!(cash.delistings.len(), 1);
    let ev = &cash.delistings[0];
    assert_eq!(
        (ev.symbol.as_str(), ev.last_date, ev.exit_date),
        ("B", date("2024-05-08"), date("2024-05-09"))
    );
    assert!(close(ev.proceeds, ub * 22.0) && ev.price == 22.0);
    assert!(close(cash.cash[3], 50.0));
    assert!(close(cash.values[3], ua * 12.0 + 50.0));
    assert!(close(cash.values[4], ua * 13.0 + 50.0));
    assert_eq!(cash.weights[3][1], 0.0);
    // redistributed: at bar 3 the 50 buys A at 12 (no costs)
    let red =
        backtest(&strategy(&base.replace("DELIST", "redistribute")), &delisting_data()).unwrap();
    let v3 = ua * 12.0 + 50.0;
    assert!(close(red.values[3], v3));
    assert!(red.cash[3].abs() < 1e-12);
    assert!(close(red.values[4], v3 / 12.0 * 13.0));
    assert_eq!(red.rebalances.last().unwrap().reason, "delisting");
}

#[test]
fn delisted_target_at_execution() {
    // B's last price is on the signal bar of the June rebalance: its target cannot be bought
    let dates = ["2024-05-30", "2024-05-31", "2024-06-03", "2024-06-04"];
    let d = MarketData {
        dates: dates.iter().map(|x| date(x)).collect(),
        assets: vec![asset("A", &[10.0, 10.0, 10.0, 10.0]), asset("B", &[10.0, 10.0, NAN, NAN])],
        benchmark: None,
    };
    let s = |p: &str| {
        strategy(&format!(
            r#"{{"version": 1, "universe": {{"kind": "all"}}, "weighting": {{"scheme": "equal"}},
                "schedule": {{"kind": "monthly"}}, "delisting": "{p}"}}"#
        ))
    };
    // signal at bar 1 (both eligible), trade at bar 2: B has no price
    let c = backtest(&s("cash"), &d).unwrap();
    assert!(close(c.rebalances[0].targets[0], 0.5) && c.rebalances[0].targets[1] == 0.0);
    assert!(close(c.cash[2], 50.0));
    let r = backtest(&s("redistribute"), &d).unwrap();
    assert!(close(r.rebalances[0].targets[0], 1.0));
    assert!(r.cash[2].abs() < 1e-12);
}

/// A deterministic pseudo-random walk (no RNG crate needed).
fn walk(seed: u64, n: usize, s0: f64, vol: f64) -> Vec<f64> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut p = s0;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            #[allow(clippy::cast_precision_loss)]
            let u = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            p *= 1.0 + vol * u * 3.4;
            p
        })
        .collect()
}

fn business_days(start: &str, n: usize) -> Vec<NaiveDate> {
    use chrono::{Datelike, Weekday};
    let mut d = date(start);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            out.push(d);
        }
        d = d.succ_opt().unwrap();
    }
    out
}

fn random_market(n: usize, m: usize, seed: u64) -> MarketData {
    let dates = business_days("2021-01-04", n);
    let assets = (0..m)
        .map(|i| {
            let c = walk(seed + i as u64, n, 50.0 + i as f64, 0.01 + 0.005 * i as f64);
            let o: Vec<f64> = c
                .iter()
                .enumerate()
                .map(|(k, x)| x * (1.0 + 0.002 * ((k % 3) as f64 - 1.0)))
                .collect();
            AssetData { symbol: format!("S{i}"), open: Some(o), ..asset("x", &c) }
        })
        .collect();
    MarketData { dates, assets, benchmark: Some(walk(seed + 99, n, 100.0, 0.008)) }
}

#[test]
fn no_look_ahead() {
    let n = 160;
    for scheme in [
        r#"{"scheme": "inverse_volatility", "window": 20}"#,
        r#"{"scheme": "min_variance", "window": 30}"#,
        r#"{"scheme": "hrp", "window": 30}"#,
        r#"{"scheme": "momentum", "window": 20, "top_n": 2}"#,
    ] {
        for exec in ["open", "close"] {
            let s = strategy(&format!(
                r#"{{"version": 1, "universe": {{"kind": "all"}}, "weighting": {scheme},
                    "schedule": {{"kind": "drift", "threshold": 0.03}}, "execution": "{exec}",
                    "costs": {{"bps": 5, "fixed": 0.01}}, "cash_buffer": 0.02}}"#
            ));
            let d = random_market(n, 4, 7);
            let base = backtest(&s, &d).unwrap();
            assert!(base.rebalances.len() >= 2, "{scheme}: {}", base.rebalances.len());
            for k in [40, 75, 120] {
                let mut p = d.clone();
                for a in &mut p.assets {
                    for t in k + 1..n {
                        a.close[t] *= 1.0 + 0.3 * ((t % 5) as f64 - 2.0) / 2.0;
                        a.open.as_mut().unwrap()[t] *= 0.7;
                    }
                }
                let alt = backtest(&s, &p).unwrap();
                assert_eq!(base.values[..=k], alt.values[..=k], "{scheme} {exec} k={k}");
                assert_eq!(base.weights[..=k], alt.weights[..=k]);
                assert_eq!(base.cash[..=k], alt.cash[..=k]);
                // every target computed from data up to bar k is unchanged
                let dk = d.dates[k];
                let before: Vec<_> =
                    base.rebalances.iter().filter(|r| r.signal_date <= dk).collect();
                let after: Vec<_> = alt.rebalances.iter().filter(|r| r.signal_date <= dk).collect();
                assert_eq!(before.len(), after.len());
                for (x, y) in before.iter().zip(&after) {
                    assert_eq!(x.targets, y.targets);
                }
            }
        }
    }
}

#[test]
fn risk_report_is_the_risk_functions() {
    let s = strategy(
        r#"{"version": 1, "universe": {"kind": "all"}, "weighting": {"scheme": "risk_parity", "window": 40},
            "schedule": {"kind": "monthly"}, "costs": {"bps": 3}, "risk_free": 0.0001, "cutoff": 0.1}"#,
    );
    let d = random_market(300, 5, 3);
    let bt = backtest(&s, &d).unwrap();
    let st = bt.start.unwrap();
    let r = &bt.returns[st..];
    assert!(r.iter().all(|x| x.is_finite()));
    let k = &bt.risk;
    assert_eq!(k.periods, r.len());
    assert_eq!(k.annual_return, risk::annual_return(r, "daily", None).unwrap());
    assert_eq!(k.annual_volatility, risk::annual_volatility(r, "daily", 2.0, None).unwrap());
    assert_eq!(k.sharpe_ratio, risk::sharpe_ratio(r, 0.0001, "daily", None).unwrap());
    assert_eq!(k.sortino_ratio, risk::sortino_ratio(r, 0.0001, "daily", None).unwrap());
    assert_eq!(k.max_drawdown, risk::max_drawdown(r));
    assert_eq!(k.calmar_ratio, risk::calmar_ratio(r, "daily", None).unwrap());
    assert_eq!(k.value_at_risk, risk::value_at_risk(r, 0.1, "historical", 1).unwrap());
    assert_eq!(
        k.conditional_value_at_risk,
        risk::conditional_value_at_risk(r, 0.1, "historical", 1).unwrap()
    );
    assert_eq!(k.cum_return, risk::cum_returns_final(r, 0.0));
    assert!(close(bt.values[299] / bt.values[st - 1] - 1.0, k.cum_return));
    // benchmark: paired returns from the start
    let bm = d.benchmark.as_ref().unwrap();
    let f: Vec<f64> = (st..300).map(|t| bm[t] / bm[t - 1] - 1.0).collect();
    let b = bt.benchmark.unwrap();
    assert_eq!(b.periods, f.len());
    let active: Vec<f64> = r.iter().zip(&f).map(|(x, y)| x - y).collect();
    let mean = active.iter().sum::<f64>() / active.len() as f64;
    let sd =
        (active.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (active.len() - 1) as f64).sqrt();
    assert!((b.tracking_error - sd * 252f64.sqrt()).abs() < 1e-12);
    assert!(
        (b.information_ratio - mean / sd * 252f64.sqrt()).abs() < 1e-9 * b.information_ratio.abs()
    );
    assert_eq!(b.up_capture, risk::up_capture(r, &f, "daily").unwrap());
    assert_eq!(b.down_capture, risk::down_capture(r, &f, "daily").unwrap());
    assert_eq!(b.beta, risk::beta(r, &f));
}

#[test]
fn total_return_prices_and_late_listing_and_membership() {
    let n = 90;
    let mut d = random_market(n, 3, 11);
    // S2 lists on bar 30
    for t in 0..30 {
        d.assets[2].close[t] = NAN;
        d.assets[2].open.as_mut().unwrap()[t] = NAN;
    }
    // S0 pays a 1% dividend every 20 bars: total return above close
    let c = d.assets[0].close.clone();
    let mut f = 1.0;
    let tr: Vec<f64> = (0..n)
        .map(|t| {
            if t > 0 && t % 20 == 0 {
                f *= 1.01;
            }
            c[t] * f
        })
        .collect();
    d.assets[0].total_return = Some(tr.clone());
    let s = strategy(
        r#"{"version": 1, "universe": {"kind": "membership", "members": [
              {"symbol": "S0", "from": "2021-01-01"}, {"symbol": "S2", "from": "2021-01-01"},
              {"symbol": "S1", "from": "2021-01-01", "to": "2021-02-26"}]},
            "weighting": {"scheme": "equal", "window": 10}, "schedule": {"kind": "monthly"}}"#,
    );
    let bt = backtest(&s, &d).unwrap();
    // S2 enters at the first monthly rebalance after it has 11 prices (bar 40)
    for r in &bt.rebalances {
        let sig = d.dates.iter().position(|x| *x == r.signal_date).unwrap();
        assert_eq!(r.targets[2] > 0.0, sig >= 40, "{r:?}");
        // S1 is a member until Feb 26 2021
        assert_eq!(r.targets[1] > 0.0, r.signal_date <= date("2021-02-26"), "{r:?}");
    }
    // S1 left the universe on Mar 1: a membership rebalance
    // (the February rebalance, signalled on Feb 26, still bought it; traded on Mar 2)
    let exit: Vec<_> = bt.rebalances.iter().filter(|r| r.reason == "membership").collect();
    assert_eq!(exit.len(), 1);
    assert_eq!((exit[0].signal_date, exit[0].trade_date), (date("2021-03-01"), date("2021-03-02")));
    assert_eq!(exit[0].targets[1], 0.0);
    // between rebalances, S0's value moves with the total-return series
    let st = bt.start.unwrap();
    let t = st + 3;
    let w0 = bt.weights[t - 1][0] * bt.values[t - 1];
    let w1 = bt.weights[t][0] * bt.values[t];
    if bt.costs[t] == 0.0 && bt.turnover[t] == 0.0 {
        assert!(close(w1 / w0, tr[t] / tr[t - 1]));
    }
}

#[test]
fn bounds_and_cash_buffer() {
    let s = strategy(
        r#"{"version": 1, "universe": {"kind": "all"}, "weighting": {"scheme": "inverse_volatility", "window": 30},
            "schedule": {"kind": "monthly"}, "cash_buffer": 0.05,
            "constraints": {"max_weight": 0.3, "bounds": {"S0": [0.1, 0.12]}}}"#,
    );
    let bt = backtest(&s, &random_market(120, 5, 5)).unwrap();
    for r in &bt.rebalances {
        let sum: f64 = r.targets.iter().sum();
        assert!((sum - 0.95).abs() < 1e-12, "{sum}");
        assert!(r.targets.iter().all(|w| *w <= 0.3 * 0.95 + 1e-12));
        assert!(r.targets[0] >= 0.1 * 0.95 - 1e-12 && r.targets[0] <= 0.12 * 0.95 + 1e-12);
    }
}

#[test]
fn every_scheme_runs() {
    let d = random_market(200, 6, 21);
    for w in [
        r#"{"scheme": "equal"}"#,
        r#"{"scheme": "inverse_volatility", "window": 60}"#,
        r#"{"scheme": "min_variance", "window": 60}"#,
        r#"{"scheme": "max_sharpe", "window": 60}"#,
        r#"{"scheme": "risk_parity", "window": 60}"#,
        r#"{"scheme": "hrp", "window": 60, "linkage": "ward", "leaf_order": "none"}"#,
        r#"{"scheme": "momentum", "window": 60, "top_n": 3}"#,
    ] {
        let s = strategy(&format!(
            r#"{{"version": 1, "universe": {{"kind": "all"}}, "weighting": {w},
                "schedule": {{"kind": "monthly"}}, "fallback": "equal"}}"#
        ));
        let bt = backtest(&s, &d).unwrap();
        assert!(bt.rebalances.len() >= 6, "{w}");
        for r in &bt.rebalances {
            assert!((r.targets.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{w}: {r:?}");
        }
        let json = serde_json::to_string(&bt).unwrap();
        assert!(json.contains("\"risk\""));
    }
}

#[test]
fn config_errors() {
    let ok = r#"{"version": 1, "universe": {"kind": "all"}, "weighting": {"scheme": "equal"}, "schedule": {"kind": "monthly"}}"#;
    assert!(Strategy::from_json(ok).is_ok());
    let e = Strategy::from_json(&ok.replace("\"version\": 1", "\"version\": 2")).unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }) && e.to_string().contains("version"), "{e}");
    // a newer version with new fields: the version error comes first
    let e = Strategy::from_json(&ok.replace("\"version\": 1", "\"version\": 3, \"new\": 1"))
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    let e = Strategy::from_json(&ok.replace("\"version\": 1,", "")).unwrap_err();
    assert!(e.to_string().contains("missing field `version`"), "{e}");
    let e = Strategy::from_json(&ok.replace("\"version\": 1", "\"version\": 1, \"colour\": 1"))
        .unwrap_err();
    assert!(e.to_string().contains("unknown field `colour`"), "{e}");
    let e = Strategy::from_json(&ok.replace("\"equal\"", "\"equal\", \"linkage\": \"ward\""))
        .unwrap_err();
    assert!(e.to_string().contains("linkage"), "{e}");
    let e = Strategy::from_json(&ok.replace("\"equal\"", "\"cap_weighted\"")).unwrap_err();
    assert!(e.to_string().contains("cap_weighted"), "{e}");
    let e = Strategy::from_json(&ok.replace("\"equal\"}", "\"min_variance\", \"window\": 1}"))
        .unwrap_err();
    assert!(matches!(e, Error::OutOfRange { ref param, .. } if param == "weighting.window"), "{e}");
    let e = Strategy::from_json(&ok.replace("}}", "}, \"cash_buffer\": 1.5}")).unwrap_err();
    assert!(matches!(e, Error::OutOfRange { ref param, .. } if param == "cash_buffer"), "{e}");
    let e = Strategy::from_json(&ok.replace("\"all\"}", "\"static\", \"symbols\": [\"ZZZ\"]}"))
        .unwrap();
    let e = backtest(&e, &three_assets()).unwrap_err();
    assert!(e.to_string().contains("ZZZ"), "{e}");
    // a gap inside a price history
    let mut d = three_assets();
    d.assets[0].close[3] = NAN;
    let e = backtest(&strategy(ok), &d).unwrap_err();
    assert!(e.to_string().contains("gap"), "{e}");
    let mut d = three_assets();
    d.dates.swap(1, 2);
    assert!(backtest(&strategy(ok), &d).unwrap_err().to_string().contains("increasing"));
    // null in JSON is a missing price
    let d = MarketData::from_json(
        r#"{"dates": ["2024-01-02", "2024-01-03", "2024-01-04"], "assets": [{"symbol": "A", "close": [null, 1, 2]}]}"#,
    )
    .unwrap();
    assert!(d.assets[0].close[0].is_nan());
}

#[test]
fn score_breakpoints_exact() {
    let c = ScoreConfig::default();
    let bp = &c.breakpoints;
    for set in [&bp.volatility, &bp.drawdown, &bp.liquidity] {
        for [x, y] in set.iter() {
            assert_eq!(interpolate(set, *x), *y);
        }
        for w in set.windows(2) {
            let mid = 0.5 * (w[0][0] + w[1][0]);
            assert!((interpolate(set, mid) - 0.5 * (w[0][1] + w[1][1])).abs() < 1e-12);
        }
        assert_eq!(interpolate(set, set[0][0] - 1.0), set[0][1]);
        assert_eq!(interpolate(set, set[set.len() - 1][0] + 1.0), set[set.len() - 1][1]);
    }
    // stated values: 15% vol -> 30, 30% drawdown -> 46.67, 10^7.5 a day -> 42.5
    assert!((interpolate(&bp.volatility, 0.15) - 30.0).abs() < 1e-12);
    assert!((interpolate(&bp.drawdown, 0.30) - (40.0 + 20.0 / 3.0)).abs() < 1e-12);
    assert!((interpolate(&bp.liquidity, 7.5) - 42.5).abs() < 1e-12);
}

#[test]
fn score_by_the_formula() {
    let close = walk(4, 400, 30.0, 0.02);
    let volume = vec![200_000.0; 400];
    let a = ScoreAsset {
        close: close.clone(),
        volume: Some(volume),
        credit: 40.0,
        regulatory: 10.0,
        technical: 70.0,
        asset_class: Some("crypto".into()),
    };
    let r: Vec<f64> = close.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
    let vol = risk::annual_volatility(&r, "daily", 2.0, None).unwrap();
    let dd = -risk::max_drawdown(&r);
    let mut med: Vec<f64> = close.iter().map(|p| p * 200_000.0).collect();
    med.sort_by(f64::total_cmp);
    let liq = (0.5 * (med[199] + med[200])).log10();
    let cfg = ScoreConfig::default();
    let s = risk_score(&a, &cfg).unwrap();
    let bp = &cfg.breakpoints;
    let (vs, ds, ls) = (
        interpolate(&bp.volatility, vol),
        interpolate(&bp.drawdown, dd),
        interpolate(&bp.liquidity, liq),
    );
    assert_eq!((s.volatility.value, s.drawdown.value), (vol, dd));
    assert!((s.liquidity.unwrap().value - liq).abs() < 1e-12);
    let market = 0.4 * vs + 0.3 * ds + 0.3 * ls;
    assert!((s.market.score - market).abs() < 1e-9);
    let want = 0.30 * market + 0.25 * 40.0 + 0.25 * 10.0 + 0.20 * 70.0;
    assert!((s.score - want).abs() < 1e-9, "{} vs {want}", s.score);
    assert_eq!(s.weights_from, "default");
    // class weights
    let mut cfg2 = cfg.clone();
    cfg2.class_weights.insert(
        "crypto".into(),
        sextant_core::autoindex::ScoreWeights {
            market: 50.0,
            credit: 10.0,
            regulatory: 30.0,
            technical: 10.0,
        },
    );
    let s2 = risk_score(&a, &cfg2).unwrap();
    assert_eq!(s2.weights_from, "crypto");
    let want2 = 0.5 * market + 0.1 * 40.0 + 0.3 * 10.0 + 0.1 * 70.0;
    assert!((s2.score - want2).abs() < 1e-9);
    // no volume: liquidity left out, 40/30 renormalised
    let s3 = risk_score(&ScoreAsset { volume: None, ..a.clone() }, &cfg).unwrap();
    assert!(s3.liquidity.is_none());
    assert!((s3.market.score - (4.0 * vs + 3.0 * ds) / 7.0).abs() < 1e-9);
    let e = risk_score(&ScoreAsset { credit: 0.0, ..a.clone() }, &cfg).unwrap_err();
    assert!(matches!(e, Error::OutOfRange { ref param, .. } if param == "credit"), "{e}");
    let e = ScoreConfig::from_json(r#"{"version": 2}"#).unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }));
    assert!(ScoreConfig::from_json(
        r#"{"version": 1, "weights": {"market": 1, "credit": 1, "regulatory": 1, "technical": 1}}"#
    )
    .is_ok());
}

#[test]
fn simulate_deterministic_series() {
    // a constant 0.1% return per bar: every bootstrap path and the zero-volatility GBM are
    // the same exponential curve
    let v: Vec<f64> = (0..100).map(|k| 100.0 * 1.001f64.powi(k)).collect();
    let last = v[99];
    let boot = simulate(
        &v,
        &SimConfig {
            method: SimMethod::Bootstrap,
            horizon: 10,
            paths: 50,
            block: 3,
            ..SimConfig::default()
        },
    )
    .unwrap();
    for band in &boot.bands {
        for (k, x) in band.iter().enumerate() {
            assert!((x / (last * 1.001f64.powi(k as i32)) - 1.0).abs() < 1e-12);
        }
    }
    assert_eq!(boot.prob_loss, 0.0);
    let g = simulate(&v, &SimConfig { horizon: 10, paths: 50, ..SimConfig::default() }).unwrap();
    assert!(g.volatility < 1e-12);
    for band in &g.bands {
        assert!((band[10] / (last * 1.001f64.powi(10)) - 1.0).abs() < 1e-9);
    }
}

#[test]
fn simulate_gbm_matches_the_engine() {
    let v = walk(9, 600, 100.0, 0.015);
    let cfg = SimConfig {
        horizon: 5,
        paths: 101,
        seed: 3,
        percentiles: vec![0.0, 50.0, 100.0],
        ..SimConfig::default()
    };
    let sim = simulate(&v, &cfg).unwrap();
    let g = sextant_core::mc::Gbm {
        s0: v[599],
        mu: sim.drift,
        sigma: sim.volatility,
        years: 5.0,
        steps: 5,
    };
    let run = sextant_core::mc::Run { paths: 101, seed: 3, ..Default::default() };
    let mut term = sextant_core::mc::simulate_gbm(&g, &run).unwrap();
    term.sort_by(f64::total_cmp);
    assert_eq!(sim.bands[0][5], term[0]);
    assert_eq!(sim.bands[1][5], term[50]);
    assert_eq!(sim.bands[2][5], term[100]);
    let lr: Vec<f64> = v.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let m = lr.iter().sum::<f64>() / lr.len() as f64;
    let sd = (lr.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (lr.len() - 1) as f64).sqrt();
    assert!((sim.volatility - sd).abs() < 1e-15 && (sim.drift - (m + sd * sd / 2.0)).abs() < 1e-15);
    // same seed, same bands
    assert_eq!(simulate(&v, &cfg).unwrap(), sim);
    let e = simulate(&v, &SimConfig { paths: 0, ..cfg.clone() }).unwrap_err();
    assert!(matches!(e, Error::OutOfRange { .. }));
    assert!(simulate(&[1.0, 2.0], &cfg).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn prop_backtest_never_panics(
        prices in proptest::collection::vec(proptest::num::f64::ANY, 3 * 24),
        scheme in 0usize..7,
        window in 1usize..6,
        sched in 0usize..4,
        bps in 0.0f64..500.0,
        fixed in 0.0f64..5.0,
        buffer in 0.0f64..0.5,
        open in any::<bool>(),
        redistribute in any::<bool>(),
    ) {
        let schemes = ["equal", "inverse_volatility", "min_variance", "max_sharpe", "risk_parity", "hrp", "momentum"];
        let extra = if scheme == 6 { ", \"top_n\": 2" } else { "" };
        let schedule = ["{\"kind\": \"monthly\"}", "{\"kind\": \"quarterly\"}", "{\"kind\": \"annually\"}", "{\"kind\": \"drift\", \"threshold\": 0.05}"][sched];
        let json = format!(
            r#"{{"version": 1, "universe": {{"kind": "all"}}, "weighting": {{"scheme": "{}", "window": {}{extra}}},
                "schedule": {schedule}, "costs": {{"bps": {bps}, "fixed": {fixed}}}, "cash_buffer": {buffer},
                "execution": "{}", "delisting": "{}", "fallback": "equal"}}"#,
            schemes[scheme], window.max(if scheme == 0 || scheme == 6 { 1 } else { 2 }),
            if open { "open" } else { "close" }, if redistribute { "redistribute" } else { "cash" });
        let s = Strategy::from_json(&json).unwrap();
        let dates = business_days("2023-12-20", 24);
        let assets = (0..3).map(|i| {
            let c: Vec<f64> = prices[i * 24..(i + 1) * 24].iter().map(|x| if x.is_nan() { NAN } else { x.abs().clamp(1e-3, 1e6) }).collect();
            AssetData { symbol: format!("A{i}"), open: Some(c.iter().map(|x| x * 1.01).collect()), ..asset("x", &c) }
        }).collect();
        let _ = backtest(&s, &MarketData { dates: dates.clone(), assets, benchmark: None });
        // raw values (negative, infinite) give errors, never panics
        let raw = (0..3).map(|i| asset(&format!("A{i}"), &prices[i * 24..(i + 1) * 24])).collect();
        let _ = backtest(&s, &MarketData { dates, assets: raw, benchmark: Some(prices[..24].to_vec()) });
    }

    #[test]
    fn prop_score_and_simulate_never_panic(
        close in proptest::collection::vec(proptest::num::f64::ANY, 0..40),
        vol in proptest::collection::vec(proptest::num::f64::ANY, 0..40),
        credit in -10.0f64..120.0,
        method in any::<bool>(),
        block in 1usize..5,
    ) {
        let a = ScoreAsset { close: close.clone(), volume: Some(vol), credit, regulatory: 50.0, technical: 50.0, asset_class: None };
        if let Ok(s) = risk_score(&a, &ScoreConfig::default()) {
            prop_assert!(s.score >= 1.0 && s.score <= 100.0);
        }
        let cfg = SimConfig { method: if method { SimMethod::Gbm } else { SimMethod::Bootstrap }, horizon: 5, paths: 20, block, ..SimConfig::default() };
        let _ = simulate(&close, &cfg);
    }
}

#[test]
fn declared_functions_by_name() {
    use sextant_core::decl::{InputData, OutVec};
    let d = sextant_core::registry::find("autoindex", "backtest").unwrap();
    let strategy = r#"{"version": 1, "universe": {"kind": "static", "symbols": ["A", "B", "C"]},
        "weighting": {"scheme": "equal", "window": 1}, "schedule": {"kind": "monthly"},
        "costs": {"bps": 10, "fixed": 0.5}}"#;
    let data = serde_json::to_string(&three_assets()).unwrap();
    let out = d
        .call(&[InputData::Json(strategy), InputData::Json(&data)], &d.params_named([]).unwrap())
        .unwrap();
    let OutVec::Json(text) = &out[0] else { panic!() };
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    assert!(close(v["values"][2].as_f64().unwrap(), 98.5 / 1.001));
    assert!(v["returns"][0].is_null());
    assert_eq!(v["rebalances"][1]["reason"], "schedule");
    // a newer strategy version is refused by name
    let e = d
        .call(
            &[
                InputData::Json(&strategy.replace("\"version\": 1", "\"version\": 9")),
                InputData::Json(&data),
            ],
            &d.params_named([]).unwrap(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("strategy.version"), "{e}");
    // every declared example runs
    for name in ["backtest", "risk_score", "simulate"] {
        let d = sextant_core::registry::find("autoindex", name).unwrap();
        let ins: Vec<InputData<'_>> = d.inputs.iter().map(|i| InputData::Json(i.example)).collect();
        let out =
            d.call(&ins, &d.params_named([]).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(matches!(&out[0], OutVec::Json(t) if t.starts_with('{')));
        // null configurations take the defaults
        if name != "backtest" {
            let ins = [InputData::Json(d.inputs[0].example), InputData::Json("null")];
            assert!(d.call(&ins, &d.params_named([]).unwrap()).is_ok(), "{name}");
        }
    }
}
