//! Health, readiness, the catalogue, the OpenAPI document and the Swagger UI.

use sextant_core::registry::REGISTRY;
use sextant_server::connect;

use crate::common::{assert_error, database, start};

#[tokio::test]
async fn health_and_ready() {
    let s = start().await;
    let (st, b) = s.get("/health").await;
    assert_eq!((st, b["status"].as_str()), (200, Some("ok")));
    let (st, b) = s.get("/ready").await;
    assert_eq!((st, b["status"].as_str()), (200, Some("ready")), "{b}");
    let want =
        if std::env::var("SEXTANT_TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
            "postgres"
        } else {
            "sqlite"
        };
    assert_eq!(b["database"], want);
    assert_eq!(s.store.backend(), want);
}

#[tokio::test]
async fn ready_fails_when_the_database_is_gone() {
    let s = start().await;
    s.store.close().await;
    let (st, b) = s.get("/ready").await;
    assert_error(st, &b, 503, "STORE_UNAVAILABLE", None);
    let (st, _) = s.get("/health").await;
    assert_eq!(st, 200);
}

#[tokio::test]
async fn migrations_apply_once() {
    // Connecting twice to the same database runs the migrator twice; the second is a no-op.
    let (db, _dir) = database();
    let a = connect(&db).await.unwrap();
    let b = connect(&db).await.unwrap();
    a.ping().await.unwrap();
    b.ping().await.unwrap();
}

#[tokio::test]
async fn catalogue_lists_every_declared_function() {
    let s = start().await;
    let (st, b) = s.get("/v1/functions").await;
    assert_eq!(st, 200);
    let listed = b["functions"].as_array().unwrap();
    assert_eq!(listed.len(), REGISTRY.len());
    for decl in REGISTRY {
        let (st, one) =
            s.get(&format!("/v1/functions/{}/{}", decl.module.as_str(), decl.name)).await;
        assert_eq!(st, 200);
        assert_eq!(one["name"], decl.name);
        assert_eq!(one["params"].as_array().unwrap().len(), decl.params.len());
    }
    let (st, b) = s.get("/v1/functions/ta/NOPE").await;
    assert_error(st, &b, 404, "UNKNOWN_FUNCTION", None);
}

#[tokio::test]
async fn openapi_document_is_derived_from_the_declarations() {
    let s = start().await;
    let (st, doc) = s.get("/openapi.json").await;
    assert_eq!(st, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let compute_paths = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|p| p.starts_with("/v1/") && !p.starts_with("/v1/functions"))
        .filter(|p| {
            ![
                "/v1/auth/",
                "/v1/account",
                "/v1/admin/",
                "/v1/instruments",
                "/v1/portfolios",
                "/v1/jobs",
                "/v1/autoindex/strategies",
                "/v1/news",
                "/v1/quotes",
                "/v1/alerts",
                "/v1/stream",
            ]
            .iter()
            .any(|a| p.starts_with(a))
        });
    assert_eq!(compute_paths.count(), REGISTRY.len());
    for decl in REGISTRY {
        let op = &doc["paths"][format!("/v1/{}/{}", decl.module.as_str(), decl.name)]["post"];
        let req = &op["requestBody"]["content"]["application/json"]["schema"];
        let inputs = req["properties"]["inputs"]["required"].as_array().unwrap();
        let want: Vec<&str> = decl.inputs.iter().map(|i| i.name).collect();
        assert_eq!(inputs.iter().map(|v| v.as_str().unwrap()).collect::<Vec<_>>(), want);
        let params = req["properties"]["params"]["properties"].as_object().unwrap();
        assert_eq!(params.len(), decl.params.len());
        let outs = &op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
            ["outputs"];
        assert_eq!(outs["required"].as_array().unwrap().len(), decl.outputs.len());
        assert!(op["responses"]["422"].is_object());
    }
    let number = &doc["components"]["schemas"]["Number"]["anyOf"][0]["type"];
    assert_eq!(number, &serde_json::json!(["number", "null"]));
}

#[tokio::test]
async fn swagger_ui_is_served_from_vendored_assets() {
    let s = start().await;
    for (path, needle) in
        [("/docs/", "swagger-ui"), ("/docs/swagger-initializer.js", "/openapi.json")]
    {
        let res = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        assert!(res.text().await.unwrap().contains(needle), "{path}");
    }
    let res = s.client.get(s.url("/docs/swagger-ui-bundle.js")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.bytes().await.unwrap().len() > 100_000);
}
