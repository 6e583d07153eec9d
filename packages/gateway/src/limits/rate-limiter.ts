import type { Redis, Result } from 'ioredis';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** Per-user request limits; a Redis-backed implementation shares windows across replicas. */
export interface RateLimiter {
  hit(userId: string, limitPerMinute: number): Promise<RateLimitDecision>;
}

/**
 * Fixed one-minute windows per user, in process memory. All of a user's keys share
 * one counter, as the API contract (docs/api-contract.md) requires.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(options: { windowMs?: number; now?: () => number } = {}) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  async hit(userId: string, limit: number): Promise<RateLimitDecision> {
    const now = this.#now();
    const windowStart = now - (now % this.#windowMs);
    let window = this.#windows.get(userId);
    if (!window || window.start !== windowStart) {
      if (this.#windows.size > 100_000) this.#sweep(windowStart);
      window = { start: windowStart, count: 0 };
      this.#windows.set(userId, window);
    }
    const resetSeconds = Math.max(1, Math.ceil((windowStart + this.#windowMs - now) / 1000));
    if (window.count >= limit) return { allowed: false, limit, remaining: 0, resetSeconds };
    window.count++;
    return { allowed: true, limit, remaining: limit - window.count, resetSeconds };
  }

  #sweep(currentStart: number): void {
    for (const [userId, window] of this.#windows)
      if (window.start !== currentStart) this.#windows.delete(userId);
  }
}

export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(decision.resetSeconds),
  };
}

/**
 * One window's count, in one command: INCR on the per-window key, which is given its expiry
 * when the INCR created it (a script runs atomically, so no replica can see the key without
 * it). https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */
const hitScript = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    hyperealRateHit(key: string, ttlMs: number): Result<number, Context>;
  }
}

/**
 * The same fixed windows in Redis, so every replica counts against one quota per user:
 * INCR on a per-window key, which expires with its window.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #windowMs: number;
  readonly #prefix: string;

  constructor(redis: Redis, options: { windowMs?: number; prefix?: string } = {}) {
    this.#redis = redis;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#prefix = options.prefix ?? 'hypereal:rate:';
    // Sent as EVALSHA: the body goes again only on NOSCRIPT. https://github.com/redis/ioredis#lua-scripting
    redis.defineCommand('hyperealRateHit', { lua: hitScript, numberOfKeys: 1 });
  }

  async hit(userId: string, limit: number): Promise<RateLimitDecision> {
    const now = Date.now();
    const windowStart = now - (now % this.#windowMs);
    const key = `${this.#prefix}${userId}:${windowStart}`;
    const count = Number(await this.#redis.hyperealRateHit(key, this.#windowMs * 2));
    const resetSeconds = Math.max(1, Math.ceil((windowStart + this.#windowMs - now) / 1000));
    if (count > limit) return { allowed: false, limit, remaining: 0, resetSeconds };
    return { allowed: true, limit, remaining: limit - count, resetSeconds };
  }
}
