import { retryAfterMs } from './errors.ts';

/** Statuses worth another try: timeout, conflict (a lock), rate limit, and every 5xx. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

const initialDelayMs = 500;
const maxDelayMs = 8_000;
/** A server's Retry-After longer than this is not waited for; the usual backoff is used instead. */
const maxRetryAfterMs = 60_000;

/**
 * The pause before retry number `retry` (0-based): the server's Retry-After when it sent
 * one (and it is at most a minute), else exponential backoff from 0.5 s capped at 8 s,
 * with up to 25 % jitter so many clients do not retry in step.
 */
export function retryDelayMs(retry: number, headers: Headers | undefined): number {
  const asked = headers ? retryAfterMs(headers) : null;
  if (asked !== null && asked <= maxRetryAfterMs) return asked;
  const backoff = Math.min(initialDelayMs * 2 ** retry, maxDelayMs);
  return backoff * (1 - Math.random() * 0.25);
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
