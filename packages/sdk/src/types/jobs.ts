export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'expired';

export interface JobOutput {
  /** The gateway's signed, expiring link; null once past the output retention. */
  url: string | null;
  fileId: string;
  contentType: string;
  seconds: number | null;
}

/** `GET /v1/jobs/{id}`: one job of any async kind (video, gpu…). Times are ISO 8601. */
export interface Job {
  id: string;
  object: 'job';
  kind: 'video' | 'gpu' | (string & {});
  model: string;
  status: JobStatus;
  /** 0–100 when the vendor reports it. */
  progress: number | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** What the job cost once it ended (credits); null while running. */
  costCredits: number | null;
  /** Credits held for it while it runs. */
  heldCredits: number;
  outputs: JobOutput[];
  error: { code: string; message: string } | null;
}

export interface JobListParams {
  kind?: string;
  status?: JobStatus;
  model?: string;
  /** Page size (1–100). */
  limit?: number;
  /** Start after this job id (newest first). */
  before?: string;
}

/** `GET /v1/jobs` wire page. */
export interface JobListPage {
  object: 'list';
  data: Job[];
  hasMore: boolean;
  nextBefore: string | null;
}

export const terminalStatuses: readonly JobStatus[] = ['succeeded', 'failed', 'canceled', 'expired'];
