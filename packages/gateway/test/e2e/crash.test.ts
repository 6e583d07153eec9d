import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopChildren } from '../../bench/processes.ts';
import { createApiKey, createUser } from '../../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../src/billing/index.ts';
import { type Database, openDatabase } from '../../src/db/index.ts';
import { engines, freshPostgresUrl } from '../helpers/databases.ts';
import { startGatewayProcess } from '../helpers/gateway-process.ts';
import { type ClientRun, streamOnce } from '../helpers/stream-once.ts';

const simKey = 'sim-crash-key';

/**
 * kill -9 under streaming load, then a restart on the same store: nothing a client received
 * whole goes uncharged or unlogged, nothing is charged twice, no hold outlives its lease, and
 * the ledger still equals every balance. Both engines commit the hot path's writes in groups
 * (a group's callers all wait for its COMMIT), so a kill can only lose groups nobody was told of.
 */
describe.each(engines)('crash: kill -9 under streaming load, restart on the same %s store', (engine) => {
  let sim: UpstreamSim;
  let db: Database;
  const dir = mkdtempSync(join(tmpdir(), 'hypereal-crash-'));
  const configPath = join(dir, 'hypereal.yaml');
  let userId = '';
  let key = '';
  let databaseUrl = '';

  beforeAll(async () => {
    sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: [simKey] });
    // ~30 chunks 25 ms apart: each stream lives ~0.8 s.
    sim.addFault({ chunkDelayMs: 25, times: Number.POSITIVE_INFINITY });
    writeFileSync(configPath, 'rateLimits:\n  defaultRpm: 100000\nbilling:\n  holdLeaseSeconds: 1\n');
    databaseUrl = engine === 'postgres' ? await freshPostgresUrl() : '';
    db = await openDatabase({ databaseUrl, sqlitePath: join(dir, 'hypereal.db') });
    const user = await createUser(db, { email: 'crash@example.com' });
    userId = user.id;
    await grantCredits(db, user.id, creditsToMicro(1000), 'crash test credits');
    key = (await createApiKey(db, { userId: user.id, name: 'crash' })).secret;
  });
  afterAll(async () => {
    await stopChildren();
    await db.close();
    await sim.close();
  });

  it('charges and logs exactly once every answer a client received whole, and frees the rest', async () => {
    const first = await startGatewayProcess(dir, configPath, sim, simKey, { DATABASE_URL: databaseUrl });
    const runs: Array<Promise<ClientRun>> = [];
    for (let index = 0; index < 24; index++) {
      runs.push(streamOnce(first.url, key));
      await new Promise((done) => setTimeout(done, 60)); // starts spread over ~1.4 s
    }
    await new Promise((done) => setTimeout(done, 0));
    process.kill(first.pid, 'SIGKILL');
    const results = await Promise.all(runs);
    const complete = results.filter((run) => run.complete);
    const cut = results.filter((run) => !run.complete);
    expect(complete.length).toBeGreaterThan(0);
    expect(cut.length).toBeGreaterThan(0);

    // The restarted gateway serves, and its sweep frees the dead process's holds within the lease.
    const second = await startGatewayProcess(dir, configPath, sim, simKey, { DATABASE_URL: databaseUrl });
    const after = await streamOnce(second.url, key);
    expect(after.complete).toBe(true);
    const deadline = Date.now() + 10_000;
    const openHolds = async () =>
      Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM holds WHERE status = 'open'"))!.n);
    while ((await openHolds()) > 0 && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 200));
    expect(await openHolds()).toBe(0);

    const logs = await db.all<{ id: string; status: number; cost_micro: number }>(
      'SELECT id, status, cost_micro FROM request_logs',
    );
    const charges = await db.all<{ request_id: string; amount_micro: number }>(
      "SELECT request_id, amount_micro FROM ledger_entries WHERE kind = 'charge'",
    );
    for (const run of [...complete, after]) {
      const rows = logs.filter((log) => log.id === run.requestId);
      expect(rows).toHaveLength(1);
      expect(Number(rows[0]!.status)).toBe(200);
      const charged = charges.filter((charge) => charge.request_id === run.requestId);
      expect(charged).toHaveLength(1);
      expect(-Number(charged[0]!.amount_micro)).toBe(Number(rows[0]!.cost_micro));
    }
    // No request is logged or charged twice, and every charge has its log row.
    expect(new Set(logs.map((log) => log.id)).size).toBe(logs.length);
    expect(new Set(charges.map((charge) => charge.request_id)).size).toBe(charges.length);
    for (const charge of charges) expect(logs.some((log) => log.id === charge.request_id)).toBe(true);
    const balance = await getBalance(db, userId);
    expect(balance.heldMicro).toBe(0);
    expect(balance.balanceMicro).toBe(await ledgerSum(db, userId));
  }, 60_000);
});
