import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './errors.ts';
import { retryableStatus, retryDelayMs } from './retry.ts';

describe('retry policy', () => {
  it('retries 408, 409, 429 and 5xx only', () => {
    expect([400, 401, 402, 403, 404, 408, 409, 413, 429, 500, 502, 503, 504].filter(retryableStatus)).toEqual(
      [408, 409, 429, 500, 502, 503, 504],
    );
  });

  it('reads Retry-After as ms, seconds or an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000);
    const inTwoSeconds = new Date(Date.now() + 2_000).toUTCString();
    expect(retryAfterMs(new Headers({ 'retry-after': inTwoSeconds }))).toBeGreaterThan(500);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeNull();
    expect(retryAfterMs(new Headers())).toBeNull();
  });

  it('waits what the server asked (up to a minute), else backs off exponentially with jitter, capped', () => {
    expect(retryDelayMs(0, new Headers({ 'retry-after': '2' }))).toBe(2000);
    for (let retry = 0; retry < 6; retry++) {
      const cap = Math.min(500 * 2 ** retry, 8_000);
      const delay = retryDelayMs(retry, new Headers({ 'retry-after': '3600' }));
      expect(delay).toBeGreaterThanOrEqual(cap * 0.75);
      expect(delay).toBeLessThanOrEqual(cap);
    }
  });
});
