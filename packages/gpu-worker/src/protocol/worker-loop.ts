import { hostname } from 'node:os';
import { builtInHandler, type HandlerMode } from '../handlers/pick-handler.ts';
import {
  type HandlerContext,
  isRecord,
  type JobHandler,
  type Json,
  sleep,
  type WorkerJob,
} from '../handlers/types.ts';
import { type GatewayRegistration, registerWithGateway } from './register.ts';
import { resolveUrls, urlsFromEnv, type WorkerEnv, type WorkerUrls } from './worker-urls.ts';

export const workerVersion = 'hypereal-worker/0.1.0';

export interface StartWorkerOptions {
  /** RunPod's worker environment (`RUNPOD_WEBHOOK_GET_JOB`…, `COMFYUI_URL`); else `urls`. */
  env?: WorkerEnv;
  urls?: WorkerUrls;
  /** Register with a Hypereal gateway first, then run against the URLs it returns. */
  gateway?: GatewayRegistration;
  /** A handler function, or a built-in one by name (default `auto`). */
  handler?: JobHandler | HandlerMode;
  /** Aborting it stops the worker gracefully (as SIGTERM does). */
  signal?: AbortSignal;
  /** ComfyUI's base URL; default `env.COMFYUI_URL`. */
  comfyUiUrl?: string;
  /** Wait after an empty take (204) before asking again; default 1000 ms. */
  pollIntervalMs?: number;
  /** How long a graceful stop lets the current job finish before giving it back; default 30 s. */
  shutdownGraceMs?: number;
  log?: (message: string) => void;
}

export interface RunningWorker {
  readonly workerId: string;
  /** Jobs whose result was posted. */
  readonly completed: number;
  readonly currentJobId: string | undefined;
  /** Stops taking jobs; the current one finishes within the grace time, else is given back. */
  stop(): Promise<void>;
  /** Ends at once, like a crashed container: nothing more is posted, heartbeats stop. */
  kill(): void;
  /** Settles when the worker has ended. */
  readonly finished: Promise<void>;
}

interface CurrentJob {
  id: string;
  controller: AbortController;
  /** The platform asked to stop it (job-stop), or a shutdown gave it back: post nothing. */
  abandoned: boolean;
  /** A shutdown gave it back: the next heartbeat must not list it. */
  givenBack: boolean;
  settled: Promise<void>;
}

/** Retries of a result post, as the SDK tries 3 times with a growing pause. */
const POST_ATTEMPTS = 3;

