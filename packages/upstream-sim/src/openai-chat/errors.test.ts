import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { postJson, startSimWithClient } from '../testing/sim-client.ts';
import type { OpenAiErrorBody } from './errors.ts';

let sim: UpstreamSim;
let client: OpenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithClient(
    { apiKeys: ['sk-good-key'], models: ['gpt-4o'] },
    'sk-good-key',
  ));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const messages = [{ role: 'user' as const, content: 'hello' }];

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof OpenAI.APIError)) throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

describe('errors surface as the SDK classes', () => {
  it('401 for a wrong key', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key-123', baseURL: `${sim.url}/v1`, maxRetries: 0 });
    const error = await failure(wrong.chat.completions.create({ model: 'gpt-4o', messages }));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_api_key');
    expect(error.type).toBe('invalid_request_error');
    expect(error.message).toContain('Incorrect API key provided');
    expect(error.message).not.toContain('sk-wrong-key-123');
    expect(error.requestID).toMatch(/^req_/);
  });

  it('401 with the envelope when the header is missing', async () => {
    const response = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages }),
    });
    expect(response.status).toBe(401);
    const body = await response.json();
    expect(body).toEqual({
      error: {
        message: expect.stringContaining("didn't provide an API key"),
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
  });

  it('400 for a body that is not JSON', async () => {
    const response = await postJson(sim, '/v1/chat/completions', '{"model": ', 'sk-good-key');
    expect(response.status).toBe(400);
    const body = (await response.json()) as OpenAiErrorBody;
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('could not parse the JSON body');
    expect(sim.requests[0]?.body).toBe('{"model": ');
  });

  it.each([
    ['model', { messages }, 'missing_required_parameter'],
    ['messages', { model: 'gpt-4o' }, 'missing_required_parameter'],
    ['messages', { model: 'gpt-4o', messages: [] }, 'empty_array'],
    ['messages[0].role', { model: 'gpt-4o', messages: [{ role: 'robot', content: 'x' }] }, 'invalid_value'],
    ['n', { model: 'gpt-4o', messages, n: 0 }, 'integer_below_min_value'],
    [
      'stream_options',
      { model: 'gpt-4o', messages, stream_options: { include_usage: true } },
      'invalid_value',
    ],
  ])('400 naming param %s', async (param, body, code) => {
    const error = await failure(client.chat.completions.create(body as never));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe(param);
    expect(error.code).toBe(code);
    expect(error.type).toBe('invalid_request_error');
  });

  it('404 model_not_found for a model outside the configured list', async () => {
    const error = await failure(client.chat.completions.create({ model: 'gpt-9', messages }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.code).toBe('model_not_found');
    expect(error.message).toContain('gpt-9');
  });

  it('404 in the OpenAI envelope for an unknown route', async () => {
    const response = await postJson(sim, '/v1/nope', {}, 'sk-good-key');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        message: 'Invalid URL (POST /v1/nope)',
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
  });

  it('accepts the path without /v1', async () => {
    const response = await postJson(sim, '/chat/completions', { model: 'gpt-4o', messages }, 'sk-good-key');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { object: string }).object).toBe('chat.completion');
  });
});
