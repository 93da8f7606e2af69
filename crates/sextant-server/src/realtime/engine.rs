//! The real-time state machine, free of I/O: forming candles per (instrument, interval), the
//! streaming indicator states fed from them (the core's [`Stream`] objects, built from the
//! declarations), and alert conditions evaluated on every update.
//!
//! Tick rules (per instrument; see docs/realtime.md):
//! - a tick equal in time, price and size to the instrument's previous tick is a **duplicate**
//!   and is dropped (feeds that deliver at least once resend);
//! - a tick in the forming candle's bucket amends it: high/low widen, volume adds up, and the
//!   close moves only if the tick is not older than the newest tick of the candle (an
//!   **out-of-order** tick within the candle still counts for high, low and volume);
//! - a tick in a later bucket **closes** the forming candle (candles close on event time, when
//!   the first tick of a later bucket arrives) and opens a new one;
//! - a tick in an earlier bucket than the forming candle is **late** and is dropped: a closed
//!   bar is corrected through the bar ingest (`POST /v1/instruments/{symbol}/bars`).

use std::collections::HashMap;

use serde_json::{json, Map, Value as Json};
use sextant_core::decl::{FunctionDecl, InputKind, Params, Stream};
use sextant_core::registry;

use crate::error::ApiError;
use crate::market::{self, Interval, Zone};
use crate::store::Bar;

/// The bar fields a streaming indicator may read.
pub const STREAM_INPUTS: [&str; 6] = ["open", "high", "low", "close", "volume", "real"];

fn bad(field: &'static str, reason: impl Into<String>) -> ApiError {
    ApiError::InvalidField { field, reason: reason.into() }
}

/// One streaming indicator configuration, validated against its declaration.
#[derive(Debug, Clone)]
pub struct IndSpec {
    /// The declaration.
    pub decl: &'static FunctionDecl,
    /// Validated parameters (defaults filled in).
    pub params: Params,
    /// The output read (index into the declared outputs).
    pub output: usize,
    /// `NAME(p=v, ...)`: the key of the shared stream state.
    pub key: String,
}

impl IndSpec {
    /// Parses `{"name": "RSI", "params": {"timeperiod": 14}, "output": "real"}`.
    pub fn parse(field: &'static str, v: &Json) -> Result<Self, ApiError> {
        let o = v.as_object().ok_or_else(|| bad(field, "must be an object with `name`"))?;
        for k in o.keys() {
            if !matches!(k.as_str(), "name" | "params" | "output") {
                return Err(bad(field, format!("unknown key `{k}` (name, params, output)")));
            }
        }
        let name =
            o.get("name").and_then(Json::as_str).ok_or_else(|| bad(field, "needs `name`"))?;
        let decl = registry::find("ta", name).filter(|d| streamable(d)).ok_or_else(|| {
            bad(field, format!("`{name}` is not a streaming indicator over bars"))
        })?;
        let empty = Map::new();
        let given = match o.get("params") {
            None | Some(Json::Null) => &empty,
            Some(Json::Object(m)) => m,
            Some(_) => return Err(bad(field, "`params` must be an object")),
        };
        let params = crate::convert::params(decl, given)?;
        let output = match o.get("output") {
            None | Some(Json::Null) => 0,
            Some(Json::String(s)) => {
                decl.outputs.iter().position(|x| x.name == s.as_str()).ok_or_else(|| {
                    let names: Vec<&str> = decl.outputs.iter().map(|x| x.name).collect();
                    bad(field, format!("`{name}` has outputs {}", names.join(", ")))
                })?
            }
            Some(_) => return Err(bad(field, "`output` must be a string")),
        };
        // a state can be built with these parameters (bounds already checked)
        decl.stream(&params)?;
        Ok(Self { decl, params: params.clone(), output, key: decl.display_with(&params) })
    }

    /// The output's name.
    #[must_use]
    pub fn output_name(&self) -> &'static str {
        self.decl.outputs.get(self.output).map_or("", |o| o.name)
    }
}

/// Whether a declaration can be streamed from live bars.
#[must_use]
pub fn streamable(d: &FunctionDecl) -> bool {
    d.stream.is_some()
        && !d.inputs.is_empty()
        && d.inputs.iter().all(|i| i.kind == InputKind::Series && STREAM_INPUTS.contains(&i.name))
}

