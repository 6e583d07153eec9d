import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { GatewayError } from '../../errors/index.ts';
import {
  authenticateWorker,
  createWorkerToken,
  findLiveToken,
  finishTask,
  listWorkerTokens,
  recordProgress,
  registerWorker,
  releaseUnlisted,
  revokeWorkerToken,
  SweepThrottle,
  servedEndpoints,
  takeStops,
  takeTask,
  tokenView,
  type WorkerRecord,
} from '../../gpu/self-hosted/index.ts';
import type { Services } from '../services.ts';
import { validate, validateBody } from '../validate-body.ts';

export const gpuWorkersPrefix = '/v1/gpu-workers';

/** Results carry base64 images and videos: far above the API's usual body limit. */
const resultBodyLimit = 256 * 1024 * 1024;

const endpointName = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[\w.:/@+-]+$/, 'letters, digits and . : / @ + - _ only');
const registerSchema = z.object({
  serve: z
    .union([z.array(endpointName).max(50), z.string().max(4000)])
    .optional()
    .transform((value) =>
      (typeof value === 'string' ? value.split(',') : (value ?? []))
        .map((name) => name.trim())
        .filter(Boolean),
    )
    .pipe(z.array(endpointName).max(50)),
  image: z.string().min(1).max(300).optional(),
  name: z.string().min(1).max(100).optional(),
});
/** RunPod's result body: `{output?, error?}`, or a progress update `{status:"IN_PROGRESS", output}`. */
const resultSchema = z.looseObject({
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  status: z.string().optional(),
});
const pingQuery = z.looseObject({ job_id: z.string().optional() });
const tokenSchema = z.object({ name: z.string().min(1).max(100) }).strict();

/** The credential as RunPod workers send it (raw), or as `Bearer <secret>`. */
function presentedSecret(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization?.trim();
  if (!header) return undefined;
  return /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? header;
}

/** RunPod error objects arrive JSON-encoded (`{error_type, error_message, …}`); a user reads the message. */
export function readableError(error: unknown, output: unknown): string {
  let message: string;
  if (typeof error === 'string') {
    message = error;
    try {
      const parsed: unknown = JSON.parse(error);
      if (parsed && typeof parsed === 'object' && 'error_message' in parsed) {
        const { error_type: type, error_message: text } = parsed as {
          error_type?: unknown;
          error_message?: unknown;
        };
        message = type ? `${String(type)}: ${String(text)}` : String(text);
      }
    } catch {
      // a plain message
    }
  } else {
    message = JSON.stringify(error);
  }
  const details =
    output && typeof output === 'object' && 'details' in output
      ? (output as { details: unknown }).details
      : undefined;
  if (Array.isArray(details) && details.length > 0) message += `: ${details.map(String).join('; ')}`;
  return message.slice(0, 4000);
}

/**
 * The self-hosted worker pool's side of RunPod's worker protocol. A box registers with an
 * operator token (`POST /v1/gpu-workers/register`, `Authorization: Bearer gwt_…`) and gets
 * RunPod-style URLs plus a session secret, then speaks exactly as to RunPod: `job-take`,
 * `job-done`, `ping`, `job-stop` under `/v1/gpu-workers/{workerId}/`, with the raw secret in
 * `Authorization`. These routes sit outside the user API's admission (no key, no billing).
 * @see https://github.com/runpod/runpod-python/blob/main/runpod/serverless/modules/rp_job.py
 */
export function registerGpuWorkerRoutes(root: FastifyInstance, services: Services): void {
  root.register(async (app) => gpuWorkerRoutes(app, services));
}

