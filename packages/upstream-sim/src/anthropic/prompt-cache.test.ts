import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { anthropicClient, startSimWithAnthropic } from '../testing/anthropic-client.ts';

let sim: UpstreamSim;
let client: Anthropic;

beforeAll(async () => {
  ({ sim, client } = await startSimWithAnthropic());
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const model = 'claude-sonnet-4-6';
const handbook = 'You are a meticulous assistant. Follow the handbook carefully and cite it. '.repeat(120);
const system: Anthropic.TextBlockParam[] = [
  { type: 'text', text: handbook, cache_control: { type: 'ephemeral' } },
];

function totalInput(usage: Anthropic.Usage): number {
  return usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

describe('prompt caching', () => {
  it('writes a long prefix on first sight and reads it back on the next request', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'First question' }];
    const counted = await client.messages.countTokens({ model, system, messages });
    const first = await client.messages.create({ model, max_tokens: 50, system, messages });
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1024);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(first.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(
      first.usage.cache_creation_input_tokens,
    );
    expect(totalInput(first.usage)).toBe(counted.input_tokens);

    const second = await client.messages.create({ model, max_tokens: 50, system, messages });
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBe(first.usage.input_tokens);
    expect(totalInput(second.usage)).toBe(counted.input_tokens);

    // Same system prompt, another question: the system prefix is still read.
    const other = await client.messages.create({
      model,
      max_tokens: 50,
      system,
      messages: [{ role: 'user', content: 'A different question entirely' }],
    });
    expect(other.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);

    // Scoped per API key and per model.
    const otherKey = anthropicClient(sim, 'sk-ant-other-key');
    const cold = await otherKey.messages.create({ model, max_tokens: 50, system, messages });
    expect(cold.usage.cache_read_input_tokens).toBe(0);
    const otherModel = await client.messages.create({
      model: 'claude-opus-4-8',
      max_tokens: 50,
      system,
      messages,
    });
    expect(otherModel.usage.cache_read_input_tokens).toBe(0);

    sim.reset();
    const afterReset = await client.messages.create({ model, max_tokens: 50, system, messages });
    expect(afterReset.usage.cache_read_input_tokens).toBe(0);
  });

  it('grows a conversation cache turn by turn (top-level cache_control, lookback to the last write)', async () => {
    const turn1: Anthropic.MessageParam[] = [{ role: 'user', content: handbook }];
    const first = await client.messages.create({
      model,
      max_tokens: 20,
      cache_control: { type: 'ephemeral' },
      messages: turn1,
    });
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(1024);
    const turn2: Anthropic.MessageParam[] = [
      ...turn1,
      { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
      { role: 'user', content: 'Summarise it.' },
    ];
    const second = await client.messages.create({
      model,
      max_tokens: 20,
      cache_control: { type: 'ephemeral' },
      messages: turn2,
    });
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(second.usage.input_tokens).toBeLessThan(10);
    const counted = await client.messages.countTokens({ model, messages: turn2 });
    expect(totalInput(second.usage)).toBe(counted.input_tokens);
  });

  it('does not cache below the model minimum (2048 tokens for Haiku)', async () => {
    const medium = 'A handbook paragraph with several words in it. '.repeat(130);
    const blocks: Anthropic.TextBlockParam[] = [
      { type: 'text', text: medium, cache_control: { type: 'ephemeral', ttl: '1h' } },
    ];
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hi' }];
    const sonnet = await client.messages.create({ model, max_tokens: 10, system: blocks, messages });
    expect(sonnet.usage.cache_creation?.ephemeral_1h_input_tokens).toBeGreaterThan(1024);
    expect(sonnet.usage.cache_creation?.ephemeral_5m_input_tokens).toBe(0);
    const haiku = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      system: blocks,
      messages,
    });
    expect(haiku.usage.cache_creation_input_tokens).toBe(0);
    expect(haiku.usage.input_tokens).toBe(totalInput(sonnet.usage));
  });

  it('reports cache usage in message_start and message_delta when streaming', async () => {
    await client.messages.create({
      model,
      max_tokens: 10,
      system,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const stream = client.messages.stream({
      model,
      max_tokens: 10,
      system,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    let startRead: number | null | undefined;
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') startRead = event.message.usage.cache_read_input_tokens;
    });
    const final = await stream.finalMessage();
    expect(startRead).toBeGreaterThan(1024);
    expect(final.usage.cache_read_input_tokens).toBe(startRead);
  });

  it('allows at most 4 cache_control breakpoints', async () => {
    const breakpoint = { type: 'ephemeral' as const };
    const error = await client.messages
      .create({
        model,
        max_tokens: 10,
        tools: [{ name: 't', input_schema: { type: 'object' }, cache_control: breakpoint }],
        system: [
          { type: 'text', text: 'a', cache_control: breakpoint },
          { type: 'text', text: 'b', cache_control: breakpoint },
        ],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'c', cache_control: breakpoint }] }],
        cache_control: breakpoint,
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.APIError>).apiMessage).toBe(
      'A maximum of 4 blocks with cache_control may be provided. Found 5.',
    );
  });
});