/// The inputs of a declaration read from a bar, in declared order.
fn bar_inputs(decl: &FunctionDecl, b: &Bar, buf: &mut Vec<f64>) {
    buf.clear();
    buf.extend(decl.inputs.iter().map(|i| match i.name {
        "open" => b.open,
        "high" => b.high,
        "low" => b.low,
        "volume" => b.volume,
        _ => b.close,
    }));
}

/// An alert condition.
#[derive(Debug, Clone)]
pub struct Condition {
    /// Left side: the indicator, or the price when `None`.
    pub left: Option<IndSpec>,
    /// What to detect.
    pub op: Op,
    /// Right side of a crossing: a level or an indicator.
    pub right: Right,
    /// Evaluated on every update (`tick`) or on closed bars only (`bar`).
    pub on_bar: bool,
}

/// The kinds of conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// From below to above.
    CrossesAbove,
    /// From above to below.
    CrossesBelow,
    /// Either way.
    Crosses,
    /// From outside `[low, high]` to inside.
    EntersBand,
    /// From inside `[low, high]` to outside.
    LeavesBand,
}

/// The right side of a condition.
#[derive(Debug, Clone)]
pub enum Right {
    /// A fixed level.
    Level(f64),
    /// Another indicator on the same bars.
    Ind(Box<IndSpec>),
    /// A band, inclusive.
    Band(f64, f64),
}

impl Condition {
    /// Parses and validates an alert's condition (the body of `POST /v1/alerts` without
    /// `symbol` and `interval`).
    pub fn parse(spec: &Map<String, Json>) -> Result<Self, ApiError> {
        let left = match spec.get("indicator") {
            None | Some(Json::Null) => None,
            Some(v) => Some(IndSpec::parse("indicator", v)?),
        };
        let op = match spec.get("op").and_then(Json::as_str) {
            Some("crosses_above") => Op::CrossesAbove,
            Some("crosses_below") => Op::CrossesBelow,
            Some("crosses") => Op::Crosses,
            Some("enters_band") => Op::EntersBand,
            Some("leaves_band") => Op::LeavesBand,
            _ => {
                return Err(bad(
                    "op",
                    "must be crosses_above, crosses_below, crosses, enters_band or leaves_band",
                ))
            }
        };
        let finite = |field: &'static str, v: Option<&Json>| -> Result<Option<f64>, ApiError> {
            match v {
                None | Some(Json::Null) => Ok(None),
                Some(x) => x
                    .as_f64()
                    .filter(|f| f.is_finite())
                    .map(Some)
                    .ok_or_else(|| bad(field, "must be a finite number")),
            }
        };
        let band_op = matches!(op, Op::EntersBand | Op::LeavesBand);
        let present = |k: &str| spec.get(k).is_some_and(|v| !v.is_null());
        if band_op && (present("level") || present("ref")) {
            return Err(bad("band", "a band condition takes `band`, not `level` or `ref`"));
        }
        if !band_op && present("band") {
            return Err(bad("band", "only enters_band and leaves_band take `band`"));
        }
        let right = if band_op {
            let band = spec.get("band").and_then(Json::as_array);
            let vals: Vec<f64> =
                band.map(|a| a.iter().filter_map(Json::as_f64).collect()).unwrap_or_default();
            match vals.as_slice() {
                [lo, hi] if lo.is_finite() && hi.is_finite() && lo <= hi => Right::Band(*lo, *hi),
                _ => return Err(bad("band", "must be [low, high], finite, low <= high")),
            }
        } else {
            match (finite("level", spec.get("level"))?, spec.get("ref")) {
                (Some(l), None | Some(Json::Null)) => Right::Level(l),
                (None, Some(r)) if !r.is_null() => Right::Ind(Box::new(IndSpec::parse("ref", r)?)),
                _ => return Err(bad("level", "give exactly one of `level` and `ref`")),
            }
        };
        let on_bar = match spec.get("on") {
            None | Some(Json::Null) => false,
            Some(Json::String(s)) if s == "tick" => false,
            Some(Json::String(s)) if s == "bar" => true,
            _ => return Err(bad("on", "must be `tick` or `bar`")),
        };
        Ok(Self { left, op, right, on_bar })
    }

    /// The side of the condition for a left value `x` and right value `y` (NaN: unknown).
    pub(crate) fn side(&self, x: f64, y: f64, prev: i64) -> Option<i64> {
        if x.is_nan() || y.is_nan() {
            return None;
        }
        match self.right {
            Right::Band(lo, hi) => Some(if (lo..=hi).contains(&x) { 1 } else { -1 }),
            _ if x > y => Some(1),
            _ if x < y => Some(-1),
            // touching the line keeps the side it came from
            _ => Some(prev),
        }
    }

    /// The direction of a change of side that fires, if it does.
    pub(crate) fn fires(&self, prev: i64, next: i64) -> Option<&'static str> {
        match (self.op, prev, next) {
            (Op::CrossesAbove | Op::Crosses, -1, 1) => Some("above"),
            (Op::CrossesBelow | Op::Crosses, 1, -1) => Some("below"),
            (Op::EntersBand, -1, 1) => Some("entered"),
            (Op::LeavesBand, 1, -1) => Some("left"),
            _ => None,
        }
    }
}

