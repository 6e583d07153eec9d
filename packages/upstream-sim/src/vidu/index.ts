import { randomInt } from 'node:crypto';
import type { Exchange } from '../http/exchange.ts';
import { authToken } from '../http/query.ts';
import { sendJson } from '../http/send.ts';
import { renderImage } from '../images/render.ts';
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

const VENDOR = 'vidu';
const CREATE = /^\/ent\/v2\/(text2video|img2video)$/;
const CREATIONS = /^\/ent\/v2\/tasks\/([^/]+)\/creations$/;
const CANCEL = /^\/ent\/v2\/tasks\/([^/]+)\/cancel$/;
/** `url` and `cover_url` are valid for 24 hours. */
const URL_TTL_MS = 24 * 60 * 60 * 1000;

/** Durations per model family: q3 1–16 s, q2 1–10 s, q1 5 s. */
function durationRange(model: string): [number, number] {
  if (model.startsWith('viduq3')) return [1, 16];
  if (model.startsWith('viduq2')) return [1, 10];
  return [5, 5];
}

/**
 * Vidu API (`api.vidu.com/ent/v2`, `Authorization: Token <key>`): `POST /text2video` and
 * `/img2video` → `{task_id, state:"created", …}`; `GET /tasks/{id}/creations` → `state`
 * `created` → `queueing` → `processing` → `success` (`creations[{id, url, cover_url}]`) |
 * `failed` (`err_code`); `POST /tasks/{id}/cancel` before processing. Errors: `{code, reason,
 * message, metadata:{trace_id}}`.
 * @see https://platform.vidu.com/docs/text-to-video
 * @see https://platform.vidu.com/docs/get-generation
 */
