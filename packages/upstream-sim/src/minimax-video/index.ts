import { randomInt } from 'node:crypto';
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

const VENDOR = 'minimax';
/** `download_url` links are valid for 9 hours (32 400 s). */
const URL_TTL_MS = 9 * 60 * 60 * 1000;

/** Durations and resolutions per model: Hailuo 02 / 2.3 6 s (768P, 1080P) or 10 s (768P). */
function resolutionsFor(model: string, duration: number): string[] {
  if (/Hailuo/i.test(model)) return duration === 6 ? ['512P', '768P', '1080P'] : ['512P', '768P'];
  return ['720P'];
}

const MODELS =
  /^(MiniMax-Hailuo-02|MiniMax-Hailuo-2\.3(?:-Fast)?|T2V-01(?:-Director)?|I2V-01(?:-Director|-live)?|S2V-01)$/;

/**
 * MiniMax Hailuo video: `POST /v1/video_generation` → `{task_id, base_resp}`;
 * `GET /v1/query/video_generation?task_id=` → `status` `Preparing` → `Queueing` → `Processing` →
 * `Success` (with `file_id`) | `Fail`; `GET /v1/files/retrieve?file_id=` → `file.download_url`.
 * MiniMax answers errors with HTTP 200 and a non-zero `base_resp.status_code` (1004 auth,
 * 2013 invalid parameters, 1026 / 1027 sensitive input / output).
 * @see https://platform.minimax.io/docs/api-reference/video/generation/api/openapi.json
 * @see https://platform.minimax.io/docs/api-reference/video-generation-download
 */
export function createMiniMaxVideoApi(context: VideoContext): SimApi {
  return {
    routes: [
      {
        method: 'POST',
        path: '/v1/video_generation',
        handle: (exchange) => withKey(exchange, context, create),
      },
      {
        method: 'GET',
        path: '/v1/query/video_generation',
        handle: (exchange) => withKey(exchange, context, query),
      },
      {
        method: 'GET',
        path: '/v1/files/retrieve',
        handle: (exchange) => withKey(exchange, context, retrieve),
      },
    ],
    sendError: (exchange, status, message) =>
      sendBaseResp(exchange, status, status >= 500 ? 1000 : 2013, message),
    reset: () => undefined,
  };
}

function sendBaseResp(
  exchange: Exchange,
  status: number,
  code: number,
  message?: string,
  extra: Record<string, unknown> = {},
): void {
  sendJson(
    exchange.response,
    status,
    {
      ...extra,
      base_resp: { status_code: code, status_msg: message ?? (code === 0 ? 'success' : 'unknown error') },
    },
    { 'trace-id': exchange.requestId.replace(/^req_/, '') },
  );
}

type Handler = (exchange: Exchange, context: VideoContext, apiKey: string) => Promise<void>;

async function withKey(exchange: Exchange, context: VideoContext, handler: Handler): Promise<void> {
  const key = authToken(exchange, 'Bearer');
  if (!keyAccepted(context, key)) {
    return sendBaseResp(
      exchange,
      200,
      1004,
      "login fail: Please carry the API secret key in the 'Authorization' field of the request header",
    );
  }
  await handler(exchange, context, key);
}

