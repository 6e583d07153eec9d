import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
} from './errors.ts';
import { newIdempotencyKey } from './ids.ts';
import { retryableStatus, retryDelayMs, sleep } from './retry.ts';
import type { SessionState } from './session.ts';

/** Options every method takes as its last argument. */
export interface RequestOptions {
  /** Milliseconds for this call (each attempt); overrides the client's `timeout`. */
  timeout?: number;
  /** Aborts the call (and a stream it opened). */
  signal?: AbortSignal;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  /** Retries for this call; overrides the client's `maxRetries`. */
  maxRetries?: number;
  /** Reuse a key of your own on a job-creating call (a retry never creates a second job either way). */
  idempotencyKey?: string;
}

export type QueryValue = string | number | boolean | null | undefined;

/** How a call authenticates: the `ck_` key (`/v1`), the dashboard session (`/api`), or nothing. */
export type AuthMode = 'key' | 'session' | 'none';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue> | undefined;
  /** A JSON body. */
  json?: unknown;
  /** A raw body (uploads). A ReadableStream cannot be replayed, so it is never retried. */
  body?: string | Uint8Array | Blob | ReadableStream<Uint8Array> | undefined;
  headers?: Record<string, string> | undefined;
  auth?: AuthMode;
  /** Sends an Idempotency-Key (the same one on every retry): for calls that create a job. */
  idempotent?: boolean;
  /** The timeout covers only the wait for the headers (streams, downloads). */
  streaming?: boolean;
  /** Do not follow redirects (so a 302's Location can be read). */
  manualRedirect?: boolean;
  accept?: string;
  /** Skip the CSRF token (the login call, which has no session yet). */
  noCsrf?: boolean;
}

export interface HttpConfig {
  baseURL: string;
  apiKey: string | undefined;
  timeout: number;
  maxRetries: number;
  fetch: typeof fetch;
  defaultHeaders: Record<string, string>;
  session: SessionState;
}

/** A response whose body is still unread, and what releases the call's timer. */
export interface OpenResponse {
  response: Response;
  /** Ends the timeout for a body that is read later (streams, downloads). */
  release(): void;
  signal: AbortSignal;
}

const unsafeMethods = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** The one place a call is made: auth, timeout, retries with backoff, typed errors. */
export class HttpClient {
  readonly config: HttpConfig;

