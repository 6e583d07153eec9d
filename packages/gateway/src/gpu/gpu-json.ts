import { microToCredits } from '../billing/index.ts';
import type { GatewayConfig } from '../config/index.ts';
import type { OutputLinker } from '../jobs/job-json.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { MediaModelEntry } from '../routing/media-models.ts';
import type { DeploymentRecord } from './deployments-store.ts';
import type { GpuJobRun } from './gpu-jobs-store.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const errorOf = (job: JobRecord) =>
  job.errorCode === null ? null : { code: job.errorCode, message: job.errorMessage ?? '' };

/** A GPU tier's per-second price in credits. */
export function tierRateMicro(config: GatewayConfig, gpuTypes: readonly string[]): number {
  let rate = 0;
  for (const type of gpuTypes) rate = Math.max(rate, config.gpu.tiers.get(type)?.pricePerSecondMicro ?? 0);
  return rate;
}

/** GET /v1/gpu/models: the serverless catalogue, prices in credits (docs/api-contract.md §10). */
export function gpuModelsJson(config: GatewayConfig) {
  return {
    object: 'list',
    data: config.catalog.mediaIds('gpu').flatMap((id) => {
      const model = config.catalog.media(id);
      return model ? [gpuModelJson(model)] : [];
    }),
  };
}

export function gpuModelJson(model: MediaModelEntry) {
  const price = model.price.kind === 'gpu' ? model.price : undefined;
  return {
    slug: model.id,
    object: 'gpu.model',
    name: model.gpu?.name ?? model.id,
    modalities: model.modalities,
    mode: model.gpu?.mode ?? 'async',
    price: {
      ...(price && price.perCall > 0 ? { perCall: microToCredits(price.perCall) } : {}),
      ...(price && price.perSecond > 0 ? { perSecond: microToCredits(price.perSecond) } : {}),
    },
    maxSeconds: price?.maxSeconds ?? null,
    inputSchema: model.gpu?.inputSchema ?? { type: 'object' },
  };
}

/** GET /v1/gpu/tiers: what a deployment costs per second on each GPU pool. */
export function gpuTiersJson(config: GatewayConfig) {
  return {
    object: 'list',
    data: [...config.gpu.tiers.values()].map((tier) => ({
      id: tier.id,
      object: 'gpu.tier',
      name: tier.name,
      memoryGb: tier.memoryGb,
      pricePerSecondCredits: microToCredits(tier.pricePerSecondMicro),
    })),
  };
}

/** The serverless family (POST /v1/gpu/{slug}, GET /v1/gpu/jobs/{id}). */
export function serverlessJobJson(job: JobRecord, run: GpuJobRun, link: OutputLinker, retained: boolean) {
  return {
    id: job.id,
    object: 'gpu.job',
    model: job.model,
    status: job.state,
    progress: job.state === 'succeeded' ? 100 : job.progress,
    outputs: retained ? job.outputs.map((output) => link(output.fileId)) : [],
    costCredits: job.costMicro === null ? null : microToCredits(job.costMicro),
    durationMs: run.executionMs,
    delayMs: run.delayMs,
    pollUrl: `/v1/gpu/jobs/${job.id}`,
    createdAt: iso(job.createdAt),
    finishedAt: iso(job.finishedAt),
    error: errorOf(job),
  };
}

/** The deployment family (POST /v1/gpu/run/{slug}, GET /v1/gpu/jobs/{id}). */
export function deploymentJobJson(job: JobRecord, run: GpuJobRun, link: OutputLinker, retained: boolean) {
  const urls = (prefix: string) =>
    retained
      ? job.outputs
          .filter((output) => output.contentType.startsWith(prefix))
          .map((output) => link(output.fileId))
      : [];
  const videos = urls('video/');
  return {
    job_id: job.id,
    object: 'gpu.job',
    deployment: job.model,
    status: job.state,
    progress: job.state === 'succeeded' ? 100 : job.progress,
    provider_job_id: run.providerJobId ?? job.vendorTaskId,
    output:
      job.state === 'succeeded' ? { images: urls('image/'), ...(videos.length > 0 ? { videos } : {}) } : null,
    executionMs: run.executionMs,
    delayMs: run.delayMs,
    creditsCharged: job.costMicro === null ? null : microToCredits(job.costMicro),
    pollUrl: `/v1/gpu/jobs/${job.id}`,
    createdAt: iso(job.createdAt),
    finishedAt: iso(job.finishedAt),
    error: errorOf(job),
  };
}

export function gpuJobJson(
  job: JobRecord,
  run: GpuJobRun,
  link: OutputLinker,
  retentionMs: number,
  now = Date.now(),
) {
  const retained = job.finishedAt === null || now - job.finishedAt < retentionMs;
  return run.deploymentId === null
    ? serverlessJobJson(job, run, link, retained)
    : deploymentJobJson(job, run, link, retained);
}

/** A deployment as the API shows it: env values never leave the gateway. */
export function deploymentJson(config: GatewayConfig, deployment: DeploymentRecord) {
  return {
    id: deployment.id,
    object: 'deployment',
    slug: deployment.slug,
    name: deployment.name,
    dockerImage: deployment.dockerImage,
    gpuTypes: deployment.gpuTypes.join(','),
    minWorkers: deployment.minWorkers,
    maxWorkers: deployment.maxWorkers,
    idleTimeoutSeconds: deployment.idleTimeoutSeconds,
    maxSeconds: deployment.maxSeconds,
    envKeys: Object.keys(deployment.env).sort(),
    webhookUrl: deployment.webhookUrl,
    backend: deployment.backend,
    endpointId: deployment.endpointId,
    state: deployment.state,
    workers: deployment.workers,
    pricePerSecondCredits: microToCredits(tierRateMicro(config, deployment.gpuTypes)),
    workflow: deployment.workflow,
    createdAt: iso(deployment.createdAt),
    updatedAt: iso(deployment.updatedAt),
  };
}