async function create(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const body = exchange.body.isJson && isRecord(exchange.body.value) ? exchange.body.value : undefined;
  if (!body) return sendBaseResp(exchange, 200, 2013, 'invalid params, request body is not valid JSON');
  const model = body['model'];
  if (typeof model !== 'string' || !MODELS.test(model) || !modelServed(context, model)) {
    return sendBaseResp(exchange, 200, 2013, `invalid params, model ${String(model)} is not supported`);
  }
  const prompt = body['prompt'] ?? '';
  const image = body['first_frame_image'];
  if (typeof prompt !== 'string' || prompt.length > 2000) {
    return sendBaseResp(
      exchange,
      200,
      2013,
      'invalid params, prompt must be a string of at most 2000 characters',
    );
  }
  if (prompt.trim() === '' && typeof image !== 'string') {
    return sendBaseResp(exchange, 200, 2013, 'invalid params, prompt is required');
  }
  if (model.startsWith('I2V') && typeof image !== 'string') {
    return sendBaseResp(exchange, 200, 2013, 'invalid params, first_frame_image is required');
  }
  const duration = Number(body['duration'] ?? 6);
  if (duration !== 6 && duration !== 10)
    return sendBaseResp(exchange, 200, 2013, 'invalid params, duration must be 6 or 10');
  const resolutions = resolutionsFor(model, duration);
  const resolution = String(body['resolution'] ?? (resolutions.includes('768P') ? '768P' : resolutions[0]));
  if (!resolutions.includes(resolution)) {
    return sendBaseResp(
      exchange,
      200,
      2013,
      `invalid params, resolution ${resolution} is not supported for ${duration}s`,
    );
  }
  const id = String(randomInt(100_000_000_000, 999_999_999_999)) + String(randomInt(100, 999));
  const size = resolution === '768P' ? { width: 1366, height: 768 } : clipSize(resolution, '16:9');
  context.tasks.create({
    vendor: VENDOR,
    id,
    model,
    prompt,
    apiKey,
    seconds: duration,
    ...size,
    params: { fileId: randomInt(100_000_000_000, 999_999_999_999) },
  });
  sendBaseResp(exchange, 200, 0, 'success', { task_id: id });
}

function status(context: VideoContext, task: VideoTask): string {
  const phase = context.tasks.phase(task);
  if (phase === 'queued')
    return Date.now() < task.createdAt + (task.startsAt - task.createdAt) / 2 ? 'Preparing' : 'Queueing';
  if (phase === 'running') return 'Processing';
  return phase === 'succeeded' ? 'Success' : 'Fail';
}

async function query(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const id = queryParams(exchange).get('task_id') ?? '';
  const task = context.tasks.get(VENDOR, id, apiKey);
  if (!task) return sendBaseResp(exchange, 200, 2013, `invalid params, task_id ${id} not found`);
  const current = status(context, task);
  const phase = context.tasks.phase(task);
  if (phase === 'moderated') {
    return sendBaseResp(exchange, 200, 1027, 'output new_sensitive', {
      task_id: id,
      status: 'Fail',
      file_id: '',
    });
  }
  if (current === 'Success') {
    return sendBaseResp(exchange, 200, 0, 'success', {
      task_id: id,
      status: current,
      file_id: String(task.params['fileId']),
      video_width: task.width,
      video_height: task.height,
    });
  }
  if (current === 'Fail') {
    return sendBaseResp(exchange, 200, 1000, 'unknown error, video generation failed', {
      task_id: id,
      status: current,
      file_id: '',
    });
  }
  sendBaseResp(exchange, 200, 0, 'success', { task_id: id, status: current, file_id: '' });
}

async function retrieve(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const fileId = queryParams(exchange).get('file_id') ?? '';
  const task = context.tasks
    .list(VENDOR, apiKey)
    .find(
      (candidate) =>
        String(candidate.params['fileId']) === fileId && context.tasks.phase(candidate) === 'succeeded',
    );
  if (!task)
    return sendBaseResp(exchange, 200, 2013, `invalid params, file_id ${fileId} not found`, { file: null });
  const url = context.tasks.videoUrl(exchange, task, context.delivery, {
    ttlMs: ttl(context, URL_TTL_MS),
    style: 'oss',
  });
  sendBaseResp(exchange, 200, 0, 'success', {
    file: {
      file_id: Number(fileId),
      bytes: context.tasks.videoBytes(task).length,
      created_at: Math.floor(task.finishesAt / 1000),
      filename: 'output_aigc.mp4',
      purpose: 'video_generation',
      download_url: url,
    },
  });
}
