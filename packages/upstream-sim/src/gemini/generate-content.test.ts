import { FinishReason, type GenerateContentResponse, type GoogleGenAI, Type } from '@google/genai';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { geminiSseData, postGemini, startSimWithGemini } from '../testing/gemini-client.ts';

let sim: UpstreamSim;
let client: GoogleGenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithGemini({ apiKeys: ['gemini-test-key'] }));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

/** Gemini 2.0 does not think, which keeps usage to prompt + answer. */
const plain = 'gemini-2.0-flash';
const question = 'Tell me about rivers.';

function thoughtsOf(response: GenerateContentResponse): string {
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  return parts.map((part) => (part.thought ? (part.text ?? '') : '')).join('');
}

describe('models.generateContent', () => {
  it('answers with deterministic text and exact usage', async () => {
    const response = await client.models.generateContent({ model: plain, contents: question });
    const text = response.text ?? '';
    expect(text).toMatch(/^[A-Z].+\.$/);
    expect(encode(text)).toHaveLength(30);
    expect(response.candidates).toHaveLength(1);
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(response.candidates?.[0]?.index).toBe(0);
    expect(response.candidates?.[0]?.content?.role).toBe('model');
    expect(response.modelVersion).toBe(plain);
    expect(response.responseId).toMatch(/^[A-Za-z0-9_-]{23}$/);
    const prompt = encode(question).length;
    expect(response.usageMetadata).toEqual({
      promptTokenCount: prompt,
      candidatesTokenCount: 30,
      totalTokenCount: prompt + 30,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
    });

    const again = await client.models.generateContent({ model: plain, contents: question });
    expect(again.text).toBe(text);
    expect(again.responseId).not.toBe(response.responseId);

    const recorded = sim.requests.at(-1);
    expect(recorded?.path).toBe(`/v1beta/models/${plain}:generateContent`);
    expect(recorded?.headers['x-goog-api-key']).toBe('gemini-test-key');
    expect(recorded?.body).toEqual({ contents: [{ parts: [{ text: question }], role: 'user' }] });
  });

  it('honours reply_tokens, maxOutputTokens (MAX_TOKENS), stopSequences and Fault.replyTokens', async () => {
    const contents = 'Go on [[sim:reply_tokens=120]]';
    const full = await client.models.generateContent({ model: plain, contents });
    expect(full.usageMetadata?.candidatesTokenCount).toBe(120);

    const cut = await client.models.generateContent({
      model: plain,
      contents,
      config: { maxOutputTokens: 17 },
    });
    expect(cut.candidates?.[0]?.finishReason).toBe(FinishReason.MAX_TOKENS);
    expect(cut.usageMetadata?.candidatesTokenCount).toBe(17);
    expect(encode(cut.text ?? '')).toHaveLength(17);
    expect(full.text?.startsWith(cut.text ?? '')).toBe(true);

    const word = full.text?.split(' ')[6] ?? '';
    const stopped = await client.models.generateContent({
      model: plain,
      contents,
      config: { stopSequences: ['#never#', ` ${word}`] },
    });
    expect(stopped.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(full.text?.startsWith(stopped.text ?? '')).toBe(true);
    expect(stopped.text).not.toContain(` ${word}`);

    sim.addFault({ replyTokens: 5 });
    const short = await client.models.generateContent({ model: plain, contents });
    expect(short.usageMetadata?.candidatesTokenCount).toBe(5);
  });

  it('gives candidateCount different candidates, counted together', async () => {
    const response = await client.models.generateContent({
      model: plain,
      contents: question,
      config: { candidateCount: 3 },
    });
    const texts = response.candidates?.map((candidate) => candidate.content?.parts?.[0]?.text) ?? [];
    expect(texts).toHaveLength(3);
    expect(new Set(texts).size).toBe(3);
    expect(response.candidates?.map((candidate) => candidate.index)).toEqual([0, 1, 2]);
    expect(response.usageMetadata?.candidatesTokenCount).toBe(90);
  });

  it('answers JSON matching responseSchema, properties in propertyOrdering', async () => {
    const response = await client.models.generateContent({
      model: plain,
      contents: 'A recipe please',
      config: {
        responseMimeType: 'application/json',
        responseSchema: {
          type: Type.OBJECT,
          properties: {
            servings: { type: Type.INTEGER, minimum: 2 },
            name: { type: Type.STRING },
            ingredients: { type: Type.ARRAY, items: { type: Type.STRING } },
            vegan: { type: Type.BOOLEAN, nullable: true },
          },
          propertyOrdering: ['name', 'ingredients', 'servings', 'vegan'],
        },
      },
    });
    expect(response.text).toBe('{"name":"Ada Lovelace","ingredients":["example"],"servings":3,"vegan":true}');
    expect(response.usageMetadata?.candidatesTokenCount).toBe(encode(response.text ?? '').length);
  });

  it('reads responseJsonSchema with uppercase types, as gemini-cli sends it', async () => {
    const response = await client.models.generateContent({
      model: 'gemini-3.5-flash-lite',
      contents: 'Classify this request',
      config: {
        responseMimeType: 'application/json',
        responseJsonSchema: {
          type: 'OBJECT',
          properties: { complexity_reasoning: { type: 'STRING' }, complexity_score: { type: 'INTEGER' } },
          required: ['complexity_reasoning', 'complexity_score'],
        },
      },
    });
    const answer = JSON.parse(response.text ?? '') as {
      complexity_reasoning: string;
      complexity_score: number;
    };
    expect(answer).toEqual({ complexity_reasoning: 'example', complexity_score: 3 });
  });

  it('answers one enum value for text/x.enum', async () => {
    const response = await client.models.generateContent({
      model: plain,
      contents: 'Which instrument?',
      config: {
        responseMimeType: 'text/x.enum',
        responseSchema: { type: Type.STRING, enum: ['Percussion', 'String'] },
      },
    });
    expect(response.text).toBe('Percussion');
  });
});

describe('thinking', () => {
  it('2.5 Flash thinks by default; includeThoughts returns a summary first', async () => {
    const hidden = await client.models.generateContent({ model: 'gemini-2.5-flash', contents: question });
    expect(hidden.candidates?.[0]?.content?.parts).toHaveLength(1);
    expect(hidden.usageMetadata?.thoughtsTokenCount).toBe(128);
    expect(hidden.usageMetadata?.totalTokenCount).toBe(
      (hidden.usageMetadata?.promptTokenCount ?? 0) + 30 + 128,
    );

    const shown = await client.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: question,
      config: { thinkingConfig: { includeThoughts: true } },
    });
    const parts = shown.candidates?.[0]?.content?.parts ?? [];
    expect(parts.map((part) => part.thought ?? false)).toEqual([true, false]);
    expect(encode(thoughtsOf(shown))).toHaveLength(32);
    // The SDK's text getter skips thoughts.
    expect(shown.text).toBe(hidden.text);

    const off = await client.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: question,
      config: { thinkingConfig: { thinkingBudget: 0, includeThoughts: true } },
    });
    expect(off.usageMetadata?.thoughtsTokenCount).toBeUndefined();
    expect(off.candidates?.[0]?.content?.parts).toHaveLength(1);
  });

  it('thinking levels on Gemini 3; a budget caps the amount; thoughts spend maxOutputTokens first', async () => {
    const levels: Record<string, number | undefined> = {};
    for (const thinkingLevel of ['LOW', 'HIGH'] as const) {
      const response = await client.models.generateContent({
        model: 'gemini-3-flash-preview',
        contents: question,
        config: { thinkingConfig: { thinkingLevel: thinkingLevel as never } },
      });
      levels[thinkingLevel] = response.usageMetadata?.thoughtsTokenCount;
    }
    expect(levels).toEqual({ LOW: 64, HIGH: 256 });

    const capped = await client.models.generateContent({
      model: 'gemini-2.5-pro',
      contents: question,
      config: { thinkingConfig: { thinkingBudget: 200 } },
    });
    expect(capped.usageMetadata?.thoughtsTokenCount).toBe(128);

    const starved = await client.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: question,
      config: { maxOutputTokens: 100 },
    });
    expect(starved.candidates?.[0]?.finishReason).toBe(FinishReason.MAX_TOKENS);
    expect(starved.candidates?.[0]?.content).toEqual({ role: 'model' });
    expect(starved.text).toBeUndefined();
    expect(starved.usageMetadata?.thoughtsTokenCount).toBe(100);
    expect(starved.usageMetadata?.candidatesTokenCount).toBeUndefined();
  });
});

