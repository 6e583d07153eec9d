import { type MediaUsage, mediaCost } from '../billing/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { Catalog, ModelEntry } from './catalog.ts';
import type { HealthStore } from './health.ts';
import {
  describeKind,
  type MediaKind,
  type MediaModality,
  type MediaModelEntry,
  mediaEndpoint,
} from './media-models.ts';
import type { ModelRoute } from './model-route.ts';
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
  const mediaModel = bucket.length === 0 ? catalog.mediaIntentMembers(intent)[0] : undefined;
  if (mediaModel) throw wrongEndpointForIntent(intent, mediaModel);
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
  const model = await firstHealthy(health, fitting);
  if (model) return model;
  throw new GatewayError('upstream_unavailable', {
    message:
      fitting.length === 0
        ? `No model of intent ${intent} fits this request on this endpoint (context length, tools or images).`
        : `Every model of intent ${intent} that fits this request is cooling down after failures; retry shortly.`,
  });
}

/** The first model with a target whose circuit breaker is not open. */
async function firstHealthy<M extends { routes: readonly ModelRoute[] }>(
  health: HealthStore,
  models: readonly M[],
): Promise<M | undefined> {
  for (const model of models) {
    const states = await Promise.all(model.routes.map((route) => health.state(targetKey(route))));
    if (states.some((state) => state !== 'open')) return model;
  }
  return undefined;
}

function wrongEndpointForIntent(
  intent: string,
  member: { kind: 'chat' | MediaKind; id: string },
): GatewayError {
  const where =
    member.kind === 'chat'
      ? 'a chat endpoint (/v1/chat/completions, /v1/messages, /v1/responses)'
      : mediaEndpoint(member as Pick<MediaModelEntry, 'id' | 'kind'>);
  const what = member.kind === 'chat' ? 'a chat model' : describeKind(member.kind);
  return new GatewayError('wrong_endpoint', {
    param: 'intent',
    message: `Intent ${intent} picks ${what}; use ${where}.`,
  });
}

/** What a media request needs: its kind, a modality (image-to-image…) and the usage to price candidates by. */
export interface MediaNeeds<K extends MediaKind = MediaKind> {
  kind: K;
  modality?: MediaModality | undefined;
  /** The request's own amounts (n images, seconds…): the cheapest model is the cheapest for this request. */
  usage: MediaUsage<Extract<MediaModelEntry['price'], { kind: K }>>;
}

/**
 * Intent routing for the media routes: the cheapest model of the bucket that is of the
 * route's kind, has the modality the request needs, and has a target not cooling down.
 * A bucket of another kind (a chat intent on an image route) is a wrong-endpoint 400.
 */
export async function resolveMediaIntent(
  catalog: Catalog,
  health: HealthStore,
  intent: string,
  needs: MediaNeeds,
): Promise<MediaModelEntry> {
  const bucket = catalog.mediaIntentMembers(intent);
  const other = catalog.intentMembers(intent)[0] ?? bucket.find((model) => model.kind !== needs.kind);
  if (bucket.every((model) => model.kind !== needs.kind)) {
    if (other) throw wrongEndpointForIntent(intent, other);
    throw new GatewayError('invalid_request', {
      param: 'intent',
      message: `Unknown intent: ${intent}.`,
      details: { available_intents: catalog.mediaIntentNames(needs.kind) },
    });
  }
  const cost = (model: MediaModelEntry) => mediaCost(model.price, needs.usage as MediaUsage);
  const fitting = bucket
    .filter((model) => model.kind === needs.kind)
    .filter((model) => needs.modality === undefined || model.modalities.includes(needs.modality))
    .sort((a, b) => cost(a) - cost(b));
  const model = await firstHealthy(health, fitting);
  if (model) return model;
  throw new GatewayError('upstream_unavailable', {
    message:
      fitting.length === 0
        ? `No model of intent ${intent} can do ${needs.modality ?? needs.kind}.`
        : `Every model of intent ${intent} that fits this request is cooling down after failures; retry shortly.`,
  });
}
