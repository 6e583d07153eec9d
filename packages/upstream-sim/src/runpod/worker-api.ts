import { z } from 'zod';
import type { Exchange } from '../http/exchange.ts';
import { sendJson, sleep } from '../http/send.ts';
import { workerKey } from './auth.ts';
import type { EndpointRegistry } from './endpoints.ts';
import { sendJobError } from './errors.ts';
import { type JobStore, TERMINAL, type Worker } from './jobs.ts';

export interface WorkerApiContext {
  apiKeys: readonly string[] | undefined;
  registry: EndpointRegistry;
  jobs: JobStore;
  /** How long `job-take` holds a request open when the queue is empty before a 204. */
  takeWaitMs: number;
  /** How long `job-stop` holds a request open before a 204. */
  stopWaitMs: number;
}

/** The endpoint id placeholder of image-matched workers (`?image=<imageName>`), a sim stand-in for scheduling. */
export const IMAGE_ENDPOINT = '_image';

/**
 * The platform side of RunPod's worker protocol, at paths the sim chooses (the real ones are platform
 * internals, handed to workers in `RUNPOD_WEBHOOK_*`): `job-take/{workerId}`, `job-done/{workerId}/{jobId}`,
 * `job-stream/{workerId}/{jobId}`, `ping/{workerId}`, `job-stop/{workerId}`.
 * @see https://github.com/runpod/runpod-python/blob/main/runpod/serverless/modules/rp_job.py
 */
export const WORKER_OPERATION =
  /^\/v2\/([^/]+)\/(job-take|job-done|job-stream|ping|job-stop)\/([^/]+)(?:\/([^/]+))?$/;

const POLL_MS = 20;

/**
 * Job results as the SDK posts them: a JSON string (labelled `application/x-www-form-urlencoded`) of
 * `{output?, error?, stopPod?}`, or a progress update `{status: "IN_PROGRESS", output}`.
 * @see https://github.com/runpod/runpod-python/blob/main/runpod/serverless/modules/rp_http.py
 */
const resultBody = z.object({
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  status: z.string().optional(),
  stopPod: z.boolean().optional(),
});

interface WorkerRequest {
  worker: Worker;
  /** The endpoints this worker serves (re-read on every poll, so new deployments go live). */
  endpointIds(): string[];
  query: URLSearchParams;
  jobId: string | undefined;
}

export async function workerRoute(exchange: Exchange, context: WorkerApiContext): Promise<void> {
  const [, endpointId = '', operation = '', workerId = '', jobId] =
    WORKER_OPERATION.exec(exchange.path) ?? [];
  if (!workerKey(exchange, context.apiKeys)) return sendJobError(exchange, 401, 'Unauthorized');
  // Workers append `&job_in_progress=…` / `&isStream=…` to the URLs they were given; a `?` appended
  // to a URL that already had a query is read as `&` too.
  const query = new URLSearchParams(exchange.record.query.replace(/^\?/, '').replaceAll('?', '&'));
  const image = endpointId === IMAGE_ENDPOINT ? (query.get('image') ?? '') : undefined;
  if (image === '') return sendJobError(exchange, 400, 'image-matched workers need ?image=<imageName>');
  if (image === undefined && !context.registry.endpoints.has(endpointId)) {
    return sendJobError(exchange, 404, `endpoint ${endpointId} not found`);
  }
  const worker = context.jobs.seeWorker(
    decodeURIComponent(workerId),
    image === undefined ? endpointId : undefined,
    image,
  );
  const request: WorkerRequest = {
    worker,
    endpointIds: () => (image === undefined ? [endpointId] : context.registry.endpointsForImage(image)),
    query,
    jobId: jobId === undefined ? undefined : decodeURIComponent(jobId),
  };
  const method = exchange.request.method;
  if (method === 'GET' && operation === 'job-take') return take(exchange, context, request);
  if (method === 'POST' && (operation === 'job-done' || operation === 'job-stream') && request.jobId) {
    return done(exchange, context, request, operation === 'job-stream');
  }
  if ((method === 'GET' || method === 'POST') && operation === 'ping') {
    return sendJson(exchange.response, 200, {});
  }
  if (method === 'GET' && operation === 'job-stop') return stop(exchange, context, request);
  sendJobError(exchange, 404, `Invalid URL (${method} ${exchange.path})`);
}

