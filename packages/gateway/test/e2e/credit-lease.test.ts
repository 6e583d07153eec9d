import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey, updateApiKey } from '../../src/accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../src/billing/index.ts';
import { appendEntry } from '../../src/billing/ledger.ts';
import type { Database } from '../../src/db/index.ts';
import { listRequestLogs } from '../../src/usage/index.ts';
import { engines, freshDatabase, sharedDatabase } from '../helpers/databases.ts';
import { type Harness, startHarness } from '../helpers/harness.ts';
import { redisUrl } from '../helpers/redis.ts';

/** A worst case of ~369 credits (4,096 output tokens at 0.09) unless max_tokens says less. */
const models = {
  'dear-demo': { route: 'openai/dear-demo', price: { input: 10, output: 900 }, maxOutputTokens: 4096 },
};

async function leaseRows(db: Database, userId: string) {
  return db.all<{ id: string; status: string; amount_micro: number; drain: number }>(
    'SELECT id, status, amount_micro, drain FROM holds WHERE user_id = ? AND lease = 1 ORDER BY created_at',
    [userId],
  );
}

async function perCallHolds(db: Database, userId: string): Promise<number> {
  const row = await db.get<{ n: number | string }>(
    'SELECT COUNT(*) AS n FROM holds WHERE user_id = ? AND lease = 0',
    [userId],
  );
  return Number(row?.n ?? 0);
}

async function ask(client: OpenAI, content: string, maxTokens?: number): Promise<'ok' | number> {
  return client.chat.completions
    .create({
      model: 'dear-demo',
      messages: [{ role: 'user', content }],
      ...(maxTokens ? { max_tokens: maxTokens } : {}),
    })
    .then(
      () => 'ok' as const,
      (error: APIError) => error.status ?? 0,
    );
}

