import { describe, expect, it } from 'vitest';
import type { ChatRequest, Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { chatToAnthropicRequest } from './chat-to-anthropic-request.ts';
import { carriedSignatures } from './thinking-carrier.ts';
import { anthropicToChat } from './to-chat-request.ts';

// Chat fixtures follow the Chat Completions reference (https://platform.openai.com/docs/api-reference/chat/create);
// expected bodies the Messages reference (https://docs.anthropic.com/en/api/messages), the tool use guide
// (https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use) and the extended
// thinking guide (https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking).
const model = 'claude-sonnet-4-6';
const options = { defaultMaxTokens: 4096 };
const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};
const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
};
const signed = {
  type: 'thinking',
  thinking: 'The user wants Paris weather.',
  signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3h',
};
const redacted = {
  type: 'redacted_thinking',
  data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
};
const carried = (...blocks: Json[]) => ({ anthropic: { thinking_blocks: blocks } });
const call = (id: string, args: string, extra?: Json) => ({
  id,
  type: 'function' as const,
  function: { name: 'get_weather', arguments: args },
  ...(extra ? { extra_content: extra } : {}),
});
const request = (fields: Json): ChatRequest =>
  ({ model: 'gateway-model', messages: [], ...fields }) as ChatRequest;

const rows: Array<{ name: string; chat: Json; expected: Json }> = [
  {
    name: 'leading system and developer messages become system blocks; max_tokens defaults',
    chat: {
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer briefly.' }] },
        { role: 'user', content: 'Hello!' },
      ],
    },
    expected: {
      model,
      max_tokens: 4096,
      system: [
        { type: 'text', text: 'You are a helpful assistant.' },
        { type: 'text', text: 'Answer briefly.' },
      ],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello!' }] }],
    },
  },
  {
    name: 'a later system message stays in place as user text; same-role turns merge',
    chat: {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'system', content: 'Now answer in French.' },
        { role: 'user', content: 'How are you?' },
      ],
    },
    expected: {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Now answer in French.' },
            { type: 'text', text: 'How are you?' },
          ],
        },
      ],
    },
  },
  {
    name: 'images: data URL → base64 source, https → url source; PDF file → document; detail dropped',
    chat: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/cat.jpg' } },
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
    },
    expected: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/cat.jpg' } },
            {
              type: 'document',
              source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' },
              title: 'a.pdf',
            },
          ],
        },
      ],
    },
  },
  {
    name: 'tools with input_schema; required → any; calls → tool_use; results → one user turn, results first',
    chat: {
      tools: [weather, { type: 'function', function: { name: 'get_time' } }],
      tool_choice: 'required',
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            call('call_1', '{"location":"Paris"}'),
            call('functions.get_weather:1', '{"location":"Tokyo"}'),
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '15 degrees' },
        {
          role: 'tool',
          tool_call_id: 'functions.get_weather:1',
          content: [{ type: 'text', text: '22 degrees' }],
        },
        { role: 'user', content: 'Thanks. Which is warmer?' },
      ],
    },
    expected: {
      tools: [weatherTool, { name: 'get_time', input_schema: { type: 'object', properties: {} } }],
      tool_choice: { type: 'any' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Tokyo?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
            {
              type: 'tool_use',
              id: 'functions_get_weather_1',
              name: 'get_weather',
              input: { location: 'Tokyo' },
            },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '15 degrees' },
            {
              type: 'tool_result',
              tool_use_id: 'functions_get_weather_1',
              content: [{ type: 'text', text: '22 degrees' }],
            },
            { type: 'text', text: 'Thanks. Which is warmer?' },
          ],
        },
      ],
    },
  },
  {
    name: 'a named tool choice → tool; parallel_tool_calls false → disable_parallel_tool_use',
    chat: {
      tools: [weather],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      messages: [{ role: 'user', content: 'Paris?' }],
    },
    expected: {
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    },
  },
  {
    name: 'allowed_tools offers only the subset (Anthropic has no subset choice)',
    chat: {
      tools: [weather, { type: 'function', function: { name: 'get_time' } }],
      tool_choice: {
        type: 'allowed_tools',
        allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'get_weather' } }] },
      },
      messages: [{ role: 'user', content: 'Paris?' }],
    },
    expected: { tools: [weatherTool], tool_choice: { type: 'auto' } },
  },
  {
    name: 'caps, sampling, stop, user and streaming',
    chat: {
      max_tokens: 100,
      max_completion_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      user: 'user-123',
      stream: true,
      stream_options: { include_usage: true },
      seed: 7,
      presence_penalty: 0,
      n: 1,
      messages: [{ role: 'user', content: 'Count.' }],
    },
    expected: {
      max_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
      metadata: { user_id: 'user-123' },
      stream: true,
    },
  },
  {
    name: 'response_format json_schema → output_config.format',
    chat: {
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          strict: true,
          schema: { type: 'object', properties: { n: { type: 'integer' } } },
        },
      },
      messages: [{ role: 'user', content: 'Pick a number.' }],
    },
    expected: {
      output_config: {
        format: { type: 'json_schema', schema: { type: 'object', properties: { n: { type: 'integer' } } } },
      },
    },
  },
  {
    name: 'reasoning_effort → a thinking budget below max_tokens',
    chat: {
      reasoning_effort: 'high',
      max_completion_tokens: 10_000,
      messages: [{ role: 'user', content: 'Prove it.' }],
    },
    expected: { max_tokens: 10_000, thinking: { type: 'enabled', budget_tokens: 9999 } },
  },
  {
    name: 'a tool turn replays the signed thinking its call carried, before the text; unsigned reasoning is dropped',
    chat: {
      reasoning_effort: 'low',
      tools: [weather],
      messages: [
        { role: 'user', content: 'Paris?' },
        {
          role: 'assistant',
          content: 'Checking.',
          reasoning_content: 'The user wants Paris weather.',
          tool_calls: [call('toolu_01', '{"location":"Paris"}', carried(signed, redacted))],
        },
        { role: 'tool', tool_call_id: 'toolu_01', content: '15 degrees' },
      ],
    },
    expected: {
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Paris?' }] },
        {
          role: 'assistant',
          content: [
            signed,
            redacted,
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { location: 'Paris' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '15 degrees' }] },
      ],
    },
  },
];

