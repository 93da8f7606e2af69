//! The Store trait itself, on whichever backend the suite runs on.

use sextant_server::connect;
use sextant_server::store::StoredResponse;

use sextant_server::store::{AlertRec, InstrumentRec, User};

use crate::common::{database, unique_key};

/// A user of the store tests (no password, not locked).
fn user(id: &str) -> User {
    User {
        id: id.to_owned(),
        email: format!("{id}@example.com"),
        password_hash: "x".into(),
        tier: "pro".into(),
        email_verified: true,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: 0,
        failed_logins: 0,
        locked_until: 0,
        created_at: 0,
    }
}

/// An alert of the store tests on 1-minute bars, not observed yet.
fn alert(id: &str, user_id: &str, symbol: &str) -> AlertRec {
    AlertRec {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        symbol: symbol.to_owned(),
        interval: "1m".into(),
        spec: "{}".into(),
        side: 0,
        fired_count: 0,
        last_fired_at: None,
        created_at: 0,
    }
}

/// An instrument of the store tests: USD, UTC, asset class `other`.
fn instrument(symbol: &str) -> InstrumentRec {
    InstrumentRec {
        symbol: symbol.to_owned(),
        name: "store".into(),
        currency: "USD".into(),
        time_zone: None,
        utc_offset_minutes: 0,
        asset_class: "other".into(),
        created_at: 0,
        updated_at: 0,
    }
}

#[tokio::test]
async fn put_get_and_purge() {
    let (db, _dir) = database();
    let store = connect(&db).await.unwrap();
    let rec = |key: &str, created_at: i64| StoredResponse {
        key: key.to_owned(),
        fingerprint: "ab".repeat(32),
        status: 422,
        body: "{\"x\": [1.5, null]}".to_owned(),
        created_at,
    };
    let (old, new) = (unique_key("old"), unique_key("new"));
    assert_eq!(store.get_response(&old).await.unwrap(), None);
    assert!(store.put_response(&rec(&old, 10)).await.unwrap());
    assert!(store.put_response(&rec(&new, 4_000_000_000)).await.unwrap());
    let mut other = rec(&old, 20);
    other.body = "{}".to_owned();
    assert!(!store.put_response(&other).await.unwrap(), "the first response under a key stays");
    assert_eq!(store.get_response(&old).await.unwrap(), Some(rec(&old, 10)));
    assert!(store.purge_responses(11).await.unwrap() >= 1);
    assert_eq!(store.get_response(&old).await.unwrap(), None);
    assert_eq!(store.get_response(&new).await.unwrap(), Some(rec(&new, 4_000_000_000)));
}

#[tokio::test]
async fn unsupported_urls_are_rejected() {
    let err = connect(&sextant_server::Database::Url("mysql://u:pw@h/db".into())).await.err();
    let msg = err.expect("mysql is not a backend").to_string();
    assert!(msg.contains("unsupported database URL") && !msg.contains("pw"), "{msg}");
}

