/**
 * Typed errors, one class per HTTP status family. The gateway answers every error as
 * `{"error": {"message", "type", "code", "param"}}` (OpenAI's envelope,
 * https://platform.openai.com/docs/guides/error-codes); `/v1/messages` uses Anthropic's
 * (https://docs.anthropic.com/en/api/errors) and the Gemini routes Google's
 * (https://ai.google.dev/gemini-api/docs/troubleshooting) — all three are read here.
 */

/** What an error body says, whatever envelope it came in. */
export interface ErrorDetails {
  message: string | null;
  type: string | null;
  code: string | null;
  param: string | null;
  requestId: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const record = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/** Reads the OpenAI, Anthropic or Google error envelope. */
export function readErrorBody(body: unknown): ErrorDetails {
  const outer = record(body);
  const inner = record(outer?.['error']);
  const details = { message: null, type: null, code: null, param: null, requestId: null };
  if (!inner) return { ...details, message: text(outer?.['message']) };
  // Google's envelope has a numeric `code` (the HTTP status) and the gateway's code as ErrorInfo.reason.
  const info = Array.isArray(inner['details'])
    ? inner['details'].map(record).find((detail) => String(detail?.['@type']).endsWith('ErrorInfo'))
    : undefined;
  const reason = text(info?.['reason']);
  return {
    message: text(inner['message']),
    type: text(inner['type']) ?? text(inner['status']),
    code: text(inner['code']) ?? (reason ? reason.toLowerCase() : null),
    param: text(inner['param']) ?? text(record(info?.['metadata'])?.['param']),
    requestId: text(outer?.['request_id']),
  };
}

/** Every error the SDK throws. `status` is undefined when no HTTP answer arrived. */
export class APIError extends Error {
  readonly status: number | undefined;
  /** The gateway's error code (`insufficient_credits`, `unknown_model`…). */
  readonly code: string | null;
  /** The envelope's `type` (`invalid_request_error`, `rate_limit_error`…). */
  readonly type: string | null;
  /** The request field the error is about, when the gateway names one. */
  readonly param: string | null;
  /** The gateway's `x-request-id`: quote it when reporting a problem. */
  readonly requestId: string | null;
  readonly headers: Headers | undefined;
  /** The parsed error body as sent. */
  readonly body: unknown;

  constructor(
    status: number | undefined,
    body: unknown,
    message: string | undefined,
    headers: Headers | undefined,
    options: { cause?: unknown } = {},
  ) {
    const details = readErrorBody(body);
    super(
      message ?? details.message ?? (status === undefined ? 'Request failed.' : `HTTP ${status}`),
      options.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = new.target.name;
    this.status = status;
    this.code = details.code;
    this.type = details.type;
    this.param = details.param;
    this.requestId = headers?.get('x-request-id') ?? details.requestId;
    this.headers = headers;
    this.body = body;
  }

  /** The class for an HTTP status. */
  static from(status: number, body: unknown, headers: Headers): APIError {
    const ErrorClass = statusClasses[status] ?? (status >= 500 ? InternalServerError : APIError);
    return new ErrorClass(status, body, undefined, headers);
  }
}

export class BadRequestError extends APIError {}
export class AuthenticationError extends APIError {}
/** 402: the balance is below the request's price (top up or redeem a code). */
export class InsufficientCreditsError extends APIError {}
/** 403: the key's role or org forbids it, the key is disabled, or its spending limit is reached. */
export class PermissionDeniedError extends APIError {}
export class NotFoundError extends APIError {}
export class ConflictError extends APIError {}
export class PayloadTooLargeError extends APIError {}
export class InternalServerError extends APIError {}

/** 429, with when the window resets (`Retry-After`, else `X-RateLimit-Reset` seconds). */
export class RateLimitError extends APIError {
  /** When another call may succeed, or null when the gateway did not say. */
  readonly resetAt: Date | null;
  readonly limit: number | null;
  readonly remaining: number | null;

  constructor(
    status: number | undefined,
    body: unknown,
    message: string | undefined,
    headers: Headers | undefined,
  ) {
    super(status, body, message, headers);
    const number = (name: string) => {
      const value = headers?.get(name);
      return value === null || value === undefined || value === '' || !Number.isFinite(Number(value))
        ? null
        : Number(value);
    };
    const waitMs = headers ? retryAfterMs(headers) : null;
    const resetSeconds = number('x-ratelimit-reset');
    this.resetAt =
      waitMs !== null
        ? new Date(Date.now() + waitMs)
        : resetSeconds !== null
          ? new Date(Date.now() + resetSeconds * 1000)
          : null;
    this.limit = number('x-ratelimit-limit');
    this.remaining = number('x-ratelimit-remaining');
  }
}

/** No HTTP answer: DNS, refused or reset connection, TLS… */
export class APIConnectionError extends APIError {
  constructor(message = 'Connection error.', options: { cause?: unknown } = {}) {
    super(undefined, undefined, message, undefined, options);
  }
}

/** The request took longer than its `timeout`. */
export class APITimeoutError extends APIConnectionError {
  constructor(timeoutMs: number) {
    super(`Request timed out after ${timeoutMs} ms.`);
  }
}

/** The caller aborted (its `signal`, or `stream.abort()`). */
export class APIUserAbortError extends APIError {
  constructor(options: { cause?: unknown } = {}) {
    super(undefined, undefined, 'Request was aborted.', undefined, options);
  }
}

const statusClasses: Record<number, typeof APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  402: InsufficientCreditsError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  429: RateLimitError,
};

/**
 * How long the server asked us to wait: `retry-after-ms`, else `retry-after` in seconds
 * or as an HTTP date (RFC 9110 §10.2.3); null when neither is there or readable.
 */
export function retryAfterMs(headers: Headers): number | null {
  const ms = Number(headers.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get('retry-after');
  if (raw === null || raw.trim() === '') return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}
