// The account API (docs/account-api.md) through hypereal-sdk, which the gateway serves beside
// the pages: the browser's session cookie, the session's CSRF token on state-changing calls,
// typed errors. A 401 sends the user to /login.
import { APIError, Hypereal } from '/dashboard/vendor/hypereal-sdk/index.js';

// No retries: a person is waiting, and a throttled sign-in must show its message at once.
const client = new Hypereal({ baseURL: location.origin, maxRetries: 0 });
/** The two calls made before there is a session: no CSRF token to send. */
const sessionless = new Set(['/api/auth/login', '/api/auth/sso/discover']);

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
  client.auth.setCsrfToken(token);
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
  const [pathname, search = ''] = path.split('?');
  try {
    return await client.request({
      method,
      path: pathname,
      query: Object.fromEntries(new URLSearchParams(search)),
      ...(body === undefined ? {} : { body }),
      auth: 'session',
      csrf: !sessionless.has(pathname),
    });
  } catch (error) {
    if (!(error instanceof APIError) || error.status === undefined) {
      throw new ApiError(0, { error: { message: 'The gateway cannot be reached. Check your connection.' } });
    }
    if (error.status === 401 && redirectOn401) {
      redirectToLogin();
      // The page is going away; never settle so no half-rendered error flashes.
      return new Promise(() => {});
    }
    throw new ApiError(error.status, error.body, error.headers?.get('retry-after') ?? null);
  }
}

/** The signed-in user; remembers the CSRF token for later calls. */
export async function loadSession(options) {
  const session = await api('/api/auth/session', options);
  setCsrfToken(session.csrfToken);
  return session;
}
