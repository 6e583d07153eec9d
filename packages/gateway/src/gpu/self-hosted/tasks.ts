import type { Json } from '../../contracts/index.ts';
import type { Database } from '../../db/index.ts';
import { newId } from '../../ids.ts';
import type { GpuJobState } from '../../providers/gpu/types.ts';

/** One job in the self-hosted queue. */
export interface TaskRecord {
  id: string;
  endpoint_id: string;
  /** The job input as JSON text. */
  input: string;
  state: GpuJobState;
  worker_id: string | null;
  /** Times a worker took it. */
  attempts: number;
  /** Times it went back to the queue after its worker was lost (at most once). */
  requeues: number;
  execution_timeout_ms: number;
  expires_at: number | null;
  created_at: number;
  taken_at: number | null;
  finished_at: number | null;
  /** The final output, or the latest progress value while running (JSON text). */
  output: string | null;
  error: string | null;
  /** The worker must be told to stop it (cancelled or timed out while running). */
  stop_pending: number;
}

export async function enqueueTask(
  db: Database,
  input: { endpointId: string; input: Json; executionTimeoutMs: number; ttlMs?: number | undefined },
): Promise<TaskRecord> {
  const now = Date.now();
  const task: TaskRecord = {
    id: newId('gtask'),
    endpoint_id: input.endpointId,
    input: JSON.stringify(input.input),
    state: 'queued',
    worker_id: null,
    attempts: 0,
    requeues: 0,
    execution_timeout_ms: input.executionTimeoutMs,
    expires_at: input.ttlMs === undefined ? null : now + input.ttlMs,
    created_at: now,
    taken_at: null,
    finished_at: null,
    output: null,
    error: null,
    stop_pending: 0,
  };
  await db.run(
    `INSERT INTO gpu_tasks (id, endpoint_id, input, state, execution_timeout_ms, expires_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [
      task.id,
      task.endpoint_id,
      task.input,
      task.state,
      task.execution_timeout_ms,
      task.expires_at,
      task.created_at,
    ],
  );
  return task;
}

export function getTask(db: Database, taskId: string): Promise<TaskRecord | undefined> {
  return db.get<TaskRecord>('SELECT * FROM gpu_tasks WHERE id = ?', [taskId]);
}

/**
 * Hands the oldest queued task of the given endpoints to a worker. The claim is one
 * conditional UPDATE (`… WHERE id = ? AND state = 'queued'`): of two workers racing for the
 * same task exactly one changes the row, the other tries the next candidate.
 */
export async function takeTask(
  db: Database,
  workerId: string,
  endpoints: readonly string[],
): Promise<TaskRecord | undefined> {
  if (endpoints.length === 0) return undefined;
  const marks = endpoints.map(() => '?').join(', ');
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const candidate = await db.get<{ id: string }>(
      `SELECT id FROM gpu_tasks WHERE state = 'queued' AND endpoint_id IN (${marks}) ORDER BY created_at, id LIMIT 1`,
      endpoints,
    );
    if (!candidate) return undefined;
    const now = Date.now();
    // The worker's token must still be live at the moment of the claim: a take that was
    // already in flight when the token was revoked gets nothing.
    const { changes } = await db.run(
      `UPDATE gpu_tasks SET state = 'running', worker_id = ?, taken_at = ?, attempts = attempts + 1, output = NULL
       WHERE id = ? AND state = 'queued' AND EXISTS (
         SELECT 1 FROM gpu_workers w JOIN gpu_worker_tokens t ON t.id = w.token_id
         WHERE w.id = ? AND t.revoked_at IS NULL)`,
      [workerId, now, candidate.id, workerId],
    );
    if (changes === 1) return getTask(db, candidate.id);
    const current = await db.get<{ state: string }>('SELECT state FROM gpu_tasks WHERE id = ?', [
      candidate.id,
    ]);
    if (current?.state === 'queued') return undefined; // still queued: this worker may not take it
  }
  return undefined;
}

/** A progress value (`{status:"IN_PROGRESS", output}`) from the worker holding the task. */
export async function recordProgress(
  db: Database,
  workerId: string,
  taskId: string,
  output: unknown,
): Promise<boolean> {
  const { changes } = await db.run(
    "UPDATE gpu_tasks SET output = ? WHERE id = ? AND worker_id = ? AND state = 'running'",
    [JSON.stringify(output), taskId, workerId],
  );
  return changes > 0;
}

/**
 * The worker's result. Only the worker holding a running task may finish it, so a late
 * answer from a worker declared dead (its task requeued) changes nothing.
 */
export async function finishTask(
  db: Database,
  workerId: string,
  taskId: string,
  result: { output?: unknown; error?: string | undefined },
): Promise<boolean> {
  const failed = result.error !== undefined;
  const { changes } = await db.run(
    `UPDATE gpu_tasks SET state = ?, finished_at = ?, output = ?, error = ?
     WHERE id = ? AND worker_id = ? AND state = 'running'`,
    [
      failed ? 'failed' : 'succeeded',
      Date.now(),
      result.output === undefined ? null : JSON.stringify(result.output),
      result.error ?? null,
      taskId,
      workerId,
    ],
  );
  return changes > 0;
}

/** Cancels a queued or running task; a running one's worker is told through the stop channel. */
export async function cancelTask(db: Database, taskId: string): Promise<boolean> {
  const { changes } = await db.run(
    `UPDATE gpu_tasks SET state = 'canceled', finished_at = ?,
       stop_pending = CASE WHEN state = 'running' THEN 1 ELSE 0 END
     WHERE id = ? AND state IN ('queued', 'running')`,
    [Date.now(), taskId],
  );
  return changes > 0;
}

/** Tasks this worker must stop; each is handed out once. */
export async function takeStops(db: Database, workerId: string): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    'SELECT id FROM gpu_tasks WHERE worker_id = ? AND stop_pending = 1',
    [workerId],
  );
  const stops: string[] = [];
  for (const row of rows) {
    const { changes } = await db.run(
      'UPDATE gpu_tasks SET stop_pending = 0 WHERE id = ? AND stop_pending = 1',
      [row.id],
    );
    if (changes > 0) stops.push(row.id);
  }
  return stops;
}

/**
 * A heartbeat lists the jobs a worker still holds: its running tasks missing from the list
 * (and taken more than one interval ago, so a take racing the ping is safe) were given back
 * (a shutdown that could not finish them) and go back to the queue.
 */
export async function releaseUnlisted(
  db: Database,
  workerId: string,
  held: readonly string[],
  takenBefore: number,
): Promise<number> {
  const running = await db.all<{ id: string }>(
    "SELECT id FROM gpu_tasks WHERE worker_id = ? AND state = 'running' AND taken_at < ?",
    [workerId, takenBefore],
  );
  let released = 0;
  for (const task of running) {
    if (held.includes(task.id)) continue;
    const { changes } = await db.run(
      `UPDATE gpu_tasks SET state = 'queued', worker_id = NULL, taken_at = NULL, output = NULL
       WHERE id = ? AND worker_id = ? AND state = 'running'`,
      [task.id, workerId],
    );
    released += changes;
  }
  return released;
}

/**
 * Housekeeping, safe to run from any replica at any time:
 * - a worker silent for more than 3 ping intervals is dead; its running task is requeued once,
 *   then failed (`worker_lost`);
 * - a running task past its execution timeout is `timed_out` (and its worker told to stop);
 * - a queued task past its TTL is `timed_out`;
 * - a finished task is deleted `retentionMs` after it finished (RunPod keeps results 30 min; the
 *   gateway copies outputs when it polls, so a day is ample).
 */
export async function sweepTasks(
  db: Database,
  now: number,
  pingIntervalMs: number,
  retentionMs = 24 * 60 * 60 * 1000,
): Promise<void> {
  await db.run("UPDATE gpu_workers SET state = 'dead' WHERE state = 'live' AND last_seen_at < ?", [
    now - 3 * pingIntervalMs,
  ]);
  const lost = "state = 'running' AND worker_id IN (SELECT id FROM gpu_workers WHERE state = 'dead')";
  await db.run(
    `UPDATE gpu_tasks SET state = 'queued', worker_id = NULL, taken_at = NULL, output = NULL, requeues = requeues + 1
     WHERE ${lost} AND requeues < 1`,
  );
  await db.run(`UPDATE gpu_tasks SET state = 'failed', finished_at = ?, error = ? WHERE ${lost}`, [
    now,
    'worker_lost: the worker running this job stopped responding, twice',
  ]);
  await db.run(
    `UPDATE gpu_tasks SET state = 'timed_out', finished_at = ?, stop_pending = 1,
       error = 'the job ran past its execution timeout'
     WHERE state = 'running' AND taken_at + execution_timeout_ms < ?`,
    [now, now],
  );
  await db.run(
    `UPDATE gpu_tasks SET state = 'timed_out', finished_at = ?, error = 'the job waited in the queue past its TTL'
     WHERE state = 'queued' AND expires_at IS NOT NULL AND expires_at < ?`,
    [now, now],
  );
  await db.run(
    "DELETE FROM gpu_tasks WHERE state NOT IN ('queued', 'running') AND finished_at < ? AND stop_pending = 0",
    [now - retentionMs],
  );
}

export interface QueueCounts {
  inQueue: number;
  inProgress: number;
  completed: number;
  failed: number;
}

export async function countTasks(db: Database, endpointId: string): Promise<QueueCounts> {
  const rows = await db.all<{ state: string; n: number | string }>(
    'SELECT state, COUNT(*) AS n FROM gpu_tasks WHERE endpoint_id = ? GROUP BY state',
    [endpointId],
  );
  const count = (states: string[]) =>
    rows.filter((row) => states.includes(row.state)).reduce((sum, row) => sum + Number(row.n), 0);
  return {
    inQueue: count(['queued']),
    inProgress: count(['running']),
    completed: count(['succeeded']),
    failed: count(['failed', 'timed_out']),
  };
}

/** Ids of workers that hold a running task. */
export async function busyWorkers(db: Database): Promise<Set<string>> {
  const rows = await db.all<{ worker_id: string }>(
    "SELECT DISTINCT worker_id FROM gpu_tasks WHERE state = 'running' AND worker_id IS NOT NULL",
  );
  return new Set(rows.map((row) => row.worker_id));
}
