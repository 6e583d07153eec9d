/**
 * GPU: catalogued serverless models (`POST /v1/gpu/{slug}`) and deployments of your own
 * worker image (`/v1/deployments`, `POST /v1/gpu/run/{slug}`). Times are ISO 8601.
 */
export type GpuJobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'expired';

/** A serverless model's job (`POST /v1/gpu/{slug}` inline answer, `GET /v1/gpu/jobs/{id}`). */
export interface GpuJob {
  id: string;
  object: 'gpu.job';
  model: string;
  status: GpuJobStatus;
  /** Percent done as the worker reports it (null when it does not say); 100 once succeeded. */
  progress: number | null;
  /** Signed links to the outputs. */
  outputs: string[];
  costCredits: number | null;
  /** GPU execution time, measured by the platform. */
  durationMs: number | null;
  /** Time spent queued before a worker took it. */
  delayMs: number | null;
  pollUrl: string;
  createdAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

/** The 202 answer of an async submission (poll `pollUrl`, or `client.gpu.jobs.wait(id)`). */
export interface GpuJobQueued {
  id: string;
  object: 'gpu.job';
  model: string;
  status: 'queued' | 'running';
  pollUrl: string;
}

/** A deployment's job (`POST /v1/gpu/run/{slug}`, `GET /v1/gpu/jobs/{id}`). */
export interface DeploymentJob {
  job_id: string;
  object: 'gpu.job';
  deployment: string;
  status: GpuJobStatus;
  /** Percent done as the worker reports it (null when it does not say); 100 once succeeded. */
  progress: number | null;
  provider_job_id: string | null;
  /** Once succeeded: signed links to the images (and videos, when the worker made any). */
  output: { images: string[]; videos?: string[] } | null;
  executionMs: number | null;
  delayMs: number | null;
  creditsCharged: number | null;
  pollUrl: string;
  createdAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

export interface GpuModel {
  slug: string;
  object: 'gpu.model';
  name: string;
  modalities: string[];
  mode: 'sync' | 'async';
  /** Credits per call and/or per GPU-second. */
  price: { perCall?: number; perSecond?: number };
  maxSeconds: number | null;
  inputSchema: Record<string, unknown>;
}

export interface GpuModelList {
  object: 'list';
  data: GpuModel[];
}

export interface GpuTier {
  id: string;
  object: 'gpu.tier';
  name: string;
  memoryGb: number;
  pricePerSecondCredits: number;
}

export interface GpuTierList {
  object: 'list';
  data: GpuTier[];
}

export interface GpuJobListParams {
  /** Only this deployment's jobs (its slug). */
  deployment?: string;
  status?: GpuJobStatus;
  limit?: number;
  before?: string;
}

export interface GpuJobListPage {
  object: 'list';
  data: Array<GpuJob | DeploymentJob>;
  hasMore: boolean;
  nextBefore: string | null;
}

export interface DeploymentDeleted {
  id: string;
  object: 'deployment';
  slug: string;
  deleted: true;
}

export interface GpuRunParams {
  /** The model's input (see its `inputSchema`), e.g. `{ prompt, seed, width, height }`. */
  input: Record<string, unknown>;
  /** Wait inline (up to the model's limit) instead of answering 202 with a job to poll. */
  sync?: boolean;
  webhookUrl?: string;
  [extra: string]: unknown;
}

export type DeploymentState = 'provisioning' | 'ready' | 'scaled_to_zero' | 'unhealthy' | 'failed';

export interface Deployment {
  id: string;
  object: 'deployment';
  slug: string;
  name: string;
  dockerImage: string;
  /** Comma-separated GPU tier ids, in preference order: "ADA_48_PRO,AMPERE_80". */
  gpuTypes: string;
  minWorkers: number;
  maxWorkers: number;
  idleTimeoutSeconds: number;
  maxSeconds: number;
  /** Names of the environment variables set; values are never returned. */
  envKeys: string[];
  webhookUrl: string | null;
  backend: 'runpod' | 'workers' | (string & {});
  endpointId: string | null;
  state: DeploymentState;
  workers: { idle: number; running: number; initializing: number };
  pricePerSecondCredits: number;
  workflow: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentCreateParams {
  slug: string;
  name?: string;
  dockerImage: string;
  /** GPU tier ids in preference order (`client.gpu.tiers()`): "ADA_48_PRO,AMPERE_80" or an array. */
  gpuTypes: string | string[];
  minWorkers?: number;
  maxWorkers?: number;
  idleTimeoutSeconds?: number;
  maxSeconds?: number;
  env?: Record<string, string>;
  webhookUrl?: string | null;
  backend?: 'runpod' | 'workers';
  /** A ComfyUI API-format graph the deployment's jobs run (worker-comfyui images). */
  workflow?: Record<string, unknown> | null;
  [extra: string]: unknown;
}

export type DeploymentUpdateParams = Partial<Omit<DeploymentCreateParams, 'slug'>>;

export interface DeploymentList {
  object: 'list';
  data: Deployment[];
}

export interface DeploymentRunParams {
  input: Record<string, unknown>;
  /** Wait inline up to 240 s. */
  sync?: boolean;
  [extra: string]: unknown;
}

/** `GET /api/gpu/backends` (dashboard session): where a new deployment can run. */
export interface GpuBackend {
  id: string;
  kind: 'runpod' | 'self-hosted' | (string & {});
  /** The backend a deployment gets when it names none. */
  default: boolean;
}
