import { randomUUID } from 'node:crypto';
import type { Exchange } from '../http/exchange.ts';
import { authToken } from '../http/query.ts';
import { sendJson } from '../http/send.ts';
import { isRecord } from '../json.ts';
import type { SimApi } from '../sim-api.ts';
import { keyAccepted, modelServed, ttl, type VideoContext, type VideoTask } from '../video/tasks.ts';

const VENDOR = 'dashscope';
const SYNTHESIS = '/api/v1/services/aigc/video-generation/video-synthesis';
const TASK = /^\/api\/v1\/tasks\/([^/]+)$/;
const CANCEL = /^\/api\/v1\/tasks\/([^/]+)\/cancel$/;
/** The video URL is kept 24 hours. */
const URL_TTL_MS = 24 * 60 * 60 * 1000;
const TIERS: Record<string, string[]> = {
  '480P': ['832*480', '480*832', '624*624'],
  '720P': ['1280*720', '720*1280', '960*960', '1088*832', '832*1088'],
  '1080P': ['1920*1080', '1080*1920', '1440*1440', '1632*1248', '1248*1632'],
};

/**
 * Alibaba Cloud Model Studio (DashScope) Wan video: `POST
 * /api/v1/services/aigc/video-generation/video-synthesis` with `X-DashScope-Async: enable` (the
 * HTTP API is async only; without the header → 403 AccessDenied) → `{request_id, output:{task_id,
 * task_status:"PENDING"}}`; `GET /api/v1/tasks/{task_id}` → `PENDING` → `RUNNING` → `SUCCEEDED`
 * (`output.video_url`, `usage`) | `FAILED` (`output.code`, `output.message`) | `CANCELED`, and
 * `UNKNOWN` for an unknown or expired task; `POST /api/v1/tasks/{task_id}/cancel` while PENDING.
 * Errors: `{request_id, code, message}`.
 * @see https://www.alibabacloud.com/help/en/model-studio/text-to-video-api-reference
 * @see https://www.alibabacloud.com/help/en/model-studio/image-to-video-api-reference
 */
export function createDashScopeApi(context: VideoContext): SimApi {
  return {
    routes: [
      { method: 'POST', path: SYNTHESIS, handle: (exchange) => withKey(exchange, context, create) },
      { method: 'GET', path: TASK, handle: (exchange) => withKey(exchange, context, getTask) },
      { method: 'POST', path: CANCEL, handle: (exchange) => withKey(exchange, context, cancel) },
    ],
    claimsPath: (path) => path.startsWith('/api/v1/'),
    sendError: (exchange, status, message) => sendDashScopeError(exchange, status, undefined, message),
    reset: () => undefined,
  };
}

const STATUS_CODES: Record<number, { code: string; message: string }> = {
  400: { code: 'InvalidParameter', message: 'The request is invalid.' },
  401: { code: 'InvalidApiKey', message: 'Invalid API-key provided.' },
  403: { code: 'AccessDenied', message: 'Access denied.' },
  404: { code: 'NotFound', message: 'Not found.' },
  429: { code: 'Throttling.RateQuota', message: 'Requests rate limit exceeded, please try again later.' },
  500: {
    code: 'InternalError',
    message: 'An internal error has occured, please try again later or contact service support.',
  },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' },
};

function sendDashScopeError(exchange: Exchange, status: number, code?: string, message?: string): void {
  const known = STATUS_CODES[status];
  sendJson(exchange.response, status, {
    request_id: requestId(exchange),
    code: code ?? known?.code ?? (status >= 500 ? 'InternalError' : 'InvalidParameter'),
    message: message ?? known?.message ?? `Request failed with status ${status}.`,
  });
}

