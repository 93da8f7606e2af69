//! Bad requests get 4xx with a JSON error body naming the code and the parameter at fault.

use serde_json::json;
use sextant_server::Options;

use crate::common::{assert_error, start, start_with};

#[tokio::test]
async fn invalid_parameters_are_422_with_the_core_code() {
    let s = start().await;
    let real = json!([1.0, 2.0, 3.0, 4.0]);
    let cases = [
        (
            "/v1/ta/SMA",
            json!({"inputs": {"real": real}, "params": {"timeperiod": 0}}),
            "OUT_OF_RANGE",
            "timeperiod",
        ),
        (
            "/v1/ta/SMA",
            json!({"inputs": {"real": real}, "params": {"timeperiod": "ten"}}),
            "INVALID_TYPE",
            "timeperiod",
        ),
        (
            "/v1/ta/SMA",
            json!({"inputs": {"real": real}, "params": {"timeperiod": 2.5}}),
            "INVALID_TYPE",
            "timeperiod",
        ),
        (
            "/v1/ta/SMA",
            json!({"inputs": {"real": real}, "params": {"timeperiod": true}}),
            "INVALID_TYPE",
            "timeperiod",
        ),
        (
            "/v1/ta/SMA",
            json!({"inputs": {"real": real}, "params": {"timeperiod": [3]}}),
            "INVALID_TYPE",
            "timeperiod",
        ),
        (
            "/v1/ta/SMA",
            json!({"inputs": {"real": real}, "params": {"period": 3}}),
            "UNKNOWN_PARAMETER",
            "period",
        ),
        (
            "/v1/ta/BBANDS",
            json!({"inputs": {"real": real}, "params": {"matype": 14}}),
            "OUT_OF_RANGE",
            "matype",
        ),
        (
            "/v1/risk/sharpe_ratio",
            json!({"inputs": {"returns": real}, "params": {"period": "hourly"}}),
            "UNKNOWN_OPTION",
            "period",
        ),
        (
            "/v1/ta/ATR",
            json!({"inputs": {"high": [1.0, 2.0], "low": [1.0], "close": [1.0, 2.0]}}),
            "LENGTH_MISMATCH",
            "low",
        ),
        ("/v1/ta/SMA", json!({"inputs": {}}), "INVALID_INPUT", "real"),
        (
            "/v1/ta/SMA",
            json!({"inputs": {"real": real, "volume": real}}),
            "INVALID_INPUT",
            "volume",
        ),
        ("/v1/ta/SMA", json!({"inputs": {"real": [1.0, "x"]}}), "INVALID_INPUT", "real"),
        ("/v1/ta/SMA", json!({"inputs": {"real": [1.0, "NaN"]}}), "INVALID_INPUT", "real"),
        ("/v1/ta/SMA", json!({"inputs": {"real": {"a": 1}}}), "INVALID_INPUT", "real"),
        ("/v1/ta/SMA", json!({"inputs": {"real": [[1.0, 2.0]]}}), "INVALID_INPUT", "real"),
        (
            "/v1/alloc/inverse_volatility",
            json!({"inputs": {"cov": [[1.0, 0.0], [0.0]]}}),
            "INVALID_INPUT",
            "cov",
        ),
        (
            "/v1/alloc/inverse_volatility",
            json!({"inputs": {"cov": [1.0, 2.0]}}),
            "INVALID_INPUT",
            "cov",
        ),
        (
            "/v1/alloc/inverse_volatility",
            json!({"inputs": {"cov": [[1.0, 0.0], [0.0, -1.0]]}}),
            "INVALID_INPUT",
            "cov",
        ),
    ];
    for (path, body, code, param) in cases {
        let (status, out) = s.post_json(path, &body).await;
        assert_error(status, &out, 422, code, Some(param));
    }
}

