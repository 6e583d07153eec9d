import type { Queryable, SqlParam } from '../db/index.ts';
import type { RequestLogRow } from './request-log.ts';

export interface UsageFilter {
  /** Without `orgId`: the user's personal calls. With it: one member's calls on the org's keys. */
  userId?: string | undefined;
  /** An org's calls (its keys spend from its wallet). */
  orgId?: string | undefined;
  sinceMs: number;
  endpoint?: string | undefined;
  model?: string | undefined;
  /** An exact code (`429`) or a class (`4xx`). */
  status?: string | undefined;
  keyId?: string | undefined;
  /** Free text over model, endpoint, request id and error message. */
  q?: string | undefined;
}

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
const dayMs = 86_400_000;

/** Every query starts from (user_id, created_at), the index every usage query uses. */
function where(filter: UsageFilter): { sql: string; params: SqlParam[] } {
  const clauses: string[] = [];
  const params: SqlParam[] = [];
  if (filter.orgId) {
    clauses.push('l.org_id = ?');
    params.push(filter.orgId);
    if (filter.userId) {
      clauses.push('l.user_id = ?');
      params.push(filter.userId);
    }
  } else {
    clauses.push('l.user_id = ?', 'l.org_id IS NULL');
    params.push(filter.userId ?? '');
  }
  clauses.push('l.created_at >= ?');
  params.push(filter.sinceMs);
  if (filter.endpoint) {
    clauses.push('l.endpoint = ?');
    params.push(filter.endpoint);
  }
  if (filter.model) {
    clauses.push('l.model = ?');
    params.push(filter.model);
  }
  if (filter.keyId) {
    clauses.push('l.key_id = ?');
    params.push(filter.keyId);
  }
  const statusClass = filter.status ? /^([1-5])xx$/i.exec(filter.status) : null;
  if (statusClass) {
    clauses.push('l.status >= ? AND l.status < ?');
    params.push(Number(statusClass[1]) * 100, Number(statusClass[1]) * 100 + 100);
  } else if (filter.status) {
    clauses.push('l.status = ?');
    params.push(Number(filter.status));
  }
  if (filter.q) {
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    clauses.push(
      "(LOWER(COALESCE(l.model, '')) LIKE ? ESCAPE '\\' OR LOWER(l.endpoint) LIKE ? ESCAPE '\\' OR LOWER(l.id) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(l.error_message, '')) LIKE ? ESCAPE '\\')",
    );
    params.push(pattern, pattern, pattern, pattern);
  }
  return { sql: clauses.join(' AND '), params };
}

export function usageLogs(
  db: Queryable,
  filter: UsageFilter,
  page: { limit: number; offset: number },
): Promise<UsageLogRow[]> {
  const { sql, params } = where(filter);
  return db.all<UsageLogRow>(
    `SELECT ${logColumns} FROM request_logs l LEFT JOIN api_keys k ON k.id = l.key_id
     WHERE ${sql} ORDER BY l.created_at DESC, l.id DESC LIMIT ? OFFSET ?`,
    [...params, page.limit, page.offset],
  );
}

export async function usageCount(db: Queryable, filter: UsageFilter): Promise<number> {
  const { sql, params } = where(filter);
  const row = await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM request_logs l WHERE ${sql}`, params);
  return Number(row?.n ?? 0);
}

export async function costByModel(
  db: Queryable,
  filter: UsageFilter,
): Promise<Array<{ model: string; costMicro: number; requests: number }>> {
  const { sql, params } = where(filter);
  // Summed per (day, model) first, then per model: the index hands rows over in time order, so the
  // first GROUP BY sorts nearly-sorted input and the second only ~days × models rows. SQLite sorts
  // for every GROUP BY, and a direct GROUP BY model sorts the whole window in random order (about
  // twice as slow on a busy account's 90 days); PostgreSQL hashes either form.
  const rows = await db.all<{ model: string | null; cost: number; requests: number }>(
    `SELECT model, SUM(cost) AS cost, SUM(requests) AS requests FROM (
       SELECT l.created_at / ${dayMs} AS day, l.model AS model, SUM(l.cost_micro) AS cost, COUNT(*) AS requests
       FROM request_logs l WHERE ${sql} GROUP BY l.created_at / ${dayMs}, l.model
     ) per_day GROUP BY model ORDER BY cost DESC`,
    params,
  );
  return rows.map((row) => ({
    model: row.model ?? '(none)',
    costMicro: Number(row.cost),
    requests: Number(row.requests),
  }));
}

export function topExpensive(db: Queryable, filter: UsageFilter, limit = 10): Promise<UsageLogRow[]> {
  const { sql, params } = where(filter);
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
): Promise<Array<{ date: string; costMicro: number; requests: number }>> {
  const { sql, params } = where(filter);
  const rows = await db.all<{ day: number; cost: number; requests: number }>(
    `SELECT l.created_at / ${dayMs} AS day, SUM(l.cost_micro) AS cost, COUNT(*) AS requests FROM request_logs l
     WHERE ${sql} GROUP BY l.created_at / ${dayMs}`,
    params,
  );
  const byDay = new Map(rows.map((row) => [Number(row.day), row]));
  const series = [];
  for (let day = Math.floor(filter.sinceMs / dayMs); day <= Math.floor(untilMs / dayMs); day++) {
    const row = byDay.get(day);
    series.push({
      date: new Date(day * dayMs).toISOString().slice(0, 10),
      costMicro: Number(row?.cost ?? 0),
      requests: Number(row?.requests ?? 0),
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
  const { sql, params } = where(filter);
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
