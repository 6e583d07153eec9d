import { GatewayError } from '../errors/index.ts';
import type { ReferenceImage } from '../providers/images/index.ts';
import { parseDataUrl, sniffImageType } from '../providers/images/vendor-json.ts';
import type { ReferenceInput } from './image-request.ts';
import type { ReferenceFetcher } from './ports.ts';

/** Largest reference image accepted (base64 or fetched). */
export const maxReferenceBytes = 20 * 1024 * 1024;

/**
 * Every reference checked before any vendor call: https URLs through the SSRF-safe
 * fetcher (a refused URL is a 400 naming its field), data URLs decoded and sniffed.
 * The bytes are kept for APIs that take bytes; the others get the client's URL.
 */
export async function loadReferences(
  references: readonly ReferenceInput[],
  fetchReference: ReferenceFetcher,
  signal: AbortSignal,
): Promise<ReferenceImage[]> {
  return Promise.all(
    references.map(async ({ url, param }): Promise<ReferenceImage> => {
      const data = parseDataUrl(url);
      if (data) {
        const bytes = Buffer.from(data.base64, 'base64');
        const mimeType = sniffImageType(bytes, '');
        if (bytes.length === 0 || mimeType === '')
          throw new GatewayError('invalid_request', {
            param,
            message: `${param}: the data URL is not a PNG, JPEG, WebP or GIF image.`,
          });
        if (bytes.length > maxReferenceBytes)
          throw new GatewayError('invalid_request', {
            param,
            message: `${param}: the image is larger than ${maxReferenceBytes / 1024 / 1024} MB.`,
          });
        return { url, bytes, mimeType };
      }
      const fetched = await fetchReference(url, param, signal);
      return { url, bytes: fetched.bytes, mimeType: fetched.contentType };
    }),
  );
}
