//! The web dashboard's static route (`Options::web_dir`, docs/web.md): files of the directory,
//! `index.html` for other GET paths, gzip siblings on request, and the API's JSON 404s kept.

use sextant_server::Options;

use crate::common::{assert_error, start_with};

const INDEX: &str = "<!doctype html><title>app</title>";

fn web_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/app.js"), "export const x = 1;").unwrap();
    std::fs::write(dir.path().join("assets/app.js.gz"), b"\x1f\x8bnot really gzip").unwrap();
    dir
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test]
async fn the_web_dir_is_served_at_the_root_with_an_spa_fallback() {
    let dir = web_dir();
    let s =
        start_with(Options { web_dir: Some(dir.path().to_owned()), ..Options::default() }).await;
    let c = no_redirects();
    for path in ["/", "/index.html", "/market", "/portfolio/deep/link"] {
        let res = c.get(s.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        assert_eq!(res.text().await.unwrap(), INDEX, "{path}");
    }
    let res = c.get(s.url("/assets/app.js")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(res.text().await.unwrap(), "export const x = 1;");
    // the precompressed sibling goes to clients that accept gzip
    let res =
        c.get(s.url("/assets/app.js")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
    assert_eq!(&res.bytes().await.unwrap()[..], b"\x1f\x8bnot really gzip");
    // the API, the docs and the service routes are untouched; unknown API paths stay JSON 404s
    for path in ["/v1/no-such-route", "/v1", "/metrics/x", "/openapi.json/x"] {
        let (st, b) = s.get(path).await;
        assert_error(st, &b, 404, "NOT_FOUND", None);
    }
    let (st, b) = s.post_json("/market", &serde_json::json!({})).await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
    assert_eq!(s.get("/health").await.0, 200);
    assert_eq!(c.get(s.url("/docs/")).send().await.unwrap().status(), 200);
    assert_eq!(c.get(s.url("/metrics")).send().await.unwrap().status(), 200);
    assert_eq!(s.get("/v1/functions").await.0, 200);
}

#[tokio::test]
async fn without_a_web_dir_the_root_redirects_to_the_docs() {
    let s = start_with(Options::default()).await;
    let res = no_redirects().get(s.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()["location"], "/docs/");
    let (st, b) = s.get("/market").await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
}
