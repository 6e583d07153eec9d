import type { SqlParam } from '../db/index.ts';

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

export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

/** A half-open span of `created_at` (epoch ms): `[fromMs, untilMs)`, unbounded above without `untilMs`. */
export interface TimeRange {
  fromMs: number;
  untilMs?: number | undefined;
}

export const dayMs = 86_400_000;

function statusClauses(
  status: string | undefined,
  column: string,
  clauses: string[],
  params: SqlParam[],
): void {
  const statusClass = status ? /^([1-5])xx$/i.exec(status) : null;
  if (statusClass) {
    clauses.push(`${column} >= ? AND ${column} < ?`);
    params.push(Number(statusClass[1]) * 100, Number(statusClass[1]) * 100 + 100);
  } else if (status) {
    clauses.push(`${column} = ?`);
    params.push(Number(status));
  }
}

/**
 * The WHERE of a query over `request_logs l`: every one starts from (user_id, created_at) or
 * (org_id, created_at), the indexes every usage query uses. Without `range`, the filter's own
 * window (`created_at >= sinceMs`).
 */
export function rawWhere(filter: UsageFilter, range: TimeRange = { fromMs: filter.sinceMs }): SqlFragment {
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
    // A bounded range (a window's edge day) would let SQLite's planner, which has no statistics,
    // pick (org_id, created_at) for `org_id IS NULL` — every user's personal calls of that span —
    // over (user_id, created_at). `(org_id || '') IS NULL` means the same (NULL || '' is NULL on
    // both engines) and no index serves it. https://www.sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_
    clauses.push(
      'l.user_id = ?',
      range.untilMs === undefined ? 'l.org_id IS NULL' : "(l.org_id || '') IS NULL",
    );
    params.push(filter.userId ?? '');
  }
  clauses.push('l.created_at >= ?');
  params.push(range.fromMs);
  if (range.untilMs !== undefined) {
    clauses.push('l.created_at < ?');
    params.push(range.untilMs);
  }
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
  statusClauses(filter.status, 'l.status', clauses, params);
  if (filter.q) {
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    clauses.push(
      "(LOWER(COALESCE(l.model, '')) LIKE ? ESCAPE '\\' OR LOWER(l.endpoint) LIKE ? ESCAPE '\\' OR LOWER(l.id) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(l.error_message, '')) LIKE ? ESCAPE '\\')",
    );
    params.push(pattern, pattern, pattern, pattern);
  }
  return { sql: clauses.join(' AND '), params };
}

/**
 * The WHERE of a query over the rollup `usage_daily r` for UTC days `firstDay..lastDay`, or
 * undefined when the rollup cannot answer the filter exactly: free text (`q`) reads request ids
 * and error messages, which the rollup does not keep.
 */
export function rollupWhere(filter: UsageFilter, firstDay: number, lastDay: number): SqlFragment | undefined {
  if (filter.q) return undefined;
  const clauses: string[] = [];
  const params: SqlParam[] = [];
  if (filter.orgId) {
    clauses.push('r.org_id = ?');
    params.push(filter.orgId);
    if (filter.userId) {
      clauses.push('r.user_id = ?');
      params.push(filter.userId);
    }
  } else {
    // '' is the rollup's NULL: a personal filter without a user matches no raw row, so no rollup row either.
    if (!filter.userId) return undefined;
    // As in rawWhere: kept off the (org_id, day) index, which would read every user's personal rows.
    clauses.push('r.user_id = ?', "(r.org_id || '') = ''");
    params.push(filter.userId);
  }
  clauses.push('r.day >= ?', 'r.day <= ?');
  params.push(firstDay, lastDay);
  if (filter.endpoint) {
    clauses.push('r.endpoint = ?');
    params.push(filter.endpoint);
  }
  if (filter.model) {
    clauses.push('r.model = ?', 'r.model_null = 0');
    params.push(filter.model);
  }
  if (filter.keyId) {
    clauses.push('r.key_id = ?');
    params.push(filter.keyId);
  }
  statusClauses(filter.status, 'r.status', clauses, params);
  return { sql: clauses.join(' AND '), params };
}

/** Which part of a window the rollup answers and which the raw rows do. */
export interface WindowPlan {
  /** Whole UTC days `[first, last]` read from the rollup, when any. */
  rollupDays?: { first: number; last: number; where: SqlFragment } | undefined;
  /** The rest of the window (its partial first day, the days not yet rolled up), from `request_logs`. */
  raw: SqlFragment[];
}

/**
 * Splits the filter's window (`created_at >= sinceMs`, no upper bound) at whole UTC days:
 * those inside the window and at or before `rolledThroughDay` come from the rollup, the
 * partial first day and everything after `rolledThroughDay` from the raw rows. Without a
 * rollup (`rolledThroughDay` undefined) or for a filter it cannot answer, all raw.
 */
export function planWindow(filter: UsageFilter, rolledThroughDay: number | undefined): WindowPlan {
  const firstWholeDay = Math.ceil(filter.sinceMs / dayMs);
  const where =
    rolledThroughDay !== undefined && firstWholeDay <= rolledThroughDay
      ? rollupWhere(filter, firstWholeDay, rolledThroughDay)
      : undefined;
  if (!where || rolledThroughDay === undefined) return { raw: [rawWhere(filter)] };
  const raw: SqlFragment[] = [];
  if (filter.sinceMs < firstWholeDay * dayMs)
    raw.push(rawWhere(filter, { fromMs: filter.sinceMs, untilMs: firstWholeDay * dayMs }));
  raw.push(rawWhere(filter, { fromMs: (rolledThroughDay + 1) * dayMs }));
  return { rollupDays: { first: firstWholeDay, last: rolledThroughDay, where }, raw };
}
