import { type Hold, walletOf } from '../../billing/index.ts';
import { type Mergeable, type SqlParam, sqlArray, sqlArrayColumn } from '../../db/index.ts';
import { newId } from '../../ids.ts';
import { requestLogColumns } from '../../usage/index.ts';

/** One leased call's settlement, as the merged statement needs it. */
export interface SettleItem {
  chargeMicro: number;
  releaseMicro: number;
  requestId: string;
  description: string;
  at: number;
  /** Its log row's values, in `requestLogColumns` order. */
  logValues: readonly SqlParam[];
  /** Its attempt rows' values (`attemptValues`). */
  attemptValues: readonly (readonly SqlParam[])[];
  marked: boolean;
}

/** The single statement's answer row, which the merged one gives each of its calls too. */
export interface SettleRow {
  open: number | string;
  drain: number | null;
  key_spent: number | null;
}

const statements = new Map<string, string>();

/**
 * The settlements of several calls on one lease in one statement — what running their own
 * statements one after the other in one transaction does, with the lease row, the wallet and
 * the key budget updated once by the sums (one new row version each, not one per call): the
 * ledger rows (their `balance_after` what the wallet held after each call, in order), log rows
 * and attempts as multi-row inserts of array parameters, so the statement has one shape
 * whatever the number of calls and is prepared once.
 * https://www.postgresql.org/docs/15/functions-array.html#ARRAY-FUNCTIONS-TABLE (unnest)
 */
function mergedStatement(table: string, budget: boolean): string {
  const cacheKey = `${table}:${budget}`;
  const cached = statements.get(cacheKey);
  if (cached) return cached;
  const logColumns = requestLogColumns.map(([name]) => name);
  const logArrays = requestLogColumns.map(([, type]) => `?::${type}[]`).join(', ');
  const logValues = logColumns.map((name) =>
    name === 'cost_micro' ? 'CASE WHEN EXISTS (SELECT 1 FROM h) THEN v.cost_micro ELSE 0 END' : `v.${name}`,
  );
  const parts = [
    `h AS (UPDATE holds SET amount_micro = amount_micro - ?::bigint
       WHERE id = ?::text AND status = 'open' RETURNING drain)`,
    `w AS (UPDATE ${table} SET balance_micro = balance_micro - ?::bigint, held_micro = held_micro - ?::bigint
       WHERE id = ?::text AND EXISTS (SELECT 1 FROM h) RETURNING balance_micro)`,
    `l AS (INSERT INTO ledger_entries (id, user_id, amount_micro, balance_after_micro, kind, request_id, hold_id, description, created_at, payment_id, org_id)
       SELECT c.id, ?::text, -c.amount, w.balance_micro + c.later, 'charge', c.request_id, ?::text, c.description, c.created_at, NULL, ?::text
       FROM w, unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[])
         AS c (id, request_id, amount, later, description, created_at))`,
  ];
  if (budget) {
    parts.push(`kb AS (UPDATE key_budgets SET held_micro = held_micro - ?::bigint, spent_micro = spent_micro + ?::bigint
       WHERE key_id = ?::text AND month = ?::text AND EXISTS (SELECT 1 FROM w) RETURNING spent_micro)`);
  }
  // The log rows are written whatever happened to the lease: at cost 0 when it was closed.
  parts.push(`r AS (INSERT INTO request_logs (${logColumns.join(', ')})
     SELECT ${logValues.join(', ')} FROM unnest(${logArrays}) AS v (${logColumns.join(', ')}))`);
  parts.push(`a AS (INSERT INTO request_attempts (request_id, attempt, provider, model, status, latency_ms, cause)
     SELECT * FROM unnest(?::text[], ?::integer[], ?::text[], ?::text[], ?::integer[], ?::integer[], ?::text[]))`);
  parts.push('m AS (DELETE FROM lease_calls WHERE request_id = ANY (?::text[]))');
  const sql = `WITH ${parts.join(',\n')}
SELECT (SELECT count(*) FROM h) AS open, (SELECT drain FROM h) AS drain, ${budget ? '(SELECT spent_micro FROM kb)' : 'NULL'} AS key_spent`;
  statements.set(cacheKey, sql);
  return sql;
}

/** The columns of `rows` (all of one width), each as one array parameter. */
function columnArrays(rows: readonly (readonly SqlParam[])[], width: number): string[] {
  const arrays: string[] = [];
  for (let column = 0; column < width; column++) arrays.push(sqlArrayColumn(rows, column));
  return arrays;
}

/**
 * A leased call's settlement as a grouped statement that merges with the other calls of the same
 * lease waiting for the same group commit (`Mergeable`).
 */
export function mergeableSettle(
  lease: Omit<Hold, 'amountMicro'>,
  item: SettleItem,
): Mergeable<SettleItem, SettleRow | undefined> {
  const wallet = walletOf(lease.userId, lease.orgId);
  const budget = lease.keyBudget;
  return {
    key: `lease-settle:${lease.id}`,
    data: item,
    merge(batch) {
      let charged = 0;
      let released = 0;
      for (const call of batch) {
        charged += call.chargeMicro;
        released += call.releaseMicro;
      }
      // Each ledger row's balance after it: the wallet's after the whole batch plus what the
      // calls after it charged.
      const ledger: SqlParam[][] = [];
      let later = charged;
      for (const call of batch) {
        later -= call.chargeMicro;
        if (call.chargeMicro > 0) {
          ledger.push([newId('led'), call.requestId, call.chargeMicro, later, call.description, call.at]);
        }
      }
      const params: SqlParam[] = [
        released,
        lease.id,
        charged,
        released,
        wallet.id,
        lease.userId,
        lease.id,
        lease.orgId ?? null,
        ...columnArrays(ledger, 6),
      ];
      if (budget) params.push(released, charged, budget.keyId, budget.month);
      params.push(
        ...columnArrays(
          batch.map((call) => call.logValues),
          requestLogColumns.length,
        ),
      );
      params.push(
        ...columnArrays(
          batch.flatMap((call) => call.attemptValues),
          7,
        ),
      );
      params.push(sqlArray(batch.filter((call) => call.marked).map((call) => call.requestId)));
      return {
        sql: mergedStatement(wallet.table, budget !== undefined),
        params,
        split(row) {
          const answer = row as SettleRow | undefined;
          // Each call's view of the key's spend: the final one less what the calls after it charged.
          let spentAfter = charged;
          return batch.map((call) => {
            spentAfter -= call.chargeMicro;
            if (!answer) return undefined;
            const keySpent = answer.key_spent === null ? null : Number(answer.key_spent) - spentAfter;
            return { ...answer, key_spent: keySpent };
          });
        },
      };
    },
  };
}
