import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningChild, stopChildren } from '../../bench/processes.ts';
import { createApiKey, createUser } from '../../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../src/billing/index.ts';
import { type Database, openDatabase } from '../../src/db/index.ts';
import { freshPostgresUrl, postgresUrl } from '../helpers/databases.ts';
import { startGatewayProcess } from '../helpers/gateway-process.ts';
import { nginxBinary, type RunningNginx, startNginx } from '../helpers/nginx.ts';
import { redisUrl } from '../helpers/redis.ts';
import { type ClientRun, streamOnce } from '../helpers/stream-once.ts';

const simKey = 'sim-load-balancer-key';
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
/** The documented bound on a dead replica's holds with the default 15 s lease. */
const holdBoundMs = 20_000;

/** At most `width` of `tasks` at a time, in order. */
async function pool<T>(count: number, width: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

/**
 * Three gateway processes (`hypereal serve`) on one PostgreSQL and one Redis, behind a real
 * nginx doing round robin: what a client of a scaled-out deployment sees.
 */
describe.skipIf(!postgresUrl || !redisUrl || !nginxBinary)('three replicas behind nginx', () => {
  let sim: UpstreamSim;
  let db: Database;
  let nginx: RunningNginx;
  let replicas: RunningChild[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hypereal-lb-'));
  const configPath = join(dir, 'hypereal.yaml');

  beforeAll(async () => {
    sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: [simKey] });
    writeFileSync(configPath, 'rateLimits:\n  defaultRpm: 1000000\n');
    const databaseUrl = await freshPostgresUrl();
    db = await openDatabase({ databaseUrl, sqlitePath: '' });
    const env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl! };
    replicas = await Promise.all([0, 1, 2].map(() => startGatewayProcess(dir, configPath, sim, simKey, env)));
    nginx = await startNginx(replicas.map((replica) => replica.url));
  }, 90_000);
  afterAll(async () => {
    await nginx?.close();
    await stopChildren();
    await db?.close();
    await sim?.close();
  });

  async function newUser(credits: number, spendingLimitMicro: number | null = null) {
    const user = await createUser(db, { email: `lb-${Date.now()}-${Math.random()}@example.com` });
    await grantCredits(db, user.id, creditsToMicro(credits), 'load balancer test');
    const { secret, record } = await createApiKey(db, { userId: user.id, name: 'lb', spendingLimitMicro });
    return { userId: user.id, key: secret, keyId: record.id };
  }

  async function chat(key: string, maxTokens = 20) {
    const response = await fetch(`${nginx.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'deepseek-v3.2',
        max_tokens: maxTokens,
        messages: [{ role: 'user', content: 'Count to three [[sim:reply_tokens=10]]' }],
      }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    return { status: response.status, code: body.error?.code ?? null };
  }

  async function assertBalanced(userId: string) {
    const balance = await getBalance(db, userId);
    expect(balance.heldMicro).toBe(0);
    expect(balance.balanceMicro).toBe(await ledgerSum(db, userId));
  }

  async function keySpend(keyId: string) {
    const logged = await db.get<{ total: number | null }>(
      'SELECT SUM(cost_micro) AS total FROM request_logs WHERE key_id = ?',
      [keyId],
    );
    const budget = await db.get<{ spent_micro: number; held_micro: number }>(
      'SELECT spent_micro, held_micro FROM key_budgets WHERE key_id = ?',
      [keyId],
    );
    return {
      logged: Number(logged?.total ?? 0),
      spent: Number(budget?.spent_micro ?? 0),
      held: Number(budget?.held_micro ?? 0),
    };
  }

  it('64-way concurrent spend on one key never passes its cap and never falsely refuses', async () => {
    // One call's worst case (its hold) is the unit: every call below is the same request.
    const probe = await newUser(1000);
    expect((await chat(probe.key)).status).toBe(200);
    const hold = Number(
      (await db.get<{ amount_micro: number }>('SELECT amount_micro FROM holds WHERE user_id = ?', [
        probe.userId,
      ]))!.amount_micro,
    );

    // A cap that covers all 64 worst cases: not one refusal.
    const roomy = await newUser(1000, hold * 64 + 1);
    const all = await Promise.all(Array.from({ length: 64 }, () => chat(roomy.key)));
    expect(all.filter((result) => result.status !== 200)).toEqual([]);

    // A cap of 20 worst cases: never passed, and at least 20 get through (a refusal only
    // ever happens when the cap minus what is spent and held cannot cover one more).
    const tight = await newUser(1000, hold * 20);
    const results = await Promise.all(Array.from({ length: 64 }, () => chat(tight.key)));
    const ok = results.filter((result) => result.status === 200).length;
    const refused = results.filter((result) => result.status !== 200);
    expect(
      refused.every((result) => result.status === 403 && result.code === 'spending_limit_exceeded'),
    ).toBe(true);
    expect(ok).toBeGreaterThanOrEqual(20);
    const spend = await keySpend(tight.keyId);
    expect(spend.held).toBe(0);
    expect(spend.spent).toBe(spend.logged);
    expect(spend.spent).toBeLessThanOrEqual(hold * 20);
    console.info(`lb: 64 concurrent on a 20-hold cap → ${ok} served, ${refused.length} refused (403)`);
    for (const user of [probe, roomy, tight]) await assertBalanced(user.userId);
  }, 60_000);

  it('a per-user rate limit holds to ±1 % across the replicas', async () => {
    const limited = await newUser(1000);
    const rpm = 300;
    await db.run('UPDATE users SET rate_limit_rpm = ? WHERE id = ?', [rpm, limited.userId]);
    // One fixed window: start early in a minute.
    if (new Date().getUTCSeconds() > 30) await sleep((61 - new Date().getUTCSeconds()) * 1000);
    const started = Date.now();
    const results = await pool(450, 24, () => chat(limited.key, 5));
    const elapsed = Date.now() - started;
    const ok = results.filter((result) => result.status === 200).length;
    const limitedCount = results.filter((result) => result.status === 429).length;
    console.info(
      `lb: rpm ${rpm}, 450 sent in ${elapsed} ms across 3 replicas → ${ok} served, ${limitedCount} got 429`,
    );
    expect(ok + limitedCount).toBe(450);
    expect(Math.abs(ok - rpm)).toBeLessThanOrEqual(rpm * 0.01);
    await assertBalanced(limited.userId);
  }, 120_000);

  it('kill -9 of one replica mid-load loses no charged request and no log row, and frees its holds within 20 s', async () => {
    const user = await newUser(1000);
    sim.addFault({ chunkDelayMs: 25, times: Number.POSITIVE_INFINITY });
    const runs: Array<Promise<ClientRun>> = [];
    for (let index = 0; index < 36; index++) {
      runs.push(streamOnce(nginx.url, user.key));
      if (index === 18) process.kill(replicas[1]!.pid, 'SIGKILL');
      await sleep(40);
    }
    const killedAt = Date.now();
    const results = await Promise.all(runs);
    sim.clearFaults();
    const complete = results.filter((run) => run.complete);
    expect(complete.length).toBeGreaterThan(18);
    expect(results.some((run) => !run.complete)).toBe(true);
    // New calls are served by the two replicas left.
    const after = await Promise.all(Array.from({ length: 6 }, () => chat(user.key)));
    expect(after.every((result) => result.status === 200)).toBe(true);

    const openHolds = async () =>
      Number(
        (await db.get<{ n: number }>(
          "SELECT COUNT(*) AS n FROM holds WHERE status = 'open' AND user_id = ?",
          [user.userId],
        ))!.n,
      );
    while ((await openHolds()) > 0 && Date.now() - killedAt < holdBoundMs + 2_000) await sleep(250);
    const freedMs = Date.now() - killedAt;
    expect(await openHolds()).toBe(0);
    expect(freedMs).toBeLessThanOrEqual(holdBoundMs + 1_000);

    const logs = await db.all<{ id: string; status: number; cost_micro: number }>(
      'SELECT id, status, cost_micro FROM request_logs WHERE user_id = ?',
      [user.userId],
    );
    const charges = await db.all<{ request_id: string; amount_micro: number }>(
      "SELECT request_id, amount_micro FROM ledger_entries WHERE kind = 'charge' AND user_id = ?",
      [user.userId],
    );
    // Every answer a client received whole: one 200 row, one charge of exactly its cost.
    for (const run of complete) {
      const rows = logs.filter((log) => log.id === run.requestId);
      expect(rows).toHaveLength(1);
      expect(Number(rows[0]!.status)).toBe(200);
      const charged = charges.filter((charge) => charge.request_id === run.requestId);
      expect(charged).toHaveLength(1);
      expect(-Number(charged[0]!.amount_micro)).toBe(Number(rows[0]!.cost_micro));
    }
    // No row twice, no charge without its row, and every admitted request (a hold) has its row.
    expect(new Set(logs.map((log) => log.id)).size).toBe(logs.length);
    expect(new Set(charges.map((charge) => charge.request_id)).size).toBe(charges.length);
    for (const charge of charges) expect(logs.some((log) => log.id === charge.request_id)).toBe(true);
    const unlogged = await db.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM holds h WHERE h.user_id = ? AND NOT EXISTS (SELECT 1 FROM request_logs r WHERE r.id = h.request_id)',
      [user.userId],
    );
    expect(Number(unlogged!.n)).toBe(0);
    await assertBalanced(user.userId);
    const interrupted = logs.filter((log) => Number(log.status) === 502).length;
    console.info(
      `lb: kill -9 mid-load → ${complete.length} of 36 streams complete, ${interrupted} logged 502 interrupted, holds freed ${freedMs} ms after the kill`,
    );
  }, 90_000);
});
