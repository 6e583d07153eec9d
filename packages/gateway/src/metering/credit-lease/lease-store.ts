import { type Hold, walletOf } from '../../billing/index.ts';
import type { KeyBudgetRef } from '../../billing/key-budget.ts';
import type { Database, Queryable, SqlParam } from '../../db/index.ts';
import {
  attemptValues,
  type RequestLogEntry,
  requestLogColumns,
  requestLogValues,
} from '../../usage/index.ts';
import { type AttemptEntry, attemptRows, chargeParams, chargeSteps } from '../settle-statement.ts';
import { mergeableSettle, type SettleItem, type SettleRow } from './merged-settle.ts';
import { mergeableSqliteSettle } from './merged-settle-sqlite.ts';

/**
 * The durable side of a credit lease: one `holds` row (`lease = 1`) whose amount is always
 * what the lease still reserves of the wallet (and of the key's month budget), so the hold
 * sweep releasing it after a crash is exact. Every function here moves the lease row, the
 * wallet's `held_micro` and the key budget's `held_micro` by the same amount in one
 * transaction (or one statement).
 */

/** What a lease row needs to be found and to move its wallet and budget. */
export type LeaseHold = Omit<Hold, 'amountMicro'>;

export interface LeaseCreditInput {
  userId: string;
  orgId: string | null;
  keyId: string;
  /** What to add to the lease (or to open it with). */
  amountMicro: number;
  /** Granted only when `amountMicro × fraction` fits in what the wallet and the key's cap leave. */
  fraction: number;
  budget: KeyBudgetRef | undefined;
  /** The lease row: grown when `grow`, else created with this id. */
  holdId: string;
  grow: boolean;
  leaseMs: number;
  endpoint: string;
}

/**
 * Opens or grows a lease by `amountMicro`, under the wallet's lock (then the budget's): 'granted',
 * 'edge' when that much is more than 1/fraction of what is available (the caller holds per call),
 * or 'gone' when the lease to grow was closed or is draining.
 */
export async function leaseCredit(
  db: Database,
  input: LeaseCreditInput,
): Promise<'granted' | 'edge' | 'gone'> {
  const now = Date.now();
  const wallet = walletOf(input.userId, input.orgId);
  const budget = input.budget;
  if (db.engine === 'postgres') {
    const row = await db.grouped.get<{ granted: number | null }>(
      'SELECT granted FROM hypereal_lease_credit(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        input.userId,
        input.orgId,
        input.amountMicro,
        input.fraction,
        budget?.keyId ?? null,
        budget?.month ?? null,
        budget?.limitMicro ?? null,
        input.holdId,
        input.grow ? 'true' : 'false',
        input.keyId,
        now,
        now + input.leaseMs,
        input.endpoint,
      ],
      wallet.id,
    );
    if (!row || row.granted === null) return 'edge';
    return Number(row.granted) > 0 ? 'granted' : 'gone';
  }
  return db.transaction(async (tx) => {
    const walletRow = await tx.get<{ balance_micro: number; held_micro: number }>(
      `SELECT balance_micro, held_micro FROM ${wallet.table} WHERE id = ?`,
      [wallet.id],
    );
    if (!walletRow) return 'edge' as const;
    const available = Number(walletRow.balance_micro) - Number(walletRow.held_micro);
    let room = available;
    if (budget) {
      await tx.run('INSERT INTO key_budgets (key_id, month) VALUES (?, ?) ON CONFLICT DO NOTHING', [
        budget.keyId,
        budget.month,
      ]);
      const spend = await tx.get<{ spent_micro: number; held_micro: number }>(
        'SELECT spent_micro, held_micro FROM key_budgets WHERE key_id = ? AND month = ?',
        [budget.keyId, budget.month],
      );
      room = Math.min(
        room,
        budget.limitMicro - Number(spend?.spent_micro ?? 0) - Number(spend?.held_micro ?? 0),
      );
    }
    if (input.amountMicro * input.fraction > room) return 'edge' as const;
    if (input.grow) {
      const { changes } = await tx.run(
        "UPDATE holds SET amount_micro = amount_micro + ?, lease_until = ? WHERE id = ? AND status = 'open' AND drain = 0",
        [input.amountMicro, now + input.leaseMs, input.holdId],
      );
      if (changes === 0) return 'gone' as const;
    } else {
      await tx.run(
        "INSERT INTO holds (id, user_id, key_id, request_id, amount_micro, status, created_at, key_month, lease_until, endpoint, job_id, org_id, lease) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, NULL, ?, 1)",
        [
          input.holdId,
          input.userId,
          input.keyId,
          input.holdId,
          input.amountMicro,
          now,
          budget?.month ?? null,
          now + input.leaseMs,
          input.endpoint,
          input.orgId,
        ],
      );
    }
    await tx.run(`UPDATE ${wallet.table} SET held_micro = held_micro + ? WHERE id = ?`, [
      input.amountMicro,
      wallet.id,
    ]);
    if (budget) {
      await tx.run('UPDATE key_budgets SET held_micro = held_micro + ? WHERE key_id = ? AND month = ?', [
        input.amountMicro,
        budget.keyId,
        budget.month,
      ]);
    }
    return 'granted' as const;
  });
}

