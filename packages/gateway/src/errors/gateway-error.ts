import { type ErrorCode, errorCodes } from './codes.ts';

export interface GatewayErrorOptions {
  message?: string;
  param?: string | null;
  /** Extra fields rendered into the error body (e.g. `available_models`). */
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly details: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: GatewayErrorOptions = {}) {
    const entry = errorCodes[code];
    super(options.message ?? entry.message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = entry.status;
    this.type = entry.type;
    this.param = options.param ?? null;
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
  }

  /** Worth trying another target: rate limits, and the 5xx-coded upstream, timeout and network failures. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** An error response received from an upstream provider, kept for logs (body truncated). */
export class UpstreamError extends GatewayError {
  readonly provider: string;
  readonly upstreamStatus: number | null;
  readonly upstreamBody: string;
  /** How long the upstream asked us to wait before trying it again. */
  retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    provider: string,
    upstreamStatus: number | null,
    upstreamBody: string,
    options: GatewayErrorOptions = {},
  ) {
    super(code, options);
    this.name = 'UpstreamError';
    this.provider = provider;
    this.upstreamStatus = upstreamStatus;
    this.upstreamBody = upstreamBody.slice(0, 2000);
    this.retryAfterMs = undefined;
  }
}
