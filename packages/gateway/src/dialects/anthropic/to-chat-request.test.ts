import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { anthropicToChat } from './to-chat-request.ts';

// Fixtures follow the examples of the Anthropic Messages, tool-use, vision and PDF docs
// (https://docs.anthropic.com/en/api/messages, …/build-with-claude/tool-use, …/vision,
// …/pdf-support) and the expected shapes those of the Chat Completions reference.
const hello = [{ role: 'user', content: 'Hello, Claude' }];
const helloChat = [{ role: 'user', content: 'Hello, Claude' }];
const request = (fields: Json): Json => ({
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  messages: hello,
  ...fields,
});

const getWeather = {
  name: 'get_weather',
  description: 'Get the current weather in a given location',
  input_schema: {
    type: 'object',
    properties: {
      location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['location'],
  },
};
const getWeatherChat = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: getWeather.input_schema,
    description: 'Get the current weather in a given location',
  },
};
const toolUse = {
  type: 'tool_use',
  id: 'toolu_01A09q90qw90lq917835lq9',
  name: 'get_weather',
  input: { location: 'San Francisco, CA', unit: 'celsius' },
};
const toolCall = {
  id: 'toolu_01A09q90qw90lq917835lq9',
  type: 'function',
  function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
};
const jpeg = { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRg' };
const antUrl = 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg';

const rows: Array<{ name: string; body: Json; expected: Json }> = [
  {
    name: 'string content, max_tokens, stream',
    body: request({ stream: true }),
    expected: { messages: helloChat, max_tokens: 1024, stream: true },
  },
  {
    name: 'system string → first system message',
    body: request({ system: 'You are a helpful assistant.' }),
    expected: {
      messages: [{ role: 'system', content: 'You are a helpful assistant.' }, ...helloChat],
      max_tokens: 1024,
    },
  },
  {
    name: 'system text blocks joined, cache_control dropped',
    body: request({
      system: [
        { type: 'text', text: 'You are Claude Code.' },
        { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
      ],
    }),
    expected: {
      messages: [{ role: 'system', content: 'You are Claude Code.\n\nBe brief.' }, ...helloChat],
      max_tokens: 1024,
    },
  },
  {
    name: 'mid-conversation system message stays in place',
    body: request({
      messages: [
        ...hello,
        { role: 'assistant', content: 'Hi!' },
        { role: 'system', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'How are you?' },
      ],
    }),
    expected: {
      messages: [
        ...helloChat,
        { role: 'assistant', content: 'Hi!' },
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'How are you?' },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'text blocks → text parts without cache_control',
    body: request({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: '<system-reminder>cwd</system-reminder>' },
            { type: 'text', text: 'List files', cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
    }),
    expected: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: '<system-reminder>cwd</system-reminder>' },
            { type: 'text', text: 'List files' },
          ],
        },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'images: base64 → data URL, url → URL',
    body: request({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: jpeg },
            { type: 'image', source: { type: 'url', url: antUrl } },
            { type: 'text', text: 'Describe these images.' },
          ],
        },
      ],
    }),
    expected: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg' } },
            { type: 'image_url', image_url: { url: antUrl } },
            { type: 'text', text: 'Describe these images.' },
          ],
        },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'documents: base64 PDF → file part, text source → text',
    body: request({
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'document',
              source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' },
              title: 'paper.pdf',
            },
            {
              type: 'document',
              source: { type: 'text', media_type: 'text/plain', data: 'The grass is green.' },
              title: 'Notes',
              citations: { enabled: true },
            },
            { type: 'text', text: 'Summarize.' },
          ],
        },
      ],
    }),
    expected: {
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'file',
              file: { filename: 'paper.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' },
            },
            { type: 'text', text: 'Notes\n\nThe grass is green.' },
            { type: 'text', text: 'Summarize.' },
          ],
        },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'custom-content document and search_result → their text',
    body: request({
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'document',
              source: { type: 'content', content: [{ type: 'text', text: 'First chunk' }] },
            },
            {
              type: 'search_result',
              source: 'https://example.com/guide',
              title: 'Guide',
              content: [{ type: 'text', text: 'Step one.' }],
            },
          ],
        },
      ],
    }),
    expected: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'First chunk' },
            { type: 'text', text: 'Guide\n\nhttps://example.com/guide\n\nStep one.' },
          ],
        },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'tool loop: tool_use → tool_calls, tool_result → tool message before user text',
    body: request({
      tools: [getWeather],
      messages: [
        { role: 'user', content: 'What is the weather like in San Francisco?' },
        { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, toolUse] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Also, thanks!' },
            { type: 'tool_result', tool_use_id: toolUse.id, content: '15 degrees' },
          ],
        },
      ],
    }),
    expected: {
      messages: [
        { role: 'user', content: 'What is the weather like in San Francisco?' },
        { role: 'assistant', content: 'Let me check.', tool_calls: [toolCall] },
        { role: 'tool', tool_call_id: toolUse.id, content: '15 degrees' },
        { role: 'user', content: [{ type: 'text', text: 'Also, thanks!' }] },
      ],
      tools: [getWeatherChat],
      max_tokens: 1024,
    },
  },
  {
    name: 'parallel tool results: one tool message each; is_error prefixed; text blocks joined',
    body: request({
      messages: [
        {
          role: 'assistant',
          content: [toolUse, { ...toolUse, id: 'toolu_02', input: { location: 'Paris' } }],
        },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: toolUse.id,
              content: [
                { type: 'text', text: '15 degrees' },
                { type: 'text', text: 'sunny' },
              ],
            },
            { type: 'tool_result', tool_use_id: 'toolu_02', content: 'timeout', is_error: true },
          ],
        },
      ],
    }),
    expected: {
      messages: [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            toolCall,
            {
              id: 'toolu_02',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: toolUse.id, content: '15 degrees\nsunny' },
        { role: 'tool', tool_call_id: 'toolu_02', content: 'Error: timeout' },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'an image inside a tool result follows in a user message',
    body: request({
      messages: [
        { role: 'assistant', content: [toolUse] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: toolUse.id, content: [{ type: 'image', source: jpeg }] },
          ],
        },
      ],
    }),
    expected: {
      messages: [
        { role: 'assistant', content: null, tool_calls: [toolCall] },
        {
          role: 'tool',
          tool_call_id: toolUse.id,
          content: 'The result is attached to the next user message.',
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: `Attachments of the result of tool call ${toolUse.id}:` },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg' } },
          ],
        },
      ],
      max_tokens: 1024,
    },
  },
  {
    name: 'thinking and redacted_thinking dropped; a thinking-only turn disappears',
    body: request({
      messages: [
        ...hello,
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me think.', signature: 'EuYBCkQYAiJA' },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
            { type: 'text', text: 'Hi!' },
          ],
        },
        { role: 'assistant', content: [{ type: 'thinking', thinking: '…', signature: 'sig' }] },
      ],
    }),
    expected: { messages: [...helloChat, { role: 'assistant', content: 'Hi!' }], max_tokens: 1024 },
  },
  {
    name: 'consecutive assistant turns merge',
    body: request({
      messages: [
        ...hello,
        { role: 'assistant', content: 'Checking.' },
        { role: 'assistant', content: [toolUse] },
      ],
    }),
    expected: {
      messages: [...helloChat, { role: 'assistant', content: 'Checking.', tool_calls: [toolCall] }],
      max_tokens: 1024,
    },
  },
  {
    name: 'server tools not offered; custom tool strict kept',
    body: request({
      tools: [
        { type: 'web_search_20250305', name: 'web_search', max_uses: 5 },
        { type: 'bash_20250124', name: 'bash' },
        { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
        { type: 'code_execution_20250825', name: 'code_execution' },
        { type: 'computer_20250124', name: 'computer', display_width_px: 1024, display_height_px: 768 },
        { ...getWeather, type: 'custom', strict: true, cache_control: { type: 'ephemeral' } },
      ],
    }),
    expected: {
      messages: helloChat,
      tools: [{ type: 'function', function: { ...getWeatherChat.function, strict: true } }],
      max_tokens: 1024,
    },
  },
  {
    name: 'only server tools: no tools at all, tool_choice auto omitted',
    body: request({
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
      tool_choice: { type: 'auto' },
    }),
    expected: { messages: helloChat, max_tokens: 1024 },
  },
  ...(
    [
      [{ type: 'auto' }, 'auto'],
      [{ type: 'any' }, 'required'],
      [{ type: 'none' }, 'none'],
      [
        { type: 'tool', name: 'get_weather' },
        { type: 'function', function: { name: 'get_weather' } },
      ],
    ] as const
  ).map(([choice, expected]) => ({
    name: `tool_choice ${choice.type}`,
    body: request({ tools: [getWeather], tool_choice: choice }),
    expected: { messages: helloChat, tools: [getWeatherChat], tool_choice: expected, max_tokens: 1024 },
  })),
  {
    name: 'disable_parallel_tool_use → parallel_tool_calls false',
    body: request({ tools: [getWeather], tool_choice: { type: 'any', disable_parallel_tool_use: true } }),
    expected: {
      messages: helloChat,
      tools: [getWeatherChat],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_tokens: 1024,
    },
  },
  {
    name: 'sampling: stop_sequences → stop, temperature/top_p kept, top_k dropped',
    body: request({ stop_sequences: ['\n\nHuman:'], temperature: 0.2, top_p: 0.9, top_k: 5 }),
    expected: { messages: helloChat, max_tokens: 1024, temperature: 0.2, top_p: 0.9, stop: ['\n\nHuman:'] },
  },
  ...(
    [
      [{ type: 'enabled', budget_tokens: 1024 }, 'low'],
      [{ type: 'enabled', budget_tokens: 8000 }, 'medium'],
      [{ type: 'enabled', budget_tokens: 32_000 }, 'high'],
      [{ type: 'adaptive' }, 'medium'],
    ] as const
  ).map(([thinking, effort]) => ({
    name: `thinking ${JSON.stringify(thinking)} → reasoning_effort ${effort}`,
    body: request({ thinking }),
    expected: { messages: helloChat, max_tokens: 1024, reasoning_effort: effort },
  })),
  {
    name: 'Claude Code: adaptive thinking + output_config.effort high + context_management',
    body: request({
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      metadata: { user_id: '{"device_id":"d1","session_id":"s1"}' },
    }),
    expected: {
      messages: helloChat,
      max_tokens: 1024,
      reasoning_effort: 'high',
      user: '{"device_id":"d1","session_id":"s1"}',
    },
  },
  {
    name: 'thinking disabled sends no reasoning_effort',
    body: request({ thinking: { type: 'disabled' }, output_config: { effort: 'low' } }),
    expected: { messages: helloChat, max_tokens: 1024 },
  },
  {
    name: 'output_config.format json_schema → response_format',
    body: request({
      output_config: {
        format: { type: 'json_schema', schema: { type: 'object', properties: { name: { type: 'string' } } } },
      },
    }),
    expected: {
      messages: helloChat,
      max_tokens: 1024,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'response',
          schema: { type: 'object', properties: { name: { type: 'string' } } },
        },
      },
    },
  },
];

