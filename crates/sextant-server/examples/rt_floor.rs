//! The floor of `rt_bench`'s burst delivery (docs/benchmarks.md, "Server: real time"): the same
//! bytes to the same number of loopback connections at the same instant, with nothing of the
//! server in the way (no WebSocket state, JSON, hub or authentication).
//!
//! ```text
//! cargo build --release -p sextant-server --example rt_floor
//! target/release/examples/rt_floor [CLIENTS] [ROUNDS] [BYTES]
//! ```
//!
//! Runs itself as a child process (the sender, as the server is in `rt_bench`), with one tokio
//! task per connection woken through its own bounded queue, as the server's connections are.
//! The generator opens `CLIENTS` connections (default 5,000) and one control connection; each
//! round (default 20, 300 ms apart) it writes one byte to the control connection, and the
//! sender writes one message of `BYTES` bytes (default 290: a WebSocket text frame carrying
//! one alert event, as `rt_bench` delivers it) to every connection. Reported as `rt_bench`
//! reports its burst: the delay from the control write to each receipt (min, p50, p99, max)
//! and each process's CPU per delivery.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod common;
use common::{cpu_secs, pct, raise_nofile};

/// The sender: accepts the control connection, then `clients` connections; writes `bytes`
/// bytes to each connection for every byte read from the control connection.
async fn send(clients: usize, bytes: usize) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", listener.local_addr()?.port());
    let (mut control, _) = listener.accept().await?;
    // an unmasked WebSocket text frame: header with a 16-bit length, then the payload
    let len = u16::try_from(bytes.saturating_sub(4)).unwrap_or(u16::MAX);
    let mut frame = vec![0x81, 126];
    frame.extend_from_slice(&len.to_be_bytes());
    frame.resize(bytes.max(4), b'x');
    let frame: Arc<[u8]> = Arc::from(frame);
    let mut queues = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (mut sock, _) = listener.accept().await?;
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Arc<[u8]>>(64);
        queues.push(tx);
        tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                if sock.write_all(&m).await.is_err() {
                    break;
                }
            }
        });
    }
    let mut b = [0u8; 1];
    while control.read_exact(&mut b).await.is_ok() {
        for q in &queues {
            let _ = q.try_send(frame.clone());
        }
    }
    Ok(())
}

#[tokio::main]
#[allow(clippy::cast_precision_loss)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--send") {
        let clients: usize = args.get(1).map_or(Ok(5000), |s| s.parse())?;
        let bytes: usize = args.get(2).map_or(Ok(290), |s| s.parse())?;
        return send(clients, bytes).await;
    }
    let clients: usize = args.first().map_or(Ok(5000), |s| s.parse())?;
    let rounds: usize = args.get(1).map_or(Ok(20), |s| s.parse())?;
    let bytes: usize = args.get(2).map_or(Ok(290), |s| s.parse())?;
    println!("open-file limit {}", raise_nofile());
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args(["--send", &clients.to_string(), &bytes.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let mut port = String::new();
    {
        use std::io::BufRead as _;
        let out = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        std::io::BufReader::new(out).read_line(&mut port)?;
    }
    let addr = format!("127.0.0.1:{}", port.trim());
    let mut control = TcpStream::connect(&addr).await?;
    // receipts: (round, time); each reader counts whole messages of `bytes`
    let got: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::default();
    let round = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut readers = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut sock = TcpStream::connect(&addr).await?;
        let (got, round) = (got.clone(), round.clone());
        readers.push(tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let mut pending = 0usize;
            while let Ok(n) = sock.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                let now = Instant::now();
                pending += n;
                let r = round.load(std::sync::atomic::Ordering::Relaxed);
                let mut g = got.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                while pending >= bytes {
                    pending -= bytes;
                    g.push((r, now));
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut sent = Vec::with_capacity(rounds);
    let cpu = (cpu_secs(pid), cpu_secs(std::process::id()));
    for r in 1..=rounds {
        round.store(r, std::sync::atomic::Ordering::Relaxed);
        sent.push(Instant::now());
        control.write_all(b"r").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let cpu = (cpu_secs(pid) - cpu.0, cpu_secs(std::process::id()) - cpu.1);
    let mut lat: Vec<f64> = got
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .filter(|(r, _)| (1..=rounds).contains(r))
        .map(|(r, at)| at.duration_since(sent[r - 1]).as_secs_f64() * 1000.0)
        .collect();
    lat.sort_by(f64::total_cmp);
    let n = lat.len().max(1) as f64;
    println!(
        "bare TCP delivery to all {clients} connections at once x {rounds} rounds ({bytes} bytes): {} receipts, min {:.1} ms, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; CPU per delivery: sender {:.1} us, generator {:.1} us",
        lat.len(),
        lat.first().copied().unwrap_or(f64::NAN),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or(f64::NAN),
        cpu.0 * 1e6 / n,
        cpu.1 * 1e6 / n
    );
    for r in readers {
        r.abort();
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(())
}
