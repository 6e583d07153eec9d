import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type ResponseHead, ResponseParser, type ResponseSink } from './response-parser.ts';

/** What one exchange reports, in this order: head, body pieces, end; or an error at any point. */
export interface ExchangeHandler {
  onHead(statusCode: number): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
  onError(error: Error): void;
}

/** A connection idle this long is closed (and another opened), as undici's `keepAliveTimeout` default. */
const DEFAULT_IDLE_MS = 4_000;
/**
 * Closed this long before the server's `Keep-Alive: timeout` hint, so a request never meets its
 * close (undici's `keepAliveTimeoutThreshold` default).
 */
const HINT_MARGIN_MS = 2_000;
/** No byte for this long fails the exchange (undici's headers and body timeouts default to 300 s). */
const SILENCE_TIMEOUT_MS = 300_000;

/**
 * One keep-alive HTTP/1.1 connection to a plain-HTTP origin carrying one exchange at a time (no
 * pipelining), for the bench's load generator: a request goes out as one pre-serialized Buffer
 * in one write, the answer comes back through `ResponseParser`. The socket is opened on first
 * use and again after the server closed it, it said `Connection: close`, or it sat idle past its
 * `Keep-Alive: timeout` hint (less 2 s; 4 s without a hint), as undici's Client does.
 * @see https://www.rfc-editor.org/rfc/rfc9112#section-9.3
 */
export class Http1Connection implements ResponseSink {
  readonly #host: string;
  readonly #port: number;
  readonly #parser = new ResponseParser(this);
  #socket: Socket | undefined;
  #handler: ExchangeHandler | undefined;
  #head: ResponseHead | undefined;
  /** performance.now() after which the idle socket is not reused. */
  #reuseUntil = 0;
  #closed = false;

  constructor(origin: URL) {
    if (origin.protocol !== 'http:') throw new Error(`only http: origins, not ${origin.protocol}`);
    this.#host = origin.hostname;
    this.#port = Number(origin.port || 80);
  }

  /** Sends `request` (a whole serialized request) and reports its answer to `handler`. */
  send(request: Buffer, handler: ExchangeHandler): void {
    if (this.#handler !== undefined) throw new Error('an exchange is already running on this connection');
    if (this.#closed) {
      handler.onError(new Error('connection closed by the client'));
      return;
    }
    const current = this.#socket;
    if (current !== undefined && (current.destroyed || performance.now() > this.#reuseUntil)) {
      current.destroy();
      this.#socket = undefined;
    }
    this.#handler = handler;
    this.#head = undefined;
    this.#parser.reset();
    (this.#socket ?? this.#open()).write(request);
  }

  /** Closes the socket for good: an exchange still running fails, and so does every later one. */
  close(): void {
    this.#closed = true;
    const socket = this.#socket;
    if (socket !== undefined) this.#fail(socket, new Error('connection closed by the client'));
  }

  #open(): Socket {
    const socket = connect({ host: this.#host, port: this.#port, noDelay: true });
    socket.setTimeout(SILENCE_TIMEOUT_MS);
    socket.on('data', (data: Buffer) => {
      if (socket !== this.#socket) return;
      if (this.#handler === undefined) {
        this.#fail(socket, new Error('data on an idle connection'));
        return;
      }
      try {
        this.#parser.execute(data);
      } catch (error) {
        this.#fail(socket, error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('end', () => {
      if (socket !== this.#socket) return;
      if (this.#handler === undefined) {
        this.#socket = undefined;
        return;
      }
      try {
        this.#parser.end();
      } catch (error) {
        this.#fail(socket, error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('timeout', () => {
      socket.destroy(new Error(`no data for ${SILENCE_TIMEOUT_MS / 1000} s`));
    });
    socket.on('error', (error) => this.#fail(socket, error));
    socket.on('close', () => this.#fail(socket, new Error('other side closed')));
    this.#socket = socket;
    return socket;
  }

  /** Ends the running exchange (if any) with `error` and drops the socket. */
  #fail(socket: Socket, error: Error): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    socket.destroy();
    const handler = this.#handler;
    this.#handler = undefined;
    handler?.onError(error);
  }

  onHead(head: ResponseHead): void {
    this.#head = head;
    this.#handler?.onHead(head.statusCode);
  }

  onBody(chunk: Buffer): void {
    this.#handler?.onBody(chunk);
  }

  onComplete(): void {
    const handler = this.#handler;
    this.#handler = undefined;
    const head = this.#head;
    if (head?.keepAlive && this.#socket !== undefined) {
      const idleMs =
        head.keepAliveTimeoutMs === undefined
          ? DEFAULT_IDLE_MS
          : Math.max(0, head.keepAliveTimeoutMs - HINT_MARGIN_MS);
      this.#reuseUntil = performance.now() + idleMs;
    } else {
      this.#socket?.destroy();
      this.#socket = undefined;
    }
    handler?.onEnd();
  }
}
