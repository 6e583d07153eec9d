import { safeFetch } from '../net/safe-fetch.ts';
import type { ImageRouteServices as Services } from './image-services.ts';
import type { ImageServices } from './ports.ts';
import { maxReferenceBytes } from './references.ts';

/** Time allowed to fetch one reference image (DNS, redirects and body). */
const referenceTimeoutMs = 20_000;

/**
 * The file store and the SSRF-safe fetcher as image generation uses them: outputs are
 * `image` files owned by the caller, linked by signed expiring URLs; references are
 * fetched from public https only (plus the operator's `network.allowPrivate`).
 */
export function imageServicesOf(services: Services): ImageServices {
  return {
    store: {
      async save({ userId, bytes, contentType, filename, baseUrl }) {
        const file = await services.files.save({ userId, body: bytes, filename, contentType, kind: 'image' });
        return { id: file.id, url: services.files.signedUrl(file.id, baseUrl).url };
      },
    },
    fetchReference: async (url, param) => {
      const fetched = await safeFetch(url, {
        param,
        maxBytes: maxReferenceBytes,
        timeoutMs: referenceTimeoutMs,
        allowedContentTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
        allowPrivate: services.config.network.allowPrivate,
      });
      return { bytes: fetched.bytes, contentType: fetched.contentType };
    },
  };
}
