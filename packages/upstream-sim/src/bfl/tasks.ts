import { randomUUID } from 'node:crypto';
import { type Exchange, headerValue } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { baseUrl, type DeliveryStore } from '../images/delivery.ts';
import { type ImageUrlSettings, imageDirectives, urlTtl } from '../images/directives.ts';
import { renderImage } from '../images/render.ts';
import { sendBflError, sendValidation } from './errors.ts';
import { fluxCost, fluxModel } from './models.ts';
import { type FluxRequest, parseFluxRequest } from './parse-request.ts';

export interface BflContext {
  apiKeys: readonly string[] | undefined;
  delivery: DeliveryStore;
  urls: ImageUrlSettings;
  /** How long a task stays `Pending` before it settles. */
  pendingMs: number;
  tasks: Map<string, FluxTask>;
}

type Outcome = 'Ready' | 'Request Moderated' | 'Content Moderated' | 'Error';

export interface FluxTask {
  id: string;
  model: string;
  request: FluxRequest;
  apiKey: string;
  submittedAt: number;
  readyAt: number;
  outcome: Outcome;
  sampleUrl: string | undefined;
}

/** `result.sample` links expire after 10 minutes. @see https://docs.bfl.ai/api_integration/integration_guidelines */
const SAMPLE_TTL_MS = 10 * 60 * 1000;

export const SUBMIT_PATH = /^\/v1\/(flux-[a-z0-9.-]+)$/;

/**
 * `x-key: <key>` on every call. No key → 403 `Not authenticated`; an unknown key → 403
 * `Invalid API key`.
 * @see https://docs.bfl.ai/quick_start/generating_images
 */
function authenticate(exchange: Exchange, apiKeys: readonly string[] | undefined): string | undefined {
  const key = headerValue(exchange.request, 'x-key')?.trim() ?? '';
  if (key === '') {
    sendBflError(exchange, 403, 'Not authenticated');
    return undefined;
  }
  if (apiKeys && !apiKeys.includes(key)) {
    sendBflError(exchange, 403, 'Invalid API key');
    return undefined;
  }
  return key;
}

/**
 * `POST /v1/<model>`: validates, queues the task and answers `{id, polling_url, cost, input_mp,
 * output_mp}`. The polling URL is absolute; clients must use it as given.
 * @see https://docs.bfl.ai/api-reference/models/generate-or-edit-an-image-with-flux2-[pro]
 */
export async function handleSubmit(exchange: Exchange, context: BflContext): Promise<void> {
  const name = SUBMIT_PATH.exec(exchange.path)?.[1] ?? '';
  const model = fluxModel(name);
  if (!model) return sendBflError(exchange, 404, 'Not Found');
  const apiKey = authenticate(exchange, context.apiKeys);
  if (apiKey === undefined) return;
  const parsed = parseFluxRequest(exchange.body.isJson ? exchange.body.value : undefined, model);
  if (!parsed.ok) return sendValidation(exchange, parsed.problems);
  const { request } = parsed;
  const directives = imageDirectives(request.prompt);
  const outcome: Outcome =
    directives.moderated === 'input'
      ? 'Request Moderated'
      : directives.moderated === 'output'
        ? 'Content Moderated'
        : directives.fail
          ? 'Error'
          : 'Ready';
  const id = randomUUID();
  const now = Date.now();
  context.tasks.set(id, {
    id,
    model: name,
    request,
    apiKey,
    submittedAt: now,
    readyAt: now + context.pendingMs,
    outcome,
    sampleUrl: undefined,
  });
  const outputMp = round2((request.width * request.height) / 1_000_000);
  sendJson(
    exchange.response,
    200,
    {
      id,
      polling_url: `${baseUrl(exchange)}/v1/get_result?id=${id}`,
      cost: fluxCost(model, request.width, request.height),
      input_mp: round2(request.inputImages.length * 1.048576),
      output_mp: outputMp,
    },
    { 'x-request-id': exchange.requestId },
  );
}

/**
 * `GET /v1/get_result?id=…`: `Pending` (with `progress`) until the task settles, then `Ready`
 * with `result.sample` (a signed delivery URL, valid 10 minutes), or `Request Moderated` /
 * `Content Moderated` / `Error` with `result: null` and reasons in `details`. An unknown id (or
 * another key's) → 404 `Task not found`.
 * @see https://docs.bfl.ai/api-reference/utility/get-result
 */
export async function handleGetResult(exchange: Exchange, context: BflContext): Promise<void> {
  const apiKey = authenticate(exchange, context.apiKeys);
  if (apiKey === undefined) return;
  const id = new URLSearchParams(exchange.record.query.replace(/^\?/, '')).get('id') ?? '';
  const task = context.tasks.get(id);
  const blank = { id, result: null, progress: null, details: null, preview: null };
  if (!task || task.apiKey !== apiKey) {
    return sendJson(exchange.response, 404, { ...blank, status: 'Task not found' });
  }
  const now = Date.now();
  if (now < task.readyAt) {
    const progress = Math.min(0.99, (now - task.submittedAt) / Math.max(1, task.readyAt - task.submittedAt));
    return sendJson(exchange.response, 200, { ...blank, status: 'Pending', progress: round2(progress) });
  }
  if (task.outcome !== 'Ready') {
    const details =
      task.outcome === 'Error'
        ? { error: 'Internal error while generating the image' }
        : { 'Moderation Reasons': [task.outcome === 'Request Moderated' ? 'Prompt' : 'Output image'] };
    return sendJson(exchange.response, 200, { ...blank, status: task.outcome, details });
  }
  if (!task.sampleUrl) {
    const image = renderImage({
      width: task.request.width,
      height: task.request.height,
      seedText: `${task.model}\u0000${task.request.prompt}\u0000${task.request.seed}`,
    });
    task.sampleUrl = context.delivery.publish(exchange, image, {
      ttlMs: urlTtl(context.urls, SAMPLE_TTL_MS),
      style: 'azure-blob',
      name: 'sample.png',
    });
  }
  const startTime = task.submittedAt / 1000;
  const endTime = task.readyAt / 1000;
  return sendJson(exchange.response, 200, {
    ...blank,
    status: 'Ready',
    result: {
      sample: task.sampleUrl,
      prompt: task.request.prompt,
      seed: task.request.seed,
      start_time: startTime,
      end_time: endTime,
      duration: round2(endTime - startTime),
    },
  });
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
