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
});
