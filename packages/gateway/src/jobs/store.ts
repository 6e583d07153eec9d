import { loadHold, placeHoldIn, settleHoldIn } from '../billing/index.ts';
import type { KeyBudgetRef } from '../billing/key-budget.ts';
import type { MeteredUsage } from '../contracts/index.ts';
import type { Database, Queryable, SqlParam } from '../db/index.ts';
import { newId } from '../ids.ts';
import { requestLogRow } from '../metering/log-row.ts';
import { insertRequestLog } from '../usage/index.ts';
import { enqueueDelivery } from '../webhooks/deliveries.ts';
import { type JobOutput, type JobRecord, type JobState, jobStates, type VendorTask } from './types.ts';

interface JobRow {
  id: string;
  user_id: string;
  key_id: string | null;
  kind: string;
  model: string;
  state: string;
  progress: number | null;
  input: string;
  provider: string | null;
  upstream_model: string | null;
  vendor_task_id: string | null;
  hold_id: string;
  hold_micro: number;
  cost_micro: number | null;
  outputs: string | null;
  error_code: string | null;
  error_message: string | null;
  idempotency_key: string | null;
  webhook_url: string | null;
  polls: number;
  deadline_at: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

const parseJson = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

function toJob(row: JobRow): JobRecord {
  const outputs = parseJson(row.outputs);
  return {
    id: row.id,
    userId: row.user_id,
    keyId: row.key_id,
    kind: row.kind,
    model: row.model,
    state: (jobStates as readonly string[]).includes(row.state) ? (row.state as JobState) : 'failed',
    progress: row.progress === null ? null : Number(row.progress),
    input: parseJson(row.input),
    provider: row.provider,
    upstreamModel: row.upstream_model,
    vendorTaskId: row.vendor_task_id,
    holdId: row.hold_id,
    holdMicro: Number(row.hold_micro),
    costMicro: row.cost_micro === null ? null : Number(row.cost_micro),
    outputs: Array.isArray(outputs) ? (outputs as JobOutput[]) : [],
    errorCode: row.error_code,
    errorMessage: row.error_message,
    idempotencyKey: row.idempotency_key,
    webhookUrl: row.webhook_url,
    polls: Number(row.polls),
    deadlineAt: Number(row.deadline_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

export async function getJob(db: Queryable, id: string): Promise<JobRecord | undefined> {
  const row = await db.get<JobRow>('SELECT * FROM jobs WHERE id = ?', [id]);
  return row && toJob(row);
}

export interface JobFilters {
  kind?: string | undefined;
  state?: JobState | undefined;
  model?: string | undefined;
  /** Keyset paging: jobs older than this id (ids are time-ordered). */
  before?: string | undefined;
  limit: number;
}

/** A user's jobs, newest first. */
export async function listJobs(db: Queryable, userId: string, filters: JobFilters): Promise<JobRecord[]> {
  const where = ['user_id = ?'];
  const params: SqlParam[] = [userId];
  for (const [column, value] of [
    ['kind', filters.kind],
    ['state', filters.state],
    ['model', filters.model],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (filters.before) {
    where.push('id < ?');
    params.push(filters.before);
  }
  const rows = await db.all<JobRow>(
    `SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
    [...params, filters.limit],
  );
  return rows.map(toJob);
}

export interface NewJob {
  userId: string;
  keyId: string;
  kind: string;
  model: string;
  input: unknown;
  holdMicro: number;
  endpoint: string;
  idempotencyKey: string | undefined;
  webhookUrl: string | undefined;
  deadlineMs: number;
  keyBudget: KeyBudgetRef | undefined;
  /** The creating process owns the job's lease for this long (it submits at once). */
  leaseOwner: string;
  leaseMs: number;
  /** An org key's job holds and settles in the org's wallet. */
  orgId?: string | null | undefined;
}

/**
 * The job row and its hold, in one transaction: a job exists only with its money held,
 * and a hold placed for a job is owned by it (no lease: only the job's end settles it).
 * With an `Idempotency-Key` already used by this user, the existing job is returned
 * (`created: false`) and nothing is held.
 */
export async function createJob(db: Database, input: NewJob): Promise<{ job: JobRecord; created: boolean }> {
  const existing = async () =>
    input.idempotencyKey === undefined
      ? undefined
      : await db.get<JobRow>('SELECT * FROM jobs WHERE user_id = ? AND idempotency_key = ?', [
          input.userId,
          input.idempotencyKey,
        ]);
  const before = await existing();
  if (before) return { job: toJob(before), created: false };
  const id = newId('job');
  const now = Date.now();
  try {
    await db.transaction(async (tx) => {
      const hold = await placeHoldIn(tx, {
        userId: input.userId,
        keyId: input.keyId,
        requestId: id,
        amountMicro: input.holdMicro,
        minimumMicro: 0,
        keyBudget: input.keyBudget,
        leaseMs: 0,
        endpoint: input.endpoint,
        jobId: id,
        orgId: input.orgId ?? null,
      });
      await tx.run(
        `INSERT INTO jobs (id, user_id, key_id, kind, model, state, input, hold_id, hold_micro, idempotency_key, webhook_url,
           polls, next_poll_at, lease_owner, lease_until, deadline_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          input.userId,
          input.keyId,
          input.kind,
          input.model,
          JSON.stringify(input.input),
          hold.id,
          hold.amountMicro,
          input.idempotencyKey ?? null,
          input.webhookUrl ?? null,
          now,
          input.leaseOwner,
          now + input.leaseMs,
          now + input.deadlineMs,
          now,
          now,
        ],
      );
    });
  } catch (error) {
    // Two creates with one key at once: the second loses the unique index and gets the first's job.
    const raced = await existing();
    if (raced) return { job: toJob(raced), created: false };
    throw error;
  }
  const job = await getJob(db, id);
  if (!job) throw new Error(`job ${id} vanished after its insert`);
  return { job, created: true };
}

/**
 * Claims up to `limit` live jobs that are due and not leased by a live worker: one
 * conditional UPDATE (on PostgreSQL the candidates are locked with SKIP LOCKED, so
 * replicas never claim the same job; SQLite has one writer). Returns what was claimed.
 */
export async function claimDueJobs(
  db: Database,
  owner: string,
  leaseMs: number,
  limit: number,
  now = Date.now(),
): Promise<JobRecord[]> {
  const lock = db.engine === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  const rows = await db.transaction((tx) =>
    tx.all<JobRow>(
      `UPDATE jobs SET lease_owner = ?, lease_until = ? WHERE id IN (
         SELECT id FROM jobs WHERE state IN ('queued', 'running') AND next_poll_at <= ?
           AND (lease_until IS NULL OR lease_until < ?)
         ORDER BY next_poll_at LIMIT ?${lock})
       AND state IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < ?)
       RETURNING *`,
      [owner, now + leaseMs, now, now, limit, now],
    ),
  );
  return rows.map(toJob);
}

/**
 * Leases one live job now, whatever its next poll time, if no live worker holds it (a client
 * waiting on it advances it itself); undefined when it ended or another worker has it.
 */
export async function leaseJob(
  db: Database,
  jobId: string,
  owner: string,
  leaseMs: number,
  now = Date.now(),
): Promise<JobRecord | undefined> {
  const rows = await db.transaction((tx) =>
    tx.all<JobRow>(
      `UPDATE jobs SET lease_owner = ?, lease_until = ?
       WHERE id = ? AND state IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < ?)
       RETURNING *`,
      [owner, now + leaseMs, jobId, now],
    ),
  );
  const row = rows[0];
  return row && toJob(row);
}

/** Lets go of a live job until `nextPollAt`, recording what the vendor said; false if the lease was lost. */
export async function releaseJob(
  db: Database,
  job: JobRecord,
  owner: string,
  patch: { state: 'queued' | 'running'; progress?: number | null; vendor?: VendorTask; nextPollAt: number },
): Promise<boolean> {
  const { changes } = await db.run(
    `UPDATE jobs SET state = ?, progress = COALESCE(?, progress), provider = COALESCE(?, provider),
       upstream_model = COALESCE(?, upstream_model), vendor_task_id = COALESCE(?, vendor_task_id),
       polls = polls + 1, next_poll_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
     WHERE id = ? AND lease_owner = ? AND state IN ('queued', 'running')`,
    [
      patch.state,
      patch.progress ?? null,
      patch.vendor?.provider ?? null,
      patch.vendor?.upstreamModel ?? null,
      patch.vendor?.taskId ?? null,
      patch.nextPollAt,
      Date.now(),
      job.id,
      owner,
    ],
  );
  return changes > 0;
}

export type Terminal =
  | { state: 'succeeded'; outputs: JobOutput[]; usage: MeteredUsage; chargeMicro: number }
  | { state: 'failed' | 'canceled' | 'expired'; code: string; message: string };

const endpointOf = (kind: string) =>
  kind === 'video' ? 'POST /v1/videos/generate' : kind === 'gpu' ? 'POST /v1/gpu' : `job ${kind}`;

/**
 * The one way a job ends: the state change is conditional on the job still being live,
 * and its hold is settled (charged what was delivered, never more than held) or released
 * in the same transaction, with its request-log row — so across crashes, replicas and a
 * cancel racing a success, a job ends once and its money moves once. Returns the ended job,
 * or undefined when it had already ended.
 */
export async function finishJob(db: Database, jobId: string, end: Terminal): Promise<JobRecord | undefined> {
  const ended = await db.transaction(async (tx) => {
    const now = Date.now();
    const job = await getJob(tx, jobId);
    if (!job || (job.state !== 'queued' && job.state !== 'running')) return undefined;
    const chargeMicro = end.state === 'succeeded' ? Math.min(Math.max(0, end.chargeMicro), job.holdMicro) : 0;
    const { changes } = await tx.run(
      `UPDATE jobs SET state = ?, cost_micro = ?, outputs = ?, error_code = ?, error_message = ?,
         progress = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?, finished_at = ?
       WHERE id = ? AND state IN ('queued', 'running')`,
      [
        end.state,
        chargeMicro,
        end.state === 'succeeded' ? JSON.stringify(end.outputs) : null,
        end.state === 'succeeded' ? null : end.code,
        end.state === 'succeeded' ? null : end.message.slice(0, 1000),
        end.state === 'succeeded' ? 100 : job.progress,
        now,
        now,
        jobId,
      ],
    );
    if (changes === 0) return undefined;
    const hold = await loadHold(tx, job.holdId);
    if (hold) {
      await settleHoldIn(tx, hold, {
        chargeMicro,
        requestId: job.id,
        description: `${endpointOf(job.kind)} ${job.model} (${end.state})`,
      });
    }
    const statusOf = { succeeded: 200, failed: 502, canceled: 499, expired: 504 } as const;
    await insertRequestLog(
      tx,
      requestLogRow(
        {
          requestId: job.id,
          userId: job.userId,
          keyId: job.keyId,
          orgId: hold?.orgId ?? null,
          endpoint: endpointOf(job.kind),
          startedAt: job.createdAt,
        },
        {
          model: job.model,
          provider: job.provider,
          upstreamModel: job.upstreamModel,
          status: end.state === 'failed' && end.code === 'content_moderated' ? 400 : statusOf[end.state],
          errorCode: end.state === 'succeeded' ? null : end.code,
          errorMessage: end.state === 'succeeded' ? null : end.message,
          modelRule: 'catalog',
        },
        end.state === 'succeeded' ? end.usage : null,
        chargeMicro,
        now,
      ),
    );
    await queueWebhook(tx, { ...job, state: end.state, costMicro: chargeMicro, finishedAt: now }, end);
    return job.id;
  });
  return ended ? getJob(db, ended) : undefined;
}

/**
 * The job's end as a webhook message, queued in the transaction that ended it: to the
 * job's own `webhookUrl`, else its key's. Outputs carry file ids; `GET /v1/jobs/{id}`
 * gives their signed links.
 */
async function queueWebhook(tx: Queryable, job: JobRecord, end: Terminal): Promise<void> {
  const keyUrl = job.keyId
    ? (
        await tx.get<{ webhook_url: string | null }>('SELECT webhook_url FROM api_keys WHERE id = ?', [
          job.keyId,
        ])
      )?.webhook_url
    : null;
  const url = job.webhookUrl ?? keyUrl ?? null;
  if (!url) return;
  const type = `job.${end.state}`;
  const payload = JSON.stringify({
    type,
    timestamp: new Date(job.finishedAt ?? Date.now()).toISOString(),
    data: {
      id: job.id,
      kind: job.kind,
      model: job.model,
      status: end.state,
      costCredits: (job.costMicro ?? 0) / 1_000_000,
      outputs: end.state === 'succeeded' ? end.outputs : [],
      error: end.state === 'succeeded' ? null : { code: end.code, message: end.message },
    },
  });
  await enqueueDelivery(tx, { userId: job.userId, jobId: job.id, url, eventType: type, payload });
}
