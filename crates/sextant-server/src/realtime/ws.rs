//! `GET /v1/stream`: the WebSocket protocol (docs/realtime.md). One task per connection reads
//! the client's messages, drains its bounded queue into batched frames and sends heartbeats.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{
    rejection::WebSocketUpgradeRejection, CloseFrame, Message, WebSocket, WebSocketUpgrade,
};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use serde_json::{json, Value as Json};

use super::engine::IndSpec;
use super::hub::{topic_alerts, topic_bar, topic_ind, topic_news, Client};
use crate::accounts::Principal;
use crate::app::{now_unix, AppState};
use crate::error::ApiError;
use crate::market::{self, Interval};

/// Close code: the access token expired (sign in again and reconnect).
pub const CLOSE_TOKEN_EXPIRED: u16 = 4001;
/// Close code: the client did not keep up (its queue overflowed past the limit, or a frame
/// could not be written in time).
pub const CLOSE_SLOW_CONSUMER: u16 = 4008;
/// Close code: more subscriptions than allowed on one connection.
pub const CLOSE_TOO_MANY_SUBSCRIPTIONS: u16 = 4029;
/// Close code: too many invalid messages.
pub const CLOSE_INVALID_MESSAGES: u16 = 4400;
/// Read buffer per connection (it grows for a larger message, up to the message limit).
const READ_BUFFER: usize = 4096;
/// Close code (standard): a message above the size limit.
pub const CLOSE_TOO_BIG: u16 = 1009;

/// The upgrade handler: the access token comes from `Authorization: Bearer` or, for browsers,
/// the `access_token` query parameter.
pub async fn stream(
    State(app): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<std::collections::HashMap<String, String>>, QueryRejection>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix("Bearer ").or_else(|| t.strip_prefix("bearer ")))
        .map(|t| t.trim().to_owned());
    let Some(token) = from_header.or_else(|| q.get("access_token").cloned()) else {
        return Err(ApiError::Unauthorized {
            code: "UNAUTHENTICATED",
            message: "send `Authorization: Bearer <access token>` or `?access_token=`".into(),
        });
    };
    let claims = app.tokens.verify(&token, now_unix()).map_err(|_| ApiError::Unauthorized {
        code: "INVALID_TOKEN",
        message: "the access token is invalid or expired".into(),
    })?;
    let mut h = HeaderMap::new();
    let bearer =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| ApiError::Unauthorized {
            code: "INVALID_TOKEN",
            message: "the access token is not ASCII".into(),
        })?;
    h.insert(header::AUTHORIZATION, bearer);
    let principal =
        crate::accounts::authenticate(&app, &h).await?.ok_or(ApiError::Unauthorized {
            code: "UNAUTHENTICATED",
            message: "sign in first".into(),
        })?;
    let ws = ws.map_err(|e| ApiError::InvalidHeader {
        header: "Upgrade",
        reason: format!("a WebSocket upgrade is required here ({e})"),
    })?;
    let opts = app.options.realtime.clone();
    Ok(ws
        // the library's default read buffer is 128 KiB per connection; events are small
        .read_buffer_size(READ_BUFFER)
        .max_message_size(opts.max_message_bytes)
        .max_frame_size(opts.max_message_bytes)
        .on_upgrade(move |socket| run(app, principal, claims.exp, socket)))
}

struct Conn {
    app: AppState,
    principal: Principal,
    id: u64,
    topics: BTreeSet<String>,
    invalid: u32,
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame { code, reason: reason.into() }))
}

