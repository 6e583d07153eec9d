// The account API (docs/account-api.md) over fetch with the session cookie.
// State-changing calls carry the session's CSRF token; a 401 sends the user to /login.

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, envelope, retryAfter) {
    super(envelope?.error?.message || `Request failed (HTTP ${status}).`);
    this.name = 'ApiError';
    this.status = status;
    this.code = envelope?.error?.code ?? null;
    this.param = envelope?.error?.param ?? null;
    this.retryAfter = retryAfter;
  }
}

export function setCsrfToken(token) {
  csrfToken = token;
}

/** A `next` target must be a path on this site (never `//host` or `https://…`), and not /login itself. */
export function safeNext(value, fallback = '/usage') {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) {
    return fallback;
  }
  return value === '/login' || value.startsWith('/login?') ? fallback : value;
}

export function redirectToLogin() {
  const next = location.pathname + location.search;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}

/**
 * `api('/api/api-keys')`, `api('/api/api-keys', { method: 'POST', body: {...} })`.
 * Resolves to the parsed JSON (or null for 204); rejects with ApiError.
 */
export async function api(path, { method = 'GET', body, redirectOn401 = true } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, { error: { message: 'The gateway cannot be reached. Check your connection.' } });
  }
  if (response.status === 401 && redirectOn401) {
    redirectToLogin();
    // The page is going away; never settle so no half-rendered error flashes.
    return new Promise(() => {});
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, json, response.headers.get('retry-after'));
  return json;
}

/** The signed-in user; remembers the CSRF token for later calls. */
export async function loadSession(options) {
  const session = await api('/api/auth/session', options);
  setCsrfToken(session.csrfToken);
  return session;
}
