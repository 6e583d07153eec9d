import { Agent, type Dispatcher, errors } from 'undici';
import { GatewayError, UpstreamError } from '../errors/index.ts';
import { UpstreamBody } from './upstream-body.ts';

export interface UpstreamTimeouts {
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
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
      return await new Promise<UpstreamResponse>((resolve, reject) => {
        this.#agent.dispatch(
          { origin, path, method, headers, body: body ?? null },
          new ExchangeHandler(signal, resolve, reject),
        );
      });
    } catch (error) {
      throw toUpstreamError(provider, error);
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

/**
 * One exchange on undici's low-level `dispatch`: the answer resolves once its status and
 * headers are in, its body then fed to an `UpstreamBody` as chunks arrive. `Agent.request`
 * would add a Readable stream, an async resource and promises per answer, on every call.
 * @see https://undici.nodejs.org/#/docs/api/Dispatcher?id=dispatcherdispatchoptions-handler
 */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  readonly #signal: AbortSignal;
  #resolve: ((response: UpstreamResponse) => void) | null;
  readonly #reject: (error: unknown) => void;
  #body: UpstreamBody | null = null;
  #controller: Dispatcher.DispatchController | null = null;
  readonly #onAbort = (): void => {
    const reason = abortReason(this.#signal);
    if (this.#controller) this.#controller.abort(reason);
    else this.#fail(reason);
  };

  constructor(
    signal: AbortSignal,
    resolve: (response: UpstreamResponse) => void,
    reject: (error: unknown) => void,
  ) {
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    if (!signal.aborted) signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#signal.aborted) controller.abort(abortReason(this.#signal));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 1xx: the answer is still to come
    const resolve = this.#resolve;
    if (!resolve) return;
    this.#resolve = null;
    const body = new UpstreamBody();
    body.attach(controller);
    this.#body = body;
    resolve({ status: statusCode, headers, body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#body?.push(chunk);
  }

  onResponseEnd(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#fail(error);
  }

  #fail(error: Error): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    if (this.#resolve) {
      this.#resolve = null;
      this.#reject(error);
    } else this.#body?.fail(error);
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new errors.RequestAbortedError();
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