describe('chat request → Anthropic Messages body', () => {
  it.each(rows)('$name', ({ chat, expected }) => {
    expect(chatToAnthropicRequest(request(chat), model, options)).toMatchObject(expected);
  });

  it('sends only fields the Messages API knows (it rejects extra inputs)', () => {
    const body = chatToAnthropicRequest(
      request({
        messages: [{ role: 'user', content: 'Hi' }],
        seed: 1,
        store: true,
        metadata: { a: 'b' },
        service_tier: 'auto',
        prompt_cache_key: 'k',
        verbosity: 'low',
        stream_options: { include_usage: true },
        logprobs: false,
        whatever: 1,
      }),
      model,
      options,
    );
    expect(Object.keys(body).sort()).toEqual(['max_tokens', 'messages', 'model']);
  });

  it('adaptive thinking: effort enum to enum', () => {
    const body = chatToAnthropicRequest(
      request({
        reasoning_effort: 'minimal',
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
        messages: [{ role: 'user', content: 'Hi' }],
      }),
      model,
      { ...options, adaptiveThinking: true },
    );
    expect(body).toMatchObject({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'low', format: { type: 'json_schema', schema: { type: 'object' } } },
    });
  });

  it('thinking is left off when a tool turn comes back without its thinking blocks (the API would refuse it)', () => {
    const body = chatToAnthropicRequest(
      request({
        reasoning_effort: 'medium',
        tools: [weather],
        messages: [
          { role: 'user', content: 'Paris?' },
          { role: 'assistant', content: null, tool_calls: [call('toolu_01', '{"location":"Paris"}')] },
          { role: 'tool', tool_call_id: 'toolu_01', content: '15 degrees' },
        ],
      }),
      model,
      options,
    );
    expect(body['thinking']).toBeUndefined();
  });

  it('replayThinking false (another signature family): no carried blocks, so no thinking on the continued turn', () => {
    const messages = [
      { role: 'user', content: 'Paris?' },
      { role: 'assistant', content: null, tool_calls: [call('toolu_01', '{}', carried(signed, redacted))] },
      { role: 'tool', tool_call_id: 'toolu_01', content: '15 degrees' },
    ];
    expect(carriedSignatures(messages)).toEqual([signed.signature, redacted.data]);
    const body = chatToAnthropicRequest(
      request({ reasoning_effort: 'low', tools: [weather], messages }),
      model,
      {
        ...options,
        replayThinking: false,
      },
    );
    expect(body['thinking']).toBeUndefined();
    expect((body['messages'] as Json[])[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: {} }],
    });
  });

  it('top_p 1 (the default) is not sent: newer models refuse top_p next to temperature', () => {
    const body = chatToAnthropicRequest(
      request({ temperature: 0.7, top_p: 1, messages: [{ role: 'user', content: 'Hi' }] }),
      model,
      options,
    );
    expect(body).toMatchObject({ temperature: 0.7 });
    expect(body).not.toHaveProperty('top_p');
  });

  it('reasoning_effort none sends no thinking', () => {
    const body = chatToAnthropicRequest(
      request({ reasoning_effort: 'none', messages: [{ role: 'user', content: 'Hi' }] }),
      model,
      options,
    );
    expect(body['thinking']).toBeUndefined();
  });
});

