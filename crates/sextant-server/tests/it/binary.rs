//! The `sextant-server` binary: first start creates and migrates the database, logs are JSON
//! lines carrying the request id, SIGTERM shuts down gracefully with exit code 0, and an
//! acknowledged idempotent response survives kill -9, and so do acknowledged bar ingests
//! (a batch in flight at the kill is either wholly stored or absent).

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
    spawn_with(data, &[], &[])
}

/// [`spawn`] with extra arguments and environment variables.
fn spawn_with(data: &Path, args: &[&str], envs: &[(&str, &str)]) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sextant-server"));
    cmd.args(["--addr", "127.0.0.1:0"])
        .args(args)
        .envs(envs.iter().copied())
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

#[tokio::test]
async fn acknowledged_bar_ingests_survive_kill_9_during_a_bulk_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let secret = "kill-9-ingest-test-secret-0123456789abcdef";
    let env = [("SEXTANT_JWT_SECRET", secret)];
    let email = format!("{}@example.com", unique_key("k9ingest").to_ascii_lowercase());
    let symbol: String =
        format!("K9{}", unique_key("").chars().filter(char::is_ascii_digit).collect::<String>())
            .chars()
            .take(30)
            .collect();
    let client = reqwest::Client::new();
    let password = "correct horse battery staple";

    // an admin: register, then restart with --grant-admin
    let mut first = spawn_with(&data, &[], &env);
    let res = client
        .post(format!("http://{}/v1/auth/register", first.addr))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    signal(&first.child, "-TERM");
    assert!(first.child.wait().unwrap().success());
    let mut second = spawn_with(&data, &["--grant-admin", &email], &env);
    let base = format!("http://{}", second.addr);
    let login: Json = client
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let res = client
        .post(format!("{base}/v1/instruments"))
        .bearer_auth(&token)
        .json(&json!({"symbol": symbol, "name": "kill -9", "currency": "USD", "asset_class": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);

    // batches of 2,000 one-minute bars, sent one after another; batch k starts at minute k*2000
    const BATCH: i64 = 2000;
    let t0 = 1_600_000_020; // a whole minute
    let csv_of = move |k: i64| {
        let mut s = String::from("ts,open,high,low,close,volume\n");
        for j in 0..BATCH {
            let m = k * BATCH + j;
            let x = 100.0 + (m % 997) as f64 / 8.0;
            s.push_str(&format!("{},{x},{},{},{x},{}\n", t0 + 60 * m, x + 1.0, x - 1.0, m));
        }
        s
    };
    let (ack_tx, ack_rx) = std::sync::mpsc::channel::<i64>();
    let sender = {
        let (client, base, token, symbol) =
            (client.clone(), base.clone(), token.clone(), symbol.clone());
        tokio::spawn(async move {
            for k in 0..10_000 {
                let res = client
                    .post(format!("{base}/v1/instruments/{symbol}/bars?interval=1m"))
                    .bearer_auth(&token)
                    .header("content-type", "text/csv")
                    .body(csv_of(k))
                    .send()
                    .await;
                let Ok(r) = res else { return }; // the server is gone
                let ok = r.status().as_u16() == 200;
                if !(ok && r.text().await.is_ok()) || ack_tx.send(k).is_err() {
                    return;
                }
            }
        })
    };
    // kill -9 once three batches are acknowledged (the fourth is then in flight)
    let mut acked = Vec::new();
    while acked.len() < 3 {
        // poll without blocking the test's runtime thread (the sender runs on it)
        let waited = std::time::Instant::now();
        loop {
            if let Ok(k) = ack_rx.try_recv() {
                acked.push(k);
                break;
            }
            assert!(waited.elapsed() < Duration::from_secs(120), "no batch acknowledged");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    signal(&second.child, "-KILL");
    assert!(!second.child.wait().unwrap().success());
    let _ = sender.await;
    while let Ok(k) = ack_rx.try_recv() {
        acked.push(k);
    }

    // after a restart every acknowledged bar is there with its values; an unacknowledged
    // batch is all there or absent (one transaction)
    let mut third = spawn_with(&data, &[], &env);
    let base = format!("http://{}", third.addr);
    let page: Json = client
        .get(format!("{base}/v1/instruments/{symbol}/bars?interval=1m&limit=10000"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let total = page["total"].as_i64().expect("total");
    let stored_batches = total / BATCH;
    assert_eq!(total % BATCH, 0, "a batch was stored in part: {total} bars");
    assert!(stored_batches >= i64::try_from(acked.len()).unwrap(), "{stored_batches} < {acked:?}");
    for &k in &acked {
        let from = t0 + 60 * k * BATCH;
        let to = from + 60 * (BATCH - 1);
        let got: Json = client
            .get(format!(
                "{base}/v1/instruments/{symbol}/bars?interval=1m&from={from}&to={to}&limit=10000"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = got["items"].as_array().unwrap();
        assert_eq!(items.len(), usize::try_from(BATCH).unwrap(), "batch {k}");
        let m = k * BATCH + 5;
        assert_eq!(items[5]["close"].as_f64().unwrap(), 100.0 + (m % 997) as f64 / 8.0);
        assert_eq!(items[5]["volume"].as_f64().unwrap(), m as f64);
    }
    signal(&third.child, "-TERM");
    assert!(third.child.wait().unwrap().success());
}
