//! Real-time fan-out across server instances on one PostgreSQL (issue #18), over
//! `LISTEN`/`NOTIFY` on the channel [`CHANNEL`]. Rules for operators: docs/distributed.md
//! ("Real-time fan-out") and docs/realtime.md.
//!
//! Every instance publishes what its hub publishes (after the ingest's commit) as NOTIFY
//! messages and delivers what the other instances publish to its own WebSocket subscribers:
//!
//! - alert events, bar closes and news are always forwarded (they are few);
//! - quotes and indicator values only for the topics some other instance has subscribers for
//!   (each instance announces its quote and indicator topics: `+topic` / `-topic`, its whole
//!   set when asked by a starting instance, and a keepalive; an instance not heard from for
//!   [`PEER_TIMEOUT`] loses its topics). An indicator topic wanted elsewhere makes the ingesting
//!   instance emit that indicator's values as if a local client had subscribed;
//! - alert creations and deletions (`A<id>`): the other instances load or drop the alert, so
//!   whichever instance ingests the quotes evaluates every alert.
//!
//! An instance ignores its own messages (it has already delivered its events locally: no double
//! delivery). A message is one NOTIFY payload of at most [`MAX_PAYLOAD`] bytes:
//! `origin|seq` and then lines (`E<topic>\t<event json>`, `R<spill id>`, `+<topic>\t<spec>`,
//! `-<topic>`, `S`, `F`, `H`, `K`, `A<alert id>`). Lines are packed into as few messages as fit,
//! and the messages of one batch are sent by one statement (one transaction: delivered together,
//! in order). A line too large for a payload is written to `rt_fanout_spill` and its id is sent
//! instead (`R<id>`).
//!
//! A lost listener (a connection error, or no keepalive of our own received for
//! [`PEER_TIMEOUT`]) reconnects after `RealtimeOptions::fanout_retry`; then it re-reads the alert events created since
//! it was last known to listen, less [`CATCH_UP_MARGIN`] seconds (clock differences between
//! instances), and delivers those it has not delivered yet (ids of recent alert events are
//! remembered), asks the others for their topic sets again and reloads the alert set. Quotes,
//! bars, indicator values and news published during the gap are not replayed (the next update
//! supersedes quotes and values; bars and news are in the database).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};
use sextant_core::decl::Params;
use sextant_core::registry;
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};
use sqlx::Row;
use tokio::sync::mpsc;

use super::engine::{streamable, IndSpec};
use super::Hub;
use crate::store::realtime::EVENT_COLS;
use crate::store::Store;

/// The NOTIFY channel of the real-time fan-out.
pub const CHANNEL: &str = "sextant_rt";
/// Largest payload sent (PostgreSQL refuses 8000 bytes and more).
pub const MAX_PAYLOAD: usize = 7_900;
/// Period of the keepalive each instance sends (and of the liveness checks).
pub const KEEPALIVE: Duration = Duration::from_secs(2);
/// Silence after which another instance's topics are forgotten, and after which our own
/// listener, not having received its own keepalive, is considered lost.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(10);
/// Seconds re-read before the last moment the listener was known to listen.
pub const CATCH_UP_MARGIN: i64 = 30;
/// Lines waiting to be sent; beyond, events are dropped for the other instances (counted).
const QUEUE: usize = 65_536;
/// Alert event ids remembered to deliver each event once across a catch-up.
const RECENT: usize = 100_000;
/// Alert events re-read at most by one catch-up.
const CATCH_UP_LIMIT: i64 = 100_000;
/// Spilled rows are deleted after this many seconds.
const SPILL_TTL: i64 = 600;

/// Counters and state shared by the hub side and the two tasks.
#[derive(Debug, Default)]
struct Shared {
    origin: String,
    listening: AtomicBool,
    remote_any: AtomicBool,
    remote: RwLock<Remote>,
    /// Spec JSON of our own subscribed indicator topics (announced with `+`).
    specs: Mutex<HashMap<String, Json>>,
    recent: Mutex<Recent>,
    sent: AtomicU64,
    received: AtomicU64,
    dropped: AtomicU64,
    spilled: AtomicU64,
    reconnects: AtomicU64,
    caught_up: AtomicU64,
}

#[derive(Debug, Default)]
struct Remote {
    peers: HashMap<String, Peer>,
    /// Topic to the number of other instances that want it.
    count: HashMap<String, usize>,
}

