import type { Queryable, SqlParam } from '../db/index.ts';
import type { RequestLogRow } from './request-log.ts';
import { dayMs, planWindow, rawWhere, type UsageFilter } from './usage-filter.ts';

export type { UsageFilter } from './usage-filter.ts';

/** A request-log row as the dashboard lists it, with its key's name. */
export type UsageLogRow = Pick<
  RequestLogRow,
  | 'id'
  | 'created_at'
  | 'endpoint'
  | 'model'
  | 'provider'
  | 'status'
  | 'stream'
  | 'latency_ms'
  | 'prompt_tokens'
  | 'completion_tokens'
  | 'cached_tokens'
  | 'reasoning_tokens'
  | 'cost_micro'
  | 'key_id'
  | 'error_message'
  | 'image_count'
  | 'image_tier'
> & { key_name: string | null };

const logColumns = `l.id, l.created_at, l.endpoint, l.model, l.provider, l.status, l.stream, l.latency_ms,
  l.prompt_tokens, l.completion_tokens, l.cached_tokens, l.reasoning_tokens, l.cost_micro, l.key_id,
  k.name AS key_name, l.error_message, l.image_count, l.image_tier`;
export function usageLogs(
  db: Queryable,
  filter: UsageFilter,
  page: { limit: number; offset: number },
): Promise<UsageLogRow[]> {
  const { sql, params } = rawWhere(filter);
  return db.all<UsageLogRow>(
    `SELECT ${logColumns} FROM request_logs l LEFT JOIN api_keys k ON k.id = l.key_id
     WHERE ${sql} ORDER BY l.created_at DESC, l.id DESC LIMIT ? OFFSET ?`,
    [...params, page.limit, page.offset],
  );
}

/**
 * How many calls match. With `rolledThroughDay` (the rollup's coverage, `readRolledThroughDay`),
 * the window's whole days up to it are read from the rollup and only the rest from the raw rows:
 * the same answer, from ~days × groups rows instead of every call.
 */
export async function usageCount(
  db: Queryable,
  filter: UsageFilter,
  rolledThroughDay?: number,
): Promise<number> {
  const plan = planWindow(filter, rolledThroughDay);
  const parts: string[] = [];
  const params: SqlParam[] = [];
  if (plan.rollupDays) {
    parts.push(`SELECT SUM(r.requests) AS n FROM usage_daily r WHERE ${plan.rollupDays.where.sql}`);
    params.push(...plan.rollupDays.where.params);
  }
  for (const raw of plan.raw) {
    parts.push(`SELECT COUNT(*) AS n FROM request_logs l WHERE ${raw.sql}`);
    params.push(...raw.params);
  }
  const sql = parts.length === 1 ? parts[0]! : `SELECT SUM(n) AS n FROM (${parts.join(' UNION ALL ')}) parts`;
  const row = await db.get<{ n: number | string | null }>(sql, params);
  return Number(row?.n ?? 0);
}

export async function costByModel(
  db: Queryable,
  filter: UsageFilter,
  rolledThroughDay?: number,
): Promise<Array<{ model: string; costMicro: number; requests: number }>> {
  const plan = planWindow(filter, rolledThroughDay);
  const parts: string[] = [];
  const params: SqlParam[] = [];
  if (plan.rollupDays) {
    parts.push(
      `SELECT CASE WHEN r.model_null = 1 THEN NULL ELSE r.model END AS model, SUM(r.cost_micro) AS cost,
         SUM(r.requests) AS requests
       FROM usage_daily r WHERE ${plan.rollupDays.where.sql} GROUP BY r.model_null, r.model`,
    );
    params.push(...plan.rollupDays.where.params);
  }
  // Summed per (day, model) first, then per model: the index hands rows over in time order, so the
  // first GROUP BY sorts nearly-sorted input and the second only ~days × models rows. SQLite sorts
  // for every GROUP BY, and a direct GROUP BY model sorts the whole window in random order (about
  // twice as slow on a busy account's 90 days); PostgreSQL hashes either form.
  for (const raw of plan.raw) {
    parts.push(
      `SELECT l.model AS model, SUM(l.cost_micro) AS cost, COUNT(*) AS requests
       FROM request_logs l WHERE ${raw.sql} GROUP BY l.created_at / ${dayMs}, l.model`,
    );
    params.push(...raw.params);
  }
  // Ties in cost are ordered by model, so the order is the same whichever part answered.
  const rows = await db.all<{ model: string | null; cost: number; requests: number }>(
    `SELECT model, SUM(cost) AS cost, SUM(requests) AS requests FROM (${parts.join(' UNION ALL ')}) per_part
     GROUP BY model ORDER BY SUM(cost) DESC, model`,
    params,
  );
  return rows.map((row) => ({
    model: row.model ?? '(none)',
    costMicro: Number(row.cost),
    requests: Number(row.requests),
  }));
}

