import { startUpstreamSim, type UpstreamSim } from '@hypereal/upstream-sim';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatCompletion, ChatMessage, ChatRequest, Json } from '../../contracts/index.ts';
import { splitSse } from '../../upstream/sse.ts';
import { ChatChunkEncoder } from '../openai-chat/chat-chunk-encoder.ts';
import { anthropicUpstreamCodec, createAnthropicUpstreamCodec } from './upstream-codec.ts';

// The codec against the upstream simulator's Messages API, which validates bodies as the
// real API does (extra fields, thinking budgets, signatures, tool pairing) and answers
// deterministically: what a chat client of a Claude route would get.
let sim: UpstreamSim;
beforeAll(async () => {
  sim = await startUpstreamSim({ apiKeys: ['sk-ant-test'] });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const model = 'claude-sonnet-4-6';
const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a place',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

async function post(chat: ChatRequest, stream: boolean, codec = anthropicUpstreamCodec): Promise<Response> {
  const call = codec.request(chat, model, stream, '/v1/messages');
  const response = await fetch(`${sim.url}${call.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', ...call.headers },
    body: call.body,
  });
  if (response.status !== 200) throw new Error(`${response.status}: ${await response.text()}`);
  return response;
}

async function complete(chat: ChatRequest, codec = anthropicUpstreamCodec): Promise<ChatCompletion> {
  const response = await post(chat, false, codec);
  return codec.responseToChat((await response.json()) as Json, model);
}

/** Streams through the translator; returns the chunks a chat client would parse, and the translator. */
async function streamed(chat: ChatRequest) {
  const response = await post(chat, true);
  const translator = anthropicUpstreamCodec.streamToChat(model);
  const encoder = new ChatChunkEncoder(true);
  let bytes = '';
  if (!response.body) throw new Error('no body');
  for await (const event of splitSse(response.body)) bytes += encoder.encode(translator.observe(event)) ?? '';
  if (translator.completed) bytes += encoder.encode(translator.finish()) ?? '';
  const chunks = bytes
    .split('\n\n')
    .filter((record) => record.length > 0)
    .map((record) => record.replace(/^data: /, ''));
  return { translator, chunks };
}

describe('the Anthropic upstream codec against the simulator', () => {
  it('a text answer: one choice, stop, usage as the simulator counted it', async () => {
    const chat = await complete({
      model: 'gateway-name',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Tell me about rivers.' },
      ],
      max_completion_tokens: 256,
      stream_options: { include_usage: true },
    });
    expect(chat.choices).toHaveLength(1);
    expect(chat.choices[0]?.finish_reason).toBe('stop');
    expect(chat.choices[0]?.message.content).toMatch(/^[A-Z]/);
    expect(chat.model).toBe(model);
    const recorded = sim.requests.at(-1);
    expect(recorded?.path).toBe('/v1/messages');
    expect(recorded?.headers['anthropic-version']).toBe('2023-06-01');
    expect(chat.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(chat.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('a streamed tool call: one call with JSON arguments, finish tool_calls, a usage chunk, [DONE]', async () => {
    const { translator, chunks } = await streamed({
      model: 'gateway-name',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weather],
      stream: true,
    });
    expect(translator.completed).toBe(true);
    expect(chunks.at(-1)).toBe('[DONE]');
    const parsed = chunks.slice(0, -1).map((data) => JSON.parse(data) as Json);
    let args = '';
    let finish: unknown;
    for (const chunk of parsed) {
      for (const choice of (chunk['choices'] as Json[]) ?? []) {
        const delta = choice['delta'] as Json;
        for (const call of (delta['tool_calls'] as Json[] | undefined) ?? []) {
          expect(call['index']).toBe(0);
          args += String((call['function'] as Json)['arguments'] ?? '');
        }
        finish = choice['finish_reason'] ?? finish;
      }
    }
    expect(JSON.parse(args)).toMatchObject({ location: expect.any(String) });
    expect(finish).toBe('tool_calls');
    expect(parsed.at(-1)).toMatchObject({
      choices: [],
      usage: { completion_tokens: translator.usage?.outputTokens },
    });
  });

  it('thinking with tools: the next turn replays the signed blocks from extra_content, and the simulator verifies them', async () => {
    const question: ChatMessage = { role: 'user', content: 'What is the weather in Paris?' };
    const base = {
      model: 'gateway-name',
      tools: [weather],
      reasoning_effort: 'low',
      max_completion_tokens: 4096,
    };
    const first = await complete({ ...base, messages: [question] });
    const answer = first.choices[0]?.message;
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(answer?.reasoning_content?.length).toBeGreaterThan(0);
    const call = answer?.tool_calls?.[0];
    expect(call?.extra_content).toMatchObject({ anthropic: { thinking_blocks: [{ type: 'thinking' }] } });
    const result: ChatMessage = { role: 'tool', tool_call_id: call?.id ?? '', content: '15 degrees, sunny' };

    // As the client got it back: the thinking goes with it, and thinking stays on.
    const second = await complete({ ...base, messages: [question, answer as ChatMessage, result] });
    expect(sim.requests.at(-1)?.body).toMatchObject({ thinking: { type: 'enabled' } });
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect(second.choices[0]?.message.content).toContain('15 degrees');

    // A client that dropped extra_content: thinking is left off rather than the call refused.
    const { extra_content: _dropped, ...bare } = call ?? {
      id: '',
      type: 'function',
      function: { name: '', arguments: '' },
    };
    const stripped = { ...answer, tool_calls: [bare] } as ChatMessage;
    const third = await complete({ ...base, messages: [question, stripped, result] });
    expect(sim.requests.at(-1)?.body).not.toHaveProperty('thinking');
    expect(third.choices[0]?.finish_reason).toBe('stop');
  });

  it('streamed thinking with tools: the assistant message a chat client assembles replays as is', async () => {
    const question: ChatMessage = { role: 'user', content: 'What is the weather in Paris?' };
    const base = {
      model: 'gateway-name',
      tools: [weather],
      reasoning_effort: 'low',
      max_completion_tokens: 4096,
    };
    const { chunks } = await streamed({ ...base, stream: true, messages: [question] });
    // Assembled the way openai-node's ChatCompletionStream does: fields of each delta merged per index.
    let reasoning = '';
    const call = {
      id: '',
      type: 'function' as const,
      function: { name: '', arguments: '' },
      extra_content: {},
    };
    for (const data of chunks.slice(0, -1)) {
      const delta = (((JSON.parse(data) as Json)['choices'] as Json[])[0]?.['delta'] ?? {}) as Json;
      reasoning += String(delta['reasoning_content'] ?? '');
      for (const fragment of (delta['tool_calls'] as Json[] | undefined) ?? []) {
        if (typeof fragment['id'] === 'string') call.id = fragment['id'];
        if (fragment['extra_content']) call.extra_content = fragment['extra_content'] as Json;
        const fn = fragment['function'] as Json;
        call.function.name += String(fn['name'] ?? '');
        call.function.arguments += String(fn['arguments'] ?? '');
      }
    }
    expect(reasoning.length).toBeGreaterThan(0);
    const answer: ChatMessage = {
      role: 'assistant',
      content: null,
      reasoning_content: reasoning,
      tool_calls: [call],
    };
    const result: ChatMessage = { role: 'tool', tool_call_id: call.id, content: '15 degrees, sunny' };
    const next = await complete({ ...base, messages: [question, answer, result] });
    expect(sim.requests.at(-1)?.body).toMatchObject({ thinking: { type: 'enabled' } });
    expect(next.choices[0]?.message.content).toContain('15 degrees');
  });

  it('response_format json_schema: the answer is JSON of that schema (structured outputs)', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, celsius: { type: 'integer' } },
      required: ['city', 'celsius'],
      additionalProperties: false,
    };
    const chat = await complete({
      model: 'gateway-name',
      messages: [{ role: 'user', content: 'Weather in Oslo as JSON.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'weather', strict: true, schema } },
    });
    const answer = JSON.parse(String(chat.choices[0]?.message.content)) as Json;
    expect(Object.keys(answer).sort()).toEqual(['celsius', 'city']);
    expect(Number.isInteger(answer['celsius'])).toBe(true);
  });

  it('no cap in the chat request: max_tokens is the default the caller configured', async () => {
    const codec = createAnthropicUpstreamCodec({ defaultMaxTokens: 321 });
    await complete({ model: 'gateway-name', messages: [{ role: 'user', content: 'Hi' }] }, codec);
    expect(sim.requests.at(-1)?.body).toMatchObject({ max_tokens: 321 });
  });
});
