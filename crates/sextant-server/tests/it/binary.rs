//! The `sextant-server` binary: first start creates and migrates the database, logs are JSON
//! lines carrying the request id, SIGTERM shuts down gracefully with exit code 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value as Json;

#[tokio::test]
async fn binary_starts_logs_json_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sextant-server"));
    cmd.args(["--addr", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(&data)
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let url = std::env::var("SEXTANT_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
    if let Some(url) = &url {
        cmd.args(["--database-url", url]);
    }
    let mut child = cmd.spawn().expect("start sextant-server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let addr = loop {
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("a log line before listening");
        let v: Json =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        lines.push(v.clone());
        if v["fields"]["message"] == "listening" {
            break v["fields"]["addr"].as_str().unwrap().to_owned();
        }
    };
    if url.is_none() {
        assert!(data.join("sextant.db").exists(), "the SQLite file is created on first start");
    }

    let client = reqwest::Client::new();
    let res = client
        .post(format!("http://{addr}/v1/ta/EMA"))
        .header("x-request-id", "binary-test-7")
        .json(
            &serde_json::json!({"inputs": {"real": [1.0, 2.0, 3.0]}, "params": {"timeperiod": 2}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["x-request-id"], "binary-test-7");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    lines.extend(rx.iter().map(|l| serde_json::from_str::<Json>(&l).unwrap()));
    let request_logged = lines
        .iter()
        .any(|v| v["span"]["request_id"] == "binary-test-7" && v["fields"]["status"] == 200);
    assert!(request_logged, "no JSON log line with the request id: {lines:#?}");
    assert!(lines.iter().any(|v| v["fields"]["signal"] == "SIGTERM"), "{lines:#?}");
    assert_eq!(lines.last().unwrap()["fields"]["message"], "stopped");
}
