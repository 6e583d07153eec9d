import { afterEach, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../src/billing/index.ts';
import type { Database } from '../../src/db/index.ts';
import { OpenCharges } from '../../src/metering/open-charges.ts';
import { RequestCharge } from '../../src/metering/request-charge.ts';
import { engines, freshDatabase } from '../helpers/databases.ts';

describe.each(engines)('open charges at shutdown (%s)', (engine) => {
  let db: Database;
  afterEach(async () => {
    await db.close();
  });

  it('tracks every unsettled hold; one that never finishes is refunded with a 503 log row', async () => {
    db = await freshDatabase(engine);
    const user = await createUser(db, { email: `open-${engine}@example.com` });
    await grantCredits(db, user.id, creditsToMicro(300));
    const open = new OpenCharges();
    const hold = (requestId: string) =>
      RequestCharge.hold(
        db,
        {
          requestId,
          userId: user.id,
          keyId: 'key_x',
          endpoint: '/v1/chat/completions',
          startedAt: Date.now(),
        },
        { amountMicro: creditsToMicro(5), minimumMicro: 0, leaseMs: 60_000 },
        undefined,
        open,
      );
    const finished = await hold('req_finished');
    const stuck = await hold('req_stuck');
    expect(open.size).toBe(2);
    expect(await open.settled(50)).toBe(false);

    await finished.settle({ input: 1_000_000, output: 1_000_000 }, null, { model: 'm', status: 200 });
    expect(open.size).toBe(1);
    expect(await open.refundAll({ status: 503, errorCode: 'shutdown', errorMessage: 'shut down' })).toBe(1);
    expect(await open.settled(50)).toBe(true);
    // Settling after the refund charges nothing twice.
    expect(
      await stuck.settle({ input: 1_000_000, output: 1_000_000 }, null, { model: 'm', status: 200 }),
    ).toBe(0);

    const log = await db.get<{ status: number; error_code: string; cost_micro: number }>(
      'SELECT status, error_code, cost_micro FROM request_logs WHERE id = ?',
      ['req_stuck'],
    );
    expect(log).toMatchObject({ error_code: 'shutdown' });
    expect(Number(log?.status)).toBe(503);
    expect(Number(log?.cost_micro)).toBe(0);
    const balance = await getBalance(db, user.id);
    expect(balance.heldMicro).toBe(0);
    expect(balance.balanceMicro).toBe(creditsToMicro(300));
    expect(await ledgerSum(db, user.id)).toBe(balance.balanceMicro);
  });
});
