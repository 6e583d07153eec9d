import type { Exchange } from '../http/exchange.ts';
import { sendJson, writeWithBackpressure } from '../http/send.ts';
import type { DeliveryStore } from '../images/delivery.ts';
import { type ImageUrlSettings, imageDirectives, urlTtl } from '../images/directives.ts';
import { renderImage } from '../images/render.ts';
import { authenticate } from '../openai-chat/authenticate.ts';
import { invalidRequest, openAiError, sendOpenAiError } from '../openai-chat/errors.ts';
import { responseHeaders } from '../openai-chat/headers.ts';
import { countTokens } from '../text/tokens.ts';
import { outputImageTokens } from './models.ts';
import { type ImageRequest, parseImageRequest } from './parse-request.ts';

export interface ImagesContext {
  apiKeys: readonly string[] | undefined;
  models: readonly string[] | undefined;
  delivery: DeliveryStore;
  urls: ImageUrlSettings;
}

/** DALL·E result URLs expire after an hour. @see https://platform.openai.com/docs/api-reference/images/create#images-create-response_format */
const URL_TTL_MS = 60 * 60 * 1000;

export const INVALID_JSON =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";

/**
 * `POST /v1/images/generations`. GPT image models answer `b64_json` with `usage` and echo the
 * resolved `size`, `quality`, `background` and `output_format`; DALL·E answers `url` (an expiring
 * link served by the simulator) or `b64_json`, and DALL·E 3 adds `revised_prompt`. Pictures are
 * PNGs of the requested size, deterministic from model and prompt.
 * @see https://platform.openai.com/docs/api-reference/images/create
 * @see https://platform.openai.com/docs/api-reference/images/object
 */
export async function handleImageGenerations(exchange: Exchange, context: ImagesContext): Promise<void> {
  const auth = authenticate(exchange, context.apiKeys);
  if (!auth.ok) return sendOpenAiError(exchange, 401, auth.error);
  if (!exchange.body.isJson) return sendOpenAiError(exchange, 400, invalidRequest(INVALID_JSON, null, null));
  const parsed = parseImageRequest(exchange.body.value);
  if (!parsed.ok) return sendOpenAiError(exchange, 400, parsed.error);
  const request = parsed.request;
  if (!checkModel(exchange, context, request)) return;
  await respondWithImages(exchange, context, request, 0);
}

/** With a `models` list, other models are 404 `model_not_found`; answers and returns false then. */
export function checkModel(exchange: Exchange, context: ImagesContext, request: ImageRequest): boolean {
  if (!context.models || context.models.includes(request.model)) return true;
  sendOpenAiError(
    exchange,
    404,
    invalidRequest(
      `The model \`${request.model}\` does not exist or you do not have access to it.`,
      null,
      'model_not_found',
    ),
  );
  return false;
}

/**
 * The `ImagesResponse` for a checked request (generation or edit): the safety refusal, else `n`
 * pictures; GPT image models add the resolved settings and `usage`, where `imageTokens` is what
 * the input images cost.
 * @see https://platform.openai.com/docs/api-reference/images/object
 */
export async function respondWithImages(
  exchange: Exchange,
  context: ImagesContext,
  request: ImageRequest,
  imageTokens: number,
): Promise<void> {
  if (imageDirectives(request.prompt).moderated) {
    sendOpenAiError(exchange, 400, moderationError(request));
    return;
  }
  const data = Array.from({ length: request.n }, (_, index) => renderData(exchange, context, request, index));
  const created = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = { created, data };
  if (request.rules.family === 'gpt-image') {
    const text = countTokens(request.prompt);
    const output = request.n * outputImageTokens(request.quality, request.width, request.height);
    const usage = {
      input_tokens: text + imageTokens,
      input_tokens_details: { text_tokens: text, image_tokens: imageTokens },
      output_tokens: output,
      total_tokens: text + imageTokens + output,
    };
    const settings = {
      background: request.background,
      output_format: request.outputFormat,
      size: request.size,
      quality: request.quality,
    };
    if (request.stream) return streamImages(exchange, request, data, { created, settings, usage });
    Object.assign(body, { ...settings, usage });
  }
  sendJson(exchange.response, 200, body, responseHeaders(exchange));
}

function renderData(
  exchange: Exchange,
  context: ImagesContext,
  request: ImageRequest,
  index: number,
): Record<string, unknown> {
  const image = renderImage({
    width: request.width,
    height: request.height,
    seedText: `${request.model}\u0000${request.prompt}`,
    index,
    transparentBackground: request.background === 'transparent',
  });
  const entry: Record<string, unknown> =
    request.responseFormat === 'url'
      ? {
          url: context.delivery.publish(exchange, image, {
            ttlMs: urlTtl(context.urls, URL_TTL_MS),
            style: 'azure-blob',
            name: `img-${index}.png`,
          }),
        }
      : { b64_json: image.bytes.toString('base64') };
  if (request.rules.family === 'dall-e-3')
    entry['revised_prompt'] = `A detailed rendering of: ${request.prompt}`;
  return entry;
}

/** What the safety system answers: GPT image models and DALL·E word it differently. */
function moderationError(request: ImageRequest) {
  const message =
    'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.';
  return request.rules.family === 'gpt-image'
    ? openAiError(message, 'image_generation_user_error', null, 'moderation_blocked')
    : openAiError(message, 'invalid_request_error', null, 'content_policy_violation');
}

/**
 * `stream: true` (GPT image models): per image, `partial_images` previews as
 * `image_generation.partial_image` events, then `image_generation.completed` with the image and
 * `usage`; `event:` + `data:` records, no `[DONE]`. Previews are the final picture (the simulator
 * has no coarser draft to show).
 * @see https://platform.openai.com/docs/api-reference/images-streaming
 */
async function streamImages(
  exchange: Exchange,
  request: ImageRequest,
  data: Array<Record<string, unknown>>,
  final: { created: number; settings: Record<string, unknown>; usage: Record<string, unknown> },
): Promise<void> {
  exchange.response.writeHead(200, {
    ...responseHeaders(exchange),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  const events: Array<Record<string, unknown>> = [];
  for (const entry of data) {
    const common = { b64_json: entry['b64_json'], created_at: final.created, ...final.settings };
    for (let index = 0; index < request.partialImages; index += 1) {
      events.push({ type: 'image_generation.partial_image', ...common, partial_image_index: index });
    }
    events.push({ type: 'image_generation.completed', ...common, usage: final.usage });
  }
  for (const event of events) {
    const record = `event: ${String(event['type'])}\ndata: ${JSON.stringify(event)}\n\n`;
    if (!(await writeWithBackpressure(exchange.response, record, exchange.signal))) return;
  }
  exchange.response.end();
}
