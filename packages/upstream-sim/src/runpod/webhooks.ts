import { type Job, jobObject } from './jobs.ts';

export interface WebhookDelivery {
  jobId: string;
  url: string;
  attempt: number;
  /** The receiver's status, or 0 when it could not be reached. */
  status: number;
  body: Record<string, unknown>;
}

export interface WebhookOptions {
  /** Pause between attempts (RunPod: 10 s). */
  retryMs: number;
  /** Every attempt, in order, for tests. */
  deliveries: WebhookDelivery[];
}

const ATTEMPTS = 3;

/**
 * When a job finishes RunPod POSTs the status object plus `input` and `webhook` to the job's
 * `webhook`; a 200 is expected, otherwise it tries up to 2 more times, 10 s apart.
 * @see https://docs.runpod.io/serverless/endpoints/send-requests#webhook-notifications
 */
export async function deliverWebhook(job: Job, options: WebhookOptions, signal: AbortSignal): Promise<void> {
  if (!job.webhook) return;
  const body = { ...jobObject(job), input: job.input, webhook: job.webhook };
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    let status = 0;
    try {
      const response = await fetch(job.webhook, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch {
      status = 0;
    }
    options.deliveries.push({ jobId: job.id, url: job.webhook, attempt, status, body });
    if (status === 200 || signal.aborted || attempt === ATTEMPTS) return;
    await new Promise((resolve) => setTimeout(resolve, options.retryMs));
    if (signal.aborted) return;
  }
}