describe.each(engines)('credit leases on %s', (engine) => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ engine, config: { models } });
  });
  afterAll(() => harness.close());

  it('a clawback that takes the balance below what is held asks the lease back: no call is admitted on it after', async () => {
    const user = await harness.newUser(100_000);
    // Calls keep the lease busy (no idle return) while the card refund lands.
    const busy = Array.from({ length: 4 }, () => ask(user.client, 'slow one [[sim:reply_tokens=20]]'));
    expect(await ask(user.client, 'first [[sim:reply_tokens=5]]')).toBe('ok');
    expect((await leaseRows(harness.db, user.user.id)).some((lease) => lease.status === 'open')).toBe(true);
    const { balanceMicro } = await getBalance(harness.db, user.user.id);
    await harness.db.transaction((tx) =>
      appendEntry(tx, {
        userId: user.user.id,
        amountMicro: -(balanceMicro + creditsToMicro(50)),
        kind: 'topup_refund',
        description: 'card refund clawback',
      }),
    );
    await Promise.all(busy);
    await new Promise((resolve) => setTimeout(resolve, 600)); // the owner's tick (250 ms)
    // Negative balance: a 402, not a call on the old slice.
    expect(await ask(user.client, 'after the clawback [[sim:reply_tokens=5]]', 16)).toBe(402);
    await harness.balancedBalance(user.user.id);
    expect((await leaseRows(harness.db, user.user.id)).every((lease) => lease.status !== 'open')).toBe(true);
    const after = await getBalance(harness.db, user.user.id);
    expect(after.balanceMicro).toBe(await ledgerSum(harness.db, user.user.id));
    expect(after.heldMicro).toBe(0);
  });

  it('a lease is granted once and calls are admitted on it with no hold row per call; idle, it goes back by itself', async () => {
    const user = await harness.newUser(100_000);
    const results: Array<'ok' | number> = [];
    for (let index = 0; index < 12; index++) {
      results.push(await ask(user.client, `question ${index} [[sim:reply_tokens=20]]`));
    }
    await Promise.all(
      Array.from({ length: 8 }, async (_, index) => {
        results.push(await ask(user.client, `at once ${index} [[sim:reply_tokens=20]]`));
      }),
    );
    expect(results.every((result) => result === 'ok')).toBe(true);
    // One lease row, and not one hold row of a call: nothing was written before forwarding.
    const leases = await leaseRows(harness.db, user.user.id);
    expect(leases.length).toBeGreaterThanOrEqual(1);
    expect(await perCallHolds(harness.db, user.user.id)).toBe(0);
    const charges = await harness.db.all<{ hold_id: string; request_id: string }>(
      "SELECT hold_id, request_id FROM ledger_entries WHERE user_id = ? AND kind = 'charge'",
      [user.user.id],
    );
    expect(charges).toHaveLength(20);
    expect(new Set(charges.map((charge) => charge.hold_id)).size).toBe(leases.length);
    const logs = await listRequestLogs(harness.db, user.user.id, 100);
    expect(logs).toHaveLength(20);
    expect(new Set(charges.map((charge) => charge.request_id))).toEqual(new Set(logs.map((log) => log.id)));
    // While open, the slice shows as held (GET /v1/credits: held includes it).
    const open = await getBalance(harness.db, user.user.id);
    expect(open.heldMicro).toBeGreaterThan(0);
    // No call for a second: the lease goes back with no help.
    const deadline = Date.now() + 4_000;
    while ((await getBalance(harness.db, user.user.id)).heldMicro > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await getBalance(harness.db, user.user.id)).heldMicro).toBe(0);
    expect((await leaseRows(harness.db, user.user.id)).every((row) => row.status !== 'open')).toBe(true);
    const balance = await harness.balancedBalance(user.user.id);
    const charged = logs.reduce((sum, log) => sum + Number(log.cost_micro), 0);
    expect(charged).toBe(creditsToMicro(100_000) - balance);
  });

  it('near the edge a call holds per call, exactly as without a lease (1,000 credits: no lease, no 402)', async () => {
    const user = await harness.newUser(1_000);
    const results: Array<'ok' | number> = [];
    for (let index = 0; index < 6; index++)
      results.push(await ask(user.client, `q ${index} [[sim:reply_tokens=10]]`));
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(await leaseRows(harness.db, user.user.id)).toEqual([]);
    expect(await perCallHolds(harness.db, user.user.id)).toBe(6);
    await harness.balancedBalance(user.user.id);
  });

  it('a balance that just covers the call while a lease holds a slice: the lease gives it back, no 402', async () => {
    const user = await harness.newUser(100_000);
    // Another key of the same wallet opens a lease (a slice of its 100,000 credits)…
    expect(await ask(user.client, 'opens a lease [[sim:reply_tokens=10]]')).toBe('ok');
    const [lease] = await leaseRows(harness.db, user.user.id);
    expect(lease?.status).toBe('open');
    // …then the balance drops so that only with the slice back does the next call fit.
    const { availableMicro } = await getBalance(harness.db, user.user.id);
    const worstCase = creditsToMicro(369);
    await grantCredits(
      harness.db,
      user.user.id,
      -(availableMicro - 1_000),
      'test: near the edge',
      'adjustment',
    );
    const { secret } = await createApiKey(harness.db, { userId: user.user.id, name: 'second' });
    const second = new OpenAI({ baseURL: harness.baseUrl, apiKey: secret, maxRetries: 0 });
    // Balance minus nothing in flight covers 200 credits plus a worst case; the slice is all that is held.
    expect(Number(lease?.amount_micro)).toBeGreaterThan(creditsToMicro(200) + worstCase);
    expect(await ask(second, 'fits once the slice is back [[sim:reply_tokens=10]]')).toBe('ok');
    expect((await leaseRows(harness.db, user.user.id))[0]?.status).not.toBe('open');
    await harness.balancedBalance(user.user.id);
  });

  it('a key capped at 60,000 credits, 64 calls at a time on leases: the cap is never passed and is used up', async () => {
    const user = await harness.newUser(1_000_000);
    const capMicro = creditsToMicro(60_000);
    const { secret } = await createApiKey(harness.db, {
      userId: user.user.id,
      name: 'capped',
      spendingLimitMicro: capMicro,
    });
    const capped = new OpenAI({ baseURL: harness.baseUrl, apiKey: secret, maxRetries: 0 });
    const results: Array<'ok' | number> = [];
    for (let wave = 0; wave < 5; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 64 }, (_, index) => ask(capped, `w${wave} c${index} [[sim:reply_tokens=3500]]`)),
      );
      results.push(...answers);
    }
    expect(results.filter((result) => result !== 'ok' && result !== 403)).toEqual([]);
    expect(results.filter((result) => result === 403).length).toBeGreaterThan(0);
    await harness.gateway.services.creditLeases?.returnIdle();
    const budget = await harness.db.get<{ spent_micro: number; held_micro: number }>(
      'SELECT spent_micro, held_micro FROM key_budgets WHERE key_id IN (SELECT id FROM api_keys WHERE user_id = ? AND name = ?)',
      [user.user.id, 'capped'],
    );
    expect(Number(budget?.held_micro)).toBe(0);
    expect(Number(budget?.spent_micro)).toBeLessThanOrEqual(capMicro);
    // Used up: what is left cannot pay one more call's 3,500 tokens.
    expect(capMicro - Number(budget?.spent_micro)).toBeLessThan(creditsToMicro(369));
    const logs = await listRequestLogs(harness.db, user.user.id, 1_000);
    expect(logs.filter((log) => log.status === 200)).toHaveLength(
      results.filter((result) => result === 'ok').length,
    );
    const charged = logs.reduce((sum, log) => sum + Number(log.cost_micro), 0);
    expect(charged).toBe(Number(budget?.spent_micro));
    expect(creditsToMicro(1_000_000) - (await harness.balancedBalance(user.user.id))).toBe(charged);
    // Leases did the work: far fewer lease rows than calls, charges name them.
    const leases = await leaseRows(harness.db, user.user.id);
    expect(leases.length).toBeGreaterThan(0);
    expect(leases.length).toBeLessThan(20);
  });

  it('a limit change and a revocation drain the key’s lease, and no other user’s', async () => {
    const user = await harness.newUser(100_000);
    const bystander = await harness.newUser(100_000);
    const bystanderClient = new OpenAI({ baseURL: harness.baseUrl, apiKey: bystander.key, maxRetries: 0 });
    const { secret, record: key } = await createApiKey(harness.db, {
      userId: user.user.id,
      name: 'to change',
      spendingLimitMicro: creditsToMicro(80_000),
    });
    const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: secret, maxRetries: 0 });
    expect(await ask(client, 'opens [[sim:reply_tokens=10]]')).toBe('ok');
    expect((await leaseRows(harness.db, user.user.id))[0]?.status).toBe('open');
    // What PATCH /api/api-keys/:id does: the change, then the key caches dropped everywhere.
    expect(await ask(bystanderClient, 'a lease of its own [[sim:reply_tokens=10]]')).toBe('ok');
    await updateApiKey(harness.db, user.user.id, key.id, { spendingLimitMicro: creditsToMicro(60_000) });
    harness.gateway.services.keys.invalidate({ keyId: key.id });
    await waitFor(async () =>
      (await leaseRows(harness.db, user.user.id)).every((row) => row.status !== 'open'),
    );
    // The change named one key: another user's lease is neither drained nor closed.
    const untouched = await leaseRows(harness.db, bystander.user.id);
    expect(untouched.map((row) => [row.status, Number(row.drain)])).toEqual([['open', 0]]);
    expect(await ask(client, 'under the new limit [[sim:reply_tokens=10]]')).toBe('ok');
    const reopened = (await leaseRows(harness.db, user.user.id)).filter((row) => row.status === 'open');
    expect(reopened).toHaveLength(1);
    await revokeApiKey(harness.db, user.user.id, key.id);
    harness.gateway.services.keys.invalidate({ keyId: key.id });
    await waitFor(async () =>
      (await leaseRows(harness.db, user.user.id)).every((row) => row.status !== 'open'),
    );
    await harness.balancedBalance(user.user.id);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(engines)('credit leases across two replicas on %s', (engine) => {
  let first: Harness;
  let second: Harness;

  beforeAll(async () => {
    const [a, b] = await sharedDatabase(engine);
    first = await startHarness({ engine, db: a, config: { models } });
    second = await startHarness({ engine, db: b, config: { models } });
  });
  afterAll(async () => {
    await first.close();
    await second.close();
    await first.db.close();
    await second.db.close();
  });

  it('a refusal on one replica first takes back the other replica’s slice: no 402', async () => {
    const user = await first.newUser(100_000);
    const viaSecond = new OpenAI({ baseURL: second.baseUrl, apiKey: user.key, maxRetries: 0 });
    // Both replicas hold a slice of the one wallet.
    expect(await ask(user.client, 'first replica [[sim:reply_tokens=10]]')).toBe('ok');
    expect(await ask(viaSecond, 'second replica [[sim:reply_tokens=10]]')).toBe('ok');
    const leases = await leaseRows(first.db, user.user.id);
    expect(leases.filter((row) => row.status === 'open')).toHaveLength(2);
    const { availableMicro } = await getBalance(first.db, user.user.id);
    await grantCredits(
      first.db,
      user.user.id,
      -(availableMicro - 1_000),
      'test: near the edge',
      'adjustment',
    );
    // A call with a new key through the second replica: its own slice and the first replica's come back.
    const { secret } = await createApiKey(first.db, { userId: user.user.id, name: 'third' });
    const third = new OpenAI({ baseURL: second.baseUrl, apiKey: secret, maxRetries: 0 });
    const started = Date.now();
    expect(await ask(third, 'needs both slices back [[sim:reply_tokens=10]]', 2_000)).toBe('ok');
    // Given back on request (a tick), not by the 1 s idle return.
    expect(Date.now() - started).toBeLessThan(1_000);
    await first.gateway.services.creditLeases?.returnIdle();
    await second.balancedBalance(user.user.id);
  });
});