/// A live alert.
#[derive(Debug, Clone)]
pub struct LiveAlert {
    /// Id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Condition.
    pub cond: Condition,
    /// Last observed side.
    pub side: i64,
}

/// One streaming indicator state.
#[derive(Debug)]
struct Ind {
    spec: IndSpec,
    emit: bool,
    stream: Box<dyn Stream>,
    values: Vec<f64>,
}

/// Where an alert's side reads a value: the price, or output `1` of indicator state `0`.
#[derive(Debug, Clone, Copy)]
enum Src {
    Price,
    Ind(usize, usize),
    Missing,
}

/// An alert resolved against the series' indicator states (parallel to `Series::alerts`), so
/// evaluation reads values by index, with no lookup or allocation per update.
#[derive(Debug, Clone, Copy)]
struct Slot {
    left: Src,
    /// The right side when it is an indicator (`Src::Missing` otherwise: a level or band).
    right: Src,
    /// Whether the side changed since the last [`Series::take_sides`].
    changed: bool,
    /// Firings since the last [`Series::take_sides`].
    fired: i64,
}

/// The state of one (instrument, interval).
#[derive(Debug)]
pub struct Series {
    /// Instrument.
    pub symbol: String,
    /// Interval.
    pub interval: Interval,
    zone: Zone,
    /// The forming candle (the newest bar).
    pub forming: Option<Bar>,
    newest_tick: f64,
    /// Indicator states, in the order they were added (`keys` maps `NAME(p=v)` to an index).
    inds: Vec<Ind>,
    keys: HashMap<String, usize>,
    /// Indicator states with subscribers (value events are emitted for these only).
    emitting: usize,
    /// Alerts on this series. Add and remove them with [`Series::push_alert`] and
    /// [`Series::remove_alerts`] (a change of length made directly is noticed and re-resolved).
    pub alerts: Vec<LiveAlert>,
    slots: Vec<Slot>,
    /// Indices of the alerts whose side changed since the last [`Series::take_sides`].
    changed: Vec<usize>,
    /// Set by an applied tick; cleared by the owner once it has stored the series.
    pub dirty: bool,
    buf: Vec<f64>,
}

/// What an update produced, for storing and publishing.
#[derive(Debug, Clone)]
pub enum Effect {
    /// A candle closed (final values of its indicators follow as `Indicator` effects).
    BarClosed {
        /// Instrument.
        symbol: String,
        /// Interval.
        interval: Interval,
        /// The bar.
        bar: Bar,
    },
    /// An indicator's value for the forming (`final == false`) or a closed bar.
    Indicator {
        /// Instrument.
        symbol: String,
        /// Interval.
        interval: Interval,
        /// `NAME(p=v)`.
        key: String,
        /// Bar time.
        ts: i64,
        /// Whether the bar closed.
        final_: bool,
        /// `{output: value}`.
        values: Json,
    },
    /// An alert fired.
    Fired {
        /// Alert id.
        alert_id: String,
        /// Owner.
        user_id: String,
        /// Instrument.
        symbol: String,
        /// Event time.
        ts: i64,
        /// `above`, `below`, `entered`, `left`.
        direction: &'static str,
        /// Left value.
        value: f64,
        /// Right value.
        threshold: f64,
    },
    /// An alert's side changed (stored; fired or not). Not produced by [`Series::tick`] any
    /// more: the changed sides are taken per batch with [`Series::take_sides`].
    Side {
        /// Alert id.
        alert_id: String,
        /// New side.
        side: i64,
    },
}

