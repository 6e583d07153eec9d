import { type ErrorCode, UpstreamError } from '../errors/index.ts';

/**
 * Turns an upstream error response into the one clean error the client sees. The
 * upstream's message is kept when it is about the client's request; credential or
 * routing problems of the gateway's own are not blamed on the client.
 */
export function upstreamFailure(
  provider: string,
  status: number,
  bodyText: string,
  headers: Record<string, string | string[] | undefined>,
): UpstreamError {
  const upstreamMessage = extractMessage(bodyText);
  const retryAfter = header(headers, 'retry-after');
  const code: ErrorCode = codeFor(status);
  const message =
    code === 'invalid_request' || code === 'payload_too_large'
      ? `Upstream provider rejected the request: ${upstreamMessage ?? `HTTP ${status}`}`
      : status === 401 || status === 403
        ? 'The upstream provider rejected the gateway credentials; the operator must check this provider key.'
        : code === 'upstream_rate_limited'
          ? 'The upstream provider is rate limiting; retry later.'
          : `The upstream provider failed (HTTP ${status}).`;
  return new UpstreamError(code, provider, status, bodyText, {
    message,
    headers: retryAfter ? { 'retry-after': retryAfter } : {},
  });
}

function codeFor(status: number): ErrorCode {
  if (status === 400 || status === 422 || status === 409) return 'invalid_request';
  if (status === 413) return 'payload_too_large';
  if (status === 429) return 'upstream_rate_limited';
  if (status === 408 || status === 504) return 'upstream_timeout';
  if (status === 503 || status === 529) return 'upstream_unavailable';
  return 'upstream_error';
}

function extractMessage(bodyText: string): string | undefined {
  try {
    const parsed = JSON.parse(bodyText) as { error?: { message?: unknown } | string; message?: unknown };
    const error = parsed.error;
    if (typeof error === 'string') return error;
    if (typeof error?.message === 'string') return error.message;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = bodyText.trim();
  return text.length > 0 ? text.slice(0, 300) : undefined;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
