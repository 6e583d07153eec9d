import { z } from 'zod';
import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { baseUrl } from '../images/delivery.ts';
import { clientKey } from './auth.ts';
import {
  type Endpoint,
  type EndpointRegistry,
  endpointDefaults,
  RESERVED_IDS,
  resourceId,
  type Template,
} from './endpoints.ts';
import { sendProblem } from './errors.ts';
import { GPU_CATALOG, GPU_POOLS } from './gpu-catalog.ts';
import type { JobStore } from './jobs.ts';

export interface ManagementContext {
  apiKeys: readonly string[] | undefined;
  registry: EndpointRegistry;
  jobs: JobStore;
}

export const TEMPLATES = /^\/v2\/templates$/;
export const TEMPLATE = /^\/v2\/templates\/([^/]+)$/;
export const ENDPOINTS = /^\/v2\/serverless$/;
export const ENDPOINT = /^\/v2\/serverless\/([^/]+)$/;
export const ENDPOINT_WORKERS = /^\/v2\/serverless\/([^/]+)\/workers$/;
export const CATALOG_GPUS = '/v2/catalog/gpus';

const stringMap = z.record(z.string(), z.string());

const templateFields = {
  name: z.string().min(1),
  image: z.string().min(1),
  args: z.string(),
  disk: z.number().int().min(1),
  ports: z.array(z.string()),
  env: stringMap,
  registry: z.string().nullable(),
  serverless: z.boolean(),
  public: z.boolean(),
  category: z.enum(['NVIDIA', 'AMD', 'CPU']),
};
const templateCreate = z.object({
  ...templateFields,
  args: templateFields.args.optional(),
  disk: templateFields.disk.optional(),
  ports: templateFields.ports.optional(),
  env: templateFields.env.optional(),
  registry: templateFields.registry.optional(),
  serverless: templateFields.serverless.optional(),
  public: templateFields.public.optional(),
  category: templateFields.category.optional(),
});
const templatePatch = templateCreate.partial();

const scaling = z.discriminatedUnion('type', [
  z.object({ type: z.literal('QUEUE_DELAY'), queueDelay: z.number().min(0.5) }),
  z.object({ type: z.literal('REQUEST_COUNT'), requestCount: z.number().int().min(1) }),
]);
const gpu = z.object({
  pools: z.array(z.string()).min(1).optional(),
  excludedTypes: z.array(z.string()).optional(),
  count: z.number().int().min(1).optional(),
  allowedCudaVersions: z.array(z.string()).optional(),
  minCudaVersion: z.string().nullable().optional(),
});
const workers = z.object({
  min: z.number().int().min(0).optional(),
  max: z.number().int().min(0).optional(),
  idleTimeout: z.number().int().min(1).max(3600).optional(),
});
const endpointFields = {
  name: z.string().min(1),
  type: z.enum(['QUEUE', 'LOAD_BALANCER']),
  scaling,
  gpu: gpu.optional(),
  workers: workers.optional(),
  timeout: z.number().int().min(5000).optional(),
  flashboot: z.enum(['OFF', 'FLASHBOOT', 'PRIORITY_FLASHBOOT']).optional(),
  dataCenterIds: z.array(z.string()).optional(),
  networkVolumes: z.array(z.string()).optional(),
  templateId: z.string().min(1).nullable().optional(),
  image: z.string().min(1).nullable().optional(),
  args: z.string().nullable().optional(),
  disk: z.number().int().min(1).nullable().optional(),
  ports: z.array(z.string()).nullable().optional(),
  env: stringMap.optional(),
  registry: z.string().nullable().optional(),
};
const endpointCreate = z.object(endpointFields);
const endpointPatch = z.object({
  ...endpointFields,
  name: endpointFields.name.optional(),
  type: endpointFields.type.optional(),
  scaling: scaling.optional(),
});

type Handler = (exchange: Exchange, context: ManagementContext) => void;

