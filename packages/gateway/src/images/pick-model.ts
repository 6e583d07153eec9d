import { mediaCost } from '../billing/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { Catalog } from '../routing/catalog.ts';
import type { HealthStore } from '../routing/health.ts';
import { describeKind, type MediaModelEntry, mediaEndpoint } from '../routing/media-models.ts';
import { targetKey } from '../routing/order-targets.ts';
import { resolveMediaModel } from '../routing/resolve-media-model.ts';
import { type CheckedImageRequest, checkImageRequest } from './check-rules.ts';
import type { ImageRequestBody } from './image-request.ts';

export interface PickedModel {
  model: MediaModelEntry;
  checked: CheckedImageRequest;
  /** Set when the model was chosen by intent. */
  intent?: string | undefined;
}

/** Price of this request on `model`: per image at its tier, × n. */
export function requestCost(
  model: MediaModelEntry,
  checked: CheckedImageRequest,
  images = checked.n,
): number {
  return model.price.kind === 'image' ? mediaCost(model.price, { images, tier: checked.tier }) : 0;
}

/** A pinned `model` (always honoured exactly, its rules enforced), with the errors docs/api-contract.md asks for. */
export function pinnedImageModel(catalog: Catalog, id: string, body: ImageRequestBody): PickedModel {
  const media = resolveMediaModel(catalog, id, 'image');
  return { model: media, checked: checkImageRequest(media, body) };
}

/**
 * Intent routing for images: of the bucket's image models, those whose rules accept
 * this request (size, aspect ratio, references…), cheapest for this request first; the
 * first with a target whose breaker is not open wins.
 */
export async function imageModelForIntent(
  catalog: Catalog,
  health: HealthStore,
  intent: string,
  body: ImageRequestBody,
): Promise<PickedModel> {
  const bucket = catalog.mediaIntentMembers(intent).filter((model) => model.kind === 'image');
  if (bucket.length === 0) {
    const other = catalog.intentMembers(intent)[0] ?? catalog.mediaIntentMembers(intent)[0];
    if (other) {
      const where = other.kind === 'chat' ? '/v1/chat/completions' : mediaEndpoint(other);
      throw new GatewayError('wrong_endpoint', {
        param: 'intent',
        message: `Intent ${intent} picks ${other.kind === 'chat' ? 'a chat model' : describeKind(other.kind)}; use ${where}.`,
      });
    }
    throw new GatewayError('invalid_request', {
      param: 'intent',
      message: `Unknown intent: ${intent}.`,
      details: { available_intents: catalog.mediaIntentNames('image') },
    });
  }
  const fitting: PickedModel[] = [];
  let firstRefusal: GatewayError | undefined;
  for (const model of bucket) {
    try {
      fitting.push({ model, checked: checkImageRequest(model, body), intent });
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      firstRefusal ??= error;
    }
  }
  fitting.sort((a, b) => requestCost(a.model, a.checked) - requestCost(b.model, b.checked));
  for (const candidate of fitting) {
    const states = await Promise.all(candidate.model.routes.map((route) => health.state(targetKey(route))));
    if (states.some((state) => state !== 'open')) return candidate;
  }
  if (fitting.length === 0) {
    throw new GatewayError('invalid_request', {
      param: firstRefusal?.param ?? 'intent',
      message: `No model of intent ${intent} accepts this request (${bucket.map((model) => model.id).join(', ')}); for example: ${firstRefusal?.message ?? ''}`,
    });
  }
  throw new GatewayError('upstream_unavailable', {
    message: `Every model of intent ${intent} that fits this request is cooling down after failures; retry shortly.`,
  });
}