  constructor(config: HttpConfig) {
    this.config = config;
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    const url = new URL(`${this.config.baseURL}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  /** Parsed JSON of a successful call (null for an empty body). */
  async json<T>(spec: RequestSpec, options: RequestOptions = {}): Promise<T> {
    const open = await this.open({ ...spec, accept: spec.accept ?? 'application/json' }, options);
    try {
      const text = await open.response.text();
      return (text === '' ? null : JSON.parse(text)) as T;
    } catch (error) {
      throw this.#failure(error, open.signal, options, spec);
    } finally {
      open.release();
    }
  }

  /** Text of a successful call (CSV exports). */
  async text(spec: RequestSpec, options: RequestOptions = {}): Promise<string> {
    const open = await this.open(spec, options);
    try {
      return await open.response.text();
    } catch (error) {
      throw this.#failure(error, open.signal, options, spec);
    } finally {
      open.release();
    }
  }

  /**
   * Makes the call, retrying connection errors, 408, 409, 429 and 5xx with backoff (and the
   * server's Retry-After); resolves with a 2xx/3xx response whose body is unread.
   */
  async open(spec: RequestSpec, options: RequestOptions = {}): Promise<OpenResponse> {
    const replayable = !(spec.body instanceof ReadableStream);
    const maxRetries = replayable ? (options.maxRetries ?? this.config.maxRetries) : 0;
    const headers = this.#headers(spec, options);
    if (spec.idempotent) headers.set('idempotency-key', options.idempotencyKey ?? newIdempotencyKey());
    if (spec.auth === 'session' && !spec.noCsrf && unsafeMethods.has(spec.method))
      await this.#ensureCsrf(headers, options);
    const body = spec.json !== undefined ? JSON.stringify(spec.json) : spec.body;
    const url = this.url(spec.path, spec.query);

    for (let retry = 0; ; retry++) {
      const timeoutMs = options.timeout ?? this.config.timeout;
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new APITimeoutError(timeoutMs));
      }, timeoutMs);
      const onAbort = () => controller.abort(options.signal?.reason);
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const release = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const init: RequestInit & { duplex?: 'half' } = {
        method: spec.method,
        headers,
        signal: controller.signal,
        ...(body === undefined ? {} : { body: body as NonNullable<RequestInit['body']> }),
        ...(spec.body instanceof ReadableStream ? { duplex: 'half' } : {}),
        ...(spec.manualRedirect ? { redirect: 'manual' } : {}),
        // Browsers: send the dashboard's session cookie (same origin only); never set it for key calls,
        // since some edge runtimes reject the field.
        ...(spec.auth === 'session' && !this.config.session.cookie ? { credentials: 'same-origin' } : {}),
      };
      let response: Response;
      try {
        response = await this.config.fetch.call(globalThis, url, init);
      } catch (error) {
        release();
        if (options.signal?.aborted) throw new APIUserAbortError({ cause: error });
        const failure = timedOut
          ? new APITimeoutError(timeoutMs)
          : new APIConnectionError(`Connection error: ${(error as Error)?.message ?? String(error)}`, {
              cause: error,
            });
        if (retry < maxRetries) {
          await this.#pause(retry, undefined, options);
          continue;
        }
        throw failure;
      }
      if (spec.auth === 'session') this.config.session.remember(response.headers);
      if (response.ok || (spec.manualRedirect && response.status >= 300 && response.status < 400)) {
        if (!spec.streaming) {
          // The body is read by the caller at once; the timer goes on until it is.
          return { response, release, signal: controller.signal };
        }
        clearTimeout(timer);
        return { response, release, signal: controller.signal };
      }
      const errorBody = await readBody(response);
      release();
      if (retry < maxRetries && retryableStatus(response.status)) {
        await this.#pause(retry, response.headers, options);
        continue;
      }
      throw APIError.from(response.status, errorBody, response.headers);
    }
  }

  #headers(spec: RequestSpec, options: RequestOptions): Headers {
    const headers = new Headers(this.config.defaultHeaders);
    headers.set('accept', spec.accept ?? 'application/json');
    if (spec.json !== undefined) headers.set('content-type', 'application/json');
    for (const [name, value] of Object.entries(spec.headers ?? {})) headers.set(name, value);
    const auth = spec.auth ?? 'key';
    if (auth === 'key') {
      if (!this.config.apiKey)
        throw new AuthenticationError(
          undefined,
          undefined,
          'No API key: pass { apiKey } or set HYPEREAL_API_KEY.',
          undefined,
        );
      headers.set('authorization', `Bearer ${this.config.apiKey}`);
    }
    if (auth === 'session' && this.config.session.cookie) headers.set('cookie', this.config.session.cookie);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    return headers;
  }

  /** State-changing account calls need the session's CSRF token; fetch it once if unknown. */
  async #ensureCsrf(headers: Headers, options: RequestOptions): Promise<void> {
    const session = this.config.session;
    if (!session.csrfToken) {
      const current = await this.json<{ csrfToken: string }>(
        { method: 'GET', path: '/api/auth/session', auth: 'session' },
        { ...(options.signal ? { signal: options.signal } : {}) },
      );
      session.csrfToken = current.csrfToken;
    }
    if (session.csrfToken && !headers.has('x-csrf-token')) headers.set('x-csrf-token', session.csrfToken);
  }

  async #pause(retry: number, headers: Headers | undefined, options: RequestOptions): Promise<void> {
    try {
      await sleep(retryDelayMs(retry, headers), options.signal);
    } catch (error) {
      throw new APIUserAbortError({ cause: error });
    }
  }

  #failure(error: unknown, signal: AbortSignal, options: RequestOptions, spec: RequestSpec): APIError {
    if (error instanceof APIError) return error;
    if (options.signal?.aborted) return new APIUserAbortError({ cause: error });
    if (signal.reason instanceof APITimeoutError) return signal.reason;
    if (error instanceof SyntaxError)
      return new APIError(
        undefined,
        undefined,
        `${spec.method} ${spec.path}: the answer is not JSON.`,
        undefined,
        {
          cause: error,
        },
      );
    return new APIConnectionError(`Connection error: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
    });
  }
}

/** An error body as JSON when it is JSON, else its text. */
async function readBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return text;
  }
}