const refusals: Array<{ name: string; chat: Json; param: string }> = [
  { name: 'n > 1', chat: { n: 2 }, param: 'n' },
  { name: 'logprobs', chat: { logprobs: true }, param: 'logprobs' },
  { name: 'top_logprobs', chat: { top_logprobs: 3 }, param: 'top_logprobs' },
  { name: 'logit_bias', chat: { logit_bias: { '50256': -100 } }, param: 'logit_bias' },
  { name: 'a penalty', chat: { frequency_penalty: 0.5 }, param: 'frequency_penalty' },
  {
    name: 'audio output',
    chat: { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } },
    param: 'audio',
  },
  { name: 'legacy functions', chat: { functions: [{ name: 'f' }] }, param: 'functions' },
  { name: 'temperature above 1', chat: { temperature: 1.5 }, param: 'temperature' },
  {
    name: 'json_object mode',
    chat: { response_format: { type: 'json_object' } },
    param: 'response_format.type',
  },
  { name: 'an unknown effort', chat: { reasoning_effort: 'extreme' }, param: 'reasoning_effort' },
  {
    name: 'a cap too small to think',
    chat: { reasoning_effort: 'low', max_tokens: 1000 },
    param: 'max_completion_tokens',
  },
  {
    name: 'thinking with a forced tool',
    chat: { reasoning_effort: 'low', tools: [weather], tool_choice: 'required' },
    param: 'tool_choice',
  },
  {
    name: 'thinking with allowed_tools required',
    chat: {
      reasoning_effort: 'low',
      tools: [weather],
      tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [weather] } },
    },
    param: 'tool_choice',
  },
  {
    name: 'thinking with temperature 0.5',
    chat: { reasoning_effort: 'low', temperature: 0.5 },
    param: 'temperature',
  },
  { name: 'required tool choice without tools', chat: { tool_choice: 'required' }, param: 'tool_choice' },
  {
    name: 'a non-function tool',
    chat: { tools: [{ type: 'custom', custom: { name: 'x' } }] },
    param: 'tools[0].type',
  },
  {
    name: 'input audio',
    chat: {
      messages: [
        { role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }] },
      ],
    },
    param: 'messages[0].content[0].type',
  },
  {
    name: 'an uploaded file id',
    chat: { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] },
    param: 'messages[0].content[0].file',
  },
  {
    name: 'a TIFF image',
    chat: {
      messages: [
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAA' } }] },
      ],
    },
    param: 'messages[0].content[0].image_url.url',
  },
  {
    name: 'no conversation',
    chat: { messages: [{ role: 'system', content: 'Be nice.' }] },
    param: 'messages',
  },
];

describe('chat request → Anthropic: refusals', () => {
  it.each(refusals)('$name → 400 on $param', ({ chat, param }) => {
    const attempt = () =>
      chatToAnthropicRequest(
        request({ messages: [{ role: 'user', content: 'Hi' }], ...chat }),
        model,
        options,
      );
    expect(attempt).toThrow(GatewayError);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_request', param });
    }
  });
});

describe('round trip: Anthropic client → chat (to-chat-request) → Anthropic upstream', () => {
  it('a tool conversation comes back as the Anthropic body it started as', () => {
    const original: Json = {
      model,
      max_tokens: 1024,
      system: [{ type: 'text', text: 'You are a weather bot.' }],
      temperature: 0.3,
      stop_sequences: ['END'],
      tools: [weatherTool],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Paris?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me check.' },
            {
              type: 'tool_use',
              id: 'toolu_01A09q90qw90lq917835lq9',
              name: 'get_weather',
              input: { location: 'Paris' },
            },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
          ],
        },
      ],
      stream: true,
    };
    const chat = anthropicToChat(original, model) as ChatRequest;
    expect(chatToAnthropicRequest(chat, model, options)).toEqual(original);
  });
});