async fn run(app: AppState, principal: Principal, exp: i64, mut socket: WebSocket) {
    let hub = app.realtime.clone();
    let opts = hub.options().clone();
    let (id, client, mut rx) = hub.connect(&principal.user.id);
    let mut c = Conn { app, principal, id, topics: BTreeSet::new(), invalid: 0 };
    let welcome = json!({"type": "welcome", "user_id": c.principal.user.id,
        "limits": {"max_subscriptions": opts.max_subscriptions, "queue": opts.queue_capacity,
            "max_message_bytes": opts.max_message_bytes, "max_frame_bytes": opts.max_frame_bytes,
            "max_pipelined": opts.max_pipelined,
            "heartbeat_seconds": opts.heartbeat.as_secs_f64()}});
    let mut heartbeat = tokio::time::interval(opts.heartbeat);
    heartbeat.tick().await;
    let expires =
        tokio::time::sleep(Duration::from_secs(u64::try_from(exp - now_unix()).unwrap_or(0)));
    tokio::pin!(expires);
    let mut ended: Option<Message> = None;
    let mut pipeline: VecDeque<Reply> = VecDeque::new();
    if send(&mut socket, welcome.to_string(), opts.write_timeout).await.is_err() {
        hub.disconnect(id, &[]).await;
        return;
    }
    loop {
        tokio::select! {
            biased;
            () = client.kill.notified() => {
                ended = Some(close(CLOSE_SLOW_CONSUMER, "slow consumer: too many events dropped"));
                break;
            }
            () = &mut expires => {
                ended = Some(close(CLOSE_TOKEN_EXPIRED, "access token expired"));
                break;
            }
            reply = Reply::ready(&mut pipeline), if !pipeline.is_empty() => {
                pipeline.pop_front();
                // events queued before the reply go first (a ping is a barrier)
                let mut frames = match rx.try_recv() {
                    Ok(first) => batch(first, &mut rx, &client, opts.max_frame_bytes),
                    Err(_) => Vec::new(),
                };
                frames.push(reply.to_string());
                if send_all(&mut socket, frames, opts.write_timeout).await.is_err() {
                    ended = Some(close(CLOSE_SLOW_CONSUMER, "write timed out"));
                    break;
                }
            }
            // at most `max_pipelined` messages unanswered: the next is read after an answer
            msg = socket.recv(), if pipeline.len() < opts.max_pipelined.max(1) => match msg {
                None | Some(Ok(Message::Close(_))) => break,
                Some(Err(e)) => {
                    let text = e.to_string();
                    if text.contains("too long") || text.contains("Space limit") || text.contains("size") {
                        ended = Some(close(CLOSE_TOO_BIG, "message too big"));
                    }
                    break;
                }
                Some(Ok(Message::Text(t))) => match handle(&mut c, t.as_str()).await {
                    // answered in the order the messages came, after the quotes before them
                    Ok(reply) => pipeline.push_back(reply),
                    Err(Stop(code, why)) => {
                        ended = Some(close(code, &why));
                        break;
                    }
                },
                Some(Ok(Message::Binary(_))) => {
                    c.invalid += 1;
                    if c.invalid > opts.max_invalid_messages {
                        ended = Some(close(CLOSE_INVALID_MESSAGES, "too many invalid messages"));
                        break;
                    }
                    let e = json!({"type": "error", "code": "BINARY_UNSUPPORTED", "message": "send JSON text messages"});
                    if send(&mut socket, e.to_string(), opts.write_timeout).await.is_err() {
                        break;
                    }
                }
                Some(Ok(_)) => {} // ping/pong: answered by the library
            },
            first = rx.recv() => {
                let Some(first) = first else { break };
                let frames = batch(first, &mut rx, &client, opts.max_frame_bytes);
                if send_all(&mut socket, frames, opts.write_timeout).await.is_err() {
                    ended = Some(close(CLOSE_SLOW_CONSUMER, "write timed out"));
                    break;
                }
            }
            _ = heartbeat.tick() => {
                let hb = json!({"type": "heartbeat", "ts": now_unix()}).to_string();
                if send(&mut socket, hb, opts.write_timeout).await.is_err() {
                    ended = Some(close(CLOSE_SLOW_CONSUMER, "write timed out"));
                    break;
                }
            }
        }
    }
    let topics: Vec<String> = c.topics.into_iter().collect();
    hub.disconnect(id, &topics).await;
    if let Some(m) = ended {
        let _ = tokio::time::timeout(Duration::from_secs(1), socket.send(m)).await;
    }
}

async fn send(socket: &mut WebSocket, text: String, timeout: Duration) -> Result<(), ()> {
    send_all(socket, vec![text], timeout).await
}

/// Sends frames in order, all within `timeout`. Most sends complete at once (the socket's
/// buffer has room): the timer is armed only when one has to wait, not for every frame (a
/// burst of one event to thousands of connections sends one frame each).
async fn send_all(
    socket: &mut WebSocket,
    frames: Vec<String>,
    timeout: Duration,
) -> Result<(), ()> {
    let all = async {
        for f in frames {
            socket.send(Message::Text(f.into())).await.map_err(|_| ())?;
        }
        Ok(())
    };
    tokio::pin!(all);
    let first = std::future::poll_fn(|cx| {
        std::task::Poll::Ready(std::future::Future::poll(all.as_mut(), cx))
    })
    .await;
    match first {
        std::task::Poll::Ready(r) => r,
        std::task::Poll::Pending => tokio::time::timeout(timeout, all).await.unwrap_or(Err(())),
    }
}

