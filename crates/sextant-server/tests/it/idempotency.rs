//! Idempotency-Key: a retry returns the stored response byte for byte without recomputing; the
//! same key with another request is a 409.

use serde_json::json;
use sextant_server::app::fingerprint;
use sextant_server::store::StoredResponse;

use crate::common::{assert_error, start, unique_key};

async fn post_raw(
    s: &crate::common::TestServer,
    path: &str,
    key: &str,
    body: &serde_json::Value,
) -> (u16, Option<String>, String) {
    let res =
        s.client.post(s.url(path)).header("idempotency-key", key).json(body).send().await.unwrap();
    let status = res.status().as_u16();
    let replayed = res.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap().to_owned());
    (status, replayed, res.text().await.unwrap())
}

#[tokio::test]
async fn a_retry_returns_the_stored_bytes() {
    let s = start().await;
    let key = unique_key("retry");
    let body = json!({"inputs": {"real": [1.0, 2.0, 3.0, 4.0]}, "params": {"timeperiod": 2}});
    let (st1, r1, b1) = post_raw(&s, "/v1/ta/SMA", &key, &body).await;
    assert_eq!((st1, r1), (200, None), "{b1}");
    let (st2, r2, b2) = post_raw(&s, "/v1/ta/SMA", &key, &body).await;
    assert_eq!((st2, r2.as_deref()), (200, Some("true")));
    assert_eq!(b1, b2);
    let stored = s.store.get_response(&key).await.unwrap().expect("stored");
    assert_eq!(stored.body, b1);
    assert_eq!(stored.status, 200);
}

#[tokio::test]
async fn a_replay_does_not_recompute() {
    let s = start().await;
    let key = unique_key("no-recompute");
    let body = json!({"inputs": {"real": [1.0, 2.0, 3.0]}, "params": {"timeperiod": 2}});
    let bytes = serde_json::to_vec(&body).unwrap();
    // A stored response that differs from what the core would compute: if the server
    // recomputed, the client would see the real numbers instead of the marker.
    let marker = r#"{"marker":"stored, not recomputed"}"#;
    let rec = StoredResponse {
        key: key.clone(),
        fingerprint: fingerprint("POST", "/v1/ta/SMA", &bytes),
        status: 200,
        body: marker.to_owned(),
        created_at: i64::try_from(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
        )
        .unwrap(),
    };
    assert!(s.store.put_response(&rec).await.unwrap());
    assert!(!s.store.put_response(&rec).await.unwrap(), "a key is stored once");
    let res = s
        .client
        .post(s.url("/v1/ta/SMA"))
        .header("idempotency-key", &key)
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.text().await.unwrap(), marker);
}

#[tokio::test]
async fn the_same_key_with_another_request_is_409() {
    let s = start().await;
    let key = unique_key("conflict");
    let a = json!({"inputs": {"real": [1.0, 2.0, 3.0]}, "params": {"timeperiod": 2}});
    let b = json!({"inputs": {"real": [1.0, 2.0, 3.0]}, "params": {"timeperiod": 3}});
    assert_eq!(post_raw(&s, "/v1/ta/SMA", &key, &a).await.0, 200);
    let (st, _, text) = post_raw(&s, "/v1/ta/SMA", &key, &b).await;
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_error(st, &body, 409, "IDEMPOTENCY_KEY_REUSED", Some("Idempotency-Key"));
    // Same body, another function: also another request.
    let (st, _, _) = post_raw(&s, "/v1/ta/EMA", &key, &a).await;
    assert_eq!(st, 409);
    // The original request still replays.
    let (st, replayed, _) = post_raw(&s, "/v1/ta/SMA", &key, &a).await;
    assert_eq!((st, replayed.as_deref()), (200, Some("true")));
}

#[tokio::test]
async fn rejected_requests_replay_their_422() {
    let s = start().await;
    let key = unique_key("rejected");
    let bad = json!({"inputs": {"real": [1.0]}, "params": {"timeperiod": -1}});
    let (st1, r1, b1) = post_raw(&s, "/v1/ta/SMA", &key, &bad).await;
    let (st2, r2, b2) = post_raw(&s, "/v1/ta/SMA", &key, &bad).await;
    assert_eq!((st1, st2), (422, 422));
    assert_eq!((r1, r2.as_deref()), (None, Some("true")));
    assert_eq!(b1, b2);
}

#[tokio::test]
async fn expired_keys_are_forgotten() {
    let s = start().await;
    let key = unique_key("expired");
    let rec = StoredResponse {
        key: key.clone(),
        fingerprint: "0".repeat(64),
        status: 200,
        body: "{}".to_owned(),
        created_at: 1,
    };
    assert!(s.store.put_response(&rec).await.unwrap());
    let body = json!({"inputs": {"real": [1.0, 2.0]}, "params": {"timeperiod": 1}});
    let (st, replayed, text) = post_raw(&s, "/v1/ta/SMA", &key, &body).await;
    assert_eq!((st, replayed), (200, None), "{text}");
    assert!(text.contains("\"outputs\""), "{text}");
}

#[tokio::test]
async fn invalid_keys_are_400() {
    let s = start().await;
    let body = json!({"inputs": {"real": [1.0]}});
    for key in ["", "has space", &"k".repeat(256)] {
        let (st, _, text) = post_raw(&s, "/v1/ta/SMA", key, &body).await;
        let b: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_error(st, &b, 400, "INVALID_HEADER", Some("Idempotency-Key"));
    }
}

#[tokio::test]
async fn concurrent_requests_with_one_key_agree() {
    let s = start().await;
    let key = unique_key("race");
    let body = json!({"inputs": {"real": (0..500).map(f64::from).collect::<Vec<_>>()}});
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, url, key, body) =
            (s.client.clone(), s.url("/v1/ta/EMA"), key.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let res =
                client.post(url).header("idempotency-key", key).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }));
    }
    let mut bodies = Vec::new();
    for t in tasks {
        let (st, text) = t.await.unwrap();
        assert_eq!(st, 200, "{text}");
        bodies.push(text);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn spellings_of_one_route_share_a_key() {
    let s = start().await;
    let key = unique_key("spelling");
    let body = json!({"inputs": {"real": [1.0, 2.0, 3.0]}, "params": {"timeperiod": 2}});
    let (st1, _, b1) = post_raw(&s, "/v1/ta/SMA", &key, &body).await;
    let (st2, replayed, b2) = post_raw(&s, "/v1/ta/%53MA", &key, &body).await;
    assert_eq!((st1, st2, replayed.as_deref()), (200, 200, Some("true")));
    assert_eq!(b1, b2);
}