export function createViduApi(context: VideoContext): SimApi {
  return {
    routes: [
      { method: 'POST', path: CREATE, handle: (exchange) => withKey(exchange, context, create) },
      { method: 'GET', path: CREATIONS, handle: (exchange) => withKey(exchange, context, creations) },
      { method: 'POST', path: CANCEL, handle: (exchange) => withKey(exchange, context, cancel) },
    ],
    claimsPath: (path) => path.startsWith('/ent/v2/'),
    sendError: (exchange, status, message) => sendViduError(exchange, status, undefined, message),
    reset: () => undefined,
  };
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

function sendViduError(exchange: Exchange, status: number, reason?: string, message?: string): void {
  sendJson(exchange.response, status, {
    code: status,
    reason: reason ?? REASONS[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequest'),
    message: message ?? `request failed with status ${status}`,
    metadata: { trace_id: exchange.requestId.replace(/^req_/, '') },
  });
}

type Handler = (exchange: Exchange, context: VideoContext, apiKey: string) => Promise<void>;

async function withKey(exchange: Exchange, context: VideoContext, handler: Handler): Promise<void> {
  const key = authToken(exchange, 'Token');
  if (!keyAccepted(context, key)) {
    return sendViduError(exchange, 401, 'Unauthorized', key === '' ? 'missing api key' : 'invalid api key');
  }
  await handler(exchange, context, key);
}

function invalid(exchange: Exchange, message: string): void {
  sendViduError(exchange, 400, 'BadRequest', message);
}

async function create(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const kind = CREATE.exec(exchange.path)?.[1] ?? 'text2video';
  const body = exchange.body.isJson && isRecord(exchange.body.value) ? exchange.body.value : undefined;
  if (!body) return invalid(exchange, 'request body is not valid JSON');
  const model = body['model'];
  if (typeof model !== 'string' || !/^vidu(q1|q2|q3|2\.0|1\.5)/.test(model) || !modelServed(context, model)) {
    return invalid(exchange, `model ${String(model)} is not supported`);
  }
  const prompt = body['prompt'] ?? '';
  if (typeof prompt !== 'string' || prompt.length > 5000)
    return invalid(exchange, 'prompt must be at most 5000 characters');
  if (kind === 'text2video' && prompt.trim() === '') return invalid(exchange, 'prompt is required');
  if (kind === 'img2video') {
    const images = body['images'];
    if (!Array.isArray(images) || images.length !== 1 || typeof images[0] !== 'string') {
      return invalid(exchange, 'images must contain exactly 1 image');
    }
  }
  const [min, max] = durationRange(model);
  const duration = Number(body['duration'] ?? 5);
  if (!Number.isInteger(duration) || duration < min || duration > max) {
    return invalid(exchange, `duration must be between ${min} and ${max} for ${model}`);
  }
  const ratio = String(body['aspect_ratio'] ?? '16:9');
  if (!['16:9', '9:16', '1:1', '3:4', '4:3'].includes(ratio))
    return invalid(exchange, `aspect_ratio ${ratio} is not supported`);
  const resolution = String(body['resolution'] ?? (model.startsWith('viduq1') ? '1080p' : '720p'));
  if (!['360p', '540p', '720p', '1080p'].includes(resolution)) {
    return invalid(exchange, `resolution ${resolution} is not supported`);
  }
  const seed = typeof body['seed'] === 'number' ? body['seed'] : randomInt(0, 2 ** 31 - 1);
  const id = String(randomInt(100_000_000_000, 999_999_999_999)) + String(randomInt(100_000, 999_999));
  const task = context.tasks.create({
    vendor: VENDOR,
    id,
    model,
    prompt,
    apiKey,
    seconds: duration,
    ...clipSize(resolution, ratio),
    params: {
      seed,
      aspect_ratio: ratio,
      resolution,
      movement_amplitude: body['movement_amplitude'] ?? 'auto',
      payload: body['payload'] ?? '',
      bgm: body['bgm'] === true,
      off_peak: body['off_peak'] === true,
    },
  });
  sendJson(exchange.response, 200, {
    task_id: id,
    state: 'created',
    model,
    prompt,
    duration,
    seed,
    aspect_ratio: ratio,
    resolution,
    movement_amplitude: task.params['movement_amplitude'],
    payload: task.params['payload'],
    off_peak: task.params['off_peak'],
    credits: credits(task),
    created_at: new Date(task.createdAt).toISOString(),
  });
}

function credits(task: VideoTask): number {
  return task.seconds * (task.height >= 1080 ? 10 : 5);
}

function state(context: VideoContext, task: VideoTask): string {
  const phase = context.tasks.phase(task);
  if (phase === 'queued') return 'queueing';
  if (phase === 'running') return 'processing';
  return phase === 'succeeded' ? 'success' : 'failed';
}

async function creations(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const id = CREATIONS.exec(exchange.path)?.[1] ?? '';
  const task = context.tasks.get(VENDOR, id, apiKey);
  if (!task) return sendViduError(exchange, 404, 'NotFound', `task ${id} not found`);
  const phase = context.tasks.phase(task);
  const current = state(context, task);
  const errCode =
    phase === 'moderated'
      ? 'AuditSubmitIllegal'
      : phase === 'failed'
        ? 'InternalServiceFailure'
        : phase === 'cancelled'
          ? 'TaskCanceled'
          : '';
  const list: unknown[] = [];
  if (phase === 'succeeded') {
    const urlTtl = ttl(context, URL_TTL_MS);
    const url = context.tasks.videoUrl(exchange, task, context.delivery, {
      ttlMs: urlTtl,
      style: 'cloudfront',
    });
    task.params['cover'] ??= context.delivery.publish(
      exchange,
      renderImage({ width: task.width, height: task.height, seedText: task.prompt }),
      { ttlMs: urlTtl, style: 'cloudfront', name: `${task.id}-cover.png` },
    );
    list.push({ id: `${task.id}1`, url, cover_url: task.params['cover'] });
  }
  sendJson(exchange.response, 200, {
    id: task.id,
    state: current,
    err_code: errCode,
    credits: phase === 'succeeded' ? credits(task) : 0,
    payload: task.params['payload'],
    bgm: task.params['bgm'],
    off_peak: task.params['off_peak'],
    creations: list,
  });
}

async function cancel(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const id = CANCEL.exec(exchange.path)?.[1] ?? '';
  const task = context.tasks.get(VENDOR, id, apiKey);
  if (!task) return sendViduError(exchange, 404, 'NotFound', `task ${id} not found`);
  if (!context.tasks.cancelQueued(task)) {
    return invalid(exchange, `task state is ${state(context, task)}, can not cancel`);
  }
  sendJson(exchange.response, 200, {});
}
