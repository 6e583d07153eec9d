import { z } from 'zod';
import type { Exchange } from '../http/exchange.ts';
import { queryParams } from '../http/query.ts';
import { sendJson, sleep } from '../http/send.ts';
import { clientKey } from './auth.ts';
import type { Endpoint, EndpointRegistry } from './endpoints.ts';
import { sendJobError } from './errors.ts';
import { type Job, type JobStore, jobObject, TERMINAL } from './jobs.ts';
import { liveWorkers } from './management.ts';

export interface JobApiContext {
  apiKeys: readonly string[] | undefined;
  registry: EndpointRegistry;
  jobs: JobStore;
}

/** `/v2/{endpointId}/{operation}[/{jobId}]` on `https://api.runpod.ai`. */
export const JOB_OPERATION =
  /^\/v2\/([^/]+)\/(run|runsync|status|status-sync|stream|cancel|retry|purge-queue|health)(?:\/([^/]+))?$/;

const MB = 1024 * 1024;
const DEFAULT_EXECUTION_TIMEOUT_MS = 600_000;
const DEFAULT_TTL_MS = 86_400_000;
const POLL_MS = 20;

/**
 * Run body: `input` (required) is handed to the handler as-is; `webhook`, `policy` and `s3Config`
 * are optional.
 * @see https://docs.runpod.io/serverless/endpoints/send-requests
 */
const runBody = z.object({
  input: z.unknown().refine((value) => value !== undefined, { message: 'input is required' }),
  webhook: z.string().url().optional(),
  policy: z
    .object({
      executionTimeout: z.number().int().positive().optional(),
      ttl: z.number().int().positive().optional(),
      lowPriority: z.boolean().optional(),
    })
    .optional(),
  s3Config: z.unknown().optional(),
});

type Operation = (
  exchange: Exchange,
  context: JobApiContext,
  endpoint: Endpoint,
  jobId: string,
) => Promise<void>;

/** Auth, then the endpoint, then the operation. Unknown endpoint → 404. */
export async function jobRoute(exchange: Exchange, context: JobApiContext): Promise<void> {
  const [, endpointId = '', operation = '', jobId] = JOB_OPERATION.exec(exchange.path) ?? [];
  if (!clientKey(exchange, context.apiKeys)) return sendJobError(exchange, 401, 'Unauthorized');
  const endpoint = context.registry.endpoints.get(decodeURIComponent(endpointId));
  if (!endpoint) return sendJobError(exchange, 404, `endpoint ${endpointId} not found`);
  const method = exchange.request.method;
  const handler = OPERATIONS[`${method} ${operation}${jobId === undefined ? '' : '/'}`];
  if (!handler) return sendJobError(exchange, 404, `Invalid URL (${method} ${exchange.path})`);
  await handler(exchange, context, endpoint, decodeURIComponent(jobId ?? ''));
}

const OPERATIONS: Record<string, Operation> = {
  'POST run': (exchange, context, endpoint) => submit(exchange, context, endpoint, false),
  'POST runsync': (exchange, context, endpoint) => submit(exchange, context, endpoint, true),
  'GET status/': (exchange, context, endpoint, id) => status(exchange, context, endpoint, id, false),
  'GET status-sync/': (exchange, context, endpoint, id) => status(exchange, context, endpoint, id, true),
  'GET stream/': stream,
  'POST cancel/': cancel,
  'POST retry/': retry,
  'POST purge-queue': purgeQueue,
  'GET health': health,
};

/**
 * `POST /run` (≤ 10 MB) → `{id: "<uuid>-u1", status: "IN_QUEUE"}`; `POST /runsync?wait=<ms>` (≤ 20 MB,
 * `wait` 1000–300000, default 90000) holds the request until the job is done or the wait runs out,
 * then answers the job object as it stands.
 * @see https://docs.runpod.io/serverless/endpoints/operation-reference
 */
async function submit(
  exchange: Exchange,
  context: JobApiContext,
  endpoint: Endpoint,
  sync: boolean,
): Promise<void> {
  const limit = (sync ? 20 : 10) * MB;
  if (exchange.body.bytes.length > limit) {
    return sendJobError(exchange, 413, `request body exceeds ${limit / MB} MB`);
  }
  if (!exchange.body.isJson) return sendJobError(exchange, 400, 'request body must be JSON');
  const parsed = runBody.safeParse(exchange.body.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    return sendJobError(
      exchange,
      400,
      field === 'input' || field === '' ? 'input is required' : `${field}: ${issue?.message}`,
    );
  }
  const { input, webhook, policy, s3Config } = parsed.data;
  const job = context.jobs.submit(endpoint.id, sync, {
    input,
    webhook,
    s3Config,
    policy: {
      executionTimeoutMs: policy?.executionTimeout ?? endpoint.timeout ?? DEFAULT_EXECUTION_TIMEOUT_MS,
      ttlMs: policy?.ttl ?? DEFAULT_TTL_MS,
      lowPriority: policy?.lowPriority ?? false,
    },
  });
  if (!sync) return sendJson(exchange.response, 200, { id: job.id, status: job.status });
  await waitForTerminal(exchange, context, job);
}

