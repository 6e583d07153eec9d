import { UpstreamError } from '../errors/index.ts';
import type { ImageAdapter, VendorHttp } from '../providers/images/index.ts';
import type { ModelRoute } from '../routing/model-route.ts';
import { retryAfterMs, sleep } from '../routing/retry-policy.ts';
import type { UpstreamClient, UpstreamResponse } from '../upstream/http-client.ts';
import { upstreamFailure } from '../upstream/upstream-failure.ts';

/** Largest image the gateway copies from a vendor URL. */
export const maxOutputBytes = 64 * 1024 * 1024;

/** The vendor HTTP an image adapter uses: the provider's base URL, headers and key, JSON both ways. */
export function vendorHttp(
  client: UpstreamClient,
  route: ModelRoute,
  adapter: ImageAdapter,
  signal: AbortSignal,
): VendorHttp {
  const { provider } = route;
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...provider.headers,
    ...adapter.authHeaders(provider.apiKey ?? 'none'),
  };
  const json = async (response: UpstreamResponse): Promise<unknown> => {
    const text = await response.body.text();
    if (response.status >= 400) {
      const failure = upstreamFailure(provider.name, response.status, text, response.headers);
      failure.retryAfterMs = retryAfterMs(response.headers);
      throw failure;
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new UpstreamError('upstream_error', provider.name, response.status, text, {
        message: 'The upstream provider returned a malformed response.',
      });
    }
  };
  return {
    postJson: async (path, body) =>
      json(await client.post(provider.name, provider.baseUrl + path, headers, JSON.stringify(body), signal)),
    getJson: async (url) => {
      const { 'content-type': _, ...getHeaders } = headers;
      return json(await client.send(provider.name, 'GET', url, getHeaders, undefined, signal));
    },
    sleep: (ms) => sleep(ms, signal),
  };
}

/** Copies an image from the vendor's (short-lived, signed) URL: bytes and content type. */
export async function downloadVendorImage(
  client: UpstreamClient,
  provider: string,
  url: string,
  signal: AbortSignal,
): Promise<{ bytes: Buffer; contentType: string | undefined }> {
  const response = await client.send(provider, 'GET', url, { accept: 'image/*' }, undefined, signal);
  if (response.status >= 400) {
    const text = await response.body.text().catch(() => '');
    throw new UpstreamError('upstream_error', provider, response.status, text, {
      message: `The upstream provider's image URL answered HTTP ${response.status}.`,
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > maxOutputBytes) {
      response.body.destroy();
      throw new UpstreamError('upstream_error', provider, response.status, '', {
        message: `The upstream provider's image is larger than ${maxOutputBytes / 1024 / 1024} MB.`,
      });
    }
    chunks.push(Buffer.from(chunk));
  }
  const type = response.headers['content-type'];
  return { bytes: Buffer.concat(chunks), contentType: Array.isArray(type) ? type[0] : type };
}
