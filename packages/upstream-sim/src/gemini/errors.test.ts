import type { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import {
  apiError,
  errorBody,
  geminiClient,
  geminiSseData,
  postGemini,
  startSimWithGemini,
} from '../testing/gemini-client.ts';

let sim: UpstreamSim;
let client: GoogleGenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithGemini({
    apiKeys: ['gemini-test-key'],
    models: ['gemini-2.5-flash', 'models/gemini-3-flash-preview', 'gpt-4o'],
  }));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const model = 'gemini-2.5-flash';
const path = `/v1beta/models/${model}:generateContent`;
const body = { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] };

async function errorOf(
  response: Response,
): Promise<{ code: number; message: string; status: string; details?: unknown }> {
  expect(response.headers.get('content-type')).toBe('application/json');
  return ((await response.json()) as { error: { code: number; message: string; status: string } }).error;
}

describe('authentication', () => {
  it('takes the key from x-goog-api-key or ?key=, and answers a wrong key with 400 API_KEY_INVALID', async () => {
    const viaQuery = await postGemini(sim, `${path}?key=gemini-test-key`, body, {});
    expect(viaQuery.status).toBe(200);
    expect(sim.requests.at(-1)?.query).toBe('?key=gemini-test-key');

    const wrong = await apiError(geminiClient(sim, 'nope').models.generateContent({ model, contents: 'Hi' }));
    expect(wrong.status).toBe(400);
    expect(errorBody(wrong).error).toEqual({
      code: 400,
      message: 'API key not valid. Please pass a valid API key.',
      status: 'INVALID_ARGUMENT',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
        {
          '@type': 'type.googleapis.com/google.rpc.LocalizedMessage',
          locale: 'en-US',
          message: 'API key not valid. Please pass a valid API key.',
        },
      ],
    });
  });

  it('refuses callers without a key (403) and bearer tokens, which are not OAuth tokens (401)', async () => {
    const none = await postGemini(sim, path, body, {});
    expect(none.status).toBe(403);
    expect(await errorOf(none)).toMatchObject({
      status: 'PERMISSION_DENIED',
      message: expect.stringContaining("Method doesn't allow unregistered callers"),
    });
    const bearer = await postGemini(sim, path, body, { authorization: 'Bearer gemini-test-key' });
    expect(bearer.status).toBe(401);
    expect(await errorOf(bearer)).toMatchObject({
      status: 'UNAUTHENTICATED',
      details: [expect.objectContaining({ reason: 'ACCESS_TOKEN_TYPE_UNSUPPORTED' })],
    });
  });
});

describe('request checks', () => {
  it('404s unknown models, with or without the models/ prefix in the configuration', async () => {
    const ok = await client.models.generateContent({
      model: 'models/gemini-3-flash-preview',
      contents: 'Hi',
    });
    expect(ok.modelVersion).toBe('gemini-3-flash-preview');
    const missing = await apiError(
      client.models.generateContent({ model: 'gemini-9-ultra', contents: 'Hi' }),
    );
    expect(missing.status).toBe(404);
    expect(errorBody(missing).error).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message:
        'models/gemini-9-ultra is not found for API version v1beta, or is not supported for generateContent. ' +
        'Call ListModels to see the list of available models and their supported methods.',
    });
    const pager = await client.models.list();
    expect(pager.page.map((entry) => entry.name)).toEqual([
      'models/gemini-2.5-flash',
      'models/gemini-3-flash-preview',
      'models/gpt-4o',
    ]);
    expect((await apiError(client.models.get({ model: 'gemini-9-ultra' }))).status).toBe(404);
  });

  it('rejects unknown fields such as a body `model`, in the proto parser wording', async () => {
    const response = await postGemini(sim, path, { ...body, model, generationConfig: { max_tokens: 5 } });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.status).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      'Invalid JSON payload received. Unknown name "model": Cannot find field.\n' +
        'Invalid JSON payload received. Unknown name "max_tokens" at \'generation_config\': Cannot find field.',
    );
    // snake_case spellings of known fields are valid proto JSON.
    const snake = await postGemini(sim, path, {
      contents: body.contents,
      generation_config: { max_output_tokens: 3, thinking_config: { thinking_budget: 0 } },
    });
    expect(snake.status).toBe(200);
    const answer = (await snake.json()) as { usageMetadata: { candidatesTokenCount: number } };
    expect(answer.usageMetadata.candidatesTokenCount).toBe(3);
  });

  it('reports content problems as the API does', async () => {
    const cases: Array<[unknown, string]> = [
      [{ contents: [] }, '* GenerateContentRequest.contents: contents is not specified\n'],
      [
        {
          contents: [
            { role: 'user', parts: [{ text: 'Hi' }] },
            { role: 'model', parts: [{ text: '' }] },
          ],
        },
        "* GenerateContentRequest.contents[1].parts[0].data: required oneof field 'data' must have one initialized field\n",
      ],
      [
        { contents: [{ role: 'user', parts: [] }] },
        '* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n',
      ],
      [
        { contents: [{ role: 'assistant', parts: [{ text: 'Hi' }] }] },
        'Please use a valid role: user, model.',
      ],
      [
        { contents: ['Hi'] },
        'Invalid value at \'contents[0]\' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content), "Hi"',
      ],
      [
        { ...body, generationConfig: { maxOutputTokens: 'many' } },
        'Invalid value at \'generation_config.max_output_tokens\' (TYPE_INT32), "many"',
      ],
      [
        { ...body, generationConfig: { thinkingConfig: { thinkingLevel: 'HIGH' } } },
        'Thinking level is not supported for this model.',
      ],
      [
        {
          contents: [
            { role: 'model', parts: [{ text: 'x', thoughtSignature: 'not base64!' }] },
            ...body.contents,
          ],
        },
        'Invalid value at \'contents[0].parts[0].thought_signature\' (TYPE_BYTES), Base64 decoding failed for "not base64!"',
      ],
    ];
    for (const [request, message] of cases) {
      const response = await postGemini(sim, path, request);
      expect(response.status, message).toBe(400);
      expect((await errorOf(response)).message).toBe(message);
    }
    const budget = await postGemini(sim, '/v1beta/models/gemini-3-flash-preview:generateContent', {
      ...body,
      generationConfig: { thinkingConfig: { thinkingBudget: 40_000 } },
    });
    expect((await errorOf(budget)).message).toBe('The thinking budget (40000) is invalid.');

    const cache = await postGemini(sim, path, { ...body, cachedContent: 'cachedContents/abc' });
    expect(cache.status).toBe(403);
    expect(await errorOf(cache)).toMatchObject({
      status: 'PERMISSION_DENIED',
      message: 'CachedContent not found (or permission denied)',
    });
  });

  it('answers unknown paths under /v1beta in the Google envelope', async () => {
    const response = await postGemini(sim, `/v1beta/models/${model}:embedSomething`, body);
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatchObject({ code: 404, status: 'NOT_FOUND' });
  });
});

