/**
 * The store alone under the hot path's writes: each of 64 concurrent workers admits a call and
 * settles it (ledger row, log row, one attempt) in a loop for a few seconds, spread over one
 * user (every call updates the same wallet row: the hot-row case) or over 32 — first with a hold
 * per call (`per-call hold`: the hold, then the settle), then through `admitCall` with this
 * process's credit leases (`credit lease`: admitted in memory, one settle statement per call and
 * one lease round trip per slice).
 *
 *   npm run bench:store                                   # SQLite in a temp dir
 *   npm run bench:store -- --postgres postgres://…/db     # PostgreSQL (fresh users each run)
 *
 * Prints calls per second and the process's own CPU per call. The database server's CPU (for
 * PostgreSQL) is not in it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, createUser } from '../src/accounts/index.ts';
import { creditsToMicro, grantCredits } from '../src/billing/index.ts';
import { SpendingAlerts } from '../src/billing/spending-alerts.ts';
import type { Database } from '../src/db/index.ts';
import { openDatabase } from '../src/db/index.ts';
import { admitCall } from '../src/metering/admit.ts';
import { CreditLeases } from '../src/metering/credit-lease/credit-leases.ts';
import { RequestCharge } from '../src/metering/request-charge.ts';
import { logMailer } from '../src/notifications/mailer.ts';

const args = process.argv.slice(2);
const postgres = args.includes('--postgres') ? args[args.indexOf('--postgres') + 1] : undefined;
const seconds = 5;
const workers = 64;
const price = { input: 10, output: 20 };
const usage = {
  unit: 'tokens' as const,
  tokens: {
    inputTokens: 100,
    outputTokens: 50,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
  },
};

const db = await openDatabase({
  databaseUrl: postgres,
  sqlitePath: join(mkdtempSync(join(tmpdir(), 'hypereal-store-bench-')), 'store.db'),
});
const alertsFor = (store: Database) =>
  new SpendingAlerts({
    db: store,
    mailer: logMailer(() => undefined),
    onKeyCapped: () => undefined,
    onError: () => undefined,
    publicUrl: undefined,
  });

for (const mode of ['per-call hold', 'credit lease'] as const) {
  const leases = mode === 'credit lease' ? new CreditLeases(db, { leaseMs: 60_000 }) : undefined;
  const services = {
    db,
    spendingAlerts: alertsFor(db),
    config: { billing: { holdLeaseMs: 60_000 } },
    ...(leases ? { creditLeases: leases } : {}),
  };
  for (const users of [1, 32]) {
    const owners: Array<{ userId: string; keyId: string }> = [];
    for (let index = 0; index < users; index++) {
      const user = await createUser(db, { email: `store-bench-${Date.now()}-${index}@hypereal.local` });
      await grantCredits(db, user.id, creditsToMicro(1_000_000), 'bench credits');
      const key = await createApiKey(db, { userId: user.id, name: 'bench' });
      owners.push({ userId: user.id, keyId: key.record.id });
    }
    let calls = 0;
    let sequence = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const end = Date.now() + seconds * 1000;
    const worker = async (index: number) => {
      const owner = owners[index % owners.length]!;
      while (Date.now() < end) {
        const context = {
          requestId: `req_bench_${Date.now()}_${sequence++}`,
          endpoint: '/v1/chat/completions',
          startedAt: Date.now(),
        };
        const charge = leases
          ? (
              await admitCall(
                services,
                {
                  ...owner,
                  orgId: null,
                  keyName: 'bench',
                  plan: 'default',
                  rateLimitRpm: null,
                  spendingLimitMicro: null,
                },
                context,
                0,
                () => ({ holdMicro: 500_000 }),
              )
            ).charge
          : await RequestCharge.hold(
              db,
              { ...context, ...owner, orgId: null },
              { amountMicro: 500_000, minimumMicro: 0, leaseMs: 60_000 },
            );
        await charge.settle(price, usage, { model: 'bench', status: 200 }, [
          { provider: 'bench', model: 'bench', status: 200, latencyMs: 1, cause: 'ok' },
        ]);
        calls++;
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, index) => worker(index)));
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    console.log(
      `${db.engine}, ${mode}, ${users === 1 ? 'one user' : `${users} users`}: ${Math.round(calls / elapsed)} calls/s (admit + settle), ${Math.round((cpu.user + cpu.system) / calls)} µs CPU per call in this process`,
    );
  }
  await leases?.close();
}
await db.close();