/**
 * A key's limit change on one replica reaches the others through Redis (the key invalidation
 * channel): every replica's lease of that key shrinks to its calls in flight at once — not after
 * the idle second — and closes when they end.
 */
describe.skipIf(!redisUrl || !engines.includes('postgres'))(
  'credit leases drain on a limit change across replicas',
  () => {
    let first: Harness;
    let second: Harness;

    beforeAll(async () => {
      const [a, b] = await sharedDatabase('postgres');
      first = await startHarness({
        engine: 'postgres',
        db: a,
        config: { models },
        env: { REDIS_URL: redisUrl! },
      });
      second = await startHarness({
        engine: 'postgres',
        db: b,
        config: { models },
        env: { REDIS_URL: redisUrl! },
      });
    });
    afterAll(async () => {
      await first.close();
      await second.close();
      await first.db.close();
      await second.db.close();
    });

    it('both replicas’ leases shrink to their streams in flight, then close', async () => {
      const user = await first.newUser(100_000);
      const { secret, record } = await createApiKey(first.db, {
        userId: user.user.id,
        name: 'capped',
        spendingLimitMicro: creditsToMicro(90_000),
      });
      // One slow stream on each replica (~3 s), each on its replica's lease of the key.
      const streams = [first, second].map(async (harness) => {
        harness.sim.addFault({ chunkDelayMs: 30 });
        const client = new OpenAI({ baseURL: harness.baseUrl, apiKey: secret, maxRetries: 0 });
        const stream = await client.chat.completions.create({
          model: 'dear-demo',
          stream: true,
          max_tokens: 1000,
          messages: [{ role: 'user', content: 'a long one [[sim:reply_tokens=100]]' }],
        });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        return text.length;
      });
      await waitFor(
        async () =>
          (await leaseRows(first.db, user.user.id)).filter((row) => row.status === 'open').length === 2,
      );
      await updateApiKey(first.db, user.user.id, record.id, { spendingLimitMicro: creditsToMicro(80_000) });
      first.gateway.services.keys.invalidate({ keyId: record.id });
      // Shrunk (drain = 2) to the one stream each holds (its worst case: 1,000 tokens at 0.09 + input).
      await waitFor(
        async () =>
          (await leaseRows(first.db, user.user.id)).every((row) => row.status === 'open' && row.drain === 2),
        1_000,
      );
      for (const row of await leaseRows(first.db, user.user.id)) {
        expect(Number(row.amount_micro)).toBeLessThan(creditsToMicro(91));
        expect(Number(row.amount_micro)).toBeGreaterThan(creditsToMicro(90));
      }
      expect((await Promise.all(streams)).every((length) => length > 0)).toBe(true);
      await waitFor(async () =>
        (await leaseRows(first.db, user.user.id)).every((row) => row.status !== 'open'),
      );
      await first.balancedBalance(user.user.id);
    });
  },
);

describe.each(engines)('graceful shutdown with credit leases on %s', (engine) => {
  it('returns every lease once the calls have finished: nothing left held', async () => {
    const db = await freshDatabase(engine);
    const harness = await startHarness({ engine, db, config: { models } });
    const user = await harness.newUser(100_000);
    const calls = Array.from({ length: 6 }, (_, index) =>
      ask(user.client, `in flight ${index} [[sim:reply_tokens=10]]`),
    );
    expect(await Promise.all(calls)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect((await leaseRows(db, user.user.id)).some((row) => row.status === 'open')).toBe(true);
    await harness.close();
    expect((await leaseRows(db, user.user.id)).every((row) => row.status !== 'open')).toBe(true);
    const balance = await getBalance(db, user.user.id);
    expect(balance.heldMicro).toBe(0);
    expect(balance.balanceMicro).toBe(await ledgerSum(db, user.user.id));
    await db.close();
  });
});