/// How a tick was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Applied to the forming candle (or opened one).
    Applied,
    /// Before the forming candle: dropped.
    Late,
}

impl Series {
    /// A series resumed from its stored bars (the newest is the forming candle).
    pub fn new(symbol: &str, interval: Interval, zone: Zone, stored: &[Bar]) -> Self {
        Self {
            symbol: symbol.to_owned(),
            interval,
            zone,
            forming: stored.last().copied(),
            newest_tick: f64::NEG_INFINITY,
            inds: Vec::new(),
            keys: HashMap::new(),
            emitting: 0,
            alerts: Vec::new(),
            slots: Vec::new(),
            changed: Vec::new(),
            dirty: false,
            buf: Vec::new(),
        }
    }

    fn src(&self, spec: Option<&IndSpec>) -> Src {
        match spec {
            None => Src::Price,
            Some(s) => self.keys.get(&s.key).map_or(Src::Missing, |&i| Src::Ind(i, s.output)),
        }
    }

    fn slot(&self, a: &LiveAlert) -> Slot {
        let right = match &a.cond.right {
            Right::Ind(s) => self.src(Some(s)),
            _ => Src::Missing,
        };
        Slot { left: self.src(a.cond.left.as_ref()), right, changed: false, fired: 0 }
    }

    /// Re-resolves every alert (after indicator states or alerts changed).
    fn resolve(&mut self) {
        let slots: Vec<Slot> = self.alerts.iter().map(|a| self.slot(a)).collect();
        self.slots = slots;
        self.changed.clear();
    }

    /// Adds a live alert (its indicator states must exist already to be read).
    pub fn push_alert(&mut self, a: LiveAlert) {
        if self.slots.len() != self.alerts.len() {
            self.resolve();
        }
        let slot = self.slot(&a);
        self.alerts.push(a);
        self.slots.push(slot);
    }

    /// Removes the alerts with this id.
    pub fn remove_alerts(&mut self, id: &str) {
        if !self.alerts.iter().any(|a| a.id == id) {
            return;
        }
        let pending = self.pending_sides();
        self.alerts.retain(|a| a.id != id);
        self.resolve();
        // side changes not taken yet stay pending
        for (aid, side, fired) in pending {
            if let Some(i) = self.alerts.iter().position(|a| a.id == aid) {
                self.alerts[i].side = side;
                self.slots[i].changed = true;
                self.slots[i].fired = fired;
                self.changed.push(i);
            }
        }
    }

    fn pending_sides(&self) -> Vec<(String, i64, i64)> {
        self.changed
            .iter()
            .filter_map(|&i| {
                let (a, s) = (self.alerts.get(i)?, self.slots.get(i)?);
                Some((a.id.clone(), a.side, s.fired))
            })
            .collect()
    }

    /// Moves the alerts whose side changed since the last call to `out` as
    /// `(alert id, side, times fired meanwhile)`.
    pub fn take_sides(&mut self, out: &mut Vec<(String, i64, i64)>) {
        for &i in &self.changed {
            if let (Some(a), Some(s)) = (self.alerts.get(i), self.slots.get_mut(i)) {
                out.push((a.id.clone(), a.side, s.fired));
                s.changed = false;
                s.fired = 0;
            }
        }
        self.changed.clear();
    }

    /// Number of indicator states.
    #[must_use]
    pub fn n_indicators(&self) -> usize {
        self.inds.len()
    }

    /// Whether the indicator state exists.
    #[must_use]
    pub fn has_indicator(&self, key: &str) -> bool {
        self.keys.contains_key(key)
    }

