import { GatewayError } from '../errors/index.ts';
import { withFailover } from '../images/failover.ts';
import type { JobHandler, JobRecord, PollStep, VendorTask } from '../jobs/types.ts';
import type { GpuBackend, GpuJobStatus } from '../providers/gpu/types.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import { backendFor } from './backends.ts';
import { type GpuJobInput, gpuCharge, gpuInputOf } from './gpu-job-input.ts';
import { recordGpuRun } from './gpu-jobs-store.ts';
import { copyGpuOutputs, OutputError } from './gpu-outputs.ts';
import { progressPercent } from './gpu-progress.ts';
import type { GpuServices } from './gpu-services.ts';

/** How often a GPU job is polled at its backend, before the engine's backoff. */
const pollIntervalMs = 1_000;

/**
 * The `gpu` kind of the job engine. Submit: serverless jobs fail over across their model's
 * routes (`workers/sdxl` then `runpod/sdxl`: 5xx, 429, network move on; an empty self-hosted
 * pool is skipped while another route remains), deployment jobs go to their endpoint. Poll:
 * the backend's job state; on success the outputs are copied into the file store and the job
 * is charged the per-call price or its measured execution time × the per-second rate (capped
 * at maxSeconds). Failures, provider timeouts and a job the provider forgot end it failed (the
 * engine refunds the hold). Cancel: the backend's cancel.
 */
export function gpuJobHandler(services: GpuServices): JobHandler {
  const submitTo = async (
    backend: GpuBackend,
    endpointId: string,
    job: JobRecord,
    input: GpuJobInput,
    signal: AbortSignal,
  ) =>
    backend.submit(
      endpointId,
      {
        input: input.workerInput,
        executionTimeoutMs: Math.round(input.maxSeconds * 1000),
        ttlMs: Math.max(10_000, job.deadlineAt - Date.now()),
      },
      signal,
    );

  const modelRoutes = (job: JobRecord): readonly ModelRoute[] => {
    const model = services.config.catalog.media(job.model);
    if (model?.kind !== 'gpu')
      throw new GatewayError('unknown_model', { message: `${job.model} is no longer a GPU model.` });
    return model.routes;
  };

  return {
    pollIntervalMs: () => pollIntervalMs,

    async submit(job, signal): Promise<VendorTask> {
      const input = gpuInputOf(job);
      if (input.family === 'deployment') {
        const provider = input.backend ?? '';
        const endpointId = input.endpointId ?? '';
        const status = await submitTo(
          backendFor(services.gpuBackends, provider),
          endpointId,
          job,
          input,
          signal,
        );
        await recordGpuRun(services.db, job.id, status);
        return { provider, upstreamModel: endpointId, taskId: status.providerJobId };
      }
      const routes = modelRoutes(job);
      const { route, value } = await withFailover(
        { health: services.health, metrics: services.metrics, policy: services.config.routing },
        job.model,
        routes,
        async (candidate) => {
          const backend = backendFor(services.gpuBackends, candidate.provider.name);
          if (
            services.config.gpu.apis.get(candidate.provider.name) === 'workers' &&
            candidate !== routes.at(-1)
          ) {
            const pool = await backend.health(candidate.model, signal);
            if (pool.workers.idle + pool.workers.running + pool.workers.initializing === 0)
              throw new GatewayError('upstream_unavailable', {
                message: `No self-hosted worker serves ${candidate.model}.`,
              });
          }
          return submitTo(backend, candidate.model, job, input, signal);
        },
        signal,
        [],
      );
      await recordGpuRun(services.db, job.id, value);
      return { provider: route.provider.name, upstreamModel: route.model, taskId: value.providerJobId };
    },

    async poll(job, signal): Promise<PollStep> {
      const input = gpuInputOf(job);
      const backend = backendFor(services.gpuBackends, job.provider ?? '');
      let status: GpuJobStatus;
      try {
        status = await backend.status(job.upstreamModel ?? '', job.vendorTaskId ?? '', signal);
      } catch (error) {
        if (error instanceof GatewayError && error.code === 'not_found')
          return {
            state: 'failed',
            code: 'expired',
            message: 'The job expired at the provider (it no longer knows it); its hold was refunded.',
          };
        throw error;
      }
      await recordGpuRun(services.db, job.id, status);
      switch (status.state) {
        case 'queued':
          return { state: 'queued' };
        case 'running':
          return { state: 'running', progress: progressPercent(status.output) };
        case 'failed':
          return { state: 'failed', code: 'gpu_job_failed', message: status.error ?? 'The GPU job failed.' };
        case 'canceled':
          return { state: 'failed', code: 'canceled', message: 'The job was canceled at the provider.' };
        case 'timed_out':
          return {
            state: 'failed',
            code: 'timeout',
            message: `The job did not finish within its ${input.maxSeconds} s at the provider; its hold was refunded.`,
          };
        case 'succeeded':
          break;
      }
      let outputs: Awaited<ReturnType<typeof copyGpuOutputs>>;
      try {
        outputs = await copyGpuOutputs(services, job, status.output);
      } catch (error) {
        if (error instanceof OutputError || (error instanceof GatewayError && !error.retryable))
          return { state: 'failed', code: 'bad_output', message: error.message };
        throw error;
      }
      // The platform measures executionTime (take → done); without it, the time since submission.
      const executionMs = status.executionMs ?? Date.now() - job.createdAt;
      const ranMs = Math.min(executionMs, input.maxSeconds * 1000);
      return {
        state: 'succeeded',
        outputs,
        usage: { unit: 'gpu-seconds', seconds: ranMs / 1000 },
        chargeMicro: gpuCharge(input, executionMs),
      };
    },

    async cancel(job) {
      if (!job.vendorTaskId || !job.provider) return;
      const backend = backendFor(services.gpuBackends, job.provider);
      await backend.cancel(job.upstreamModel ?? '', job.vendorTaskId, AbortSignal.timeout(10_000));
    },
  };
}
