import { UpstreamError } from '../errors/index.ts';
import type { UpstreamClient } from '../upstream/http-client.ts';

/** Largest video the gateway copies from a vendor. */
export const maxVideoBytes = 512 * 1024 * 1024;

/**
 * Copies a vendor's result (their links expire): follows up to five redirects, sending the
 * vendor's auth only to the vendor's own origin (Veo's download needs the key, then redirects
 * to a signed storage link that must not receive it).
 */
export async function downloadVendorFile(
  client: UpstreamClient,
  provider: string,
  url: string,
  auth: { origin: string; headers: Record<string, string> },
  signal: AbortSignal,
): Promise<{ bytes: Buffer; contentType: string | undefined }> {
  let target = url;
  for (let hop = 0; hop <= 5; hop++) {
    const headers = new URL(target).origin === auth.origin ? { ...auth.headers } : {};
    const response = await client.send(
      provider,
      'GET',
      target,
      { accept: '*/*', ...headers },
      undefined,
      signal,
    );
    const location = response.headers['location'];
    if (response.status >= 300 && response.status < 400 && typeof location === 'string') {
      await response.body.text().catch(() => '');
      target = new URL(location, target).toString();
      continue;
    }
    if (response.status >= 400) {
      const text = await response.body.text().catch(() => '');
      throw new UpstreamError('upstream_error', provider, response.status, text, {
        message: `The upstream provider's result URL answered HTTP ${response.status}.`,
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > maxVideoBytes) {
        response.body.destroy();
        throw new UpstreamError('upstream_error', provider, response.status, '', {
          message: `The upstream provider's result is larger than ${maxVideoBytes / 1024 / 1024} MB.`,
        });
      }
      chunks.push(Buffer.from(chunk as Buffer));
    }
    const type = response.headers['content-type'];
    return { bytes: Buffer.concat(chunks), contentType: Array.isArray(type) ? type[0] : type };
  }
  throw new UpstreamError('upstream_error', provider, null, '', {
    message: 'Too many redirects from a result URL.',
  });
}