/**
 * Management REST v2 (`https://api.runpod.io/v2`): templates, serverless endpoints, the GPU catalogue.
 * Auth `Authorization: Bearer <key>`; errors are problem details.
 * @see https://docs.runpod.io/api-reference-v2/overview
 */
export function managementRoute(
  exchange: Exchange,
  context: ManagementContext,
  handler: Handler,
): Promise<void> {
  if (!clientKey(exchange, context.apiKeys)) {
    sendProblem(exchange, 401, 'A valid API key is required (Authorization: Bearer <api_key>).');
    return Promise.resolve();
  }
  handler(exchange, context);
  return Promise.resolve();
}

function validation(exchange: Exchange, error: z.ZodError): void {
  const errors = error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
  sendProblem(exchange, 400, 'The request body failed validation.', errors);
}

function jsonBody(exchange: Exchange): unknown {
  return exchange.body.isJson ? exchange.body.value : undefined;
}

function templateObject(template: Template): Template {
  return { ...template, env: { ...template.env } };
}

export const listTemplates: Handler = (exchange, { registry }) => {
  sendJson(exchange.response, 200, [...registry.templates.values()].map(templateObject));
};

export const createTemplate: Handler = (exchange, { registry }) => {
  const raw = jsonBody(exchange);
  // The retired REST v1 and GraphQL called the image `imageName`; accepted as an alias.
  const body =
    raw && typeof raw === 'object' && !('image' in raw) && 'imageName' in raw
      ? { ...raw, image: (raw as { imageName: unknown }).imageName }
      : raw;
  const parsed = templateCreate.safeParse(body);
  if (!parsed.success) return validation(exchange, parsed.error);
  const fields = parsed.data;
  if ([...registry.templates.values()].some((template) => template.name === fields.name)) {
    return sendProblem(exchange, 400, `A template named "${fields.name}" already exists.`);
  }
  const now = new Date().toISOString();
  const template: Template = {
    id: resourceId(10),
    name: fields.name,
    image: fields.image,
    args: fields.args ?? '',
    disk: fields.disk ?? 50,
    ports: fields.ports ?? [],
    env: fields.env ?? {},
    registry: fields.registry ?? null,
    serverless: fields.serverless ?? false,
    public: fields.public ?? false,
    category: fields.category ?? 'NVIDIA',
    createdAt: now,
    updatedAt: now,
  };
  registry.templates.set(template.id, template);
  sendJson(exchange.response, 201, templateObject(template));
};

function findTemplate(exchange: Exchange, registry: EndpointRegistry): Template | undefined {
  const id = TEMPLATE.exec(exchange.path)?.[1] ?? '';
  const template = registry.templates.get(decodeURIComponent(id));
  if (!template) sendProblem(exchange, 404, `Template ${id} not found.`);
  return template;
}

export const getTemplate: Handler = (exchange, { registry }) => {
  const template = findTemplate(exchange, registry);
  if (template) sendJson(exchange.response, 200, templateObject(template));
};

export const patchTemplate: Handler = (exchange, { registry }) => {
  const template = findTemplate(exchange, registry);
  if (!template) return;
  const parsed = templatePatch.safeParse(jsonBody(exchange));
  if (!parsed.success) return validation(exchange, parsed.error);
  const { env, ...rest } = parsed.data;
  Object.assign(template, stripUndefined(rest), { updatedAt: new Date().toISOString() });
  if (env) template.env = env;
  for (const endpoint of registry.endpoints.values()) {
    if (endpoint.templateId === template.id) endpoint.version += 1;
  }
  sendJson(exchange.response, 200, templateObject(template));
};

export const deleteTemplate: Handler = (exchange, { registry }) => {
  const template = findTemplate(exchange, registry);
  if (!template) return;
  const user = [...registry.endpoints.values()].find((endpoint) => endpoint.templateId === template.id);
  if (user) return sendProblem(exchange, 400, `Template ${template.id} is in use by endpoint ${user.id}.`);
  registry.templates.delete(template.id);
  exchange.response.writeHead(204).end();
};