describe('faults', () => {
  it('renders status faults with their canonical status name, as the SDK ApiError status', async () => {
    const expected: Record<number, string> = {
      429: 'RESOURCE_EXHAUSTED',
      500: 'INTERNAL',
      503: 'UNAVAILABLE',
      504: 'DEADLINE_EXCEEDED',
    };
    for (const [status, name] of Object.entries(expected)) {
      sim.addFault({ status: Number(status), match: { model } });
      const error = await apiError(client.models.generateContent({ model, contents: 'Hi' }));
      expect(error.status).toBe(Number(status));
      expect(errorBody(error).error).toMatchObject({ code: Number(status), status: name });
    }
    sim.addFault({ status: 429, headers: { 'retry-after': '7' } });
    const limited = await postGemini(sim, path, body);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await errorOf(limited)).details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '7s',
    });
  });

  it('streamError ends a stream with an in-band error the SDK throws; without a stream it is an HTTP error', async () => {
    sim.addFault({ streamError: { type: 'UNAVAILABLE', message: 'The model is overloaded.' } });
    const texts: string[] = [];
    const failure = await apiError(
      (async () => {
        const stream = await client.models.generateContentStream({
          model,
          contents: 'Hi [[sim:reply_tokens=80]]',
        });
        for await (const chunk of stream) texts.push(chunk.text ?? '');
      })(),
    );
    expect(texts).toHaveLength(1);
    expect(failure.status).toBe(503);
    expect(failure.message).toContain('got status: UNAVAILABLE');

    sim.addFault({ streamError: { type: 'RESOURCE_EXHAUSTED', message: 'Quota.' } });
    const plain = await apiError(client.models.generateContent({ model, contents: 'Hi' }));
    expect(plain.status).toBe(429);
    expect(errorBody(plain).error).toMatchObject({ status: 'RESOURCE_EXHAUSTED', message: 'Quota.' });
  });

  it('cutAfterChunks drops the connection mid-stream; chunkDelayMs paces it', async () => {
    sim.addFault({ cutAfterChunks: 2, chunkDelayMs: 20 });
    const started = performance.now();
    const response = await postGemini(sim, `/v1beta/models/${model}:streamGenerateContent?alt=sse`, {
      contents: [{ parts: [{ text: 'Long [[sim:reply_tokens=200]]' }] }],
    });
    const received: string[] = [];
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
          if (done) break;
          received.push(decoder.decode(value));
        }
      })(),
    ).rejects.toThrow();
    expect(geminiSseData(received.join(''))).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(18);
    expect(sim.requests.at(-1)?.completed).toBe(false);
  });
});
