import { GatewayError } from '../errors/index.ts';
import type { Catalog } from './catalog.ts';
import { describeKind, type MediaKind, type MediaModelEntry, mediaEndpoint } from './media-models.ts';

/**
 * A pinned media `model` of `kind`, with the errors the API contract asks for: another kind's
 * model or a chat model is a 400 naming the endpoint to use; an unknown id a 400 listing this
 * kind's models (docs/api-contract.md, Errors).
 */
export function resolveMediaModel(catalog: Catalog, id: string, kind: MediaKind): MediaModelEntry {
  const media = catalog.media(id);
  if (media && media.kind !== kind) {
    throw new GatewayError('wrong_endpoint', {
      param: 'model',
      message: `${media.id} is ${describeKind(media.kind)}; use ${mediaEndpoint(media)}.`,
    });
  }
  if (media) return media;
  if (catalog.resolve(id)) {
    throw new GatewayError('wrong_endpoint', {
      param: 'model',
      message: `${id} is a chat model; use /v1/chat/completions.`,
    });
  }
  throw new GatewayError('unknown_model', {
    param: 'model',
    message: `Unknown model: ${id}. See available_models for the ${kind} models.`,
    details: { available_models: catalog.mediaIds(kind) },
  });
}
