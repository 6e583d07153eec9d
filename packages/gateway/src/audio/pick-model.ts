import { GatewayError } from '../errors/index.ts';
import type { Catalog } from '../routing/catalog.ts';
import { describeKind, type MediaModelEntry, mediaEndpoint } from '../routing/media-models.ts';
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
  const media = catalog.media(id.trim());
  if (media && media.kind !== 'audio') {
    throw new GatewayError('wrong_endpoint', {
      param: 'model',
      message: `${media.id} is ${describeKind(media.kind)}; use ${mediaEndpoint(media)}.`,
    });
  }
  if (!media) {
    if (catalog.resolve(id)) {
      throw new GatewayError('wrong_endpoint', {
        param: 'model',
        message: `${id} is a chat model; use /v1/chat/completions.`,
      });
    }
    throw new GatewayError('unknown_model', {
      param: 'model',
      message: `Unknown model: ${id}. See available_models for the audio models.`,
      details: { available_models: catalog.mediaIds('audio') },
    });
  }
  const operation = operationOf(media);
  if (!operation) {
    throw new GatewayError('invalid_request', {
      param: 'model',
      message: `${media.id} has no audio modality (text-to-speech, voice-clone or speech-to-text) in the catalog.`,
    });
  }
  return { model: media, operation };
}
