import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { readChatUsage } from '../openai-chat/usage.ts';
import { anthropicToChatResponse } from './anthropic-to-chat-response.ts';
import { chatToAnthropic } from './from-chat-response.ts';
import { readAnthropicUsage } from './usage.ts';

// Message fixtures follow the Messages reference (https://docs.anthropic.com/en/api/messages), the tool
// use guide (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use) and the
// extended thinking guide; the chat shapes https://platform.openai.com/docs/api-reference/chat/object.
const message = (fields: Json): Json => ({
  id: 'msg_01Aq9w938a90dw8q',
  type: 'message',
  role: 'assistant',
  model: 'claude-opus-4-6',
  stop_sequence: null,
  usage: { input_tokens: 2095, output_tokens: 503 },
  ...fields,
});
const signature = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds';

const rows: Array<{ name: string; native: Json; message: Json; finish: string }> = [
  {
    name: 'text (the reference example)',
    native: message({ content: [{ type: 'text', text: 'Hi! My name is Claude.' }], stop_reason: 'end_turn' }),
    message: { role: 'assistant', content: 'Hi! My name is Claude.' },
    finish: 'stop',
  },
  {
    name: 'text and a tool_use (the tool use guide example) → content and a tool call with JSON arguments',
    native: message({
      content: [
        { type: 'text', text: "I'll check the current weather in San Francisco for you." },
        {
          type: 'tool_use',
          id: 'toolu_01A09q90qw90lq917835lq9',
          name: 'get_weather',
          input: { location: 'San Francisco, CA', unit: 'celsius' },
        },
      ],
      stop_reason: 'tool_use',
    }),
    message: {
      role: 'assistant',
      content: "I'll check the current weather in San Francisco for you.",
      tool_calls: [
        {
          id: 'toolu_01A09q90qw90lq917835lq9',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
        },
      ],
    },
    finish: 'tool_calls',
  },
  {
    name: 'thinking → reasoning_content; the signed blocks ride on the call that follows them',
    native: message({
      content: [
        { type: 'thinking', thinking: 'Let me check the weather.', signature },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
        { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: {} },
      ],
      stop_reason: 'tool_use',
    }),
    message: {
      role: 'assistant',
      content: null,
      reasoning_content: 'Let me check the weather.',
      tool_calls: [
        {
          id: 'toolu_01',
          type: 'function',
          function: { name: 'get_weather', arguments: '{}' },
          extra_content: {
            anthropic: {
              thinking_blocks: [
                { type: 'thinking', thinking: 'Let me check the weather.', signature },
                { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
              ],
            },
          },
        },
      ],
    },
    finish: 'tool_calls',
  },
  {
    name: 'max_tokens → length',
    native: message({ content: [{ type: 'text', text: 'Once upon' }], stop_reason: 'max_tokens' }),
    message: { role: 'assistant', content: 'Once upon' },
    finish: 'length',
  },
  {
    name: 'model_context_window_exceeded → length',
    native: message({ content: [], stop_reason: 'model_context_window_exceeded' }),
    message: { role: 'assistant', content: '' },
    finish: 'length',
  },
  {
    name: 'refusal → content_filter',
    native: message({ content: [], stop_reason: 'refusal' }),
    message: { role: 'assistant', content: '' },
    finish: 'content_filter',
  },
  {
    name: 'server-tool blocks are not shown; an unknown stop reason ended normally',
    native: message({
      content: [
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
        { type: 'text', text: 'Done.' },
      ],
      stop_reason: 'something_new',
    }),
    message: { role: 'assistant', content: 'Done.' },
    finish: 'stop',
  },
];

describe('Anthropic Message → chat.completion', () => {
  it.each(rows)('$name', ({ native, message: expected, finish }) => {
    const chat = anthropicToChatResponse(native, 'claude-opus-4-6');
    expect(chat).toMatchObject({
      id: 'chatcmpl-msg_01Aq9w938a90dw8q',
      object: 'chat.completion',
      model: 'claude-opus-4-6',
    });
    expect(chat.choices).toEqual([{ index: 0, message: expected, finish_reason: finish, logprobs: null }]);
  });

  it('stop_sequence: finish stop, the matched string as the choice stop_reason (as vLLM gives it)', () => {
    const chat = anthropicToChatResponse(
      message({
        content: [{ type: 'text', text: '1, 2, 3' }],
        stop_reason: 'stop_sequence',
        stop_sequence: '4',
      }),
      'm',
    );
    expect(chat.choices[0]).toMatchObject({ finish_reason: 'stop', stop_reason: '4' });
  });

  it('usage: the prompt counts cache reads and writes; billing reads the same from either side', () => {
    const usage = {
      input_tokens: 50,
      cache_creation_input_tokens: 1200,
      cache_read_input_tokens: 3000,
      output_tokens: 400,
      output_tokens_details: { thinking_tokens: 150 },
    };
    const chat = anthropicToChatResponse(message({ content: [], stop_reason: 'end_turn', usage }), 'm');
    expect(chat.usage).toEqual({
      prompt_tokens: 4250,
      completion_tokens: 400,
      total_tokens: 4650,
      prompt_tokens_details: { cached_tokens: 3000, cache_write_tokens: 1200 },
      completion_tokens_details: { reasoning_tokens: 150 },
    });
    expect(readChatUsage(chat.usage)).toEqual(readAnthropicUsage(usage));
  });

  it('an answer that does not parse is an empty one, not a crash', () => {
    const chat = anthropicToChatResponse({ content: 'nope', model: 42 }, 'claude-fallback');
    expect(chat.model).toBe('claude-fallback');
    expect(chat.choices[0]).toMatchObject({
      message: { role: 'assistant', content: '' },
      finish_reason: 'stop',
    });
    expect(chat.usage).toBeUndefined();
  });
});

describe('round trip: Anthropic upstream → chat → Anthropic client (from-chat-response)', () => {
  it.each(rows.slice(0, 2).concat(rows.slice(3, 4)))('$name', ({ native }) => {
    const request = { model: 'claude-opus-4-6', max_tokens: 1024, messages: [] };
    const back = chatToAnthropic(
      anthropicToChatResponse(native, 'claude-opus-4-6') as unknown as Json,
      request,
    );
    expect(back).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: native['model'],
      content: native['content'],
      stop_reason: native['stop_reason'],
    });
    expect(readAnthropicUsage(back['usage'])).toEqual(readAnthropicUsage(native['usage']));
  });
});
