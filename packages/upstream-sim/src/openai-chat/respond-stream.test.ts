import { encode } from 'gpt-tokenizer';
import type OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { postJson, sseData, startSimWithClient } from '../testing/sim-client.ts';

let sim: UpstreamSim;
let client: OpenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithClient());
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const messages = [{ role: 'user' as const, content: 'Stream me a story.' }];

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a place',
    parameters: {
      type: 'object',
      properties: {
        location: { type: 'string' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 1 },
        detailed: { type: 'boolean' },
      },
      required: ['location', 'unit', 'days'],
    },
  },
};

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('streaming with the SDK', () => {
  it('sends role first, content deltas, finish, then the usage chunk when asked', async () => {
    const chunks = await collect(
      await client.chat.completions.create({
        model: 'gpt-4o',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const first = chunks[0];
    expect(first?.object).toBe('chat.completion.chunk');
    expect(first?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(new Set(chunks.map((chunk) => chunk.created)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.model === 'gpt-4o')).toBe(true);

    const usageChunk = chunks.at(-1);
    const finishChunk = chunks.at(-2);
    expect(usageChunk?.choices).toEqual([]);
    expect(finishChunk?.choices[0]?.delta).toEqual({});
    expect(finishChunk?.choices[0]?.finish_reason).toBe('stop');
    // Every chunk but the last carries usage: null.
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    const contentChunks = chunks.slice(1, -2);
    expect(contentChunks.length).toBeGreaterThan(3);
    expect(contentChunks.every((chunk) => chunk.choices[0]?.finish_reason === null)).toBe(true);

    const text = contentChunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    const nonStreamed = await client.chat.completions.create({ model: 'gpt-4o', messages });
    expect(text).toBe(nonStreamed.choices[0]?.message.content);
    expect(usageChunk?.usage?.completion_tokens).toBe(encode(text).length);
    expect(usageChunk?.usage?.prompt_tokens).toBe(nonStreamed.usage?.prompt_tokens);
    expect(usageChunk?.usage?.total_tokens).toBe(
      (usageChunk?.usage?.prompt_tokens ?? 0) + (usageChunk?.usage?.completion_tokens ?? 0),
    );
  });

  it('omits the usage chunk and the usage field without include_usage', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true }),
    );
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.every((chunk) => !('usage' in chunk))).toBe(true);
  });

  it('interleaves n choices, each with its own role and finish', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ model: 'gpt-4o', messages, stream: true, n: 2 }),
    );
    for (const index of [0, 1]) {
      const own = chunks.flatMap((chunk) => chunk.choices).filter((choice) => choice.index === index);
      expect(own[0]?.delta.role).toBe('assistant');
      expect(own.at(-1)?.finish_reason).toBe('stop');
      expect(own.filter((choice) => choice.finish_reason !== null)).toHaveLength(1);
    }
    expect(chunks[1]?.choices[0]?.index).toBe(1);
  });

  it('assembles a streamed tool call with the stream helper', async () => {
    const runner = client.chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    const final = await runner.finalChatCompletion();
    const choice = final.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(call.function.name).toBe('get_weather');
    const args = JSON.parse(call.function.arguments);
    expect(Object.keys(args).sort()).toEqual(['days', 'location', 'unit']);
    expect(typeof args.location).toBe('string');
    expect(['celsius', 'fahrenheit']).toContain(args.unit);
    expect(Number.isInteger(args.days) && args.days >= 1).toBe(true);
  });
});

describe('SSE wire format', () => {
  it('frames data-only events, pads with obfuscation and ends with [DONE]', async () => {
    const response = await postJson(sim, '/v1/chat/completions', { model: 'gpt-4o', messages, stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const text = await response.text();
    expect(text).not.toMatch(/^event:/m);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseData(text);
    expect(events.filter((event) => event === '[DONE]')).toHaveLength(1);
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
    expect(
      chunks.every((chunk) => typeof chunk.obfuscation === 'string' && chunk.obfuscation.length > 0),
    ).toBe(true);
  });

  it('delivers a stream of many write batches whole, every chunk in the API field order', async () => {
    // ~2,700 content deltas: some 600 KB of events, far more than one 16 KiB batch.
    const long = [{ role: 'user' as const, content: 'A long one [[sim:reply_tokens=8000]]' }];
    const body = { model: 'gpt-4o', messages: long, stream: true, stream_options: { include_usage: true } };
    const events = sseData(await (await postJson(sim, '/v1/chat/completions', body)).text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
    const fields = ['id', 'object', 'created', 'model', 'service_tier', 'system_fingerprint', 'choices'];
    for (const chunk of chunks.slice(0, -1))
      expect(Object.keys(chunk)).toEqual([...fields, 'usage', 'obfuscation']);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    const whole = await client.chat.completions.create({ model: 'gpt-4o', messages: long });
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(chunks.at(-1).usage.completion_tokens).toBe(8000);
    expect(encode(text)).toHaveLength(8000);
  });

  it('drops obfuscation when include_obfuscation is false', async () => {
    const response = await postJson(sim, '/v1/chat/completions', {
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_obfuscation: false, include_usage: true },
    });
    const chunks = sseData(await response.text())
      .slice(0, -1)
      .map((event) => JSON.parse(event));
    expect(chunks.some((chunk) => 'obfuscation' in chunk)).toBe(false);
    expect(chunks.at(-1).choices).toEqual([]);
    expect(chunks.at(-1).usage.completion_tokens).toBe(30);
  });

  it('sends the tool call start with the role, then argument fragments', async () => {
    const response = await postJson(sim, '/v1/chat/completions', {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [weatherTool],
      stream: true,
    });
    const chunks = sseData(await response.text())
      .slice(0, -1)
      .map((event) => JSON.parse(event));
    const deltas = chunks.map((chunk) => chunk.choices[0].delta);
    expect(deltas[0]).toMatchObject({
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } }],
    });
    const fragments = deltas.slice(1, -1).map((delta) => {
      expect(Object.keys(delta.tool_calls[0]).sort()).toEqual(['function', 'index']);
      return delta.tool_calls[0].function.arguments;
    });
    expect(fragments.length).toBeGreaterThan(1);
    expect(JSON.parse(fragments.join(''))).toHaveProperty('location');
    expect(chunks.at(-1).choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
  });
});