function gpuWorkerRoutes(app: FastifyInstance, services: Services): void {
  const { db } = services;
  const { pingIntervalMs, stopLongPollMs } = services.config.gpuWorkers;
  const sweeper = new SweepThrottle(db, pingIntervalMs);
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  const worker = async (request: FastifyRequest): Promise<WorkerRecord> => {
    const { workerId } = request.params as { workerId: string };
    const found = await authenticateWorker(db, workerId, presentedSecret(request));
    if (!found) {
      throw new GatewayError('invalid_api_key', {
        message:
          'Unknown worker or wrong session secret (send Authorization: <the secret from registration>).',
      });
    }
    return found;
  };

  app.post(`${gpuWorkersPrefix}/register`, async (request, reply) => {
    const secret = presentedSecret(request);
    const token = secret ? await findLiveToken(db, secret) : undefined;
    if (!token) {
      throw new GatewayError('invalid_api_key', {
        message: 'Registering a GPU worker needs Authorization: Bearer <a live gwt_ worker token>.',
      });
    }
    const input = validateBody(registerSchema, request);
    if (input.serve.length === 0 && !input.image) {
      throw new GatewayError('invalid_request', {
        param: 'serve',
        message: 'Name at least one endpoint to serve (serve) or a docker image (image).',
      });
    }
    const { worker: registered, secret: session } = await registerWorker(db, {
      tokenId: token.id,
      name: input.name ?? token.name,
      image: input.image ?? null,
      serves: input.serve,
    });
    const base = (services.config.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
    const root = `${base}${gpuWorkersPrefix}/${registered.id}`;
    reply.code(201).header('cache-control', 'no-store');
    return {
      object: 'gpu.worker',
      id: registered.id,
      name: registered.name,
      image: registered.image,
      serves: servedEndpoints(registered),
      pingIntervalMs,
      // RunPod's worker environment: `$ID` and `$RUNPOD_POD_ID` are filled in by the worker.
      env: {
        RUNPOD_WEBHOOK_GET_JOB: `${root}/job-take/$ID?gpu=self-hosted`,
        RUNPOD_WEBHOOK_POST_OUTPUT: `${root}/job-done/$RUNPOD_POD_ID/$ID?gpu=self-hosted`,
        RUNPOD_WEBHOOK_PING: `${root}/ping/$RUNPOD_POD_ID`,
        RUNPOD_AI_API_KEY: session,
        RUNPOD_POD_ID: registered.id,
        RUNPOD_PING_INTERVAL: String(pingIntervalMs),
      },
    };
  });

  app.get(`${gpuWorkersPrefix}/:workerId/job-take/:podId`, async (request, reply) => {
    const self = await worker(request);
    await sweeper.sweep();
    const task = await takeTask(db, self.id, servedEndpoints(self));
    if (!task) return reply.code(204).send();
    return { id: task.id, input: JSON.parse(task.input) as unknown, endpointId: task.endpoint_id };
  });

  app.post(
    `${gpuWorkersPrefix}/:workerId/job-done/:podId/:jobId`,
    { bodyLimit: resultBodyLimit },
    async (request) => {
      const self = await worker(request);
      const { jobId } = request.params as { jobId: string };
      const { isStream } = request.query as { isStream?: string };
      const body = validateBody(resultSchema, request);
      if (body.status === 'IN_PROGRESS' || isStream === 'true') {
        await recordProgress(db, self.id, jobId, body.output ?? null);
        return {};
      }
      const failed = body.error !== undefined && body.error !== null;
      await finishTask(
        db,
        self.id,
        jobId,
        failed
          ? { error: readableError(body.error, body.output), output: body.output }
          : { output: body.output ?? null },
      );
      return {};
    },
  );

  app.get(`${gpuWorkersPrefix}/:workerId/ping/:podId`, async (request) => {
    const self = await worker(request);
    const query = validate(pingQuery, request.query);
    const held = (query.job_id ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    await releaseUnlisted(db, self.id, held, Date.now() - pingIntervalMs);
    return {};
  });

  app.get(`${gpuWorkersPrefix}/:workerId/job-stop/:podId`, async (request, reply) => {
    const self = await worker(request);
    const gone = AbortSignal.any([closing.signal, abortOnClose(request)]);
    const deadline = Date.now() + stopLongPollMs;
    for (;;) {
      const stops = await takeStops(db, self.id);
      if (stops.length > 0) return { jobsToStop: stops };
      if (gone.aborted || Date.now() >= deadline) return reply.code(204).send();
      await pause(Math.min(100, stopLongPollMs), gone);
    }
  });
}

function abortOnClose(request: FastifyRequest): AbortSignal {
  const controller = new AbortController();
  request.raw.once('close', () => controller.abort());
  return controller.signal;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Operator routes for worker tokens, inside the admin API's auth: `POST /admin/gpu-workers/tokens
 * {name}` (the `gwt_` secret is in this response only), `GET /admin/gpu-workers/tokens`,
 * `DELETE /admin/gpu-workers/tokens/{id}`.
 */
export function registerGpuWorkerTokenRoutes(admin: FastifyInstance, services: Services): void {
  const { db } = services;
  admin.post('/admin/gpu-workers/tokens', async (request, reply) => {
    const input = validateBody(tokenSchema, request);
    const { secret, record } = await createWorkerToken(db, input.name);
    reply.code(201).header('cache-control', 'no-store');
    return { ...tokenView(record), token: secret };
  });
  admin.get('/admin/gpu-workers/tokens', async () => ({
    object: 'list',
    data: (await listWorkerTokens(db)).map(tokenView),
  }));
  admin.delete('/admin/gpu-workers/tokens/:id', async (request) => {
    const { id } = request.params as { id: string };
    if (!(await revokeWorkerToken(db, id))) {
      throw new GatewayError('not_found', { message: `No live GPU worker token ${id}.` });
    }
    return { id, revoked: true };
  });
}
