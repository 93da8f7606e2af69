//! The hub: one engine behind an async lock (every ingest applies its quotes, commits bars,
//! alert sides and events to the store in one transaction, then publishes), the subscription
//! index and the bounded per-client queues.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Instant;

use serde_json::{json, Value as Json};
use tokio::sync::{mpsc, Mutex, Notify};

use super::engine::{self, Condition, Effect, IndSpec, LiveAlert, Series, Taken};
use super::fanout::Fanout;
use super::{Quote, RealtimeOptions};
use crate::app::now_unix;
use crate::error::ApiError;
use crate::market::{self, Interval, Zone};
use crate::store::{AlertEventRec, AlertRec, Bar, NewsMention, NewsRec, RtCommit, Store};

/// Per quote topic: when it was last published and the latest quote held back since.
type Throttle = HashMap<String, (Instant, Option<Arc<str>>)>;

/// One connected client's side of the hub.
#[derive(Debug)]
pub struct Client {
    /// Owner.
    pub user_id: String,
    /// Its bounded queue of serialized events.
    pub tx: mpsc::Sender<Arc<str>>,
    /// Events dropped since the last `lagged` notice.
    pub dropped: AtomicU64,
    /// Events dropped in total.
    pub dropped_total: AtomicU64,
    /// Set when the client must be disconnected as too slow.
    pub kill: Notify,
}

#[derive(Debug, Default)]
struct Subs {
    clients: HashMap<u64, Arc<Client>>,
    topics: HashMap<String, HashSet<u64>>,
}

#[derive(Debug, Default)]
struct Engine {
    /// Incremented when the state is dropped after a failed commit.
    epoch: u64,
    loaded: bool,
    zones: HashMap<String, Zone>,
    series: HashMap<(String, Interval), Series>,
    last_tick: HashMap<String, Quote>,
    streams: usize,
    alerts_per_user: HashMap<String, usize>,
    /// Indicator subscriptions per (symbol, interval, key).
    ind_subs: HashMap<(String, Interval, String), usize>,
}

/// The writer lock held by a group commit; dropped while armed (the commit abandoned), it marks
/// the engine state for a reload and fails the ingests applied on top of it.
struct Leader<'a> {
    writer: tokio::sync::MutexGuard<'a, Option<u64>>,
    newest: u64,
    armed: bool,
    diverged: &'a std::sync::atomic::AtomicBool,
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if self.armed {
            *self.writer = Some(self.newest);
            self.diverged.store(true, Ordering::SeqCst);
        }
    }
}

/// An applied ingest waiting for its commit.
struct Pending {
    epoch: u64,
    accepted: u64,
    commit: RtCommit,
    effects: Vec<Effect>,
    quotes: Vec<(String, Quote)>,
    done: tokio::sync::oneshot::Sender<Result<(), ()>>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("epoch", &self.epoch).finish_non_exhaustive()
    }
}

/// One commit for a group of ingests, in order: a bar or an alert written by several keeps
/// its last state (an alert's firings add up), events are all kept.
fn merge<'a>(commits: impl Iterator<Item = &'a RtCommit>) -> RtCommit {
    let mut out = RtCommit::default();
    let mut bars: HashMap<(String, String, i64), usize> = HashMap::new();
    let mut sides: HashMap<String, usize> = HashMap::new();
    for c in commits {
        out.fired_at = out.fired_at.max(c.fired_at);
        for (s, iv, b) in &c.bars {
            match bars.get(&(s.clone(), iv.clone(), b.ts)) {
                Some(&i) => out.bars[i].2 = *b,
                None => {
                    bars.insert((s.clone(), iv.clone(), b.ts), out.bars.len());
                    out.bars.push((s.clone(), iv.clone(), *b));
                }
            }
        }
        for (id, side, n) in &c.sides {
            match sides.get(id) {
                Some(&i) => {
                    out.sides[i].1 = *side;
                    out.sides[i].2 += n;
                }
                None => {
                    sides.insert(id.clone(), out.sides.len());
                    out.sides.push((id.clone(), *side, *n));
                }
            }
        }
        out.events.extend(c.events.iter().cloned());
    }
    out
}

/// Answer of the group commit to one queued ingest (`Err`: the live state is being reloaded).
type Committed = tokio::sync::oneshot::Receiver<Result<(), ()>>;

/// An ingest applied and queued for its commit ([`Hub::ingest_queued`]); its answer is given
/// once [`Hub::committed`] saw the commit written.
#[derive(Debug)]
pub struct Queued {
    result: Committed,
    answer: Json,
}

/// What [`Hub::apply`] did.
struct Applied {
    accepted: u64,
    duplicates: u64,
    late: u64,
    effects: Vec<Effect>,
    /// Series that took a tick.
    dirty: Vec<(String, Interval)>,
    closed: Vec<(String, Interval, Bar)>,
    /// Applied quotes, kept only when there are quote subscribers.
    quotes: Vec<(String, Quote)>,
}

