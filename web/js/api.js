// The agents' API (/api/v1), with the session's bearer token. The access token lives only in
// this module's memory and lasts minutes; the refresh token is an HttpOnly cookie scoped to
// /api/v1/auth that no script can read. A reload, or the timer shortly before the access token
// expires, asks /auth/refresh for a new pair. The server sets and clears a readable hint cookie
// with the refresh cookie (sb_signed_in, no secret in it), so a page can tell whether asking is
// worth it.

const BASE = '/api/v1';
let token = null;
let refreshTimer = null;
let refreshing = null;
let onUnauthorized = () => {};
let onRefreshed = () => {};

export function getToken() { return token; }
export function whenUnauthorized(fn) { onUnauthorized = fn; }
/** Called with every new {token, user} (the live connection re-registers with it). */
export function whenRefreshed(fn) { onRefreshed = fn; }

/** Takes a sign-in's or a refresh's answer: keeps its token and plans the next refresh. */
export function adopt(session) {
  token = session.token;
  clearTimeout(refreshTimer);
  const seconds = Math.max(10, (session.expiresIn || 900) - 60);
  refreshTimer = setTimeout(() => refreshSession().catch(() => onUnauthorized()), seconds * 1000);
  onRefreshed(session);
}

/** Whether this browser was given a refresh cookie that no answer has cleared since: the server's hint says so. */
export function refreshHinted() {
  return document.cookie.split(';').some((c) => c.trim() === 'sb_signed_in=1');
}

/** Forgets the session in this page (the server's side ends with POST /auth/logout). */
export function endSession() {
  clearTimeout(refreshTimer);
  token = null;
}

/** A new access token from the refresh cookie; one request at a time, whoever asks. */
export function refreshSession() {
  if (!refreshing) {
    refreshing = (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const session = await request('POST', '/auth/refresh', {});
          adopt(session);
          return session;
        } catch (e) {
          // a node with another JWT_SECRET rotated the session a moment ago: its new cookie is already ours
          if (e.status === 409 && attempt < 3) { await new Promise((r) => setTimeout(r, 500)); continue; }
          throw e;
        }
      }
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body, extraHeaders, raw, retried) {
  const headers = { Accept: raw ? '*/*' : 'application/json', ...(extraHeaders || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', 'The server cannot be reached');
  }
  if (res.status === 401 && token && !path.startsWith('/auth/')) {
    // an access token that expired (a laptop woke up) is renewed once; an ended session signs out
    if (!retried) {
      try {
        await refreshSession();
        return request(method, path, body, extraHeaders, raw, true);
      } catch (e) { /* falls through to sign-out */ }
    }
    onUnauthorized();
  }
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = `Request failed (${res.status})`;
    let detail = null;
    try {
      const j = await res.json();
      if (j && j.error) { code = j.error.code || code; message = j.error.message || message; detail = j.error; }
    } catch (e) { /* not JSON */ }
    const failure = new ApiError(res.status, code, message);
    failure.detail = detail; // the whole error object (e.g. 409 newer_reply's `reply`)
    throw failure;
  }
  if (raw) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const api = {
  get: (p) => request('GET', p),
  post: (p, b, headers) => request('POST', p, b === undefined ? {} : b, headers),
  put: (p, b, headers) => request('PUT', p, b, headers),
  patch: (p, b, headers) => request('PATCH', p, b, headers),
  del: (p) => request('DELETE', p),
  /** POST returning the raw Response (CSV export). */
  postRaw: (p, b) => request('POST', p, b, undefined, true),
};

/** ?a=1&b=2 from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;

/** If-Match for an editor's save: the version it read, so a change made meanwhile is not overwritten (412). */
export const ifMatch = (thing) => (thing && thing.updatedAt ? { 'If-Match': `"${thing.updatedAt}"` } : undefined);
