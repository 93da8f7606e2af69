//! The `sextant-server` binary: first start creates and migrates the database, logs are JSON
//! lines carrying the request id, SIGTERM shuts down gracefully with exit code 0, and an
//! acknowledged idempotent response survives kill -9.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value as Json};

use crate::common::unique_key;

struct Running {
    child: Child,
    addr: String,
    lines: Vec<Json>,
    rx: mpsc::Receiver<String>,
}

/// Starts the binary on a free port, on the test database (or a SQLite file in `data`), and
/// waits for its "listening" log line.
fn spawn(data: &Path) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sextant-server"));
    cmd.args(["--addr", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "info")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(url) = std::env::var("SEXTANT_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        cmd.args(["--database-url", &url]);
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
    Running { child, addr, lines, rx }
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill").args([sig, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

fn uses_sqlite_file() -> bool {
    std::env::var("SEXTANT_TEST_DATABASE_URL").map_or(true, |u| u.is_empty())
}

#[tokio::test]
async fn binary_starts_logs_json_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = spawn(&data);
    if uses_sqlite_file() {
        assert!(data.join("sextant.db").exists(), "the SQLite file is created on first start");
    }
    let res = reqwest::Client::new()
        .post(format!("http://{}/v1/ta/EMA", server.addr))
        .header("x-request-id", "binary-test-7")
        .json(&json!({"inputs": {"real": [1.0, 2.0, 3.0]}, "params": {"timeperiod": 2}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["x-request-id"], "binary-test-7");

    signal(&server.child, "-TERM");
    let exit = server.child.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    let lines = &mut server.lines;
    lines.extend(server.rx.iter().map(|l| serde_json::from_str::<Json>(&l).unwrap()));
    let request_logged = lines
        .iter()
        .any(|v| v["span"]["request_id"] == "binary-test-7" && v["fields"]["status"] == 200);
    assert!(request_logged, "no JSON log line with the request id: {lines:#?}");
    assert!(lines.iter().any(|v| v["fields"]["signal"] == "SIGTERM"), "{lines:#?}");
    assert_eq!(lines.last().unwrap()["fields"]["message"], "stopped");
}

#[tokio::test]
async fn an_acknowledged_response_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let key = unique_key("kill9");
    let body = json!({"inputs": {"real": [3.0, 1.0, 4.0, 1.0, 5.0]}, "params": {"timeperiod": 2}});
    let client = reqwest::Client::new();
    let post = |addr: &str| {
        client
            .post(format!("http://{addr}/v1/ta/SMA"))
            .header("idempotency-key", &key)
            .json(&body)
            .send()
    };

    let mut first = spawn(&data);
    let res = post(&first.addr).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers().get("idempotent-replayed").is_none());
    let acknowledged = res.text().await.unwrap();
    signal(&first.child, "-KILL");
    assert!(!first.child.wait().unwrap().success());

    let mut second = spawn(&data);
    let res = post(&second.addr).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    assert_eq!(res.text().await.unwrap(), acknowledged);
    signal(&second.child, "-TERM");
    assert!(second.child.wait().unwrap().success());
}