/**
 * Runs a worker against a platform speaking RunPod's serverless worker protocol (RunPod itself,
 * the upstream simulator, or a Hypereal gateway): take a job, run the handler, post the result;
 * heartbeats every ping interval; a long-polled stop channel aborts a job the platform cancelled.
 * @see https://github.com/runpod/runpod-python/tree/main/runpod/serverless/modules
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const log = options.log ?? (() => undefined);
  const env: WorkerEnv = { ...(options.env ?? {}) };
  let urls = options.urls;
  if (options.gateway) {
    const registered = await registerWithGateway(options.gateway, options.signal);
    Object.assign(env, registered.env);
    log(`registered with ${options.gateway.url} as ${registered.workerId}`);
  }
  if (!urls || options.gateway) urls = urlsFromEnv(env);
  const resolved = resolveUrls(urls);
  const { workerId } = resolved;
  const handler =
    typeof options.handler === 'function' ? options.handler : builtInHandler(options.handler ?? 'auto');
  const comfyUiUrl = options.comfyUiUrl ?? env['COMFYUI_URL'];
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const pingIntervalMs = urls.pingIntervalMs ?? 10_000;
  const graceMs = options.shutdownGraceMs ?? 30_000;
  const headers = { authorization: urls.apiKey };
  const endpointId = urls.endpointId;

  /** Stops taking jobs (graceful stop or kill). */
  const taking = new AbortController();
  /** Ends everything: in-flight requests, heartbeats, the stop channel. */
  const ending = new AbortController();
  let killed = false;
  let completed = 0;
  let current: CurrentJob | undefined;

  const idle = (ms: number, signal: AbortSignal) => sleep(ms, signal).catch(() => undefined);

  const ping = async (jobIds: readonly string[]) => {
    const url = resolved.ping(jobIds, workerVersion);
    if (!url) return;
    await fetch(url, { headers, signal: AbortSignal.any([ending.signal, AbortSignal.timeout(10_000)]) })
      .then((response) => response.body?.cancel())
      .catch(() => undefined);
  };
  const heartbeat = setInterval(() => void ping(current ? [current.id] : []), pingIntervalMs);

  const post = async (jobId: string, body: Json): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const response = await fetch(resolved.done(jobId), {
          method: 'POST',
          // The SDK sends the JSON text labelled as a form; platforms read it as JSON.
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': jobId },
          body: JSON.stringify(body),
          signal: ending.signal,
        });
        await response.body?.cancel();
        if (response.ok || (response.status >= 400 && response.status < 500 && response.status !== 429))
          return;
        throw new Error(`HTTP ${response.status}`);
      } catch (error) {
        if (ending.signal.aborted || attempt >= POST_ATTEMPTS) {
          log(`could not post job ${jobId}: ${(error as Error).message}`);
          return;
        }
        await idle(200 * attempt, ending.signal);
      }
    }
  };

  const take = async (): Promise<WorkerJob | undefined> => {
    const response = await fetch(resolved.take(false), { headers, signal: taking.signal });
    if (response.status === 204) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`job take answered HTTP ${response.status}`);
    }
    const text = await response.text();
    if (text.trim() === '') return undefined;
    const body: unknown = JSON.parse(text);
    const job = Array.isArray(body) ? body[0] : body;
    if (!isRecord(job) || typeof job['id'] !== 'string')
      throw new Error('job take answered without a job id');
    const endpoint = job['endpointId'] ?? job['endpoint_id'];
    return {
      id: job['id'],
      input: job['input'],
      endpointId: typeof endpoint === 'string' ? endpoint : undefined,
    };
  };

  const run = async (job: WorkerJob): Promise<void> => {
    const controller = new AbortController();
    let settle: () => void = () => undefined;
    const entry: CurrentJob = {
      id: job.id,
      controller,
      abandoned: false,
      givenBack: false,
      settled: new Promise<void>((resolve) => {
        settle = resolve;
      }),
    };
    current = entry;
    const onEnd = () => controller.abort(new Error('worker ended'));
    ending.signal.addEventListener('abort', onEnd, { once: true });
    const context: HandlerContext = {
      signal: controller.signal,
      progress: (value) => {
        if (!controller.signal.aborted) void post(job.id, { status: 'IN_PROGRESS', output: value });
      },
      workerId,
      endpointId,
      comfyUiUrl,
    };
    let result: Json;
    try {
      const output = await handler(job, context);
      if (isRecord(output) && 'error' in output) {
        const { error, ...rest } = output;
        result =
          Object.keys(rest).length > 0 ? { error: error ?? null, output: rest } : { error: error ?? null };
      } else {
        result = { output };
      }
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      // RunPod's error object, JSON-encoded (rp_job.run_job).
      result = {
        error: JSON.stringify({
          error_type: failure.name,
          error_message: failure.message,
          error_traceback: failure.stack ?? '',
          hostname: hostname(),
          worker_id: workerId,
          runpod_version: workerVersion,
        }),
      };
    }
    ending.signal.removeEventListener('abort', onEnd);
    if (current === entry) current = undefined;
    if (!killed && !entry.abandoned) {
      await post(job.id, result);
      completed += 1;
    }
    // A heartbeat that no longer lists the job tells the platform it is free again.
    if (!killed && entry.givenBack) await ping([]);
    settle();
  };

  const stopChannel = async () => {
    for (;;) {
      const url = resolved.stop(current !== undefined);
      if (!url || ending.signal.aborted) return;
      const startedAt = Date.now();
      try {
        const response = await fetch(url, { headers, signal: ending.signal });
        if (response.status === 404 || response.status === 405) {
          await response.body?.cancel();
          return; // this platform has no stop channel
        }
        const body: unknown =
          response.status === 200 ? await response.json().catch(() => undefined) : undefined;
        if (response.status !== 200) await response.body?.cancel();
        const ids = isRecord(body) && Array.isArray(body['jobsToStop']) ? body['jobsToStop'] : [];
        const job = current;
        if (job && ids.includes(job.id)) {
          log(`job ${job.id} stopped by the platform`);
          job.abandoned = true;
          job.controller.abort(new Error('job stopped by the platform'));
        }
      } catch {
        if (ending.signal.aborted) return;
      }
      // A platform that answers at once instead of long-polling is asked again after a pause.
      if (Date.now() - startedAt < 100) await idle(pollIntervalMs, ending.signal);
    }
  };

  const loop = async () => {
    let backoff = 0;
    while (!taking.signal.aborted) {
      let job: WorkerJob | undefined;
      try {
        job = await take();
        backoff = 0;
      } catch (error) {
        if (taking.signal.aborted) break;
        backoff = Math.min(5_000, backoff ? backoff * 2 : 250);
        log(`job take failed (${(error as Error).message}); retrying in ${backoff} ms`);
        await idle(backoff, taking.signal);
        continue;
      }
      if (!job) {
        await idle(pollIntervalMs, taking.signal);
        continue;
      }
      log(`job ${job.id} taken`);
      void ping([job.id]);
      await run(job);
    }
  };

  const stopping = stopChannel();
  const looping = loop();
  let onKilled: () => void = () => undefined;
  const killedNow = new Promise<void>((resolve) => {
    onKilled = resolve;
  });
  const finished = Promise.race([
    (async () => {
      await looping;
      await current?.settled;
      clearInterval(heartbeat);
      ending.abort();
      await stopping;
    })(),
    killedNow,
  ]);
  const kill = () => {
    killed = true;
    taking.abort();
    ending.abort();
    clearInterval(heartbeat);
    onKilled();
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      taking.abort();
      const job = current;
      if (job) {
        const timer = new AbortController();
        const outcome = await Promise.race([
          job.settled.then(() => 'finished' as const),
          idle(graceMs, timer.signal).then(() => 'late' as const),
        ]);
        timer.abort();
        if (outcome === 'late' && current === job) {
          log(`giving job ${job.id} back: it did not finish within ${graceMs} ms`);
          job.abandoned = true;
          job.givenBack = true;
          job.controller.abort(new Error('worker shutting down'));
          const settled = await Promise.race([
            job.settled.then(() => true),
            idle(1_000, ending.signal).then(() => false),
          ]);
          if (!settled) {
            // The handler ignores its abort signal: give the job back and end without it.
            current = undefined;
            await ping([]);
            kill();
            return;
          }
        }
      }
      await finished;
    })();
    return stopped;
  };
  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  if (options.signal?.aborted) void stop();

  return {
    workerId,
    get completed() {
      return completed;
    },
    get currentJobId() {
      return current?.id;
    },
    stop,
    kill,
    finished,
  };
}
