import Anthropic from '@anthropic-ai/sdk';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { postAnthropic, sseEvents, startSimWithAnthropic } from '../testing/anthropic-client.ts';

let sim: UpstreamSim;
let client: Anthropic;

beforeAll(async () => {
  ({ sim, client } = await startSimWithAnthropic());
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const model = 'claude-sonnet-4-6';
const question: Anthropic.MessageParam = { role: 'user', content: 'What is the weather in Paris?' };
const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a place',
  input_schema: {
    type: 'object',
    properties: {
      location: { type: 'string' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      days: { type: 'integer', minimum: 1 },
    },
    required: ['location', 'unit', 'days'],
  },
};
const timeTool: Anthropic.Tool = {
  name: 'get_time',
  input_schema: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
};

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Anthropic.APIError)) throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

describe('tool use', () => {
  it('round trip: tool_use → tool_result → text that mentions the result', async () => {
    const first = await client.messages.create({
      model,
      max_tokens: 1024,
      tools: [weatherTool, timeTool],
      messages: [question],
    });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toHaveLength(1);
    const call = first.content[0] as Anthropic.ToolUseBlock;
    expect(call.type).toBe('tool_use');
    expect(call.id).toMatch(/^toolu_01[A-Za-z0-9]{22}$/);
    expect(call.name).toBe('get_weather');
    expect(call.input).toEqual({ location: 'San Francisco, CA', unit: 'celsius', days: 3 });
    expect(first.usage.output_tokens).toBe(encode(JSON.stringify(call.input)).length);

    const second = await client.messages.create({
      model,
      max_tokens: 1024,
      tools: [weatherTool, timeTool],
      messages: [
        question,
        { role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: call.id,
              content: [{ type: 'text', text: '18°C and sunny' }],
            },
          ],
        },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    const text = second.content[0]?.type === 'text' ? second.content[0].text : '';
    expect(text.startsWith('The tool returned: 18°C and sunny.')).toBe(true);
  });

  it('follows tool_choice: a named tool, none', async () => {
    const named = await client.messages.create({
      model,
      max_tokens: 1024,
      tools: [weatherTool, timeTool],
      tool_choice: { type: 'tool', name: 'get_time' },
      messages: [question],
    });
    expect(named.content[0]).toMatchObject({
      type: 'tool_use',
      name: 'get_time',
      input: { timezone: 'example' },
    });
    const none = await client.messages.create({
      model,
      max_tokens: 1024,
      tools: [weatherTool],
      tool_choice: { type: 'none' },
      messages: [question],
    });
    expect(none.content[0]?.type).toBe('text');
    expect(none.stop_reason).toBe('end_turn');
  });

  it('streams input_json_delta fragments that the SDK assembles', async () => {
    const response = await postAnthropic(sim, '/v1/messages', {
      model,
      max_tokens: 1024,
      tools: [weatherTool],
      messages: [question],
      stream: true,
    });
    const events = sseEvents(await response.text());
    const start = events.find((entry) => entry.event === 'content_block_start')?.data[
      'content_block'
    ] as Record<string, unknown>;
    expect(start).toMatchObject({ type: 'tool_use', name: 'get_weather', input: {} });
    const fragments = events
      .filter((entry) => entry.event === 'content_block_delta')
      .map((entry) => entry.data['delta'] as { type: string; partial_json: string });
    expect(fragments.every((delta) => delta.type === 'input_json_delta')).toBe(true);
    expect(fragments[0]?.partial_json).toBe('');
    expect(fragments.length).toBeGreaterThan(2);
    expect(JSON.parse(fragments.map((delta) => delta.partial_json).join(''))).toEqual({
      location: 'San Francisco, CA',
      unit: 'celsius',
      days: 3,
    });
    const final = await client.messages
      .stream({ model, max_tokens: 1024, tools: [weatherTool], messages: [question] })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect((final.content[0] as Anthropic.ToolUseBlock).input).toEqual({
      location: 'San Francisco, CA',
      unit: 'celsius',
      days: 3,
    });
  });

  it('enforces tool_use / tool_result pairing with the API wording', async () => {
    const orphan = await failure(
      client.messages.create({
        model,
        max_tokens: 100,
        tools: [weatherTool],
        messages: [
          question,
          { role: 'assistant', content: 'Let me check.' },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_missing', content: 'x' }] },
        ],
      }),
    );
    expect(orphan).toBeInstanceOf(Anthropic.BadRequestError);
    expect(orphan.apiMessage).toBe(
      'messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_missing. ' +
        'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    );

    const unanswered = await failure(
      client.messages.create({
        model,
        max_tokens: 100,
        tools: [weatherTool],
        messages: [
          question,
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: {} }],
          },
          { role: 'user', content: 'never mind' },
        ],
      }),
    );
    expect(unanswered.apiMessage).toMatch(
      /^messages\.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_a\./,
    );
  });

  it('rejects an OpenAI-shaped tool definition', async () => {
    const response = await postAnthropic(sim, '/v1/messages', {
      model,
      max_tokens: 100,
      messages: [question],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/^tools\.0: Input tag 'function' found using 'type'/);
  });
});
