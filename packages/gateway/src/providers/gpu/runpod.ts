import * as z from 'zod';
import type { Json } from '../../contracts/index.ts';
import { GatewayError, UpstreamError } from '../../errors/index.ts';
import type { UpstreamClient, UpstreamResponse } from '../../upstream/http-client.ts';
import { upstreamFailure } from '../../upstream/upstream-failure.ts';
import type {
  DeploymentSpec,
  EndpointInfo,
  GpuBackend,
  GpuJobState,
  GpuJobStatus,
  GpuSubmission,
} from './types.ts';

export interface RunPodOptions {
  client: UpstreamClient;
  /** The provider name in routes and logs (`runpod`). */
  provider: string;
  /** Job API, `https://api.runpod.ai/v2` (`RUNPOD_BASE_URL`). */
  baseUrl: string;
  /** Management API REST v2, `https://api.runpod.io/v2` (`RUNPOD_REST_BASE_URL`). */
  restBaseUrl: string;
  /** `RUNPOD_API_KEY`; unset: every call fails as unavailable (so a failover moves on). */
  apiKey: string | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * RunPod job states (https://docs.runpod.io/serverless/endpoints/job-states) → ours. RUNNING is
 * listed by the docs but no SDK checks for it: it is treated like IN_PROGRESS.
 */
const states: Record<string, GpuJobState> = {
  IN_QUEUE: 'queued',
  IN_PROGRESS: 'running',
  RUNNING: 'running',
  COMPLETED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'canceled',
  TIMED_OUT: 'timed_out',
};

/** The job object (https://docs.runpod.io/serverless/endpoints/operation-reference): lenient on extras. */
const jobSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  delayTime: z.number().nonnegative().optional().catch(undefined),
  executionTime: z.number().nonnegative().optional().catch(undefined),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
});

const count = z.number().int().nonnegative().optional().catch(undefined);
/** `GET /{endpoint}/health`: `{jobs:{…}, workers:{idle, running, initializing?, …}}`. */
const healthSchema = z.looseObject({
  jobs: z
    .looseObject({ completed: count, failed: count, inProgress: count, inQueue: count, retried: count })
    .optional(),
  workers: z
    .looseObject({ idle: count, running: count, initializing: count, ready: count, unhealthy: count })
    .optional(),
});

const withId = z.looseObject({ id: z.string().min(1) });
const endpointSchema = z.looseObject({
  id: z.string().min(1),
  templateId: z.string().optional().catch(undefined),
  template: z.looseObject({ id: z.string().optional() }).optional().catch(undefined),
});

/**
 * A failed job's `error`: the SDK's JSON-encoded `{error_type, error_message, …}` when the handler
 * raised, or whatever the handler returned as `error` (worker-comfyui: a string).
 * https://github.com/runpod/runpod-python/blob/main/runpod/serverless/modules/rp_job.py
 */
function errorText(error: unknown, output: Json | undefined): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (typeof error === 'string') {
    try {
      const parsed: unknown = JSON.parse(error);
      if (parsed && typeof parsed === 'object' && 'error_message' in parsed) {
        const message = (parsed as { error_message?: unknown }).error_message;
        if (typeof message === 'string') return message;
      }
    } catch {
      // a plain message
    }
    const details =
      output && Array.isArray(output['details']) ? `: ${output['details'].map(String).join('; ')}` : '';
    return `${error}${details}`.slice(0, 1000);
  }
  return JSON.stringify(error).slice(0, 1000);
}

const asObject = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;

export function toGpuJobStatus(job: z.infer<typeof jobSchema>): GpuJobStatus {
  const output = asObject(job.output);
  const state = states[job.status.toUpperCase()];
  if (!state)
    throw new UpstreamError('upstream_error', 'runpod', 200, JSON.stringify(job), {
      message: `RunPod reported an unknown job status "${job.status}".`,
    });
  return {
    providerJobId: job.id,
    state,
    delayMs: job.delayTime,
    executionMs: job.executionTime,
    output,
    error: state === 'failed' ? (errorText(job.error, output) ?? 'The job failed at RunPod.') : undefined,
  };
}

/**
 * RunPod's endpoint states, from `GET /{endpoint}/health`: a worker idle or running is ready;
 * none but some starting is provisioning; none at all is scaled to zero (flex workers).
 */
