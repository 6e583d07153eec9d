import type { Database, Queryable, SqlParam } from '../db/index.ts';
import { dayMs } from './usage-filter.ts';

const stateName = 'usage_daily';

/**
 * How long after a UTC day ends (and after the oldest request still in flight started) the
 * day counts as closed. A request's log row carries the time it *started*; anything that can
 * run long holds an open hold (a stream renews its lease, a job keeps its hold until it ends,
 * and the hold sweep logs a dead replica's request with its hold's start), and the cutoff
 * never passes the oldest open hold or unfinished job. The margin covers the rest: the
 * moments between a request's start and its hold (body upload, admission), a call refused or
 * failed without a hold and logged as it ends, and clock skew between replicas.
 */
export const defaultRollupMarginMs = 60 * 60_000;

/** The last UTC day (days since the epoch) every row of which is already logged. */
export async function closedThroughDay(db: Queryable, now: number, marginMs: number): Promise<number> {
  // A credit lease's row (`lease = 1`) is no request: a busy wallet renews one for days. The
  // calls admitted on it that run long are its `lease_calls` markers (written after a second).
  const hold = await db.get<{ t: number | string | null }>(
    "SELECT MIN(created_at) AS t FROM holds WHERE status = 'open' AND lease = 0",
  );
  const leased = await db.get<{ t: number | string | null }>('SELECT MIN(started_at) AS t FROM lease_calls');
  const job = await db.get<{ t: number | string | null }>(
    "SELECT MIN(created_at) AS t FROM jobs WHERE state IN ('queued', 'running')",
  );
  let cutoff = now;
  for (const started of [hold?.t, leased?.t, job?.t]) {
    if (started !== null && started !== undefined) cutoff = Math.min(cutoff, Number(started));
  }
  return Math.floor((cutoff - marginMs) / dayMs) - 1;
}

/** The last UTC day the rollup holds for every owner, or undefined before its first complete run. */
export async function readRolledThroughDay(db: Queryable): Promise<number | undefined> {
  const row = await db
    .get<{ through_day: number | string }>('SELECT through_day FROM usage_rollup_state WHERE name = ?', [
      stateName,
    ])
    .catch(() => undefined);
  return row ? Number(row.through_day) : undefined;
}

export interface RollupOptions {
  /** See `defaultRollupMarginMs`. */
  marginMs?: number;
  now?: number;
  /** Each chunk (one owner's span of days, one transaction) aims at about this long (50 ms; never less than one owner-day). */
  chunkTargetMs?: number;
  /** Pause between chunks, as a share of the chunk's own time (1: the step uses at most half the time). */
  pauseRatio?: number;
  /** Checked between chunks: the run ends early (without moving the watermark) once it is true. */
  stopped?: () => boolean;
}

export interface RollupRun {
  /** The watermark before and after (undefined: none yet). */
  fromDay: number | undefined;
  throughDay: number | undefined;
  owners: number;
  chunks: number;
  rows: number;
  ms: number;
  /** The longest single chunk (one transaction), ms: how long the run ever held the database at once. */
  slowestChunkMs: number;
  /** False when `stopped` ended it early. */
  complete: boolean;
}

/** Who owns request-log rows: every non-NULL user id in order, then NULL if any row has none. */
async function* owners(db: Queryable): AsyncGenerator<string | null> {
  let after = '';
  for (;;) {
    const row = await db.get<{ user_id: string }>(
      'SELECT user_id FROM request_logs WHERE user_id > ? ORDER BY user_id LIMIT 1',
      [after],
    );
    if (!row) break;
    after = row.user_id;
    yield after;
  }
  if (await db.get('SELECT 1 AS found FROM request_logs WHERE user_id IS NULL LIMIT 1')) yield null;
}

const ownerClause = (owner: string | null) => (owner === null ? 'l.user_id IS NULL' : 'l.user_id = ?');
const ownerParams = (owner: string | null): SqlParam[] => (owner === null ? [] : [owner]);

/** The first UTC day at or after `fromDay` with a row of `owner`, or undefined. */
async function nextDayWithRows(
  db: Queryable,
  owner: string | null,
  fromDay: number,
): Promise<number | undefined> {
  const row = await db.get<{ created_at: number | string }>(
    `SELECT l.created_at FROM request_logs l WHERE ${ownerClause(owner)} AND l.created_at >= ?
     ORDER BY l.created_at LIMIT 1`,
    [...ownerParams(owner), fromDay * dayMs],
  );
  return row ? Math.floor(Number(row.created_at) / dayMs) : undefined;
}

const groupColumns = `COALESCE(l.user_id, ''), l.created_at / ${dayMs}, COALESCE(l.org_id, ''), COALESCE(l.key_id, ''),
  l.endpoint, CASE WHEN l.model IS NULL THEN 1 ELSE 0 END, COALESCE(l.model, ''), l.status`;
