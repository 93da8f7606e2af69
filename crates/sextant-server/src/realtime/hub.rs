//! The hub: one engine behind an async lock (every ingest applies its quotes, commits bars,
//! alert sides and events to the store in one transaction, then publishes), the subscription
//! index and the bounded per-client queues.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use serde_json::{json, Value as Json};
use tokio::sync::{mpsc, Mutex, Notify};

use super::engine::{self, Condition, Effect, IndSpec, LiveAlert, Series, Taken};
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
    loaded: bool,
    zones: HashMap<String, Zone>,
    series: HashMap<(String, Interval), Series>,
    last_tick: HashMap<String, Quote>,
    streams: usize,
    alerts_per_user: HashMap<String, usize>,
    /// Indicator subscriptions per (symbol, interval, key).
    ind_subs: HashMap<(String, Interval, String), usize>,
}

/// The real-time hub (one per server).
#[derive(Debug)]
pub struct Hub {
    opts: RealtimeOptions,
    engine: Mutex<Engine>,
    subs: RwLock<Subs>,
    next_id: AtomicU64,
    throttle: std::sync::Mutex<Throttle>,
    /// Quotes applied since start.
    pub quotes_in: AtomicU64,
    /// Events handed to client queues since start.
    pub events_out: AtomicU64,
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
            subs: RwLock::default(),
            next_id: AtomicU64::new(1),
            throttle: std::sync::Mutex::default(),
            quotes_in: AtomicU64::new(0),
            events_out: AtomicU64::new(0),
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
        {
            let mut s = self.subs_w();
            s.clients.remove(&id);
            for t in topics {
                if let Some(set) = s.topics.get_mut(t) {
                    set.remove(&id);
                    if set.is_empty() {
                        s.topics.remove(t);
                    }
                }
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
        self.subs_w().topics.entry(topic.to_owned()).or_default().insert(id);
    }

    /// Removes a subscription (indicator topics also release their value events).
    pub async fn unsubscribe(&self, id: u64, topic: &str) {
        {
            let mut s = self.subs_w();
            if let Some(set) = s.topics.get_mut(topic) {
                set.remove(&id);
                if set.is_empty() {
                    s.topics.remove(topic);
                }
            }
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
            s.alerts.push(LiveAlert {
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
        self.attach(&mut eng, store, a, cond, iv).await
    }

    /// Deletes an alert.
    pub async fn remove_alert(&self, store: &Arc<dyn Store>, a: &AlertRec) -> Result<(), ApiError> {
        let mut eng = self.engine.lock().await;
        self.load(&mut eng, store).await?;
        store.delete_alert(&a.id).await?;
        for s in eng.series.values_mut() {
            s.alerts.retain(|x| x.id != a.id);
        }
        if let Some(n) = eng.alerts_per_user.get_mut(&a.user_id) {
            *n = n.saturating_sub(1);
        }
        Ok(())
    }

    /// Applies quotes in order (duplicates and late ticks dropped by the stated rules), commits
    /// the touched bars, alert sides and fired events in one transaction, then publishes.
    /// `refused` rows (from parsing) are reported back.
    pub async fn ingest(
        &self,
        store: &Arc<dyn Store>,
        quotes: Vec<(usize, String, Quote)>,
        mut refused: Vec<Json>,
    ) -> Result<Json, ApiError> {
        let mut eng = self.engine.lock().await;
        self.load(&mut eng, store).await?;
        let (mut accepted, mut duplicates, mut late) = (0u64, 0u64, 0u64);
        let mut effects = Vec::new();
        let mut dirty: HashSet<(String, Interval)> = HashSet::new();
        let mut closed: Vec<(String, Interval, Bar)> = Vec::new();
        let mut applied: Vec<(String, Quote)> = Vec::with_capacity(quotes.len());
        for (row, symbol, q) in quotes {
            if zone_of(&mut eng, store, &symbol).await?.is_none() {
                refused.push(json!({"row": row, "reason": "no instrument with this symbol"}));
                continue;
            }
            if eng.last_tick.get(&symbol) == Some(&q) {
                duplicates += 1;
                continue;
            }
            let mut taken_any = false;
            for &iv in &self.opts.intervals {
                self.ensure_series(&mut eng, store, &symbol, iv).await?;
                let Some(s) = eng.series.get_mut(&(symbol.clone(), iv)) else { continue };
                let start = effects.len();
                if s.tick(q.ts, q.price, q.volume, &mut effects)? == Taken::Applied {
                    taken_any = true;
                    dirty.insert((symbol.clone(), iv));
                }
                for e in &effects[start..] {
                    if let Effect::BarClosed { symbol, interval, bar } = e {
                        closed.push((symbol.clone(), *interval, *bar));
                    }
                }
            }
            if taken_any {
                accepted += 1;
                eng.last_tick.insert(symbol.clone(), q);
                applied.push((symbol, q));
            } else {
                late += 1;
            }
        }
        // the commit: closed candles and the forming ones, alert sides, fired events
        let now = now_unix();
        let mut commit = RtCommit::default();
        for (symbol, iv, bar) in closed {
            commit.bars.push((symbol, iv.as_str().to_owned(), bar));
        }
        for key in &dirty {
            if let Some(b) = eng.series.get(key).and_then(|s| s.forming) {
                commit.bars.push((key.0.clone(), key.1.as_str().to_owned(), b));
            }
        }
        let mut fired = Vec::new();
        let mut sides: HashMap<&str, (i64, i64)> = HashMap::new();
        for e in &effects {
            match e {
                Effect::Side { alert_id, side } => sides.entry(alert_id).or_default().0 = *side,
                Effect::Fired { alert_id, user_id, symbol, ts, direction, value, threshold } => {
                    sides.entry(alert_id).or_default().1 += 1;
                    fired.push(AlertEventRec {
                        id: crate::auth::random_id(),
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
                _ => {}
            }
        }
        commit.sides = sides.into_iter().map(|(id, (side, n))| (id.to_owned(), side, n)).collect();
        commit.fired_at = now;
        commit.events = fired;
        if let Err(e) = store.rt_commit(&commit).await {
            // memory is ahead of the store: start again from the store
            *eng = Engine::default();
            return Err(e.into());
        }
        self.quotes_in.fetch_add(accepted, Ordering::Relaxed);
        // publish, in order, while still holding the lock (the queues never block)
        for (symbol, q) in &applied {
            self.publish_quote(symbol, q);
        }
        for e in &effects {
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
        for ev in &commit.events {
            self.publish_json(&topic_alerts(&ev.user_id), &super::event_json(ev));
        }
        drop(eng);
        Ok(json!({"received": accepted + duplicates + late + refused.len() as u64,
            "accepted": accepted, "duplicates": duplicates, "late": late,
            "alerts_fired": commit.events.len(), "refused": refused}))
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