#[derive(Debug)]
struct Peer {
    seen: Instant,
    topics: HashMap<String, Json>,
    pending: Option<HashMap<String, Json>>,
}

#[derive(Debug, Default)]
struct Recent {
    order: VecDeque<String>,
    set: HashSet<String>,
}

impl Recent {
    /// Remembers an id; false when it was already known.
    fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        self.set.insert(id.to_owned());
        self.order.push_back(id.to_owned());
        while self.order.len() > RECENT {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

/// The hub's handle on the fan-out.
#[derive(Debug)]
pub struct Fanout {
    tx: mpsc::Sender<String>,
    shared: Arc<Shared>,
}

/// Whether a topic carries few events and is forwarded whether or not another instance has
/// subscribers for it (alert events, bar closes, news).
fn always(topic: &str) -> bool {
    topic.starts_with("a:") || topic.starts_with("b:") || topic.starts_with("n:")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The `id` field of an alert event's JSON text. An event is a flat object written by
/// serde_json (`"id":"<hex>"`, no spaces), so the id is read without parsing the text (the ingest
/// forwards every event it fires); any other text is parsed.
fn event_id(text: &str) -> Option<String> {
    const KEY: &str = "\"id\":\"";
    if let Some(i) = text.find(KEY) {
        let rest = &text[i + KEY.len()..];
        let id = &rest[..rest.find('"').unwrap_or(0)];
        if !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(id.to_owned());
        }
    }
    serde_json::from_str::<Json>(text).ok()?.get("id")?.as_str().map(str::to_owned)
}

impl Fanout {
    /// Whether events of `topic` go to the other instances.
    #[must_use]
    pub fn wants(&self, topic: &str) -> bool {
        always(topic)
            || (self.shared.remote_any.load(Ordering::Relaxed)
                && self
                    .shared
                    .remote
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .count
                    .contains_key(topic))
    }

    /// Hands a published event to the sender (never waits: a full queue drops it, counted).
    pub fn forward(&self, topic: &str, text: &str) {
        if !self.wants(topic) {
            return;
        }
        if topic.starts_with("a:") {
            if let Some(id) = event_id(text) {
                lock(&self.shared.recent).insert(&id);
            }
        }
        self.send(format!("E{topic}\t{text}"));
    }

    fn send(&self, line: String) {
        if self.tx.try_send(line).is_err() {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Remembers the spec of a local indicator topic (announced with the topic).
    pub fn remember_spec(&self, topic: &str, spec: &IndSpec) {
        lock(&self.shared.specs).entry(topic.to_owned()).or_insert_with(|| spec_json(spec));
    }

    /// A local topic gained its first subscriber (`on`) or lost its last one.
    pub fn local_interest(&self, topic: &str, on: bool) {
        if always(topic) || !(topic.starts_with("q:") || topic.starts_with("i:")) {
            return;
        }
        if on {
            let spec = lock(&self.shared.specs).get(topic).cloned().unwrap_or(Json::Null);
            self.send(interest_line(topic, &spec));
        } else {
            lock(&self.shared.specs).remove(topic);
            self.send(format!("-{topic}"));
        }
    }

    /// An alert was created or deleted here: the other instances reload it.
    pub fn alert_changed(&self, id: &str) {
        self.send(format!("A{id}"));
    }

    /// The fan-out's state for `/ready`.
    #[must_use]
    pub fn status(&self) -> Json {
        let s = &self.shared;
        let (peers, remote_topics) = {
            let r = s.remote.read().unwrap_or_else(std::sync::PoisonError::into_inner);
            let peers: serde_json::Map<String, Json> =
                r.peers.iter().map(|(k, p)| (k.clone(), json!(p.topics.len()))).collect();
            (peers, r.count.len())
        };
        json!({"instance": s.origin, "listening": s.listening.load(Ordering::Relaxed),
            "peer_topics": peers, "remote_topics": remote_topics,
            "sent": s.sent.load(Ordering::Relaxed), "received": s.received.load(Ordering::Relaxed),
            "dropped": s.dropped.load(Ordering::Relaxed),
            "spilled": s.spilled.load(Ordering::Relaxed),
            "reconnects": s.reconnects.load(Ordering::Relaxed),
            "caught_up": s.caught_up.load(Ordering::Relaxed)})
    }
}

fn interest_line(topic: &str, spec: &Json) -> String {
    if spec.is_null() {
        format!("+{topic}\t")
    } else {
        format!("+{topic}\t{spec}")
    }
}

/// `{"name", "params", "output"}` with the validated parameters (declaration order).
fn spec_json(spec: &IndSpec) -> Json {
    json!({"name": spec.decl.name, "params": serde_json::to_value(&spec.params).unwrap_or(Json::Null),
        "output": spec.output})
}

/// The inverse of [`spec_json`] (checked again: the other instance may run another version).
fn spec_from_json(v: &Json) -> Option<IndSpec> {
    let name = v.get("name")?.as_str()?;
    let decl = registry::find("ta", name).filter(|d| streamable(d))?;
    let params: Params = serde_json::from_value(v.get("params")?.clone()).ok()?;
    decl.stream(&params).ok()?;
    let output = usize::try_from(v.get("output")?.as_u64()?).ok()?;
    if output >= decl.outputs.len() {
        return None;
    }
    let key = decl.display_with(&params);
    Some(IndSpec { decl, params, output, key })
}

/// Starts the fan-out of `hub` over `pool` (PostgreSQL) and attaches it to the hub. `name`:
/// the instance's name (shown in `/ready` and as the listener's `application_name`), random
/// when empty. Needs a Tokio runtime.
pub fn start(hub: &Arc<Hub>, store: Arc<dyn Store>, pool: PgPool, name: Option<&str>) {
    let retry = hub.options().fanout_retry;
    let suffix = crate::auth::random_id();
    let origin = match name.filter(|n| {
        !n.is_empty()
            && n.len() <= 24
            && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    }) {
        Some(n) => format!("{n}-{}", &suffix[..8]),
        None => suffix[..16].to_owned(),
    };
    let shared = Arc::new(Shared { origin, ..Shared::default() });
    let (tx, rx) = mpsc::channel(QUEUE);
    let fan = Arc::new(Fanout { tx: tx.clone(), shared: shared.clone() });
    if !hub.attach_fanout(fan) {
        return;
    }
    tokio::spawn(sender(pool.clone(), shared.clone(), rx));
    tokio::spawn(listener(Arc::downgrade(hub), store, pool, shared, tx, retry));
}

// --- the sender ---------------------------------------------------------------------------------

async fn sender(pool: PgPool, shared: Arc<Shared>, mut rx: mpsc::Receiver<String>) {
    let mut seq: u64 = 0;
    let mut last_cleanup = Instant::now();
    while let Some(first) = rx.recv().await {
        let mut lines = vec![first];
        while lines.len() < 8192 {
            match rx.try_recv() {
                Ok(l) => lines.push(l),
                Err(_) => break,
            }
        }
        let mut msgs: Vec<String> = Vec::new();
        let mut cur = String::new();
        for mut line in lines {
            let head = shared.origin.len() + 24;
            if head + 1 + line.len() > MAX_PAYLOAD {
                match spill(&pool, &shared.origin, &line).await {
                    Ok(id) => {
                        shared.spilled.fetch_add(1, Ordering::Relaxed);
                        line = format!("R{id}");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "real-time fan-out: could not spill an event");
                        shared.dropped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                }
            }
            if !cur.is_empty() && cur.len() + 1 + line.len() > MAX_PAYLOAD {
                msgs.push(std::mem::take(&mut cur));
            }
            if cur.is_empty() {
                seq += 1;
                cur = format!("{}|{seq}", shared.origin);
            }
            cur.push('\n');
            cur.push_str(&line);
        }
        if !cur.is_empty() {
            msgs.push(cur);
        }
        // one statement: one transaction, delivered together and in this order
        let n = msgs.len() as u64;
        let res = sqlx::query("SELECT pg_notify($1, m) FROM unnest($2::text[]) AS t(m)")
            .bind(CHANNEL)
            .bind(&msgs)
            .execute(&pool)
            .await;
        match res {
            Ok(_) => {
                shared.sent.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::warn!(error = %e, "real-time fan-out: could not notify");
                shared.dropped.fetch_add(n, Ordering::Relaxed);
            }
        }
        if last_cleanup.elapsed() > Duration::from_secs(60)
            && shared.spilled.load(Ordering::Relaxed) > 0
        {
            last_cleanup = Instant::now();
            let _ = sqlx::query("DELETE FROM rt_fanout_spill WHERE created_at < $1")
                .bind(crate::app::now_unix() - SPILL_TTL)
                .execute(&pool)
                .await;
        }
    }
}

async fn spill(pool: &PgPool, origin: &str, line: &str) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO rt_fanout_spill (origin, body, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(origin)
    .bind(line)
    .bind(crate::app::now_unix())
    .fetch_one(pool)
    .await?;
    row.try_get(0)
}

// --- the listener -------------------------------------------------------------------------------

enum Heard {
    Message(String),
    Lost(String),
}

/// One listening connection in its own pool of one (not taken from the request pool), read by
/// its own task (a read is not interrupted half-way by the keepalive timer).
async fn listen(
    pool: &PgPool,
    origin: &str,
) -> Result<(mpsc::Receiver<Heard>, tokio::task::JoinHandle<()>), sqlx::Error> {
    let opts = (*pool.connect_options()).clone().application_name(&format!("sextant-rt {origin}"));
    let own = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(opts)
        .await?;
    let mut l = PgListener::connect_with(&own).await?;
    l.listen(CHANNEL).await?;
    let (tx, rx) = mpsc::channel(4096);
    let task = tokio::spawn(async move {
        let _own = own;
        loop {
            let heard = match l.try_recv().await {
                Ok(Some(n)) => Heard::Message(n.payload().to_owned()),
                Ok(None) => Heard::Lost("connection lost".into()),
                Err(e) => Heard::Lost(e.to_string()),
            };
            let lost = matches!(heard, Heard::Lost(_));
            if tx.send(heard).await.is_err() || lost {
                return;
            }
        }
    });
    Ok((rx, task))
}

async fn listener(
    hub: Weak<Hub>,
    store: Arc<dyn Store>,
    pool: PgPool,
    shared: Arc<Shared>,
    tx: mpsc::Sender<String>,
    retry: Duration,
) {
    let mut first = true;
    // unix seconds when the listener was last known to listen
    let mut last_ok = crate::app::now_unix();
    loop {
        if hub.strong_count() == 0 {
            return;
        }
        let (mut rx, task) = match listen(&pool, &shared.origin).await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "real-time fan-out: cannot listen; retrying");
                tokio::time::sleep(retry).await;
                continue;
            }
        };
        shared.listening.store(true, Ordering::Relaxed);
        let _ = tx.try_send("H".into());
        if !first {
            if let Some(h) = hub.upgrade() {
                catch_up(&h, &pool, &shared, last_ok - CATCH_UP_MARGIN).await;
                if let Err(e) = h.resync_alerts(&store).await {
                    tracing::warn!(error = %e, "real-time fan-out: could not reload the alerts");
                }
            }
        }
        first = false;
        let mut own_seen = Instant::now();
        let mut tick = tokio::time::interval(KEEPALIVE);
        let why = loop {
            tokio::select! {
                heard = rx.recv() => match heard {
                    Some(Heard::Message(m)) => {
                        last_ok = crate::app::now_unix();
                        let Some(h) = hub.upgrade() else { task.abort(); return };
                        if handle(&h, &store, &pool, &shared, &tx, &m).await {
                            own_seen = Instant::now();
                        }
                    }
                    Some(Heard::Lost(why)) => break why,
                    None => break "listener ended".to_owned(),
                },
                _ = tick.tick() => {
                    let Some(h) = hub.upgrade() else { task.abort(); return };
                    let _ = tx.try_send("K".into());
                    expire_peers(&h, &store, &shared).await;
                    if own_seen.elapsed() > PEER_TIMEOUT {
                        break "no keepalive of our own received".to_owned();
                    }
                }
            }
        };
        task.abort();
        shared.listening.store(false, Ordering::Relaxed);
        shared.reconnects.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(reason = %why, "real-time fan-out: listener lost; reconnecting");
        tokio::time::sleep(retry).await;
    }
}

/// Handles one message; returns whether it was our own.
async fn handle(
    hub: &Arc<Hub>,
    store: &Arc<dyn Store>,
    pool: &PgPool,
    shared: &Arc<Shared>,
    tx: &mpsc::Sender<String>,
    payload: &str,
) -> bool {
    let mut lines = payload.split('\n');
    let head = lines.next().unwrap_or("");
    let origin = head.split('|').next().unwrap_or("");
    if origin == shared.origin {
        return true;
    }
    shared.received.fetch_add(1, Ordering::Relaxed);
    {
        let mut r = shared.remote.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        r.peers
            .entry(origin.to_owned())
            .or_insert_with(|| Peer { seen: Instant::now(), topics: HashMap::new(), pending: None })
            .seen = Instant::now();
    }
    for line in lines {
        if let Some(id) = line.strip_prefix('R') {
            let body = match id.parse::<i64>() {
                Ok(id) => sqlx::query("SELECT body FROM rt_fanout_spill WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|r| r.try_get::<String, _>(0).ok()),
                Err(_) => None,
            };
            if let Some(b) = body {
                line_in(hub, store, shared, tx, origin, &b).await;
            }
        } else {
            line_in(hub, store, shared, tx, origin, line).await;
        }
    }
    false
}

async fn line_in(
    hub: &Arc<Hub>,
    store: &Arc<dyn Store>,
    shared: &Arc<Shared>,
    tx: &mpsc::Sender<String>,
    origin: &str,
    line: &str,
) {
    let (kind, rest) = line.split_at(line.len().min(1));
    match kind {
        "E" => {
            let Some((topic, text)) = rest.split_once('\t') else { return };
            if topic.starts_with("a:") {
                let Some(id) = event_id(text) else { return };
                if !lock(&shared.recent).insert(&id) {
                    return;
                }
            }
            hub.deliver(topic, &Arc::from(text));
        }
        "+" | "-" => {
            let (topic, spec) = match rest.split_once('\t') {
                Some((t, s)) => (t, serde_json::from_str(s).unwrap_or(Json::Null)),
                None => (rest, Json::Null),
            };
            let changes = {
                let mut r =
                    shared.remote.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                let Some(peer) = r.peers.get_mut(origin) else { return };
                let set = peer.pending.as_mut().unwrap_or(&mut peer.topics);
                if kind == "+" {
                    set.insert(topic.to_owned(), spec);
                } else {
                    set.remove(topic);
                }
                if peer.pending.is_some() {
                    Vec::new()
                } else if kind == "+" {
                    let spec = peer.topics.get(topic).cloned().unwrap_or(Json::Null);
                    count(&mut r, topic, &spec, 1)
                } else {
                    count(&mut r, topic, &Json::Null, -1)
                }
            };
            apply(hub, store, shared, changes).await;
        }
        "S" => {
            let mut r = shared.remote.write().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(p) = r.peers.get_mut(origin) {
                p.pending = Some(HashMap::new());
            }
        }
        "F" => {
            let changes = {
                let mut r =
                    shared.remote.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                let Some(p) = r.peers.get_mut(origin) else { return };
                let Some(new) = p.pending.take() else { return };
                let old = std::mem::replace(&mut p.topics, new.clone());
                let mut changes = Vec::new();
                for (t, spec) in &new {
                    if !old.contains_key(t) {
                        changes.extend(count(&mut r, t, spec, 1));
                    }
                }
                for t in old.keys() {
                    if !new.contains_key(t) {
                        changes.extend(count(&mut r, t, &Json::Null, -1));
                    }
                }
                changes
            };
            apply(hub, store, shared, changes).await;
        }
        "H" => announce(hub, shared, tx),
        "A" => {
            if let Err(e) = hub.reload_alert(store, rest).await {
                tracing::warn!(error = %e, alert = rest, "real-time fan-out: could not reload an alert");
            }
        }
        _ => {} // K (keepalive: the peer was seen above), or a newer version's line
    }
}

/// (topic, spec, on): an indicator topic that became wanted by some other instance (or by none).
type Change = (String, Json, bool);

fn count(r: &mut Remote, topic: &str, spec: &Json, delta: i64) -> Vec<Change> {
    let n = r.count.entry(topic.to_owned()).or_insert(0);
    let before = *n;
    if delta > 0 {
        *n += 1;
    } else {
        *n = n.saturating_sub(1);
    }
    let after = *n;
    if after == 0 {
        r.count.remove(topic);
    }
    if !topic.starts_with("i:") {
        return Vec::new();
    }
    match (before, after) {
        (0, 1) => vec![(topic.to_owned(), spec.clone(), true)],
        (1, 0) => vec![(topic.to_owned(), Json::Null, false)],
        _ => Vec::new(),
    }
}

async fn apply(hub: &Arc<Hub>, store: &Arc<dyn Store>, shared: &Shared, changes: Vec<Change>) {
    let any =
        !shared.remote.read().unwrap_or_else(std::sync::PoisonError::into_inner).count.is_empty();
    shared.remote_any.store(any, Ordering::Relaxed);
    for (topic, spec, on) in changes {
        let spec = if on { spec_from_json(&spec) } else { None };
        if on && spec.is_none() {
            continue;
        }
        if let Err(e) = hub.remote_interest(store, &topic, spec.as_ref(), on).await {
            tracing::warn!(error = %e, topic, "real-time fan-out: indicator wanted elsewhere");
        }
    }
}

/// Sends our whole topic set (`S`, `+`..., `F`), when another instance asks (`H`).
fn announce(hub: &Hub, shared: &Shared, tx: &mpsc::Sender<String>) {
    let specs = lock(&shared.specs).clone();
    let mut lines = vec!["S".to_owned()];
    for t in hub.local_topics() {
        if t.starts_with("q:") || t.starts_with("i:") {
            lines.push(interest_line(&t, specs.get(&t).unwrap_or(&Json::Null)));
        }
    }
    lines.push("F".into());
    for l in lines {
        if tx.try_send(l).is_err() {
            shared.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn expire_peers(hub: &Arc<Hub>, store: &Arc<dyn Store>, shared: &Shared) {
    let changes = {
        let mut r = shared.remote.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        let gone: Vec<String> = r
            .peers
            .iter()
            .filter(|(_, p)| p.seen.elapsed() > PEER_TIMEOUT)
            .map(|(k, _)| k.clone())
            .collect();
        let mut changes = Vec::new();
        for g in gone {
            if let Some(p) = r.peers.remove(&g) {
                for t in p.topics.keys() {
                    changes.extend(count(&mut r, t, &Json::Null, -1));
                }
            }
        }
        changes
    };
    apply(hub, store, shared, changes).await;
}

/// Delivers the alert events created since `since` (unix seconds) that were not delivered yet.
async fn catch_up(hub: &Arc<Hub>, pool: &PgPool, shared: &Shared, since: i64) {
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLS} FROM rt_alert_events WHERE created_at >= $1 \
         ORDER BY created_at, ts, id LIMIT $2"
    ))
    .bind(since)
    .bind(CATCH_UP_LIMIT)
    .fetch_all(pool)
    .await;
    let rows = match rows {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "real-time fan-out: catch-up failed");
            return;
        }
    };
    let mut n = 0;
    for r in &rows {
        let read = |r: &sqlx::postgres::PgRow| -> Result<crate::store::AlertEventRec, sqlx::Error> {
            crate::store::realtime::event_row!(r)
        };
        let Ok(e) = read(r) else { continue };
        if !lock(&shared.recent).insert(&e.id) {
            continue;
        }
        let text: Arc<str> = Arc::from(super::event_json(&e).to_string());
        hub.deliver(&super::hub::topic_alerts(&e.user_id), &text);
        n += 1;
    }
    shared.caught_up.fetch_add(n, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::event_id;
    use crate::store::AlertEventRec;

    #[test]
    fn event_id_reads_the_events_the_hub_writes_and_parses_other_text() {
        let e = AlertEventRec {
            id: "0193a1b2c3d4e5f60718293a4b5c6d7e".into(),
            alert_id: "ffeeddccbbaa99887766554433221100".into(),
            user_id: "u".into(),
            symbol: "MSFT".into(),
            ts: 1_767_000_000,
            direction: "above".into(),
            value: 101.5,
            threshold: 100.0,
            created_at: 1_767_000_001,
        };
        let text = super::super::event_json(&e).to_string();
        assert_eq!(event_id(&text).as_deref(), Some(e.id.as_str()));
        // spaces, or an id that is not hex: parsed as JSON
        assert_eq!(event_id(r#"{"alert_id": "a", "id": "x-1"}"#).as_deref(), Some("x-1"));
        assert_eq!(event_id(r#"{"id":"not hex","alert_id":"ab"}"#).as_deref(), Some("not hex"));
        assert_eq!(event_id(r#"{"alert_id":"ab"}"#), None);
        assert_eq!(event_id("not json"), None);
    }
}
