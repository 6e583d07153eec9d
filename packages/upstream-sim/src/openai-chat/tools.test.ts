import { encode } from 'gpt-tokenizer';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UpstreamSim } from '../server.ts';
import { startSimWithClient } from '../testing/sim-client.ts';

let sim: UpstreamSim;
let client: OpenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithClient());
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'search_docs',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string' }, limit: { type: 'integer', maximum: 5 } },
        required: ['query'],
      },
    },
  },
  {
    type: 'function' as const,
    function: {
      name: 'create_event',
      parameters: {
        type: 'object',
        properties: {
          title: { type: 'string' },
          when: { type: 'string', format: 'date-time' },
          attendees: { type: 'array', items: { $ref: '#/$defs/person' } },
        },
        required: ['title', 'when', 'attendees'],
        $defs: {
          person: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] },
        },
      },
    },
  },
];

function functionCall(completion: OpenAI.ChatCompletion) {
  const call = completion.choices[0]?.message.tool_calls?.[0];
  if (call?.type !== 'function') throw new Error('expected a function tool call');
  return call;
}

describe('tool calls', () => {
  it('calls the first tool for a user turn and bills the arguments', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Find the setup guide' }],
      tools,
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toHaveLength(1);
    const call = functionCall(completion);
    expect(call.function.name).toBe('search_docs');
    // Only required properties are filled in.
    expect(Object.keys(JSON.parse(call.function.arguments))).toEqual(['query']);
    expect(completion.usage?.completion_tokens).toBe(encode(call.function.arguments).length);
  });

  it('calls the tool named by tool_choice, resolving $ref schemas', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Book a meeting' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'create_event' } },
    });
    const args = JSON.parse(functionCall(completion).function.arguments);
    expect(functionCall(completion).function.name).toBe('create_event');
    expect(typeof args.title).toBe('string');
    expect(Number.isNaN(Date.parse(args.when))).toBe(false);
    expect(args.attendees[0].email).toMatch(/@/);
  });

  it('answers in text when tool_choice is none', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Find the setup guide' }],
      tools,
      tool_choice: 'none',
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.choices[0]?.message.content).toBeTruthy();
  });

  it('completes a round trip: tool result in, text mentioning it out', async () => {
    const conversation: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Find the setup guide' }];
    const first = await client.chat.completions.create({ model: 'gpt-4o', messages: conversation, tools });
    const call = functionCall(first);
    conversation.push(first.choices[0]!.message);
    conversation.push({ role: 'tool', tool_call_id: call.id, content: '{"title":"Setup guide","pages":12}' });
    const second = await client.chat.completions.create({ model: 'gpt-4o', messages: conversation, tools });
    const content = second.choices[0]?.message.content ?? '';
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect(content).toContain('{"title":"Setup guide","pages":12}');
    expect(second.usage?.completion_tokens).toBe(encode(content).length);
  });

  it('rejects a tool message that answers no tool call, like the API', async () => {
    const error = await client.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'tool', tool_call_id: 'call_missing', content: 'orphan' },
        ],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages.[1].role');
  });

  it('rejects tool calls left unanswered', async () => {
    const error = await client.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'hi' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'search_docs', arguments: '{}' } },
            ],
          },
          { role: 'user', content: 'well?' },
        ],
        tools,
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('call_1');
  });
});
