import { APIError, APIUserAbortError } from './errors.ts';
import type { OpenResponse } from './http.ts';
import { readServerSentEvents, type ServerSentEvent } from './sse.ts';

/** Turns the events of one API's stream into its chunks; throws on an in-stream error event. */
export type EventDecoder<T> = (event: ServerSentEvent, response: Response) => { value?: T; done?: boolean };

/**
 * A streamed answer: `for await (const chunk of stream)`. The request starts when the
 * iteration does. `break` (or `abort()`, or the call's `signal`) closes the connection,
 * so the gateway stops the upstream call; an abort makes the loop throw APIUserAbortError.
 */
export class Stream<T> implements AsyncIterable<T> {
  readonly controller = new AbortController();
  /** The HTTP response, once the iteration has started. */
  response: Response | undefined;
  readonly #open: (signal: AbortSignal) => Promise<OpenResponse>;
  readonly #decode: EventDecoder<T>;
  #started = false;

  constructor(open: (signal: AbortSignal) => Promise<OpenResponse>, decode: EventDecoder<T>) {
    this.#open = open;
    this.#decode = decode;
  }

  /** Stops the stream: the connection closes and the iteration throws APIUserAbortError. */
  abort(reason?: unknown): void {
    this.controller.abort(reason);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    if (this.#started) throw new Error('A stream can be iterated only once.');
    this.#started = true;
    const open = await this.#open(this.controller.signal);
    this.response = open.response;
    const body = open.response.body;
    let finished = false;
    try {
      if (!body) return;
      for await (const event of readServerSentEvents(body)) {
        const { value, done } = this.#decode(event, open.response);
        if (value !== undefined) yield value;
        // abort() from the loop's body: stop here even when the rest is already buffered.
        if (this.controller.signal.aborted)
          throw new APIUserAbortError({ cause: this.controller.signal.reason });
        if (done) break;
      }
      finished = true;
    } catch (error) {
      if (error instanceof APIError) throw error;
      if (this.controller.signal.aborted || open.signal.aborted)
        throw new APIUserAbortError({ cause: error });
      throw error;
    } finally {
      open.release();
      // Leaving early (break, throw, abort) closes the connection; the gateway sees the client go.
      if (!finished) {
        this.controller.abort();
        await body?.cancel().catch(() => {});
      }
    }
  }

  /** Every chunk, collected. */
  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const chunk of this) all.push(chunk);
    return all;
  }
}

/** Parses an event's data as JSON, or names the stream in the error. */
export function eventJson(event: ServerSentEvent): unknown {
  try {
    return JSON.parse(event.data) as unknown;
  } catch (error) {
    throw new APIError(
      undefined,
      undefined,
      `Malformed stream event: ${event.data.slice(0, 200)}`,
      undefined,
      {
        cause: error,
      },
    );
  }
}

/** Error `type`s of the three envelopes → the HTTP status they stand for. */
const typeStatuses: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  insufficient_credits: 402,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  upstream_error: 502,
  overloaded_error: 503,
  timeout_error: 504,
};

/**
 * An error that arrives inside a stream (after the 200): `{"error": …}` data or an
 * Anthropic `event: error`, as the typed error of the status its type stands for.
 */
export function streamError(payload: unknown, headers: Headers | undefined): APIError {
  const inner = (payload as { error?: { code?: unknown; type?: unknown } } | null)?.error;
  const status = typeof inner?.code === 'number' ? inner.code : (typeStatuses[String(inner?.type)] ?? 500);
  return APIError.from(status, payload, headers ?? new Headers());
}
