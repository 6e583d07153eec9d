import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { geminiToChat } from './to-chat-request.ts';

// Fixtures follow the examples of the Gemini API docs: text generation, system
// instructions and multi-turn chat (https://ai.google.dev/gemini-api/docs/text-generation),
// image/audio/document understanding (…/image-understanding, …/audio, …/document-processing),
// function calling (…/function-calling) and thought signatures (…/thought-signatures);
// expected shapes those of the Chat Completions reference. Tool declarations and
// generationConfig have their own tables (tools-to-chat.test.ts, generation-config.test.ts).
const ask = (text: string): Json => ({ role: 'user', parts: [{ text }] });
const request = (fields: Json): Json => ({ contents: [ask('How does AI work?')], ...fields });
const hello = [{ role: 'user', content: 'How does AI work?' }];

const signatureA = 'CiQBcsjafKTPLLpbGPHD4WjvSsnnWKLgWtmFfTfH6BWx2+3rPW8=';
const google = (signature: string): Json => ({ extra_content: { google: { thought_signature: signature } } });
const temperatureCall = (id: string, location: string, extra: Json = {}): Json => ({
  id,
  type: 'function',
  function: { name: 'get_current_temperature', arguments: JSON.stringify({ location }) },
  ...extra,
});
const temperatureResult = (location: string, result: string, id?: string): Json => ({
  functionResponse: {
    ...(id ? { id } : {}),
    name: 'get_current_temperature',
    response: { location, result },
  },
});
const jpeg = '/9j/4AAQSkZJRgABAQ';

