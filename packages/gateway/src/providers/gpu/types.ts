import type { Json } from '../../contracts/index.ts';

/**
 * The contract between the gateway's GPU jobs and the backends that run them: RunPod
 * Serverless (https://docs.runpod.io/serverless/endpoints/operation-reference) and the
 * self-hosted worker pool, whose workers speak RunPod's worker protocol to the gateway.
 * States follow RunPod's job states (https://docs.runpod.io/serverless/endpoints/job-states),
 * lower-cased: RUNNING is reported as `running`, like IN_PROGRESS.
 */
export type GpuJobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'timed_out';

/** One job as a backend reports it (RunPod's job object: id, status, delayTime, executionTime, output, error). */
export interface GpuJobStatus {
  providerJobId: string;
  state: GpuJobState;
  /** Milliseconds in the queue before a worker took the job. */
  delayMs?: number | undefined;
  /** Milliseconds the handler ran: what per-second billing settles on (capped by the gateway). */
  executionMs?: number | undefined;
  /** The handler's output when succeeded; the latest progress value while running. */
  output?: Json | undefined;
  /** Why it failed, as a message a user can read. */
  error?: string | undefined;
}

/** What the gateway submits (RunPod's run body: input + policy + webhook). */
export interface GpuSubmission {
  /** Passed to the worker's handler as `job.input`, unchanged. */
  input: Json;
  /** RunPod `policy.executionTimeout`: the job's `maxSeconds` in ms. */
  executionTimeoutMs: number;
  /** RunPod `policy.ttl`: lifetime from submission, queue included. */
  ttlMs?: number | undefined;
}

/** A deployment as the backend provisions it (RunPod: a template + a queue endpoint). */
export interface DeploymentSpec {
  name: string;
  dockerImage: string;
  /** GPU pool ids in order of preference, e.g. ["ADA_48_PRO", "AMPERE_80"]. */
  gpuTypes: string[];
  minWorkers: number;
  maxWorkers: number;
  idleTimeoutSeconds: number;
  /** The per-job execution timeout (the deployment's maxSeconds) in ms. */
  executionTimeoutMs: number;
  env: Record<string, string>;
}

export type EndpointState = 'provisioning' | 'ready' | 'scaled_to_zero' | 'unhealthy';

/** A backend endpoint: where a catalogue model or a deployment runs. */
export interface EndpointInfo {
  endpointId: string;
  state: EndpointState;
  workers: { idle: number; running: number; initializing: number };
  jobs?: { inQueue: number; inProgress: number; completed: number; failed: number } | undefined;
}

/**
 * One GPU backend. Methods throw a GatewayError: `upstream_*` codes (retryable) for network,
 * 5xx and 429; `not_found` when the backend no longer knows the job or endpoint.
 */
export interface GpuBackend {
  /** `runpod` or `workers` (the self-hosted pool): the provider name in a route. */
  readonly id: string;
  submit(endpointId: string, submission: GpuSubmission, signal: AbortSignal): Promise<GpuJobStatus>;
  status(endpointId: string, providerJobId: string, signal: AbortSignal): Promise<GpuJobStatus>;
  cancel(endpointId: string, providerJobId: string, signal: AbortSignal): Promise<void>;
  health(endpointId: string, signal: AbortSignal): Promise<EndpointInfo>;
  provision(spec: DeploymentSpec, signal: AbortSignal): Promise<EndpointInfo>;
  update(endpointId: string, spec: DeploymentSpec, signal: AbortSignal): Promise<EndpointInfo>;
  remove(endpointId: string, signal: AbortSignal): Promise<void>;
}
