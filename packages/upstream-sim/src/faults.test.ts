import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { UpstreamSim } from './server.ts';
import { postJson, sseData, startSimWithClient } from './testing/sim-client.ts';

let sim: UpstreamSim;
let client: OpenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithClient());
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hello' }] };

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (caught: unknown) => caught,
  );
}

describe('status faults', () => {
  it('429 with retry-after surfaces as RateLimitError', async () => {
    sim.addFault({ status: 429, headers: { 'retry-after': '1' } });
    const error = await failure(client.chat.completions.create(request));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.headers.get('retry-after')).toBe('1');
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    // Consumed: the next request succeeds.
    await expect(client.chat.completions.create(request)).resolves.toHaveProperty(
      'object',
      'chat.completion',
    );
  });

  it.each([500, 503])('%i surfaces as InternalServerError with the server_error envelope', async (status) => {
    sim.addFault({ status });
    const error = await failure(client.chat.completions.create(request));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
    expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');
  });

  it('sends a custom body verbatim', async () => {
    sim.addFault({ status: 502, body: '<html>bad gateway</html>' });
    const response = await postJson(sim, '/v1/chat/completions', request);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('<html>bad gateway</html>');
  });

  it('matches by model and path, and keeps sticky faults', async () => {
    sim.addFault({ match: { model: 'gpt-4o-mini' }, status: 500, times: Number.POSITIVE_INFINITY });
    sim.addFault({ match: { path: '/v1/models' }, status: 503 });
    await expect(client.chat.completions.create(request)).resolves.toBeTruthy();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(
        client.chat.completions.create({ ...request, model: 'gpt-4o-mini' }),
      ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    }
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    sim.clearFaults();
    await expect(client.chat.completions.create({ ...request, model: 'gpt-4o-mini' })).resolves.toBeTruthy();
  });

  it('consumes a fault `times` times', async () => {
    sim.addFault({ status: 500, times: 2 });
    await expect(client.chat.completions.create(request)).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(client.chat.completions.create(request)).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(client.chat.completions.create(request)).resolves.toBeTruthy();
  });
});

describe('transport faults', () => {
  it('delays the response by latencyMs', async () => {
    sim.addFault({ latencyMs: 300 });
    const started = performance.now();
    await client.chat.completions.create(request);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('hangs until the client gives up, and records the abort', async () => {
    sim.addFault({ hang: true });
    const error = await failure(client.chat.completions.create(request, { timeout: 200 }));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await vi.waitFor(() => expect(sim.requests[0]).toMatchObject({ aborted: true, completed: false }));
  });

  it('drops the connection without a response', async () => {
    sim.addFault({ dropConnection: true });
    const error = await failure(client.chat.completions.create(request));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(sim.requests[0]).toMatchObject({ aborted: false, completed: false });
  });

  it('cuts a stream after N events, before finish, usage and [DONE]', async () => {
    sim.addFault({ cutAfterChunks: 3 });
    const stream = await client.chat.completions.create({
      ...request,
      stream: true,
      stream_options: { include_usage: true },
    });
    const received: ChatCompletionChunk[] = [];
    const error = await failure(
      (async () => {
        for await (const chunk of stream) received.push(chunk);
      })(),
    );
    // undici reports the half-finished chunked body as "terminated".
    expect((error as Error).message).toMatch(/terminated/);
    expect(received).toHaveLength(3);
    expect(received[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(received.some((chunk) => chunk.choices[0]?.finish_reason)).toBe(false);
    expect(received.some((chunk) => chunk.usage)).toBe(false);
    await vi.waitFor(() => expect(sim.requests[0]).toMatchObject({ aborted: false, completed: false }));
  });

  it('a cut stream never carries [DONE] on the wire', async () => {
    sim.addFault({ cutAfterChunks: 2 });
    const response = await postJson(sim, '/v1/chat/completions', { ...request, stream: true });
    const reader = response.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          text += decoder.decode(value);
        }
      })(),
    ).rejects.toThrow();
    expect(sseData(text)).toHaveLength(2);
    expect(text).not.toContain('[DONE]');
  });

  it('paces events by chunkDelayMs', async () => {
    sim.addFault({ chunkDelayMs: 40, replyTokens: 6 });
    const started = performance.now();
    const stream = await client.chat.completions.create({ ...request, stream: true });
    let count = 0;
    for await (const _chunk of stream) count += 1;
    // role + 2 content deltas (3 words each) + finish = 4 chunks, then [DONE]: 4 gaps.
    expect(count).toBe(4);
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 40 - 10);
  });

  it('overrides the reply length with replyTokens', async () => {
    sim.addFault({ replyTokens: 5 });
    const completion = await client.chat.completions.create(request);
    expect(completion.usage?.completion_tokens).toBe(5);
  });

  it('records the client going away mid-stream', async () => {
    sim.addFault({ chunkDelayMs: 50, replyTokens: 60 });
    const stream = await client.chat.completions.create({ ...request, stream: true });
    for await (const _chunk of stream) break;
    await vi.waitFor(() => expect(sim.requests[0]).toMatchObject({ aborted: true, completed: false }));
  });
});

describe('recorded requests', () => {
  it('keeps method, path, lowercased headers and the parsed body', async () => {
    await client.chat.completions.create(request);
    expect(sim.requests).toHaveLength(1);
    const recorded = sim.requests[0];
    expect(recorded).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: request,
      aborted: false,
      completed: true,
    });
    expect(recorded?.headers['authorization']).toBe('Bearer sk-test-key');
    expect(recorded?.headers['content-type']).toBe('application/json');
  });

  it('reset() clears requests, faults and keeps the array live', async () => {
    const live = sim.requests;
    sim.addFault({ status: 500, times: Number.POSITIVE_INFINITY });
    await expect(client.chat.completions.create(request)).rejects.toBeTruthy();
    sim.reset();
    expect(live).toHaveLength(0);
    await expect(client.chat.completions.create(request)).resolves.toBeTruthy();
    expect(live).toHaveLength(1);
  });
});