function waitMs(exchange: Exchange): number {
  const wait = Number(queryParams(exchange).get('wait') ?? 90_000);
  if (!Number.isFinite(wait)) return 90_000;
  return Math.min(300_000, Math.max(1000, wait));
}

async function waitForTerminal(exchange: Exchange, context: JobApiContext, job: Job): Promise<void> {
  const deadline = Date.now() + waitMs(exchange);
  while (Date.now() < deadline) {
    context.jobs.tick();
    if (!context.jobs.jobs.has(job.id)) return sendJobError(exchange, 404, 'request does not exist');
    if (TERMINAL.has(job.status)) break;
    if (!(await sleep(Math.min(POLL_MS, deadline - Date.now()), exchange.signal))) return;
  }
  sendJson(exchange.response, 200, jobObject(job));
}

function findJob(
  exchange: Exchange,
  context: JobApiContext,
  endpoint: Endpoint,
  id: string,
): Job | undefined {
  const job = context.jobs.get(endpoint.id, id);
  if (!job) sendJobError(exchange, 404, 'request does not exist');
  return job;
}

/** `GET /status/{id}`; `/status-sync/{id}?wait=` (used by the JS SDK) waits like `/runsync`. */
async function status(
  exchange: Exchange,
  context: JobApiContext,
  endpoint: Endpoint,
  id: string,
  sync: boolean,
): Promise<void> {
  const job = findJob(exchange, context, endpoint, id);
  if (!job) return;
  if (sync) return waitForTerminal(exchange, context, job);
  sendJson(exchange.response, 200, jobObject(job));
}

/**
 * `GET /stream/{id}` → `{status, stream: [{output: chunk}, …]}` with the chunks posted since the last
 * call (the shape both SDKs parse).
 * @see https://docs.runpod.io/serverless/endpoints/operation-reference
 */
async function stream(
  exchange: Exchange,
  context: JobApiContext,
  endpoint: Endpoint,
  id: string,
): Promise<void> {
  const job = findJob(exchange, context, endpoint, id);
  if (!job) return;
  const chunks = job.stream.slice(job.streamRead).map((output) => ({ output }));
  job.streamRead = job.stream.length;
  sendJson(exchange.response, 200, { status: job.status, stream: chunks });
}

/**
 * `POST /cancel/{id}`: a queued or running job becomes `CANCELLED` (its worker is told to stop);
 * a finished one is answered as it is.
 */
async function cancel(
  exchange: Exchange,
  context: JobApiContext,
  endpoint: Endpoint,
  id: string,
): Promise<void> {
  const job = findJob(exchange, context, endpoint, id);
  if (!job) return;
  context.jobs.finish(job, 'CANCELLED');
  sendJson(exchange.response, 200, jobObject(job));
}

/** `POST /retry/{id}`: `FAILED` / `TIMED_OUT` jobs only, same id and input, back to `IN_QUEUE`. */
async function retry(
  exchange: Exchange,
  context: JobApiContext,
  endpoint: Endpoint,
  id: string,
): Promise<void> {
  const job = findJob(exchange, context, endpoint, id);
  if (!job) return;
  if (job.status !== 'FAILED' && job.status !== 'TIMED_OUT') {
    return sendJobError(
      exchange,
      400,
      `job ${job.id} is ${job.status}; only FAILED or TIMED_OUT jobs can be retried`,
    );
  }
  context.jobs.retry(job);
  sendJson(exchange.response, 200, { id: job.id, status: job.status });
}

/** `POST /purge-queue` → `{removed, status: "completed"}`; running jobs are left alone. */
async function purgeQueue(exchange: Exchange, context: JobApiContext, endpoint: Endpoint): Promise<void> {
  context.jobs.tick();
  let removed = 0;
  for (const job of [...context.jobs.jobs.values()]) {
    if (job.endpointId !== endpoint.id || job.status !== 'IN_QUEUE') continue;
    context.jobs.delete(job);
    removed += 1;
  }
  sendJson(exchange.response, 200, { removed, status: 'completed' });
}

/**
 * `GET /health` → `{jobs:{completed, failed, inProgress, inQueue, retried}, workers:{idle, running,
 * initializing, ready, throttled}}`; workers are the live ones (pinged within 3 intervals).
 */
async function health(exchange: Exchange, context: JobApiContext, endpoint: Endpoint): Promise<void> {
  context.jobs.tick();
  const jobs = [...context.jobs.jobs.values()].filter((job) => job.endpointId === endpoint.id);
  const workers = liveWorkers(context, endpoint);
  const running = workers.filter((worker) =>
    jobs.some((job) => job.status === 'IN_PROGRESS' && job.workerId === worker.id),
  ).length;
  const counter = context.jobs.counter(endpoint.id);
  sendJson(exchange.response, 200, {
    jobs: {
      completed: counter.completed,
      failed: counter.failed,
      inProgress: jobs.filter((job) => job.status === 'IN_PROGRESS').length,
      inQueue: jobs.filter((job) => job.status === 'IN_QUEUE').length,
      retried: counter.retried,
    },
    workers: {
      idle: workers.length - running,
      running,
      initializing: 0,
      ready: workers.length - running,
      throttled: 0,
    },
  });
}