/**
 * The endpoint object: its configuration, `requestUrls` on the job API and the live workers.
 * @see https://docs.runpod.io/api-reference-v2/serverless/get-a-serverless-endpoint
 */
function endpointObject(
  exchange: Exchange,
  context: ManagementContext,
  endpoint: Endpoint,
): Record<string, unknown> {
  const jobApi = `${baseUrl(exchange)}/v2/${endpoint.id}`;
  return {
    ...endpoint,
    image: context.registry.imageOf(endpoint) ?? null,
    env: context.registry.envOf(endpoint),
    requestUrls: {
      run: `${jobApi}/run`,
      runSync: `${jobApi}/runsync`,
      status: `${jobApi}/status/{jobId}`,
      stream: `${jobApi}/stream/{jobId}`,
      cancel: `${jobApi}/cancel/{jobId}`,
      retry: `${jobApi}/retry/{jobId}`,
      purgeQueue: `${jobApi}/purge-queue`,
      health: `${jobApi}/health`,
    },
    workerStatus: workerList(context, endpoint),
  };
}

/** Live workers of the endpoint: bound to it by id, or running its image. */
export function liveWorkers(context: Pick<ManagementContext, 'registry' | 'jobs'>, endpoint: Endpoint) {
  const image = context.registry.imageOf(endpoint);
  return [...context.jobs.workers.values()].filter(
    (worker) =>
      context.jobs.isAlive(worker) &&
      (worker.endpointId === endpoint.id ||
        (worker.endpointId === undefined && image !== undefined && worker.image === image)),
  );
}

function workerList(context: ManagementContext, endpoint: Endpoint): Array<{ id: string; status: string }> {
  return liveWorkers(context, endpoint).map((worker) => ({
    id: worker.id,
    status: [...context.jobs.jobs.values()].some(
      (job) => job.status === 'IN_PROGRESS' && job.workerId === worker.id && job.endpointId === endpoint.id,
    )
      ? 'RUNNING'
      : 'IDLE',
  }));
}

export const listEndpoints: Handler = (exchange, context) => {
  sendJson(
    exchange.response,
    200,
    [...context.registry.endpoints.values()].map((endpoint) => endpointObject(exchange, context, endpoint)),
  );
};

function checkEndpoint(
  exchange: Exchange,
  context: ManagementContext,
  endpoint: Pick<Endpoint, 'templateId' | 'image' | 'gpu' | 'workers'>,
  type: string | undefined,
): boolean {
  const errors: string[] = [];
  if (type === 'LOAD_BALANCER') errors.push('type: LOAD_BALANCER endpoints are not simulated; use QUEUE');
  if (endpoint.templateId && !context.registry.templates.has(endpoint.templateId)) {
    errors.push(`templateId: template ${endpoint.templateId} not found`);
  }
  if (!endpoint.templateId && !endpoint.image) errors.push('image: an image or a templateId is required');
  for (const pool of endpoint.gpu.pools) {
    if (!GPU_POOLS.has(pool)) errors.push(`gpu.pools: unknown GPU pool ${pool}`);
  }
  if (endpoint.workers.min > endpoint.workers.max) errors.push('workers.min: must not exceed workers.max');
  if (errors.length === 0) return true;
  sendProblem(exchange, 400, 'The request body failed validation.', errors);
  return false;
}

export const createEndpoint: Handler = (exchange, context) => {
  const parsed = endpointCreate.safeParse(jsonBody(exchange));
  if (!parsed.success) return validation(exchange, parsed.error);
  const body = parsed.data;
  const now = new Date().toISOString();
  const defaults = endpointDefaults(body.name, now);
  let id = resourceId(14);
  while (context.registry.endpoints.has(id) || RESERVED_IDS.has(id)) id = resourceId(14);
  const endpoint: Endpoint = {
    ...defaults,
    id,
    scaling: body.scaling,
    gpu: { ...defaults.gpu, ...stripUndefined(body.gpu ?? {}) },
    workers: { ...defaults.workers, ...stripUndefined(body.workers ?? {}) },
    timeout: body.timeout ?? defaults.timeout,
    flashboot: body.flashboot ?? defaults.flashboot,
    dataCenterIds: body.dataCenterIds ?? [],
    networkVolumes: body.networkVolumes ?? [],
    templateId: body.templateId ?? null,
    image: body.image ?? null,
    args: body.args ?? null,
    disk: body.disk ?? null,
    ports: body.ports ?? null,
    env: body.env ?? {},
    registry: body.registry ?? null,
  };
  if (!checkEndpoint(exchange, context, endpoint, body.type)) return;
  context.registry.endpoints.set(id, endpoint);
  sendJson(exchange.response, 201, endpointObject(exchange, context, endpoint));
};

