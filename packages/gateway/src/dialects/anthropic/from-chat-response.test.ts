import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { chatToAnthropic, toolInput } from './from-chat-response.ts';
import { readAnthropicUsage } from './usage.ts';

// chat.completion fixtures follow the Chat Completions reference examples
// (https://platform.openai.com/docs/api-reference/chat/create) and DeepSeek's
// reasoning example (https://api-docs.deepseek.com/guides/thinking_mode).
const completion = (message: Json, finishReason: string | null, usage?: Json, extra: Json = {}): Json => ({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4.1-2025-04-14',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', ...message },
      logprobs: null,
      finish_reason: finishReason,
      ...extra,
    },
  ],
  ...(usage ? { usage } : {}),
});
const docsUsage = {
  prompt_tokens: 19,
  completion_tokens: 10,
  total_tokens: 29,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
};
const anthropicUsage = (input: number, read: number, output: number, extra: Json = {}): Json => ({
  input_tokens: input,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: read,
  output_tokens: output,
  ...extra,
});
const request: Json = { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [], stop_sequences: ['END'] };

const rows: Array<{ name: string; chat: Json; content: Json[]; stop: [string, string | null]; usage: Json }> =
  [
    {
      name: 'text answer (docs example)',
      chat: completion(
        { content: 'Hello! How can I assist you today?', refusal: null, annotations: [] },
        'stop',
        docsUsage,
      ),
      content: [{ type: 'text', text: 'Hello! How can I assist you today?' }],
      stop: ['end_turn', null],
      usage: anthropicUsage(19, 0, 10),
    },
    {
      name: 'tool call (docs example): id kept, arguments parsed',
      chat: completion(
        {
          content: null,
          tool_calls: [
            {
              id: 'call_abc123',
              type: 'function',
              function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' },
            },
          ],
        },
        'tool_calls',
        { prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 },
      ),
      content: [
        {
          type: 'tool_use',
          id: 'call_abc123',
          name: 'get_current_weather',
          input: { location: 'Boston, MA' },
        },
      ],
      stop: ['tool_use', null],
      usage: anthropicUsage(82, 0, 17),
    },
    {
      name: 'text then parallel calls; invalid and empty arguments → {}',
      chat: completion(
        {
          content: 'Checking both.',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location": "Par' },
            },
            { id: 'call_2', type: 'function', function: { name: 'now', arguments: '' } },
          ],
        },
        'tool_calls',
      ),
      content: [
        { type: 'text', text: 'Checking both.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} },
        { type: 'tool_use', id: 'call_2', name: 'now', input: {} },
      ],
      stop: ['tool_use', null],
      usage: anthropicUsage(0, 0, 0),
    },
    {
      name: 'tool calls ended with "stop" (some upstreams) still stop for tool_use',
      chat: completion(
        {
          content: '',
          tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'ls', arguments: '{}' } }],
        },
        'stop',
      ),
      content: [{ type: 'tool_use', id: 'call_9', name: 'ls', input: {} }],
      stop: ['tool_use', null],
      usage: anthropicUsage(0, 0, 0),
    },
    {
      name: 'length → max_tokens',
      chat: completion({ content: 'Once upon a' }, 'length'),
      content: [{ type: 'text', text: 'Once upon a' }],
      stop: ['max_tokens', null],
      usage: anthropicUsage(0, 0, 0),
    },
    {
      name: 'content_filter → refusal, refusal text kept',
      chat: completion({ content: null, refusal: "I'm sorry, I can't help with that." }, 'content_filter'),
      content: [{ type: 'text', text: "I'm sorry, I can't help with that." }],
      stop: ['refusal', null],
      usage: anthropicUsage(0, 0, 0),
    },
    {
      name: 'a requested stop sequence the upstream names (vLLM stop_reason) → stop_sequence',
      chat: completion({ content: 'Counting: 1 2 3 ' }, 'stop', undefined, { stop_reason: 'END' }),
      content: [{ type: 'text', text: 'Counting: 1 2 3 ' }],
      stop: ['stop_sequence', 'END'],
      usage: anthropicUsage(0, 0, 0),
    },
    {
      name: 'DeepSeek reasoning: not shown; cache hits and reasoning tokens counted',
      chat: completion({ content: '9.11 < 9.8', reasoning_content: 'Compare 0.11 and 0.8…' }, 'stop', {
        prompt_tokens: 20,
        completion_tokens: 300,
        total_tokens: 320,
        prompt_cache_hit_tokens: 12,
        prompt_cache_miss_tokens: 8,
        completion_tokens_details: { reasoning_tokens: 250 },
      }),
      content: [{ type: 'text', text: '9.11 < 9.8' }],
      stop: ['end_turn', null],
      usage: anthropicUsage(8, 12, 300, { output_tokens_details: { thinking_tokens: 250 } }),
    },
    {
      name: 'OpenAI cached_tokens and cache_write_tokens split off input_tokens',
      chat: completion({ content: 'ok' }, 'stop', {
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920, cache_write_tokens: 50 },
      }),
      content: [{ type: 'text', text: 'ok' }],
      stop: ['end_turn', null],
      usage: { ...anthropicUsage(36, 1920, 300), cache_creation_input_tokens: 50 },
    },
  ];

describe('chatToAnthropic', () => {
  it.each(rows)('$name', ({ chat, content, stop, usage }) => {
    const message = chatToAnthropic(chat, request);
    expect(message).toEqual({
      id: expect.stringMatching(/^msg_[0-9a-f]{32}$/),
      type: 'message',
      role: 'assistant',
      model: 'gpt-4.1-2025-04-14',
      content,
      stop_reason: stop[0],
      stop_sequence: stop[1],
      stop_details: null,
      usage,
    });
  });

  it('reports usage that reads back as the chat usage (billing sees the same tokens)', () => {
    const message = chatToAnthropic(rows[7]!.chat, request);
    expect(readAnthropicUsage(message['usage'])).toEqual({
      inputTokens: 20,
      outputTokens: 300,
      cachedInputTokens: 12,
      cacheWriteTokens: 0,
      reasoningTokens: 250,
    });
  });

  it('hands the reasoning of a tool-calling turn to onReasoning', () => {
    const seen: Array<[readonly string[], string]> = [];
    const chat = completion(
      {
        content: null,
        reasoning_content: 'Need the weather.',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
      },
      'tool_calls',
    );
    chatToAnthropic(chat, request, { onReasoning: (ids, reasoning) => seen.push([ids, reasoning]) });
    expect(seen).toEqual([[['call_1'], 'Need the weather.']]);
  });

  it.each([
    ['{"a":1}', { a: 1 }],
    ['  ', {}],
    ['[1,2]', {}],
    ['"text"', {}],
    ['{"a":', {}],
  ])('toolInput(%j) → %j', (args, input) => {
    expect(toolInput(args)).toEqual(input);
  });
});
