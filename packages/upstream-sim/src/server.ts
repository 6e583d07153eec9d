import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAnthropicApi } from './anthropic/index.ts';
import { createArkImagesApi } from './ark-images/index.ts';
import { createArkVideoApi } from './ark-video/index.ts';
import { createBflApi } from './bfl/index.ts';
import { createComfyUiApi } from './comfyui/index.ts';
import { CONTROL_PREFIX, handleControl } from './control/control-routes.ts';
import { createDashScopeApi } from './dashscope/index.ts';
import { type Fault, FaultQueue } from './faults.ts';
import { createFishAudioApi } from './fish-audio/index.ts';
import { createGeminiApi } from './gemini/index.ts';
import type { Exchange } from './http/exchange.ts';
import { readBody } from './http/read-body.ts';
import { sendRaw, sleep, waitForAbort } from './http/send.ts';
import { SimExchange } from './http/sim-exchange.ts';
import { DeliveryStore } from './images/delivery.ts';
import { isRecord } from './json.ts';
import { createKlingApi } from './kling/index.ts';
import { createMiniMaxVideoApi } from './minimax-video/index.ts';
import { createOpenAiChatApi } from './openai-chat/index.ts';
import { createOpenAiImagesApi } from './openai-images/index.ts';
import { createOpenAiResponsesApi } from './openai-responses/index.ts';
import type { RecordedRequest } from './recorded-request.ts';
import { createRunpodApi, type RunpodControl, type SeedEndpoint } from './runpod/index.ts';
import type { SimApi, SimRoute } from './sim-api.ts';
import { type VideoContext, type VideoOutcome, VideoTaskStore, type VideoTiming } from './video/tasks.ts';
import { createViduApi } from './vidu/index.ts';
import { createXaiVideoApi } from './xai-video/index.ts';

export interface UpstreamSimOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Accepted bearer keys; by default any non-empty key. */
  apiKeys?: string[];
  /**
   * When given, other models get a 404 (OpenAI `model_not_found`, Anthropic `not_found_error`,
   * Gemini `NOT_FOUND`), like the real APIs.
   */
  models?: string[];
  /**
   * Anthropic thinking signatures verify only on simulators of the same family (default
   * `anthropic`), as a real signature only verifies with the provider that issued it.
   */
  signatureFamily?: string;
  /**
   * OpenAI Responses answers with server-sent events even for `stream: false`, as some upstreams
   * do (per request: `Fault.alwaysSse`).
   */
  alwaysSse?: boolean;
  /**
   * Lifetime of every image result URL the simulator hands out (BFL samples, Seedream and
   * DALL·E URLs); by default each vendor's own (BFL 10 min, Ark 24 h, OpenAI 60 min).
   */
  imageUrlTtlMs?: number;
  /** How long a BFL task stays `Pending` before it settles (default 300 ms). */
  bflPendingMs?: number;
  /** How long a video task (any vendor) stays queued (default 100 ms), then running (default 200 ms). */
  videoQueuedMs?: number;
  videoRunningMs?: number;
  /** Lifetime of every video result URL; by default each vendor's own (Ark 24 h, MiniMax 9 h…). */
  videoUrlTtlMs?: number;
  /**
   * Kling access key → secret key pairs the JWTs must be signed with. By default every accepted
   * API key is an access key whose secret key is the same string.
   */
  klingKeys?: Record<string, string>;
  /** RunPod endpoints that exist from the start (default `sdxl` and `wan-video`). */
  runpodEndpoints?: SeedEndpoint[];
  /** How long RunPod keeps results after a job finishes: `/run` (default 30 min), `/runsync` (default 1 min). */
  runpodAsyncResultMs?: number;
  runpodSyncResultMs?: number;
  /** The workers' `RUNPOD_PING_INTERVAL`; a worker silent for more than 3 intervals is dead (default 10000). */
  runpodPingIntervalMs?: number;
  /** Pause between RunPod webhook attempts (default 10000). */
  runpodWebhookRetryMs?: number;
  /** How long the worker long-polls `job-take` (default 5000) and `job-stop` (default 10000) hold before a 204. */
  runpodTakeWaitMs?: number;
  runpodStopWaitMs?: number;
  /**
   * How many API requests `requests` (and `GET /__sim/requests`) keeps, newest last (default: all,
   * for tests that read every one). A long-running simulator (`main.ts`: 1,000) keeps at least
   * the last N (trimming to N once it holds 2N), so a benchmark's 200,000 calls do not pile up their bodies in its heap.
   */
  maxRecordedRequests?: number;
}

