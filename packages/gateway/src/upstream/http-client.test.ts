import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../errors/index.ts';
import { UpstreamClient } from './http-client.ts';

/** A real HTTP server on 127.0.0.1: each test names its own path's behaviour. */
type Route = (request: IncomingMessage, response: ServerResponse) => void;
const routes = new Map<string, Route>();
let server: Server;
let base: string;
const client = new UpstreamClient({
  connectTimeoutMs: 2_000,
  firstByteTimeoutMs: 2_000,
  idleTimeoutMs: 2_000,
});
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  server = createServer((request, response) => routes.get(request.url ?? '')?.(request, response));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  server.close();
});

const post = (path: string, signal = new AbortController().signal) =>
  client.post('sim', `${base}${path}`, { 'content-type': 'application/json' }, '{"x":1}', signal);

describe('UpstreamClient on undici dispatch', () => {
  it('answers status and lower-cased headers, and the body whole as text (the same text when asked again)', async () => {
    routes.set('/json', (request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        response.writeHead(201, { 'Content-Type': 'application/json', 'X-Echo': body });
        response.write('{"a":');
        setTimeout(() => response.end('"é"}'), 20);
      });
    });
    const answer = await post('/json');
    expect(answer.status).toBe(201);
    expect(answer.headers['x-echo']).toBe('{"x":1}');
    expect(answer.headers['content-type']).toBe('application/json');
    expect(await answer.body.text()).toBe('{"a":"é"}');
    expect(await answer.body.text()).toBe('{"a":"é"}');
  });

  it('streams a large body by callbacks, pausing the upstream while the reader is paused', async () => {
    const payload = randomBytes(8 * 1024 * 1024);
    let finished = false;
    routes.set('/big', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.on('finish', () => (finished = true));
      response.end(payload);
    });
    const answer = await post('/big');
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((resolve, reject) =>
      answer.body.pipe({ data: (chunk) => chunks.push(chunk), end: resolve, error: reject }),
    );
    answer.body.pause();
    const before = chunks.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Paused: nothing more was handed over and the server could not write all of it.
    expect(chunks.length).toBe(before);
    expect(finished).toBe(false);
    answer.body.resume();
    await ended;
    expect(sha(Buffer.concat(chunks))).toBe(sha(payload));
  });

  it('iterates a body chunk by chunk, and the router can wait for its first bytes without taking them', async () => {
    routes.set('/sse', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\n\n');
      setTimeout(() => response.end('data: 2\n\n'), 30);
    });
    const answer = await post('/sse');
    expect(await answer.body.first()).toBe(true);
    const chunks: string[] = [];
    for await (const chunk of answer.body) chunks.push(Buffer.from(chunk).toString());
    expect(chunks.join('')).toBe('data: 1\n\ndata: 2\n\n');
  });

  it('says an empty body ended empty', async () => {
    routes.set('/empty', (_request, response) => response.writeHead(200).end());
    const answer = await post('/empty');
    expect(await answer.body.first()).toBe(false);
    expect(await answer.body.text()).toBe('');
  });

  it('destroying a body aborts the upstream request (the server sees its client go)', async () => {
    let closed: () => void = () => undefined;
    const serverSawClose = new Promise<void>((resolve) => (closed = resolve));
    routes.set('/endless', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => response.write('data: tick\n\n'), 5);
      response.on('close', () => {
        clearInterval(timer);
        closed();
      });
    });
    const answer = await post('/endless');
    await answer.body.first();
    const error = new Promise<Error>((resolve) =>
      answer.body.pipe({ data: () => undefined, end: () => undefined, error: resolve }),
    );
    answer.body.destroy(new Error('enough'));
    expect((await error).message).toBe('enough');
    await serverSawClose;
  });

  it('an abort before the answer rejects the call; an abort during the body fails the body', async () => {
    routes.set('/slow', (_request, response) => {
      setTimeout(() => {
        if (response.destroyed) return;
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write('data: 1\n\n');
      }, 200);
    });
    const early = new AbortController();
    setTimeout(() => early.abort(), 20);
    await expect(post('/slow', early.signal)).rejects.toBeInstanceOf(UpstreamError);

    const late = new AbortController();
    const answer = await post('/slow', late.signal);
    await answer.body.first();
    late.abort();
    await expect(answer.body.text()).rejects.toThrow();
  });

  it('a server that hangs up mid-body fails the body, not the process', async () => {
    routes.set('/cut', (request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
      setTimeout(() => request.socket.destroy(), 20);
    });
    const answer = await post('/cut');
    await expect(answer.body.text()).rejects.toThrow();
  });
});
