import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { readChatUsage } from '../openai-chat/usage.ts';
import { chatToGemini } from './from-chat-response.ts';
import { readGeminiUsage } from './usage.ts';

// chat.completion fixtures follow the Chat Completions reference examples
// (https://platform.openai.com/docs/api-reference/chat/create), DeepSeek's reasoning
// example (https://api-docs.deepseek.com/guides/thinking_mode) and the thought
// signature field of Google's OpenAI-compatible endpoint
// (https://ai.google.dev/gemini-api/docs/thought-signatures#openai); expected shapes
// those of the GenerateContentResponse reference (https://ai.google.dev/api/generate-content).
const completion = (
  message: Json,
  finishReason: string | null,
  usage?: Json,
  model = 'gpt-4.1-2025-04-14',
): Json => ({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model,
  choices: [
    { index: 0, message: { role: 'assistant', ...message }, logprobs: null, finish_reason: finishReason },
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
const model = (parts: Json[], finishReason = 'STOP', index = 0): Json => ({
  content: { role: 'model', parts },
  finishReason,
  index,
});
const request: Json = { contents: [{ role: 'user', parts: [{ text: 'Hello!' }] }] };
const thinkingRequest: Json = { ...request, generationConfig: { thinkingConfig: { includeThoughts: true } } };
const signature = 'CiQBcsjafKTPLLpbGPHD4WjvSsnnWKLgWtmFfTfH6BWx2+3rPW8=';
const google = { extra_content: { google: { thought_signature: signature } } };
const weatherCall = (extra: Json = {}): Json => ({
  id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
  type: 'function',
  function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' },
  ...extra,
});
const weatherPart = (extra: Json = {}): Json => ({
  functionCall: {
    id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
    name: 'get_current_weather',
    args: { location: 'Boston, MA' },
  },
  ...extra,
});

const rows: Array<{ name: string; chat: Json; request?: Json; candidates: Json[]; usage?: Json }> = [
  {
    name: 'text answer (docs example)',
    chat: completion(
      { content: 'Hello! How can I assist you today?', refusal: null, annotations: [] },
      'stop',
      docsUsage,
    ),
    candidates: [model([{ text: 'Hello! How can I assist you today?' }])],
    usage: { promptTokenCount: 19, candidatesTokenCount: 10, totalTokenCount: 29 },
  },
  {
    name: 'tool call (docs example): id kept, arguments parsed, STOP',
    chat: completion({ content: null, tool_calls: [weatherCall()] }, 'tool_calls', {
      prompt_tokens: 82,
      completion_tokens: 17,
      total_tokens: 99,
    }),
    candidates: [model([weatherPart()])],
    usage: { promptTokenCount: 82, candidatesTokenCount: 17, totalTokenCount: 99 },
  },
  {
    name: "Google's extra_content signatures restored on the call and the text",
    chat: completion({ content: 'Checking.', tool_calls: [weatherCall(google)], ...google }, 'tool_calls'),
    candidates: [
      model([
        { text: 'Checking.', thoughtSignature: signature },
        weatherPart({ thoughtSignature: signature }),
      ]),
    ],
  },
  {
    name: "Vertex's extra_content namespace read too",
    chat: completion(
      {
        content: null,
        tool_calls: [weatherCall({ extra_content: { vertex: { thought_signature: signature } } })],
      },
      'stop',
    ),
    candidates: [model([weatherPart({ thoughtSignature: signature })])],
  },
  {
    name: 'a signature without text rides on an empty text part',
    chat: completion({ content: null, ...google }, 'stop'),
    candidates: [model([{ text: '', thoughtSignature: signature }])],
  },
  {
    name: 'length → MAX_TOKENS',
    chat: completion({ content: 'Once upon' }, 'length'),
    candidates: [model([{ text: 'Once upon' }], 'MAX_TOKENS')],
  },
  {
    name: 'content_filter with a refusal → SAFETY',
    chat: completion({ content: null, refusal: "I can't help with that." }, 'content_filter'),
    candidates: [model([{ text: "I can't help with that." }], 'SAFETY')],
  },
  {
    name: 'an empty answer keeps one empty text part; unknown reason → OTHER',
    chat: completion({ content: '' }, 'insufficient_system_resource'),
    candidates: [model([{ text: '' }], 'OTHER')],
  },
  {
    name: 'broken arguments become {}',
    chat: completion(
      {
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_current_weather', arguments: '{"loc' } },
        ],
      },
      'length',
    ),
    candidates: [
      model([{ functionCall: { id: 'call_1', name: 'get_current_weather', args: {} } }], 'MAX_TOKENS'),
    ],
  },
  {
    name: 'reasoning hidden without includeThoughts; thoughts split out of candidates',
    chat: completion(
      { content: 'The answer is 2.', reasoning_content: 'Simple arithmetic.' },
      'stop',
      {
        prompt_tokens: 12,
        completion_tokens: 30,
        total_tokens: 42,
        prompt_tokens_details: { cached_tokens: 8 },
        completion_tokens_details: { reasoning_tokens: 22 },
      },
      'deepseek-reasoner',
    ),
    candidates: [model([{ text: 'The answer is 2.' }])],
    usage: {
      promptTokenCount: 12,
      candidatesTokenCount: 8,
      totalTokenCount: 42,
      cachedContentTokenCount: 8,
      thoughtsTokenCount: 22,
    },
  },
  {
    name: 'reasoning shown as a thought part with includeThoughts',
    chat: completion({ content: 'The answer is 2.', reasoning_content: 'Simple arithmetic.' }, 'stop'),
    request: thinkingRequest,
    candidates: [model([{ text: 'Simple arithmetic.', thought: true }, { text: 'The answer is 2.' }])],
  },
  {
    name: 'sanitized function names turn back into the declared ones',
    chat: completion(
      {
        content: null,
        tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'mcp_fs_list', arguments: '{}' } }],
      },
      'tool_calls',
    ),
    request: { ...request, tools: [{ functionDeclarations: [{ name: 'mcp.fs:list' }] }] },
    candidates: [model([{ functionCall: { id: 'call_2', name: 'mcp.fs:list', args: {} } }])],
  },
  {
    name: 'n = 2 → two candidates',
    chat: {
      ...completion({ content: 'A' }, 'stop'),
      choices: [
        { index: 0, message: { role: 'assistant', content: 'A' }, finish_reason: 'stop' },
        { index: 1, message: { role: 'assistant', content: 'B' }, finish_reason: 'length' },
      ],
    },
    candidates: [model([{ text: 'A' }]), model([{ text: 'B' }], 'MAX_TOKENS', 1)],
  },
];

