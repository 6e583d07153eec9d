import { UpstreamError } from '../errors/index.ts';
import { encodeMultipart } from '../providers/audio/multipart.ts';
import type { AudioVendorHttp } from '../providers/audio/types.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import { retryAfterMs } from '../routing/retry-policy.ts';
import type { UpstreamClient, UpstreamResponse } from '../upstream/http-client.ts';
import { upstreamFailure } from '../upstream/upstream-failure.ts';

/** Largest audio the gateway accepts back from a vendor. */
export const maxVendorAudioBytes = 64 * 1024 * 1024;

/** The vendor HTTP an audio call uses: the route's provider base URL, headers and key bound. */
export function audioVendorHttp(
  client: UpstreamClient,
  route: ModelRoute,
  authHeaders: (apiKey: string) => Record<string, string>,
  signal: AbortSignal,
): AudioVendorHttp {
  const { provider } = route;
  const base = { ...provider.headers, ...authHeaders(provider.apiKey ?? 'none') };
  const failIfError = async (response: UpstreamResponse): Promise<void> => {
    if (response.status < 400) return;
    const text = await response.body.text().catch(() => '');
    const failure = upstreamFailure(provider.name, response.status, text, response.headers);
    failure.retryAfterMs = retryAfterMs(response.headers);
    throw failure;
  };
  return {
    async postJsonForAudio(path, body, headers = {}) {
      const response = await client.post(
        provider.name,
        provider.baseUrl + path,
        { ...base, ...headers, 'content-type': 'application/json', accept: 'audio/*' },
        JSON.stringify(body),
        signal,
      );
      await failIfError(response);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += chunk.length;
        if (size > maxVendorAudioBytes) {
          response.body.destroy();
          throw new UpstreamError('upstream_error', provider.name, response.status, '', {
            message: `The upstream provider's audio is larger than ${maxVendorAudioBytes / 1024 / 1024} MB.`,
          });
        }
        chunks.push(Buffer.from(chunk));
      }
      const type = response.headers['content-type'];
      return { bytes: Buffer.concat(chunks), contentType: Array.isArray(type) ? type[0] : type };
    },
    async postForm(path, parts) {
      const { body, contentType } = encodeMultipart(parts);
      const response = await client.post(
        provider.name,
        provider.baseUrl + path,
        { ...base, 'content-type': contentType, accept: 'application/json' },
        body,
        signal,
      );
      await failIfError(response);
      const text = await response.body.text();
      try {
        return JSON.parse(text);
      } catch {
        throw new UpstreamError('upstream_error', provider.name, response.status, text, {
          message: 'The upstream provider returned a malformed response.',
        });
      }
    },
  };
}