export interface LeasedSettlement {
  requestId: string;
  /** Charged to the wallet (≤ the call's reservation). */
  chargeMicro: number;
  /** Taken out of the lease row: the charge, or the call's whole reservation when the lease is draining. */
  releaseMicro: number;
  description: string;
  log: RequestLogEntry;
  attempts: readonly AttemptEntry[];
  /** The call has a `lease_calls` marker to delete. */
  marked: boolean;
}

export interface LeasedOutcome {
  /** False when the lease row was already closed (swept): nothing was charged, the log row says 0. */
  open: boolean;
  /** The row's `drain` flag (1: another replica asked for the lease back). */
  drain: number;
  keySpentMicro: number | null;
}

const statements = new Map<string, string>();

function settleStatementFor(
  table: string,
  attempts: number,
  budget: boolean,
  charged: boolean,
  marked: boolean,
): string {
  const cacheKey = `${table}:${attempts}:${budget}:${charged}:${marked}`;
  const cached = statements.get(cacheKey);
  if (cached) return cached;
  // The lease row first (it must still be open), then the wallet, then the budget: each step
  // hangs off the one before it. https://www.postgresql.org/docs/15/queries-with.html#QUERIES-WITH-MODIFYING
  const parts = [
    `h AS (UPDATE holds SET amount_micro = amount_micro - ?::bigint
       WHERE id = ?::text AND status = 'open' RETURNING drain)`,
    ...chargeSteps(table, budget, charged),
  ];
  // The log row is written whatever happened to the lease: at cost 0 when it was closed.
  const values = requestLogColumns.map(([name, type]) =>
    name === 'cost_micro' ? `CASE WHEN EXISTS (SELECT 1 FROM h) THEN ?::bigint ELSE 0 END` : `?::${type}`,
  );
  parts.push(`r AS (INSERT INTO request_logs (${requestLogColumns.map(([name]) => name).join(', ')})
     SELECT ${values.join(', ')})`);
  if (attempts > 0) parts.push(attemptRows(attempts, ''));
  if (marked) parts.push('m AS (DELETE FROM lease_calls WHERE request_id = ?::text)');
  const sql = `WITH ${parts.join(',\n')}
SELECT (SELECT count(*) FROM h) AS open, (SELECT drain FROM h) AS drain, ${budget ? '(SELECT spent_micro FROM kb)' : 'NULL'} AS key_spent`;
  statements.set(cacheKey, sql);
  return sql;
}

/**
 * One leased call's settlement, all or nothing: the charge out of the lease row, the wallet's
 * balance and held, the key budget from held to spent, the ledger row (naming the lease hold),
 * the log row and attempts. On PostgreSQL one statement (one round trip, grouped); on SQLite one
 * item of the next group commit. If the lease row is closed nothing is charged and the log row
 * is still written, at cost 0: a charge is never taken outside a reservation.
 */
export async function settleLeasedCall(
  db: Database,
  lease: LeaseHold,
  settlement: LeasedSettlement,
): Promise<LeasedOutcome> {
  const charge = Math.max(0, Math.ceil(settlement.chargeMicro));
  const release = Math.max(charge, Math.ceil(settlement.releaseMicro));
  const wallet = walletOf(lease.userId, lease.orgId);
  const budget = lease.keyBudget;
  const now = Date.now();
  // The log and attempt rows' values, made once: the call's own statement and a merged one both use them.
  const logValues = requestLogValues(settlement.log);
  const attemptRowValues = attemptValues(settlement.requestId, settlement.attempts);
  const item: SettleItem = {
    chargeMicro: charge,
    releaseMicro: release,
    requestId: settlement.requestId,
    description: settlement.description,
    at: now,
    logValues,
    attemptValues: attemptRowValues,
    marked: settlement.marked,
  };
  if (db.engine !== 'postgres') {
    // Merged with the other calls of this lease in the same group commit (alone: a merge of one).
    const mergeable = mergeableSqliteSettle(lease, item);
    return db.transaction(async (tx) => (await mergeable.merge(tx, [item]))[0]!, {
      repeatable: true,
      mergeable,
    });
  }
  const params: SqlParam[] = [
    release,
    lease.id,
    ...chargeParams(
      lease,
      { chargeMicro: charge, releaseMicro: release },
      { requestId: settlement.requestId, description: settlement.description, at: now },
    ),
    ...logValues,
    ...attemptRowValues.flat(),
  ];
  if (settlement.marked) params.push(settlement.requestId);
  const row = await db.grouped.get<SettleRow, SettleItem>(
    settleStatementFor(
      wallet.table,
      settlement.attempts.length,
      budget !== undefined,
      charge > 0,
      settlement.marked,
    ),
    params,
    wallet.id,
    mergeableSettle(lease, item),
  );
  const open = Number(row?.open ?? 0) > 0;
  return {
    open,
    drain: Number(row?.drain ?? 0),
    keySpentMicro: budget && open ? Number(row?.key_spent ?? 0) : null,
  };
}