/// Events drained from the queue into frames `{"type": "events", "events": [...]}` of at most
/// `max_bytes` each (a single larger event goes alone).
fn batch(
    first: Arc<str>,
    rx: &mut tokio::sync::mpsc::Receiver<Arc<str>>,
    client: &Client,
    max_bytes: usize,
) -> Vec<String> {
    const HEAD: &str = "{\"type\":\"events\",\"events\":[";
    let mut frames = Vec::new();
    let mut cur = String::from(HEAD);
    let mut n = 0usize;
    let push = |cur: &mut String, n: &mut usize, ev: &str, frames: &mut Vec<String>| {
        if *n > 0 && cur.len() + ev.len() + 3 > max_bytes {
            cur.push_str("]}");
            frames.push(std::mem::replace(cur, String::from(HEAD)));
            *n = 0;
        }
        if *n > 0 {
            cur.push(',');
        }
        cur.push_str(ev);
        *n += 1;
    };
    let dropped = client.dropped.swap(0, Ordering::Relaxed);
    if dropped > 0 {
        let lag = json!({"type": "lagged", "dropped": dropped}).to_string();
        push(&mut cur, &mut n, &lag, &mut frames);
    }
    push(&mut cur, &mut n, &first, &mut frames);
    // drain what is queued now, up to a bounded amount per wake-up
    for _ in 0..4096 {
        match rx.try_recv() {
            Ok(ev) => push(&mut cur, &mut n, &ev, &mut frames),
            Err(_) => break,
        }
    }
    cur.push_str("]}");
    frames.push(cur);
    frames
}

struct Stop(u16, String);

/// The answer to one client message: given now, or once the commit of a `quotes` message is
/// written (a task, so the connection reads and applies its next message meanwhile).
enum Reply {
    Now(Json),
    Committed(Json, tokio::task::JoinHandle<Result<Json, ApiError>>),
}

impl Reply {
    /// The first answer of the pipeline once it is known (cancel-safe: the task is kept).
    async fn ready(pipeline: &mut VecDeque<Self>) -> Json {
        match pipeline.front_mut() {
            Some(Reply::Now(v)) => std::mem::take(v),
            Some(Reply::Committed(id, task)) => match task.await {
                Ok(Ok(mut r)) => {
                    r["type"] = json!("ack");
                    r["id"] = id.take();
                    r
                }
                Ok(Err(e)) => err(id, e.code(), e.to_string()),
                Err(e) => err(id, "INTERNAL", format!("the ingest failed: {e}")),
            },
            None => std::future::pending().await,
        }
    }
}

fn err(id: &Json, code: &str, message: impl Into<String>) -> Json {
    json!({"type": "error", "id": id, "code": code, "message": message.into()})
}

