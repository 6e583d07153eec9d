import { GatewayError } from '../errors/index.ts';
import type { Catalog, ModelEntry } from './catalog.ts';
import type { HealthStore } from './health.ts';
import { targetKey } from './order-targets.ts';

/** What a request needs from a model, read cheaply from its body. */
export interface RequestNeeds {
  /** Upper bound of prompt tokens (body bytes / 3 is ample for text). */
  inputTokens: number;
  outputTokens: number;
  tools: boolean;
  images: boolean;
}

export function needsOf(
  rawBody: string,
  json: Record<string, unknown>,
  requestedOutput: number | undefined,
): RequestNeeds {
  return {
    inputTokens: Math.ceil(Buffer.byteLength(rawBody) / 3),
    outputTokens: requestedOutput ?? 0,
    tools: Array.isArray(json['tools']) && json['tools'].length > 0,
    images: /"(image_url|input_image|image)"/.test(rawBody),
  };
}

/** Blended price per token (3 input : 1 output), how "cheapest" is judged. */
const blendedPrice = (model: ModelEntry): number => (3 * model.price.input + model.price.output) / 4;

/**
 * Intent routing: the cheapest model of the intent's bucket that this endpoint serves,
 * that fits the request (context window, tools, images) and that has a target whose
 * circuit breaker is not open.
 */
export async function resolveIntent(
  catalog: Catalog,
  health: HealthStore,
  intent: string,
  servable: (model: ModelEntry) => boolean,
  needs: RequestNeeds,
): Promise<ModelEntry> {
  const bucket = catalog.intentMembers(intent);
  if (bucket.length === 0) {
    throw new GatewayError('invalid_request', {
      param: 'intent',
      message: `Unknown intent: ${intent}.`,
      details: { available_intents: catalog.intentNames() },
    });
  }
  const fitting = bucket
    .filter(servable)
    .filter((model) => needs.inputTokens + needs.outputTokens <= model.contextWindow)
    .filter((model) => !needs.tools || model.capabilities.tools)
    .filter((model) => !needs.images || model.capabilities.vision)
    .sort((a, b) => blendedPrice(a) - blendedPrice(b));
  for (const model of fitting) {
    const states = await Promise.all(model.routes.map((route) => health.state(targetKey(route))));
    if (states.some((state) => state !== 'open')) return model;
  }
  throw new GatewayError('upstream_unavailable', {
    message:
      fitting.length === 0
        ? `No model of intent ${intent} fits this request on this endpoint (context length, tools or images).`
        : `Every model of intent ${intent} that fits this request is cooling down after failures; retry shortly.`,
  });
}