export function endpointState(
  workers: { idle: number; running: number; initializing: number },
  unhealthy = 0,
) {
  if (workers.idle + workers.running > 0) return 'ready' as const;
  if (workers.initializing > 0) return 'provisioning' as const;
  if (unhealthy > 0) return 'unhealthy' as const;
  return 'scaled_to_zero' as const;
}

/**
 * The RunPod backend: the Serverless job API (https://docs.runpod.io/serverless/endpoints/operation-reference)
 * for jobs, and the management REST API v2 (https://docs.runpod.io/api-reference; v1 at
 * rest.runpod.io is retired) for deployments: a serverless template + a queue endpoint. Both with
 * `Authorization: Bearer <RUNPOD_API_KEY>`, through the gateway's upstream client. 5xx, 429 and
 * network failures are retryable `upstream_*` errors; a job RunPod no longer knows (results are
 * kept 30 min, the TTL deletes a job) is `not_found`.
 */
export function runpodBackend(options: RunPodOptions): GpuBackend {
  const { client, provider } = options;
  const jobUrl = (endpointId: string, path: string) =>
    `${options.baseUrl}/${encodeURIComponent(endpointId)}/${path}`;
  const headers = (body: boolean): Record<string, string> => {
    if (!options.apiKey)
      throw new GatewayError('upstream_unavailable', {
        message: 'RunPod is not configured on this gateway (set RUNPOD_API_KEY).',
      });
    return {
      accept: 'application/json',
      ...options.headers,
      authorization: `Bearer ${options.apiKey}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
  };
  const call = async (
    method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
    url: string,
    body: unknown,
    signal: AbortSignal,
  ): Promise<{ status: number; json: unknown }> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const response: UpstreamResponse = await client.send(
      provider,
      method,
      url,
      headers(payload !== undefined),
      payload,
      signal,
    );
    const text = await response.body.text();
    if (response.status >= 400) throw failure(response, text);
    if (text.trim() === '') return { status: response.status, json: {} };
    try {
      return { status: response.status, json: JSON.parse(text) };
    } catch {
      throw new UpstreamError('upstream_error', provider, response.status, text, {
        message: 'RunPod returned a malformed response.',
      });
    }
  };
  /** The job API's error body is undocumented; REST v2 answers application/problem+json `{title, detail}`. */
  const failure = (response: UpstreamResponse, text: string): GatewayError => {
    if (response.status === 404)
      return new UpstreamError('not_found', provider, 404, text, {
        message: `RunPod: ${detail(text) ?? 'not found'}.`,
      });
    const error = upstreamFailure(provider, response.status, text, response.headers);
    error.retryAfterMs = retryAfterMs(response.headers);
    const said = detail(text);
    if (error.code === 'invalid_request' && said)
      return Object.assign(
        new UpstreamError('invalid_request', provider, response.status, text, {
          message: `RunPod rejected the request: ${said}`,
        }),
        { retryAfterMs: error.retryAfterMs },
      );
    return error;
  };
  const parse = <T>(schema: z.ZodType<T>, value: unknown, what: string): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success)
      throw new UpstreamError('upstream_error', provider, 200, JSON.stringify(value).slice(0, 2000), {
        message: `RunPod returned an unexpected ${what}.`,
      });
    return parsed.data;
  };

  const health = async (endpointId: string, signal: AbortSignal): Promise<EndpointInfo> => {
    const { json } = await call('GET', jobUrl(endpointId, 'health'), undefined, signal);
    const body = parse(healthSchema, json, 'health answer');
    const workers = {
      idle: body.workers?.idle ?? 0,
      running: body.workers?.running ?? 0,
      initializing: body.workers?.initializing ?? 0,
    };
    return {
      endpointId,
      state: endpointState(workers, body.workers?.unhealthy ?? 0),
      workers,
      jobs: {
        inQueue: body.jobs?.inQueue ?? 0,
        inProgress: body.jobs?.inProgress ?? 0,
        completed: body.jobs?.completed ?? 0,
        failed: body.jobs?.failed ?? 0,
      },
    };
  };
  const afterChange = async (endpointId: string, signal: AbortSignal): Promise<EndpointInfo> => {
    try {
      return await health(endpointId, signal);
    } catch {
      return { endpointId, state: 'provisioning', workers: { idle: 0, running: 0, initializing: 0 } };
    }
  };
  /** REST v2 endpoint body (https://docs.runpod.io/api-reference): a queue endpoint on the spec's pools. */
  const endpointBody = (spec: DeploymentSpec) => ({
    name: spec.name,
    type: 'QUEUE',
    scaling: { type: 'QUEUE_DELAY', queueDelay: 4 },
    gpu: { pools: spec.gpuTypes, count: 1 },
    workers: { min: spec.minWorkers, max: spec.maxWorkers, idleTimeout: spec.idleTimeoutSeconds },
    timeout: spec.executionTimeoutMs,
  });
  /** REST v2 template body: a serverless template of the spec's image and env. */
  const templateBody = (spec: DeploymentSpec) => ({
    name: spec.name,
    image: spec.dockerImage,
    serverless: true,
    category: 'NVIDIA',
    env: spec.env,
  });
  const templateOf = async (endpointId: string, signal: AbortSignal): Promise<string | undefined> => {
    const { json } = await call(
      'GET',
      `${options.restBaseUrl}/serverless/${encodeURIComponent(endpointId)}`,
      undefined,
      signal,
    );
    const endpoint = parse(endpointSchema, json, 'endpoint');
    return endpoint.templateId ?? endpoint.template?.id;
  };

  return {
    id: provider,

    async submit(endpointId, submission: GpuSubmission, signal) {
      const { json } = await call(
        'POST',
        jobUrl(endpointId, 'run'),
        {
          input: submission.input,
          policy: {
            executionTimeout: submission.executionTimeoutMs,
            ...(submission.ttlMs === undefined ? {} : { ttl: submission.ttlMs }),
          },
        },
        signal,
      );
      return toGpuJobStatus(parse(jobSchema, json, 'job'));
    },

    async status(endpointId, providerJobId, signal) {
      const { json } = await call(
        'GET',
        jobUrl(endpointId, `status/${encodeURIComponent(providerJobId)}`),
        undefined,
        signal,
      );
      return toGpuJobStatus(parse(jobSchema, json, 'job'));
    },

    async cancel(endpointId, providerJobId, signal) {
      await call('POST', jobUrl(endpointId, `cancel/${encodeURIComponent(providerJobId)}`), {}, signal);
    },

    health,

    async provision(spec, signal) {
      const template = parse(
        withId,
        (await call('POST', `${options.restBaseUrl}/templates`, templateBody(spec), signal)).json,
        'template',
      );
      const endpoint = parse(
        withId,
        (
          await call(
            'POST',
            `${options.restBaseUrl}/serverless`,
            { ...endpointBody(spec), templateId: template.id },
            signal,
          )
        ).json,
        'endpoint',
      );
      return afterChange(endpoint.id, signal);
    },

    async update(endpointId, spec, signal) {
      const templateId = await templateOf(endpointId, signal);
      if (templateId) {
        const { name: _name, ...changes } = templateBody(spec);
        await call(
          'PATCH',
          `${options.restBaseUrl}/templates/${encodeURIComponent(templateId)}`,
          changes,
          signal,
        );
      }
      await call(
        'PATCH',
        `${options.restBaseUrl}/serverless/${encodeURIComponent(endpointId)}`,
        endpointBody(spec),
        signal,
      );
      return afterChange(endpointId, signal);
    },

    async remove(endpointId, signal) {
      let templateId: string | undefined;
      try {
        templateId = await templateOf(endpointId, signal);
        await call(
          'DELETE',
          `${options.restBaseUrl}/serverless/${encodeURIComponent(endpointId)}`,
          undefined,
          signal,
        );
      } catch (error) {
        // Already gone at RunPod: what DELETE wanted.
        if (!(error instanceof GatewayError && error.code === 'not_found')) throw error;
      }
      if (templateId) {
        await call(
          'DELETE',
          `${options.restBaseUrl}/templates/${encodeURIComponent(templateId)}`,
          undefined,
          signal,
        ).catch(() => undefined);
      }
    },
  };
}

/** REST v2 429s carry `Retry-After` in seconds (https://docs.runpod.io/api-reference). */
function retryAfterMs(headers: Record<string, string | string[] | undefined>): number | undefined {
  const value = headers['retry-after'];
  const seconds = Number(Array.isArray(value) ? value[0] : value);
  return value !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** `detail` / `title` of a problem+json body, or the job API's `{error}`. */
function detail(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object') return undefined;
    const body = parsed as Record<string, unknown>;
    const errors = Array.isArray(body['errors']) ? body['errors'].map(String).join('; ') : '';
    for (const key of ['detail', 'error', 'message', 'title']) {
      const value = body[key];
      if (typeof value === 'string' && value !== '') return errors ? `${value} (${errors})` : value;
    }
  } catch {
    // not JSON
  }
  return undefined;
}
