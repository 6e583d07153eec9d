import type Anthropic from '@anthropic-ai/sdk';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { postAnthropic, sseEvents, startSimWithAnthropic } from '../testing/anthropic-client.ts';

let sim: UpstreamSim;
let client: Anthropic;

beforeAll(async () => {
  ({ sim, client } = await startSimWithAnthropic({ apiKeys: ['sk-ant-test-key'] }));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const model = 'claude-sonnet-4-6';
const messages = [{ role: 'user' as const, content: 'Tell me about rivers.' }];

function textOf(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

describe('POST /v1/messages', () => {
  it('answers with a Message whose usage counts what was sent and returned', async () => {
    const message = await client.messages.create({ model, max_tokens: 256, messages });
    expect(message.id).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.model).toBe(model);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.stop_sequence).toBeNull();
    expect(message.content).toHaveLength(1);
    const text = textOf(message);
    expect(text).toMatch(/^[A-Z]/);
    expect(message.usage.output_tokens).toBe(encode(text).length);
    expect(message.usage.output_tokens).toBe(30);
    expect(message.usage.cache_creation_input_tokens).toBe(0);
    expect(message.usage.cache_read_input_tokens).toBe(0);
    expect(message.usage.service_tier).toBe('standard');
    const counted = await client.messages.countTokens({ model, messages });
    expect(message.usage.input_tokens).toBe(counted.input_tokens);
    expect(counted.input_tokens).toBeGreaterThan(encode('Tell me about rivers.').length);

    // Deterministic: the same conversation gets the same text.
    const again = await client.messages.create({ model, max_tokens: 256, messages });
    expect(textOf(again)).toBe(text);
    expect(again.id).not.toBe(message.id);
  });

  it('honours the reply_tokens directive, max_tokens and stop_sequences', async () => {
    const long = [{ role: 'user' as const, content: 'Go on [[sim:reply_tokens=120]]' }];
    const full = await client.messages.create({ model, max_tokens: 1000, messages: long });
    expect(full.usage.output_tokens).toBe(120);

    const cut = await client.messages.create({ model, max_tokens: 17, messages: long });
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.usage.output_tokens).toBe(17);
    expect(textOf(full).startsWith(textOf(cut))).toBe(true);

    const word = textOf(full).split(' ')[6] ?? '';
    const stopped = await client.messages.create({
      model,
      max_tokens: 1000,
      messages: long,
      stop_sequences: ['#never#', ` ${word}`],
    });
    expect(stopped.stop_reason).toBe('stop_sequence');
    expect(stopped.stop_sequence).toBe(` ${word}`);
    expect(textOf(full).startsWith(textOf(stopped))).toBe(true);
    expect(textOf(stopped)).not.toContain(` ${word}`);
  });

  it('a Fault.replyTokens overrides the length', async () => {
    sim.addFault({ replyTokens: 5 });
    const message = await client.messages.create({ model, max_tokens: 100, messages });
    expect(message.usage.output_tokens).toBe(5);
  });

  it('accepts the fields Claude Code sends, and rejects unknown top-level ones', async () => {
    const response = await postAnthropic(
      sim,
      '/v1/messages?beta=true',
      {
        model,
        max_tokens: 64000,
        messages,
        metadata: { user_id: '{"device_id":"d","session_id":"s"}' },
        thinking: { type: 'adaptive' },
        context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
        output_config: { effort: 'low' },
      },
      { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14', 'x-app': 'cli' },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Anthropic.Message;
    expect(body.content.map((block) => block.type)).toEqual(['thinking', 'text']);
    const recorded = sim.requests.at(-1);
    expect(recorded?.path).toBe('/v1/messages');
    expect(recorded?.headers['anthropic-beta']).toBe('claude-code-20250219,interleaved-thinking-2025-05-14');
    expect(recorded?.headers['anthropic-version']).toBe('2023-06-01');
    expect(recorded?.headers['x-api-key']).toBe('sk-ant-test-key');

    const rejected = await postAnthropic(sim, '/v1/messages', {
      model,
      max_tokens: 10,
      messages,
      hypereal: {},
    });
    expect(rejected.status).toBe(400);
    expect(await rejected.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'hypereal: Extra inputs are not permitted' },
    });
  });

  it('accepts the key as x-api-key or as a Bearer token (the SDK 1.x way)', async () => {
    await client.messages.create({ model, max_tokens: 5, messages });
    expect(sim.requests.at(-1)?.headers['authorization']).toBe('Bearer sk-ant-test-key');
    expect(sim.requests.at(-1)?.headers['x-api-key']).toBeUndefined();
    expect(sim.requests.at(-1)?.headers['anthropic-version']).toBe('2026-10-21');

    const viaHeader = await postAnthropic(sim, '/v1/messages', { model, max_tokens: 5, messages });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.headers.get('request-id')).toMatch(/^req_/);
    const viaBearer = await postAnthropic(
      sim,
      '/v1/messages',
      { model, max_tokens: 5, messages },
      { 'x-api-key': '', authorization: 'Bearer sk-ant-test-key' },
    );
    expect(viaBearer.status).toBe(200);
  });
});

