import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisHealthStore } from '../../src/routing/health.ts';
import { redisUrl } from '../helpers/redis.ts';

const policy = { failureThreshold: 2, cooldownMs: 60_000 };
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Commands the Redis server has run so far, by name (INFO commandstats). */
async function commandCounts(redis: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

/** Polls `check` until it holds or a second has passed (a published message's trip). */
async function within1s(check: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 1_000;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(5);
  }
  return check();
}

/** Two replicas' breaker stores on one Redis, each with its own connection. */
describe.skipIf(!redisUrl)('circuit breaker in Redis', () => {
  const connections: Redis[] = [];
  const stores: RedisHealthStore[] = [];
  const replica = async (prefix: string) => {
    const redis = new Redis(redisUrl ?? '', { maxRetriesPerRequest: 1 });
    connections.push(redis);
    const store = new RedisHealthStore(redis, policy, prefix);
    stores.push(store);
    // Its subscriber is up once a failure published elsewhere reaches it: until then nothing is quiet.
    await sleep(100);
    return { redis, store };
  };
  afterAll(async () => {
    for (const store of stores) await store.close();
    for (const redis of connections) await redis.quit();
  });

  it('admits a target with no history without a round trip, and asks Redis again from its first failure anywhere', async () => {
    const prefix = `hypereal:test-breaker:${Date.now()}:`;
    const a = await replica(prefix);
    const b = await replica(prefix);
    expect(await a.store.admit('openai/gpt')).toEqual({ allowed: true, state: 'closed' });
    const before = await commandCounts(a.redis);
    for (let call = 0; call < 50; call++) {
      expect(await a.store.admit('openai/gpt')).toEqual({ allowed: true, state: 'closed' });
    }
    const after = await commandCounts(a.redis);
    expect((after.get('evalsha') ?? 0) - (before.get('evalsha') ?? 0)).toBe(0);
    expect((after.get('eval') ?? 0) - (before.get('eval') ?? 0)).toBe(0);

    // Another replica fails it to its threshold: this one sees the breaker open, not its quiet copy.
    await b.store.admit('openai/gpt');
    expect(await b.store.recordFailure('openai/gpt')).toBe('closed');
    expect(await b.store.recordFailure('openai/gpt')).toBe('open');
    expect(await within1s(async () => (await a.store.admit('openai/gpt')).state === 'open')).toBe(true);
    expect(await a.store.state('openai/gpt')).toBe('open');
    // Another target stays quiet meanwhile: its own history is all that counts.
    await a.store.admit('openai/other');
    const quietBefore = await commandCounts(a.redis);
    await a.store.admit('openai/other');
    const quietAfter = await commandCounts(a.redis);
    expect((quietAfter.get('evalsha') ?? 0) - (quietBefore.get('evalsha') ?? 0)).toBe(0);
  });

  it('a failure while the target is quiet and still closed is counted: the next failure on this replica opens it', async () => {
    const prefix = `hypereal:test-breaker-count:${Date.now()}:`;
    const a = await replica(prefix);
    const b = await replica(prefix);
    await a.store.admit('deepseek/chat');
    await b.store.admit('deepseek/chat');
    expect(await b.store.recordFailure('deepseek/chat')).toBe('closed');
    // Closed with one failure counted: every replica asks Redis now (and a success must clear it).
    expect(
      await within1s(async () => {
        const before = await commandCounts(a.redis);
        await a.store.admit('deepseek/chat');
        const after = await commandCounts(a.redis);
        return (after.get('evalsha') ?? 0) > (before.get('evalsha') ?? 0);
      }),
    ).toBe(true);
    expect(await a.store.recordFailure('deepseek/chat')).toBe('open');
  });

  it('after its subscriber lost the connection, nothing is quiet until it is back: a failure published meanwhile is not missed', async () => {
    const prefix = `hypereal:test-breaker-drop:${Date.now()}:`;
    const a = await replica(prefix);
    const b = await replica(prefix);
    await a.store.admit('xai/grok');
    // Every subscriber connection dropped by the server (as a restart or a network cut would).
    await b.redis.client('KILL', 'TYPE', 'pubsub');
    await b.store.admit('xai/grok');
    await b.store.recordFailure('xai/grok');
    await b.store.recordFailure('xai/grok');
    expect(await within1s(async () => (await a.store.admit('xai/grok')).state === 'open')).toBe(true);
  });
});
