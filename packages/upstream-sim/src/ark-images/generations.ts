import { type Exchange, headerValue } from '../http/exchange.ts';
import { sendJson, writeWithBackpressure } from '../http/send.ts';
import type { DeliveryStore } from '../images/delivery.ts';
import { type ImageUrlSettings, imageDirectives, urlTtl } from '../images/directives.ts';
import { renderImage } from '../images/render.ts';
import { arkRequestId, sendArkError } from './errors.ts';
import { parseSeedreamRequest, type SeedreamRequest } from './parse-request.ts';

export interface ArkImagesContext {
  apiKeys: readonly string[] | undefined;
  models: readonly string[] | undefined;
  delivery: DeliveryStore;
  urls: ImageUrlSettings;
}

/** Result URLs are signed TOS links valid for 24 hours. */
const URL_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * `POST /api/v3/images/generations` (Volcengine Ark and BytePlus ModelArk share the API):
 * `Authorization: Bearer <ARK_API_KEY>`; one image, or with `sequential_image_generation: "auto"`
 * a set of up to `max_images` (how many the "model decides" is `[[sim:images=N]]`, else
 * `max_images` when given, else 1). Answers `{model, created, data:[{url|b64_json, size}],
 * usage:{input_images, generated_images, output_tokens, total_tokens}}`; output tokens are width × height / 256
 * per image. `stream: true` sends `image_generation.partial_succeeded` per image, then
 * `image_generation.completed` and `[DONE]`.
 * Field names of the stream events and `usage` follow the official SDK's types (`created_at` on
 * events).
 * @see https://docs.byteplus.com/en/docs/ModelArk/1541523
 * @see https://github.com/volcengine/volcengine-python-sdk/tree/master/volcenginesdkarkruntime/types/images
 */
export async function handleSeedream(exchange: Exchange, context: ArkImagesContext): Promise<void> {
  const header = headerValue(exchange.request, 'authorization') ?? '';
  const key = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
  if (key === '' || (context.apiKeys && !context.apiKeys.includes(key))) {
    return sendArkError(exchange, 401, {
      code: 'AuthenticationError',
      message: 'The API key or AK/SK in the request is missing or invalid.',
      type: 'Unauthorized',
    });
  }
  if (!exchange.body.isJson) {
    return sendArkError(exchange, 400, {
      code: 'InvalidParameter',
      message: 'The request body is not valid JSON.',
    });
  }
  const parsed = parseSeedreamRequest(exchange.body.value);
  if (!parsed.ok) return sendArkError(exchange, parsed.status, parsed.error);
  const { request } = parsed;
  const known = /seed(ream|edit)/.test(request.model) || request.model.startsWith('ep-');
  if (!known || (context.models && !context.models.includes(request.model))) {
    return sendArkError(exchange, 404, {
      code: 'InvalidEndpointOrModel.NotFound',
      message: `The model or endpoint ${request.model} does not exist or you do not have access to it.`,
      type: 'NotFound',
    });
  }
  const directives = imageDirectives(request.prompt);
  if (directives.moderated) {
    const input = directives.moderated === 'input';
    return sendArkError(exchange, 400, {
      code: input ? 'InputTextSensitiveContentDetected' : 'OutputImageSensitiveContentDetected',
      message: input
        ? 'The request failed because the input text may contain sensitive information.'
        : 'The request failed because the output image may contain sensitive information.',
    });
  }
  if (directives.fail) return sendArkError(exchange, 500);

  const count = request.sequential
    ? Math.max(1, Math.min(request.maxImages, directives.images ?? request.askedImages ?? 1))
    : 1;
  const requestId = arkRequestId();
  const created = Math.floor(Date.now() / 1000);
  const data = Array.from({ length: count }, (_, index) => renderEntry(exchange, context, request, index));
  const outputTokens = count * Math.round((request.width * request.height) / 256);
  const usage = {
    input_images: request.images.length,
    generated_images: count,
    output_tokens: outputTokens,
    total_tokens: outputTokens,
  };
  if (!request.stream) {
    return sendJson(
      exchange.response,
      200,
      { model: request.model, created, data, usage },
      { 'x-request-id': requestId },
    );
  }
  exchange.response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-request-id': requestId,
  });
  const events = [
    ...data.map((entry, index) => ({
      type: 'image_generation.partial_succeeded',
      model: request.model,
      created_at: created,
      image_index: index,
      ...entry,
    })),
    { type: 'image_generation.completed', model: request.model, created_at: created, usage },
  ];
  for (const event of events) {
    if (
      !(await writeWithBackpressure(exchange.response, `data: ${JSON.stringify(event)}\n\n`, exchange.signal))
    )
      return;
  }
  if (await writeWithBackpressure(exchange.response, 'data: [DONE]\n\n', exchange.signal))
    exchange.response.end();
}

function renderEntry(
  exchange: Exchange,
  context: ArkImagesContext,
  request: SeedreamRequest,
  index: number,
): Record<string, unknown> {
  const image = renderImage({
    width: request.width,
    height: request.height,
    seedText: `${request.model}\u0000${request.prompt}\u0000${request.seed ?? ''}`,
    index,
  });
  const size = `${request.width}x${request.height}`;
  if (request.responseFormat === 'b64_json') return { b64_json: image.bytes.toString('base64'), size };
  const url = context.delivery.publish(exchange, image, {
    ttlMs: urlTtl(context.urls, URL_TTL_MS),
    style: 'tos',
    name: `${index}.png`,
  });
  return { url, size };
}
