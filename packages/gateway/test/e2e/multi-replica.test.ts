import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.ts';
import { engines, freshDatabase } from '../helpers/databases.ts';
import { type Harness, simulatorKey, startHarness } from '../helpers/harness.ts';
import { redisUrl } from '../helpers/redis.ts';

describe.skipIf(!redisUrl)('two replicas sharing one database and Redis', () => {
  let replicaA: Harness;
  let replicaB: Harness;
  let backup: UpstreamSim;
  let db: Database;

  beforeAll(async () => {
    db = await freshDatabase(engines.at(-1)!);
    const redis = new Redis(redisUrl!);
    await redis.flushdb();
    await redis.quit();
    backup = await startUpstreamSim({ apiKeys: [simulatorKey] });
    const config = {
      routing: { retriesPerTarget: 0, breaker: { failureThreshold: 2, cooldownMs: 60_000 } },
      providers: { backup: { adapter: 'deepseek', baseUrl: `${backup.url}/v1`, apiKey: simulatorKey } },
      models: {
        shared: { routes: ['deepseek/shared-a', 'backup/shared-b'], price: { input: 1, output: 1 } },
      },
    };
    replicaA = await startHarness({ config, env: { REDIS_URL: redisUrl! }, db });
    // Replica B has its own upstream simulator under the same provider name: only Redis connects the two.
    replicaB = await startHarness({ config, env: { REDIS_URL: redisUrl! }, db });
  });
  afterAll(async () => {
    await replicaA.close();
    await replicaB.close();
    await backup.close();
    await db.close();
  });

  it('a target opened on one replica is skipped by the other', async () => {
    const userA = await replicaA.newUser(300);
    const userB = await replicaB.newUser(300);
    replicaA.sim.addFault({ match: { model: 'shared-a' }, status: 500, times: 2 });
    for (let index = 0; index < 2; index++) {
      const { response } = await userA.client.chat.completions
        .create({ model: 'shared', messages: [{ role: 'user', content: 'x' }] })
        .withResponse();
      expect(response.headers.get('x-hypereal-provider')).toBe('backup');
    }
    const before = replicaB.sim.requests.length;
    const { response } = await userB.client.chat.completions
      .create({ model: 'shared', messages: [{ role: 'user', content: 'x' }] })
      .withResponse();
    expect(response.headers.get('x-hypereal-provider')).toBe('backup');
    expect(response.headers.get('x-hypereal-attempts')).toBe('1');
    expect(replicaB.sim.requests.length).toBe(before);
  });

  it('counts one user’s requests against one quota, whichever replica serves them', async () => {
    const user = await replicaA.newUser(300);
    await db.run('UPDATE users SET rate_limit_rpm = 3 WHERE id = ?', [user.user.id]);
    const onB = new (await import('openai')).default({
      baseURL: replicaB.baseUrl,
      apiKey: user.key,
      maxRetries: 0,
    });
    const chat = { model: 'deepseek-v3.2', messages: [{ role: 'user' as const, content: 'x' }] };
    await user.client.chat.completions.create(chat);
    await onB.chat.completions.create(chat);
    const third = await user.client.chat.completions.create(chat).withResponse();
    expect(third.response.headers.get('x-ratelimit-remaining')).toBe('0');
    const fourth = await onB.chat.completions
      .create(chat)
      .catch((error: unknown) => error as { status: number });
    expect((fourth as { status: number }).status).toBe(429);
  });
});