/// Bar upserts (`Store::upsert_bars`): across months (PostgreSQL's monthly partitions are
/// created on demand), corrections, identical re-sends, writers racing on the same new bars,
/// and the instrument's deletion taking its bars along. Expected values are the bars sent.
#[tokio::test]
async fn bar_upserts_across_months_corrections_and_racing_writers() {
    use sextant_server::store::Bar;
    let (db, _dir) = database();
    let store = connect(&db).await.unwrap();
    let symbol = unique_key("BARS").replace('-', "");
    let instrument = instrument(&symbol);
    store.create_instrument(&instrument).await.unwrap();
    let bar =
        |ts: i64, x: f64| Bar { ts, open: x, high: x + 1.0, low: x - 1.0, close: x, volume: 10.0 };
    // 1999-12-31 23:58 to 2000-01-01 00:02, then 2024-02-29 and 2024-03-01 (UTC)
    let times = [
        946_684_680,
        946_684_740,
        946_684_800,
        946_684_860,
        946_684_920,
        1_709_164_800,
        1_709_251_200,
    ];
    let first: Vec<Bar> = times.iter().map(|&t| bar(t, (t % 997) as f64)).collect();
    assert_eq!(store.upsert_bars(&symbol, "1m", &first).await.unwrap(), 7);
    assert_eq!(store.upsert_bars(&symbol, "1m", &first).await.unwrap(), 0, "identical re-send");
    let all = |s: std::sync::Arc<dyn sextant_server::store::Store>, sym: String| async move {
        s.bars(&sym, "1m", i64::MIN, i64::MAX).await.unwrap()
    };
    assert_eq!(all(store.clone(), symbol.clone()).await, first);

    // two corrections and two new bars in one request
    let mut second = vec![
        bar(times[1], 5.0),
        bar(times[6], 6.0),
        bar(946_684_980, 7.0),
        bar(1_709_251_260, 8.0),
    ];
    second.push(first[0]);
    assert_eq!(store.upsert_bars(&symbol, "1m", &second).await.unwrap(), 4);
    let mut expect = first.clone();
    expect[1] = second[0];
    expect[6] = second[1];
    expect.push(second[2]);
    expect.push(second[3]);
    expect.sort_by_key(|b| b.ts);
    assert_eq!(all(store.clone(), symbol.clone()).await, expect);

    // four writers send the same 1,000 new bars at once: each bar is written exactly once
    let batch: Vec<Bar> = (0..1000).map(|k| bar(1_800_000_000 + 60 * k, k as f64 + 1.0)).collect();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (s, sym, b) = (store.clone(), symbol.clone(), batch.clone());
            tokio::spawn(async move { s.upsert_bars(&sym, "1m", &b).await.unwrap() })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 1000);
    expect.extend_from_slice(&batch);
    assert_eq!(all(store.clone(), symbol.clone()).await, expect);

    // deleting the instrument deletes its bars; bars of an unknown instrument are refused
    assert!(store.delete_instrument(&symbol).await.unwrap());
    assert!(store.upsert_bars(&symbol, "1m", &first).await.is_err());
    store.create_instrument(&instrument).await.unwrap();
    assert_eq!(all(store.clone(), symbol.clone()).await, Vec::<Bar>::new());
    store.delete_instrument(&symbol).await.unwrap();
}

/// The events of an alert (`rt_alert_events`, found through the user's index since migration
/// 0024): deleting the alert deletes its events and no other alert's; an ingest commit that
/// carries an event of an alert deleted meanwhile drops that event and writes the rest;
/// deleting the user deletes its remaining events. Expected values are the rows written.
#[tokio::test]
async fn alert_events_go_with_their_alert_and_their_user() {
    use sextant_server::store::{AlertEventRec, RtCommit};
    let (db, _dir) = database();
    let store = connect(&db).await.unwrap();
    let user_id = unique_key("u").replace('-', "");
    let user = user(&user_id);
    assert!(store.create_user(&user).await.unwrap());
    let alert = |id: &str| alert(id, &user_id, "EVT");
    let (a, b) = (format!("{user_id}a"), format!("{user_id}b"));
    store.create_alert(&alert(&a)).await.unwrap();
    store.create_alert(&alert(&b)).await.unwrap();
    let event = |n: i64, alert: &str| AlertEventRec {
        id: format!("{user_id}e{n}"),
        alert_id: alert.to_owned(),
        user_id: user_id.clone(),
        symbol: "EVT".into(),
        ts: n,
        direction: "above".into(),
        value: 1.5,
        threshold: 1.0,
        created_at: n,
    };
    let commit = |events: Vec<AlertEventRec>| RtCommit {
        bars: Vec::new(),
        sides: Vec::new(),
        fired_at: 0,
        events,
    };
    store.rt_commit(&commit(vec![event(1, &a), event(2, &b), event(3, &a)])).await.unwrap();
    let ts = |evs: Vec<AlertEventRec>| {
        evs.iter().map(|e| (e.alert_id.clone(), e.ts)).collect::<Vec<_>>()
    };
    let all = store.alert_events(&user_id, None, 100, 0).await.unwrap();
    assert_eq!(ts(all), [(a.clone(), 1), (b.clone(), 2), (a.clone(), 3)]);
    assert_eq!(store.alert_events(&user_id, Some(&a), 100, 0).await.unwrap()[1], event(3, &a));

    assert!(store.delete_alert(&a).await.unwrap());
    assert_eq!(ts(store.alert_events(&user_id, None, 100, 0).await.unwrap()), [(b.clone(), 2)]);
    // an event of the deleted alert, committed late: dropped; the other one is written
    store.rt_commit(&commit(vec![event(4, &a), event(5, &b)])).await.unwrap();
    assert_eq!(
        ts(store.alert_events(&user_id, None, 100, 0).await.unwrap()),
        [(b.clone(), 2), (b.clone(), 5)]
    );

    assert!(store.delete_user(&user_id, "gone").await.unwrap());
    assert!(store.alert_events(&user_id, None, 100, 0).await.unwrap().is_empty());
}

