import { Agent, errors } from 'undici';
import { GatewayError, UpstreamError } from '../errors/index.ts';

export interface UpstreamTimeouts {
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & { text(): Promise<string>; destroy(error?: Error): void };
}

/** Keep-alive pools to every upstream, with separate connect / first-byte / idle limits. */
export class UpstreamClient {
  readonly #agent: Agent;

  constructor(timeouts: UpstreamTimeouts) {
    this.#agent = new Agent({
      connect: { timeout: timeouts.connectTimeoutMs },
      headersTimeout: timeouts.firstByteTimeoutMs,
      bodyTimeout: timeouts.idleTimeoutMs,
      keepAliveTimeout: 30_000,
      connections: 256,
    });
  }

  post(
    provider: string,
    url: string,
    headers: Record<string, string>,
    body: string | Buffer,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    return this.send(provider, 'POST', url, headers, body, signal);
  }

  async send(
    provider: string,
    method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
    url: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    try {
      const { origin, path } = splitUrl(url);
      const response = await this.#agent.request({
        origin,
        path,
        method,
        headers,
        signal,
        ...(body === undefined ? {} : { body }),
      });
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      throw toUpstreamError(provider, error);
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

/** Upstream URLs as undici's `request(url)` splits them, parsed once each (they are a provider's few). */
const urlParts = new Map<string, { origin: string; path: string }>();
const urlPartsLimit = 1_000;

/** https://undici.nodejs.org/#/docs/api/Dispatcher?id=parameter-requestoptions */
function splitUrl(url: string): { origin: string; path: string } {
  let parts = urlParts.get(url);
  if (!parts) {
    const parsed = new URL(url);
    parts = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (urlParts.size >= urlPartsLimit) urlParts.clear();
    urlParts.set(url, parts);
  }
  return parts;
}

/** Network failures become gateway errors; the key and URL never reach the client. */
export function toUpstreamError(provider: string, error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return new UpstreamError('upstream_timeout', provider, null, message, { cause: error });
  }
  if (error instanceof errors.ConnectTimeoutError) {
    return new UpstreamError('upstream_timeout', provider, null, message, {
      message: 'Timed out connecting to the upstream provider.',
      cause: error,
    });
  }
  return new UpstreamError('upstream_error', provider, null, message, {
    message: 'Could not reach the upstream provider.',
    cause: error,
  });
}
