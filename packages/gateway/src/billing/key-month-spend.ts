import type { Queryable } from '../db/index.ts';

/** What a key has spent and holds in one calendar month (only capped keys have a `key_budgets` row). */
export interface KeyMonthSpend {
  spentMicro: number;
  heldMicro: number;
}

export async function keyMonthSpend(db: Queryable, keyId: string, month: string): Promise<KeyMonthSpend> {
  const row = await db.get<{ spent_micro: number; held_micro: number }>(
    'SELECT spent_micro, held_micro FROM key_budgets WHERE key_id = ? AND month = ?',
    [keyId, month],
  );
  return { spentMicro: Number(row?.spent_micro ?? 0), heldMicro: Number(row?.held_micro ?? 0) };
}
