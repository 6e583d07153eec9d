import { GatewayError } from '../errors/index.ts';
import type { Catalog } from '../routing/catalog.ts';
import type { MediaModelEntry } from '../routing/media-models.ts';
import { resolveMediaModel } from '../routing/resolve-media-model.ts';
import { type AudioOperation, operationOf } from './audio-request.ts';

/** The pinned audio `model` and what it does, with the errors docs/api-contract.md asks for. */
export function pinnedAudioModel(
  catalog: Catalog,
  id: unknown,
): { model: MediaModelEntry; operation: AudioOperation } {
  if (typeof id !== 'string' || id.trim() === '') {
    throw new GatewayError('missing_model', {
      param: 'model',
      message: 'Missing required field: model (audio-tts, audio-clone or audio-asr).',
      details: { available_models: catalog.mediaIds('audio') },
    });
  }
  const media = resolveMediaModel(catalog, id.trim(), 'audio');
  const operation = operationOf(media);
  if (!operation) {
    throw new GatewayError('invalid_request', {
      param: 'model',
      message: `${media.id} has no audio modality (text-to-speech, voice-clone or speech-to-text) in the catalog.`,
    });
  }
  return { model: media, operation };
}