    /// Adds an indicator state, fed with the stored bars (the newest one is the forming candle,
    /// later amended with `replace_last`).
    pub fn add_indicator(&mut self, spec: &IndSpec, stored: &[Bar]) -> Result<(), ApiError> {
        if self.keys.contains_key(&spec.key) {
            return Ok(());
        }
        let mut stream = spec.decl.stream(&spec.params)?;
        let mut values = vec![f64::NAN; stream.n_outputs()];
        for b in stored {
            bar_inputs(spec.decl, b, &mut self.buf);
            stream.update(&self.buf, &mut values)?;
        }
        self.keys.insert(spec.key.clone(), self.inds.len());
        self.inds.push(Ind { spec: spec.clone(), emit: false, stream, values });
        // alerts waiting for this state now read it
        self.resolve();
        Ok(())
    }

    /// Whether value events of an indicator are emitted (it has subscribers).
    pub fn set_emitting(&mut self, key: &str, on: bool) {
        if let Some(i) = self.keys.get(key).and_then(|&i| self.inds.get_mut(i)) {
            if i.emit != on {
                i.emit = on;
                if on {
                    self.emitting += 1;
                } else {
                    self.emitting -= 1;
                }
            }
        }
    }

    /// The current values of an indicator state as `{output: value}` (null for NaN).
    #[must_use]
    pub fn indicator_json(&self, key: &str) -> Option<(i64, Json)> {
        let ind = self.inds.get(*self.keys.get(key)?)?;
        Some((self.forming.map_or(0, |b| b.ts), values_json(ind)))
    }

    fn bucket(&self, ts: f64) -> i64 {
        #[allow(clippy::cast_possible_truncation)] // validated range
        let secs = ts.floor() as i64;
        market::bucket(secs, Interval::M1, self.interval, self.zone)
    }

    fn read(&self, src: Src, price: f64) -> f64 {
        match src {
            Src::Price => price,
            Src::Ind(i, o) => {
                self.inds.get(i).and_then(|x| x.values.get(o)).copied().unwrap_or(f64::NAN)
            }
            Src::Missing => f64::NAN,
        }
    }

    /// Evaluates the alerts of one kind (`on_bar`: closed bars, else ticks) at `price`; a change
    /// of side that fires is pushed to `out` unless `quiet` (a correction re-derives sides
    /// without firing, see [`Series::rebuild`]).
    fn evaluate(&mut self, on_bar: bool, ts: i64, price: f64, out: &mut Vec<Effect>) {
        self.evaluate_sides(on_bar, false, ts, price, out);
    }

    fn evaluate_sides(
        &mut self,
        on_bar: bool,
        quiet: bool,
        ts: i64,
        price: f64,
        out: &mut Vec<Effect>,
    ) {
        if self.slots.len() != self.alerts.len() {
            self.resolve();
        }
        for i in 0..self.alerts.len() {
            let a = &self.alerts[i];
            if a.cond.on_bar != on_bar {
                continue;
            }
            let slot = self.slots[i];
            let x = self.read(slot.left, price);
            let y = match &a.cond.right {
                Right::Level(l) => *l,
                Right::Ind(_) => self.read(slot.right, price),
                Right::Band(lo, _) => *lo,
            };
            let Some(next) = a.cond.side(x, y, a.side) else { continue };
            if next == a.side {
                continue;
            }
            if let Some(direction) = a.cond.fires(a.side, next).filter(|_| !quiet) {
                let threshold = match a.cond.right {
                    Right::Band(lo, hi) => {
                        if (x - lo).abs() <= (x - hi).abs() {
                            lo
                        } else {
                            hi
                        }
                    }
                    _ => y,
                };
                out.push(Effect::Fired {
                    alert_id: a.id.clone(),
                    user_id: a.user_id.clone(),
                    symbol: self.symbol.clone(),
                    ts,
                    direction,
                    value: x,
                    threshold,
                });
                self.slots[i].fired += 1;
            }
            self.alerts[i].side = next;
            if !self.slots[i].changed {
                self.slots[i].changed = true;
                self.changed.push(i);
            }
        }
    }

    fn push_values(&self, final_: bool, out: &mut Vec<Effect>) {
        if self.emitting == 0 {
            return;
        }
        let Some(b) = self.forming else { return };
        for ind in &self.inds {
            if ind.emit {
                out.push(Effect::Indicator {
                    symbol: self.symbol.clone(),
                    interval: self.interval,
                    key: ind.spec.key.clone(),
                    ts: b.ts,
                    final_,
                    values: values_json(ind),
                });
            }
        }
    }

