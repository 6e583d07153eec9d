import type { MeteredUsage } from '../contracts/index.ts';

/** queued → running → succeeded | failed | canceled | expired (the last four are terminal). */
export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'canceled', 'expired'] as const;
export type JobState = (typeof jobStates)[number];
export const liveStates: readonly JobState[] = ['queued', 'running'];
export const isTerminal = (state: JobState): boolean => !liveStates.includes(state);

/** A result copied into the file store (kind `output`): the gateway serves it, not the vendor. */
export interface JobOutput {
  fileId: string;
  contentType: string;
  seconds?: number | undefined;
}

/** One job as the engine and the API read it. */
export interface JobRecord {
  id: string;
  userId: string;
  keyId: string | null;
  kind: string;
  model: string;
  state: JobState;
  progress: number | null;
  /** The kind's validated request (its handler's own shape, stored as JSON). */
  input: unknown;
  provider: string | null;
  upstreamModel: string | null;
  vendorTaskId: string | null;
  holdId: string;
  holdMicro: number;
  costMicro: number | null;
  outputs: JobOutput[];
  errorCode: string | null;
  errorMessage: string | null;
  idempotencyKey: string | null;
  webhookUrl: string | null;
  polls: number;
  deadlineAt: number;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** Where the vendor accepted the job. */
export interface VendorTask {
  provider: string;
  upstreamModel: string;
  taskId: string;
}

/** What one poll through a kind's handler says about a job. */
export type PollStep =
  | { state: 'queued' | 'running'; progress?: number | undefined }
  | { state: 'succeeded'; outputs: JobOutput[]; usage: MeteredUsage; chargeMicro: number }
  | { state: 'failed'; code: string; message: string };

/**
 * One async kind (`video` now, `gpu` next): how to start a job at its vendor, poll it,
 * copy its results, and cancel it. The engine owns leases, deadlines, retries and money.
 */
export interface JobHandler {
  /** Starts the job at a vendor (failover across the model's routes); throws a GatewayError. */
  submit(job: JobRecord, signal: AbortSignal): Promise<VendorTask>;
  /** Asks the vendor; on success the outputs are already in the file store. */
  poll(job: JobRecord, signal: AbortSignal): Promise<PollStep>;
  /** Best effort: the job is already canceled or expired, whatever the vendor says. */
  cancel(job: JobRecord): Promise<void>;
  /** The vendor's poll cadence for this job, before backoff. */
  pollIntervalMs(job: JobRecord): number;
}