export function topExpensive(db: Queryable, filter: UsageFilter, limit = 10): Promise<UsageLogRow[]> {
  const { sql, params } = rawWhere(filter);
  // Walking (user_id, cost_micro) from the top stops after `limit` rows when most rows match, but
  // with free text or a status filter few or none do (errors cost nothing), and the walk then reads
  // the user's whole history in cost order, a random row at a time (over a second for 400k rows, on
  // both engines). For those filters the unary + (a no-op on the value) hides cost_micro from the
  // planner, in the WHERE and the ORDER BY, so it scans the (user_id, created_at) range and sorts.
  const cost = filter.q || filter.status ? '+l.cost_micro' : 'l.cost_micro';
  return db.all<UsageLogRow>(
    `SELECT ${logColumns} FROM request_logs l LEFT JOIN api_keys k ON k.id = l.key_id
     WHERE ${sql} AND ${cost} > 0 ORDER BY ${cost} DESC, l.id DESC LIMIT ?`,
    [...params, limit],
  );
}

/** One entry per UTC day of the window, zero-filled, oldest first. */
export async function dailyCost(
  db: Queryable,
  filter: UsageFilter,
  untilMs: number,
  rolledThroughDay?: number,
): Promise<Array<{ date: string; costMicro: number; requests: number }>> {
  const plan = planWindow(filter, rolledThroughDay);
  const parts: string[] = [];
  const params: SqlParam[] = [];
  if (plan.rollupDays) {
    parts.push(
      `SELECT r.day AS day, SUM(r.cost_micro) AS cost, SUM(r.requests) AS requests FROM usage_daily r
       WHERE ${plan.rollupDays.where.sql} GROUP BY r.day`,
    );
    params.push(...plan.rollupDays.where.params);
  }
  for (const raw of plan.raw) {
    parts.push(
      `SELECT l.created_at / ${dayMs} AS day, SUM(l.cost_micro) AS cost, COUNT(*) AS requests FROM request_logs l
       WHERE ${raw.sql} GROUP BY l.created_at / ${dayMs}`,
    );
    params.push(...raw.params);
  }
  const rows = await db.all<{ day: number; cost: number; requests: number }>(
    parts.join(' UNION ALL '),
    params,
  );
  // The parts cover disjoint days, but adding keeps the merge correct whatever they cover.
  const byDay = new Map<number, { cost: number; requests: number }>();
  for (const row of rows) {
    const day = Number(row.day);
    const sum = byDay.get(day) ?? { cost: 0, requests: 0 };
    sum.cost += Number(row.cost);
    sum.requests += Number(row.requests);
    byDay.set(day, sum);
  }
  const series = [];
  for (let day = Math.floor(filter.sinceMs / dayMs); day <= Math.floor(untilMs / dayMs); day++) {
    const row = byDay.get(day);
    series.push({
      date: new Date(day * dayMs).toISOString().slice(0, 10),
      costMicro: row?.cost ?? 0,
      requests: row?.requests ?? 0,
    });
  }
  return series;
}

/**
 * Every matching row, newest first, in pages walked by (created_at, id) so memory
 * stays flat however many rows there are.
 */
export async function* streamUsageLogs(
  db: Queryable,
  filter: UsageFilter,
  pageSize = 1000,
): AsyncGenerator<UsageLogRow> {
  const { sql, params } = rawWhere(filter);
  let after: { createdAt: number; id: string } | null = null;
  for (;;) {
    // `created_at <= ?` is implied by the OR, but only a plain range bounds the index scan: without it
    // every page re-walks the index from the newest row, and the export turns quadratic.
    const cursor: string = after
      ? ' AND l.created_at <= ? AND (l.created_at < ? OR (l.created_at = ? AND l.id < ?))'
      : '';
    const cursorParams: SqlParam[] = after
      ? [after.createdAt, after.createdAt, after.createdAt, after.id]
      : [];
    const rows: UsageLogRow[] = await db.all<UsageLogRow>(
      `SELECT ${logColumns} FROM request_logs l LEFT JOIN api_keys k ON k.id = l.key_id
       WHERE ${sql}${cursor} ORDER BY l.created_at DESC, l.id DESC LIMIT ?`,
      [...params, ...cursorParams, pageSize],
    );
    yield* rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = { createdAt: Number(last.created_at), id: last.id };
  }
}