    /// Rebuilds the indicator states after stored closed bars changed (a correction): every
    /// state is fed again with `closed`, the stored bars before the forming candle, then with
    /// the forming candle as held here (the live candle wins over a stored one at its time).
    /// Each alert's side is then derived again from the corrected values, bar alerts at the
    /// last closed bar and tick alerts at the forming candle's close, **without firing**: a
    /// correction rewrites history, it does not announce a crossing nobody saw live. A changed
    /// side is taken by the next [`Series::take_sides`]; the subscribed states' new values go
    /// to `out`.
    pub fn rebuild(&mut self, closed: &[Bar], out: &mut Vec<Effect>) -> Result<(), ApiError> {
        let cut = self.forming.map_or(i64::MAX, |f| f.ts);
        let closed = &closed[..closed.partition_point(|b| b.ts < cut)];
        for ind in &mut self.inds {
            let mut stream = ind.spec.decl.stream(&ind.spec.params)?;
            ind.values.fill(f64::NAN);
            for b in closed {
                bar_inputs(ind.spec.decl, b, &mut self.buf);
                stream.update(&self.buf, &mut ind.values)?;
            }
            ind.stream = stream;
        }
        if let Some(last) = closed.last() {
            self.evaluate_sides(true, true, last.ts, last.close, out);
        }
        if let Some(f) = self.forming {
            for ind in &mut self.inds {
                bar_inputs(ind.spec.decl, &f, &mut self.buf);
                ind.stream.update(&self.buf, &mut ind.values)?;
            }
            self.evaluate_sides(false, true, f.ts, f.close, out);
        }
        self.push_values(false, out);
        Ok(())
    }

    /// Applies one tick; what it produced goes to `out` (closed bar, indicator values of the
    /// subscribed states, alert side changes and firings).
    pub fn tick(
        &mut self,
        ts: f64,
        price: f64,
        volume: f64,
        out: &mut Vec<Effect>,
    ) -> Result<Taken, ApiError> {
        let b = self.bucket(ts);
        let opening = match self.forming {
            Some(f) if b < f.ts => return Ok(Taken::Late),
            Some(f) if b == f.ts => false,
            Some(f) => {
                // the forming candle closes with its current values
                self.evaluate(true, f.ts, f.close, out);
                out.push(Effect::BarClosed {
                    symbol: self.symbol.clone(),
                    interval: self.interval,
                    bar: f,
                });
                self.push_values(true, out);
                true
            }
            None => true,
        };
        if opening {
            let bar = Bar { ts: b, open: price, high: price, low: price, close: price, volume };
            self.forming = Some(bar);
            self.newest_tick = ts;
            for ind in &mut self.inds {
                bar_inputs(ind.spec.decl, &bar, &mut self.buf);
                ind.stream.update(&self.buf, &mut ind.values)?;
            }
        } else if let Some(f) = self.forming.as_mut() {
            f.high = f.high.max(price);
            f.low = f.low.min(price);
            f.volume += volume;
            if ts >= self.newest_tick {
                f.close = price;
                self.newest_tick = ts;
            }
            let bar = *f;
            for ind in &mut self.inds {
                bar_inputs(ind.spec.decl, &bar, &mut self.buf);
                ind.stream.replace_last(&self.buf, &mut ind.values)?;
            }
        }
        // tick alerts see the last price: the forming candle's close (an out-of-order tick
        // does not move it)
        let last = self.forming.map_or(price, |f| f.close);
        #[allow(clippy::cast_possible_truncation)]
        self.evaluate(false, ts.floor() as i64, last, out);
        self.push_values(false, out);
        self.dirty = true;
        Ok(Taken::Applied)
    }
}

fn values_json(ind: &Ind) -> Json {
    let mut m = Map::new();
    for (o, v) in ind.spec.decl.outputs.iter().zip(&ind.values) {
        m.insert(o.name.to_owned(), crate::convert::f64_to_json(*v));
    }
    Json::Object(m)
}