/** Scripting the async video tasks of every vendor. */
export interface VideoControl {
  /** Queue and run times of tasks created from now on. */
  setTiming(timing: Partial<VideoTiming>): void;
  /** The next `times` tasks (any vendor) end as `outcome` whatever their prompt says. */
  forceNext(outcome: VideoOutcome, times?: number): void;
  /** Forces a task's outcome by its vendor id; false when unknown. */
  force(taskId: string, outcome: VideoOutcome): boolean;
}

export interface UpstreamSim {
  /**
   * `http://host:port`; the OpenAI base URL is `${url}/v1`, the Anthropic and Gemini ones
   * `${url}` itself (their SDKs add `/v1` and `/v1beta`).
   */
  readonly url: string;
  /** Every API request received, in arrival order (control endpoints excluded). */
  readonly requests: RecordedRequest[];
  /** Queues a fault; the first matching fault is consumed per request. */
  addFault(fault: Fault): void;
  clearFaults(): void;
  /**
   * Makes every image result URL handed out so far answer as expired (403), so tests can prove a
   * gateway copied the bytes rather than passing the vendor's link on. Returns how many.
   */
  expireImageUrls(): number;
  /** The same for every image, video and audio result link and Veo file (one delivery store). */
  expireMediaUrls(): number;
  readonly videos: VideoControl;
  /** RunPod's queue, workers, endpoints and webhook attempts. */
  readonly runpod: RunpodControl;
  /** Clears requests, faults, prompt caches, stored responses, tasks and images. */
  reset(): void;
  close(): Promise<void>;
}

interface SimState {
  routes: RouteTable;
  faults: FaultQueue;
  requests: RecordedRequest[];
  control: Parameters<typeof handleControl>[0];
  maxRecorded: number;
}