/// The real-time hub (one per server).
#[derive(Debug)]
pub struct Hub {
    opts: RealtimeOptions,
    engine: Mutex<Engine>,
    /// The writer queue: an ingest commits and publishes holding it (a fair lock: in the order
    /// the ingests applied their quotes). Holds the engine epoch whose commit failed, if any.
    writer: Mutex<Option<u64>>,
    /// Applied ingests waiting for the writer, in the order they were applied.
    queue: std::sync::Mutex<Vec<Pending>>,
    /// Set when a group commit was abandoned: the next ingest reloads the state.
    diverged: std::sync::atomic::AtomicBool,
    /// Quote subscriptions (quotes are only kept for publishing when there are some).
    quote_subs: AtomicU64,
    subs: RwLock<Subs>,
    next_id: AtomicU64,
    throttle: std::sync::Mutex<Throttle>,
    /// Quotes applied since start.
    pub quotes_in: AtomicU64,
    /// Events handed to client queues since start.
    pub events_out: AtomicU64,
    /// The fan-out to the other instances on the same PostgreSQL (realtime/fanout.rs).
    fanout: OnceLock<Arc<Fanout>>,
    /// Live portfolio values (realtime/portfolio.rs).
    pub(super) portfolios: super::portfolio::Registry,
}

fn topic_quote(symbol: &str) -> String {
    format!("q:{symbol}")
}
/// Topic key of closed bars.
pub fn topic_bar(symbol: &str, iv: Interval) -> String {
    format!("b:{symbol}:{}", iv.as_str())
}
/// Topic key of indicator values.
pub fn topic_ind(symbol: &str, iv: Interval, key: &str) -> String {
    format!("i:{symbol}:{}:{key}", iv.as_str())
}
/// Topic key of a user's alert events.
pub fn topic_alerts(user: &str) -> String {
    format!("a:{user}")
}
/// Topic key of news mentioning a symbol (`*`: all news).
pub fn topic_news(symbol: &str) -> String {
    format!("n:{symbol}")
}

impl Hub {
    /// A hub with these settings.
    #[must_use]
    pub fn new(opts: RealtimeOptions) -> Self {
        Self {
            opts,
            engine: Mutex::default(),
            writer: Mutex::new(None),
            queue: std::sync::Mutex::default(),
            diverged: std::sync::atomic::AtomicBool::new(false),
            quote_subs: AtomicU64::new(0),
            subs: RwLock::default(),
            next_id: AtomicU64::new(1),
            throttle: std::sync::Mutex::default(),
            quotes_in: AtomicU64::new(0),
            events_out: AtomicU64::new(0),
            fanout: OnceLock::new(),
            portfolios: super::portfolio::Registry::default(),
        }
    }

    /// The settings.
    #[must_use]
    pub fn options(&self) -> &RealtimeOptions {
        &self.opts
    }

