import { randomBytes } from 'node:crypto';
import { sendArkError } from '../ark-images/errors.ts';
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

const VENDOR = 'ark';
const TASKS = '/api/v3/contents/generations/tasks';
const TASK = /^\/api\/v3\/contents\/generations\/tasks\/([^/]+)$/;
/** Result URLs are temporary TOS links (24 hours). */
const URL_TTL_MS = 24 * 60 * 60 * 1000;
const RATIOS = ['16:9', '4:3', '1:1', '3:4', '9:16', '21:9', 'adaptive'];
const RESOLUTIONS = ['480p', '720p', '1080p'];
const FPS = 24;

/**
 * Seedance on Volcengine Ark / BytePlus ModelArk, the content-generation task API:
 * `POST /api/v3/contents/generations/tasks` → `{id}`; `GET …/tasks/{id}` → the task
 * (`queued` → `running` → `succeeded` | `failed`, or `cancelled`); `GET …/tasks` lists;
 * `DELETE …/tasks/{id}` cancels a queued task or deletes a finished one's record.
 * @see https://docs.byteplus.com/en/docs/ModelArk
 * @see https://github.com/volcengine/volcengine-python-sdk (volcenginesdkarkruntime content_generation tasks)
 */
export function createArkVideoApi(context: VideoContext): SimApi {
  return {
    routes: [
      { method: 'POST', path: TASKS, handle: (exchange) => withKey(exchange, context, createTask) },
      { method: 'GET', path: TASKS, handle: (exchange) => withKey(exchange, context, listTasks) },
      {
        method: 'GET',
        path: TASK,
        modelOf: (exchange) => taskModel(context, exchange.path),
        handle: (exchange) => withKey(exchange, context, getTask),
      },
      {
        method: 'DELETE',
        path: TASK,
        modelOf: (exchange) => taskModel(context, exchange.path),
        handle: (exchange) => withKey(exchange, context, deleteTask),
      },
    ],
    sendError: (exchange, status, message) =>
      sendArkError(exchange, status, message === undefined ? undefined : { message }),
    reset: () => undefined,
  };
}

type Handler = (exchange: Exchange, context: VideoContext, apiKey: string) => Promise<void>;

function taskModel(context: VideoContext, path: string): string | undefined {
  const id = TASK.exec(path)?.[1] ?? '';
  return context.tasks.get(VENDOR, id)?.model;
}

async function withKey(exchange: Exchange, context: VideoContext, handler: Handler): Promise<void> {
  const key = authToken(exchange, 'Bearer');
  if (!keyAccepted(context, key)) {
    return sendArkError(exchange, 401, {
      code: 'AuthenticationError',
      message: 'The API key or AK/SK in the request is missing or invalid.',
      type: 'Unauthorized',
    });
  }
  await handler(exchange, context, key);
}

function invalid(exchange: Exchange, param: string, message: string): void {
  sendArkError(exchange, 400, { code: 'InvalidParameter', message, param, type: 'BadRequest' });
}

