import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import {
  anthropicClient,
  postAnthropic,
  sseEvents,
  startSimWithAnthropic,
} from '../testing/anthropic-client.ts';

let sim: UpstreamSim;
let client: Anthropic;

beforeAll(async () => {
  ({ sim, client } = await startSimWithAnthropic({
    apiKeys: ['sk-ant-test-key'],
    models: ['claude-sonnet-4-6', 'claude-opus-4-8'],
  }));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const model = 'claude-sonnet-4-6';
const request = { model, max_tokens: 64, messages: [{ role: 'user' as const, content: 'hello' }] };

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Anthropic.APIError)) throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

describe('request errors in the Anthropic envelope', () => {
  it('401 authentication_error for a wrong or missing key', async () => {
    const wrong = anthropicClient(sim, 'sk-ant-wrong');
    const error = await failure(wrong.messages.create(request));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.type).toBe('authentication_error');
    expect(error.apiMessage).toBe('Invalid bearer token');
    expect(error.requestID).toMatch(/^req_/);
    expect(error.error).toMatchObject({ type: 'error', request_id: error.requestID });

    const wrongHeader = await postAnthropic(sim, '/v1/messages', request, { 'x-api-key': 'sk-ant-wrong' });
    expect(wrongHeader.status).toBe(401);
    expect(await wrongHeader.json()).toMatchObject({
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
    });
    const missing = await postAnthropic(sim, '/v1/messages', request, { 'x-api-key': '' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { message: 'x-api-key header is required' } });
  });

  it('400 without anthropic-version', async () => {
    const response = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant-test-key', 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const body = (await response.json()) as {
      type: string;
      error: { type: string; message: string };
      request_id: string;
    };
    expect(body).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
      request_id: response.headers.get('request-id'),
    });
  });

  it('400 BadRequestError for invalid bodies, with the API wording', async () => {
    const cases: Array<[unknown, string]> = [
      [{ model, messages: request.messages }, 'max_tokens: Field required'],
      [{ ...request, messages: [] }, 'messages: at least one message is required'],
      [
        { ...request, messages: [{ role: 'user', content: '' }] },
        'messages.0: all messages must have non-empty content except for the optional final assistant message',
      ],
      [
        { ...request, messages: [{ role: 'user', content: 'hi', name: 'bob' }] },
        'messages.0.name: Extra inputs are not permitted',
      ],
      [
        { ...request, messages: [{ role: 'tool', content: 'x' }] },
        "messages.0.role: Input should be 'user' or 'assistant'",
      ],
      [
        {
          ...request,
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: 'Sure ' },
          ],
        },
        'messages: final assistant content cannot end with trailing whitespace',
      ],
      [
        {
          ...request,
          messages: [
            {
              role: 'user',
              content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA' } }],
            },
          ],
        },
        "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
      ],
      [{ ...request, temperature: 1.5 }, 'temperature: Input should be less than or equal to 1'],
    ];
    for (const [body, message] of cases) {
      const response = await postAnthropic(sim, '/v1/messages', body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe(message);
    }
    const bad = await failure(client.messages.create({ ...request, max_tokens: -1 }));
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect(bad.type).toBe('invalid_request_error');
  });

  it('allows consecutive same-role messages and a prefill', async () => {
    const message = await client.messages.create({
      ...request,
      messages: [
        { role: 'user', content: 'one' },
        { role: 'user', content: 'two' },
        { role: 'assistant', content: 'The answer is' },
      ],
    });
    expect(message.stop_reason).toBe('end_turn');
  });

  it('mid-conversation system messages need the beta flag', async () => {
    const body = {
      ...request,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'system', content: 'Be terse from now on.' },
        { role: 'user', content: 'and now?' },
      ],
    };
    const without = await postAnthropic(sim, '/v1/messages', body, {
      'anthropic-beta': 'context-1m-2025-08-07',
    });
    expect(without.status).toBe(400);
    expect(((await without.json()) as { error: { message: string } }).error.message).toBe(
      "messages.2.role: Input should be 'user' or 'assistant'",
    );
    const withBeta = await postAnthropic(sim, '/v1/messages?beta=true', body, {
      'anthropic-beta': 'context-1m-2025-08-07, mid-conversation-system-2026-04-07',
    });
    expect(withBeta.status).toBe(200);
  });

  it('404 not_found_error for an unknown model, and for unknown paths under /v1/messages', async () => {
    const error = await failure(client.messages.create({ ...request, model: 'claude-nonexistent' }));
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.type).toBe('not_found_error');
    expect(error.apiMessage).toBe('model: claude-nonexistent');
    const unknown = await postAnthropic(sim, '/v1/messages/batches/nope', {});
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('status faults render in the Anthropic envelope', () => {
  it('429 RateLimitError with retry-after', async () => {
    sim.addFault({ status: 429, headers: { 'retry-after': '3' } });
    const error = await failure(client.messages.create(request));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.type).toBe('rate_limit_error');
    expect(error.headers?.get('retry-after')).toBe('3');
    await expect(client.messages.create(request)).resolves.toHaveProperty('type', 'message');
  });

  it('529 is an OverloadedError, a subclass of InternalServerError; 500 is api_error', async () => {
    sim.addFault({ status: 529 });
    const overloaded = await failure(client.messages.create(request));
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect(overloaded.status).toBe(529);
    expect(overloaded.type).toBe('overloaded_error');
    expect(overloaded.apiMessage).toBe('Overloaded');

    sim.addFault({ match: { path: '/v1/messages' }, status: 500 });
    const internal = await failure(client.messages.create(request));
    expect(internal).toBeInstanceOf(Anthropic.InternalServerError);
    expect(internal.type).toBe('api_error');
  });

  it('403 and 413 use their documented types', async () => {
    sim.addFault({ status: 403 });
    expect((await failure(client.messages.create(request))).type).toBe('permission_error');
    sim.addFault({ status: 413 });
    expect((await failure(client.messages.create(request))).type).toBe('request_too_large');
  });
});

