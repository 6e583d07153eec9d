import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createUser, KeyAuthenticator } from '../../src/accounts/index.ts';
import { connectKeyInvalidation } from '../../src/accounts/key-invalidation.ts';
import type { Database } from '../../src/db/index.ts';
import { engines, freshDatabase } from '../helpers/databases.ts';
import { type Harness, simulatorKey, startHarness } from '../helpers/harness.ts';
import { redisUrl } from '../helpers/redis.ts';

// Longer than the 45-call burst below takes even on a loaded machine: one probe per cooldown.
const cooldownMs = 4_000;
const adminToken = 'replicas-admin-token-0123456789';
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** `hypereal_breaker_state{target="…"}` as one replica's /metrics reports it (undefined: no series). */
async function gauge(replica: Harness, target: string): Promise<number | undefined> {
  const text = await (await fetch(`${replica.gateway.url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`hypereal_breaker_state{target="${target}"}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

async function chat(replica: Harness, key: string, model: string) {
  const response = await fetch(`${replica.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }),
  });
  await response.arrayBuffer();
  return { status: response.status, provider: response.headers.get('x-hypereal-provider') };
}

/**
 * Three replicas on one database and one Redis, each with its own upstream simulator under
 * the same provider name: only the database and Redis connect them.
 */
describe.skipIf(!redisUrl)('three replicas share breaker state and key revocations', () => {
  const replicas: Harness[] = [];
  let backup: UpstreamSim;
  let db: Database;

  beforeAll(async () => {
    db = await freshDatabase(engines.at(-1)!);
    const redis = new Redis(redisUrl!);
    await redis.flushdb();
    await redis.quit();
    backup = await startUpstreamSim({ apiKeys: [simulatorKey] });
    const config = {
      // One retry per target: a probe must not use it.
      routing: { retriesPerTarget: 1, backoffBaseMs: 1, breaker: { failureThreshold: 2, cooldownMs } },
      providers: { backup: { adapter: 'deepseek', baseUrl: `${backup.url}/v1`, apiKey: simulatorKey } },
      models: {
        probed: { routes: ['deepseek/probed-a', 'backup/probed-b'], price: { input: 1, output: 1 } },
      },
    };
    for (let index = 0; index < 3; index++) {
      replicas.push(
        await startHarness({ config, env: { REDIS_URL: redisUrl!, HYPEREAL_ADMIN_TOKEN: adminToken }, db }),
      );
    }
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await backup.close();
    await db.close();
  });

  const primaryHits = () =>
    replicas.reduce(
      (sum, replica) =>
        sum +
        replica.sim.requests.filter((request) => (request.body as { model?: string }).model === 'probed-a')
          .length,
      0,
    );

  it('a half-open target gets exactly one probe across replicas, without a retry, and /metrics agrees everywhere', async () => {
    const user = await replicas[0]!.newUser(500);
    for (const replica of replicas)
      replica.sim.addFault({ match: { model: 'probed-a' }, status: 500, times: 1e9 });

    // Opened on replica 0 alone: one call, two failed attempts (the target's retry).
    const first = await chat(replicas[0]!, user.key, 'probed');
    expect(first).toEqual({ status: 200, provider: 'backup' });
    expect(primaryHits()).toBe(2);
    // The other replicas never tried it, yet their /metrics say open.
    for (const replica of replicas) expect(await gauge(replica, 'deepseek/probed-a')).toBe(1);

    await sleep(cooldownMs + 100);
    for (const replica of replicas) expect(await gauge(replica, 'deepseek/probed-a')).toBe(2);

    // 45 concurrent calls spread over the replicas while half-open: one probe, no retry of it.
    const before = primaryHits();
    const burstStarted = Date.now();
    const burst = await Promise.all(
      Array.from({ length: 45 }, (_, index) => chat(replicas[index % 3]!, user.key, 'probed')),
    );
    // (A burst outliving the cooldown would see the reopened breaker half-open again.)
    expect(Date.now() - burstStarted).toBeLessThan(cooldownMs);
    expect(burst.every((result) => result.status === 200 && result.provider === 'backup')).toBe(true);
    expect(primaryHits() - before).toBe(1);
    // The failed probe reopened it for everyone.
    for (const replica of replicas) expect(await gauge(replica, 'deepseek/probed-a')).toBe(1);

    // Half-open again, and the upstream has recovered: one probe closes it on every replica.
    for (const replica of replicas) replica.sim.clearFaults();
    await sleep(cooldownMs + 100);
    const recovered = await Promise.all(
      Array.from({ length: 45 }, (_, index) => chat(replicas[index % 3]!, user.key, 'probed')),
    );
    expect(recovered.every((result) => result.status === 200)).toBe(true);
    for (const replica of replicas) expect(await gauge(replica, 'deepseek/probed-a')).toBe(0);
    const after = await Promise.all(replicas.map((replica) => chat(replica, user.key, 'probed')));
    expect(after.map((result) => result.provider)).toEqual(['deepseek', 'deepseek', 'deepseek']);
    await replicas[0]!.balancedBalance(user.user.id);
  }, 60_000);

  it('a revocation on one replica is a 401 on every replica within 1 s', async () => {
    const user = await replicas[0]!.newUser(500);
    // Every replica has the key cached (each served it once).
    for (const replica of replicas) expect((await chat(replica, user.key, 'deepseek-v3.2')).status).toBe(200);
    const keyId = (
      (await db.get<{ id: string }>('SELECT id FROM api_keys WHERE user_id = ?', [user.user.id])) as {
        id: string;
      }
    ).id;
    const revoked = await fetch(`${replicas[1]!.gateway.url}/admin/users/${user.user.id}/keys/${keyId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(revoked.status).toBeLessThan(300);
    const started = Date.now();
    const seen = await Promise.all(
      replicas.map(async (replica) => {
        while ((await chat(replica, user.key, 'deepseek-v3.2')).status !== 401) await sleep(20);
        return Date.now() - started;
      }),
    );
    expect(Math.max(...seen)).toBeLessThan(1_000);
  });

  it('a rate-limit change on one replica applies on every replica within 1 s', async () => {
    const user = await replicas[0]!.newUser(500);
    for (const replica of replicas) expect((await chat(replica, user.key, 'deepseek-v3.2')).status).toBe(200);
    const changed = await fetch(`${replicas[2]!.gateway.url}/admin/users/${user.user.id}/rate-limit`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rpm: 3 }),
    });
    expect(changed.status).toBeLessThan(300);
    await sleep(1_000);
    // Three calls were already made this minute: the new 3 rpm refuses the next one on every replica.
    for (const replica of replicas) expect((await chat(replica, user.key, 'deepseek-v3.2')).status).toBe(429);
  });

  it('without its Redis channel a replica falls back to a 1 s cache', async () => {
    const lost = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    lost.on('error', () => undefined);
    const keys = new KeyAuthenticator(db);
    const channel = connectKeyInvalidation(lost, keys, { connectedTtlMs: 60_000, fallbackTtlMs: 1_000 });
    const owner = await createUser(db, { email: `fallback-${Date.now()}@example.com` });
    const { secret, record } = await createApiKey(db, { userId: owner.id, name: 'fallback' });
    await keys.authenticate(secret);
    await db.run('UPDATE api_keys SET revoked_at = ? WHERE id = ?', [Date.now(), record.id]);
    await sleep(1_100);
    await expect(keys.authenticate(secret)).rejects.toMatchObject({ code: 'invalid_api_key' });
    await channel.close();
    lost.disconnect();
  });
});