const rows: Array<{ name: string; body: Json; expected: Json }> = [
  { name: 'one user text part → a string message', body: request({}), expected: { messages: hello } },
  {
    name: 'systemInstruction → first system message; role omitted → user',
    body: {
      systemInstruction: { parts: [{ text: 'You are a cat. Your name is Neko.' }] },
      contents: [{ parts: [{ text: 'Hello there' }] }],
    },
    expected: {
      messages: [
        { role: 'system', content: 'You are a cat. Your name is Neko.' },
        { role: 'user', content: 'Hello there' },
      ],
    },
  },
  {
    name: 'multi-turn chat: model → assistant',
    body: {
      contents: [
        ask('Hello'),
        { role: 'model', parts: [{ text: 'Great to meet you. What would you like to know?' }] },
        ask('I have two dogs in my house. How many paws are in my house?'),
      ],
    },
    expected: {
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Great to meet you. What would you like to know?' },
        { role: 'user', content: 'I have two dogs in my house. How many paws are in my house?' },
      ],
    },
  },
  {
    name: 'inline image → data URL image_url, part order kept',
    body: {
      contents: [
        {
          role: 'user',
          parts: [{ inlineData: { mimeType: 'image/jpeg', data: jpeg } }, { text: 'Caption this image.' }],
        },
      ],
    },
    expected: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${jpeg}` } },
            { type: 'text', text: 'Caption this image.' },
          ],
        },
      ],
    },
  },
  {
    name: 'inline mp3 and wav audio → input_audio',
    body: {
      contents: [
        {
          parts: [
            { text: 'Describe this audio clip' },
            { inlineData: { mimeType: 'audio/mp3', data: 'SUQz' } },
            { inlineData: { mimeType: 'audio/wav', data: 'UklG' } },
          ],
        },
      ],
    },
    expected: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe this audio clip' },
            { type: 'input_audio', input_audio: { data: 'SUQz', format: 'mp3' } },
            { type: 'input_audio', input_audio: { data: 'UklG', format: 'wav' } },
          ],
        },
      ],
    },
  },
  {
    name: 'inline PDF → file part with a data URL',
    body: {
      contents: [
        {
          parts: [
            { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0x' } },
            { text: 'Summarize this document' },
          ],
        },
      ],
    },
    expected: {
      messages: [
        {
          role: 'user',
          content: [
            {
              type: 'file',
              file: { filename: 'document.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' },
            },
            { type: 'text', text: 'Summarize this document' },
          ],
        },
      ],
    },
  },
  {
    name: 'image fileData → image_url with the URI',
    body: {
      contents: [
        {
          parts: [
            { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/cat.png' } },
            { text: 'What is this?' },
          ],
        },
      ],
    },
    expected: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            { type: 'text', text: 'What is this?' },
          ],
        },
      ],
    },
  },
  {
    name: 'Gemini 3 sequential calls: ids and signatures kept, results paired by id',
    body: {
      contents: [
        ask('Check flight status for AA100 and book a taxi 2 hours before if delayed.'),
        {
          role: 'model',
          parts: [
            {
              functionCall: { id: 'fc_1', name: 'check_flight', args: { flight: 'AA100' } },
              thoughtSignature: signatureA,
            },
          ],
        },
        {
          role: 'user',
          parts: [
            {
              functionResponse: {
                id: 'fc_1',
                name: 'check_flight',
                response: { status: 'delayed', departure_time: '12 PM' },
              },
            },
          ],
        },
      ],
    },
    expected: {
      messages: [
        { role: 'user', content: 'Check flight status for AA100 and book a taxi 2 hours before if delayed.' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'fc_1',
              type: 'function',
              function: { name: 'check_flight', arguments: '{"flight":"AA100"}' },
              ...google(signatureA),
            },
          ],
        },
        { role: 'tool', tool_call_id: 'fc_1', content: '{"status":"delayed","departure_time":"12 PM"}' },
      ],
    },
  },
  {
    name: 'parallel calls without ids: synthesized ids, results paired by name and order',
    body: {
      contents: [
        ask('Check the weather in Paris and London.'),
        {
          role: 'model',
          parts: [
            {
              functionCall: { name: 'get_current_temperature', args: { location: 'Paris' } },
              thoughtSignature: signatureA,
            },
            { functionCall: { name: 'get_current_temperature', args: { location: 'London' } } },
          ],
        },
        { role: 'user', parts: [temperatureResult('Paris', '15C'), temperatureResult('London', '12C')] },
      ],
    },
    expected: {
      messages: [
        { role: 'user', content: 'Check the weather in Paris and London.' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            temperatureCall('call_1_0', 'Paris', google(signatureA)),
            temperatureCall('call_1_1', 'London'),
          ],
        },
        { role: 'tool', tool_call_id: 'call_1_0', content: '{"location":"Paris","result":"15C"}' },
        { role: 'tool', tool_call_id: 'call_1_1', content: '{"location":"London","result":"12C"}' },
      ],
    },
  },
  {
    name: "a result id the call never had (gemini-cli's own callId) pairs by name",
    body: {
      contents: [
        ask('Paris?'),
        {
          role: 'model',
          parts: [{ functionCall: { name: 'get_current_temperature', args: { location: 'Paris' } } }],
        },
        {
          role: 'user',
          parts: [temperatureResult('Paris', '15C', 'get_current_temperature-1730000000000-x1')],
        },
      ],
    },
    expected: {
      messages: [
        { role: 'user', content: 'Paris?' },
        { role: 'assistant', content: null, tool_calls: [temperatureCall('call_1_0', 'Paris')] },
        { role: 'tool', tool_call_id: 'call_1_0', content: '{"location":"Paris","result":"15C"}' },
      ],
    },
  },
  {
    name: 'thought parts dropped; a text signature rides on the assistant message',
    body: {
      contents: [
        ask('Hi'),
        {
          role: 'model',
          parts: [
            { text: 'The user greets me.', thought: true },
            { text: 'Hello! ' },
            { text: 'How can I help?', thoughtSignature: signatureA },
          ],
        },
        { role: 'model', parts: [{ text: 'Only thinking.', thought: true }] },
      ],
    },
    expected: {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello! How can I help?', ...google(signatureA) },
      ],
    },
  },
  {
    name: 'consecutive model turns merge; text and calls of a turn in one message',
    body: {
      contents: [
        ask('Paris?'),
        { role: 'model', parts: [{ text: 'Let me check.' }] },
        {
          role: 'model',
          parts: [
            { functionCall: { id: 'a', name: 'get_current_temperature', args: { location: 'Paris' } } },
          ],
        },
        { role: 'user', parts: [temperatureResult('Paris', '15C'), { text: 'And in °F?' }] },
      ],
    },
    expected: {
      messages: [
        { role: 'user', content: 'Paris?' },
        { role: 'assistant', content: 'Let me check.', tool_calls: [temperatureCall('a', 'Paris')] },
        { role: 'tool', tool_call_id: 'a', content: '{"location":"Paris","result":"15C"}' },
        { role: 'user', content: 'And in °F?' },
      ],
    },
  },
  {
    name: 'media of a function response follow in the next user message',
    body: {
      contents: [
        ask('Show the chart'),
        { role: 'model', parts: [{ functionCall: { id: 'c', name: 'render_chart', args: {} } }] },
        {
          role: 'user',
          parts: [
            {
              functionResponse: {
                id: 'c',
                name: 'render_chart',
                response: { output: 'rendered' },
                parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBOR' } }],
              },
            },
          ],
        },
      ],
    },
    expected: {
      messages: [
        { role: 'user', content: 'Show the chart' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'render_chart', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c', content: '{"output":"rendered"}' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Attachments of the result of tool call c:' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
          ],
        },
      ],
    },
  },
  {
    name: "names with '.' and ':' are sanitized in tools, choice and history",
    body: {
      contents: [
        ask('List files'),
        { role: 'model', parts: [{ functionCall: { id: 'l', name: 'mcp.fs:list', args: { path: '.' } } }] },
        {
          role: 'user',
          parts: [{ functionResponse: { id: 'l', name: 'mcp.fs:list', response: { output: 'a.txt' } } }],
        },
      ],
      tools: [{ functionDeclarations: [{ name: 'mcp.fs:list', parametersJsonSchema: { type: 'object' } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['mcp.fs:list'] } },
    },
    expected: {
      messages: [
        { role: 'user', content: 'List files' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'l', type: 'function', function: { name: 'mcp_fs_list', arguments: '{"path":"."}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'l', content: '{"output":"a.txt"}' },
      ],
      tools: [{ type: 'function', function: { name: 'mcp_fs_list', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'mcp_fs_list' } },
    },
  },
];

describe('geminiToChat', () => {
  it.each(rows)('$name', ({ body, expected }) => {
    expect(geminiToChat(body, 'deepseek-chat')).toEqual({ model: 'deepseek-chat', ...expected });
  });

  it('sets stream when the call streams', () => {
    expect(geminiToChat(request({}), 'm', { stream: true })).toEqual({
      model: 'm',
      messages: hello,
      stream: true,
    });
  });

  it("hands back the upstream's reasoning for a tool-calling turn (reasoningFor)", () => {
    const body = {
      contents: [
        ask('Paris?'),
        { role: 'model', parts: [{ functionCall: { id: 'x', name: 'get_current_temperature', args: {} } }] },
      ],
    };
    const chat = geminiToChat(body, 'deepseek-reasoner', {
      stream: false,
      reasoningFor: (id) => (id === 'x' ? 'I should look it up.' : undefined),
    });
    expect((chat['messages'] as Json[])[1]).toMatchObject({
      role: 'assistant',
      reasoning_content: 'I should look it up.',
    });
  });

  const refusals: Array<{ name: string; body: Json; param: string }> = [
    { name: 'cachedContent', body: request({ cachedContent: 'cachedContents/abc' }), param: 'cachedContent' },
    {
      name: 'inline video',
      body: { contents: [{ parts: [{ inlineData: { mimeType: 'video/mp4', data: 'AAAA' } }] }] },
      param: 'contents.0.parts.0.inlineData.mimeType',
    },
    {
      name: 'a PDF by file URI',
      body: {
        contents: [{ parts: [{ fileData: { mimeType: 'application/pdf', fileUri: 'gs://b/doc.pdf' } }] }],
      },
      param: 'contents.0.parts.0.fileData.mimeType',
    },
    {
      name: 'executableCode in a model turn',
      body: {
        contents: [
          ask('Sum primes'),
          { role: 'model', parts: [{ executableCode: { language: 'PYTHON', code: '1' } }] },
        ],
      },
      param: 'contents.1.parts.0',
    },
    {
      name: 'a functionResponse without its call',
      body: { contents: [{ role: 'user', parts: [temperatureResult('Paris', '15C')] }] },
      param: 'contents.0.parts.0.functionResponse',
    },
    {
      name: 'an unknown role',
      body: { contents: [{ role: 'system', parts: [{ text: 'x' }] }] },
      param: 'contents.0.role',
    },
  ];

  it.each(refusals)('refuses $name with a 400 naming $param', ({ body, param }) => {
    let caught: unknown;
    try {
      geminiToChat(body, 'deepseek-chat');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({ status: 400, code: 'invalid_request', param });
  });
});