/** `GET job-take/{workerId}&job_in_progress=0|1`: long-polls; 200 `{id, input}` or 204 when none came. */
async function take(exchange: Exchange, context: WorkerApiContext, request: WorkerRequest): Promise<void> {
  const deadline = Date.now() + context.takeWaitMs;
  for (;;) {
    context.jobs.seeWorker(request.worker.id, undefined, undefined);
    const job = context.jobs.take(request.worker, request.endpointIds());
    if (job) {
      const body: Record<string, unknown> = { id: job.id, input: job.input };
      if (job.s3Config !== undefined) body['s3Config'] = job.s3Config;
      return sendJson(exchange.response, 200, body);
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    if (!(await sleep(Math.min(POLL_MS, left), exchange.signal))) return;
  }
  exchange.response.writeHead(204).end();
}

/**
 * `POST job-done/{workerId}/{jobId}&isStream=false`: `{output}` → `COMPLETED`, `{error}` → `FAILED`
 * (with any `output` kept beside it), `{status:"IN_PROGRESS", output}` → a progress value shown by
 * `/status`; `isStream=true` (or `job-stream/…`) appends a chunk for `/stream`. executionTime is the
 * platform's take → done, whatever the worker claims. A result for a job that was cancelled or timed
 * out meanwhile is accepted and dropped.
 */
async function done(
  exchange: Exchange,
  context: WorkerApiContext,
  request: WorkerRequest,
  streamChunk: boolean,
): Promise<void> {
  context.jobs.tick();
  const job = context.jobs.jobs.get(request.jobId ?? '');
  if (!job) return sendJobError(exchange, 404, 'request does not exist');
  if (TERMINAL.has(job.status)) return sendJson(exchange.response, 200, {});
  if (job.status !== 'IN_PROGRESS' || job.workerId !== request.worker.id) {
    return sendJobError(exchange, 409, `job ${job.id} is not held by worker ${request.worker.id}`);
  }
  const parsed = resultBody.safeParse(exchange.body.isJson ? exchange.body.value : undefined);
  if (!parsed.success) return sendJobError(exchange, 400, 'body must be a JSON object {output?, error?}');
  const result = parsed.data;
  if (streamChunk || request.query.get('isStream') === 'true') {
    job.stream.push(result.output);
    return sendJson(exchange.response, 200, {});
  }
  if (result.status === 'IN_PROGRESS') {
    job.output = result.output;
    return sendJson(exchange.response, 200, {});
  }
  if (result.error !== undefined && result.error !== null && result.error !== '') {
    const outcome: { output?: unknown; error: unknown } = { error: result.error };
    if (result.output !== undefined) outcome.output = result.output;
    context.jobs.finish(job, 'FAILED', outcome);
  } else {
    context.jobs.finish(job, 'COMPLETED', { output: result.output ?? null });
  }
  sendJson(exchange.response, 200, {});
}

/** `GET job-stop/{workerId}`: long-polls; 200 `{jobsToStop: [ids]}` once some of its jobs must stop, else 204. */
async function stop(exchange: Exchange, context: WorkerApiContext, request: WorkerRequest): Promise<void> {
  const deadline = Date.now() + context.stopWaitMs;
  for (;;) {
    context.jobs.tick();
    const worker = context.jobs.seeWorker(request.worker.id, undefined, undefined);
    if (worker.jobsToStop.size > 0) {
      const jobsToStop = [...worker.jobsToStop];
      worker.jobsToStop.clear();
      return sendJson(exchange.response, 200, { jobsToStop });
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    if (!(await sleep(Math.min(POLL_MS, left), exchange.signal))) return;
  }
  exchange.response.writeHead(204).end();
}