describe('models.generateContentStream', () => {
  it('streams incremental chunks whose text adds up; the last has finishReason and the final usage', async () => {
    const contents = 'Stream please [[sim:reply_tokens=60]]';
    const chunks: GenerateContentResponse[] = [];
    for await (const chunk of await client.models.generateContentStream({ model: plain, contents })) {
      chunks.push(chunk);
    }
    expect(chunks.length).toBeGreaterThan(2);
    const whole = await client.models.generateContent({ model: plain, contents });
    expect(chunks.map((chunk) => chunk.text).join('')).toBe(whole.text);
    expect(chunks.slice(0, -1).every((chunk) => chunk.candidates?.[0]?.finishReason === undefined)).toBe(
      true,
    );
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(chunks.at(-1)?.usageMetadata).toEqual(whole.usageMetadata);
    // Every chunk carries usage so far, and the same response id.
    const counts = chunks.map((chunk) => chunk.usageMetadata?.candidatesTokenCount ?? 0);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(chunks.map((chunk) => chunk.responseId)).size).toBe(1);
    expect(sim.requests.at(-2)?.query).toBe('?alt=sse');
  });

  it('streams thought summaries before the answer', async () => {
    const chunks: GenerateContentResponse[] = [];
    const stream = await client.models.generateContentStream({
      model: 'gemini-3-flash-preview',
      contents: question,
      config: { thinkingConfig: { includeThoughts: true, thinkingLevel: 'LOW' as never } },
    });
    for await (const chunk of stream) chunks.push(chunk);
    const kinds = chunks.map((chunk) =>
      chunk.candidates?.[0]?.content?.parts?.[0]?.thought ? 'thought' : 'text',
    );
    expect(kinds[0]).toBe('thought');
    expect(kinds.lastIndexOf('thought')).toBeLessThan(kinds.indexOf('text'));
    expect(chunks.at(-1)?.usageMetadata?.thoughtsTokenCount).toBe(64);
    // Gemini 3 signs its last text part.
    expect(chunks.at(-1)?.candidates?.[0]?.content?.parts?.[0]?.thoughtSignature).toMatch(
      /^[A-Za-z0-9+/]+=*$/,
    );
  });

  it('frames SSE as data: records ended by a blank line, with no event names or sentinel', async () => {
    const response = await postGemini(sim, `/v1beta/models/${plain}:streamGenerateContent?alt=sse`, {
      contents: [{ role: 'user', parts: [{ text: question }] }],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const body = await response.text();
    expect(body).not.toContain('event:');
    expect(body).not.toContain('[DONE]');
    expect(body.endsWith('\r\n\r\n')).toBe(true);
    const events = geminiSseData(body);
    expect(events.length).toBeGreaterThan(1);
    expect(Object.keys(events[0] ?? {})).toEqual([
      'candidates',
      'usageMetadata',
      'modelVersion',
      'responseId',
    ]);
  });

  it('without alt=sse streams one JSON array of responses', async () => {
    const response = await postGemini(sim, `/v1beta/models/${plain}:streamGenerateContent`, {
      contents: [{ parts: [{ text: question }] }],
    });
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const chunks = JSON.parse(await response.text()) as GenerateContentResponse[];
    expect(chunks.length).toBeGreaterThan(1);
    const text = chunks.map((chunk) => chunk.candidates?.[0]?.content?.parts?.[0]?.text ?? '').join('');
    expect(encode(text)).toHaveLength(30);
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe('STOP');
  });
});

describe('models.countTokens and implicit caching', () => {
  it('counts what generateContent reports as promptTokenCount', async () => {
    const contents = [
      { role: 'user', parts: [{ text: question }] },
      { role: 'model', parts: [{ text: 'Rivers flow.' }] },
      {
        role: 'user',
        parts: [{ text: 'More.' }, { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }],
      },
    ];
    const counted = await client.models.countTokens({ model: plain, contents });
    const generated = await client.models.generateContent({ model: plain, contents });
    const text = [question, 'Rivers flow.', 'More.'].reduce((sum, part) => sum + encode(part).length, 0);
    expect(counted.totalTokens).toBe(text + 258);
    expect(generated.usageMetadata?.promptTokenCount).toBe(counted.totalTokens);
    expect(generated.usageMetadata?.promptTokensDetails).toEqual([
      { modality: 'TEXT', tokenCount: text },
      { modality: 'IMAGE', tokenCount: 258 },
    ]);

    // A whole request (system instruction, tools) can be counted too, over REST.
    const response = await postGemini(sim, `/v1beta/models/${plain}:countTokens`, {
      generateContentRequest: {
        model: `models/${plain}`,
        contents,
        systemInstruction: { parts: [{ text: 'Be brief.' }] },
      },
    });
    expect(await response.json()).toEqual({
      totalTokens: text + 258 + encode('Be brief.').length,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: text + encode('Be brief.').length },
        { modality: 'IMAGE', tokenCount: 258 },
      ],
    });
  });

  it('reports cachedContentTokenCount for a repeated long prefix (2.5 and later)', async () => {
    const contents = `${'lorem ipsum dolor '.repeat(700)}Summarize.`;
    const model = 'gemini-2.5-flash';
    const first = await client.models.generateContent({ model, contents });
    const prompt = first.usageMetadata?.promptTokenCount ?? 0;
    expect(prompt).toBeGreaterThan(2000);
    expect(first.usageMetadata?.cachedContentTokenCount).toBeUndefined();
    const second = await client.models.generateContent({ model, contents });
    const cached = second.usageMetadata?.cachedContentTokenCount ?? 0;
    expect(cached).toBe(1024 + Math.floor((prompt - 1024) / 128) * 128);
    expect(second.usageMetadata?.promptTokenCount).toBe(prompt);
    expect(second.usageMetadata?.cacheTokensDetails).toEqual([{ modality: 'TEXT', tokenCount: cached }]);
    // Gemini 2.0 has no implicit caching.
    await client.models.generateContent({ model: plain, contents });
    const older = await client.models.generateContent({ model: plain, contents });
    expect(older.usageMetadata?.cachedContentTokenCount).toBeUndefined();
  });
});

describe('models.list and models.get', () => {
  it('pages through the model list', async () => {
    const pager = await client.models.list({ config: { pageSize: 3 } });
    expect(pager.page).toHaveLength(3);
    const names: string[] = [];
    for await (const model of pager) names.push(model.name ?? '');
    expect(names).toContain('models/gemini-2.5-flash');
    expect(names).toHaveLength(8);
    expect(sim.requests.some((request) => request.query.includes('pageToken='))).toBe(true);

    const model = await client.models.get({ model: 'gemini-2.5-pro' });
    expect(model).toMatchObject({
      name: 'models/gemini-2.5-pro',
      displayName: 'Gemini 2.5 Pro',
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedActions: expect.arrayContaining(['generateContent', 'countTokens']),
      thinking: true,
    });
  });
});
