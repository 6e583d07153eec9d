import type { Queryable, SqlParam } from '../db/index.ts';
import { getJob } from '../jobs/store.ts';
import type { JobRecord, JobState } from '../jobs/types.ts';
import { type GpuOwner, ownerKey } from './deployments-store.ts';

/** The GPU side of a `gpu` job: whose it is, which deployment ran it, what the platform measured. */
export interface GpuJobRun {
  jobId: string;
  /** The org or person it belongs to (`ownerKey`). */
  ownerKey: string;
  orgId: string | null;
  deploymentId: string | null;
  providerJobId: string | null;
  delayMs: number | null;
  executionMs: number | null;
}

interface GpuJobRow {
  job_id: string;
  owner_key: string;
  org_id: string | null;
  deployment_id: string | null;
  provider_job_id: string | null;
  delay_ms: number | null;
  execution_ms: number | null;
}

const toRun = (row: GpuJobRow): GpuJobRun => ({
  jobId: row.job_id,
  ownerKey: row.owner_key,
  orgId: row.org_id,
  deploymentId: row.deployment_id,
  providerJobId: row.provider_job_id,
  delayMs: row.delay_ms === null ? null : Number(row.delay_ms),
  executionMs: row.execution_ms === null ? null : Number(row.execution_ms),
});

export async function insertGpuJob(
  db: Queryable,
  jobId: string,
  owner: GpuOwner,
  deploymentId: string | null,
): Promise<void> {
  await db.run(
    `INSERT INTO gpu_jobs (job_id, owner_key, org_id, deployment_id, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (job_id) DO NOTHING`,
    [jobId, ownerKey(owner), owner.orgId, deploymentId, Date.now()],
  );
}

/** The job's GPU row; a job created before its row was written belongs to its creator. */
export async function getGpuJobRun(db: Queryable, job: JobRecord): Promise<GpuJobRun> {
  const row = await db.get<GpuJobRow>('SELECT * FROM gpu_jobs WHERE job_id = ?', [job.id]);
  return row
    ? toRun(row)
    : {
        jobId: job.id,
        ownerKey: job.userId,
        orgId: null,
        deploymentId: null,
        providerJobId: job.vendorTaskId,
        delayMs: null,
        executionMs: null,
      };
}

/** What the backend last said about the job's timings (the platform measures them, not the worker). */
export async function recordGpuRun(
  db: Queryable,
  jobId: string,
  run: { providerJobId: string; delayMs?: number | undefined; executionMs?: number | undefined },
): Promise<void> {
  await db.run(
    `UPDATE gpu_jobs SET provider_job_id = ?, delay_ms = COALESCE(?, delay_ms), execution_ms = COALESCE(?, execution_ms),
       updated_at = ? WHERE job_id = ?`,
    [
      run.providerJobId,
      run.delayMs === undefined ? null : Math.round(run.delayMs),
      run.executionMs === undefined ? null : Math.round(run.executionMs),
      Date.now(),
      jobId,
    ],
  );
}

export interface GpuJobFilters {
  deploymentId?: string | undefined;
  state?: JobState | undefined;
  /** Keyset paging: jobs older than this id. */
  before?: string | undefined;
  limit: number;
}

/** The owner's GPU jobs, newest first, each with its GPU row. */
export async function listGpuJobs(
  db: Queryable,
  owner: GpuOwner,
  filters: GpuJobFilters,
): Promise<{ job: JobRecord; run: GpuJobRun }[]> {
  const where = ['g.owner_key = ?'];
  const params: SqlParam[] = [ownerKey(owner)];
  if (filters.deploymentId !== undefined) {
    where.push('g.deployment_id = ?');
    params.push(filters.deploymentId);
  }
  if (filters.state !== undefined) {
    where.push('j.state = ?');
    params.push(filters.state);
  }
  if (filters.before !== undefined) {
    where.push('g.job_id < ?');
    params.push(filters.before);
  }
  const rows = await db.all<GpuJobRow>(
    `SELECT g.* FROM gpu_jobs g JOIN jobs j ON j.id = g.job_id WHERE ${where.join(' AND ')}
     ORDER BY g.job_id DESC LIMIT ?`,
    [...params, filters.limit],
  );
  const out: { job: JobRecord; run: GpuJobRun }[] = [];
  for (const row of rows) {
    const job = await getJob(db, row.job_id);
    if (job) out.push({ job, run: toRun(row) });
  }
  return out;
}