    /// Starts the quote-throttle flusher (when throttling is on). Needs a Tokio runtime.
    pub fn start(self: &Arc<Self>) {
        let period = self.opts.quote_throttle;
        if period.is_zero() {
            return;
        }
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                let Some(hub) = weak.upgrade() else { return };
                let due: Vec<(String, Arc<str>)> = {
                    let mut t =
                        hub.throttle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    let now = Instant::now();
                    t.iter_mut()
                        .filter(|(_, (last, p))| p.is_some() && now.duration_since(*last) >= period)
                        .filter_map(|(k, (last, p))| {
                            *last = now;
                            p.take().map(|x| (k.clone(), x))
                        })
                        .collect()
                };
                for (topic, text) in due {
                    hub.publish(&topic, &text);
                }
            }
        });
    }

    // --- clients and subscriptions --------------------------------------------------------------

    /// Registers a client; returns its id, its handle and the receiving end of its queue.
    pub fn connect(&self, user_id: &str) -> (u64, Arc<Client>, mpsc::Receiver<Arc<str>>) {
        let (tx, rx) = mpsc::channel(self.opts.queue_capacity.max(1));
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let c = Arc::new(Client {
            user_id: user_id.to_owned(),
            tx,
            dropped: AtomicU64::new(0),
            dropped_total: AtomicU64::new(0),
            kill: Notify::new(),
        });
        self.subs_w().clients.insert(id, c.clone());
        (id, c, rx)
    }

    fn subs_w(&self) -> std::sync::RwLockWriteGuard<'_, Subs> {
        self.subs.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    fn subs_r(&self) -> std::sync::RwLockReadGuard<'_, Subs> {
        self.subs.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Removes a client and its subscriptions (`topics`: the ones it held).
    pub async fn disconnect(&self, id: u64, topics: &[String]) {
        let mut emptied = Vec::new();
        {
            let mut s = self.subs_w();
            s.clients.remove(&id);
            for t in topics {
                if let Some(set) = s.topics.get_mut(t) {
                    if set.remove(&id) && t.starts_with("q:") {
                        self.quote_subs.fetch_sub(1, Ordering::Relaxed);
                    }
                    if set.is_empty() {
                        s.topics.remove(t);
                        emptied.push(t);
                    }
                }
            }
        }
        for t in emptied {
            self.fanout_interest(t, false);
        }
        for t in topics {
            if let Some(pid) = t.strip_prefix("p:") {
                self.portfolios.release(pid);
            }
        }
        let mut eng = self.engine.lock().await;
        for t in topics {
            if let Some(k) = parse_ind_topic(t) {
                release_ind(&mut eng, k);
            }
        }
    }

    /// Adds a subscription.
    pub fn subscribe(&self, id: u64, topic: &str) {
        let first = {
            let mut s = self.subs_w();
            let set = s.topics.entry(topic.to_owned()).or_default();
            let added = set.insert(id);
            if added && topic.starts_with("q:") {
                self.quote_subs.fetch_add(1, Ordering::Relaxed);
            }
            added && set.len() == 1
        };
        if first {
            self.fanout_interest(topic, true);
        }
    }

    /// Removes a subscription (indicator topics also release their value events).
    pub async fn unsubscribe(&self, id: u64, topic: &str) {
        let last = {
            let mut s = self.subs_w();
            let mut last = false;
            if let Some(set) = s.topics.get_mut(topic) {
                if set.remove(&id) && topic.starts_with("q:") {
                    self.quote_subs.fetch_sub(1, Ordering::Relaxed);
                }
                if set.is_empty() {
                    s.topics.remove(topic);
                    last = true;
                }
            }
            last
        };
        if last {
            self.fanout_interest(topic, false);
        }
        if let Some(pid) = topic.strip_prefix("p:") {
            self.portfolios.release(pid);
        }
        if let Some(k) = parse_ind_topic(topic) {
            release_ind(&mut *self.engine.lock().await, k);
        }
    }

    /// Prepares an indicator subscription: the state exists (fed from the stored bars) and its
    /// values are emitted. Returns the current `(bar ts, values)`.
    pub async fn subscribe_indicator(
        &self,
        store: &Arc<dyn Store>,
        symbol: &str,
        iv: Interval,
        spec: &IndSpec,
    ) -> Result<(i64, Json), ApiError> {
        let mut eng = self.engine.lock().await;
        self.load(&mut eng, store).await?;
        self.ensure_indicator(&mut eng, store, symbol, iv, spec).await?;
        *eng.ind_subs.entry((symbol.to_owned(), iv, spec.key.clone())).or_default() += 1;
        let s = eng
            .series
            .get_mut(&(symbol.to_owned(), iv))
            .ok_or(ApiError::NoSuchResource("instrument"))?;
        s.set_emitting(&spec.key, true);
        if let Some(f) = self.fanout.get() {
            f.remember_spec(&topic_ind(symbol, iv, &spec.key), spec);
        }
        Ok(s.indicator_json(&spec.key).unwrap_or((0, Json::Null)))
    }

    /// Whether the symbol is a stored instrument (cached).
    pub async fn known(&self, store: &Arc<dyn Store>, symbol: &str) -> Result<bool, ApiError> {
        let mut eng = self.engine.lock().await;
        Ok(zone_of(&mut eng, store, symbol).await?.is_some())
    }

    /// Hands a serialized event to every subscriber of `topic`; a full queue drops it for that
    /// client (counted; the client is told it lagged, and disconnected past the limit).
    pub fn publish(&self, topic: &str, text: &Arc<str>) {
        self.deliver(topic, text);
        if let Some(f) = self.fanout.get() {
            f.forward(topic, text);
        }
    }

    /// [`Hub::publish`] to this instance's subscribers only (events from other instances).
    pub(super) fn deliver(&self, topic: &str, text: &Arc<str>) {
        let s = self.subs_r();
        let Some(ids) = s.topics.get(topic) else { return };
        for id in ids {
            let Some(c) = s.clients.get(id) else { continue };
            match c.tx.try_send(text.clone()) {
                Ok(()) => {
                    self.events_out.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    c.dropped.fetch_add(1, Ordering::Relaxed);
                    if c.dropped_total.fetch_add(1, Ordering::Relaxed) + 1 > self.opts.max_dropped {
                        c.kill.notify_one();
                    }
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    fn has_subscribers(&self, topic: &str) -> bool {
        self.subs_r().topics.contains_key(topic)
            || self.fanout.get().is_some_and(|f| f.wants(topic))
    }

    fn publish_json(&self, topic: &str, v: &Json) {
        if self.has_subscribers(topic) {
            self.publish(topic, &Arc::from(v.to_string()));
        }
    }

    fn publish_quote(&self, symbol: &str, q: &Quote) {
        let topic = topic_quote(symbol);
        if !self.has_subscribers(&topic) {
            return;
        }
        let text: Arc<str> = Arc::from(
            json!({"type": "quote", "symbol": symbol, "ts": q.ts, "price": q.price,
                "volume": q.volume})
            .to_string(),
        );
        let period = self.opts.quote_throttle;
        if !period.is_zero() {
            let mut t = self.throttle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            match t.get_mut(&topic) {
                Some((last, pending)) if now.duration_since(*last) < period => {
                    *pending = Some(text);
                    return;
                }
                Some((last, pending)) => {
                    *last = now;
                    *pending = None;
                }
                None => {
                    t.insert(topic.clone(), (now, None));
                }
            }
        }
        self.publish(&topic, &text);
    }

    /// Publishes scored news items to the `news` subscribers of the instruments they mention
    /// (and of `*`).
    pub fn publish_news(&self, items: &[(NewsRec, Vec<NewsMention>)]) {
        for (n, mentions) in items {
            let ev = json!({"type": "news", "id": n.id, "source": n.source,
                "published_at": market::format_time(n.published_at), "title": n.title,
                "url": n.url, "score": crate::convert::f64_to_json(n.score),
                "mentions": mentions.iter().map(|m| json!({"symbol": m.symbol,
                    "score": crate::convert::f64_to_json(m.score)})).collect::<Vec<_>>()});
            let text: Arc<str> = Arc::from(ev.to_string());
            self.publish(&topic_news("*"), &text);
            for m in mentions {
                self.publish(&topic_news(&m.symbol), &text);
            }
        }
    }

    // --- the engine -----------------------------------------------------------------------------

    /// Loads every stored alert once (after a restart: sides as stored, indicator states rebuilt
    /// from the stored bars).
    async fn load(&self, eng: &mut Engine, store: &Arc<dyn Store>) -> Result<(), ApiError> {
        if eng.loaded {
            return Ok(());
        }
        let mut offset = 0;
        loop {
            let page = store.alerts_of(None, 5000, offset).await?;
            offset += 5000;
            for a in &page {
                let Ok(iv) = Interval::parse("interval", &a.interval) else { continue };
                let Ok(cond) = Condition::parse(&super::spec_object(a)) else { continue };
                self.attach(eng, store, a, cond, iv).await?;
            }
            if page.len() < 5000 {
                break;
            }
        }
        eng.loaded = true;
        Ok(())
    }

    async fn ensure_series(
        &self,
        eng: &mut Engine,
        store: &Arc<dyn Store>,
        symbol: &str,
        iv: Interval,
    ) -> Result<(), ApiError> {
        if eng.series.contains_key(&(symbol.to_owned(), iv)) {
            return Ok(());
        }
        let zone =
            zone_of(eng, store, symbol).await?.ok_or(ApiError::NoSuchResource("instrument"))?;
        let last = store.latest_bar(symbol, iv.as_str()).await?;
        let s = Series::new(symbol, iv, zone, last.as_slice());
        eng.series.insert((symbol.to_owned(), iv), s);
        Ok(())
    }

    async fn ensure_indicator(
        &self,
        eng: &mut Engine,
        store: &Arc<dyn Store>,
        symbol: &str,
        iv: Interval,
        spec: &IndSpec,
    ) -> Result<(), ApiError> {
        self.ensure_series(eng, store, symbol, iv).await?;
        let key = (symbol.to_owned(), iv);
        if eng.series.get(&key).is_some_and(|s| s.has_indicator(&spec.key)) {
            return Ok(());
        }
        if eng.streams >= self.opts.max_streams {
            return Err(ApiError::Conflict(format!(
                "the server holds {} streaming indicator states, its limit",
                self.opts.max_streams
            )));
        }
        let bars = store.bars(symbol, iv.as_str(), i64::MIN, i64::MAX).await?;
        if let Some(s) = eng.series.get_mut(&key) {
            s.add_indicator(spec, &bars)?;
            eng.streams += 1;
        }
        Ok(())
    }

    async fn attach(
        &self,
        eng: &mut Engine,
        store: &Arc<dyn Store>,
        a: &AlertRec,
        cond: Condition,
        iv: Interval,
    ) -> Result<(), ApiError> {
        self.ensure_series(eng, store, &a.symbol, iv).await?;
        for spec in cond.left.iter().chain(match &cond.right {
            engine::Right::Ind(s) => Some(&**s),
            _ => None,
        }) {
            self.ensure_indicator(eng, store, &a.symbol, iv, spec).await?;
        }
        *eng.alerts_per_user.entry(a.user_id.clone()).or_default() += 1;
        if let Some(s) = eng.series.get_mut(&(a.symbol.clone(), iv)) {
            s.push_alert(LiveAlert {
                id: a.id.clone(),
                user_id: a.user_id.clone(),
                cond,
                side: a.side,
            });
        }
        Ok(())
    }

    /// Stores and activates a new alert (404 for an unknown instrument, 409 over the user's
    /// limit).
    pub async fn add_alert(
        &self,
        store: &Arc<dyn Store>,
        a: &AlertRec,
        cond: Condition,
        iv: Interval,
    ) -> Result<(), ApiError> {
        if !self.opts.intervals.contains(&iv) {
            return Err(ApiError::InvalidField {
                field: "interval",
                reason: format!("live candles are built for {}", intervals_text(&self.opts)),
            });
        }
        let mut eng = self.engine.lock().await;
        self.load(&mut eng, store).await?;
        if eng.alerts_per_user.get(&a.user_id).copied().unwrap_or(0)
            >= self.opts.max_alerts_per_user
        {
            return Err(ApiError::Conflict(format!(
                "{} alerts, the most one account may have",
                self.opts.max_alerts_per_user
            )));
        }
        if zone_of(&mut eng, store, &a.symbol).await?.is_none() {
            return Err(ApiError::NoSuchResource("instrument"));
        }
        store.create_alert(a).await?;
        self.attach(&mut eng, store, a, cond, iv).await?;
        if let Some(f) = self.fanout.get() {
            f.alert_changed(&a.id);
        }
        Ok(())
    }

    /// Deletes an alert.
    pub async fn remove_alert(&self, store: &Arc<dyn Store>, a: &AlertRec) -> Result<(), ApiError> {
        let mut eng = self.engine.lock().await;
        self.load(&mut eng, store).await?;
        store.delete_alert(&a.id).await?;
        for s in eng.series.values_mut() {
            s.remove_alerts(&a.id);
        }
        if let Some(n) = eng.alerts_per_user.get_mut(&a.user_id) {
            *n = n.saturating_sub(1);
        }
        if let Some(f) = self.fanout.get() {
            f.alert_changed(&a.id);
        }
        Ok(())
    }

    /// Applies quotes to the engine (the first part of [`Hub::ingest`]).
    async fn apply(
        &self,
        eng: &mut Engine,
        store: &Arc<dyn Store>,
        quotes: Vec<(usize, String, Quote)>,
        refused: &mut Vec<Json>,
    ) -> Result<Applied, ApiError> {
        self.load(eng, store).await?;
        let (mut accepted, mut duplicates, mut late) = (0u64, 0u64, 0u64);
        let mut effects = Vec::new();
        let mut dirty: Vec<(String, Interval)> = Vec::new();
        let mut closed: Vec<(String, Interval, Bar)> = Vec::new();
        // quotes are collected for publishing when a client here, or another instance, may want them
        let quote_subs = self.quote_subs.load(Ordering::Relaxed) > 0 || self.fanout.get().is_some();
        let mut applied: Vec<(String, Quote)> = Vec::new();
        // one key reused for every lookup: no allocation per quote
        let mut key = (String::new(), Interval::M1);
        for (row, symbol, q) in quotes {
            if zone_of(eng, store, &symbol).await?.is_none() {
                refused.push(json!({"row": row, "reason": "no instrument with this symbol"}));
                continue;
            }
            if eng.last_tick.get(&symbol) == Some(&q) {
                duplicates += 1;
                continue;
            }
            let mut taken_any = false;
            for &iv in &self.opts.intervals {
                key.0.clear();
                key.0.push_str(&symbol);
                key.1 = iv;
                if !eng.series.contains_key(&key) {
                    self.ensure_series(eng, store, &symbol, iv).await?;
                }
                let Some(s) = eng.series.get_mut(&key) else { continue };
                let start = effects.len();
                let was_dirty = s.dirty;
                if s.tick(q.ts, q.price, q.volume, &mut effects)? == Taken::Applied {
                    taken_any = true;
                    if !was_dirty {
                        dirty.push((symbol.clone(), iv));
                    }
                }
                for e in &effects[start..] {
                    if let Effect::BarClosed { symbol, interval, bar } = e {
                        closed.push((symbol.clone(), *interval, *bar));
                    }
                }
            }
            if taken_any {
                accepted += 1;
                match eng.last_tick.get_mut(&symbol) {
                    Some(t) => *t = q,
                    None => {
                        eng.last_tick.insert(symbol.clone(), q);
                    }
                }
                if quote_subs {
                    applied.push((symbol, q));
                }
            } else {
                late += 1;
            }
        }
        Ok(Applied { accepted, duplicates, late, effects, dirty, closed, quotes: applied })
    }

    /// Applies quotes in order (duplicates and late ticks dropped by the stated rules), commits
    /// the touched bars, alert sides and fired events in one transaction, then publishes.
    /// `refused` rows (from parsing) are reported back.
    ///
    /// The quotes are applied under the engine lock; the commit is not: the ingest takes its
    /// place in the writer queue (first come, first served) before it lets the engine go, so the
    /// next ingest is applied while this one is written, and commits and publications keep the
    /// order in which the quotes were applied. The answer comes after the commit.
    pub async fn ingest(
        &self,
        store: &Arc<dyn Store>,
        quotes: Vec<(usize, String, Quote)>,
        refused: Vec<Json>,
    ) -> Result<Json, ApiError> {
        let queued = self.ingest_queued(store, quotes, refused).await?;
        self.committed(store, queued).await
    }

    /// [`Hub::ingest`] up to its place in the writer queue: the quotes are applied (the next
    /// ingest sees them) and their commit is queued. [`Hub::committed`] waits for the commit
    /// and gives the answer. A connection that sends several `quotes` messages without waiting
    /// for each answer applies the next one while this one is written (a pipeline; the commits
    /// and answers keep the order of application).
    pub async fn ingest_queued(
        &self,
        store: &Arc<dyn Store>,
        quotes: Vec<(usize, String, Quote)>,
        mut refused: Vec<Json>,
    ) -> Result<Queued, ApiError> {
        let mut eng = self.engine.lock().await;
        if self.diverged.swap(false, Ordering::SeqCst) {
            // a commit was abandoned half-way (its request was cancelled): reload
            let e = eng.epoch;
            *eng = Engine { epoch: e + 1, ..Engine::default() };
        }
        let epoch = eng.epoch;
        let applied = match self.apply(&mut eng, store, quotes, &mut refused).await {
            Ok(a) => a,
            Err(e) => {
                // memory may be ahead of the store: once the ingests applied before are
                // written, start again from the store
                let writer = self.writer.lock().await;
                let _ = self.write_group(store, writer).await;
                *eng = Engine { epoch: epoch + 1, ..Engine::default() };
                self.diverged.store(false, Ordering::SeqCst);
                return Err(e);
            }
        };
        let Applied { accepted, duplicates, late, effects, dirty, closed, quotes: applied } =
            applied;
        // the commit: closed candles and the forming ones, alert sides, fired events
        let now = now_unix();
        let mut commit = RtCommit::default();
        for (symbol, iv, bar) in closed {
            commit.bars.push((symbol, iv.as_str().to_owned(), bar));
        }
        for key in dirty {
            if let Some(s) = eng.series.get_mut(&key) {
                s.dirty = false;
                s.take_sides(&mut commit.sides);
                if let Some(b) = s.forming {
                    commit.bars.push((key.0, key.1.as_str().to_owned(), b));
                }
            }
        }
        let mut fired = Vec::new();
        for e in &effects {
            if let Effect::Fired { alert_id, user_id, symbol, ts, direction, value, threshold } = e
            {
                fired.push(AlertEventRec {
                    id: crate::auth::time_ordered_id(),
                    alert_id: alert_id.clone(),
                    user_id: user_id.clone(),
                    symbol: symbol.clone(),
                    ts: *ts,
                    direction: (*direction).to_owned(),
                    value: *value,
                    threshold: *threshold,
                    created_at: now,
                });
            }
        }
        commit.fired_at = now;
        commit.events = fired;
        let n_fired = commit.events.len();
        let result = self.enqueue(eng, |done| Pending {
            epoch,
            accepted,
            commit,
            effects,
            quotes: applied,
            done,
        });
        let answer = json!({"received": accepted + duplicates + late + refused.len() as u64,
            "accepted": accepted, "duplicates": duplicates, "late": late,
            "alerts_fired": n_fired, "refused": refused});
        Ok(Queued { result, answer })
    }

    /// Waits until the commit of a [`Hub::ingest_queued`] is written (writing it, and whatever
    /// was queued with it, when no other caller is) and returns the ingest's answer.
    pub async fn committed(&self, store: &Arc<dyn Store>, q: Queued) -> Result<Json, ApiError> {
        self.wait_commit(store, q.result).await?;
        Ok(q.answer)
    }

    /// Joins the writer queue with the pending commit `pending` makes (its commit and what it
    /// publishes, answered on the channel it is given) in the order the engine applied it,
    /// lets the engine go (the next ingest applies meanwhile), and waits until a group commit
    /// wrote it. An error means the live state is being reloaded from the store.
    async fn commit_in_order(
        &self,
        store: &Arc<dyn Store>,
        eng: tokio::sync::MutexGuard<'_, Engine>,
        pending: impl FnOnce(tokio::sync::oneshot::Sender<Result<(), ()>>) -> Pending,
    ) -> Result<(), ApiError> {
        let result = self.enqueue(eng, pending);
        self.wait_commit(store, result).await
    }

    /// The first half of [`Hub::commit_in_order`]: joins the writer queue and lets the engine go.
    fn enqueue(
        &self,
        eng: tokio::sync::MutexGuard<'_, Engine>,
        pending: impl FnOnce(tokio::sync::oneshot::Sender<Result<(), ()>>) -> Pending,
    ) -> Committed {
        let (done, result) = tokio::sync::oneshot::channel();
        self.queue_lock().push(pending(done));
        drop(eng);
        result
    }

    /// The second half of [`Hub::commit_in_order`]: waits for the group commit that writes it.
    async fn wait_commit(
        &self,
        store: &Arc<dyn Store>,
        mut result: Committed,
    ) -> Result<(), ApiError> {
        let writer = self.writer.lock().await;
        // a leader before us may have written (or failed) this one with its group
        let outcome = match result.try_recv() {
            Ok(r) => r,
            Err(_) => {
                if let Some((failed, e)) = self.write_group(store, writer).await {
                    let mut eng = self.engine.lock().await;
                    if eng.epoch == failed {
                        *eng = Engine { epoch: failed + 1, ..Engine::default() };
                    }
                    return Err(e.into());
                }
                result.await.unwrap_or(Err(()))
            }
        };
        outcome.map_err(|()| {
            ApiError::Conflict(
                "the commit failed and the live state is reloaded from the store; send the \
                 quotes again"
                    .into(),
            )
        })
    }

    /// Stored bars of `symbol` at interval `iv` were written outside the live ingest (bulk
    /// ingest of corrections, late or missing bars), the earliest at `from`. When a live series
    /// holds them and a closed bar changed (`from` before its forming candle), its indicator
    /// states and alert sides are rebuilt from the stored bars ([`Series::rebuild`]: sides
    /// re-derived without firing); the changed sides are committed in order with the live
    /// ingests and the subscribed indicators' corrected values published. Returns whether a
    /// live series was rebuilt.
    pub async fn bars_changed(
        &self,
        store: &Arc<dyn Store>,
        symbol: &str,
        iv: Interval,
        from: i64,
    ) -> Result<bool, ApiError> {
        let mut eng = self.engine.lock().await;
        if self.diverged.load(Ordering::SeqCst) || !eng.loaded {
            // the state is (re)built from the store on its next use
            return Ok(false);
        }
        let key = (symbol.to_owned(), iv);
        match eng.series.get(&key).and_then(|s| s.forming) {
            Some(f) if from < f.ts => {}
            _ => return Ok(false),
        }
        let stored = store.bars(symbol, iv.as_str(), i64::MIN, i64::MAX).await?;
        let mut effects = Vec::new();
        let mut commit = RtCommit::default();
        if let Some(s) = eng.series.get_mut(&key) {
            s.rebuild(&stored, &mut effects)?;
            s.take_sides(&mut commit.sides);
        }
        commit.fired_at = now_unix();
        let epoch = eng.epoch;
        self.commit_in_order(store, eng, |done| Pending {
            epoch,
            accepted: 0,
            commit,
            effects,
            quotes: Vec::new(),
            done,
        })
        .await?;
        Ok(true)
    }

    fn queue_lock(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Group commit: writes every queued ingest in one transaction (in order), publishes their
    /// events in the same order, and answers each. Called holding the writer lock. Returns the
    /// engine epoch to drop when the commit failed (the caller resets the engine: this never
    /// takes the engine lock, which an ingest may hold while it waits for the writer).
    async fn write_group(
        &self,
        store: &Arc<dyn Store>,
        writer: tokio::sync::MutexGuard<'_, Option<u64>>,
    ) -> Option<(u64, crate::store::StoreError)> {
        let group: Vec<Pending> = std::mem::take(&mut *self.queue_lock());
        let (group, stale): (Vec<Pending>, Vec<Pending>) =
            group.into_iter().partition(|p| *writer != Some(p.epoch));
        for p in stale {
            // applied to a state whose earlier commit failed (it is being rebuilt)
            let _ = p.done.send(Err(()));
        }
        if group.is_empty() {
            return None;
        }
        let newest = group.iter().map(|p| p.epoch).max().unwrap_or(0);
        // if this future is dropped before the commit is settled (the leader's request was
        // cancelled), the group is lost: the guard marks the state for a reload
        let mut leader = Leader { writer, newest, armed: true, diverged: &self.diverged };
        let merged;
        let commit = if group.len() == 1 {
            &group[0].commit
        } else {
            merged = merge(group.iter().map(|p| &p.commit));
            &merged
        };
        if let Err(e) = store.rt_commit(commit).await {
            // memory is ahead of the store: start again from the store (every ingest applied
            // before the reset and queued behind this group fails the same way)
            tracing::error!(error = %e, "live ingest commit failed; reloading the live state");
            leader.armed = false;
            *leader.writer = Some(newest);
            drop(leader);
            for p in group {
                let _ = p.done.send(Err(()));
            }
            return Some((newest, e));
        }
        leader.armed = false;
        for p in group {
            self.quotes_in.fetch_add(p.accepted, Ordering::Relaxed);
            self.publish_applied(&p);
            let _ = p.done.send(Ok(()));
        }
        drop(leader);
        None
    }

    /// Publishes what one ingest produced (the queues never block).
    fn publish_applied(&self, p: &Pending) {
        for (symbol, q) in &p.quotes {
            self.publish_quote(symbol, q);
        }
        for e in &p.effects {
            match e {
                Effect::BarClosed { symbol, interval, bar } => self.publish_json(
                    &topic_bar(symbol, *interval),
                    &json!({"type": "bar", "symbol": symbol, "interval": interval.as_str(),
                        "ts": market::format_time(bar.ts), "open": bar.open, "high": bar.high,
                        "low": bar.low, "close": bar.close, "volume": bar.volume}),
                ),
                Effect::Indicator { symbol, interval, key, ts, final_, values } => self
                    .publish_json(
                        &topic_ind(symbol, *interval, key),
                        &engine::indicator_event(symbol, *interval, key, *ts, *final_, values),
                    ),
                _ => {}
            }
        }
        for ev in &p.commit.events {
            self.publish_json(&topic_alerts(&ev.user_id), &super::event_json(ev));
        }
    }
}

// --- fan-out across instances (realtime/fanout.rs) -----------------------------------------------

impl Hub {
    /// Attaches the fan-out (once); false when one is attached already.
    pub fn attach_fanout(&self, f: Arc<Fanout>) -> bool {
        self.fanout.set(f).is_ok()
    }

    /// The fan-out's state (`None`: single instance, or SQLite).
    #[must_use]
    pub fn fanout_status(&self) -> Option<Json> {
        self.fanout.get().map(|f| f.status())
    }

    fn fanout_interest(&self, topic: &str, on: bool) {
        if let Some(f) = self.fanout.get() {
            f.local_interest(topic, on);
        }
    }

    /// The topics with subscribers on this instance.
    pub(super) fn local_topics(&self) -> Vec<String> {
        self.subs_r().topics.keys().cloned().collect()
    }

    /// An alert was created or deleted on another instance: drop it and load it again from the
    /// store (when the alerts are loaded; otherwise the load will read it).
    pub(super) async fn reload_alert(
        &self,
        store: &Arc<dyn Store>,
        id: &str,
    ) -> Result<(), ApiError> {
        let mut eng = self.engine.lock().await;
        if !eng.loaded {
            return Ok(());
        }
        detach(&mut eng, id);
        if let Some(a) = store.alert(id).await? {
            if let (Ok(iv), Ok(cond)) = (
                Interval::parse("interval", &a.interval),
                Condition::parse(&super::spec_object(&a)),
            ) {
                self.attach(&mut eng, store, &a, cond, iv).await?;
            }
        }
        Ok(())
    }

    /// Makes the loaded alerts equal to the stored ones (after a lost fan-out listener: alerts
    /// created or deleted elsewhere meanwhile). The sides of alerts already loaded are kept.
    pub(super) async fn resync_alerts(&self, store: &Arc<dyn Store>) -> Result<(), ApiError> {
        let mut eng = self.engine.lock().await;
        if !eng.loaded {
            return Ok(());
        }
        let mut stored = Vec::new();
        let mut offset = 0;
        loop {
            let page = store.alerts_of(None, 5000, offset).await?;
            offset += 5000;
            let n = page.len();
            stored.extend(page);
            if n < 5000 {
                break;
            }
        }
        let have: HashSet<String> =
            eng.series.values().flat_map(|s| s.alerts.iter().map(|a| a.id.clone())).collect();
        let want: HashSet<&str> = stored.iter().map(|a| a.id.as_str()).collect();
        for id in have.iter().filter(|id| !want.contains(id.as_str())) {
            detach(&mut eng, id);
        }
        for a in stored.iter().filter(|a| !have.contains(&a.id)) {
            if let (Ok(iv), Ok(cond)) =
                (Interval::parse("interval", &a.interval), Condition::parse(&super::spec_object(a)))
            {
                self.attach(&mut eng, store, a, cond, iv).await?;
            }
        }
        Ok(())
    }

    /// Another instance gained (`on`) or lost its subscribers of an indicator topic: its values
    /// are emitted here as for a local subscription.
    pub(super) async fn remote_interest(
        &self,
        store: &Arc<dyn Store>,
        topic: &str,
        spec: Option<&IndSpec>,
        on: bool,
    ) -> Result<(), ApiError> {
        let Some(k) = parse_ind_topic(topic) else { return Ok(()) };
        let mut eng = self.engine.lock().await;
        if !on {
            release_ind(&mut eng, k);
            return Ok(());
        }
        let Some(spec) = spec.filter(|s| s.key == k.2) else { return Ok(()) };
        self.load(&mut eng, store).await?;
        self.ensure_indicator(&mut eng, store, &k.0, k.1, spec).await?;
        *eng.ind_subs.entry(k.clone()).or_default() += 1;
        if let Some(s) = eng.series.get_mut(&(k.0, k.1)) {
            s.set_emitting(&spec.key, true);
        }
        Ok(())
    }
}

fn detach(eng: &mut Engine, id: &str) {
    let mut owner = None;
    for s in eng.series.values_mut() {
        if let Some(i) = s.alerts.iter().position(|x| x.id == id) {
            owner = Some(s.alerts.remove(i).user_id);
        }
    }
    if let Some(n) = owner.and_then(|u| eng.alerts_per_user.get_mut(&u)) {
        *n = n.saturating_sub(1);
    }
}

fn intervals_text(o: &RealtimeOptions) -> String {
    o.intervals.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
}

async fn zone_of(
    eng: &mut Engine,
    store: &Arc<dyn Store>,
    symbol: &str,
) -> Result<Option<Zone>, ApiError> {
    if let Some(z) = eng.zones.get(symbol) {
        return Ok(Some(*z));
    }
    let Some(inst) = store.instrument(symbol).await? else { return Ok(None) };
    let z = Zone::of(&inst);
    eng.zones.insert(symbol.to_owned(), z);
    Ok(Some(z))
}

fn parse_ind_topic(t: &str) -> Option<(String, Interval, String)> {
    let rest = t.strip_prefix("i:")?;
    let (symbol, rest) = rest.split_once(':')?;
    let (iv, key) = rest.split_once(':')?;
    Some((symbol.to_owned(), Interval::parse("interval", iv).ok()?, key.to_owned()))
}

fn release_ind(eng: &mut Engine, k: (String, Interval, String)) {
    if let Some(n) = eng.ind_subs.get_mut(&k) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            eng.ind_subs.remove(&k);
            if let Some(s) = eng.series.get_mut(&(k.0.clone(), k.1)) {
                s.set_emitting(&k.2, false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(ts: i64, close: f64) -> Bar {
        Bar { ts, open: 1.0, high: 2.0, low: 0.5, close, volume: 3.0 }
    }

    #[test]
    fn a_group_commit_keeps_the_last_state_of_each_bar_and_alert() {
        let a = RtCommit {
            bars: vec![
                ("X".into(), "1m".into(), bar(60, 1.0)),
                ("Y".into(), "1m".into(), bar(60, 5.0)),
            ],
            sides: vec![("a1".into(), 1, 1), ("a2".into(), -1, 0)],
            fired_at: 10,
            events: Vec::new(),
        };
        let b = RtCommit {
            bars: vec![
                ("X".into(), "1m".into(), bar(60, 1.5)),
                ("X".into(), "1m".into(), bar(120, 2.0)),
            ],
            sides: vec![("a1".into(), -1, 1)],
            fired_at: 11,
            events: Vec::new(),
        };
        let m = merge([&a, &b].into_iter());
        assert_eq!(
            m.bars,
            vec![
                ("X".into(), "1m".into(), bar(60, 1.5)),
                ("Y".into(), "1m".into(), bar(60, 5.0)),
                ("X".into(), "1m".into(), bar(120, 2.0)),
            ]
        );
        assert_eq!(m.sides, vec![("a1".into(), -1, 2), ("a2".into(), -1, 0)]);
        assert_eq!(m.fired_at, 11);
    }
}