async fn handle(c: &mut Conn, text: &str) -> Result<Reply, Stop> {
    let max_invalid = c.app.options.realtime.max_invalid_messages;
    let invalid = |c: &mut Conn, id: &Json, code: &str, m: String| -> Result<Reply, Stop> {
        c.invalid += 1;
        if c.invalid > max_invalid {
            return Err(Stop(CLOSE_INVALID_MESSAGES, "too many invalid messages".into()));
        }
        Ok(Reply::Now(err(id, code, m)))
    };
    let Ok(Json::Object(mut m)) = serde_json::from_str::<Json>(text) else {
        return invalid(c, &Json::Null, "MALFORMED", "expected a JSON object".into());
    };
    let id = m.get("id").cloned().unwrap_or(Json::Null);
    let op = m.get("op").and_then(Json::as_str).unwrap_or("");
    match op {
        "ping" => Ok(Reply::Now(json!({"type": "pong", "id": id, "ts": now_unix()}))),
        "subscribe" | "unsubscribe" => match topic_of(c, &m).await {
            Err(e) => invalid(c, &id, e.code(), e.to_string()),
            Ok((topic, spec)) => {
                if op == "unsubscribe" {
                    if c.topics.remove(&topic) {
                        c.app.realtime.unsubscribe(c.id, &topic).await;
                    }
                    return Ok(Reply::Now(
                        json!({"type": "unsubscribed", "id": id, "topic": topic}),
                    ));
                }
                if c.topics.contains(&topic) {
                    return Ok(Reply::Now(json!({"type": "subscribed", "id": id, "topic": topic})));
                }
                if c.topics.len() >= c.app.options.realtime.max_subscriptions {
                    return Err(Stop(
                        CLOSE_TOO_MANY_SUBSCRIPTIONS,
                        format!(
                            "more than {} subscriptions",
                            c.app.options.realtime.max_subscriptions
                        ),
                    ));
                }
                let mut reply = json!({"type": "subscribed", "id": id, "topic": topic});
                if let Some(pid) = topic.strip_prefix("p:") {
                    match super::portfolio::subscribe(&c.app, &c.principal, pid).await {
                        Ok(v) => {
                            reply["base_currency"] = v["base_currency"].clone();
                            reply["value"] = v["value"].clone();
                        }
                        Err(e) => return invalid(c, &id, e.code(), e.to_string()),
                    }
                }
                if let Some((symbol, iv, spec)) = spec {
                    match c.app.realtime.subscribe_indicator(&c.app.store, &symbol, iv, &spec).await
                    {
                        Ok((ts, values)) => {
                            reply["ts"] = json!(market::format_time(ts));
                            reply["values"] = values;
                        }
                        Err(e) => return invalid(c, &id, e.code(), e.to_string()),
                    }
                }
                c.app.realtime.subscribe(c.id, &topic);
                c.topics.insert(topic);
                Ok(Reply::Now(reply))
            }
        },
        "quotes" => {
            if c.principal.user.tier != "admin" {
                return invalid(c, &id, "FORBIDDEN", "quote input needs the admin tier".into());
            }
            let body = json!({"quotes": m.remove("quotes").unwrap_or(Json::Null)});
            let parsed = super::parse_quotes(&body, c.app.options.realtime.max_quotes);
            let (quotes, refused) = match parsed {
                Ok(x) => x,
                Err(e) => return invalid(c, &id, e.code(), e.to_string()),
            };
            match c.app.realtime.ingest_queued(&c.app.store, quotes, refused).await {
                Ok(queued) => {
                    let (hub, store) = (c.app.realtime.clone(), c.app.store.clone());
                    let task = tokio::spawn(async move { hub.committed(&store, queued).await });
                    Ok(Reply::Committed(id, task))
                }
                Err(e) => Ok(Reply::Now(err(&id, e.code(), e.to_string()))),
            }
        }
        _ => invalid(
            c,
            &id,
            "UNKNOWN_OP",
            "op must be subscribe, unsubscribe, quotes or ping".into(),
        ),
    }
}

type IndSub = Option<(String, Interval, IndSpec)>;

async fn topic_of(
    c: &Conn,
    m: &serde_json::Map<String, Json>,
) -> Result<(String, IndSub), ApiError> {
    let channel = m.get("channel").and_then(Json::as_str).unwrap_or("");
    let symbol = || -> Result<String, ApiError> {
        let s = m
            .get("symbol")
            .and_then(Json::as_str)
            .ok_or(ApiError::InvalidField { field: "symbol", reason: "required".into() })?;
        market::check_symbol("symbol", s)?;
        Ok(s.to_owned())
    };
    let interval = || -> Result<Interval, ApiError> {
        let opts = &c.app.options.realtime;
        let iv = match m.get("interval").and_then(Json::as_str) {
            None => opts.intervals.first().copied().unwrap_or(Interval::M1),
            Some(s) => Interval::parse("interval", s)?,
        };
        if opts.intervals.contains(&iv) {
            Ok(iv)
        } else {
            Err(ApiError::InvalidField {
                field: "interval",
                reason: "no live candles of this interval".into(),
            })
        }
    };
    let known = |s: String| async move {
        if c.app.realtime.known(&c.app.store, &s).await? {
            Ok(s)
        } else {
            Err(ApiError::NoSuchResource("instrument"))
        }
    };
    Ok(match channel {
        "quotes" => (format!("q:{}", known(symbol()?).await?), None),
        "bars" => {
            let s = known(symbol()?).await?;
            (topic_bar(&s, interval()?), None)
        }
        "indicator" => {
            let s = known(symbol()?).await?;
            let iv = interval()?;
            let spec = IndSpec::parse("indicator", m.get("indicator").unwrap_or(&Json::Null))?;
            (topic_ind(&s, iv, &spec.key), Some((s, iv, spec)))
        }
        "alerts" => (topic_alerts(&c.principal.user.id), None),
        "portfolio" => match m.get("portfolio").and_then(Json::as_str) {
            Some(id) if market::is_record_id(id) => (super::portfolio::topic(id), None),
            _ => {
                return Err(ApiError::InvalidField {
                    field: "portfolio",
                    reason: "the id of one of your portfolios".into(),
                })
            }
        },
        "news" => match m.get("symbol") {
            None | Some(Json::Null) => (topic_news("*"), None),
            Some(_) => (topic_news(&known(symbol()?).await?), None),
        },
        _ => {
            return Err(ApiError::InvalidField {
                field: "channel",
                reason: "must be quotes, bars, indicator, alerts, news or portfolio".into(),
            })
        }
    })
}