describe('streaming', () => {
  it('sends the documented event sequence, every event named', async () => {
    const response = await postAnthropic(sim, '/v1/messages', {
      model,
      max_tokens: 256,
      messages,
      stream: true,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(await response.text());
    for (const { event, data } of events) expect(data['type']).toBe(event);
    const names = events.map((entry) => entry.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const deltas = events.filter((entry) => entry.event === 'content_block_delta');
    expect(deltas.length).toBeGreaterThan(3);
    expect(names.slice(3, -3).every((name) => name === 'content_block_delta')).toBe(true);

    const start = events[0]?.data['message'] as Anthropic.Message;
    expect(start.content).toEqual([]);
    expect(start.stop_reason).toBeNull();
    expect(start.usage.output_tokens).toBe(1);
    expect(events[1]?.data['content_block']).toEqual({ type: 'text', text: '' });

    const text = deltas.map((entry) => (entry.data['delta'] as { type: string; text: string }).text).join('');
    const nonStreamed = await client.messages.create({ model, max_tokens: 256, messages });
    expect(text).toBe(textOf(nonStreamed));
    const messageDelta = events.at(-2)?.data as unknown as Anthropic.MessageDeltaEvent;
    expect(messageDelta.delta.stop_reason).toBe('end_turn');
    expect(messageDelta.usage.output_tokens).toBe(encode(text).length);
    expect(messageDelta.usage.input_tokens).toBe(start.usage.input_tokens);
  });

  it('messages.stream().finalMessage() rebuilds the same message', async () => {
    const stream = client.messages.stream({ model, max_tokens: 256, messages });
    const seen: string[] = [];
    stream.on('text', (delta) => seen.push(delta));
    const final = await stream.finalMessage();
    const nonStreamed = await client.messages.create({ model, max_tokens: 256, messages });
    expect(final.content).toEqual(nonStreamed.content);
    expect(seen.join('')).toBe(textOf(final));
    expect(final.usage.output_tokens).toBe(nonStreamed.usage.output_tokens);
    expect(final.usage.input_tokens).toBe(nonStreamed.usage.input_tokens);
    expect(final.stop_reason).toBe('end_turn');
  });

  it('streams with the SDK raw iterator too', async () => {
    const stream = await client.messages.create({ model, max_tokens: 8, messages, stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    // The SDK drops pings.
    expect(types[0]).toBe('message_start');
    expect(types).not.toContain('ping');
    expect(types.at(-1)).toBe('message_stop');
  });
});

describe('POST /v1/messages/count_tokens', () => {
  it('counts system, tools and messages, and rejects max_tokens', async () => {
    const bare = await client.messages.countTokens({ model, messages });
    const withSystem = await client.messages.countTokens({ model, messages, system: 'Be brief and exact.' });
    expect(withSystem.input_tokens).toBeGreaterThan(bare.input_tokens);
    const withTools = await client.messages.countTokens({
      model,
      messages,
      tools: [{ name: 'lookup', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
    });
    // Tool definitions plus Claude's 346-token tool-use system prompt.
    expect(withTools.input_tokens - bare.input_tokens).toBeGreaterThan(346);

    const response = await postAnthropic(sim, '/v1/messages/count_tokens?beta=true', {
      model,
      messages,
      max_tokens: 5,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      'max_tokens: Extra inputs are not permitted',
    );
  });
});
