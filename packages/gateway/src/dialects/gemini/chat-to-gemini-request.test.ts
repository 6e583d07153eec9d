import { describe, expect, it } from 'vitest';
import type { ChatRequest, Json } from '../../contracts/index.ts';
import { chatToGeminiRequest } from './chat-to-gemini-request.ts';

// Chat fixtures follow the Chat Completions reference (https://platform.openai.com/docs/api-reference/chat/create);
// expected bodies the generateContent reference (https://ai.google.dev/api/generate-content) and
// function calling guide (https://ai.google.dev/gemini-api/docs/function-calling).
const signature = 'CiQBcsjafKTPLLpbGPHD4WjvSsnnWKLgWtmFfTfH6BWx2+3rPW8=';
const weather = {
  type: 'function',
  function: {
    name: 'get_current_weather',
    description: 'Get the current weather in a given location',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

const rows: Array<{ name: string; chat: Json; model?: string; expected: Json }> = [
  {
    name: 'system and developer messages become systemInstruction; user text a user turn',
    chat: {
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer briefly.' }] },
        { role: 'user', content: 'Hello!' },
      ],
    },
    expected: {
      systemInstruction: { parts: [{ text: 'You are a helpful assistant.' }, { text: 'Answer briefly.' }] },
      contents: [{ role: 'user', parts: [{ text: 'Hello!' }] }],
    },
  },
  {
    name: 'a system message mid-conversation stays where it was, as user text',
    chat: {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'system', content: 'Now answer in French.' },
      ],
    },
    expected: {
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello.' }] },
        { role: 'user', parts: [{ text: 'Now answer in French.' }] },
      ],
    },
  },
  {
    name: 'images (data URL and http URL), audio and inline files become inlineData / fileData parts',
    chat: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.webp', detail: 'high' } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
      ],
    },
    expected: {
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'What is in these?' },
            { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
            { fileData: { fileUri: 'https://example.com/cat.webp', mimeType: 'image/webp' } },
            { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
            { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
          ],
        },
      ],
    },
  },
  {
    name: 'tools, tool choice, a signed call and its results (merged into one user turn)',
    chat: {
      messages: [
        { role: 'user', content: 'Weather in Boston and Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' },
              extra_content: { google: { thought_signature: signature } },
            },
            {
              id: 'call_2',
              type: 'function',
              function: { name: 'get_current_weather', arguments: '{"location":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '22 C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '18 C' }] },
      ],
      tools: [weather],
      tool_choice: { type: 'function', function: { name: 'get_current_weather' } },
    },
    expected: {
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Boston and Paris?' }] },
        {
          role: 'model',
          parts: [
            {
              functionCall: { name: 'get_current_weather', args: { location: 'Boston, MA' } },
              thoughtSignature: signature,
            },
            { functionCall: { name: 'get_current_weather', args: { location: 'Paris' } } },
          ],
        },
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_current_weather', response: { output: '22 C' } } },
            { functionResponse: { name: 'get_current_weather', response: { output: '18 C' } } },
          ],
        },
      ],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_current_weather',
              description: 'Get the current weather in a given location',
              parametersJsonSchema: weather.function.parameters,
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_current_weather'] } },
    },
  },
  {
    name: 'a text answer keeps its signature on its text part',
    chat: {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!', extra_content: { google: { thought_signature: signature } } },
        { role: 'user', content: 'And?' },
      ],
    },
    expected: {
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello!', thoughtSignature: signature }] },
        { role: 'user', parts: [{ text: 'And?' }] },
      ],
    },
  },
  {
    name: 'sampling, limits, stop, JSON schema and reasoning effort (level for Gemini 3)',
    chat: {
      messages: [{ role: 'user', content: 'x' }],
      temperature: 0.5,
      top_p: 0.9,
      max_completion_tokens: 800,
      stop: 'END',
      n: 2,
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } },
      tool_choice: 'none',
    },
    expected: {
      contents: [{ role: 'user', parts: [{ text: 'x' }] }],
      toolConfig: { functionCallingConfig: { mode: 'NONE' } },
      generationConfig: {
        temperature: 0.5,
        topP: 0.9,
        maxOutputTokens: 800,
        stopSequences: ['END'],
        candidateCount: 2,
        seed: 7,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2,
        thinkingConfig: { thinkingLevel: 'LOW' },
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object' },
      },
    },
  },
  {
    name: 'reasoning effort as a thinking budget for Gemini 2.5; none turns thinking off',
    model: 'gemini-2.5-flash',
    chat: { messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'medium', max_tokens: 100 },
    expected: {
      contents: [{ role: 'user', parts: [{ text: 'x' }] }],
      generationConfig: { maxOutputTokens: 100, thinkingConfig: { thinkingBudget: 8192 } },
    },
  },
];

const refusals: Array<{ name: string; chat: Json; param: string }> = [
  { name: 'logit_bias', chat: { logit_bias: { '1': 5 } }, param: 'logit_bias' },
  { name: 'audio output', chat: { modalities: ['text', 'audio'] }, param: 'modalities' },
  {
    name: 'a tool result for no known call',
    chat: { extra: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] },
    param: 'messages[1].tool_call_id',
  },
  {
    name: 'an OpenAI file id',
    chat: { part: { type: 'file', file: { file_id: 'file-abc' } } },
    param: 'messages[0].content[0].file',
  },
  {
    name: 'a non-function tool',
    chat: { tools: [{ type: 'custom', custom: { name: 'x' } }] },
    param: 'tools[0].type',
  },
  {
    name: 'arguments that are not a JSON object',
    chat: { badCall: true },
    param: 'messages[1].tool_calls[0].function.arguments',
  },
];

function refusalBody(row: (typeof refusals)[number]): Json {
  const { extra, part, badCall, ...rest } = row.chat as Json & {
    extra?: Json[];
    part?: Json;
    badCall?: boolean;
  };
  const messages: Json[] = [{ role: 'user', content: part ? [part] : 'hi' }];
  if (extra) messages.push(...extra);
  if (badCall) {
    messages.push({
      role: 'assistant',
      tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1,2]' } }],
    });
  }
  return { messages, ...rest };
}

describe('Chat Completions request → Gemini generateContent body', () => {
  it.each(rows)('$name', ({ chat, model, expected }) => {
    expect(
      chatToGeminiRequest({ model: 'm', ...chat } as ChatRequest, model ?? 'gemini-3-flash-preview'),
    ).toEqual(expected);
  });

  it.each(refusals)('refuses $name with a 400 naming the field', (row) => {
    expect(() => chatToGeminiRequest(refusalBody(row) as ChatRequest, 'gemini-3-flash-preview')).toThrow(
      expect.objectContaining({ status: 400, param: row.param }),
    );
  });
});
