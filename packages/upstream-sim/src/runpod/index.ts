import type { SimApi, SimRoute } from '../sim-api.ts';
import { DEFAULT_SEEDS, EndpointRegistry, RESERVED_IDS, type SeedEndpoint } from './endpoints.ts';
import { sendJobError, sendProblem } from './errors.ts';
import { JOB_OPERATION, jobRoute } from './job-api.ts';
import { JobStore } from './jobs.ts';
import {
  CATALOG_GPUS,
  createEndpoint,
  createTemplate,
  deleteEndpoint,
  deleteTemplate,
  ENDPOINT,
  ENDPOINT_WORKERS,
  ENDPOINTS,
  getEndpoint,
  getTemplate,
  listEndpoints,
  listEndpointWorkers,
  listGpus,
  listTemplates,
  type ManagementContext,
  managementRoute,
  patchEndpoint,
  patchTemplate,
  TEMPLATE,
  TEMPLATES,
} from './management.ts';
import { deliverWebhook, type WebhookDelivery } from './webhooks.ts';
import { WORKER_OPERATION, workerRoute } from './worker-api.ts';

export type { SeedEndpoint } from './endpoints.ts';
export type { WebhookDelivery } from './webhooks.ts';
export { type RunpodWorkerEnvOptions, runpodWorkerEnv } from './worker-env.ts';

export interface RunpodOptions {
  apiKeys: readonly string[] | undefined;
  /** Endpoints that exist from the start (default `sdxl` and `wan-video`). */
  endpoints?: readonly SeedEndpoint[] | undefined;
  /** Result retention after a job finishes: `/run` (default 30 min) and `/runsync` (default 1 min). */
  asyncResultMs?: number | undefined;
  syncResultMs?: number | undefined;
  /** Workers' ping interval; silent for > 3 intervals = dead (default 10000). */
  pingIntervalMs?: number | undefined;
  /** Pause between webhook attempts (default 10000). */
  webhookRetryMs?: number | undefined;
  /** How long job-take / job-stop long-polls hold before a 204 (default 5000 / 10000). */
  takeWaitMs?: number | undefined;
  stopWaitMs?: number | undefined;
}

/** What tests and the server reach beyond the HTTP surface. */
export interface RunpodControl {
  readonly jobs: JobStore;
  readonly registry: EndpointRegistry;
  /** Every webhook attempt, in order. */
  readonly webhookDeliveries: WebhookDelivery[];
}

const MANAGEMENT_FIRST_SEGMENTS = /^\/v2\/(serverless|templates|catalog)(\/|$)/;

/**
 * RunPod Serverless: the job API (`https://api.runpod.ai/v2/{endpointId}/…`), the management REST v2
 * (`https://api.runpod.io/v2/…`, both under `/v2` here) and the platform side of the worker protocol,
 * so a real worker process runs the jobs.
 * @see https://docs.runpod.io/serverless/endpoints/operation-reference
 * @see https://docs.runpod.io/api-reference-v2/overview
 */
export function createRunpodApi(options: RunpodOptions): SimApi & { runpod: RunpodControl } {
  const webhookDeliveries: WebhookDelivery[] = [];
  let lifetime = new AbortController();
  const jobs = new JobStore({
    asyncResultMs: options.asyncResultMs ?? 30 * 60_000,
    syncResultMs: options.syncResultMs ?? 60_000,
    pingIntervalMs: options.pingIntervalMs ?? 10_000,
    onFinish: (job) => {
      void deliverWebhook(
        job,
        { retryMs: options.webhookRetryMs ?? 10_000, deliveries: webhookDeliveries },
        lifetime.signal,
      );
    },
  });
  const registry = new EndpointRegistry(options.endpoints ?? DEFAULT_SEEDS);
  // Clocks (TTL, execution timeout, dead workers, retention) also run without requests, so webhooks fire.
  const clock = setInterval(() => jobs.tick(), 50);
  clock.unref();
  const management: ManagementContext = { apiKeys: options.apiKeys, registry, jobs };
  const workerContext = {
    ...management,
    takeWaitMs: options.takeWaitMs ?? 5000,
    stopWaitMs: options.stopWaitMs ?? 10_000,
  };
  const manage =
    (handler: Parameters<typeof managementRoute>[2]) => (exchange: Parameters<SimRoute['handle']>[0]) =>
      managementRoute(exchange, management, handler);
  const endpointOf = (path: string) => JOB_OPERATION.exec(path)?.[1] ?? WORKER_OPERATION.exec(path)?.[1];
  const routes: SimRoute[] = [
    { method: 'GET', path: TEMPLATES, handle: manage(listTemplates) },
    { method: 'POST', path: TEMPLATES, handle: manage(createTemplate) },
    { method: 'GET', path: TEMPLATE, handle: manage(getTemplate) },
    { method: 'PATCH', path: TEMPLATE, handle: manage(patchTemplate) },
    { method: 'DELETE', path: TEMPLATE, handle: manage(deleteTemplate) },
    { method: 'GET', path: ENDPOINTS, handle: manage(listEndpoints) },
    { method: 'POST', path: ENDPOINTS, handle: manage(createEndpoint) },
    { method: 'GET', path: ENDPOINT_WORKERS, handle: manage(listEndpointWorkers) },
    { method: 'GET', path: ENDPOINT, handle: manage(getEndpoint) },
    { method: 'PATCH', path: ENDPOINT, handle: manage(patchEndpoint) },
    { method: 'DELETE', path: ENDPOINT, handle: manage(deleteEndpoint) },
    { method: 'GET', path: CATALOG_GPUS, handle: manage(listGpus) },
    ...(['GET', 'POST'] as const).flatMap((method) => [
      {
        method,
        path: WORKER_OPERATION,
        modelOf: (exchange: { path: string }) => endpointOf(exchange.path),
        handle: (exchange: Parameters<SimRoute['handle']>[0]) => workerRoute(exchange, workerContext),
      },
      {
        method,
        path: JOB_OPERATION,
        modelOf: (exchange: { path: string }) => endpointOf(exchange.path),
        handle: (exchange: Parameters<SimRoute['handle']>[0]) => jobRoute(exchange, management),
      },
    ]),
  ];
  return {
    routes,
    claimsPath: (path) =>
      (path.startsWith('/v2/') && !RESERVED_IDS.has(path.split('/')[2] ?? '')) ||
      MANAGEMENT_FIRST_SEGMENTS.test(path),
    sendError: (exchange, status, message) =>
      MANAGEMENT_FIRST_SEGMENTS.test(exchange.path)
        ? sendProblem(exchange, status, message)
        : sendJobError(exchange, status, message),
    reset: () => {
      lifetime.abort();
      lifetime = new AbortController();
      jobs.clear();
      registry.seed();
      webhookDeliveries.length = 0;
    },
    close: () => {
      clearInterval(clock);
      lifetime.abort();
    },
    runpod: { jobs, registry, webhookDeliveries },
  };
}
