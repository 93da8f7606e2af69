//! The Store trait itself, on whichever backend the suite runs on.

use sextant_server::connect;
use sextant_server::store::StoredResponse;

use crate::common::{database, unique_key};

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
