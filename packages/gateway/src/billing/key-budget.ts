import { monthOf } from '../accounts/api-keys.ts';
import type { Queryable } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { keyMonthSpend } from './key-month-spend.ts';
import { formatCredits } from './money.ts';
import type { SpendingAlerts } from './spending-alerts.ts';

/** A key's monthly cap, as the hold sees it. */
export interface KeyBudgetRef {
  keyId: string;
  /** `YYYY-MM` (UTC) the spend counts toward. */
  month: string;
  limitMicro: number;
}

/** The first millisecond of a `YYYY-MM` month (UTC). */
export function monthStart(month: string): number {
  return Date.parse(`${month}-01T00:00:00.000Z`);
}

/**
 * Month-to-date spend of many keys at once (the key list), for every key — capped or not.
 * It is the sum of the month's request log costs, the rows written with each charge;
 * `request_logs_key_spend` (key_id, created_at, cost_micro) makes it an index-only range
 * scan per key, one query per page (key_budgets only exists for keys with a cap).
 */
export async function keysMonthSpend(
  db: Queryable,
  keyIds: readonly string[],
  month: string,
): Promise<Map<string, number>> {
  if (keyIds.length === 0) return new Map();
  const from = monthStart(month);
  const rows = await db.all<{ key_id: string; spent_micro: number | null }>(
    `SELECT key_id, SUM(cost_micro) AS spent_micro FROM request_logs
     WHERE key_id IN (${keyIds.map(() => '?').join(', ')}) AND created_at >= ? AND created_at < ?
     GROUP BY key_id`,
    [...keyIds, from, monthStart(nextMonth(month))],
  );
  return new Map(rows.map((row) => [row.key_id, Number(row.spent_micro ?? 0)]));
}

function nextMonth(month: string): string {
  const start = new Date(monthStart(month));
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)).toISOString().slice(0, 7);
}

export function capExceeded(limitMicro: number, remainingMicro: number, heldMicro: number): GatewayError {
  const inFlight = heldMicro > 0 ? `, ${formatCredits(heldMicro)} more held by requests in flight` : '';
  return new GatewayError('spending_limit_exceeded', {
    message: `This request would exceed the API key's monthly spending limit of ${formatCredits(limitMicro)} credits (${formatCredits(Math.max(0, remainingMicro))} left this month${inFlight}). Raise the limit on /manage-api-keys or wait for the 1st of next month (UTC).`,
  });
}

/**
 * Reserves `amountMicro` of the key's month, in the caller's transaction. Like the
 * balance hold, the conditional UPDATE is what makes the cap hard under concurrency.
 */
export async function reserveKeyBudget(
  tx: Queryable,
  budget: KeyBudgetRef,
  amountMicro: number,
): Promise<void> {
  await tx.run('INSERT INTO key_budgets (key_id, month) VALUES (?, ?) ON CONFLICT DO NOTHING', [
    budget.keyId,
    budget.month,
  ]);
  const { changes } = await tx.run(
    'UPDATE key_budgets SET held_micro = held_micro + ? WHERE key_id = ? AND month = ? AND spent_micro + held_micro + ? <= ?',
    [amountMicro, budget.keyId, budget.month, amountMicro, budget.limitMicro],
  );
  if (changes > 0) return;
  const spend = await keyMonthSpend(tx, budget.keyId, budget.month);
  throw capExceeded(
    budget.limitMicro,
    budget.limitMicro - spend.spentMicro - spend.heldMicro,
    spend.heldMicro,
  );
}

/** Moves a settled hold from held to spent; returns the key's month-to-date spend. */
export async function settleKeyBudget(
  tx: Queryable,
  keyId: string,
  month: string,
  heldMicro: number,
  chargedMicro: number,
): Promise<number> {
  const row = await tx.get<{ spent_micro: number }>(
    'UPDATE key_budgets SET held_micro = held_micro - ?, spent_micro = spent_micro + ? WHERE key_id = ? AND month = ? RETURNING spent_micro',
    [heldMicro, chargedMicro, keyId, month],
  );
  return Number(row?.spent_micro ?? 0);
}

/** A capped key's budget for this month, as a hold reserves it (nothing read: the hold checks it). */
export function keyBudgetOf(
  alerts: SpendingAlerts,
  key: { keyId: string; spendingLimitMicro: number | null },
): { ref: KeyBudgetRef; alerts: SpendingAlerts } | undefined {
  if (key.spendingLimitMicro === null) return undefined;
  return {
    ref: { keyId: key.keyId, month: monthOf(Date.now()), limitMicro: key.spendingLimitMicro },
    alerts,
  };
}

/**
 * A capped key's budget as this request sees it: what is left of the month, and the
 * refusal to raise (which also tells the alerts) when the request does not fit. A key
 * already at its cap is refused here, before any hold.
 */
export async function loadKeyBudget(
  db: Queryable,
  alerts: SpendingAlerts,
  key: { keyId: string; spendingLimitMicro: number | null },
): Promise<
  | {
      ref: KeyBudgetRef;
      alerts: SpendingAlerts;
      remainingMicro: number;
      /** `neededMicro`: the least the refused request could have run with (see `SpendingAlerts.refused`). */
      refusal: (neededMicro?: number) => GatewayError;
    }
  | undefined
> {
  const limitMicro = key.spendingLimitMicro;
  if (limitMicro === null) return undefined;
  const ref = { keyId: key.keyId, month: monthOf(Date.now()), limitMicro };
  const spend = await keyMonthSpend(db, ref.keyId, ref.month);
  const remainingMicro = limitMicro - spend.spentMicro - spend.heldMicro;
  const refusal = (neededMicro?: number) => {
    alerts.refused(ref.keyId, ref.month, limitMicro, neededMicro);
    return capExceeded(limitMicro, remainingMicro, spend.heldMicro);
  };
  if (remainingMicro <= 0) throw refusal();
  return { ref, alerts, remainingMicro, refusal };
}
