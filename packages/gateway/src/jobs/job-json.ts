import { microToCredits } from '../billing/index.ts';
import { isTerminal, type JobRecord } from './types.ts';

/** Links a stored output with the gateway's own signed, expiring URL. */
export type OutputLinker = (fileId: string) => string;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * A job as the API shows it (GET /v1/jobs/{id}): status, progress, timings, cost, the
 * outputs under the gateway's signed links (while within the retention), and the error.
 */
export function jobJson(job: JobRecord, link: OutputLinker, retentionMs: number, now = Date.now()) {
  const retained = job.finishedAt === null || now - job.finishedAt < retentionMs;
  return {
    id: job.id,
    object: 'job',
    kind: job.kind,
    model: job.model,
    status: job.state,
    progress: job.state === 'succeeded' ? 100 : job.progress,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
    finishedAt: iso(job.finishedAt),
    costCredits: job.costMicro === null ? null : microToCredits(job.costMicro),
    heldCredits: isTerminal(job.state) ? 0 : microToCredits(job.holdMicro),
    outputs: job.outputs.map((output) => ({
      url: retained ? link(output.fileId) : null,
      fileId: output.fileId,
      contentType: output.contentType,
      seconds: output.seconds ?? null,
    })),
    error: job.errorCode === null ? null : { code: job.errorCode, message: job.errorMessage ?? '' },
  };
}
