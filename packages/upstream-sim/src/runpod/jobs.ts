import { randomUUID } from 'node:crypto';

/**
 * RunPod Serverless job states: `IN_QUEUE` → `IN_PROGRESS` → `COMPLETED` | `FAILED` | `CANCELLED` |
 * `TIMED_OUT`.
 * @see https://docs.runpod.io/serverless/endpoints/job-states
 */
export type JobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

export interface JobPolicy {
  executionTimeoutMs: number;
  ttlMs: number;
  lowPriority: boolean;
}

export interface Job {
  id: string;
  endpointId: string;
  sync: boolean;
  input: unknown;
  webhook: string | undefined;
  s3Config: unknown;
  policy: JobPolicy;
  status: JobStatus;
  submittedAt: number;
  takenAt: number | undefined;
  finishedAt: number | undefined;
  /** Queue time of the (last) take, ms. */
  delayTime: number;
  executionTime: number;
  output: unknown;
  error: unknown;
  workerId: string | undefined;
  /** Already put back in the queue once after its worker died. */
  requeued: boolean;
  /** Stream chunks posted with `isStream=true`, and how many `/stream` has handed out. */
  stream: unknown[];
  streamRead: number;
}

export interface Worker {
  id: string;
  /** The endpoint it serves, or undefined for an image-matched worker. */
  endpointId: string | undefined;
  image: string | undefined;
  lastSeenAt: number;
  /** Jobs the platform must tell this worker to stop (cancelled, timed out, expired). */
  jobsToStop: Set<string>;
}

export interface EndpointCounters {
  completed: number;
  failed: number;
  retried: number;
}

export interface JobStoreOptions {
  /** How long results of `/run` jobs are kept after they finish (RunPod: 30 min). */
  asyncResultMs: number;
  /** The same for `/runsync` jobs (RunPod: 1 min). */
  syncResultMs: number;
  /** The workers' `RUNPOD_PING_INTERVAL`; a worker silent for more than 3 intervals is dead. */
  pingIntervalMs: number;
  /** Called once when a job reaches a terminal state (the webhook). */
  onFinish(job: Job): void;
}

/** The sim's queue: jobs of every endpoint, the workers that take them, and the clocks that expire both. */
export class JobStore {
  readonly jobs = new Map<string, Job>();
  readonly workers = new Map<string, Worker>();
  readonly counters = new Map<string, EndpointCounters>();
  readonly #options: JobStoreOptions;

  constructor(options: JobStoreOptions) {
    this.#options = options;
  }

  counter(endpointId: string): EndpointCounters {
    let counter = this.counters.get(endpointId);
    if (!counter) {
      counter = { completed: 0, failed: 0, retried: 0 };
      this.counters.set(endpointId, counter);
    }
    return counter;
  }

  submit(
    endpointId: string,
    sync: boolean,
    body: { input: unknown; webhook?: string | undefined; s3Config?: unknown; policy: JobPolicy },
  ): Job {
    const id = sync ? `sync-${randomUUID()}` : `${randomUUID()}-u1`;
    const job: Job = {
      id,
      endpointId,
      sync,
      input: body.input,
      webhook: body.webhook,
      s3Config: body.s3Config,
      policy: body.policy,
      status: 'IN_QUEUE',
      submittedAt: Date.now(),
      takenAt: undefined,
      finishedAt: undefined,
      delayTime: 0,
      executionTime: 0,
      output: undefined,
      error: undefined,
      workerId: undefined,
      requeued: false,
      stream: [],
      streamRead: 0,
    };
    this.jobs.set(id, job);
    return job;
  }

  /** The job, after applying every clock that is due; undefined once it expired or was purged. */
  get(endpointId: string, id: string): Job | undefined {
    this.tick();
    const job = this.jobs.get(id);
    return job && job.endpointId === endpointId ? job : undefined;
  }

  /** Registers (or refreshes) a worker on any request it makes. */
  seeWorker(id: string, endpointId: string | undefined, image: string | undefined): Worker {
    let worker = this.workers.get(id);
    if (!worker) {
      worker = { id, endpointId, image, lastSeenAt: Date.now(), jobsToStop: new Set() };
      this.workers.set(id, worker);
    }
    worker.lastSeenAt = Date.now();
    if (endpointId !== undefined) worker.endpointId = endpointId;
    if (image !== undefined) worker.image = image;
    return worker;
  }

  /** Hands the oldest queued job of one of `endpointIds` to the worker. */
  take(worker: Worker, endpointIds: readonly string[]): Job | undefined {
    this.tick();
    for (const job of this.jobs.values()) {
      if (job.status !== 'IN_QUEUE' || !endpointIds.includes(job.endpointId)) continue;
      const now = Date.now();
      job.status = 'IN_PROGRESS';
      job.takenAt = now;
      job.delayTime = now - job.submittedAt;
      job.workerId = worker.id;
      job.output = undefined;
      return job;
    }
    return undefined;
  }

