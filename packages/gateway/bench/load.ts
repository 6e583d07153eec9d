import { performance } from 'node:perf_hooks';
import type { ExchangeHandler, Http1Connection } from './http1/connection.ts';
import type { LoadConnections } from './http1/connections.ts';
import { StreamScanner } from './stream-scanner.ts';

export interface LoadTarget {
  /** The keep-alive connections to the target's origin (worker `i` uses connection `i`). */
  connections: LoadConnections;
  path: string;
  /**
   * The request headers; several sets are taken in turn by the workers (worker `i` always sends
   * set `i mod n`), e.g. one API key each.
   */
  headers: Record<string, string> | readonly Record<string, string>[];
  body: Buffer;
  stream: boolean;
  /**
   * What a complete answer contains, anywhere in it: for streams its last event (chat
   * `data: [DONE]`, Anthropic `event: message_stop`, Responses `event: response.completed`, whose
   * data echoes the whole response and may be long); for JSON the object type (`"chat.completion"`,
   * `"type":"message"`, `"object":"response"`).
   */
  completeMarker: string;
}

export interface LoadOptions {
  requests: number;
  concurrency: number;
  /** No request is started at or after this `Date.now()`; those running are finished. */
  deadline?: number;
}

/** How much of a stream's end is kept, for the failure description. */
const STREAM_TAIL_BYTES = 256;
/** How many distinct failure descriptions are kept. */
const FAILURE_SAMPLES = 5;

export interface LoadResult {
  /** Requests sent (fewer than asked when the deadline came first). */
  requests: number;
  failures: number;
  /** A few distinct failure descriptions, for the report. */
  failureSamples: string[];
  wallMs: number;
  /** Per successful request: until the body was fully read, ms. */
  totalMs: number[];
  /** Per successful request: until the first body byte, ms (-1 for an empty body). */
  firstByteMs: number[];
  /** Per successful request: until the status line and headers, ms. */
  headersMs: number[];
}

/**
 * Sends up to `requests` POSTs with `concurrency` workers, each on its own keep-alive connection
 * and sending its next request when its previous answer has ended; every body is read to the end
 * and checked for its completeness marker.
 *
 * The requests are serialized once (one Buffer per header set, one write per request) and the
 * answers parsed by `http1/`'s minimal HTTP/1.1 client, their chunks scanned as bytes. That costs
 * about half the CPU per request of undici's `Pool.request` (a Readable body and promises per
 * request, every response header parsed into an object, UTF-8 decoding), and less than its
 * low-level `dispatch` (`npm run bench:load-cost` measures it; figures in the bench README).
 */
export function runLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = {
    requests: 0,
    failures: 0,
    failureSamples: [],
    wallMs: 0,
    totalMs: [],
    firstByteMs: [],
    headersMs: [],
  };
  const workerCount = Math.min(options.concurrency, options.requests);
  if (workerCount <= 0) return Promise.resolve(result);
  const marker = Buffer.from(target.completeMarker, 'utf8');
  const headerSets = Array.isArray(target.headers) ? target.headers : [target.headers];
  const requests = headerSets.map((headers) =>
    target.connections.serialize({ method: 'POST', path: target.path, headers, body: target.body }),
  );
  return new Promise((resolve) => {
    let running = workerCount;
    const run: LoadRun = {
      target,
      marker,
      result,
      // Whether another request may start; counts it when so.
      take() {
        if (result.requests >= options.requests) return false;
        if (options.deadline !== undefined && Date.now() >= options.deadline) return false;
        result.requests += 1;
        return true;
      },
      workerDone() {
        running -= 1;
        if (running > 0) return;
        result.wallMs = performance.now() - started;
        resolve(result);
      },
    };
    const started = performance.now();
    for (let index = 0; index < workerCount; index += 1) {
      const request = requests[index % requests.length]!;
      new LoadWorker(run, target.connections.connection(index), request).next();
    }
  });
}

/** What the workers of one `runLoad` share. */
interface LoadRun {
  readonly target: LoadTarget;
  readonly marker: Buffer;
  readonly result: LoadResult;
  take(): boolean;
  workerDone(): void;
}

