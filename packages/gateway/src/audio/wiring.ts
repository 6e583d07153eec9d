import { safeFetch } from '../net/safe-fetch.ts';
import type { FileService } from '../storage/index.ts';
import type { AudioRouteServices, AudioServices } from './ports.ts';
import { audioContentTypes, audioExtension, audioFetchTimeoutMs, maxAudioBytes } from './reference-audio.ts';
import { VoiceClones } from './voice-clones.ts';

/**
 * The file store, the SSRF-safe fetcher and the voice clone table as audio uses them:
 * outputs are `audio` files owned by the caller, linked by signed expiring URLs; audio
 * URLs are fetched from public https only (plus the operator's `network.allowPrivate`).
 */
export function audioServicesOf(services: AudioRouteServices & { files: FileService }): AudioServices {
  return {
    async save({ userId, file, baseUrl }) {
      const saved = await services.files.save({
        userId,
        body: file.bytes,
        filename: file.filename,
        contentType: file.contentType,
        kind: 'audio',
      });
      return { id: saved.id, url: services.files.signedUrl(saved.id, baseUrl).url };
    },
    async fetchAudio(url, param) {
      const fetched = await safeFetch(url, {
        param,
        maxBytes: maxAudioBytes,
        timeoutMs: audioFetchTimeoutMs,
        allowedContentTypes: audioContentTypes,
        allowPrivate: services.config.network.allowPrivate,
      });
      const name = new URL(fetched.finalUrl).pathname.split('/').pop() || 'audio';
      return {
        bytes: fetched.bytes,
        contentType: fetched.contentType,
        filename: /\.\w+$/.test(name) ? name : `${name}.${audioExtension(fetched.contentType)}`,
      };
    },
    voices: new VoiceClones(services.db),
  };
}
