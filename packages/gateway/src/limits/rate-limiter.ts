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
 * Reserves `ARGV[2]` places of one window in one command: INCRBY on the per-window key, which is
 * given its expiry when the INCRBY created it (a script runs atomically, so no replica can see
 * the key without it). Returns the window's new count: the reserved places are the last ones.
 * https://redis.io/docs/latest/develop/interact/programmability/eval-intro/
 */
const reserveScript = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    hyperealRateReserve(key: string, ttlMs: number, places: number): Result<number, Context>;
  }
}

/** A window's places this replica reserved and has not handed out yet: `next`..`end`. */
interface ReservedPlaces {
  key: string;
  start: number;
  next: number;
  end: number;
  /** Hits waiting for the reservation in flight (at most one per window and replica). */
  waiting: Array<{ resolve: (place: number) => void; reject: (error: unknown) => void }>;
  reserving: boolean;
}

/**
 * The same fixed windows in Redis, so every replica counts against one quota per user: a
 * per-window counter that expires with its window. Each hit has a place in the window (1, 2, …
 * across all replicas, like an INCR's result); it is let through when its place is within the
 * limit, and `remaining` is the limit minus its place.
 *
 * Under a large limit a replica reserves places a few at a time (INCRBY) and hands them out
 * from memory, so a busy user's calls do not each cost a Redis round trip: a reservation is
 * what the hits waiting for it need plus at most `spare` more, where `spare` is 1/1000 of the
 * limit (at most 63): never more than the limit is let through, and at most `spare` places per
 * replica can go unused when a window ends — with 10 replicas, under 1 % of the limit. Under a
 * limit below 2,000 per minute (`spare` 0) every hit is one INCR, exact as it comes.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #windowMs: number;
  readonly #prefix: string;
  readonly #reserved = new Map<string, ReservedPlaces>();

  constructor(redis: Redis, options: { windowMs?: number; prefix?: string } = {}) {
    this.#redis = redis;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#prefix = options.prefix ?? 'hypereal:rate:';
    // Sent as EVALSHA: the body goes again only on NOSCRIPT. https://github.com/redis/ioredis#lua-scripting
    redis.defineCommand('hyperealRateReserve', { lua: reserveScript, numberOfKeys: 1 });
  }

  async hit(userId: string, limit: number): Promise<RateLimitDecision> {
    const now = Date.now();
    const windowStart = now - (now % this.#windowMs);
    const resetSeconds = Math.max(1, Math.ceil((windowStart + this.#windowMs - now) / 1000));
    const place = await this.#place(userId, windowStart, limit);
    if (place > limit) return { allowed: false, limit, remaining: 0, resetSeconds };
    return { allowed: true, limit, remaining: limit - place, resetSeconds };
  }

  #place(userId: string, windowStart: number, limit: number): Promise<number> {
    const spare = Math.min(63, Math.floor(limit / 1000));
    if (spare === 0) return this.#reserve(this.#keyOf(userId, windowStart), 1);
    let places = this.#reserved.get(userId);
    if (!places || places.start !== windowStart) {
      if (this.#reserved.size > 100_000) this.#sweep(windowStart);
      const key = this.#keyOf(userId, windowStart);
      places = { key, start: windowStart, next: 1, end: 0, waiting: [], reserving: false };
      this.#reserved.set(userId, places);
    }
    if (places.next <= places.end) return Promise.resolve(places.next++);
    // Every place this replica will get from now on lies past `end`: when that is past the
    // limit the window is full (places only grow within it), refused here as Redis would.
    if (places.end >= limit) return Promise.resolve(places.end + 1);
    const reserved = places;
    return new Promise((resolve, reject) => {
      reserved.waiting.push({ resolve, reject });
      if (!reserved.reserving) this.#refill(reserved, spare);
    });
  }

  /** Reserves what the waiting hits need plus `spare`, serves them in order, keeps the rest. */
  #refill(places: ReservedPlaces, spare: number): void {
    places.reserving = true;
    const count = places.waiting.length + spare;
    this.#reserve(places.key, count).then(
      (last) => {
        places.next = last - count + 1;
        places.end = last;
        // Hits that queued while the reservation was out are served from it too, in order.
        while (places.waiting.length > 0 && places.next <= places.end)
          places.waiting.shift()!.resolve(places.next++);
        places.reserving = false;
        if (places.waiting.length > 0) this.#refill(places, spare);
      },
      (error: unknown) => {
        places.reserving = false;
        for (const waiter of places.waiting.splice(0)) waiter.reject(error);
      },
    );
  }

  #keyOf(userId: string, windowStart: number): string {
    return `${this.#prefix}${userId}:${windowStart}`;
  }

  async #reserve(key: string, count: number): Promise<number> {
    return Number(await this.#redis.hyperealRateReserve(key, this.#windowMs * 2, count));
  }

  #sweep(currentStart: number): void {
    for (const [userId, places] of this.#reserved)
      if (places.start !== currentStart && !places.reserving) this.#reserved.delete(userId);
  }
}