/** One worker: one connection, one request at a time, and the handler of every answer. */
class LoadWorker implements ExchangeHandler {
  readonly #run: LoadRun;
  readonly #connection: Http1Connection;
  readonly #request: Buffer;
  /** `next` bound once, for `queueMicrotask`. */
  readonly #nextBound: () => void;
  #started = 0;
  #headersMs = 0;
  #firstByteMs = -1;
  #statusCode = 0;
  /** JSON answers and error bodies: every chunk, joined at the end. */
  #chunks: Buffer[] = [];
  /** Streams: scanned for the marker as they come, not kept (only their last bytes). */
  readonly #scanner: StreamScanner;
  /** Whether the current answer is scanned as a stream (a 200 to a streaming request). */
  #scanning = false;

  constructor(run: LoadRun, connection: Http1Connection, request: Buffer) {
    this.#run = run;
    this.#connection = connection;
    this.#request = request;
    this.#scanner = new StreamScanner(run.marker, STREAM_TAIL_BYTES);
    this.#nextBound = () => this.next();
  }

  /** Sends this worker's next request, or reports the worker done. */
  next(): void {
    if (!this.#run.take()) {
      this.#run.workerDone();
      return;
    }
    this.#headersMs = 0;
    this.#firstByteMs = -1;
    this.#statusCode = 0;
    this.#chunks = [];
    this.#scanner.reset();
    this.#scanning = false;
    this.#started = performance.now();
    this.#connection.send(this.#request, this);
  }

  onHead(statusCode: number): void {
    this.#headersMs = performance.now() - this.#started;
    this.#statusCode = statusCode;
    this.#scanning = this.#run.target.stream && statusCode === 200;
  }

  onBody(chunk: Buffer): void {
    if (this.#firstByteMs < 0) this.#firstByteMs = performance.now() - this.#started;
    if (this.#scanning) this.#scanner.push(chunk);
    else this.#chunks.push(chunk);
  }

  onEnd(): void {
    const totalMs = performance.now() - this.#started;
    const outcome = this.#verdict();
    const result = this.#run.result;
    if (outcome === undefined) {
      result.totalMs.push(totalMs);
      result.firstByteMs.push(this.#firstByteMs);
      result.headersMs.push(this.#headersMs);
    } else this.#fail(outcome);
    this.#continue();
  }

  onError(error: Error): void {
    this.#fail(`request failed: ${error.message}`);
    this.#continue();
  }

  /** Undefined for a complete 200, a failure description otherwise. */
  #verdict(): string | undefined {
    if (this.#scanning) {
      if (this.#scanner.found) return undefined;
      return `incomplete stream: …${this.#scanner.tail().toString('utf8').slice(-120)}`;
    }
    const body = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    if (this.#statusCode !== 200) return `HTTP ${this.#statusCode}: ${body.toString('utf8').slice(0, 300)}`;
    if (body.includes(this.#run.marker)) return undefined;
    return `incomplete ${this.#run.target.stream ? 'stream' : 'body'}: …${body.toString('utf8').slice(-120)}`;
  }

  #fail(description: string): void {
    const result = this.#run.result;
    result.failures += 1;
    if (result.failureSamples.length < FAILURE_SAMPLES && !result.failureSamples.includes(description))
      result.failureSamples.push(description);
  }

  /** The next request starts in a microtask: after the parser's call returns, never recursively. */
  #continue(): void {
    queueMicrotask(this.#nextBound);
  }
}

/** One result from several runs against the same target (wall time is the sum of theirs). */
export function mergeLoads(loads: readonly LoadResult[]): LoadResult {
  const merged: LoadResult = {
    requests: 0,
    failures: 0,
    failureSamples: [],
    wallMs: 0,
    totalMs: [],
    firstByteMs: [],
    headersMs: [],
  };
  for (const load of loads) {
    merged.requests += load.requests;
    merged.failures += load.failures;
    merged.wallMs += load.wallMs;
    for (const sample of load.failureSamples) {
      if (merged.failureSamples.length < FAILURE_SAMPLES && !merged.failureSamples.includes(sample))
        merged.failureSamples.push(sample);
    }
    merged.totalMs.push(...load.totalMs);
    merged.firstByteMs.push(...load.firstByteMs);
    merged.headersMs.push(...load.headersMs);
  }
  return merged;
}
