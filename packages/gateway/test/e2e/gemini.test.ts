import { GoogleGenAI, type Tool, Type } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

interface GeminiBody {
  contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>;
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: Array<Record<string, unknown>> }>;
}

describe('Gemini API layout (@google/genai → gateway → simulator)', () => {
  let harness: Harness;
  let user: TestUser;
  let genai: GoogleGenAI;

  beforeAll(async () => {
    harness = await startHarness();
    user = await harness.newUser(1000);
    genai = new GoogleGenAI({ apiKey: user.key, httpOptions: { baseUrl: harness.gateway.url } });
  });
  afterAll(() => harness.close());

  it('generates content and bills the reported usage', async () => {
    const before = await harness.balancedBalance(user.user.id);
    const response = await genai.models.generateContent({
      model: 'gemini-3.5-fast',
      contents: 'Say hello. [[sim:reply_tokens=25]]',
      config: { systemInstruction: 'Be brief.' },
    });
    expect(response.text?.length).toBeGreaterThan(10);
    const usage = response.usageMetadata!;
    expect(usage.totalTokenCount).toBe(
      (usage.promptTokenCount ?? 0) + (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
    );
    // Passed straight through to the Gemini API, under the operator's key, never the client's.
    const upstream = harness.sim.requests.at(-1)!;
    expect(upstream.path).toBe('/v1beta/models/gemini-3.5-flash-preview:generateContent');
    expect(upstream.headers['x-goog-api-key']).toBe('sim-test-key');
    expect(JSON.stringify(upstream.headers)).not.toContain(user.key);
    expect((upstream.body as GeminiBody).systemInstruction?.parts[0]?.text).toBe('Be brief.');
    const [log] = await listRequestLogs(harness.db, user.user.id, 1);
    expect(log).toMatchObject({ model: 'gemini-3.5-fast', status: 200 });
    expect(before - (await harness.balancedBalance(user.user.id))).toBe(Number(log!.cost_micro));
    expect(Number(log!.cost_micro)).toBeGreaterThan(0);
  });

  it('streams with generateContentStream', async () => {
    const chunks: string[] = [];
    for await (const chunk of await genai.models.generateContentStream({
      model: 'gemini-3.5-fast',
      contents: 'Stream a reply. [[sim:reply_tokens=40]]',
    })) {
      chunks.push(chunk.text ?? '');
    }
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('').length).toBeGreaterThan(20);
  });

  it('completes a function-calling round trip, passing thought signatures on', async () => {
    const tools: Tool[] = [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: {
              type: Type.OBJECT,
              properties: { city: { type: Type.STRING } },
              required: ['city'],
            },
          },
        ],
      },
    ];
    const first = await genai.models.generateContent({
      model: 'gemini-3.5-fast',
      contents: 'Weather in Oslo?',
      config: { tools },
    });
    const call = first.functionCalls?.[0];
    expect(call?.name).toBe('get_weather');
    expect(call?.args).toHaveProperty('city');
    const forwardedTools = (harness.sim.requests.at(-1)!.body as GeminiBody).tools!;
    expect(forwardedTools[0]!.functionDeclarations[0]!['parameters']).toEqual({
      type: 'OBJECT',
      properties: { city: { type: 'STRING' } },
      required: ['city'],
    });
    const modelTurn = first.candidates![0]!.content!;
    const signature = modelTurn.parts!.find((part) => part.functionCall)?.thoughtSignature;
    expect(signature).toMatch(/^[A-Za-z0-9+/=_-]{16,}$/);

    const second = await genai.models.generateContent({
      model: 'gemini-3.5-fast',
      config: { tools },
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Oslo?' }] },
        modelTurn,
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 7 } } }],
        },
      ],
    });
    expect(second.text).toContain('7');
    const replayed = (harness.sim.requests.at(-1)!.body as GeminiBody).contents;
    expect(replayed.map((content) => content.role)).toEqual(['user', 'model', 'user']);
    expect(replayed[1]!.parts.find((part) => part['functionCall'])?.['thoughtSignature']).toBe(signature);
    await harness.balancedBalance(user.user.id);
  });

  it('counts tokens, lists models, and answers errors in Google’s envelope', async () => {
    const counted = await genai.models.countTokens({
      model: 'gemini-3.5-fast',
      contents: 'How many tokens?',
    });
    expect(counted.totalTokens).toBeGreaterThan(2);
    const listed: string[] = [];
    for await (const model of await genai.models.list()) listed.push(model.name ?? '');
    expect(listed).toContain('models/gemini-3.5-fast');

    const unknown = await genai.models
      .generateContent({ model: 'mystery-model', contents: 'x' })
      .catch((error: unknown) => error as { status: number; message: string });
    expect((unknown as { status: number }).status).toBe(400);
    const raw = await fetch(
      `${harness.gateway.url}/v1beta/models/mystery-model:generateContent?key=${user.key}`,
      {
        method: 'POST',
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'x' }] }] }),
      },
    );
    const body = (await raw.json()) as {
      error: { code: number; status: string; message: string; type: string };
    };
    expect(body.error).toMatchObject({
      code: 400,
      status: 'INVALID_ARGUMENT',
      type: 'invalid_request_error',
    });
    const noKey = await fetch(`${harness.gateway.url}/v1beta/models/gemini-3.5-fast:generateContent`, {
      method: 'POST',
      body: '{}',
    });
    expect(noKey.status).toBe(401);
  });

  it('/v1/gemini takes a Gemini-native body or an OpenAI-shaped one and answers in kind', async () => {
    const native = await fetch(`${harness.baseUrl}/gemini`, {
      method: 'POST',
      headers: { 'x-goog-api-key': user.key },
      body: JSON.stringify({
        model: 'gemini-3.5-thinking',
        contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
        generationConfig: { maxOutputTokens: 2048, temperature: 0.2 },
      }),
    });
    expect(native.status).toBe(200);
    const nativeBody = (await native.json()) as {
      candidates: Array<{ content: { parts: Array<{ text: string }> } }>;
    };
    expect(nativeBody.candidates[0]!.content.parts[0]!.text.length).toBeGreaterThan(0);

    const openaiShaped = await fetch(`${harness.baseUrl.replace('/v1', '/api/v1')}/gemini`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.key}` },
      body: JSON.stringify({ model: 'gemini-3.5-fast', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(openaiShaped.status).toBe(200);
    expect(((await openaiShaped.json()) as { object: string }).object).toBe('chat.completion');
  });

  it('the openai SDK can call a Gemini model on /v1/chat/completions', async () => {
    const completion = await user.client.chat.completions.create({
      model: 'gemini-2.5-flash-official',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(harness.sim.requests.at(-1)!.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  });
});