/*
 * Lock order. A settle locks its lease row, then the wallet (its statement's steps hang off one
 * another); a grow locks the wallet, then the lease row. On PostgreSQL every statement that
 * touches a lease row of this replica — settle, grow, shrink, close, renew — therefore goes
 * through the group committer under the wallet's `lockOrder`: the committer never runs two groups
 * of one wallet at once, and inside a group the statements run one after the other in one
 * transaction, so the replica's own lease steps can never deadlock one another. Other replicas
 * only ever flag a lease row (`requestLeaseDrain`), one row per statement. SQLite has one
 * connection: every step is a transaction of its own, in turn.
 */

const budgetStep = (budget: LeaseHold['keyBudget'], amount: string): string =>
  budget
    ? `, kb AS (UPDATE key_budgets SET held_micro = held_micro - ${amount}
       WHERE key_id = ?::text AND month = ?::text AND EXISTS (SELECT 1 FROM h) RETURNING key_id)`
    : '';

/** Moves `amountMicro` of the lease back to the wallet (and budget), and marks it drained (2). */
export async function shrinkLease(db: Database, lease: LeaseHold, amountMicro: number): Promise<boolean> {
  const wallet = walletOf(lease.userId, lease.orgId);
  const budget = lease.keyBudget;
  if (db.engine === 'postgres') {
    const row = await db.grouped.get<{ open: number | string }>(
      `WITH h AS (UPDATE holds SET amount_micro = amount_micro - ?::bigint, drain = 2
         WHERE id = ?::text AND status = 'open' RETURNING id),
       w AS (UPDATE ${wallet.table} SET held_micro = held_micro - ?::bigint
         WHERE id = ?::text AND EXISTS (SELECT 1 FROM h) RETURNING id)${budgetStep(budget, '?::bigint')}
       SELECT (SELECT count(*) FROM h) AS open`,
      [
        amountMicro,
        lease.id,
        amountMicro,
        wallet.id,
        ...(budget ? [amountMicro, budget.keyId, budget.month] : []),
      ],
      wallet.id,
    );
    return Number(row?.open ?? 0) > 0;
  }
  return db.transaction(async (tx) => {
    const { changes } = await tx.run(
      "UPDATE holds SET amount_micro = amount_micro - ?, drain = 2 WHERE id = ? AND status = 'open'",
      [amountMicro, lease.id],
    );
    if (changes === 0) return false;
    if (amountMicro > 0) await releaseHeld(tx, lease, amountMicro);
    return true;
  });
}

async function releaseHeld(tx: Queryable, lease: LeaseHold, amountMicro: number): Promise<void> {
  const wallet = walletOf(lease.userId, lease.orgId);
  await tx.run(`UPDATE ${wallet.table} SET held_micro = held_micro - ? WHERE id = ?`, [
    amountMicro,
    wallet.id,
  ]);
  const budget = lease.keyBudget;
  if (budget) {
    await tx.run('UPDATE key_budgets SET held_micro = held_micro - ? WHERE key_id = ? AND month = ?', [
      amountMicro,
      budget.keyId,
      budget.month,
    ]);
  }
}

/** Closes the lease row and releases whatever it still holds (read under its lock). */
export async function closeLease(db: Database, lease: LeaseHold): Promise<number | null> {
  const wallet = walletOf(lease.userId, lease.orgId);
  const budget = lease.keyBudget;
  const now = Date.now();
  if (db.engine === 'postgres') {
    const row = await db.grouped.get<{ amount: number | null }>(
      `WITH h AS (UPDATE holds SET status = 'released', closed_at = ?::bigint, drain = 2
         WHERE id = ?::text AND status = 'open' RETURNING amount_micro),
       w AS (UPDATE ${wallet.table} SET held_micro = held_micro - (SELECT amount_micro FROM h)
         WHERE id = ?::text AND EXISTS (SELECT 1 FROM h) RETURNING id)${budgetStep(budget, '(SELECT amount_micro FROM h)')},
       d AS (DELETE FROM lease_calls WHERE hold_id = ?::text)
       SELECT (SELECT amount_micro FROM h) AS amount`,
      [now, lease.id, wallet.id, ...(budget ? [budget.keyId, budget.month] : []), lease.id],
      wallet.id,
    );
    return row?.amount === null || row?.amount === undefined ? null : Number(row.amount);
  }
  return db.transaction(async (tx) => {
    const row = await tx.get<{ amount_micro: number }>(
      "UPDATE holds SET status = 'released', closed_at = ?, drain = 2 WHERE id = ? AND status = 'open' RETURNING amount_micro",
      [now, lease.id],
    );
    await tx.run('DELETE FROM lease_calls WHERE hold_id = ?', [lease.id]);
    if (!row) return null;
    const amount = Number(row.amount_micro);
    if (amount !== 0) await releaseHeld(tx, lease, amount);
    return amount;
  });
}