/** Seedance 1.x reads `--ratio`, `--duration`/`--dur`, `--resolution`/`--rs` from the text too. */
function textOption(text: string, names: string[]): string | undefined {
  for (const name of names) {
    const match = new RegExp(`--${name}\\s+(\\S+)`).exec(text);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

async function createTask(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  if (!exchange.body.isJson || !isRecord(exchange.body.value)) {
    return invalid(exchange, '', 'The request body is not valid JSON.');
  }
  const body = exchange.body.value;
  const model = body['model'];
  if (typeof model !== 'string' || model === '')
    return invalid(exchange, 'model', 'The parameter `model` is required.');
  if (!(/seedance/.test(model) || model.startsWith('ep-')) || !modelServed(context, model)) {
    return sendArkError(exchange, 404, {
      code: 'InvalidEndpointOrModel.NotFound',
      message: `The model or endpoint ${model} does not exist or you do not have access to it.`,
      type: 'NotFound',
    });
  }
  const content = body['content'];
  if (!Array.isArray(content) || content.length === 0) {
    return invalid(exchange, 'content', 'The parameter `content` must be a non-empty array.');
  }
  let text = '';
  let images = 0;
  for (const [index, item] of content.entries()) {
    if (!isRecord(item))
      return invalid(exchange, `content[${index}]`, 'Each content item must be an object.');
    if (item['type'] === 'text' && typeof item['text'] === 'string') text += item['text'];
    else if (
      item['type'] === 'image_url' &&
      isRecord(item['image_url']) &&
      typeof item['image_url']['url'] === 'string'
    )
      images += 1;
    else
      return invalid(exchange, `content[${index}].type`, 'The content type must be `text` or `image_url`.');
  }
  if (text.trim() === '' && images === 0) {
    return invalid(exchange, 'content', 'The request needs a text prompt or an image.');
  }
  const ratio = String(
    body['ratio'] ?? textOption(text, ['ratio', 'rt']) ?? (images > 0 ? 'adaptive' : '16:9'),
  );
  if (!RATIOS.includes(ratio))
    return invalid(exchange, 'ratio', `The parameter \`ratio\` ${ratio} is not supported.`);
  const resolution = String(body['resolution'] ?? textOption(text, ['resolution', 'rs']) ?? '720p');
  if (!RESOLUTIONS.includes(resolution)) {
    return invalid(exchange, 'resolution', `The parameter \`resolution\` ${resolution} is not supported.`);
  }
  const duration = Number(body['duration'] ?? textOption(text, ['duration', 'dur']) ?? 5);
  if (!Number.isInteger(duration) || duration < 2 || duration > 12) {
    return invalid(exchange, 'duration', 'The parameter `duration` must be an integer between 2 and 12.');
  }
  const seed = typeof body['seed'] === 'number' ? body['seed'] : Math.floor(Math.random() * 2 ** 31);
  const id = `cgt-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  context.tasks.create({
    vendor: VENDOR,
    id,
    model,
    prompt: text,
    apiKey,
    seconds: duration,
    ...clipSize(resolution, ratio === 'adaptive' ? '16:9' : ratio),
    params: { ratio, resolution, seed, watermark: body['watermark'] === true },
  });
  sendJson(exchange.response, 200, { id });
}

function taskObject(exchange: Exchange, context: VideoContext, task: VideoTask): Record<string, unknown> {
  const phase = context.tasks.phase(task);
  const status =
    phase === 'moderated'
      ? 'failed'
      : phase === 'cancelled'
        ? 'cancelled'
        : phase === 'succeeded'
          ? 'succeeded'
          : phase;
  const updated = phase === 'queued' ? task.createdAt : phase === 'running' ? task.startsAt : task.finishesAt;
  const object: Record<string, unknown> = {
    id: task.id,
    model: task.model,
    status,
    created_at: Math.floor(task.createdAt / 1000),
    updated_at: Math.floor(Math.max(updated, task.cancelledAt ?? 0) / 1000),
    seed: task.params['seed'],
    resolution: task.params['resolution'],
    ratio: task.params['ratio'],
    duration: task.seconds,
    framespersecond: FPS,
  };
  if (phase === 'succeeded') {
    object['content'] = {
      video_url: context.tasks.videoUrl(exchange, task, context.delivery, {
        ttlMs: ttl(context, URL_TTL_MS),
        style: 'tos',
      }),
    };
    const tokens = Math.round((task.width * task.height * FPS * task.seconds) / 1024);
    object['usage'] = { completion_tokens: tokens, total_tokens: tokens };
  }
  if (phase === 'failed') {
    object['error'] = {
      code: 'InternalServiceError',
      message: 'The service encountered an unexpected internal error.',
    };
  }
  if (phase === 'moderated') {
    object['error'] = {
      code: 'OutputVideoSensitiveContentDetected',
      message: 'The request failed because the output video may contain sensitive information.',
    };
  }
  return object;
}

async function notFound(exchange: Exchange, id: string): Promise<void> {
  sendArkError(exchange, 404, {
    code: 'ResourceNotFound',
    message: `The specified task ${id} is not found.`,
    type: 'NotFound',
  });
}

async function getTask(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const id = TASK.exec(exchange.path)?.[1] ?? '';
  const task = context.tasks.get(VENDOR, id, apiKey);
  if (!task) return notFound(exchange, id);
  sendJson(exchange.response, 200, taskObject(exchange, context, task));
}

/** `GET …/tasks?page_num&page_size&filter.status&filter.model&filter.task_ids`. */
async function listTasks(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const query = queryParams(exchange);
  const pageNum = Math.max(1, Number(query.get('page_num') ?? 1) || 1);
  const pageSize = Math.min(500, Math.max(1, Number(query.get('page_size') ?? 10) || 10));
  const ids = query.getAll('filter.task_ids');
  const items = context.tasks
    .list(VENDOR, apiKey)
    .map((task) => taskObject(exchange, context, task))
    .filter((item) => !query.get('filter.status') || item['status'] === query.get('filter.status'))
    .filter((item) => !query.get('filter.model') || item['model'] === query.get('filter.model'))
    .filter((item) => ids.length === 0 || ids.includes(String(item['id'])))
    .reverse();
  sendJson(exchange.response, 200, {
    items: items.slice((pageNum - 1) * pageSize, pageNum * pageSize),
    total: items.length,
  });
}

/**
 * By the task's status: `queued` → cancelled; `succeeded` / `failed` → the record is deleted;
 * `running` or `cancelled` → refused (the status and code of that refusal are the simulator's
 * choice; the docs say only that it is an error).
 */
async function deleteTask(exchange: Exchange, context: VideoContext, apiKey: string): Promise<void> {
  const id = TASK.exec(exchange.path)?.[1] ?? '';
  const task = context.tasks.get(VENDOR, id, apiKey);
  if (!task) return notFound(exchange, id);
  const phase = context.tasks.phase(task);
  if (phase === 'running' || phase === 'cancelled') {
    return sendArkError(exchange, 409, {
      code: 'InvalidAction.TaskStatus',
      message: `The task ${id} is ${phase} and cannot be cancelled or deleted.`,
      type: 'Conflict',
    });
  }
  if (phase === 'queued') context.tasks.cancelQueued(task);
  else context.tasks.delete(task.id);
  sendJson(exchange.response, 200, {});
}
