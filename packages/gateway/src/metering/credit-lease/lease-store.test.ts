import { afterEach, describe, expect, it } from 'vitest';
import { engines, freshDatabase } from '../../../test/helpers/databases.ts';
import { createApiKey, createUser } from '../../accounts/index.ts';
import { creditsToMicro, getBalance, grantCredits, ledgerSum } from '../../billing/index.ts';
import type { Database } from '../../db/index.ts';
import { requestLogRow } from '../log-row.ts';
import { releaseExpiredHolds } from '../release-expired-holds.ts';
import {
  closeLease,
  leaseCredit,
  markLeaseCalls,
  renewLeases,
  settleLeasedCall,
  shrinkLease,
} from './lease-store.ts';

describe.each(engines)('credit lease rows on %s', (engine) => {
  let db: Database;
  afterEach(async () => {
    await db?.close();
  });

  async function wallet(credits: number, limitCredits?: number) {
    const user = await createUser(db, { email: `lease-${Date.now()}-${Math.random()}@example.com` });
    await grantCredits(db, user.id, creditsToMicro(credits));
    const { record } = await createApiKey(db, {
      userId: user.id,
      name: 'k',
      ...(limitCredits ? { spendingLimitMicro: creditsToMicro(limitCredits) } : {}),
    });
    return { userId: user.id, keyId: record.id };
  }

  const settlement = (requestId: string, userId: string, keyId: string, chargeMicro: number) => ({
    requestId,
    chargeMicro,
    releaseMicro: chargeMicro,
    description: 'test',
    log: requestLogRow(
      { requestId, userId, keyId, endpoint: '/v1/chat/completions', startedAt: Date.now() },
      { model: 'm', status: 200 },
      null,
      chargeMicro,
    ),
    attempts: [],
    marked: false,
  });

  const input = (
    owner: { userId: string; keyId: string },
    holdId: string,
    amountMicro: number,
    grow = false,
  ) => ({
    userId: owner.userId,
    orgId: null,
    keyId: owner.keyId,
    amountMicro,
    fraction: 16,
    budget: undefined,
    holdId,
    grow,
    leaseMs: 60_000,
    endpoint: '/v1/chat/completions',
  });

  it('grants a slice only far from the edge (≤ 1/16 of what is available), and grows it the same way', async () => {
    db = await freshDatabase(engine);
    const owner = await wallet(16_000);
    expect(await leaseCredit(db, input(owner, 'hld_edge', creditsToMicro(1_001)))).toBe('edge');
    expect(await leaseCredit(db, input(owner, 'hld_a', creditsToMicro(1_000)))).toBe('granted');
    expect((await getBalance(db, owner.userId)).heldMicro).toBe(creditsToMicro(1_000));
    // 15,000 left: 937.5 is the most a grow may add.
    expect(await leaseCredit(db, input(owner, 'hld_a', creditsToMicro(938), true))).toBe('edge');
    expect(await leaseCredit(db, input(owner, 'hld_a', creditsToMicro(900), true))).toBe('granted');
    expect(await leaseCredit(db, input(owner, 'hld_gone', creditsToMicro(10), true))).toBe('gone');
    // Renewed like any hold: its lease runs from now again.
    await db.run('UPDATE holds SET lease_until = 1 WHERE id = ?', ['hld_a']);
    await renewLeases(db, [{ holdId: 'hld_a', walletId: owner.userId }], 60_000);
    const renewed = await db.get<{ lease_until: number }>('SELECT lease_until FROM holds WHERE id = ?', [
      'hld_a',
    ]);
    expect(Number(renewed?.lease_until)).toBeGreaterThan(Date.now() + 50_000);
    expect((await getBalance(db, owner.userId)).heldMicro).toBe(creditsToMicro(1_900));
    expect(await closeLease(db, { id: 'hld_a', userId: owner.userId, orgId: null })).toBe(
      creditsToMicro(1_900),
    );
    expect((await getBalance(db, owner.userId)).heldMicro).toBe(0);
  });

  it('a call settles against the lease row: the row, the wallet and the key budget move by the charge', async () => {
    db = await freshDatabase(engine);
    const owner = await wallet(100_000, 50_000);
    const month = new Date().toISOString().slice(0, 7);
    const budget = { keyId: owner.keyId, month, limitMicro: creditsToMicro(50_000) };
    const lease = {
      id: 'hld_b',
      userId: owner.userId,
      orgId: null,
      keyBudget: { keyId: owner.keyId, month },
    };
    expect(await leaseCredit(db, { ...input(owner, 'hld_b', creditsToMicro(3_000)), budget })).toBe(
      'granted',
    );
    const outcome = await settleLeasedCall(
      db,
      lease,
      settlement('req_1', owner.userId, owner.keyId, 1_234_567),
    );
    expect(outcome).toEqual({ open: true, drain: 0, keySpentMicro: 1_234_567 });
    const row = await db.get<{ amount_micro: number }>('SELECT amount_micro FROM holds WHERE id = ?', [
      'hld_b',
    ]);
    expect(Number(row?.amount_micro)).toBe(creditsToMicro(3_000) - 1_234_567);
    const balance = await getBalance(db, owner.userId);
    expect(balance.heldMicro).toBe(Number(row?.amount_micro));
    expect(balance.balanceMicro).toBe(creditsToMicro(100_000) - 1_234_567);
    expect(await ledgerSum(db, owner.userId)).toBe(balance.balanceMicro);
    const spend = await db.get<{ spent_micro: number; held_micro: number }>(
      'SELECT spent_micro, held_micro FROM key_budgets WHERE key_id = ?',
      [owner.keyId],
    );
    expect([Number(spend?.spent_micro), Number(spend?.held_micro)]).toEqual([
      1_234_567,
      Number(row?.amount_micro),
    ]);
    const charge = await db.get<{ hold_id: string }>(
      "SELECT hold_id FROM ledger_entries WHERE request_id = 'req_1'",
    );
    expect(charge?.hold_id).toBe('hld_b');
    // Shrunk to nothing then closed: everything back, charge kept.
    expect(await shrinkLease(db, lease, Number(row?.amount_micro) - 1_000)).toBe(true);
    expect(await closeLease(db, lease)).toBe(1_000);
    expect((await getBalance(db, owner.userId)).heldMicro).toBe(0);
    const after = await db.get<{ held_micro: number }>(
      'SELECT held_micro FROM key_budgets WHERE key_id = ?',
      [owner.keyId],
    );
    expect(Number(after?.held_micro)).toBe(0);
  });

  it('the sweep releases exactly what a dead lease still holds and logs its marked calls; a late settle charges nothing', async () => {
    db = await freshDatabase(engine);
    const owner = await wallet(100_000);
    const lease = { id: 'hld_c', userId: owner.userId, orgId: null };
    expect(await leaseCredit(db, input(owner, 'hld_c', creditsToMicro(2_000)))).toBe('granted');
    // Its row shrinks as calls settle: the sweep must read what is left, not what was granted.
    await settleLeasedCall(db, lease, settlement('req_done', owner.userId, owner.keyId, 700_000));
    await markLeaseCalls(db, [
      {
        requestId: 'req_long',
        holdId: 'hld_c',
        userId: owner.userId,
        orgId: null,
        keyId: owner.keyId,
        endpoint: '/v1/chat/completions',
        startedAt: Date.now() - 5_000,
      },
    ]);
    expect(await releaseExpiredHolds(db, Date.now() + 120_000)).toBe(1);
    const balance = await getBalance(db, owner.userId);
    expect(balance.heldMicro).toBe(0);
    expect(balance.balanceMicro).toBe(creditsToMicro(100_000) - 700_000);
    expect(await ledgerSum(db, owner.userId)).toBe(balance.balanceMicro);
    const logs = await db.all<{ id: string; error_code: string | null; cost_micro: number }>(
      'SELECT id, error_code, cost_micro FROM request_logs ORDER BY id',
    );
    expect(logs.map((log) => [log.id, log.error_code, Number(log.cost_micro)])).toEqual([
      ['req_done', null, 700_000],
      ['req_long', 'interrupted', 0],
    ]);
    // A call that settles after its lease was swept: no charge, its log row at cost 0.
    const late = await settleLeasedCall(db, lease, settlement('req_late', owner.userId, owner.keyId, 50_000));
    expect(late.open).toBe(false);
    const row = await db.get<{ cost_micro: number }>(
      "SELECT cost_micro FROM request_logs WHERE id = 'req_late'",
    );
    expect(Number(row?.cost_micro)).toBe(0);
    expect((await getBalance(db, owner.userId)).balanceMicro).toBe(balance.balanceMicro);
    expect(await ledgerSum(db, owner.userId)).toBe(balance.balanceMicro);
  });

  it('many calls settling at once on one lease: each charged once, in a consistent ledger, one failure stays its own', async () => {
    db = await freshDatabase(engine);
    const owner = await wallet(100_000, 50_000);
    const month = new Date().toISOString().slice(0, 7);
    const budget = { keyId: owner.keyId, month, limitMicro: creditsToMicro(50_000) };
    const lease = {
      id: 'hld_many',
      userId: owner.userId,
      orgId: null,
      keyBudget: { keyId: owner.keyId, month },
    };
    const granted = creditsToMicro(3_000);
    expect(await leaseCredit(db, { ...input(owner, 'hld_many', granted), budget })).toBe('granted');
    // A log row already there under one call's id: that call's settle must fail, alone.
    await db.run(
      "INSERT INTO request_logs (id, user_id, endpoint, status, stream, latency_ms, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_micro, created_at) VALUES ('req_m_dup', ?, '/v1/chat/completions', 200, 0, 1, 0, 0, 0, 0, 0, 1)",
      [owner.userId],
    );
    await markLeaseCalls(db, [
      {
        requestId: 'req_m_3',
        holdId: 'hld_many',
        userId: owner.userId,
        orgId: null,
        keyId: owner.keyId,
        endpoint: '/v1/chat/completions',
        startedAt: Date.now(),
      },
    ]);
    const cause = `upstream said "no" \\ it's {busy}, NULL`;
    const calls = Array.from({ length: 40 }, (_, index) => {
      const requestId = index === 17 ? 'req_m_dup' : `req_m_${index}`;
      // Every fifth call failed upstream: nothing charged, its log row and attempts still written.
      const charge = index % 5 === 0 ? 0 : 10_000 + index * 137;
      return {
        ...settlement(requestId, owner.userId, owner.keyId, charge),
        releaseMicro: charge + 1_000,
        attempts: index % 2 ? [{ provider: 'p', model: 'm', status: 500, latencyMs: 3, cause }] : [],
        marked: index === 3,
      };
    });
    /** How many times rows of `holds` were updated (PostgreSQL's statistics; on SQLite a trigger counts). */
    const updatesOfHolds = async () => {
      if (engine !== 'postgres') {
        const row = await db.get<{ n: number }>('SELECT n FROM temp.holds_updates');
        return Number(row?.n ?? 0);
      }
      await db.run('SELECT pg_stat_force_next_flush()');
      const row = await db.get<{ n: number | string }>(
        "SELECT n_tup_upd AS n FROM pg_stat_user_tables WHERE relname = 'holds' AND schemaname = current_schema()",
      );
      return Number(row?.n ?? 0);
    };
    if (engine !== 'postgres') {
      await db.exec(`CREATE TEMP TABLE holds_updates (n INTEGER NOT NULL);
        INSERT INTO holds_updates VALUES (0);
        CREATE TEMP TRIGGER holds_updated AFTER UPDATE ON main.holds BEGIN UPDATE holds_updates SET n = n + 1; END;`);
    }
    const outcomes = await Promise.allSettled(calls.map((call) => settleLeasedCall(db, lease, call)));
    const failed = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [index] : []));
    expect(failed).toEqual([17]);
    const done = calls.filter((_, index) => index !== 17);
    const charged = done.reduce((sum, call) => sum + call.chargeMicro, 0);
    const released = done.reduce((sum, call) => sum + call.releaseMicro, 0);
    const row = await db.get<{ amount_micro: number }>(
      "SELECT amount_micro FROM holds WHERE id = 'hld_many'",
    );
    expect(Number(row?.amount_micro)).toBe(granted - released);
    const balance = await getBalance(db, owner.userId);
    expect(balance.balanceMicro).toBe(creditsToMicro(100_000) - charged);
    expect(balance.heldMicro).toBe(granted - released);
    expect(await ledgerSum(db, owner.userId)).toBe(balance.balanceMicro);
    // The charges, each once, and each ledger row's balance what the wallet held after it.
    const ledger = await db.all<{ request_id: string; amount_micro: number; balance_after_micro: number }>(
      "SELECT request_id, amount_micro, balance_after_micro FROM ledger_entries WHERE kind = 'charge' ORDER BY balance_after_micro DESC",
    );
    expect(ledger.map((entry) => entry.request_id).sort()).toEqual(
      done
        .filter((call) => call.chargeMicro > 0)
        .map((call) => call.requestId)
        .sort(),
    );
    let before = creditsToMicro(100_000);
    for (const entry of ledger) {
      expect(Number(entry.balance_after_micro)).toBe(before + Number(entry.amount_micro));
      before = Number(entry.balance_after_micro);
    }
    // The key's budget, and each call's view of it after its own charge.
    const spend = await db.get<{ spent_micro: number; held_micro: number }>(
      'SELECT spent_micro, held_micro FROM key_budgets WHERE key_id = ?',
      [owner.keyId],
    );
    expect([Number(spend?.spent_micro), Number(spend?.held_micro)]).toEqual([charged, granted - released]);
    const views = outcomes.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [outcome.value.keySpentMicro] : [],
    );
    expect(Math.max(...views.map(Number))).toBe(charged);
    // Log rows (cost as charged), attempts with their text intact, the marker gone.
    const logs = await db.all<{ id: string; cost_micro: number }>(
      "SELECT id, cost_micro FROM request_logs WHERE id LIKE 'req_m_%' AND id <> 'req_m_dup' ORDER BY id",
    );
    expect(logs).toHaveLength(39);
    expect(logs.reduce((sum, log) => sum + Number(log.cost_micro), 0)).toBe(charged);
    const attempts = await db.all<{ cause: string }>(
      "SELECT cause FROM request_attempts WHERE request_id LIKE 'req_m_%'",
    );
    expect(attempts).toHaveLength(19);
    expect(new Set(attempts.map((attempt) => attempt.cause))).toEqual(new Set([cause]));
    expect(await db.all("SELECT 1 FROM lease_calls WHERE request_id = 'req_m_3'")).toHaveLength(0);
    // The calls that wait for the same group commit go as one statement on PostgreSQL, as one
    // merged settle on SQLite (a group with a failing call, as above, runs each alone): the lease
    // row is updated far fewer times than there are calls, and the money still adds up. On
    // SQLite a lease grow (a transaction that may not be rerun) shares the group: the merged
    // settle then runs under a savepoint of its own.
    const updatesBefore = await updatesOfHolds();
    const more = Array.from({ length: 30 }, (_, index) =>
      settlement(`req_n_${index}`, owner.userId, owner.keyId, 5_000 + index),
    );
    const grown = creditsToMicro(10);
    const [grow] = await Promise.all([
      leaseCredit(db, { ...input(owner, 'hld_many', grown, true), budget }),
      ...more.map((call) => settleLeasedCall(db, lease, call)),
    ]);
    expect(grow).toBe('granted');
    expect((await updatesOfHolds()) - updatesBefore).toBeLessThan(10);
    const moreCharged = more.reduce((sum, call) => sum + call.chargeMicro, 0);
    const after = await getBalance(db, owner.userId);
    expect(after.heldMicro).toBe(
      granted - released + grown - more.reduce((sum, call) => sum + call.releaseMicro, 0),
    );

    expect((await getBalance(db, owner.userId)).balanceMicro).toBe(
      creditsToMicro(100_000) - charged - moreCharged,
    );
    expect(await ledgerSum(db, owner.userId)).toBe(creditsToMicro(100_000) - charged - moreCharged);
  });
});
