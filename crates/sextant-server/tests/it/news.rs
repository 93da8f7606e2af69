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
