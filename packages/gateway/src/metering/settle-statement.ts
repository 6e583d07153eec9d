import { type Hold, type SettleOutcome, walletOf } from '../billing/index.ts';
import type { Database, SqlParam } from '../db/index.ts';
import { newId } from '../ids.ts';
import {
  type AttemptEntry,
  attemptValues,
  type RequestLogEntry,
  requestLogColumns,
  requestLogValues,
} from '../usage/index.ts';

export type { AttemptEntry };

const statements = new Map<string, string>();

/**
 * The steps of a charge after the hold step `h` (which must return a row for any of them to
 * run): the wallet `w` (balance − charge, held − release), the ledger row `l` when something is
 * charged, the key budget `kb` (held − release, spent + charge). Shared by a per-call hold's
 * settle and a leased call's; `chargeParams` gives their parameters in the same order.
 */
export function chargeSteps(table: string, budget: boolean, charged: boolean): string[] {
  const parts = [
    `w AS (UPDATE ${table} SET balance_micro = balance_micro - ?::bigint, held_micro = held_micro - ?::bigint
       WHERE id = ?::text AND EXISTS (SELECT 1 FROM h) RETURNING balance_micro)`,
  ];
  if (charged) {
    parts.push(`l AS (INSERT INTO ledger_entries (id, user_id, amount_micro, balance_after_micro, kind, request_id, hold_id, description, created_at, payment_id, org_id)
       SELECT ?::text, ?::text, ?::bigint, w.balance_micro, 'charge', ?::text, ?::text, ?::text, ?::bigint, NULL, ?::text FROM w)`);
  }
  if (budget) {
    parts.push(`kb AS (UPDATE key_budgets SET held_micro = held_micro - ?::bigint, spent_micro = spent_micro + ?::bigint
       WHERE key_id = ?::text AND month = ?::text AND EXISTS (SELECT 1 FROM w) RETURNING spent_micro)`);
  }
  return parts;
}

/** `chargeSteps`' parameters: `releaseMicro` leaves held (the wallet's, the key budget's), `chargeMicro` the balance. */
export function chargeParams(
  hold: Pick<Hold, 'id' | 'userId' | 'orgId' | 'keyBudget'>,
  amounts: { chargeMicro: number; releaseMicro: number },
  entry: { requestId: string; description: string; at: number },
): SqlParam[] {
  const { chargeMicro: charge, releaseMicro: release } = amounts;
  const params: SqlParam[] = [charge, release, walletOf(hold.userId, hold.orgId).id];
  if (charge > 0) {
    params.push(
      newId('led'),
      hold.userId,
      -charge,
      entry.requestId,
      hold.id,
      entry.description,
      entry.at,
      hold.orgId ?? null,
    );
  }
  const budget = hold.keyBudget;
  if (budget) params.push(release, charge, budget.keyId, budget.month);
  return params;
}

/** The attempts insert for `count` rows (`guard`: a WHERE clause, or '' to write them regardless). */
export function attemptRows(count: number, guard: string): string {
  const row = '(?::text, ?::integer, ?::text, ?::text, ?::integer, ?::integer, ?::text)';
  return `a AS (INSERT INTO request_attempts (request_id, attempt, provider, model, status, latency_ms, cause)
       SELECT v.* FROM (VALUES ${Array.from({ length: count }, () => row).join(', ')})
       AS v (request_id, attempt, provider, model, status, latency_ms, cause) ${guard})`;
}

/** `attemptRows`' parameters. */
export function attemptParams(requestId: string, attempts: readonly AttemptEntry[]): SqlParam[] {
  const params: SqlParam[] = [];
  for (const row of attemptValues(requestId, attempts)) params.push(...row);
  return params;
}

/**
 * The SQL of one settlement: each data-modifying step hangs off the one before it (the hold
 * closed → the wallet → the key budget), so the row locks are taken in the order every hold
 * takes them (wallet, then budget) and nothing is written unless the hold was still open.
 * https://www.postgresql.org/docs/15/queries-with.html#QUERIES-WITH-MODIFYING
 */
function statementFor(table: string, attempts: number, budget: boolean, charged: boolean): string {
  const cacheKey = `${table}:${attempts}:${budget}:${charged}`;
  const cached = statements.get(cacheKey);
  if (cached) return cached;
  const parts = [
    `h AS (UPDATE holds SET status = ?::text, charged_micro = ?::bigint, closed_at = ?::bigint
       WHERE id = ?::text AND status = 'open' RETURNING id)`,
    ...chargeSteps(table, budget, charged),
  ];
  parts.push(`r AS (INSERT INTO request_logs (${requestLogColumns.map(([name]) => name).join(', ')})
     SELECT ${requestLogColumns.map(([, type]) => `?::${type}`).join(', ')} WHERE EXISTS (SELECT 1 FROM h))`);
  if (attempts > 0) parts.push(attemptRows(attempts, 'WHERE EXISTS (SELECT 1 FROM h)'));
  const sql = `WITH ${parts.join(',\n')}
SELECT (SELECT count(*) FROM w) AS closed, ${budget ? '(SELECT spent_micro FROM kb)' : 'NULL'} AS key_spent`;
  statements.set(cacheKey, sql);
  return sql;
}

/**
 * A request's settlement on PostgreSQL as one statement (one round trip, one commit): close
 * the hold if still open, charge and release the wallet, write the ledger row, move the key's
 * budget from held to spent, and write the request log row and its attempts — all or nothing,
 * like `settleHold` with its `alsoWrite`, which SQLite runs instead. Null when the hold was
 * already closed (the sweep released it): then nothing is written.
 */
export async function settleInOneStatement(
  db: Database,
  hold: Hold,
  settlement: { chargeMicro: number; requestId: string; description: string },
  log: RequestLogEntry,
  attempts: readonly AttemptEntry[],
): Promise<SettleOutcome | null> {
  const charge = Math.max(0, Math.ceil(settlement.chargeMicro));
  const wallet = walletOf(hold.userId, hold.orgId);
  const budget = hold.keyBudget;
  const now = Date.now();
  const params: SqlParam[] = [
    charge > 0 ? 'settled' : 'released',
    charge,
    now,
    hold.id,
    ...chargeParams(
      hold,
      { chargeMicro: charge, releaseMicro: hold.amountMicro },
      { requestId: settlement.requestId, description: settlement.description, at: now },
    ),
    ...requestLogValues(log),
    ...attemptParams(settlement.requestId, attempts),
  ];
  const row = await db.grouped.get<{ closed: number | string; key_spent: number | null }>(
    statementFor(wallet.table, attempts.length, budget !== undefined, charge > 0),
    params,
    wallet.id,
  );
  if (!row || Number(row.closed) === 0) return null;
  return { chargedMicro: charge, keySpentMicro: budget ? Number(row.key_spent ?? 0) : null };
}