#[tokio::test]
async fn malformed_or_misshapen_bodies() {
    let s = start().await;
    let post = |body: &'static str, ct: Option<&'static str>| {
        let mut req = s.client.post(s.url("/v1/ta/SMA")).body(body);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            assert_eq!(res.headers()["content-type"], "application/json");
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    let json_ct = Some("application/json");
    let (st, b) = post("{", json_ct).await;
    assert_error(st, &b, 400, "MALFORMED_JSON", None);
    let (st, b) = post("", json_ct).await;
    assert_error(st, &b, 400, "MALFORMED_JSON", None);
    let (st, b) = post("{\"inputs\": {\"real\": [1e999]}}", json_ct).await;
    assert!(st == 400 || st == 422, "{st} {b}");
    let (st, b) = post("{\"inputs\": 3}", json_ct).await;
    assert_error(st, &b, 422, "INVALID_BODY", None);
    let (st, b) = post("[]", json_ct).await;
    assert_error(st, &b, 422, "INVALID_BODY", None);
    let (st, b) = post("{\"inputs\": {\"real\": [1]}, \"extra\": 1}", json_ct).await;
    assert_error(st, &b, 422, "INVALID_BODY", None);
    let (st, b) = post("{\"inputs\": {\"real\": [1]}}", None).await;
    assert_error(st, &b, 415, "UNSUPPORTED_MEDIA_TYPE", None);
    let (st, b) = post("{\"inputs\": {\"real\": [1]}}", Some("text/plain")).await;
    assert_error(st, &b, 415, "UNSUPPORTED_MEDIA_TYPE", None);
    let (st, b) =
        post("{\"inputs\": {\"real\": [1]}}", Some("application/json; charset=utf-8")).await;
    assert_eq!(st, 200, "{b}");
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let s = start().await;
    let body = json!({"inputs": {"real": [1.0]}});
    let (st, b) = s.post_json("/v1/ta/NOPE", &body).await;
    assert_error(st, &b, 404, "UNKNOWN_FUNCTION", None);
    let (st, b) = s.post_json("/v1/nope/SMA", &body).await;
    assert_error(st, &b, 404, "UNKNOWN_FUNCTION", None);
    let (st, b) = s.get("/v2/anything").await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
    let (st, b) = s.get("/v1/ta/SMA").await;
    assert_error(st, &b, 405, "METHOD_NOT_ALLOWED", None);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let s = start_with(Options { body_limit: 1024, ..Options::default() }).await;
    let big: Vec<f64> = (0..1000).map(f64::from).collect();
    let (st, b) = s.post_json("/v1/ta/SMA", &json!({"inputs": {"real": big}})).await;
    assert_error(st, &b, 413, "PAYLOAD_TOO_LARGE", None);
    let small: Vec<f64> = (0..10).map(f64::from).collect();
    let (st, b) = s.post_json("/v1/ta/SMA", &json!({"inputs": {"real": small}})).await;
    assert_eq!(st, 200, "{b}");
}

#[tokio::test]
async fn nan_travels_as_null_and_infinities_as_strings() {
    let s = start().await;
    let body =
        json!({"inputs": {"real": [1.0, 2.0, null, 4.0, 5.0, 6.0]}, "params": {"timeperiod": 2}});
    let (st, b) = s.post_json("/v1/ta/SMA", &body).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["outputs"]["real"], json!([null, 1.5, null, null, 4.5, 5.5]));
    // the effective parameters come back, call options included
    assert_eq!(b["params"], json!({"timeperiod": 2, "nan_policy": "default"}));
    let body = json!({"inputs": {"real": [1.0, "Infinity", 3.0]}, "params": {"timeperiod": 1}});
    let (st, b) = s.post_json("/v1/ta/SMA", &body).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["outputs"]["real"][1], "Infinity");
    // Constant returns: zero volatility, an infinite Sharpe ratio, as empyrical gives.
    let body = json!({"inputs": {"returns": [0.01, 0.01, 0.01]}});
    let (st, b) = s.post_json("/v1/risk/sharpe_ratio", &body).await;
    assert_eq!(st, 200, "{b}");
    assert!(
        b["outputs"]["sharpe_ratio"].is_string() || b["outputs"]["sharpe_ratio"].is_null(),
        "{b}"
    );
    // Defaults are filled in and reported.
    let (st, b) = s.post_json("/v1/ta/SMA", &json!({"inputs": {"real": []}})).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["outputs"]["real"], json!([]));
    assert_eq!(b["params"]["timeperiod"], 30);
}

#[tokio::test]
async fn request_ids_are_set_and_propagated() {
    let s = start().await;
    let res =
        s.client.get(s.url("/health")).header("x-request-id", "trace-me-42").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-me-42");
    let res = s.client.get(s.url("/health")).send().await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "{id}");
}

#[tokio::test]
async fn outputs_and_params_keep_declaration_order() {
    let s = start().await;
    let res = s
        .client
        .post(s.url("/v1/ta/BBANDS"))
        .json(&json!({"inputs": {"real": [1.0, 2.0, 3.0]}, "params": {"timeperiod": 2}}))
        .send()
        .await
        .unwrap();
    let text = res.text().await.unwrap();
    let pos = |k: &str| text.find(&format!("\"{k}\"")).unwrap_or_else(|| panic!("{k}: {text}"));
    assert!(pos("module") < pos("function") && pos("function") < pos("params"), "{text}");
    assert!(pos("upperband") < pos("middleband") && pos("middleband") < pos("lowerband"), "{text}");
    assert!(pos("timeperiod") < pos("nbdevup") && pos("nbdevdn") < pos("matype"), "{text}");
}
