//! Monte Carlo over HTTP: simulated paths as nested arrays, the same numbers as the core, and
//! the server's size limits as 422s naming the parameter.

use serde_json::json;

use crate::common::{assert_error, start};

#[tokio::test]
async fn paths_come_back_as_nested_arrays() {
    let s = start().await;
    let params = json!({"s0": 100.0, "paths": 3, "steps": 4, "seed": 5, "full_paths": true});
    let (st, body) =
        s.post_json("/v1/mc/simulate_gbm", &json!({"inputs": {}, "params": params})).await;
    assert_eq!(st, 200, "{body}");
    let rows = body["outputs"]["paths"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.as_array().unwrap().len() == 5 && r[0] == 100.0));
    assert_eq!(body["params"]["full_paths"], true);
    // the core's numbers: terminal values are the last column
    let (_, term) = s
        .post_json(
            "/v1/mc/simulate_gbm",
            &json!({"inputs": {}, "params": {"s0": 100.0, "paths": 3, "steps": 4, "seed": 5}}),
        )
        .await;
    let want = sextant_core::mc::simulate_gbm(
        &sextant_core::mc::Gbm { s0: 100.0, mu: 0.05, sigma: 0.2, years: 1.0, steps: 4 },
        &sextant_core::mc::Run { paths: 3, seed: 5, ..Default::default() },
    )
    .unwrap();
    for (k, w) in want.iter().enumerate() {
        assert_eq!(term["outputs"]["paths"][k].as_f64(), Some(*w));
        assert_eq!(rows[k][4].as_f64(), Some(*w));
    }
    let cov = json!([[0.04, 0.01], [0.01, 0.09]]);
    let req = json!({"inputs": {"s0": [1.0, 2.0], "mu": [0.0, 0.1], "cov": cov},
                     "params": {"paths": 3, "steps": 4, "full_paths": true}});
    let (st, body) = s.post_json("/v1/mc/simulate_correlated_gbm", &req).await;
    assert_eq!(st, 200, "{body}");
    let p = &body["outputs"]["paths"];
    assert_eq!(p.as_array().unwrap().len(), 3);
    assert_eq!(p[0].as_array().unwrap().len(), 5);
    assert_eq!(p[0][0], json!([1.0, 2.0]));
}

#[tokio::test]
async fn limits_and_bad_covariances_are_422() {
    let s = start().await;
    let (st, body) = s
        .post_json(
            "/v1/mc/simulate_gbm",
            &json!({"inputs": {}, "params": {"paths": 2_000_000, "steps": 1}}),
        )
        .await;
    assert_error(st, &body, 422, "OUT_OF_RANGE", Some("paths"));
    let (st, body) = s
        .post_json(
            "/v1/mc/simulate_gbm",
            &json!({"inputs": {}, "params": {"paths": 1000, "steps": 1_000_000}}),
        )
        .await;
    assert_error(st, &body, 422, "OUT_OF_RANGE", Some("steps"));
    // a simulation returning only numbers is bounded by the same work limit
    let (st, body) = s
        .post_json(
            "/v1/mc/estimate_payoff",
            &json!({"inputs": {}, "params": {"paths": 1000, "steps": 1_000_000}}),
        )
        .await;
    assert_error(st, &body, 422, "OUT_OF_RANGE", Some("steps"));
    let (st, body) = s
        .post_json(
            "/v1/mc/estimate_payoff",
            &json!({"inputs": {}, "params": {"strike": 100.0, "mu": 0.05, "discount": 0.05, "paths": 2000, "steps": 1}}),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let e = body["outputs"]["estimate"].as_f64().unwrap();
    let se = body["outputs"]["std_error"].as_f64().unwrap();
    assert!((e - 10.450_583_572_185_565).abs() <= 4.0 * se, "{body}");
    let (st, body) =
        s.post_json("/v1/mc/simulate_gbm", &json!({"inputs": {}, "params": {"sigma": -0.1}})).await;
    assert_error(st, &body, 422, "OUT_OF_RANGE", Some("sigma"));
    let req = json!({"inputs": {"s0": [1.0, 2.0], "mu": [0.0, 0.1], "cov": [[0.04, 0.05], [0.05, 0.04]]},
                     "params": {"paths": 3}});
    let (st, body) = s.post_json("/v1/mc/simulate_correlated_gbm", &req).await;
    assert_error(st, &body, 422, "INVALID_INPUT", Some("cov"));
}