function findEndpoint(exchange: Exchange, context: ManagementContext, pattern: RegExp): Endpoint | undefined {
  const id = decodeURIComponent(pattern.exec(exchange.path)?.[1] ?? '');
  const endpoint = context.registry.endpoints.get(id);
  if (!endpoint) sendProblem(exchange, 404, `Serverless endpoint ${id} not found.`);
  return endpoint;
}

export const getEndpoint: Handler = (exchange, context) => {
  const endpoint = findEndpoint(exchange, context, ENDPOINT);
  if (endpoint) sendJson(exchange.response, 200, endpointObject(exchange, context, endpoint));
};

export const patchEndpoint: Handler = (exchange, context) => {
  const endpoint = findEndpoint(exchange, context, ENDPOINT);
  if (!endpoint) return;
  const parsed = endpointPatch.safeParse(jsonBody(exchange));
  if (!parsed.success) return validation(exchange, parsed.error);
  const { gpu: gpuPatch, workers: workersPatch, env, type, ...rest } = parsed.data;
  const next: Endpoint = {
    ...endpoint,
    ...stripUndefined(rest),
    gpu: { ...endpoint.gpu, ...stripUndefined(gpuPatch ?? {}) },
    workers: { ...endpoint.workers, ...stripUndefined(workersPatch ?? {}) },
    env: env ? { ...endpoint.env, ...env } : endpoint.env,
    updatedAt: new Date().toISOString(),
  };
  if (!checkEndpoint(exchange, context, next, type)) return;
  const containerChanged =
    next.image !== endpoint.image || next.templateId !== endpoint.templateId || env !== undefined;
  if (containerChanged) next.version = endpoint.version + 1;
  context.registry.endpoints.set(endpoint.id, next);
  sendJson(exchange.response, 200, endpointObject(exchange, context, next));
};

export const deleteEndpoint: Handler = (exchange, context) => {
  const endpoint = findEndpoint(exchange, context, ENDPOINT);
  if (!endpoint) return;
  context.registry.endpoints.delete(endpoint.id);
  for (const job of [...context.jobs.jobs.values()]) {
    if (job.endpointId === endpoint.id) context.jobs.delete(job);
  }
  exchange.response.writeHead(204).end();
};

/**
 * `GET /v2/serverless/{id}/workers`: the active workers and a summary by status.
 * @see https://docs.runpod.io/api-reference-v2/serverless/list-serverless-endpoint-workers
 */
export const listEndpointWorkers: Handler = (exchange, context) => {
  const endpoint = findEndpoint(exchange, context, ENDPOINT_WORKERS);
  if (!endpoint) return;
  const list = workerList(context, endpoint);
  const running = list.filter((worker) => worker.status === 'RUNNING').length;
  sendJson(exchange.response, 200, {
    workers: list,
    summary: {
      running,
      idle: list.length - running,
      initializing: 0,
      throttled: 0,
      unhealthy: 0,
      total: list.length,
    },
    version: endpoint.version,
  });
};

/** `GET /v2/catalog/gpus`. @see https://docs.runpod.io/api-reference-v2/catalog/list-gpus */
export const listGpus: Handler = (exchange) => {
  sendJson(exchange.response, 200, GPU_CATALOG);
};

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

function stripUndefined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Defined<T>;
}