function requestId(exchange: Exchange): string {
  const hex = exchange.requestId.replace(/^req_/, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

type Handler = (exchange: Exchange, context: VideoContext, apiKey: string) => Promise<void>;

async function withKey(exchange: Exchange, context: VideoContext, handler: Handler): Promise<void> {
  const key = authToken(exchange, 'Bearer');
  if (!keyAccepted(context, key)) return sendDashScopeError(exchange, 401);
  await handler(exchange, context, key);
}

function invalid(exchange: Exchange, message: string): void {
  sendDashScopeError(exchange, 400, 'InvalidParameter', message);
}

async function create(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  if (exchange.request.headers['x-dashscope-async'] !== 'enable') {
    return sendDashScopeError(
      exchange,
      403,
      'AccessDenied',
      'current user api does not support synchronous calls',
    );
  }
  const body = exchange.body.isJson && isRecord(exchange.body.value) ? exchange.body.value : undefined;
  if (!body) return invalid(exchange, 'The request body is not valid JSON.');
  const model = body['model'];
  if (typeof model !== 'string' || model === '') return invalid(exchange, 'Model not specified.');
  if (!/^wan/.test(model) || !modelServed(context, model)) return invalid(exchange, 'Model not exist.');
  const input = isRecord(body['input']) ? body['input'] : undefined;
  if (!input) return invalid(exchange, 'Field required: input');
  const parameters = isRecord(body['parameters']) ? body['parameters'] : {};
  const prompt = typeof input['prompt'] === 'string' ? input['prompt'] : '';
  const imageToVideo =
    /i2v/.test(model) || typeof input['img_url'] === 'string' || typeof input['first_frame_url'] === 'string';
  if (
    imageToVideo &&
    typeof input['img_url'] !== 'string' &&
    typeof input['first_frame_url'] !== 'string' &&
    !Array.isArray(input['media'])
  ) {
    return invalid(exchange, 'Field required: input.img_url');
  }
  if (!imageToVideo && prompt.trim() === '') return invalid(exchange, 'Field required: input.prompt');
  if (prompt.length > 2000) return invalid(exchange, 'Range of input.prompt length should be [0, 2000]');
  const duration = Number(parameters['duration'] ?? 5);
  if (!Number.isInteger(duration) || duration < 2 || duration > 15) {
    return invalid(exchange, 'The duration parameter is invalid; it must be an integer between 2 and 15.');
  }
  let width = 1280;
  let height = 720;
  let resolution = String(parameters['resolution'] ?? '720P');
  if (typeof parameters['size'] === 'string') {
    const size = parameters['size'];
    const tier = Object.entries(TIERS).find(([, sizes]) => sizes.includes(size));
    if (!tier) return invalid(exchange, `The size parameter is invalid: ${size}.`);
    [width, height] = size.split('*').map(Number) as [number, number];
    resolution = tier[0];
  } else if (TIERS[resolution]) {
    [width, height] = (TIERS[resolution]?.[0] ?? '1280*720').split('*').map(Number) as [number, number];
  } else {
    return invalid(exchange, `The resolution parameter is invalid: ${resolution}.`);
  }
  const task = context.tasks.create({
    vendor: VENDOR,
    id: randomUUID(),
    model,
    prompt,
    apiKey,
    seconds: duration,
    width,
    height,
    params: { resolution, size: `${width}*${height}` },
  });
  sendJson(exchange.response, 200, {
    request_id: requestId(exchange),
    output: { task_id: task.id, task_status: 'PENDING' },
  });
}

/** `2025-01-08 16:43:51.123`, DashScope's timestamp format (Beijing time). */
function timestamp(ms: number): string {
  return new Date(ms + 8 * 60 * 60 * 1000).toISOString().replace('T', ' ').replace('Z', '');
}

async function getTask(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const id = TASK.exec(exchange.path)?.[1] ?? '';
  const task = context.tasks.get(VENDOR, id, apiKey);
  if (!task) {
    return sendJson(exchange.response, 200, {
      request_id: requestId(exchange),
      output: { task_id: id, task_status: 'UNKNOWN' },
    });
  }
  sendJson(exchange.response, 200, taskBody(exchange, context, task));
}

function taskBody(exchange: Exchange, context: VideoContext, task: VideoTask): Record<string, unknown> {
  const phase = context.tasks.phase(task);
  const status: Record<typeof phase, string> = {
    queued: 'PENDING',
    running: 'RUNNING',
    succeeded: 'SUCCEEDED',
    failed: 'FAILED',
    moderated: 'FAILED',
    cancelled: 'CANCELED',
  };
  const output: Record<string, unknown> = {
    task_id: task.id,
    task_status: status[phase],
    submit_time: timestamp(task.createdAt),
  };
  if (phase !== 'queued' && phase !== 'cancelled') output['scheduled_time'] = timestamp(task.startsAt);
  const body: Record<string, unknown> = { request_id: requestId(exchange), output };
  if (phase === 'succeeded') {
    output['end_time'] = timestamp(task.finishesAt);
    output['orig_prompt'] = task.prompt;
    output['actual_prompt'] = task.prompt;
    output['video_url'] = context.tasks.videoUrl(exchange, task, context.delivery, {
      ttlMs: ttl(context, URL_TTL_MS),
      style: 'oss',
    });
    body['usage'] = {
      duration: task.seconds,
      output_video_duration: task.seconds,
      video_count: 1,
      SR: Number(String(task.params['resolution']).replace('P', '')),
      size: task.params['size'],
    };
  }
  if (phase === 'failed') {
    output['end_time'] = timestamp(task.finishesAt);
    output['code'] = 'InternalError';
    output['message'] = 'An internal error has occured during execution, please try again later.';
  }
  if (phase === 'moderated') {
    output['end_time'] = timestamp(task.finishesAt);
    output['code'] = 'DataInspectionFailed';
    output['message'] = 'Output data may contain inappropriate content.';
  }
  return body;
}

async function cancel(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const id = CANCEL.exec(exchange.path)?.[1] ?? '';
  const task = context.tasks.get(VENDOR, id, apiKey);
  if (!task || !context.tasks.cancelQueued(task)) {
    return sendDashScopeError(
      exchange,
      400,
      'UnsupportedOperation',
      'Failed to cancel the task, please confirm if the task is in PENDING status.',
    );
  }
  sendJson(exchange.response, 200, { request_id: requestId(exchange) });
}
