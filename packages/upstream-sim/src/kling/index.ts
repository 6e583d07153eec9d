import { randomInt, randomUUID } from 'node:crypto';
import type { Exchange } from '../http/exchange.ts';
import { authToken, queryParams } from '../http/query.ts';
import { sendJson } from '../http/send.ts';
import { isRecord } from '../json.ts';
import type { SimApi } from '../sim-api.ts';
import {
  clipSize,
  keyAccepted,
  modelServed,
  ttl,
  type VideoContext,
  type VideoTask,
} from '../video/tasks.ts';
import { verifyKlingToken } from './jwt.ts';

export interface KlingContext extends VideoContext {
  /** Access key → secret key; when absent every accepted API key is an access key and its own secret. */
  keys: Readonly<Record<string, string>> | undefined;
}

const VENDOR = 'kling';
const CREATE = /^\/v1\/videos\/(text2video|image2video)$/;
const QUERY = /^\/v1\/videos\/(text2video|image2video)\/([^/]+)$/;
/** Generated videos are cleared after 30 days. */
const URL_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const RATIOS = ['16:9', '9:16', '1:1'];

const SERVICE_STATUS: Record<number, { code: number; message: string }> = {
  400: { code: 1200, message: 'Invalid request parameters' },
  401: { code: 1000, message: 'Authentication failed' },
  404: { code: 1203, message: 'The requested resource does not exist' },
  429: { code: 1302, message: 'The API request is too fast, please slow down the request frequency' },
  500: { code: 5000, message: 'Server internal error' },
  503: { code: 5001, message: 'Server temporarily unavailable, usually due to maintenance' },
  504: { code: 5002, message: 'Server internal timeout, usually due to a backlog' },
};

/**
 * Kling AI video API (`api-singapore.klingai.com`): `POST /v1/videos/text2video` and
 * `/v1/videos/image2video` → `{code:0, message, request_id, data:{task_id, task_status, …}}`;
 * `GET /v1/videos/{kind}/{task_id or external_task_id}` → `task_status` `submitted` →
 * `processing` → `succeed` | `failed`, with `task_result.videos[{id, url, duration}]`;
 * `GET /v1/videos/{kind}?pageNum&pageSize` lists. Auth: a JWT signed with the secret key.
 * Errors: `{code, message, request_id}` with Kling's service codes.
 * @see https://app.klingai.com/global/dev/document-api
 */
export function createKlingApi(context: KlingContext): SimApi {
  const api: SimApi = {
    routes: [
      { method: 'POST', path: CREATE, handle: (exchange) => withToken(exchange, context, createTask) },
      { method: 'GET', path: CREATE, handle: (exchange) => withToken(exchange, context, listTasks) },
      { method: 'GET', path: QUERY, handle: (exchange) => withToken(exchange, context, getTask) },
    ],
    claimsPath: (path) => CREATE.test(path) || QUERY.test(path),
    sendError: (exchange, status, message) => sendKlingError(exchange, status, undefined, message),
    reset: () => undefined,
  };
  return api;
}

export function sendKlingError(exchange: Exchange, status: number, code?: number, message?: string): void {
  const known = SERVICE_STATUS[status];
  sendJson(exchange.response, status, {
    code: code ?? known?.code ?? (status >= 500 ? 5000 : 1200),
    message: message ?? known?.message ?? `Request failed with status ${status}`,
    request_id: exchange.requestId.replace(/^req_/, ''),
  });
}

type Handler = (exchange: Exchange, context: KlingContext, accessKey: string) => Promise<void>;

async function withToken(exchange: Exchange, context: KlingContext, handler: Handler): Promise<void> {
  const verdict = verifyKlingToken(authToken(exchange, 'Bearer'), (accessKey) => {
    if (context.keys) return context.keys[accessKey];
    return keyAccepted(context, accessKey) ? accessKey : undefined;
  });
  if ('refusal' in verdict)
    return sendKlingError(exchange, 401, verdict.refusal.code, verdict.refusal.message);
  await handler(exchange, context, verdict.accessKey);
}

function invalid(exchange: Exchange, message: string): void {
  sendKlingError(exchange, 400, 1201, message);
}