  /** Ends a job once; a job already terminal keeps its first outcome. */
  finish(job: Job, status: JobStatus, result: { output?: unknown; error?: unknown } = {}): void {
    if (TERMINAL.has(job.status)) return;
    const now = Date.now();
    if (job.status === 'IN_PROGRESS' && job.takenAt !== undefined) job.executionTime = now - job.takenAt;
    if (
      job.status === 'IN_PROGRESS' &&
      job.workerId !== undefined &&
      status !== 'COMPLETED' &&
      status !== 'FAILED'
    ) {
      this.workers.get(job.workerId)?.jobsToStop.add(job.id);
    }
    job.status = status;
    job.finishedAt = now;
    if ('output' in result) job.output = result.output;
    if ('error' in result) job.error = result.error;
    const counter = this.counter(job.endpointId);
    if (status === 'COMPLETED') counter.completed += 1;
    if (status === 'FAILED' || status === 'TIMED_OUT') counter.failed += 1;
    this.#options.onFinish(job);
  }

  /** `/retry`: the same id and input back in the queue, the old result dropped. */
  retry(job: Job): void {
    job.status = 'IN_QUEUE';
    job.output = undefined;
    job.error = undefined;
    job.takenAt = undefined;
    job.finishedAt = undefined;
    job.executionTime = 0;
    job.delayTime = 0;
    job.workerId = undefined;
    job.stream = [];
    job.streamRead = 0;
    this.counter(job.endpointId).retried += 1;
  }

  /** Deletes a job outright (TTL, purge, retention); a worker still running it is told to stop. */
  delete(job: Job): void {
    if (job.status === 'IN_PROGRESS' && job.workerId !== undefined) {
      this.workers.get(job.workerId)?.jobsToStop.add(job.id);
    }
    this.jobs.delete(job.id);
  }

  isAlive(worker: Worker): boolean {
    return Date.now() - worker.lastSeenAt <= 3 * this.#options.pingIntervalMs;
  }

  /** Applies every clock that is due: TTL, execution timeout, result retention, dead workers. */
  tick(): void {
    const now = Date.now();
    for (const worker of [...this.workers.values()]) {
      if (this.isAlive(worker)) continue;
      this.workers.delete(worker.id);
      for (const job of this.jobs.values()) {
        if (job.status !== 'IN_PROGRESS' || job.workerId !== worker.id) continue;
        if (job.requeued) {
          this.finish(job, 'FAILED', { error: `worker ${worker.id} stopped responding` });
        } else {
          job.requeued = true;
          job.status = 'IN_QUEUE';
          job.workerId = undefined;
          job.takenAt = undefined;
          job.output = undefined;
          this.counter(job.endpointId).retried += 1;
        }
      }
    }
    for (const job of [...this.jobs.values()]) {
      if (now - job.submittedAt >= job.policy.ttlMs) {
        this.delete(job);
        continue;
      }
      if (
        job.status === 'IN_PROGRESS' &&
        job.takenAt !== undefined &&
        now - job.takenAt >= job.policy.executionTimeoutMs
      ) {
        this.finish(job, 'TIMED_OUT');
        continue;
      }
      const keep = job.sync ? this.#options.syncResultMs : this.#options.asyncResultMs;
      if (job.finishedAt !== undefined && now - job.finishedAt >= keep) this.jobs.delete(job.id);
    }
  }

  clear(): void {
    this.jobs.clear();
    this.workers.clear();
    this.counters.clear();
  }
}

/**
 * The job object every operation answers: `{id, status, delayTime, executionTime, output?, error?}`
 * (`output` may hold the latest progress value while `IN_PROGRESS`).
 * @see https://docs.runpod.io/serverless/endpoints/job-states
 */
export function jobObject(job: Job): Record<string, unknown> {
  const object: Record<string, unknown> = { id: job.id, status: job.status };
  if (job.status !== 'IN_QUEUE') {
    object['delayTime'] = job.delayTime;
    object['executionTime'] =
      job.status === 'IN_PROGRESS' ? Date.now() - (job.takenAt ?? Date.now()) : job.executionTime;
  } else {
    object['delayTime'] = Date.now() - job.submittedAt;
  }
  if (job.output !== undefined) object['output'] = job.output;
  if (job.error !== undefined) object['error'] = job.error;
  if (job.workerId !== undefined) object['workerId'] = job.workerId;
  return object;
}
