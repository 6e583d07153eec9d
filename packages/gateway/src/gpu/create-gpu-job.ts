import type { AuthenticatedKey } from '../accounts/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { JobEngine } from '../jobs/engine.ts';
import { createJob, getJob, releaseJob } from '../jobs/store.ts';
import type { JobRecord } from '../jobs/types.ts';
import { affordJobHold } from '../metering/admit.ts';
import type { GpuOwner } from './deployments-store.ts';
import { type GpuJobInput, gpuHold } from './gpu-job-input.ts';
import { insertGpuJob } from './gpu-jobs-store.ts';
import type { GpuServices } from './gpu-services.ts';

export interface NewGpuJob {
  principal: AuthenticatedKey;
  owner: GpuOwner;
  /** The catalogue slug, or the deployment's slug. */
  model: string;
  input: GpuJobInput;
  deploymentId: string | null;
  webhookUrl: string | undefined;
  idempotencyKey: string | undefined;
  /** The request-log endpoint of the hold (`POST /v1/gpu/sdxl`). */
  endpoint: string;
}

/**
 * Creates a `gpu` job: the hold (per-call price, or maxSeconds × the per-second rate) in the
 * transaction that creates the job (402 before any backend call), then the submission at
 * once; a submission every route refused ends the job failed (refunded) and answers its
 * error. With an `Idempotency-Key` the first job comes back and nothing is held again.
 */
export async function createGpuJob(
  services: GpuServices,
  engine: JobEngine,
  call: NewGpuJob,
): Promise<{ job: JobRecord; created: boolean }> {
  const holdMicro = gpuHold(call.input);
  const budget = await affordJobHold(services, call.principal, holdMicro, `this ${call.model} job holds`);
  const { job, created } = await createJob(services.db, {
    userId: call.principal.userId,
    keyId: call.principal.keyId,
    kind: 'gpu',
    model: call.model,
    input: call.input,
    holdMicro,
    endpoint: call.endpoint,
    idempotencyKey: call.idempotencyKey,
    webhookUrl: call.webhookUrl,
    deadlineMs: Math.round(call.input.maxSeconds * 1000) + services.config.gpu.queueTimeoutMs,
    keyBudget: budget?.ref,
    leaseOwner: engine.owner,
    orgId: call.principal.orgId,
    leaseMs: engine.leaseMs,
  });
  if (!created) return { job, created };
  await insertGpuJob(services.db, job.id, call.owner, call.deploymentId);
  const handler = engine.handler('gpu');
  try {
    const vendor = await handler.submit(job, AbortSignal.timeout(services.config.jobs.leaseMs));
    await releaseJob(services.db, job, engine.owner, {
      state: 'queued',
      vendor,
      nextPollAt: Date.now() + Math.min(handler.pollIntervalMs(job), engine.maxPollIntervalMs),
    });
  } catch (error) {
    const failure =
      error instanceof GatewayError ? error : new GatewayError('internal_error', { cause: error });
    await engine.end(job, { state: 'failed', code: failure.code, message: failure.message });
    throw failure;
  }
  return { job: (await getJob(services.db, job.id)) ?? job, created };
}
