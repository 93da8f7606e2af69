//! News on SQLite and PostgreSQL: items are scored by the core's finance scorer and tagged by
//! the core's entity matcher over the instruments table (the same numbers as calling them in
//! the test), stored once per (source, id), and listed per instrument.

use serde_json::json;
use sextant_core::sentiment::{Asset, FinanceScorer, Universe};

use crate::accounts::{get, post};
use crate::common::{assert_error, start};
use crate::market::{admin_and_user, create_instrument, sym};

#[tokio::test]
async fn news_is_scored_tagged_stored_once_and_listed_per_instrument() {
    let s = start().await;
    let (admin, user) = admin_and_user(&s).await;
    let (a, b) = (sym("NWSA"), sym("NWSB"));
    create_instrument(&s, &admin, &a, json!({"name": "Acme Rockets"})).await;
    create_instrument(&s, &admin, &b, json!({"name": "Beta Widgets"})).await;
    let title = "Acme Rockets shares surge after record profit.".to_owned();
    let body = "Beta Widgets cuts guidance and shares plunge. Analysts were surprised.".to_owned();
    let items = json!({"items": [
        {"source": "wire", "id": format!("{a}-1"), "published_at": "2024-05-02T13:00:00Z",
         "title": title, "body": body, "url": "https://example.com/1"},
        {"source": "wire", "id": format!("{a}-2"), "published_at": "2024-05-01",
         "title": "Markets were quiet."}]});
    let (st, r) = post(&s, "/v1/news", Some(&user), &items).await;
    assert_error(st, &r, 403, "FORBIDDEN", None);
    let (st, r) = post(&s, "/v1/news", Some(&admin), &items).await;
    assert_eq!((st, r["created"].as_u64(), r["received"].as_u64()), (200, Some(2), Some(2)), "{r}");
    // a re-sent item creates nothing
    let (_, r) = post(&s, "/v1/news", Some(&admin), &items).await;
    assert_eq!((r["created"].as_u64(), r["duplicates"].as_u64()), (Some(0), Some(2)), "{r}");

    // the core's numbers over the same text and universe
    let scorer = FinanceScorer::builtin();
    let text = format!("{title}\n{body}");
    let uni = Universe::new(vec![
        Asset { symbol: a.clone(), names: vec!["Acme Rockets".into()] },
        Asset { symbol: b.clone(), names: vec!["Beta Widgets".into()] },
    ])
    .unwrap();
    let want = uni.entity_sentiment(&text, |x| scorer.score(x));
    assert_eq!(want.len(), 2);
    for (symbol, e) in [(&a, &want[0]), (&b, &want[1])] {
        let (st, list) = get(&s, &format!("/v1/instruments/{symbol}/news"), Some(&user)).await;
        assert_eq!(st, 200, "{list}");
        let got = list["items"].as_array().unwrap();
        assert_eq!(got.len(), 1, "{list}");
        assert_eq!(got[0]["score"].as_f64(), Some(scorer.score(&text)));
        assert_eq!(got[0]["entity_score"].as_f64(), Some(e.score));
        assert_eq!(got[0]["mentions"].as_u64(), Some(e.mentions as u64));
        assert_eq!(got[0]["published_at"], "2024-05-02T13:00:00Z");
    }
    assert!(want[0].score > 0.0 && want[1].score < 0.0, "{want:?}");
    let (_, list) =
        get(&s, &format!("/v1/instruments/{a}/news?from=2024-05-03"), Some(&user)).await;
    assert_eq!(list["items"], json!([]));
    let (st, r) = get(&s, "/v1/instruments/NOPE_NOPE/news", Some(&user)).await;
    assert_error(st, &r, 404, "NOT_FOUND", None);
    let (st, r) = post(
        &s,
        "/v1/news",
        Some(&admin),
        &json!({"items": [{"source": "wire", "id": "x", "published_at": "soon", "title": "t"}]}),
    )
    .await;
    assert_error(st, &r, 422, "INVALID_FIELD", Some("published_at"));
}

