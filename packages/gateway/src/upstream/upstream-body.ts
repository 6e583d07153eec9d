import type { Dispatcher } from 'undici';

/** What a callback reader of a body is told, in order: data… then end or error, once. */
export interface BodySink {
  data(chunk: Buffer): void;
  end(): void;
  error(error: Error): void;
}

/** Bytes a body keeps unread before it pauses the upstream (undici's own Readable default). */
const highWaterMark = 64 * 1024;

/**
 * An upstream answer's body as it arrives from undici's dispatcher. It is read one way: whole
 * (`text()`), as an async iterable, or by callbacks (`pipe()`, one call per chunk as it
 * arrives, no promise per chunk: the stream relay's path). Unread bytes past 64 KiB pause the
 * upstream connection (`controller.pause()`) until a reader takes them, as a Readable would.
 * @see https://undici.nodejs.org/#/docs/api/Dispatcher?id=dispatcherdispatchoptions-handler
 */
export class UpstreamBody implements AsyncIterable<Uint8Array> {
  #controller: Dispatcher.DispatchController | null = null;
  #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | null = null;
  #sink: BodySink | null = null;
  /** A reader waiting for the next chunk, the end or an error. */
  #wake: (() => void) | null = null;
  #text: Promise<string> | null = null;
  #sinkPaused = false;
  /** The callback reader has been told the end or the error (it is told once). */
  #told = false;
  /** Whether we asked undici to pause the connection (so resume is asked once, not per chunk). */
  #upstreamPaused = false;

  /** Called by the dispatch handler once the response started. */
  attach(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  /** The dispatcher's chunk. */
  push(chunk: Buffer): void {
    if (this.#error || this.#ended) return;
    if (this.#sink && !this.#sinkPaused && this.#queue.length === 0) {
      this.#sink.data(chunk);
      return;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued > highWaterMark) this.#pauseUpstream();
    this.#signal();
  }

  /** The dispatcher's end of the body. */
  end(): void {
    if (this.#error || this.#ended) return;
    this.#ended = true;
    if (this.#sink && !this.#sinkPaused && this.#queue.length === 0) this.#tell();
    else this.#signal();
  }

  /** The dispatcher's failure (or ours: `destroy`). */
  fail(error: Error): void {
    if (this.#error || this.#ended) return;
    this.#error = error;
    this.#queue = [];
    this.#queued = 0;
    if (this.#sink) this.#tell();
    else this.#signal();
  }

  /** True once a chunk or the end is here (the router hands a stream on after its first bytes). */
  get settled(): boolean {
    return this.#queue.length > 0 || this.#ended || this.#error !== null;
  }

  /** Resolves when the first chunk, the end or an error is here; false when the body ended empty. */
  async first(): Promise<boolean> {
    while (!this.settled) await new Promise<void>((resolve) => this.#waitFor(resolve));
    if (this.#queue.length > 0) return true;
    if (this.#error) throw this.#error;
    return false;
  }

  /** The whole body as UTF-8; asked again, the same text. */
  text(): Promise<string> {
    this.#text ??= this.#readAll();
    return this.#text;
  }

  async #readAll(): Promise<string> {
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = this.#take();
      if (chunk) {
        chunks.push(chunk);
        this.#refill();
      } else if (this.#error) throw this.#error;
      else if (this.#ended) break;
      else await new Promise<void>((resolve) => this.#waitFor(resolve));
    }
    return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    // Already read whole: the same bytes again.
    if (this.#text) {
      yield Buffer.from(await this.#text);
      return;
    }
    for (;;) {
      const chunk = this.#take();
      if (chunk) {
        yield chunk;
        this.#refill();
        continue;
      }
      if (this.#error) throw this.#error;
      if (this.#ended) return;
      await new Promise<void>((resolve) => this.#waitFor(resolve));
    }
  }

  /** Callback reading: what is queued now, then each chunk as it arrives. */
  pipe(sink: BodySink): void {
    this.#sink = sink;
    this.#drainToSink();
  }

  /** A callback reader's backpressure: no `data` until `resume()`. */
  pause(): void {
    this.#sinkPaused = true;
    this.#pauseUpstream();
  }

  resume(): void {
    this.#sinkPaused = false;
    this.#drainToSink();
  }

  /** Stops reading: the upstream request is aborted, and a waiting reader gets the error. */
  destroy(error?: Error): void {
    const reason = error ?? new Error('upstream body destroyed');
    if (!this.#ended && !this.#error) this.#controller?.abort(reason);
    this.fail(reason);
  }

  #drainToSink(): void {
    const sink = this.#sink;
    if (!sink) return;
    while (!this.#sinkPaused) {
      const chunk = this.#take();
      if (!chunk) break;
      sink.data(chunk);
    }
    if (this.#sinkPaused || this.#queue.length > 0) return;
    this.#refill();
    if (this.#queue.length > 0) return; // the resume delivered re-entrantly: queued only if paused again
    if (this.#error || this.#ended) this.#tell();
  }

  #tell(): void {
    const sink = this.#sink;
    if (!sink || this.#told) return;
    this.#told = true;
    if (this.#error) sink.error(this.#error);
    else sink.end();
  }

  /** The next queued chunk. The caller resumes the upstream after handing it on (`#refill`): a
   * resume may deliver the next chunk at once, re-entrantly, and it must not overtake this one. */
  #take(): Buffer | undefined {
    const chunk = this.#queue.shift();
    if (chunk) this.#queued -= chunk.length;
    return chunk;
  }

  #refill(): void {
    if (this.#queued <= highWaterMark && !this.#sinkPaused) this.#resumeUpstream();
  }

  #pauseUpstream(): void {
    if (this.#upstreamPaused || this.#ended) return;
    this.#upstreamPaused = true;
    this.#controller?.pause();
  }

  #resumeUpstream(): void {
    if (!this.#upstreamPaused) return;
    this.#upstreamPaused = false;
    this.#controller?.resume();
  }

  #waitFor(resolve: () => void): void {
    this.#wake = resolve;
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
