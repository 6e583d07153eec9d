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
