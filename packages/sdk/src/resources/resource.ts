import type { HttpClient, RequestOptions, RequestSpec } from '../core/http.ts';
import { anySignal } from '../core/signals.ts';
import { type EventDecoder, Stream } from '../core/stream.ts';

/** What every resource holds: the client's one HTTP core. */
export abstract class Resource {
  protected readonly http: HttpClient;

  constructor(http: HttpClient) {
    this.http = http;
  }

  /** A streamed call: opened when iterated, the timeout covering only the wait for headers. */
  protected streamed<T>(spec: RequestSpec, options: RequestOptions, decode: EventDecoder<T>): Stream<T> {
    return new Stream<T>(
      (signal) =>
        this.http.open(
          { ...spec, streaming: true, accept: 'text/event-stream' },
          { ...options, signal: anySignal([options.signal, signal]) },
        ),
      decode,
    );
  }
}

/** A path segment, escaped. */
export const segment = (value: string): string => encodeURIComponent(value);
