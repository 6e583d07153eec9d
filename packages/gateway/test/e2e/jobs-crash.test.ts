import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopChildren } from '../../bench/processes.ts';
import { createApiKey, createUser } from '../../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../src/billing/index.ts';
import { type Database, openDatabase } from '../../src/db/index.ts';
import { startGatewayProcess } from '../helpers/gateway-process.ts';

const simKey = 'sim-jobs-crash-key';

/**
 * kill -9 while video jobs run, then a restart on the same SQLite store: the new process
 * takes over the dead one's leases, finishes (or fails, or expires) every job, and each
 * job's hold ends settled or refunded exactly once; the ledger equals the balance.
 */
describe('crash: kill -9 while video jobs run, restart on the same store', () => {
  let sim: UpstreamSim;
  let db: Database;
  const dir = mkdtempSync(join(tmpdir(), 'hypereal-jobs-crash-'));
  const configPath = join(dir, 'hypereal.yaml');
  let userId = '';
  let key = '';

  beforeAll(async () => {
    sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: [simKey] });
    sim.videos.setTiming({ queuedMs: 100, runningMs: 500 });
    writeFileSync(
      configPath,
      'rateLimits:\n  defaultRpm: 100000\njobs:\n  tickMs: 50\n  leaseSeconds: 1\n  maxPollIntervalMs: 100\n',
    );
    db = await openDatabase({ sqlitePath: join(dir, 'hypereal.db') });
    const user = await createUser(db, { email: 'jobs-crash@example.com' });
    userId = user.id;
    await grantCredits(db, user.id, creditsToMicro(100_000), 'crash test credits');
    key = (await createApiKey(db, { userId: user.id, name: 'crash' })).secret;
  });
  afterAll(async () => {
    await stopChildren();
    await db.close();
    await sim.close();
  });

  it('every job ends once, every hold is settled or refunded once, the ledger balances', async () => {
    const first = await startGatewayProcess(dir, configPath, sim, simKey);
    const prompts = (index: number) =>
      index % 7 === 3
        ? 'a storm [[sim:video_error]]'
        : index % 7 === 5
          ? 'a fight [[sim:moderated]]'
          : `clip ${index}`;
    const creates: Array<Promise<number>> = [];
    // The kill lands while jobs are being created, queued, running and finishing.
    const killed = new Promise<void>((done) =>
      setTimeout(() => {
        process.kill(first.pid, 'SIGKILL');
        done();
      }, 2_500),
    );
    for (let index = 0; index < 60; index++) {
      creates.push(
        fetch(`${first.url}/v1/videos/generate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gemini_omni_flash', prompt: prompts(index), duration: 4 }),
        }).then(
          (response) => response.status,
          () => 0, // the gateway died under this request
        ),
      );
      await new Promise((done) => setTimeout(done, 40));
    }
    await killed;
    const finishedAtKill = Number(
      (await db.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM jobs WHERE state NOT IN ('queued', 'running')",
      ))!.n,
    );
    const statuses = await Promise.all(creates);
    const liveAtKill = Number(
      (await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')"))!.n,
    );
    expect(liveAtKill).toBeGreaterThan(0);

    await startGatewayProcess(dir, configPath, sim, simKey);
    const deadline = Date.now() + 30_000;
    const live = async () =>
      Number(
        (await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')"))!
          .n,
      );
    while ((await live()) > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    expect(await live()).toBe(0);

    const jobs = await db.all<{ id: string; state: string; cost_micro: number; hold_id: string }>(
      'SELECT id, state, cost_micro, hold_id FROM jobs',
    );
    const holds = await db.all<{ id: string; status: string; charged_micro: number }>(
      'SELECT id, status, charged_micro FROM holds WHERE job_id IS NOT NULL',
    );
    const charges = await db.all<{ request_id: string; amount_micro: number }>(
      "SELECT request_id, amount_micro FROM ledger_entries WHERE kind = 'charge'",
    );
    const logs = await db.all<{ id: string }>('SELECT id FROM request_logs');
    expect(holds.length).toBe(jobs.length);
    for (const job of jobs) {
      const hold = holds.find((candidate) => candidate.id === job.hold_id)!;
      const charged = charges.filter((charge) => charge.request_id === job.id);
      expect(logs.filter((log) => log.id === job.id)).toHaveLength(1);
      if (job.state === 'succeeded') {
        expect(hold.status).toBe('settled');
        expect(charged).toHaveLength(1);
        expect(-Number(charged[0]!.amount_micro)).toBe(Number(job.cost_micro));
        expect(Number(job.cost_micro)).toBe(creditsToMicro(120));
      } else {
        expect(hold.status).toBe('released');
        expect(charged).toHaveLength(0);
      }
    }
    const balance = await getBalance(db, userId);
    expect(balance.heldMicro).toBe(0);
    expect(balance.balanceMicro).toBe(await ledgerSum(db, userId));
    const byState = Object.fromEntries(
      ['succeeded', 'failed', 'expired', 'canceled'].map((state) => [
        state,
        jobs.filter((job) => job.state === state).length,
      ]),
    );
    console.log(
      `kill -9 with ${liveAtKill} of ${jobs.length} jobs live, ${finishedAtKill} ended (${statuses.filter((status) => status === 0).length} creates refused or cut): after restart`,
      byState,
      `charged ${charges.length}, ledger = balance`,
    );
    expect(byState['succeeded']).toBeGreaterThan(0);
  }, 90_000);
});