/** Extends the leases of this process's open lease rows (one statement per wallet). */
export async function renewLeases(
  db: Database,
  leases: ReadonlyArray<{ holdId: string; walletId: string }>,
  leaseMs: number,
): Promise<void> {
  const byWallet = new Map<string, string[]>();
  for (const lease of leases)
    byWallet.set(lease.walletId, [...(byWallet.get(lease.walletId) ?? []), lease.holdId]);
  const until = Date.now() + leaseMs;
  await Promise.all(
    [...byWallet].map(([walletId, ids]) =>
      db.engine === 'postgres'
        ? // One statement shape whatever the number of leases (ids are [a-z0-9_]: a plain array literal).
          db.grouped.get(
            "UPDATE holds SET lease_until = ?::bigint WHERE id = ANY(?::text[]) AND status = 'open'",
            [until, `{${ids.join(',')}}`],
            walletId,
          )
        : db.run(
            `UPDATE holds SET lease_until = ? WHERE id IN (${ids.map(() => '?').join(', ')}) AND status = 'open'`,
            [until, ...ids],
          ),
    ),
  );
}

/** This process's lease rows as the store sees them: still open? asked back? */
export function leaseFlags(
  db: Database,
  holdIds: readonly string[],
): Promise<Array<{ id: string; status: string; drain: number }>> {
  if (holdIds.length === 0) return Promise.resolve([]);
  return db.all(`SELECT id, status, drain FROM holds WHERE id IN (${holdIds.map(() => '?').join(', ')})`, [
    ...holdIds,
  ]);
}

/** A leased call still running: what the sweep needs to log it `502 interrupted` if its replica dies. */
export interface LeaseCallMarker {
  requestId: string;
  holdId: string;
  userId: string;
  orgId: string | null;
  keyId: string | null;
  endpoint: string;
  startedAt: number;
}

/** Writes the markers of calls that have run past the bound, all in one statement. */
export async function markLeaseCalls(db: Database, markers: readonly LeaseCallMarker[]): Promise<void> {
  if (markers.length === 0) return;
  await db.run(
    `INSERT INTO lease_calls (request_id, hold_id, user_id, org_id, key_id, endpoint, started_at) VALUES ${markers
      .map(() => '(?, ?, ?, ?, ?, ?, ?)')
      .join(', ')} ON CONFLICT DO NOTHING`,
    markers.flatMap((marker) => [
      marker.requestId,
      marker.holdId,
      marker.userId,
      marker.orgId,
      marker.keyId,
      marker.endpoint,
      marker.startedAt,
    ]),
  );
}

const walletWhere = (orgId: string | null) => (orgId ? 'org_id = ?' : 'user_id = ? AND org_id IS NULL');

/**
 * Asks every open lease of the wallet that is still in use to give back what its calls do not
 * hold (`drain` 0 → 1); each owner shrinks it (→ 2) on its next settle or tick. Returns how many
 * were asked.
 */
export async function requestLeaseDrain(db: Database, userId: string, orgId: string | null): Promise<number> {
  const rows = await db.all<{ id: string }>(
    `SELECT id FROM holds WHERE lease = 1 AND status = 'open' AND drain = 0 AND ${walletWhere(orgId)}`,
    [orgId ?? userId],
  );
  // One row per statement: a flag never holds one lease row while waiting for another.
  let asked = 0;
  for (const row of rows) {
    const { changes } = await db.run(
      "UPDATE holds SET drain = 1 WHERE id = ? AND status = 'open' AND drain = 0",
      [row.id],
    );
    asked += changes;
  }
  return asked;
}

/** Open leases of the wallet asked back and not shrunk yet. */
export async function pendingLeaseDrains(
  db: Database,
  userId: string,
  orgId: string | null,
): Promise<number> {
  const row = await db.get<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM holds WHERE lease = 1 AND status = 'open' AND drain = 1 AND ${walletWhere(orgId)}`,
    [orgId ?? userId],
  );
  return Number(row?.n ?? 0);
}
