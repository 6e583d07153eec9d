import type { Redis } from 'ioredis';

import type { BreakerState } from '../contracts/index.ts';

export type { BreakerState };

export interface BreakerPolicy {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long an open target is skipped before one probe is let through. */
  cooldownMs: number;
}

/**
 * Per-target circuit breakers. A target that keeps failing is skipped for a
 * cool-down, then exactly one request probes it: success closes the breaker,
 * failure opens it again. With Redis the state is shared by every replica.
 */
export interface HealthStore {
  /** Whether a request may use the target now; claims the single probe of a half-open target. */
  admit(target: string): Promise<{ allowed: boolean; state: BreakerState }>;
  recordSuccess(target: string): Promise<void>;
  recordFailure(target: string): Promise<BreakerState>;
  state(target: string): Promise<BreakerState>;
}

interface MemoryEntry {
  failures: number;
  openUntil: number;
  /** While a probe is out; it lapses so a probe that never reports cannot wedge the target. */
  probeUntil: number;
}

export class MemoryHealthStore implements HealthStore {
  readonly #entries = new Map<string, MemoryEntry>();
  readonly #policy: BreakerPolicy;
  readonly #now: () => number;

  constructor(policy: BreakerPolicy, now: () => number = Date.now) {
    this.#policy = policy;
    this.#now = now;
  }

  async admit(target: string): Promise<{ allowed: boolean; state: BreakerState }> {
    const entry = this.#entries.get(target);
    if (!entry || entry.openUntil === 0) return { allowed: true, state: 'closed' };
    const now = this.#now();
    if (now < entry.openUntil) return { allowed: false, state: 'open' };
    if (now < entry.probeUntil) return { allowed: false, state: 'half-open' };
    entry.probeUntil = now + this.#policy.cooldownMs;
    return { allowed: true, state: 'half-open' };
  }

  async recordSuccess(target: string): Promise<void> {
    this.#entries.delete(target);
  }

  async recordFailure(target: string): Promise<BreakerState> {
    const entry = this.#entries.get(target) ?? { failures: 0, openUntil: 0, probeUntil: 0 };
    entry.failures++;
    // A failed probe, or enough failures in a row, (re)opens the breaker.
    if (entry.probeUntil > 0 || entry.failures >= this.#policy.failureThreshold) {
      entry.openUntil = this.#now() + this.#policy.cooldownMs;
      entry.probeUntil = 0;
    }
    this.#entries.set(target, entry);
    return entry.openUntil > 0 ? 'open' : 'closed';
  }

  async state(target: string): Promise<BreakerState> {
    const entry = this.#entries.get(target);
    if (!entry || entry.openUntil === 0) return 'closed';
    return this.#now() < entry.openUntil ? 'open' : 'half-open';
  }
}

/**
 * The same breaker in Redis, one hash per target (`failures`, `openUntil`) plus a
 * probe key claimed with SET NX, so replicas agree on who probes.
 */
export class RedisHealthStore implements HealthStore {
  readonly #redis: Redis;
  readonly #policy: BreakerPolicy;
  readonly #prefix: string;

  constructor(redis: Redis, policy: BreakerPolicy, prefix = 'hypereal:breaker:') {
    this.#redis = redis;
    this.#policy = policy;
    this.#prefix = prefix;
  }

  async admit(target: string): Promise<{ allowed: boolean; state: BreakerState }> {
    const state = await this.state(target);
    if (state === 'closed') return { allowed: true, state };
    if (state === 'open') return { allowed: false, state };
    const claimed = await this.#redis.set(
      `${this.#prefix}${target}:probe`,
      '1',
      'PX',
      this.#policy.cooldownMs,
      'NX',
    );
    return { allowed: claimed === 'OK', state };
  }

  async recordSuccess(target: string): Promise<void> {
    await this.#redis.del(`${this.#prefix}${target}`, `${this.#prefix}${target}:probe`);
  }

  async recordFailure(target: string): Promise<BreakerState> {
    const key = `${this.#prefix}${target}`;
    const probing = (await this.#redis.exists(`${key}:probe`)) === 1;
    const failures = await this.#redis.hincrby(key, 'failures', 1);
    await this.#redis.pexpire(key, this.#policy.cooldownMs * 10);
    if (probing || failures >= this.#policy.failureThreshold) {
      await this.#redis
        .multi()
        .hset(key, 'openUntil', String(Date.now() + this.#policy.cooldownMs))
        .del(`${key}:probe`)
        .exec();
      return 'open';
    }
    return 'closed';
  }

  async state(target: string): Promise<BreakerState> {
    const openUntil = Number((await this.#redis.hget(`${this.#prefix}${target}`, 'openUntil')) ?? 0);
    if (openUntil === 0) return 'closed';
    return Date.now() < openUntil ? 'open' : 'half-open';
  }
}