describe('chatToGemini', () => {
  it.each(rows)('$name', ({ chat, request: body, candidates, usage }) => {
    const expected: Json = { candidates };
    if (usage) expected['usageMetadata'] = usage;
    expected['modelVersion'] = chat['model'];
    expected['responseId'] = 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT';
    expect(chatToGemini(chat, body ?? request)).toEqual(expected);
  });

  it('bills the same usage after the round trip through usageMetadata', () => {
    for (const row of rows.filter((candidate) => candidate.chat['usage'] !== undefined)) {
      const { usageMetadata } = chatToGemini(row.chat, request);
      expect(readGeminiUsage(usageMetadata)).toEqual({
        ...readChatUsage(row.chat['usage']),
        cacheWriteTokens: 0,
      });
    }
  });

  it('hands reasoning of a tool-calling turn to onReasoning with the call ids', () => {
    const seen: Array<[readonly string[], string]> = [];
    chatToGemini(
      completion(
        { content: null, reasoning_content: 'Look it up.', tool_calls: [weatherCall()] },
        'tool_calls',
      ),
      request,
      {
        onReasoning: (ids, reasoning) => seen.push([ids, reasoning]),
      },
    );
    expect(seen).toEqual([[['call_DdmO9pD3xa9XTPNJ32zg2hcA'], 'Look it up.']]);
  });
});
