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

const simKey = 'sim-crash-lease-key';

/**
 * kill -9 of a gateway whose calls run on a credit lease: the slice is released by the sweep
 * within the bound (lease + one sweep; 1 s + 333 ms here), never charged; every answer a client
 * received whole is charged and logged once; every call that had run longer than the marker bound
 * (1 s, plus a 250 ms tick) when the process died is logged `502 interrupted`; balance = ledger.
 */
describe.each(engines)('crash: kill -9 with credit leases, restart on the same %s store', (engine) => {
  let sim: UpstreamSim;
  let db: Database;
  const dir = mkdtempSync(join(tmpdir(), 'hypereal-crash-lease-'));
  const configPath = join(dir, 'hypereal.yaml');
  let userId = '';
  let key = '';
  let databaseUrl = '';

  beforeAll(async () => {
    sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: [simKey] });
    // 60 ms between chunks.
    sim.addFault({ chunkDelayMs: 60, times: Number.POSITIVE_INFINITY });
    writeFileSync(configPath, 'rateLimits:\n  defaultRpm: 100000\nbilling:\n  holdLeaseSeconds: 1\n');
    databaseUrl = engine === 'postgres' ? await freshPostgresUrl() : '';
    db = await openDatabase({ databaseUrl, sqlitePath: join(dir, 'hypereal.db') });
    const user = await createUser(db, { email: 'crash-lease@example.com' });
    userId = user.id;
    // Far from the edge: the calls run on a lease.
    await grantCredits(db, user.id, creditsToMicro(100_000), 'crash test credits');
    key = (await createApiKey(db, { userId: user.id, name: 'crash' })).secret;
  });
  afterAll(async () => {
    await stopChildren();
    await db.close();
    await sim.close();
  });

  it('releases the slice within the bound, charges every whole answer once, logs every long call', async () => {
    const first = await startGatewayProcess(dir, configPath, sim, simKey, { DATABASE_URL: databaseUrl });
    const runs: Array<Promise<ClientRun>> = [];
    for (let index = 0; index < 24; index++) {
      // The first few finish at once, the rest (seconds long) are cut by the kill.
      runs.push(streamOnce(first.url, key, index < 4 ? 5 : 400));
      await new Promise((done) => setTimeout(done, 60)); // starts spread over ~1.4 s
    }
    await new Promise((done) => setTimeout(done, 700));
    // The lease row holds the slice, and no call placed a hold of its own.
    const leases = await db.all<{ id: string }>("SELECT id FROM holds WHERE lease = 1 AND status = 'open'");
    expect(leases.length).toBeGreaterThan(0);
    const killedAt = Date.now();
    process.kill(first.pid, 'SIGKILL');
    const results = await Promise.all(runs);
    const complete = results.filter((run) => run.complete);
    const cut = results.filter((run) => !run.complete);
    expect(complete.length).toBeGreaterThan(0);
    expect(cut.length).toBeGreaterThan(0);

    const second = await startGatewayProcess(dir, configPath, sim, simKey, { DATABASE_URL: databaseUrl });
    const openHolds = async () =>
      Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM holds WHERE status = 'open'"))!.n);
    // The bound: lease (1 s) + one sweep (333 ms), plus the restart itself.
    const deadline = Date.now() + 5_000;
    while ((await openHolds()) > 0 && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 100));
    expect(await openHolds()).toBe(0);
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    expect(Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM holds WHERE lease = 0'))!.n)).toBe(
      0,
    );
    const after = await streamOnce(second.url, key);
    expect(after.complete).toBe(true);

    const logs = await db.all<{ id: string; status: number; cost_micro: number; error_code: string | null }>(
      'SELECT id, status, cost_micro, error_code FROM request_logs',
    );
    const charges = await db.all<{ request_id: string; amount_micro: number; hold_id: string }>(
      "SELECT request_id, amount_micro, hold_id FROM ledger_entries WHERE kind = 'charge'",
    );
    for (const run of [...complete, after]) {
      const rows = logs.filter((log) => log.id === run.requestId);
      expect(rows).toHaveLength(1);
      expect(Number(rows[0]!.status)).toBe(200);
      const charged = charges.filter((charge) => charge.request_id === run.requestId);
      expect(charged).toHaveLength(1);
      expect(-Number(charged[0]!.amount_micro)).toBe(Number(rows[0]!.cost_micro));
    }
    // A call cut after running past the marker bound is logged 502 interrupted, uncharged.
    const long = cut.filter((run) => run.requestId && killedAt - run.startedAt > 1_500);
    expect(long.length).toBeGreaterThan(0);
    for (const run of long) {
      const row = logs.find((log) => log.id === run.requestId);
      expect(row?.error_code).toBe('interrupted');
      expect(Number(row?.cost_micro)).toBe(0);
    }
    expect(new Set(logs.map((log) => log.id)).size).toBe(logs.length);
    expect(new Set(charges.map((charge) => charge.request_id)).size).toBe(charges.length);
    for (const charge of charges) expect(logs.some((log) => log.id === charge.request_id)).toBe(true);
    expect(Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM lease_calls'))!.n)).toBe(0);
    await new Promise((done) => setTimeout(done, 1_500)); // the restarted gateway's own idle lease goes back
    const balance = await getBalance(db, userId);
    expect(balance.heldMicro).toBe(0);
    expect(balance.balanceMicro).toBe(await ledgerSum(db, userId));
  }, 60_000);
});
