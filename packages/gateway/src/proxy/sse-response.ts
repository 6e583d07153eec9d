import type { FastifyReply } from 'fastify';

/**
 * The client side of a relayed stream. Headers go out on the first event — or on the
 * first keepalive, when the upstream is slow to answer at all — and an idle stream
 * gets the dialect's keepalive event so no proxy on the way times it out.
 */
export class SseResponse {
  readonly #reply: FastifyReply;
  readonly #keepaliveEvent: string;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #started = false;

  constructor(reply: FastifyReply, keepaliveEvent: string, intervalMs: number) {
    this.#reply = reply;
    this.#keepaliveEvent = keepaliveEvent;
    this.#intervalMs = intervalMs;
  }

  /** True once the 200 and SSE headers are out: errors must then be stream events. */
  get started(): boolean {
    return this.#started;
  }

  startKeepalive(): void {
    this.#timer ??= setInterval(() => this.#ping(), this.#intervalMs);
    this.#timer.unref();
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#reply.hijack();
    const raw = this.#reply.raw;
    // A client that asked for `Connection: close` gets it (RFC 9112 §9.6).
    const closing = /(^|,)\s*close\s*(,|$)/i.test(String(this.#reply.request.headers.connection ?? ''));
    raw.writeHead(200, {
      ...(this.#reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: closing ? 'close' : 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // No flushHeaders(): every start() is followed by a write, and Node sends the head with the
    // first write, in one segment, so the client gets the headers and the first event together.
  }

  /**
   * Writes one whole event. False when the client is gone, else the write's own answer:
   * false also when the client reads slower than the stream comes (wait for `onDrain`).
   */
  send(event: string): { gone: boolean; full: boolean } {
    this.start();
    this.#timer?.refresh();
    const raw = this.#reply.raw;
    if (raw.destroyed) return gone;
    return raw.write(event) ? open : full;
  }

  /** Calls `fn` once the client has taken what was written (after a `full` send). */
  onDrain(fn: () => void): void {
    this.#reply.raw.once('drain', fn);
  }

  end(finalEvent?: string): void {
    this.stopKeepalive();
    const raw = this.#reply.raw;
    if (raw.destroyed) return;
    this.start();
    if (finalEvent) raw.write(finalEvent);
    raw.end();
  }

  stopKeepalive(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #ping(): void {
    const raw = this.#reply.raw;
    if (raw.destroyed) {
      this.stopKeepalive();
      return;
    }
    this.start();
    raw.write(this.#keepaliveEvent);
  }
}

const gone = { gone: true, full: false } as const;
const open = { gone: false, full: false } as const;
const full = { gone: false, full: true } as const;
