import type { JobEngine } from '../jobs/engine.ts';
import { getJob, leaseJob } from '../jobs/store.ts';
import { isTerminal, type JobRecord } from '../jobs/types.ts';
import type { GpuServices } from './gpu-services.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Longest a GET waits for its live poll; a slower backend answers the next GET instead. */
const livePollBoundMs = 5_000;

/**
 * Advances a live job once now, if no other worker holds it: the live poll behind
 * GET /v1/gpu/jobs/{id}, so its state moves as the backend's does, not at the engine's cadence.
 */
export async function livePoll(services: GpuServices, engine: JobEngine, job: JobRecord): Promise<JobRecord> {
  if (isTerminal(job.state)) return job;
  const leased = await leaseJob(services.db, job.id, engine.owner, engine.leaseMs);
  if (leased) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      engine.advance(leased),
      new Promise((resolve) => {
        timer = setTimeout(resolve, livePollBoundMs);
      }),
    ]);
    clearTimeout(timer);
  }
  return (await getJob(services.db, job.id)) ?? job;
}

/** Polls a job until it ends or `waitMs` passes (a sync call's inline wait); returns its last state. */
export async function waitForJob(
  services: GpuServices,
  engine: JobEngine,
  jobId: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<JobRecord | undefined> {
  const until = Date.now() + waitMs;
  let job = await getJob(services.db, jobId);
  const interval = Math.max(20, Math.min(250, engine.maxPollIntervalMs));
  while (job && !isTerminal(job.state) && Date.now() < until && !signal?.aborted) {
    await sleep(Math.min(interval, Math.max(0, until - Date.now())));
    job = await livePoll(services, engine, job);
  }
  return job;
}
