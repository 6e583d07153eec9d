import type { Hold } from '../../billing/index.ts';
import { chargeHeldCalls } from '../../billing/ledger.ts';
import type { MergeableTransaction, Queryable, SqlParam } from '../../db/index.ts';
import { insertAttemptRows, insertRequestLogRows, requestLogColumns } from '../../usage/index.ts';
import type { SettleItem } from './merged-settle.ts';

/** A leased call's outcome on SQLite (what `settleLeasedCall` returns). */
export interface SqliteSettleOutcome {
  open: boolean;
  drain: number;
  keySpentMicro: number | null;
}

const costColumn = requestLogColumns.findIndex(([name]) => name === 'cost_micro');

/**
 * The settlements of one or more calls on one lease, in the caller's transaction — what settling
 * each on its own, one after the other, does: the lease row, the wallet and the key budget
 * updated once by the sums, a ledger row per charging call (its balance after that call), and
 * the log rows, attempts and marker deletes as multi-row statements. If the lease row is closed
 * nothing is charged and the log rows are still written, at cost 0.
 */
export async function settleLeaseCalls(
  tx: Queryable,
  lease: Omit<Hold, 'amountMicro'>,
  batch: readonly SettleItem[],
): Promise<SqliteSettleOutcome[]> {
  let released = 0;
  for (const call of batch) released += call.releaseMicro;
  const row = await tx.get<{ drain: number }>(
    "UPDATE holds SET amount_micro = amount_micro - ? WHERE id = ? AND status = 'open' RETURNING drain",
    [released, lease.id],
  );
  const spent = row ? await chargeHeldCalls(tx, lease, batch) : batch.map(() => null);
  await insertRequestLogRows(
    tx,
    row
      ? batch.map((call) => call.logValues)
      : batch.map((call) => call.logValues.map((value, index) => (index === costColumn ? 0 : value))),
  );
  await insertAttemptRows(
    tx,
    batch.flatMap((call) => call.attemptValues),
  );
  const marked: SqlParam[] = batch.filter((call) => call.marked).map((call) => call.requestId);
  if (marked.length > 0) {
    await tx.run(`DELETE FROM lease_calls WHERE request_id IN (${marked.map(() => '?').join(', ')})`, marked);
  }
  const drain = Number(row?.drain ?? 0);
  return batch.map((_, index) => ({ open: row !== undefined, drain, keySpentMicro: spent[index] ?? null }));
}

/** A leased call's settlement as a SQLite transaction that merges with the other calls of the same lease in the same group commit. */
export function mergeableSqliteSettle(
  lease: Omit<Hold, 'amountMicro'>,
  item: SettleItem,
): MergeableTransaction<SettleItem, SqliteSettleOutcome> {
  return {
    key: `lease-settle:${lease.id}`,
    data: item,
    merge: (tx, batch) => settleLeaseCalls(tx, lease, batch),
  };
}
