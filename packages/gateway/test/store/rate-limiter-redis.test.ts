import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisRateLimiter } from '../../src/limits/rate-limiter.ts';
import { redisUrl } from '../helpers/redis.ts';

/** The shared per-user window: one script per hit, exact under concurrency, and a key that expires. */
describe.skipIf(!redisUrl)('rate limiter in Redis', () => {
  const redis = new Redis(redisUrl ?? '', { maxRetriesPerRequest: 1 });
  afterAll(() => redis.quit());

  it('lets exactly the limit through 200 concurrent hits from two limiters, and the window key expires', async () => {
    const prefix = `hypereal:test-rate:${Date.now()}:`;
    const windowMs = 60_000;
    const first = new RedisRateLimiter(redis, { windowMs, prefix });
    // A second connection: another replica.
    const other = new Redis(redisUrl ?? '', { maxRetriesPerRequest: 1 });
    const second = new RedisRateLimiter(other, { windowMs, prefix });
    try {
      const decisions = await Promise.all(
        Array.from({ length: 200 }, (_, index) => (index % 2 ? first : second).hit('usr_rate', 50)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(50);
      const remaining = decisions
        .filter((decision) => decision.allowed)
        .map((decision) => decision.remaining);
      expect(new Set(remaining).size).toBe(50);
      expect(Math.min(...remaining)).toBe(0);
      const keys = await redis.keys(`${prefix}usr_rate:*`);
      expect(keys).toHaveLength(1);
      expect(Number(await redis.get(keys[0]!))).toBe(200);
      const ttl = await redis.pttl(keys[0]!);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2 * windowMs);
    } finally {
      await other.quit();
    }
  });

  it('under a large limit reserves places a few at a time: never past the limit, under 1 % left unused, a fraction of the round trips', async () => {
    const prefix = `hypereal:test-rate-large:${Date.now()}:`;
    const limit = 20_000;
    const replicas = [
      redis,
      ...Array.from({ length: 2 }, () => new Redis(redisUrl ?? '', { maxRetriesPerRequest: 1 })),
    ];
    const limiters = replicas.map(
      (connection) => new RedisRateLimiter(connection, { windowMs: 60_000, prefix }),
    );
    const calls = async () => {
      const stats = await redis.info('commandstats');
      return Number(/cmdstat_evalsha:calls=(\d+)/.exec(stats)?.[1] ?? 0);
    };
    try {
      const before = await calls();
      const decisions = [];
      // 25,000 hits in bursts of 600 spread over three replicas, as busy clients would send them.
      for (let burst = 0; burst < 25_000 / 600; burst++) {
        decisions.push(
          ...(await Promise.all(
            Array.from({ length: 600 }, (_, index) => limiters[index % 3]!.hit('usr_busy', limit)),
          )),
        );
      }
      const allowed = decisions.filter((decision) => decision.allowed);
      expect(allowed.length).toBeLessThanOrEqual(limit);
      expect(allowed.length).toBeGreaterThanOrEqual(limit * 0.99);
      // Every let-through hit had a place of its own: its `remaining` is unique.
      expect(new Set(allowed.map((decision) => decision.remaining)).size).toBe(allowed.length);
      expect(decisions.slice(-600).every((decision) => !decision.allowed && decision.remaining === 0)).toBe(
        true,
      );
      // Far fewer round trips than hits, and none once the window is known full.
      const roundTrips = (await calls()) - before;
      expect(roundTrips).toBeLessThan(25_000 / 20);
      const full = await calls();
      await Promise.all(limiters.map((limiter) => limiter.hit('usr_busy', limit)));
      expect((await calls()) - full).toBe(0);
    } finally {
      for (const connection of replicas.slice(1)) await connection.quit();
    }
  });
});