export async function startUpstreamSim(options: UpstreamSimOptions = {}): Promise<UpstreamSim> {
  const host = options.host ?? '127.0.0.1';
  const delivery = new DeliveryStore();
  const urls = { ttlMs: options.imageUrlTtlMs };
  const tasks = new VideoTaskStore({
    queuedMs: options.videoQueuedMs ?? 100,
    runningMs: options.videoRunningMs ?? 200,
  });
  const video: VideoContext = {
    apiKeys: options.apiKeys,
    models: options.models,
    tasks,
    delivery,
    urlTtlMs: options.videoUrlTtlMs,
  };
  const runpod = createRunpodApi({
    apiKeys: options.apiKeys,
    endpoints: options.runpodEndpoints,
    asyncResultMs: options.runpodAsyncResultMs,
    syncResultMs: options.runpodSyncResultMs,
    pingIntervalMs: options.runpodPingIntervalMs,
    webhookRetryMs: options.runpodWebhookRetryMs,
    takeWaitMs: options.runpodTakeWaitMs,
    stopWaitMs: options.runpodStopWaitMs,
  });
  const apis = [
    createOpenAiChatApi({ apiKeys: options.apiKeys, models: options.models }),
    createOpenAiResponsesApi({
      apiKeys: options.apiKeys,
      models: options.models,
      alwaysSse: options.alwaysSse ?? false,
    }),
    createAnthropicApi({
      apiKeys: options.apiKeys,
      models: options.models,
      signatureFamily: options.signatureFamily ?? 'anthropic',
    }),
    createGeminiApi(
      { apiKeys: options.apiKeys, models: options.models },
      { tasks, delivery, urlTtlMs: options.videoUrlTtlMs },
    ),
    createOpenAiImagesApi({ apiKeys: options.apiKeys, models: options.models, delivery, urls }),
    createBflApi({ apiKeys: options.apiKeys, delivery, urls, pendingMs: options.bflPendingMs ?? 300 }),
    createArkImagesApi({ apiKeys: options.apiKeys, models: options.models, delivery, urls }),
    createArkVideoApi(video),
    createKlingApi({ ...video, keys: options.klingKeys }),
    createMiniMaxVideoApi(video),
    createDashScopeApi(video),
    createViduApi(video),
    createXaiVideoApi(video),
    createFishAudioApi({ apiKeys: options.apiKeys, models: new Map() }),
    runpod,
    // ComfyUI's HTTP API under /comfyui (COMFYUI_URL=`${url}/comfyui`).
    createComfyUiApi(),
    delivery.api(),
  ];
  const expireMediaUrls = (): number => {
    tasks.expireAll();
    return delivery.expireAll();
  };
  const videos: VideoControl = {
    setTiming: (timing) => tasks.setTiming(timing),
    forceNext: (outcome, times) => tasks.forceNext(outcome, times),
    force: (taskId, outcome) => tasks.force(taskId, outcome),
  };
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const control = {
    addFault: (fault: Fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    expireImageUrls: expireMediaUrls,
    expireMediaUrls,
    videos,
    reset: () => {
      // Emptied in place so references held by tests stay live.
      requests.length = 0;
      faults.clear();
      for (const api of apis) api.reset();
      tasks.clear();
    },
    requests,
  };
  const state: SimState = {
    routes: new RouteTable(apis),
    faults,
    requests,
    control,
    maxRecorded: options.maxRecordedRequests ?? Number.POSITIVE_INFINITY,
  };
  const server = createServer((request, response) => {
    void handleRequest(state, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ...control,
    runpod: runpod.runpod,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const api of apis) api.close?.();
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging requests and keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

async function handleRequest(
  state: SimState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const startedAt = performance.now();
  const method = request.method ?? 'GET';
  const url = request.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  let body: Awaited<ReturnType<typeof readBody>>;
  try {
    body = await readBody(request);
  } catch {
    response.destroy();
    return;
  }
  if (path.startsWith(CONTROL_PREFIX)) return handleControl(state.control, method, path, body, response);

  const { api, route } = state.routes.find(method, path);
  const record: RecordedRequest = {
    method,
    path,
    query: queryAt === -1 ? '' : url.slice(queryAt),
    headers: flattenHeaders(request.headers),
    body: body.value,
    aborted: false,
    completed: false,
  };
  state.requests.push(record);
  // Trimmed in batches (to the limit, once it is twice over), in place: tests hold the array.
  if (state.requests.length > 2 * state.maxRecorded) {
    state.requests.splice(0, state.requests.length - state.maxRecorded);
  }
  const exchange = new SimExchange({ request, response, path, body, record, startedAt });
  if (!state.faults.empty) {
    const model = route?.modelOf ? route.modelOf(exchange) : bodyModel(body.value);
    exchange.fault = state.faults.take({ path, model });
  }
  try {
    await serve(exchange, api, route);
  } catch (error) {
    if (response.headersSent) return exchange.destroyConnection();
    api.sendError(
      exchange,
      500,
      `upstream-sim failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Applies the request's fault (if any), then hands over to the route. */
async function serve(exchange: Exchange, api: SimApi, route: SimRoute | undefined): Promise<void> {
  const { fault, response } = exchange;
  if (fault !== undefined) {
    for (const [name, value] of Object.entries(fault.headers ?? {})) response.setHeader(name, value);
    if (fault.latencyMs && !(await sleep(fault.latencyMs, exchange.signal))) return;
    if (fault.dropConnection) return exchange.destroyConnection();
    if (fault.hang) return waitForAbort(exchange.signal);
    if (fault.body !== undefined) return sendRaw(response, fault.status ?? 200, fault.body);
    if (fault.status !== undefined) return api.sendError(exchange, fault.status);
  }
  if (!route)
    return api.sendError(exchange, 404, `Invalid URL (${exchange.request.method} ${exchange.path})`);
  await route.handle(exchange);
}

interface RouteEntry {
  api: SimApi;
  route: SimRoute;
  /** Position in the APIs' declaration order: the first matching route wins. */
  order: number;
}

/**
 * The routes of every API, looked up by exact path through a map and by pattern in order, so a
 * call does not test every API's regular expressions before reaching its own.
 */
class RouteTable {
  readonly #apis: readonly SimApi[];
  /** method → exact path → route. */
  readonly #exact = new Map<string, Map<string, RouteEntry>>();
  readonly #patterns: RouteEntry[] = [];

  constructor(apis: readonly SimApi[]) {
    this.#apis = apis;
    let order = 0;
    for (const api of apis) {
      for (const route of api.routes) {
        const entry = { api, route, order: order++ };
        if (typeof route.path !== 'string') {
          this.#patterns.push(entry);
          continue;
        }
        const paths = this.#exact.get(route.method) ?? new Map<string, RouteEntry>();
        this.#exact.set(route.method, paths);
        if (!paths.has(route.path)) paths.set(route.path, entry);
      }
    }
  }

  find(method: string, path: string): { api: SimApi; route: SimRoute | undefined } {
    const exact = this.#exact.get(method)?.get(path);
    for (const entry of this.#patterns) {
      if (exact && entry.order > exact.order) break;
      if (entry.route.method === method && (entry.route.path as RegExp).test(path)) return entry;
    }
    if (exact) return exact;
    // Unknown routes answer in the envelope of the API that claims the path, else the first API's
    // (OpenAI's), the dialect most clients speak.
    const fallback = this.#apis.find((api) => api.claimsPath?.(path)) ?? this.#apis[0];
    if (!fallback) throw new Error('upstream-sim has no APIs');
    return { api: fallback, route: undefined };
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function bodyModel(body: unknown): string | undefined {
  return isRecord(body) && typeof body['model'] === 'string' ? body['model'] : undefined;
}
