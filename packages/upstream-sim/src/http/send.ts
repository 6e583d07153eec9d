import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  response.end(text);
}

/** Sends a fault's literal body: strings go out as-is so tests can inject non-JSON upstream replies. */
export function sendRaw(response: ServerResponse, status: number, body: unknown): void {
  if (typeof body !== 'string') {
    sendJson(response, status, body);
    return;
  }
  if (!response.hasHeader('content-type')) response.setHeader('content-type', 'text/plain; charset=utf-8');
  response.writeHead(status, { 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}

/**
 * Writes with backpressure: waits for 'drain' when the socket buffer is full. Resolves false
 * when the client went away, so callers stop generating.
 */
export async function writeWithBackpressure(
  response: ServerResponse,
  data: string,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted || response.destroyed) return false;
  if (response.write(data)) return true;
  try {
    await once(response, 'drain', { signal });
    return true;
  } catch {
    return false;
  }
}

const BATCH_CHARS = 16 * 1024;

/**
 * Collects the events of a stream generated without pauses and writes them in batches (up to
 * 16 KiB, the rest with `end()`), rather than one system call and one wake-up of the client per
 * event; the client reads the same bytes. (Corking the response instead garbles its chunked
 * encoding on Node 24.) Streams paced or cut by a fault write each event themselves.
 */
export class BatchedStream {
  readonly #response: ServerResponse;
  readonly #signal: AbortSignal;
  #pending = '';

  constructor(response: ServerResponse, signal: AbortSignal) {
    this.#response = response;
    this.#signal = signal;
  }

  /** False once the client went away, so callers stop generating. */
  async write(data: string): Promise<boolean> {
    this.#pending += data;
    if (this.#pending.length < BATCH_CHARS) return !this.#signal.aborted && !this.#response.destroyed;
    const batch = this.#pending;
    this.#pending = '';
    return writeWithBackpressure(this.#response, batch, this.#signal);
  }

  end(): void {
    if (this.#pending === '') this.#response.end();
    else this.#response.end(this.#pending);
    this.#pending = '';
  }
}

/** Writes and resolves once the data reached the OS, so a deliberate cut right after loses nothing. */
export function writeAndFlush(response: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => {
    response.write(data, () => resolve());
  });
}

/** Sleeps unless the client goes away first; resolves false in that case. */
export async function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