async function createTask(exchange: Exchange, context: KlingContext, accessKey: string): Promise<void> {
  const kind = CREATE.exec(exchange.path)?.[1] ?? 'text2video';
  if (!exchange.body.isJson || !isRecord(exchange.body.value)) return invalid(exchange, 'Invalid JSON body');
  const body = exchange.body.value;
  const model = body['model_name'] ?? 'kling-v1';
  if (typeof model !== 'string' || !model.startsWith('kling-') || !modelServed(context, model)) {
    return invalid(exchange, `model_name value '${String(model)}' is invalid`);
  }
  const prompt = body['prompt'] ?? '';
  if (typeof prompt !== 'string') return invalid(exchange, 'prompt must be a string');
  if (kind === 'text2video' && prompt.trim() === '') return invalid(exchange, 'prompt is required');
  if (prompt.length > 2500) return invalid(exchange, 'prompt cannot exceed 2500 characters');
  if (kind === 'image2video' && typeof body['image'] !== 'string' && typeof body['image_tail'] !== 'string') {
    return invalid(exchange, 'image is required');
  }
  const duration = String(body['duration'] ?? '5');
  if (duration !== '5' && duration !== '10') return invalid(exchange, 'duration must be 5 or 10');
  const mode = body['mode'] ?? 'std';
  if (mode !== 'std' && mode !== 'pro') return invalid(exchange, 'mode must be std or pro');
  const ratio = String(body['aspect_ratio'] ?? '16:9');
  if (!RATIOS.includes(ratio)) return invalid(exchange, 'aspect_ratio must be 16:9, 9:16 or 1:1');
  const external = typeof body['external_task_id'] === 'string' ? body['external_task_id'] : undefined;
  if (
    external &&
    context.tasks.list(VENDOR, accessKey).some((task) => task.params['external'] === external)
  ) {
    return invalid(exchange, 'external_task_id already exists');
  }
  const id = String(randomInt(100_000_000_000, 999_999_999_999)) + String(randomInt(1_000_000, 9_999_999));
  const task = context.tasks.create({
    vendor: VENDOR,
    id,
    model,
    prompt,
    apiKey: accessKey,
    seconds: Number(duration),
    ...clipSize(mode === 'pro' ? '1080p' : '720p', ratio),
    params: { kind, external },
  });
  sendJson(exchange.response, 200, envelope(exchange, taskData(exchange, context, task, false)));
}

function envelope(exchange: Exchange, data: unknown): Record<string, unknown> {
  return { code: 0, message: 'SUCCEED', request_id: exchange.requestId.replace(/^req_/, ''), data };
}

function taskData(
  exchange: Exchange,
  context: KlingContext,
  task: VideoTask,
  withResult = true,
): Record<string, unknown> {
  const phase = context.tasks.phase(task);
  const status =
    phase === 'queued'
      ? 'submitted'
      : phase === 'running'
        ? 'processing'
        : phase === 'succeeded'
          ? 'succeed'
          : 'failed';
  const updated = phase === 'queued' ? task.createdAt : phase === 'running' ? task.startsAt : task.finishesAt;
  const data: Record<string, unknown> = {
    task_id: task.id,
    task_status: status,
    task_info: task.params['external'] ? { external_task_id: task.params['external'] } : {},
    created_at: task.createdAt,
    updated_at: updated,
  };
  if (!withResult) return data;
  if (phase === 'failed') data['task_status_msg'] = 'Video generation failed, please try again later';
  if (phase === 'moderated') data['task_status_msg'] = 'Failure to pass the risk control system';
  if (phase === 'succeeded') {
    const url = context.tasks.videoUrl(exchange, task, context.delivery, {
      ttlMs: ttl(context, URL_TTL_MS),
      style: 'cloudfront',
    });
    data['task_result'] = { videos: [{ id: videoIdOf(task), url, duration: String(task.seconds) }] };
  }
  return data;
}

function videoIdOf(task: VideoTask): string {
  const existing = task.params['videoId'];
  if (typeof existing === 'string') return existing;
  const id = randomUUID();
  task.params['videoId'] = id;
  return id;
}

async function getTask(exchange: Exchange, context: KlingContext, accessKey: string): Promise<void> {
  const [, kind, id = ''] = QUERY.exec(exchange.path) ?? [];
  const task =
    context.tasks.get(VENDOR, id, accessKey) ??
    context.tasks.list(VENDOR, accessKey).find((candidate) => candidate.params['external'] === id);
  if (!task || task.params['kind'] !== kind) return sendKlingError(exchange, 404, 1203, 'task not found');
  sendJson(exchange.response, 200, envelope(exchange, taskData(exchange, context, task)));
}

async function listTasks(exchange: Exchange, context: KlingContext, accessKey: string): Promise<void> {
  const kind = CREATE.exec(exchange.path)?.[1];
  const query = queryParams(exchange);
  const pageNum = Math.max(1, Number(query.get('pageNum') ?? 1) || 1);
  const pageSize = Math.min(500, Math.max(1, Number(query.get('pageSize') ?? 30) || 30));
  const tasks = context.tasks
    .list(VENDOR, accessKey)
    .filter((task) => task.params['kind'] === kind)
    .reverse()
    .slice((pageNum - 1) * pageSize, pageNum * pageSize);
  sendJson(
    exchange.response,
    200,
    envelope(
      exchange,
      tasks.map((task) => taskData(exchange, context, task)),
    ),
  );
}
