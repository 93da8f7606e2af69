// The live feed: one WebSocket to /v1/stream (docs/realtime.md) while signed in. It
// subscribes to the user's alert events (and whatever a screen asks for: the market screen's
// quotes), dispatches the pushed events to listeners, reconnects with exponential backoff
// (1 s doubling to 30 s, with jitter), refreshes the access token after a 4001 close, and
// reports its state ('connecting', 'open', 'reconnecting', 'closed') to the shell.
import { accessToken, refreshSession } from './api.js';

const listeners = new Set(); // fn(event)
const stateListeners = new Set(); // fn(state, detail)
const subs = new Map(); // key -> subscribe message (without id)
let ws = null;
let state = 'closed';
let detail = '';
let attempt = 0;
let timer = null;
let nextId = 1;
let wanted = false;
const pending = new Map(); // request id -> subscription key
const confirmed = new Set(); // subscription keys the server has acknowledged

// Test and debugging hook (docs/web.md): the state and the acknowledged subscriptions.
function expose() {
  (window.__sextant ??= {}).live = { state, subscribed: [...confirmed] };
}

const key = (m) => `${m.channel}|${m.symbol ?? ''}|${m.interval ?? ''}`;

function setState(s, d = '') {
  state = s;
  detail = d;
  if (s !== 'open') confirmed.clear();
  expose();
  for (const fn of stateListeners) fn(state, detail);
}

function send(msg) {
  if (ws?.readyState !== WebSocket.OPEN) return;
  const id = nextId++;
  if (msg.op === 'subscribe') pending.set(id, key(msg));
  if (msg.op === 'unsubscribe') confirmed.delete(key(msg));
  ws.send(JSON.stringify({ ...msg, id }));
  expose();
}

function open() {
  clearTimeout(timer);
  timer = null;
  const token = accessToken();
  if (!wanted || !token) return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  setState(attempt ? 'reconnecting' : 'connecting');
  const sock = new WebSocket(`${proto}//${location.host}/v1/stream?access_token=${encodeURIComponent(token)}`);
  ws = sock;
  sock.onopen = () => {
    attempt = 0;
    setState('open');
    for (const m of subs.values()) send({ op: 'subscribe', ...m });
  };
  sock.onmessage = (m) => {
    let msg;
    try {
      msg = JSON.parse(m.data);
    } catch {
      return;
    }
    if (msg.type === 'events') for (const e of msg.events) for (const fn of listeners) fn(e);
    else if (msg.type === 'subscribed' && pending.has(msg.id)) {
      confirmed.add(pending.get(msg.id));
      pending.delete(msg.id);
      expose();
    } else if (msg.type === 'error') pending.delete(msg.id);
  };
  sock.onclose = async (e) => {
    if (ws !== sock) return;
    ws = null;
    if (!wanted) {
      setState('closed');
      return;
    }
    // 4001: the access token expired; refresh it first (the next attempt uses the new one)
    if (e.code === 4001 && !(await refreshSession())) {
      setState('closed', 'signed out');
      return;
    }
    const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt += 1;
    setState('reconnecting', `retry in ${Math.round(delay / 1000)} s`);
    timer = setTimeout(open, delay);
  };
}

/** Starts the feed (idempotent): called by the shell once signed in. */
export function start() {
  wanted = true;
  subscribe({ channel: 'alerts' });
  if (!ws && !timer) open();
}

/** Closes the feed (sign-out). */
export function stop() {
  wanted = false;
  clearTimeout(timer);
  timer = null;
  attempt = 0;
  subs.clear();
  const sock = ws;
  ws = null;
  sock?.close(1000);
  setState('closed');
}

/** Keeps a subscription across reconnects: `{channel: 'quotes', symbol: 'MSFT'}`. */
export function subscribe(m) {
  const k = key(m);
  if (subs.has(k)) return;
  subs.set(k, m);
  send({ op: 'subscribe', ...m });
}

export function unsubscribe(m) {
  const k = key(m);
  if (!subs.delete(k)) return;
  send({ op: 'unsubscribe', ...m });
}

/** fn(event) for every pushed event; returns the function that removes it. */
export function onEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** fn(state, detail) now and at every change; returns the function that removes it. */
export function onState(fn) {
  stateListeners.add(fn);
  fn(state, detail);
  return () => stateListeners.delete(fn);
}

export const liveState = () => state;
