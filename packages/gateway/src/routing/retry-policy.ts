export interface RoutingPolicy {
  /** Extra tries of the same target after a retryable failure, before moving on. */
  retriesPerTarget: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** A Retry-After longer than this skips the retry and moves to the next target. */
  maxRetryAfterMs: number;
}

export const defaultRoutingPolicy: RoutingPolicy = {
  retriesPerTarget: 1,
  backoffBaseMs: 200,
  backoffMaxMs: 5_000,
  maxRetryAfterMs: 10_000,
};

/** Exponential backoff with jitter (half to full of the step), never shorter than the upstream asked. */
export function backoffDelay(
  policy: RoutingPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.round(step * (0.5 + random() * 0.5));
  return retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
}

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): number | undefined {
  const first = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const ms = Number(first('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = first('retry-after');
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
