import { randomUUID } from 'node:crypto';
import type { Exchange } from '../http/exchange.ts';
import { authToken } from '../http/query.ts';
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

const VENDOR = 'xai';
const CREATE = /^\/v1\/videos\/(generations|edits|extensions)$/;
const POLL = /^\/v1\/videos\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** Video URLs are ephemeral; the simulator keeps them 24 hours. */
const URL_TTL_MS = 24 * 60 * 60 * 1000;
/** `usage.cost_in_usd_ticks`: 10^10 ticks are $1; Grok Imagine video is $0.05 per second. */
const TICKS_PER_SECOND = 500_000_000;

/**
 * xAI video generation (`api.x.ai/v1`, Bearer key): `POST /v1/videos/generations` (and
 * `/edits`, `/extensions`) → `{request_id}`; `GET /v1/videos/{request_id}` → 202
 * `{status:"pending", progress}` while running, then 200 `{status:"done", video:{url, duration,
 * respect_moderation}, model, usage}` or `{status:"failed", error:{code, message}}`; a moderated
 * video is `done` with `respect_moderation:false` and an empty `url`. Errors: `{code, error}`.
 * @see https://docs.x.ai/docs/guides/video-generations
 * @see https://github.com/xai-org/xai-sdk-ts (spec/openapi.json: GenerateVideoRequest, VideoResponse)
 */
export function createXaiVideoApi(context: VideoContext): SimApi {
  return {
    routes: [
      {
        method: 'POST',
        path: CREATE,
        handle: (exchange) => withKey(exchange, context, create),
      },
      { method: 'GET', path: POLL, handle: (exchange) => withKey(exchange, context, poll) },
    ],
    sendError: (exchange, status, message) => sendXaiError(exchange, status, message),
    reset: () => undefined,
  };
}

function sendXaiError(exchange: Exchange, status: number, message?: string, code?: string): void {
  sendJson(exchange.response, status, {
    code:
      code ??
      (status === 404
        ? 'Some requested entity was not found'
        : status === 429
          ? 'Too many requests'
          : status >= 500
            ? 'Internal error'
            : 'Client specified an invalid argument'),
    error: message ?? `Request failed with status ${status}`,
  });
}

type Handler = (exchange: Exchange, context: VideoContext, apiKey: string) => Promise<void>;

async function withKey(exchange: Exchange, context: VideoContext, handler: Handler): Promise<void> {
  const key = authToken(exchange, 'Bearer');
  if (key === '') {
    return sendXaiError(
      exchange,
      401,
      'No API key provided. Provide an API key in the Authorization header as a Bearer token.',
      'Unauthenticated',
    );
  }
  if (!keyAccepted(context, key)) {
    return sendXaiError(
      exchange,
      400,
      `Incorrect API key provided: ${key.slice(0, 2)}***${key.slice(-2)}. You can obtain an API key from https://console.x.ai.`,
    );
  }
  await handler(exchange, context, key);
}

async function create(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const kind = CREATE.exec(exchange.path)?.[1] ?? 'generations';
  const body = exchange.body.isJson && isRecord(exchange.body.value) ? exchange.body.value : undefined;
  if (!body) return sendXaiError(exchange, 400, 'Failed to deserialize the JSON body into the target type');
  const model = body['model'] ?? 'grok-imagine-video';
  if (typeof model !== 'string' || !model.startsWith('grok-imagine-video') || !modelServed(context, model)) {
    return sendXaiError(
      exchange,
      404,
      `The model ${String(model)} does not exist or your team does not have access to it.`,
    );
  }
  const prompt = typeof body['prompt'] === 'string' ? body['prompt'] : '';
  const image = body['image'] ?? body['input_reference'];
  if (prompt.trim() === '' && (kind !== 'generations' || image === undefined)) {
    return sendXaiError(exchange, 422, 'prompt: field required');
  }
  if (kind !== 'generations' && !isRecord(body['video']))
    return sendXaiError(exchange, 422, 'video: field required');
  const [min, max, fallback] = kind === 'extensions' ? [2, 10, 6] : [1, 15, 8];
  const duration = Number(body['duration'] ?? body['seconds'] ?? fallback);
  if (!Number.isInteger(duration) || duration < min || duration > max) {
    return sendXaiError(exchange, 422, `duration: must be between ${min} and ${max} seconds`);
  }
  const ratio = String(body['aspect_ratio'] ?? '16:9');
  if (!['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'].includes(ratio)) {
    return sendXaiError(exchange, 422, `aspect_ratio: unsupported value ${ratio}`);
  }
  const resolution = String(body['resolution'] ?? '720p');
  if (!['480p', '720p', '1080p'].includes(resolution)) {
    return sendXaiError(exchange, 422, `resolution: unsupported value ${resolution}`);
  }
  const task = context.tasks.create({
    vendor: VENDOR,
    id: randomUUID(),
    model,
    prompt,
    apiKey,
    seconds: duration,
    ...clipSize(resolution, ratio),
  });
  sendJson(exchange.response, 200, { request_id: task.id });
}

async function poll(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const id = POLL.exec(exchange.path)?.[1] ?? '';
  const task = context.tasks.get(VENDOR, id, apiKey);
  if (!task) return sendXaiError(exchange, 404, `No video request with id ${id} was found.`);
  sendJson(exchange.response, ...result(exchange, context, task));
}

function result(exchange: Exchange, context: VideoContext, task: VideoTask): [number, unknown] {
  const phase = context.tasks.phase(task);
  if (phase === 'queued' || phase === 'running') {
    return [202, { status: 'pending', progress: context.tasks.progress(task), model: task.model }];
  }
  if (phase === 'failed' || phase === 'cancelled') {
    return [
      200,
      {
        status: 'failed',
        model: task.model,
        error: { code: 'internal_error', message: 'Video generation failed.' },
      },
    ];
  }
  const moderated = phase === 'moderated';
  const url = moderated
    ? ''
    : context.tasks.videoUrl(exchange, task, context.delivery, {
        ttlMs: ttl(context, URL_TTL_MS),
        style: 'cloudfront',
      });
  return [
    200,
    {
      status: 'done',
      progress: 100,
      model: task.model,
      video: { url, duration: task.seconds, respect_moderation: !moderated },
      usage: { cost_in_usd_ticks: task.seconds * TICKS_PER_SECOND },
    },
  ];
}