describe('anthropicToChat', () => {
  it.each(rows)('$name', ({ body, expected }) => {
    expect(anthropicToChat(body, 'deepseek-chat')).toEqual({ model: 'deepseek-chat', ...expected });
  });

  const refused: Array<{ name: string; body: Json; param: string }> = [
    {
      name: 'container',
      body: request({ container: 'container_011CPR5CNjB747bTd36fQLFk' }),
      param: 'container',
    },
    {
      name: 'MCP servers',
      body: request({ mcp_servers: [{ type: 'url', url: 'https://example.com/sse', name: 'x' }] }),
      param: 'mcp_servers',
    },
    {
      name: 'an image by file_id',
      body: request({
        messages: [
          { role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_011C' } }] },
        ],
      }),
      param: 'messages.0.content.0.source',
    },
    {
      name: 'a PDF by URL',
      body: request({
        messages: [
          {
            role: 'user',
            content: [{ type: 'document', source: { type: 'url', url: 'https://x.test/a.pdf' } }],
          },
        ],
      }),
      param: 'messages.0.content.0.source',
    },
    {
      name: 'a server tool call in the history',
      body: request({
        messages: [
          ...hello,
          {
            role: 'assistant',
            content: [
              { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
            ],
          },
        ],
      }),
      param: 'messages.1.content.0',
    },
    {
      name: 'tool_choice naming a server tool',
      body: request({
        tools: [getWeather, { type: 'web_search_20250305', name: 'web_search' }],
        tool_choice: { type: 'tool', name: 'web_search' },
      }),
      param: 'tool_choice',
    },
    {
      name: 'tool_choice any with only server tools',
      body: request({ tools: [{ type: 'bash_20250124', name: 'bash' }], tool_choice: { type: 'any' } }),
      param: 'tool_choice',
    },
    {
      name: 'an unknown role',
      body: request({ messages: [{ role: 'tool', content: 'x' }] }),
      param: 'messages.0.role',
    },
  ];

  it.each(refused)('refuses $name with a 400 naming $param', ({ body, param }) => {
    let error: unknown;
    try {
      anthropicToChat(body, 'deepseek-chat');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', param });
  });

  it('puts back the reasoning the caller kept for a tool-calling turn', () => {
    const kept = new Map([[toolUse.id, 'The user wants SF weather.']]);
    const chat = anthropicToChat(
      request({ messages: [...hello, { role: 'assistant', content: [toolUse] }] }),
      'deepseek-chat',
      { reasoningFor: (id) => kept.get(id) },
    );
    expect((chat['messages'] as Json[])[1]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [toolCall],
      reasoning_content: 'The user wants SF weather.',
    });
  });
});
