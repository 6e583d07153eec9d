import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, simulatorKey, startHarness, type TestUser } from '../helpers/harness.ts';

/** One content delta of ~8 KB, as a Chat Completions stream chunk. */
const piece = 'x'.repeat(8_000);
const deltaChunk = `data: ${JSON.stringify({
  id: 'chatcmpl-fast',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'fast-model',
  choices: [{ index: 0, delta: { content: piece }, finish_reason: null }],
})}\n\n`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A client that stops reading a stream stops the upstream too: the gateway holds a bounded
 * amount of it (socket buffers and a 64 KiB queue), never the whole answer, and the stream
 * then completes, billed, once the client reads again.
 * @see https://nodejs.org/api/stream.html#backpressure-in-streams
 */
describe('a slow streaming client', () => {
  let harness: Harness;
  let user: TestUser;
  let upstream: Server;
  let written = 0;
  let deltas = 0;
  /** The upstream finishes its stream once it has written this much. */
  let finishAt = Number.POSITIVE_INFINITY;

  beforeAll(async () => {
    // A Chat Completions stream with no end of its own, served as fast as the gateway takes it (it
    // waits on 'drain', as a real server does), until the test names where it ends.
    upstream = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = () => {
        while (written < finishAt) {
          deltas += 1;
          written += deltaChunk.length;
          if (!response.write(deltaChunk)) return void response.once('drain', pump);
        }
        const usage = { prompt_tokens: 5, completion_tokens: deltas, total_tokens: 5 + deltas };
        response.end(
          `data: ${JSON.stringify({ id: 'chatcmpl-fast', object: 'chat.completion.chunk', created: 1, model: 'fast-model', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage })}\n\ndata: [DONE]\n\n`,
        );
      };
      pump();
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const { port } = upstream.address() as AddressInfo;
    harness = await startHarness({
      config: {
        providers: {
          fast: { adapter: 'deepseek', baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: simulatorKey },
        },
        models: { 'fast-chat': { route: 'fast/fast-model', price: { input: 1, output: 1 } } },
      },
    });
    user = await harness.newUser(1000);
  });
  afterAll(async () => {
    await harness.close();
    upstream.closeAllConnections();
    upstream.close();
  });

  it('pauses the upstream while the client does not read, then relays all of it and bills it', async () => {
    const body = JSON.stringify({
      model: 'fast-chat',
      stream: true,
      max_tokens: 100_000,
      messages: [{ role: 'user', content: 'go' }],
    });
    const url = new URL(`${harness.baseUrl}/chat/completions`);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = httpRequest(
        url,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
        },
        resolve,
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
    expect(response.statusCode).toBe(200);
    response.pause();
    // Not reading: once the buffers on the way are full (the sockets' and a 64 KiB queue in the
    // gateway), the upstream can write no more. A relay that kept reading would never stall.
    let stalledAt = -1;
    for (let waited = 0, last = -1, still = 0; waited < 15_000 && stalledAt < 0; waited += 100) {
      await sleep(100);
      still = written === last ? still + 100 : 0;
      last = written;
      if (still >= 600) stalledAt = written;
    }
    expect(stalledAt).toBeGreaterThan(0);

    // Reading again: the upstream goes on (4 MB more), and the stream ends whole.
    finishAt = written + 4_000_000;
    let text = '';
    response.setEncoding('utf8');
    // The content runs dropped as they come (tens of MB); the rest, markers included, kept whole.
    response.on('data', (part: string) => (text += part.replace(/x{64,}/g, '')));
    response.resume();
    await once(response, 'end');
    expect(written).toBeGreaterThanOrEqual(stalledAt + 4_000_000);
    expect(text.split('"delta":{"content"').length - 1).toBe(deltas);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);

    const [log] = await listRequestLogs(harness.db, user.user.id);
    expect(log).toMatchObject({ status: 200, completion_tokens: deltas, usage_source: 'upstream' });
    expect(log?.cost_micro).toBeGreaterThan(0);
    await harness.balancedBalance(user.user.id);
  });
});
