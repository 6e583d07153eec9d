import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversation, requestBody } from '../../bench/bodies.ts';
import { LoadConnections } from '../../bench/http1/connections.ts';
import { type LoadTarget, runLoad } from '../../bench/load.ts';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Every request the test server saw: its path, authorization, body and connection. */
interface Seen {
  path: string;
  authorization: string | undefined;
  body: string;
  socket: number;
}

let server: Server;
let origin: string;
const seen: Seen[] = [];
const sockets = new WeakMap<object, number>();
let socketCount = 0;

/** A plain node:http server answering the way the bench's targets do, and a few ways they should not. */
beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let socket = sockets.get(request.socket);
      if (socket === undefined) {
        socketCount += 1;
        socket = socketCount;
        sockets.set(request.socket, socket);
      }
      seen.push({
        path: request.url ?? '',
        authorization: request.headers.authorization,
        body: Buffer.concat(chunks).toString(),
        socket,
      });
      void answer(request.url ?? '', response);
    });
  });
  // Short (`Keep-Alive: timeout=3`), so the test can wait past the client's reuse window (2 s less).
  server.keepAliveTimeout = 3_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

async function answer(path: string, response: ServerResponse): Promise<void> {
  switch (path) {
    case '/json':
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"object":"chat.completion","choices":[]}');
      return;
    case '/sse': {
      // Chunked, the marker split across two writes 20 ms apart (two TCP reads).
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let index = 0; index < 5; index += 1) response.write(`data: {"n":${index}}\n\n`);
      response.write('data: [DO');
      await sleep(20);
      response.end('NE]\n\n');
      return;
    }
    case '/sse-cut':
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end('data: {"n":1}\n\ndata: {"n":2, cut here');
      return;
    case '/error':
      response.writeHead(429, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"slow down"}}');
      return;
    case '/close':
      response.writeHead(200, { connection: 'close', 'content-type': 'application/json' });
      response.end('{"object":"chat.completion"}');
      return;
    case '/hang-up':
      response.socket?.destroy();
      return;
    default:
      response.writeHead(404).end();
  }
}

function target(path: string, overrides: Partial<LoadTarget> = {}): LoadTarget {
  return {
    connections: new LoadConnections(origin),
    path,
    headers: { authorization: 'Bearer one', 'content-type': 'application/json' },
    body: Buffer.from('{"hello":"world"}'),
    stream: path.startsWith('/sse'),
    completeMarker: path.startsWith('/sse') ? 'data: [DONE]' : '"chat.completion"',
    ...overrides,
  };
}