describe('stream faults', () => {
  it('streamError ends the stream with event: error, which the SDK throws', async () => {
    sim.addFault({ streamError: { type: 'overloaded_error', message: 'Overloaded' } });
    const response = await postAnthropic(sim, '/v1/messages', { ...request, stream: true });
    expect(response.status).toBe(200);
    const events = sseEvents(await response.text());
    expect(events.map((entry) => entry.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'error',
    ]);
    expect(events.at(-1)?.data).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });

    sim.addFault({ streamError: { type: 'overloaded_error', message: 'Overloaded' }, cutAfterChunks: 1 });
    const error = await failure(client.messages.stream(request).finalMessage());
    expect(error.type).toBe('overloaded_error');
    expect(error.message).toContain('Overloaded');
    expect(sim.requests.at(-1)?.completed).toBe(true);

    // Without a stream the same fault is an HTTP error.
    sim.addFault({ streamError: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(await failure(client.messages.create(request))).toBeInstanceOf(Anthropic.OverloadedError);
  });

  it('streamError can be queued over HTTP by out-of-process users', async () => {
    const bad = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streamError: { type: 'overloaded_error' } }),
    });
    expect(bad.status).toBe(400);
    const added = await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streamError: { type: 'api_error', message: 'Internal server error' },
        cutAfterChunks: 2,
      }),
    });
    expect(added.status).toBe(201);
    const events = sseEvents(
      await (await postAnthropic(sim, '/v1/messages', { ...request, stream: true })).text(),
    );
    expect(events.map((entry) => entry.event)).toEqual(['message_start', 'content_block_start', 'error']);
    expect(events.at(-1)?.data).toMatchObject({ error: { type: 'api_error' } });
  });

  it('cutAfterChunks drops the connection and finalMessage() rejects', async () => {
    sim.addFault({ cutAfterChunks: 3 });
    await expect(client.messages.stream(request).finalMessage()).rejects.toThrow();
    const record = sim.requests.at(-1);
    expect(record?.completed).toBe(false);
    expect(record?.aborted).toBe(false);
  });

  it('latencyMs delays the headers and chunkDelayMs paces the events', async () => {
    sim.addFault({ latencyMs: 120, chunkDelayMs: 10 });
    const startedAt = performance.now();
    const final = await client.messages.stream({ ...request, max_tokens: 9 }).finalMessage();
    const elapsed = performance.now() - startedAt;
    expect(final.stop_reason).toBe('max_tokens');
    // 120 ms before headers plus 10 ms between each of the ≥ 8 events.
    expect(elapsed).toBeGreaterThanOrEqual(190);
  });

  it('hang holds the request until the client gives up', async () => {
    sim.addFault({ hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(client.messages.create(request, { signal: controller.signal })).rejects.toBeInstanceOf(
      Anthropic.APIUserAbortError,
    );
  });
});
