import { UpstreamError } from '../errors/index.ts';
import type { VendorHttp } from '../providers/images/index.ts';
import type { Provider } from '../providers/index.ts';
import type { VideoAdapter, VideoCredentials } from '../providers/video/index.ts';
import { retryAfterMs, sleep } from '../routing/retry-policy.ts';
import type { UpstreamClient, UpstreamResponse } from '../upstream/http-client.ts';
import { upstreamFailure } from '../upstream/upstream-failure.ts';

/**
 * The vendor HTTP a video adapter uses: the provider's base URL and headers, the adapter's auth
 * minted per call (a fresh Kling JWT each time), JSON both ways, HTTP errors as gateway errors.
 */
export function videoVendorHttp(
  client: UpstreamClient,
  provider: Pick<Provider, 'name' | 'baseUrl' | 'headers'>,
  adapter: Pick<VideoAdapter, 'authHeaders'>,
  credentials: VideoCredentials,
  signal: AbortSignal,
): VendorHttp {
  const headers = (extra: Readonly<Record<string, string>> = {}) => ({
    accept: 'application/json',
    ...provider.headers,
    ...adapter.authHeaders(credentials),
    ...extra,
  });
  const json = async (response: UpstreamResponse): Promise<unknown> => {
    const text = await response.body.text();
    if (response.status >= 400) {
      const failure = upstreamFailure(provider.name, response.status, text, response.headers);
      failure.retryAfterMs = retryAfterMs(response.headers);
      throw failure;
    }
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new UpstreamError('upstream_error', provider.name, response.status, text.slice(0, 2000), {
        message: 'The upstream provider returned a malformed response.',
      });
    }
  };
  return {
    postJson: async (path, body, extra) =>
      json(
        await client.post(
          provider.name,
          provider.baseUrl + path,
          headers({ 'content-type': 'application/json', ...extra }),
          JSON.stringify(body),
          signal,
        ),
      ),
    getJson: async (url) => json(await client.send(provider.name, 'GET', url, headers(), undefined, signal)),
    deleteJson: async (path) =>
      json(await client.send(provider.name, 'DELETE', provider.baseUrl + path, headers(), undefined, signal)),
    sleep: (ms) => sleep(ms, signal),
  };
}
