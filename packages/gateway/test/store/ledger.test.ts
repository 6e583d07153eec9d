import { afterEach, describe, expect, it } from 'vitest';
import { createApiKey, createUser, findApiKeyByHash, hashKey } from '../../src/accounts/index.ts';
import {
  creditsToMicro,
  getBalance,
  grantCredits,
  ledgerSum,
  placeHold,
  renewHold,
  settleHold,
} from '../../src/billing/index.ts';
import { type Database, migrate } from '../../src/db/index.ts';
import { migrations } from '../../src/db/migrations.ts';
import { GatewayError } from '../../src/errors/index.ts';
import { releaseExpiredHolds } from '../../src/metering/release-expired-holds.ts';
import { insertRequestLog, listRequestLogs } from '../../src/usage/index.ts';
import { engines, freshDatabase } from '../helpers/databases.ts';

describe.each(engines)('store on %s', (engine) => {
  let db: Database;
  afterEach(async () => {
    await db?.close();
  });

  async function balanced(userId: string): Promise<number> {
    const { balanceMicro } = await getBalance(db, userId);
    expect(await ledgerSum(db, userId)).toBe(balanceMicro);
    return balanceMicro;
  }

  it('migrates once and is idempotent', async () => {
    db = await freshDatabase(engine);
    expect(await migrate(db)).toBe(0);
    const rows = await db.all<{ version: number }>('SELECT version FROM schema_migrations');
    expect(rows.map((row) => Number(row.version))).toEqual(migrations.map((migration) => migration.version));
  });

  it('stores only the hash of a key and finds it by hash', async () => {
    db = await freshDatabase(engine);
    const user = await createUser(db, { email: 'Hash@Example.com' });
    expect(user.email).toBe('hash@example.com');
    const { secret, record } = await createApiKey(db, { userId: user.id, name: 'k' });
    expect(secret).toMatch(/^ck_[A-Za-z0-9_-]{32}$/);
    const stored = await db.all<Record<string, unknown>>('SELECT * FROM api_keys');
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(JSON.stringify(stored)).not.toContain(secret.slice(12));
    expect((await findApiKeyByHash(db, hashKey(secret)))?.id).toBe(record.id);
    await expect(createUser(db, { email: 'hash@example.com' })).rejects.toThrow(/already exists/);
  });

  it('grants, holds, settles exactly once, and keeps balance = sum of ledger', async () => {
    db = await freshDatabase(engine);
    const user = await createUser(db, { email: 'money@example.com' });
    await grantCredits(db, user.id, creditsToMicro(500));
    const hold = await placeHold(db, {
      userId: user.id,
      keyId: null,
      requestId: 'r1',
      amountMicro: 3_000_000,
      minimumMicro: 0,
      leaseMs: 60_000,
      endpoint: '/v1/chat/completions',
    });
    expect(await getBalance(db, user.id)).toEqual({
      balanceMicro: 500_000_000,
      heldMicro: 3_000_000,
      availableMicro: 497_000_000,
    });

    const settled = await settleHold(db, hold, {
      chargeMicro: 1_234_567,
      requestId: 'r1',
      description: 'test',
      alsoWrite: (tx) =>
        insertRequestLog(tx, {
          id: 'r1',
          userId: user.id,
          keyId: null,
          endpoint: '/v1/chat/completions',
          model: 'm',
          provider: 'p',
          upstreamModel: 'u',
          status: 200,
          stream: false,
          latencyMs: 5,
          promptTokens: 1,
          completionTokens: 2,
          cachedTokens: 0,
          reasoningTokens: 0,
          usageSource: 'upstream',
          costMicro: 1_234_567,
          errorCode: null,
          errorMessage: null,
          createdAt: Date.now(),
        }),
    });
    expect(settled).toEqual({ chargedMicro: 1_234_567, keySpentMicro: null });
    expect(
      await settleHold(db, hold, { chargeMicro: 1_234_567, requestId: 'r1', description: 'again' }),
    ).toBeNull();
    expect(await balanced(user.id)).toBe(500_000_000 - 1_234_567);
    expect((await getBalance(db, user.id)).heldMicro).toBe(0);
    const logs = await listRequestLogs(db, user.id);
    expect(logs).toHaveLength(1);
    expect(Number(logs[0]!.cost_micro)).toBe(1_234_567);
  });

  it('rolls the charge back when the log write fails (nothing charged without a log)', async () => {
    db = await freshDatabase(engine);
    const user = await createUser(db, { email: 'atomic@example.com' });
    await grantCredits(db, user.id, creditsToMicro(10));
    const hold = await placeHold(db, {
      userId: user.id,
      keyId: null,
      requestId: 'r',
      amountMicro: 1_000_000,
      minimumMicro: 0,
      leaseMs: 60_000,
      endpoint: '/v1/chat/completions',
    });
    await expect(
      settleHold(db, hold, {
        chargeMicro: 500_000,
        requestId: 'r',
        description: 'x',
        alsoWrite: async () => {
          throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(await balanced(user.id)).toBe(10_000_000);
    expect((await getBalance(db, user.id)).heldMicro).toBe(1_000_000);
  });

  it('never lets concurrent holds exceed the available balance', async () => {
    db = await freshDatabase(engine);
    const user = await createUser(db, { email: 'race@example.com' });
    await grantCredits(db, user.id, creditsToMicro(10));
    const attempts = await Promise.allSettled(
      Array.from({ length: 40 }, (_, index) =>
        placeHold(db, {
          userId: user.id,
          keyId: null,
          requestId: `r${index}`,
          amountMicro: 1_000_000,
          minimumMicro: 0,
          leaseMs: 60_000,
          endpoint: '/v1/chat/completions',
        }),
      ),
    );
    const held = attempts.filter((attempt) => attempt.status === 'fulfilled');
    const refused = attempts.filter((attempt) => attempt.status === 'rejected');
    expect(held).toHaveLength(10);
    for (const attempt of refused) {
      expect((attempt as PromiseRejectedResult).reason).toBeInstanceOf(GatewayError);
      expect(((attempt as PromiseRejectedResult).reason as GatewayError).status).toBe(402);
    }
    expect((await getBalance(db, user.id)).availableMicro).toBe(0);
  });

  it('enforces the minimum balance on the available (unheld) credit', async () => {
    db = await freshDatabase(engine);
    const user = await createUser(db, { email: 'min@example.com' });
    await grantCredits(db, user.id, creditsToMicro(199));
    await expect(
      placeHold(db, {
        userId: user.id,
        keyId: null,
        requestId: 'r',
        amountMicro: 1,
        minimumMicro: creditsToMicro(200),
        leaseMs: 60_000,
        endpoint: '/v1/chat/completions',
      }),
    ).rejects.toMatchObject({ status: 402 });
    expect((await getBalance(db, user.id)).heldMicro).toBe(0);
  });

  it('releases holds whose lease ran out (a crashed process), once, with a log row; renewed holds stay', async () => {
    db = await freshDatabase(engine);
    const user = await createUser(db, { email: 'stale@example.com' });
    await grantCredits(db, user.id, creditsToMicro(50));
    const place = (requestId: string) =>
      placeHold(db, {
        userId: user.id,
        keyId: null,
        requestId,
        amountMicro: 5_000_000,
        minimumMicro: 0,
        leaseMs: 1_000,
        endpoint: '/v1/messages',
      });
    const dead = await place('req_dead');
    const live = await place('req_live');
    const later = Date.now() + 5_000;
    await renewHold(db, live.id, 60_000);
    expect(await releaseExpiredHolds(db, later)).toBe(1);
    expect(await releaseExpiredHolds(db, later)).toBe(0);
    expect(await getBalance(db, user.id)).toEqual({
      balanceMicro: 50_000_000,
      heldMicro: 5_000_000,
      availableMicro: 45_000_000,
    });
    const rows = await db.all<{ id: string; status: number; error_code: string; cost_micro: number }>(
      'SELECT id, status, error_code, cost_micro FROM request_logs',
    );
    expect(
      rows.map((row) => ({ ...row, status: Number(row.status), cost_micro: Number(row.cost_micro) })),
    ).toEqual([{ id: 'req_dead', status: 502, error_code: 'interrupted', cost_micro: 0 }]);
    // The live request settles normally later; the dead one's late settle charges nothing.
    expect(
      await settleHold(db, dead, { chargeMicro: 1_000, description: 'late', requestId: 'req_dead' }),
    ).toBeNull();
    await settleHold(db, live, { chargeMicro: 1_000_000, description: 'ok', requestId: 'req_live' });
    expect(await balanced(user.id)).toBe(49_000_000);
  });
});