/// The daily sentiment of an instrument against the definition in the core's `aggregate` doc,
/// computed here by hand: NYSE trading days in New York time (an item at or after the 16:00
/// close, or on a weekend, counts on the next trading day), per day the count, mean and
/// population standard deviation of the stored entity scores, and the mean of all items up to
/// the day's close weighted by 2^(-age / half-life).
#[tokio::test]
async fn daily_sentiment_follows_the_exchange_calendar_and_decays() {
    let s = start().await;
    let (admin, user) = admin_and_user(&s).await;
    let a = sym("DSNA");
    create_instrument(&s, &admin, &a, json!({"name": "Delta Sails"})).await;
    // (id, time, title); 2024-05-02 is a Thursday, New York is at UTC-4 (EDT)
    let items = [
        ("1", "2024-05-02T13:00:00Z", "Delta Sails shares surge after record profit."),
        ("2", "2024-05-02T21:00:00Z", "Delta Sails cuts guidance and shares plunge."), // 17:00: Friday
        ("3", "2024-05-03T14:00:00Z", "Delta Sails beats estimates."),
        ("4", "2024-05-04T15:00:00Z", "Delta Sails faces a lawsuit over a product recall."), // Saturday: Monday
    ];
    let body = json!({"items": items.iter().map(|(id, t, title)| json!({
        "source": "wire", "id": format!("{a}-{id}"), "published_at": t, "title": title}))
        .collect::<Vec<_>>()});
    let (st, r) = post(&s, "/v1/news", Some(&admin), &body).await;
    assert_eq!(st, 200, "{r}");
    // the stored per-instrument scores, oldest first
    let (_, list) =
        get(&s, &format!("/v1/instruments/{a}/news?sort=published_at"), Some(&user)).await;
    let scores: Vec<f64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["entity_score"].as_f64().unwrap())
        .collect();
    assert_eq!(scores.len(), 4, "{list}");
    let times = [1_714_654_800_i64, 1_714_683_600, 1_714_744_800, 1_714_834_800];
    // days and their closes (20:00Z): Thu 2 May, Fri 3 May, Mon 6 May
    let days = [
        ("2024-05-02", 1_714_680_000_i64, vec![0]),
        ("2024-05-03", 1_714_766_400, vec![1, 2]),
        ("2024-05-06", 1_715_025_600, vec![3]),
    ];
    let h = 12.0;
    let (st, r) =
        get(&s, &format!("/v1/instruments/{a}/sentiment?half_life_hours={h}"), Some(&user)).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(
        (r["calendar"].as_str(), r["time_zone"].as_str()),
        (Some("XNYS"), Some("America/New_York"))
    );
    let got = r["days"].as_array().unwrap();
    assert_eq!(got.len(), 3, "{r}");
    for (row, (day, close, members)) in got.iter().zip(&days) {
        let xs: Vec<f64> = members.iter().map(|&k| scores[k]).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let std =
            (xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64).sqrt();
        let (mut num, mut den) = (0.0, 0.0);
        for (t, s) in times.iter().zip(&scores) {
            if t <= close {
                let w = libm::exp2(-((close - t) as f64) / (h * 3600.0));
                num += w * s;
                den += w;
            }
        }
        assert_eq!(row["day"], *day, "{r}");
        assert_eq!(row["count"].as_u64(), Some(xs.len() as u64));
        for (k, want) in [("mean", mean), ("std", std), ("decayed", num / den)] {
            let g = row[k].as_f64().unwrap();
            assert!((g - want).abs() <= 1e-12, "{day} {k}: {g} vs {want}");
        }
    }
    // `from` drops earlier days but keeps their weight in the decayed mean
    let (_, r2) = get(
        &s,
        &format!("/v1/instruments/{a}/sentiment?half_life_hours={h}&from=2024-05-03"),
        Some(&user),
    )
    .await;
    assert_eq!(r2["days"].as_array().unwrap().len(), 2, "{r2}");
    assert_eq!(r2["days"][0]["decayed"], got[1]["decayed"]);
    // every day a calendar day: Saturday's item stays on Saturday
    let (_, r3) =
        get(&s, &format!("/v1/instruments/{a}/sentiment?calendar=all&close=24:00"), Some(&user))
            .await;
    let d3: Vec<&str> =
        r3["days"].as_array().unwrap().iter().map(|d| d["day"].as_str().unwrap()).collect();
    assert_eq!(d3, ["2024-05-02", "2024-05-03", "2024-05-04"], "{r3}");
    for (q, field) in [
        ("half_life_hours=0", "half_life_hours"),
        ("calendar=moon", "calendar"),
        ("close=25:00", "close"),
        ("from=2024-05-05&to=2024-05-01", "from"),
    ] {
        let (st, r) = get(&s, &format!("/v1/instruments/{a}/sentiment?{q}"), Some(&user)).await;
        assert_error(st, &r, 422, "INVALID_FIELD", Some(field));
    }
    let (st, r) = get(&s, "/v1/instruments/NOPE_NOPE/sentiment", Some(&user)).await;
    assert_error(st, &r, 404, "NOT_FOUND", None);
}
