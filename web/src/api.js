// The HTTP client of the dashboard: JSON requests to /v1 with the signed-in user's bearer
// token, one refresh on a 401, and errors as ApiError with a message a user understands.

const KEY = 'sextant.session';

export class ApiError extends Error {
  constructor(status, code, message, parameter = null, rows = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.parameter = parameter;
    this.rows = rows;
  }
}

let session = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');

export function signedIn() {
  return session !== null;
}

/** The current access token (the WebSocket sends it as `?access_token=`), or null. */
export function accessToken() {
  return session?.access ?? null;
}

/** Refreshes the access token with the refresh token (after the stream's 4001 close). */
export async function refreshSession() {
  try {
    return await refresh();
  } catch {
    return false;
  }
}

export function setSession(tokens) {
  session = tokens && { access: tokens.access_token, refresh: tokens.refresh_token };
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

/** Plain-language text for the server's error codes; the server's own message otherwise. */
const FRIENDLY = {
  INVALID_CREDENTIALS: 'Wrong email or password.',
  TOTP_REQUIRED: 'This account uses two-factor authentication: enter the 6-digit code from your app.',
  INVALID_TOTP: 'That code is not right (or has expired). Enter the current code from your app.',
  ACCOUNT_LOCKED: 'Too many failed attempts: the account is locked for a while. Try again later.',
  RATE_LIMITED: 'Too many requests: wait a minute and try again.',
  UNAUTHORIZED: 'Your session has ended. Please sign in again.',
  STORE_UNAVAILABLE: 'The server cannot reach its database right now. Try again shortly.',
};

async function errorFrom(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  const e = body?.error ?? {};
  const code = e.code ?? `HTTP_${res.status}`;
  const message = FRIENDLY[code] ?? e.message ?? `The server answered ${res.status} ${res.statusText}.`;
  return new ApiError(res.status, code, message, e.parameter ?? null, body?.rows ?? null);
}

async function refresh() {
  if (!session?.refresh) return false;
  const res = await fetch('/v1/auth/refresh', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: session.refresh }),
  });
  if (!res.ok) return false;
  setSession(await res.json());
  return true;
}

let onSignedOut = () => {};
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

/**
 * `api('GET', '/v1/portfolios')`; `body` is sent as JSON unless it is a string (then as
 * `contentType`). Returns the parsed JSON (null for 204).
 */
export async function api(method, path, body, { contentType = 'application/json', auth = true } = {}) {
  const send = () => {
    const headers = {};
    if (auth && session) headers.authorization = `Bearer ${session.access}`;
    let payload;
    if (body !== undefined) {
      headers['content-type'] = typeof body === 'string' ? contentType : 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    return fetch(path, { method, headers, body: payload });
  };
  let res;
  try {
    res = await send();
    if (res.status === 401 && auth && session && (await refresh())) res = await send();
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached. Check that sextant-server is running.');
  }
  if (!res.ok) {
    const err = await errorFrom(res);
    if (res.status === 401 && auth && session) {
      setSession(null);
      onSignedOut();
    }
    throw err;
  }
  if (res.status === 204) return null;
  return res.json();
}