/// An indicator event's JSON.
#[must_use]
pub fn indicator_event(
    symbol: &str,
    interval: Interval,
    key: &str,
    ts: i64,
    final_: bool,
    values: &Json,
) -> Json {
    json!({"type": "indicator", "symbol": symbol, "interval": interval.as_str(), "indicator": key,
        "ts": market::format_time(ts), "final": final_, "values": values})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> Series {
        Series::new("X", Interval::M1, Zone::Fixed(0), &[])
    }

    fn closed(out: &[Effect]) -> Vec<Bar> {
        out.iter()
            .filter_map(|e| match e {
                Effect::BarClosed { bar, .. } => Some(*bar),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn candles_follow_the_tick_rules() {
        let mut s = series();
        let mut out = Vec::new();
        for (ts, p, v) in
            [(60.0, 10.0, 1.0), (75.0, 12.0, 1.0), (90.0, 9.0, 1.0), (100.0, 11.0, 1.0)]
        {
            assert_eq!(s.tick(ts, p, v, &mut out).unwrap(), Taken::Applied);
        }
        // out of order within the candle: high/low/volume count, the close stays
        assert_eq!(s.tick(70.0, 13.0, 2.0, &mut out).unwrap(), Taken::Applied);
        let f = s.forming.unwrap();
        assert_eq!(
            (f.ts, f.open, f.high, f.low, f.close, f.volume),
            (60, 10.0, 13.0, 9.0, 11.0, 6.0)
        );
        // a later bucket closes it; an earlier bucket is late
        assert_eq!(s.tick(121.0, 20.0, 1.0, &mut out).unwrap(), Taken::Applied);
        assert_eq!(closed(&out), vec![f]);
        assert_eq!(s.tick(119.0, 1.0, 1.0, &mut out).unwrap(), Taken::Late);
        assert_eq!(s.forming.unwrap().ts, 120);
    }

    #[test]
    fn an_alert_fires_once_per_crossing_and_touching_keeps_the_side() {
        let mut spec = Map::new();
        spec.insert("op".into(), json!("crosses_above"));
        spec.insert("level".into(), json!(10.0));
        let cond = Condition::parse(&spec).unwrap();
        let mut s = series();
        s.alerts.push(LiveAlert { id: "a".into(), user_id: "u".into(), cond, side: 0 });
        let mut out = Vec::new();
        // first value only sets the side; 10 touches (stays below); 11 crosses; 12 stays above;
        // 9 goes below (no event for crosses_above); 11 crosses again
        for (i, p) in [9.0, 10.0, 11.0, 12.0, 9.0, 11.0].iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            s.tick(60.0 + i as f64, *p, 0.0, &mut out).unwrap();
        }
        let fired: Vec<i64> = out
            .iter()
            .filter_map(|e| match e {
                Effect::Fired { ts, .. } => Some(*ts),
                _ => None,
            })
            .collect();
        assert_eq!(fired, vec![62, 65]);
    }

    #[test]
    fn conditions_are_validated_against_the_declarations() {
        let parse = |v: Json| Condition::parse(v.as_object().unwrap()).map(|_| ());
        assert!(parse(json!({"op": "crosses", "indicator": {"name": "RSI"}, "level": 30})).is_ok());
        assert!(parse(
            json!({"op": "crosses", "ref": {"name": "SMA", "params": {"timeperiod": 50}}})
        )
        .is_ok());
        assert!(parse(json!({"op": "leaves_band", "indicator": {"name": "BBANDS", "output": "upperband"}, "band": [1, 2]})).is_ok());
        for bad in [
            json!({"op": "crosses", "indicator": {"name": "SHARPE"}, "level": 1}),
            json!({"op": "crosses", "indicator": {"name": "RSI", "params": {"timeperiod": 1}}, "level": 1}),
            json!({"op": "crosses", "indicator": {"name": "RSI", "output": "nope"}, "level": 1}),
            json!({"op": "crosses", "indicator": {"name": "RSI", "params": {"nope": 1}}, "level": 1}),
            json!({"op": "crosses"}),
            json!({"op": "crosses", "level": 1, "band": [0, 1]}),
            json!({"op": "enters_band", "band": [1]}),
            json!({"op": "crosses", "level": 1, "on": "day"}),
        ] {
            assert!(parse(bad.clone()).is_err(), "{bad}");
        }
    }
}
