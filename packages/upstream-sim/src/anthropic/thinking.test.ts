import Anthropic from '@anthropic-ai/sdk';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { startSimWithAnthropic } from '../testing/anthropic-client.ts';

let sim: UpstreamSim;
let client: Anthropic;
let otherSim: UpstreamSim;
let otherClient: Anthropic;

beforeAll(async () => {
  ({ sim, client } = await startSimWithAnthropic());
  ({ sim: otherSim, client: otherClient } = await startSimWithAnthropic({ signatureFamily: 'vertex' }));
});
afterAll(() => Promise.all([sim.close(), otherSim.close()]));
beforeEach(() => {
  sim.reset();
  otherSim.reset();
});

const model = 'claude-sonnet-4-6';
const question = { role: 'user' as const, content: 'Why is the sky blue?' };
const thinking = { type: 'enabled' as const, budget_tokens: 2048 };

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a place',
  input_schema: {
    type: 'object' as const,
    properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['location', 'unit'],
  },
};

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Anthropic.APIError)) throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

function thinkingBlock(message: Anthropic.Message): Anthropic.ThinkingBlock {
  const block = message.content[0];
  if (block?.type !== 'thinking') throw new Error('expected a thinking block first');
  return block;
}

describe('extended thinking', () => {
  it('thinks first, with a signature, and counts thinking as output', async () => {
    const message = await client.messages.create({ model, max_tokens: 4096, thinking, messages: [question] });
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text']);
    const block = thinkingBlock(message);
    expect(block.thinking.length).toBeGreaterThan(20);
    expect(block.signature).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    const text = message.content[1]?.type === 'text' ? message.content[1].text : '';
    const thinkingTokens = encode(block.thinking).length;
    expect(message.usage.output_tokens).toBe(thinkingTokens + encode(text).length);
    expect(message.usage.output_tokens_details?.thinking_tokens).toBe(thinkingTokens);
  });

  it('streams thinking_delta then signature_delta, and finalMessage() matches', async () => {
    const stream = client.messages.stream({ model, max_tokens: 4096, thinking, messages: [question] });
    const deltaTypes: string[] = [];
    stream.on('streamEvent', (event) => {
      if (event.type === 'content_block_delta') deltaTypes.push(event.delta.type);
    });
    const final = await stream.finalMessage();
    const thinkingDeltas = deltaTypes.filter((type) => type === 'thinking_delta').length;
    expect(thinkingDeltas).toBeGreaterThan(1);
    expect(deltaTypes.slice(0, thinkingDeltas + 1)).toEqual([
      ...Array<string>(thinkingDeltas).fill('thinking_delta'),
      'signature_delta',
    ]);
    const nonStreamed = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking,
      messages: [question],
    });
    expect(final.content).toEqual(nonStreamed.content);
  });

  it('accepts the signed block back on the same family, rejects it on another', async () => {
    const first = await client.messages.create({ model, max_tokens: 4096, thinking, messages: [question] });
    const history: Anthropic.MessageParam[] = [
      question,
      { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
      { role: 'user', content: 'And at sunset?' },
    ];
    const second = await client.messages.create({ model, max_tokens: 4096, thinking, messages: history });
    expect(second.stop_reason).toBe('end_turn');
    // Same family, different simulator instance: still valid (failover between same-family upstreams).
    const sameFamily = await startSimWithAnthropic();
    try {
      await expect(
        sameFamily.client.messages.create({ model, max_tokens: 4096, thinking, messages: history }),
      ).resolves.toHaveProperty('type', 'message');
    } finally {
      await sameFamily.sim.close();
    }

    const error = await failure(
      otherClient.messages.create({ model, max_tokens: 4096, thinking, messages: history }),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.type).toBe('invalid_request_error');
    expect(error.apiMessage).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
    // Also without thinking enabled on the replaying request.
    const plain = await failure(otherClient.messages.create({ model, max_tokens: 100, messages: history }));
    expect(plain.status).toBe(400);
  });

  it('rejects an edited thinking text or signature', async () => {
    const first = await client.messages.create({ model, max_tokens: 4096, thinking, messages: [question] });
    const block = thinkingBlock(first);
    for (const edited of [
      { ...block, thinking: `${block.thinking} ` },
      { ...block, signature: `${block.signature.slice(0, -4)}AAA=` },
      { ...block, signature: '' },
    ]) {
      const error = await failure(
        client.messages.create({
          model,
          max_tokens: 4096,
          thinking,
          messages: [question, { role: 'assistant', content: [edited] }, { role: 'user', content: 'More?' }],
        }),
      );
      expect(error.apiMessage).toContain('Invalid `signature` in `thinking` block');
    }
  });

  it('passes redacted_thinking blocks through', async () => {
    const message = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking,
      messages: [
        question,
        {
          role: 'assistant',
          content: [
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
            { type: 'text', text: 'Rayleigh.' },
          ],
        },
        { role: 'user', content: 'More?' },
      ],
    });
    expect(message.content[0]?.type).toBe('thinking');
  });

  it('adaptive thinking scales with effort; display omitted keeps only the signature', async () => {
    const low = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking: { type: 'adaptive' },
      output_config: { effort: 'low' },
      messages: [question],
    });
    const high = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking: { type: 'adaptive' },
      messages: [question],
    });
    expect(low.usage.output_tokens_details?.thinking_tokens).toBe(16);
    expect(high.usage.output_tokens_details?.thinking_tokens).toBe(64);

    const omitted = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking: { type: 'adaptive', display: 'omitted' },
      messages: [question],
    });
    const block = thinkingBlock(omitted);
    expect(block.thinking).toBe('');
    expect(omitted.usage.output_tokens_details?.thinking_tokens).toBe(64);
    // The omitted block replays fine.
    await expect(
      client.messages.create({
        model,
        max_tokens: 4096,
        thinking: { type: 'adaptive', display: 'omitted' },
        messages: [question, { role: 'assistant', content: [block] }, { role: 'user', content: 'More?' }],
      }),
    ).resolves.toHaveProperty('type', 'message');
  });

  it('keeps thinking in a tool loop and rejects a turn whose thinking was dropped', async () => {
    const first = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking,
      tools: [weatherTool],
      messages: [question],
    });
    expect(first.content.map((block) => block.type)).toEqual(['thinking', 'tool_use']);
    expect(first.stop_reason).toBe('tool_use');
    const toolUse = first.content[1] as Anthropic.ToolUseBlock;
    const result: Anthropic.MessageParam = {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '18°C, clear' }],
    };
    const next = await client.messages.create({
      model,
      max_tokens: 4096,
      thinking,
      tools: [weatherTool],
      messages: [
        question,
        { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
        result,
      ],
    });
    expect(next.stop_reason).toBe('end_turn');

    const error = await failure(
      client.messages.create({
        model,
        max_tokens: 4096,
        thinking,
        tools: [weatherTool],
        messages: [question, { role: 'assistant', content: [toolUse] }, result],
      }),
    );
    expect(error.apiMessage).toMatch(
      /^messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`\./,
    );
  });

  it('validates the thinking configuration like the API', async () => {
    const small = await failure(
      client.messages.create({
        model,
        max_tokens: 4096,
        thinking: { type: 'enabled', budget_tokens: 500 },
        messages: [question],
      }),
    );
    expect(small.apiMessage).toBe(
      'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024',
    );
    const over = await failure(
      client.messages.create({ model, max_tokens: 2048, thinking, messages: [question] }),
    );
    expect(over.apiMessage).toMatch(/^`max_tokens` must be greater than `thinking.budget_tokens`/);
    const forced = await failure(
      client.messages.create({
        model,
        max_tokens: 4096,
        thinking,
        tools: [weatherTool],
        tool_choice: { type: 'any' },
        messages: [question],
      }),
    );
    expect(forced.apiMessage).toBe('Thinking may not be enabled when tool_choice forces tool use.');
  });
});
