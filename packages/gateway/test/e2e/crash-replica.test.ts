import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopChildren } from '../../bench/processes.ts';
import { createApiKey, createUser } from '../../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../src/billing/index.ts';
import { type Database, openDatabase } from '../../src/db/index.ts';
import { freshPostgresUrl, postgresUrl } from '../helpers/databases.ts';
import { startGatewayProcess } from '../helpers/gateway-process.ts';

const simKey = 'sim-crash-replica-key';
/** The documented bound with the default 15 s lease: lease + one sweep (5 s). */
const boundMs = 20_000;

async function chat(url: string, key: string, content: string, stream = false) {
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'deepseek-v3.2',
        stream,
        max_tokens: 50,
        messages: [{ role: 'user', content }],
      }),
    });
    const requestId = response.headers.get('x-request-id');
    const text = await response.text();
    return { status: response.status, requestId, text };
  } catch {
    return { status: 0, requestId: null, text: '' };
  }
}

/**
 * kill -9 of one replica (its own process) on PostgreSQL while its requests hold most of a
 * key's monthly cap; the other replica keeps running, with the default lease. Its sweep frees
 * the dead replica's holds within the documented bound and logs each of its requests.
 */
describe.skipIf(!postgresUrl)(
  'crash: kill -9 of one replica on PostgreSQL, the other frees its holds',
  () => {
    let sim: UpstreamSim;
    let db: Database;
    let databaseUrl = '';
    const dir = mkdtempSync(join(tmpdir(), 'hypereal-crash-replica-'));
    const configPath = join(dir, 'hypereal.yaml');

    beforeAll(async () => {
      sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: [simKey] });
      writeFileSync(configPath, 'rateLimits:\n  defaultRpm: 100000\n');
      databaseUrl = await freshPostgresUrl();
      db = await openDatabase({ databaseUrl, sqlitePath: '' });
    });
    afterAll(async () => {
      await stopChildren();
      await db.close();
      await sim.close();
    });

    it('frees the holds within 20 s, logs every in-flight request, balance = ledger, and the key cap is usable again', async () => {
      const user = await createUser(db, { email: 'crash-replica@example.com' });
      await grantCredits(db, user.id, creditsToMicro(1000), 'crash test credits');
      // A 0.05-credit cap: eight in-flight calls hold nearly all of it.
      const { secret: key } = await createApiKey(db, {
        userId: user.id,
        name: 'capped',
        spendingLimitMicro: creditsToMicro(0.05),
      });
      const env = { DATABASE_URL: databaseUrl };
      const doomed = await startGatewayProcess(dir, configPath, sim, simKey, env);
      const survivor = await startGatewayProcess(dir, configPath, sim, simKey, env);

      // Slow upstream answers (10 s) keep the doomed replica's calls in flight.
      sim.addFault({ latencyMs: 10_000, times: 8 });
      const inFlight = Array.from({ length: 8 }, () => chat(doomed.url, key, 'hold [[sim:reply_tokens=5]]'));
      const deadline = Date.now() + 5_000;
      const openHolds = async () =>
        Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM holds WHERE status = 'open'"))!.n);
      while ((await openHolds()) < 8 && Date.now() < deadline)
        await new Promise((done) => setTimeout(done, 50));
      expect(await openHolds()).toBe(8);
      const heldIds = (
        await db.all<{ request_id: string }>("SELECT request_id FROM holds WHERE status = 'open'")
      ).map((row) => row.request_id);

      process.kill(doomed.pid, 'SIGKILL');
      const killedAt = Date.now();
      await Promise.all(inFlight);
      // The dead replica's holds take most of the key's month budget until they are released.
      const heldBudget = async () =>
        Number(
          (await db.get<{ held: number }>('SELECT SUM(held_micro) AS held FROM key_budgets'))?.held ?? 0,
        );
      expect(await heldBudget()).toBeGreaterThan(creditsToMicro(0.04));

      while ((await openHolds()) > 0 && Date.now() - killedAt < boundMs + 2_000)
        await new Promise((done) => setTimeout(done, 250));
      const freedMs = Date.now() - killedAt;
      expect(await openHolds()).toBe(0);
      // The bound, plus the 250 ms polling step and the sweep's own run time.
      expect(freedMs).toBeLessThanOrEqual(boundMs + 1_000);
      console.info(`crash-replica: the dead replica's 8 holds were freed ${freedMs} ms after kill -9`);

      // Every request the dead replica admitted has one log row: interrupted, nothing charged.
      const logs = await db.all<{ id: string; status: number; cost_micro: number; error_code: string }>(
        `SELECT id, status, cost_micro, error_code FROM request_logs WHERE id IN (${heldIds.map(() => '?').join(', ')})`,
        heldIds,
      );
      expect(logs).toHaveLength(8);
      for (const log of logs) {
        expect(Number(log.status)).toBe(502);
        expect(log.error_code).toBe('interrupted');
        expect(Number(log.cost_micro)).toBe(0);
      }
      const balance = await getBalance(db, user.id);
      expect(balance.heldMicro).toBe(0);
      expect(balance.balanceMicro).toBe(await ledgerSum(db, user.id));
      expect(await heldBudget()).toBe(0);

      // The cap is not blocked any more: the survivor serves the key.
      const served = await chat(survivor.url, key, 'after [[sim:reply_tokens=5]]');
      expect(served.status).toBe(200);
    }, 60_000);
  },
);
