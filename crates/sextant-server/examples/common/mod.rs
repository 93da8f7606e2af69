//! What the server benches share (`mod common;` in each): a bench instrument, the release
//! server as a child process on a free loopback port, signing in, and percentiles. Each bench
//! uses part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value as Json};
use sextant_server::store::InstrumentRec;

/// An instrument record for a bench: USD, UTC, asset class `other`.
pub(crate) fn instrument(symbol: &str) -> InstrumentRec {
    InstrumentRec {
        symbol: symbol.to_owned(),
        name: "bench".into(),
        currency: "USD".into(),
        time_zone: None,
        utc_offset_minutes: 0,
        asset_class: "other".into(),
        created_at: 0,
        updated_at: 0,
    }
}

/// Starts the server binary `bin` on a free loopback port with `args` (the database, and
/// anything else), rate limits out of the way and a two-hour access token. Returns the child
/// and the base URL.
pub(crate) fn spawn_server<I, S>(bin: &str, args: I) -> anyhow::Result<(Child, String)>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let child = Command::new(bin)
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .args(args)
        .args(["--rate-limit-scale", "100000", "--access-token-ttl", "7200"])
        .env("SEXTANT_JWT_SECRET", "0123456789abcdef0123456789abcdef0123456789abcdef")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    Ok((child, format!("http://127.0.0.1:{port}")))
}

/// Waits (up to a minute) until `ready` holds for the server's `/ready` answer.
pub(crate) async fn wait_ready(
    http: &reqwest::Client,
    base: &str,
    ready: impl Fn(&Json) -> bool,
) -> anyhow::Result<()> {
    for _ in 0..600 {
        if let Ok(r) = http.get(format!("{base}/ready")).send().await {
            if r.json::<Json>().await.is_ok_and(|v| ready(&v)) {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("{base} was not ready within a minute")
}

/// Registers `email` and signs in; returns the access token.
pub(crate) async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    email: &str,
) -> anyhow::Result<String> {
    let creds = json!({"email": email, "password": "bench passphrase 12345"});
    http.post(format!("{base}/v1/auth/register")).json(&creds).send().await?;
    let login: Json =
        http.post(format!("{base}/v1/auth/login")).json(&creds).send().await?.json().await?;
    Ok(login["access_token"].as_str().unwrap_or_default().to_owned())
}

/// The `p` quantile of sorted values (nearest rank); NaN when empty.
pub(crate) fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Raises this process's open-file limit to its hard limit (5,000 clients need 5,000 sockets
/// here and in the server, which inherits the limit); the limit now in force.
#[allow(unsafe_code)]
pub(crate) fn raise_nofile() -> u64 {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local rlimit.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut r) == 0 {
            r.rlim_cur = r.rlim_max;
            let _ = libc::setrlimit(libc::RLIMIT_NOFILE, &raw const r);
            let _ = libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut r);
        }
    }
    r.rlim_cur
}

/// CPU seconds (user and system) a process has used, from `/proc/<pid>/stat`.
pub(crate) fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // the fields after the command name (which may hold spaces): utime and stime are 14 and 15
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}