const keyColumns = 'user_id, day, org_id, key_id, endpoint, model_null, model, status';
const sumColumns = [
  'requests',
  'cost_micro',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'image_count',
];

/**
 * Rebuilds `owner`'s rollup rows for days `firstDay..lastDay` from the raw rows, in one
 * transaction: deleted, then summed again, so a run repeated, or two racing (PostgreSQL: an
 * advisory lock per owner serialises them), leaves the same table. Returns the rows written.
 */
async function rollUpSpan(
  db: Database,
  owner: string | null,
  firstDay: number,
  lastDay: number,
): Promise<number> {
  return db.transaction(async (tx) => {
    if (db.engine === 'postgres')
      await tx.run('SELECT pg_advisory_xact_lock(hashtext(?))', [`usage_daily:${owner ?? ''}`]);
    await tx.run('DELETE FROM usage_daily WHERE user_id = ? AND day >= ? AND day <= ?', [
      owner ?? '',
      firstDay,
      lastDay,
    ]);
    const { changes } = await tx.run(
      `INSERT INTO usage_daily (${keyColumns}, ${sumColumns.join(', ')})
       SELECT ${groupColumns}, COUNT(*), SUM(l.cost_micro), SUM(l.prompt_tokens), SUM(l.completion_tokens),
         SUM(l.cached_tokens), SUM(l.reasoning_tokens), SUM(l.image_count)
       FROM request_logs l WHERE ${ownerClause(owner)} AND l.created_at >= ? AND l.created_at < ?
       GROUP BY ${groupColumns}
       ON CONFLICT (${keyColumns}) DO UPDATE SET ${sumColumns.map((column) => `${column} = excluded.${column}`).join(', ')}`,
      [...ownerParams(owner), firstDay * dayMs, (lastDay + 1) * dayMs],
    );
    return changes;
  });
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Brings the rollup up to the last closed day: for every owner, the days after the watermark
 * (all of them on the first run), in chunks of one owner's span of days sized to about
 * `chunkTargetMs` each with a pause after, so a first run over millions of rows never holds
 * the database (or SQLite's one connection) for long. The watermark moves only once every
 * owner is done; a run stopped or failed half-way is simply redone by the next one.
 */
export async function runUsageRollup(db: Database, options: RollupOptions = {}): Promise<RollupRun> {
  const started = performance.now();
  const targetMs = options.chunkTargetMs ?? 50;
  const pauseRatio = options.pauseRatio ?? 1;
  const fromDay = await readRolledThroughDay(db);
  const target = await closedThroughDay(
    db,
    options.now ?? Date.now(),
    options.marginMs ?? defaultRollupMarginMs,
  );
  const run: RollupRun = {
    fromDay,
    throughDay: fromDay,
    owners: 0,
    chunks: 0,
    rows: 0,
    slowestChunkMs: 0,
    ms: 0,
    complete: true,
  };
  if (fromDay !== undefined && fromDay >= target) {
    run.ms = performance.now() - started;
    return run;
  }
  for await (const owner of owners(db)) {
    run.owners++;
    // Each owner starts at one day a chunk: a light account's span says nothing about a heavy one's.
    let span = 1;
    let day = fromDay === undefined ? undefined : fromDay + 1;
    for (;;) {
      if (options.stopped?.()) {
        run.complete = false;
        run.ms = performance.now() - started;
        return run;
      }
      const next = await nextDayWithRows(db, owner, day ?? 0);
      if (next === undefined || next > target) break;
      const last = Math.min(next + span - 1, target);
      const chunkStarted = performance.now();
      run.rows += await rollUpSpan(db, owner, next, last);
      run.chunks++;
      const chunkMs = performance.now() - chunkStarted;
      run.slowestChunkMs = Math.max(run.slowestChunkMs, chunkMs);
      if (chunkMs < targetMs / 2) span = Math.min(span * 2, 64);
      else if (chunkMs > targetMs) span = Math.max(1, Math.floor(span / 2));
      if (pauseRatio > 0) await sleep(Math.min(1_000, chunkMs * pauseRatio));
      day = last + 1;
    }
  }
  await db.run(
    `INSERT INTO usage_rollup_state (name, through_day, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET through_day = excluded.through_day, updated_at = excluded.updated_at
     WHERE usage_rollup_state.through_day < excluded.through_day`,
    [stateName, target, Date.now()],
  );
  run.throughDay = Math.max(target, fromDay ?? target);
  run.ms = performance.now() - started;
  return run;
}

/** Forgets the rollup (table and watermark): the next run rebuilds it from every raw row. */
export async function resetUsageRollup(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run('DELETE FROM usage_rollup_state WHERE name = ?', [stateName]);
    await tx.run('DELETE FROM usage_daily');
  });
}