describe('runLoad', () => {
  it('sends every request with its body and headers, one connection per worker, and times each answer', async () => {
    seen.length = 0;
    const json = target('/json');
    const result = await runLoad(json, { requests: 40, concurrency: 4 });
    json.connections.close();
    expect(result).toMatchObject({ requests: 40, failures: 0, failureSamples: [] });
    expect(result.totalMs).toHaveLength(40);
    expect(seen).toHaveLength(40);
    expect(new Set(seen.map((request) => request.socket)).size).toBe(4);
    for (const request of seen) {
      expect(request).toMatchObject({
        path: '/json',
        authorization: 'Bearer one',
        body: '{"hello":"world"}',
      });
    }
    for (let index = 0; index < 40; index += 1) {
      const [headers, firstByte, total] = [
        result.headersMs[index]!,
        result.firstByteMs[index]!,
        result.totalMs[index]!,
      ];
      expect(headers).toBeGreaterThan(0);
      expect(firstByte).toBeGreaterThanOrEqual(headers);
      expect(total).toBeGreaterThanOrEqual(firstByte);
    }
  });

  it('reads a chunked stream to its end and finds a marker split across reads', async () => {
    const sse = target('/sse');
    const result = await runLoad(sse, { requests: 12, concurrency: 3 });
    sse.connections.close();
    expect(result).toMatchObject({ requests: 12, failures: 0 });
    // The end waited for the marker's second half, 20 ms after the first byte.
    for (let index = 0; index < 12; index += 1)
      expect(result.totalMs[index]! - result.firstByteMs[index]!).toBeGreaterThanOrEqual(10);
  });

  it('counts an error status, a stream without its marker and a hang-up as failures, with samples', async () => {
    const error = await runLoad(target('/error'), { requests: 3, concurrency: 1 });
    expect(error).toMatchObject({
      requests: 3,
      failures: 3,
      failureSamples: ['HTTP 429: {"error":{"message":"slow down"}}'],
    });
    expect(error.totalMs).toEqual([]);
    const cut = await runLoad(target('/sse-cut'), { requests: 2, concurrency: 2 });
    expect(cut).toMatchObject({
      failures: 2,
      failureSamples: ['incomplete stream: …data: {"n":1}\n\ndata: {"n":2, cut here'],
    });
    const json = await runLoad(target('/json', { completeMarker: '"object":"response"' }), {
      requests: 1,
      concurrency: 1,
    });
    expect(json.failureSamples).toEqual(['incomplete body: …{"object":"chat.completion","choices":[]}']);
    const hangUp = await runLoad(target('/hang-up'), { requests: 2, concurrency: 1 });
    expect(hangUp).toMatchObject({ failures: 2, failureSamples: ['request failed: other side closed'] });
  });

  it('reports a refused connection as a failure', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const result = await runLoad(
      { ...target('/json'), connections: new LoadConnections(`http://127.0.0.1:${port}`) },
      { requests: 2, concurrency: 1 },
    );
    expect(result.failures).toBe(2);
    expect(result.failureSamples).toEqual([`request failed: connect ECONNREFUSED 127.0.0.1:${port}`]);
  });

  it('reconnects after Connection: close and near the server’s keep-alive timeout, without failures', async () => {
    seen.length = 0;
    const closing = target('/close');
    expect(await runLoad(closing, { requests: 5, concurrency: 1 })).toMatchObject({ failures: 0 });
    expect(new Set(seen.map((request) => request.socket)).size).toBe(5);

    seen.length = 0;
    const json = target('/json');
    expect(await runLoad(json, { requests: 4, concurrency: 2 })).toMatchObject({ failures: 0 });
    // Past the hint less 2 s: the idle sockets are not reused, though the server has not closed them yet.
    await sleep(1_300);
    expect(await runLoad(json, { requests: 4, concurrency: 2 })).toMatchObject({ failures: 0 });
    json.connections.close();
    const [before, after] = [seen.slice(0, 4), seen.slice(4)].map(
      (part) => new Set(part.map((request) => request.socket)),
    );
    expect(before!.size).toBe(2);
    expect([...after!].some((socket) => before!.has(socket))).toBe(false);
  });

  it('ends a run whose connections are closed under it, every request left failing', async () => {
    const sse = target('/sse');
    const running = runLoad(sse, { requests: 50, concurrency: 2 });
    await sleep(5);
    sse.connections.close();
    const result = await running;
    expect(result.requests).toBe(50);
    expect(result.failures).toBeGreaterThanOrEqual(48);
    expect(result.failureSamples).toEqual(['request failed: connection closed by the client']);
    expect(await runLoad(sse, { requests: 3, concurrency: 3 })).toMatchObject({ requests: 3, failures: 3 });
  });

  it('keeps the connections of one target from run to run', async () => {
    seen.length = 0;
    const json = target('/json');
    await runLoad(json, { requests: 6, concurrency: 3 });
    await runLoad(json, { requests: 6, concurrency: 3 });
    json.connections.close();
    expect(new Set(seen.map((request) => request.socket)).size).toBe(3);
  });

  it('gives worker i header set i mod n, and stops starting requests at the deadline', async () => {
    seen.length = 0;
    const keyed = target('/json', {
      headers: [{ authorization: 'Bearer a' }, { authorization: 'Bearer b' }],
    });
    await runLoad(keyed, { requests: 20, concurrency: 4 });
    const bySocket = new Map<number, Set<string | undefined>>();
    for (const request of seen) {
      const keys = bySocket.get(request.socket) ?? new Set();
      keys.add(request.authorization);
      bySocket.set(request.socket, keys);
    }
    expect([...bySocket.values()].map((keys) => [...keys])).toEqual([
      ['Bearer a'],
      ['Bearer b'],
      ['Bearer a'],
      ['Bearer b'],
    ]);

    const late = await runLoad(keyed, { requests: 20, concurrency: 4, deadline: Date.now() - 1 });
    expect(late).toMatchObject({ requests: 0, failures: 0, totalMs: [] });
    const short = await runLoad(keyed, { requests: 1_000_000, concurrency: 2, deadline: Date.now() + 150 });
    keyed.connections.close();
    expect(short.requests).toBeGreaterThan(0);
    expect(short.requests).toBeLessThan(1_000_000);
    expect(short.failures).toBe(0);
    expect(short.totalMs).toHaveLength(short.requests);
  });
});

describe('LoadConnections', () => {
  it('puts on the wire the very bytes undici’s Pool.request sends', async () => {
    const received: string[] = [];
    const tcp = createTcpServer((socket) => {
      let bytes = '';
      socket.on('data', (data: Buffer) => {
        bytes += data.toString('latin1');
        const head = bytes.indexOf('\r\n\r\n');
        if (head < 0 || bytes.length < head + 4 + 17) return;
        received.push(bytes);
        bytes = '';
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      });
    });
    tcp.listen(0, '127.0.0.1');
    await once(tcp, 'listening');
    const url = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
    const request = {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: Buffer.from('{"hello":"world"}'),
    };
    const pool = new Pool(url);
    const viaUndici = await pool.request(request);
    expect(await viaUndici.body.text()).toBe('ok');
    const ours = await new LoadConnections(url).request(request);
    expect([ours.statusCode, ours.body.toString()]).toEqual([200, 'ok']);
    await pool.destroy();
    tcp.close();
    expect(received).toHaveLength(2);
    expect(received[1]).toBe(received[0]);
  });
});

describe('runLoad against the upstream simulator', () => {
  let sim: UpstreamSim;
  beforeAll(async () => {
    sim = await startUpstreamSim({ host: '127.0.0.1', port: 0, apiKeys: ['sk-load-test'] });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('reads chat answers, JSON and streamed, as complete', async () => {
    const connections = new LoadConnections(sim.url);
    for (const stream of [false, true]) {
      const result = await runLoad(
        {
          connections,
          path: '/v1/chat/completions',
          headers: { authorization: 'Bearer sk-load-test', 'content-type': 'application/json' },
          body: requestBody(conversation('small'), 'deepseek-chat', stream),
          stream,
          completeMarker: stream ? 'data: [DONE]' : '"chat.completion"',
        },
        { requests: 30, concurrency: 5 },
      );
      expect(result, stream ? 'stream' : 'json').toMatchObject({ requests: 30, failures: 0 });
    }
    connections.close();
    expect(sim.requests).toHaveLength(60);
  });
});
