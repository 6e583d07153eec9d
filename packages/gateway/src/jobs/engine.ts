import { randomUUID } from 'node:crypto';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { claimDueJobs, finishJob, releaseJob, type Terminal } from './store.ts';
import type { JobHandler, JobRecord } from './types.ts';

export interface JobEngineOptions {
  db: Database;
  /** One handler per kind (`video`, later `gpu`). */
  handlers: Readonly<Record<string, JobHandler>>;
  tickMs: number;
  leaseMs: number;
  concurrency: number;
  /** Caps every vendor's poll interval (tests and the simulator demo poll faster). */
  maxPollIntervalMs?: number | undefined;
  /** Called once per job that ended here (webhooks). */
  onFinished?: ((job: JobRecord) => void) | undefined;
  onError: (error: unknown, job: JobRecord | undefined) => void;
  /** A vendor failure another poll may fix (5xx, 429, network): retried with backoff. */
  onRetry?: ((error: GatewayError, job: JobRecord) => void) | undefined;
}

/** Longest wait between two polls of one job, however slow its vendor. */
const maxBackoffMs = 60_000;

/**
 * The worker every gateway process runs: each tick it leases due jobs (any replica can
 * advance any job; a job whose worker died is taken over when its lease runs out), submits
 * those not yet at a vendor, polls the others through their kind's handler with a backoff
 * from the vendor's own cadence, and ends every job by its deadline at the latest. Job ends
 * go through `finishJob`, which settles the money in the same transaction.
 */
export class JobEngine {
  readonly owner = `worker_${randomUUID()}`;
  readonly #options: JobEngineOptions;
  readonly #running = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #steps = 0;

  constructor(options: JobEngineOptions) {
    this.#options = options;
  }

  /** Job steps this process has run (submits, polls, ends): replicas share the work. */
  get steps(): number {
    return this.#steps;
  }

  get leaseMs(): number {
    return this.#options.leaseMs;
  }

  get maxPollIntervalMs(): number {
    return this.#options.maxPollIntervalMs ?? Number.POSITIVE_INFINITY;
  }

  handler(kind: string): JobHandler {
    const handler = this.#options.handlers[kind];
    if (!handler) throw new Error(`no job handler for ${kind}`);
    return handler;
  }

  start(): void {
    this.#timer = setInterval(() => void this.tick(), this.#options.tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#abort.abort();
    await Promise.allSettled([...this.#running]);
  }

  /** One round: claim what fits in the free slots and advance each claimed job. */
  async tick(): Promise<void> {
    if (this.#ticking || this.#abort.signal.aborted) return;
    this.#ticking = true;
    try {
      const free = this.#options.concurrency - this.#running.size;
      if (free <= 0) return;
      const claimed = await claimDueJobs(this.#options.db, this.owner, this.#options.leaseMs, free);
      for (const job of claimed) this.#track(this.advance(job));
    } catch (error) {
      this.#options.onError(error, undefined);
    } finally {
      this.#ticking = false;
    }
  }

  /** Advances a job this process leased (just created here, or claimed by a tick). */
  run(job: JobRecord): void {
    this.#track(this.advance(job));
  }

  #track(work: Promise<void>): void {
    this.#running.add(work);
    void work.finally(() => this.#running.delete(work));
  }

  async end(job: JobRecord, terminal: Terminal): Promise<JobRecord | undefined> {
    const ended = await finishJob(this.#options.db, job.id, terminal);
    if (ended) this.#options.onFinished?.(ended);
    return ended;
  }

  /** Ends a live job as canceled (refunded); then tells the vendor, best effort. */
  async cancel(job: JobRecord): Promise<JobRecord | undefined> {
    const ended = await this.end(job, {
      state: 'canceled',
      code: 'canceled',
      message: 'The job was canceled; its hold was refunded.',
    });
    if (ended) this.#vendorCancel(ended);
    return ended;
  }

  #vendorCancel(job: JobRecord): void {
    const handler = this.#options.handlers[job.kind];
    if (!handler || !job.vendorTaskId) return;
    handler.cancel(job).catch(() => {
      // Best effort: the job is over here whatever the vendor does.
    });
  }

  async advance(job: JobRecord): Promise<void> {
    const { db } = this.#options;
    this.#steps++;
    const handler = this.#options.handlers[job.kind];
    try {
      if (!handler) {
        await this.end(job, {
          state: 'failed',
          code: 'unsupported_kind',
          message: `No handler for ${job.kind} jobs.`,
        });
        return;
      }
      if (Date.now() >= job.deadlineAt) {
        const ended = await this.end(job, {
          state: 'expired',
          code: 'timeout',
          message: 'The job did not finish before its deadline; its hold was refunded.',
        });
        if (ended) this.#vendorCancel(ended);
        return;
      }
      const interval = Math.min(handler.pollIntervalMs(job), this.#options.maxPollIntervalMs ?? Infinity);
      const backoff = Math.min(interval * Math.min(4, 1 + job.polls / 10), maxBackoffMs);
      const nextPollAt = Math.min(Date.now() + backoff, job.deadlineAt);
      if (!job.vendorTaskId) {
        const vendor = await handler.submit(job, this.#abort.signal);
        await releaseJob(db, job, this.owner, { state: 'queued', vendor, nextPollAt: Date.now() + interval });
        return;
      }
      const step = await handler.poll(job, this.#abort.signal);
      if (step.state === 'succeeded' || step.state === 'failed') {
        await this.end(job, step);
        return;
      }
      await releaseJob(db, job, this.owner, {
        state: step.state,
        progress: step.progress === undefined ? null : Math.round(step.progress),
        nextPollAt,
      });
    } catch (error) {
      if (this.#abort.signal.aborted) return;
      // A job not yet at any vendor whose every route refused it for good has failed;
      // anything else (network, 5xx, 429) is retried on the next poll, until the deadline.
      if (!job.vendorTaskId && error instanceof GatewayError && !error.retryable) {
        await this.end(job, { state: 'failed', code: error.code, message: error.message }).catch(
          (cause: unknown) => this.#options.onError(cause, job),
        );
        return;
      }
      if (error instanceof GatewayError && error.retryable) this.#options.onRetry?.(error, job);
      else this.#options.onError(error, job);
      const retryAt = Math.min(
        Date.now() + Math.min(1000 * 2 ** Math.min(job.polls, 6), maxBackoffMs),
        job.deadlineAt,
      );
      await releaseJob(db, job, this.owner, {
        state: job.state === 'running' ? 'running' : 'queued',
        nextPollAt: retryAt,
      }).catch(() => undefined);
    }
  }
}
