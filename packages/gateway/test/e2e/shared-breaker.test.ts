import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, simulatorKey, startHarness } from '../helpers/harness.ts';
import { redisUrl } from '../helpers/redis.ts';

describe.skipIf(!redisUrl)('circuit breakers shared across replicas through Redis', () => {
  let replicaA: Harness;
  let replicaB: Harness;
  let backup: UpstreamSim;

  beforeAll(async () => {
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
    replicaA = await startHarness({ config, env: { REDIS_URL: redisUrl! } });
    // Replica B has its own upstream simulator under the same provider name: only Redis connects the two.
    replicaB = await startHarness({ config, env: { REDIS_URL: redisUrl! } });
  });
  afterAll(async () => {
    await replicaA.close();
    await replicaB.close();
    await backup.close();
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
});