/// One ingest commit (`Store::rt_commit`: multi-row statements on SQLite, one array statement
/// per table on PostgreSQL) writes the bars of several instruments, bumps the bars version of
/// each instrument written and of none when nothing changed, and updates the alerts' sides,
/// firing counts and last firing time. Expected values are the rows sent.
#[tokio::test]
async fn an_ingest_commit_writes_bars_sides_and_versions() {
    use sextant_server::store::{Bar, RtCommit};
    let (db, _dir) = database();
    let store = connect(&db).await.unwrap();
    let key = unique_key("rtc").replace('-', "");
    let symbols = [format!("{key}X"), format!("{key}Y")];
    for s in &symbols {
        let instrument = instrument(s);
        store.create_instrument(&instrument).await.unwrap();
    }
    let user = user(&key);
    assert!(store.create_user(&user).await.unwrap());
    let ids = [format!("{key}a1"), format!("{key}a2"), format!("{key}a3")];
    for (id, s) in ids.iter().zip([&symbols[0], &symbols[0], &symbols[1]]) {
        store.create_alert(&alert(id, &key, s)).await.unwrap();
    }
    let bar =
        |ts: i64, x: f64| Bar { ts, open: x, high: x + 1.0, low: x - 1.0, close: x, volume: 5.0 };
    let t0 = 1_767_000_000;
    let version = |s: usize| {
        let store = store.clone();
        let s = symbols[s].clone();
        async move { store.bars_version(&s).await.unwrap().unwrap() }
    };
    let (vx, vy) = (version(0).await, version(1).await);
    let commit = RtCommit {
        bars: vec![
            (symbols[0].clone(), "1m".into(), bar(t0, 10.0)),
            (symbols[0].clone(), "1m".into(), bar(t0 + 60, 11.0)),
            (symbols[1].clone(), "1m".into(), bar(t0, 20.0)),
        ],
        sides: vec![(ids[0].clone(), 1, 1), (ids[1].clone(), -1, 0), (ids[2].clone(), 1, 2)],
        fired_at: 1_767_000_100,
        events: Vec::new(),
    };
    store.rt_commit(&commit).await.unwrap();
    let bars = |s: usize| {
        let store = store.clone();
        let s = symbols[s].clone();
        async move { store.bars(&s, "1m", t0, t0 + 600).await.unwrap() }
    };
    assert_eq!(bars(0).await, [bar(t0, 10.0), bar(t0 + 60, 11.0)]);
    assert_eq!(bars(1).await, [bar(t0, 20.0)]);
    assert_eq!((version(0).await, version(1).await), (vx + 1, vy + 1));
    let side = |i: usize| {
        let store = store.clone();
        let id = ids[i].clone();
        async move {
            let a = store.alert(&id).await.unwrap().unwrap();
            (a.side, a.fired_count, a.last_fired_at)
        }
    };
    assert_eq!(side(0).await, (1, 1, Some(1_767_000_100)));
    assert_eq!(side(1).await, (-1, 0, None));
    assert_eq!(side(2).await, (1, 2, Some(1_767_000_100)));

    // the forming bar corrected, the alert fired again: only what changed is written
    let commit = RtCommit {
        bars: vec![
            (symbols[0].clone(), "1m".into(), bar(t0 + 60, 12.5)),
            (symbols[1].clone(), "1m".into(), bar(t0, 20.0)),
        ],
        sides: vec![(ids[0].clone(), -1, 1)],
        fired_at: 1_767_000_200,
        events: Vec::new(),
    };
    store.rt_commit(&commit).await.unwrap();
    assert_eq!(bars(0).await, [bar(t0, 10.0), bar(t0 + 60, 12.5)]);
    assert_eq!(bars(1).await, [bar(t0, 20.0)]);
    assert_eq!(side(0).await, (-1, 2, Some(1_767_000_200)));
    assert_eq!(side(2).await, (1, 2, Some(1_767_000_100)));
    // a commit that changes no bar bumps no version
    let (vx, vy) = (version(0).await, version(1).await);
    let same = RtCommit {
        bars: vec![(symbols[1].clone(), "1m".into(), bar(t0, 20.0))],
        sides: Vec::new(),
        fired_at: 0,
        events: Vec::new(),
    };
    store.rt_commit(&same).await.unwrap();
    assert_eq!((version(0).await, version(1).await), (vx, vy));
    assert!(store.delete_user(&key, "gone").await.unwrap());
    for s in &symbols {
        store.delete_instrument(s).await.unwrap();
    }
}
