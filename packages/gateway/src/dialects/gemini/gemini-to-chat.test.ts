import { describe, expect, it } from 'vitest';
import type { Json, SseEvent, StreamPart } from '../../contracts/index.ts';
import { ChatChunkEncoder } from '../openai-chat/chat-chunk-encoder.ts';
import { readChatUsage } from '../openai-chat/usage.ts';
import { GeminiStreamToChat } from './gemini-stream-to-chat.ts';
import { geminiToChatResponse } from './gemini-to-chat-response.ts';
import { readGeminiUsage } from './usage.ts';

// GenerateContentResponse fixtures follow https://ai.google.dev/api/generate-content and the
// thought signature guide (https://ai.google.dev/gemini-api/docs/thought-signatures); the chat
// shapes those of https://platform.openai.com/docs/api-reference/chat/object and Google's own
// OpenAI-compatible endpoint for signatures (extra_content.google.thought_signature).
const signature = 'CiQBcsjafKTPLLpbGPHD4WjvSsnnWKLgWtmFfTfH6BWx2+3rPW8=';
const usageMetadata = {
  promptTokenCount: 10,
  candidatesTokenCount: 20,
  thoughtsTokenCount: 5,
  cachedContentTokenCount: 4,
  totalTokenCount: 35,
};
const response = (candidates: Json[], extra: Json = {}): Json => ({
  candidates,
  usageMetadata,
  modelVersion: 'gemini-3-flash-preview',
  responseId: 'abc123',
  ...extra,
});

const rows: Array<{ name: string; native: Json; message: Json; finish: string }> = [
  {
    name: 'text, with thoughts as reasoning_content',
    native: response([
      {
        content: {
          role: 'model',
          parts: [{ text: 'Let me think.', thought: true }, { text: 'Hello ' }, { text: 'there.' }],
        },
        finishReason: 'STOP',
        index: 0,
      },
    ]),
    message: { role: 'assistant', content: 'Hello there.', reasoning_content: 'Let me think.' },
    finish: 'stop',
  },
  {
    name: 'a signed function call (id synthesized when Gemini gives none)',
    native: response([
      {
        content: {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_weather', args: { city: 'Oslo' } }, thoughtSignature: signature },
          ],
        },
        finishReason: 'STOP',
      },
    ]),
    message: {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: expect.stringMatching(/^call_[0-9a-f]{24}$/),
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
          extra_content: { google: { thought_signature: signature } },
        },
      ],
    },
    finish: 'tool_calls',
  },
  {
    name: 'a signed text answer keeps its signature on the message',
    native: response([
      {
        content: { role: 'model', parts: [{ text: 'Hi', thoughtSignature: signature }] },
        finishReason: 'STOP',
      },
    ]),
    message: {
      role: 'assistant',
      content: 'Hi',
      extra_content: { google: { thought_signature: signature } },
    },
    finish: 'stop',
  },
  {
    name: 'MAX_TOKENS is length',
    native: response([{ content: { role: 'model', parts: [{ text: 'Cut' }] }, finishReason: 'MAX_TOKENS' }]),
    message: { role: 'assistant', content: 'Cut' },
    finish: 'length',
  },
  {
    name: 'SAFETY is content_filter',
    native: response([{ content: { role: 'model', parts: [] }, finishReason: 'SAFETY' }]),
    message: { role: 'assistant', content: '' },
    finish: 'content_filter',
  },
  {
    name: 'a blocked prompt is an empty content_filter answer',
    native: response([], { promptFeedback: { blockReason: 'SAFETY' } }),
    message: { role: 'assistant', content: '' },
    finish: 'content_filter',
  },
];

describe('Gemini answer → chat.completion', () => {
  it.each(rows)('$name', ({ native, message, finish }) => {
    const chat = geminiToChatResponse(native, 'gemini-3-flash-preview');
    expect(chat).toMatchObject({
      id: 'chatcmpl-abc123',
      object: 'chat.completion',
      model: 'gemini-3-flash-preview',
    });
    expect((chat['choices'] as Json[])[0]).toEqual({
      index: 0,
      message,
      finish_reason: finish,
      logprobs: null,
    });
  });

  it('bills the same usage whether read from Gemini or from the translation', () => {
    const chat = geminiToChatResponse(rows[0]!.native, 'm');
    expect(readChatUsage(chat['usage'])).toEqual(readGeminiUsage(usageMetadata));
    expect(chat['usage']).toMatchObject({ prompt_tokens: 10, completion_tokens: 25, total_tokens: 35 });
  });
});

const sse = (data: Json): SseEvent => ({
  raw: `data: ${JSON.stringify(data)}\r\n\r\n`,
  event: undefined,
  data: JSON.stringify(data),
});
// What a chat client receives: each upstream event's parts encoded as chunks.
function parse(batches: StreamPart[][]): Json[] {
  const encoder = new ChatChunkEncoder(true);
  return batches
    .map((parts) => encoder.encode(parts) ?? '')
    .join('')
    .split('\n\n')
    .filter((record) => record.length > 0)
    .map((record) => record.replace(/^data: /, ''))
    .map((data) => (data === '[DONE]' ? { done: true } : (JSON.parse(data) as Json)));
}

describe('Gemini stream → Chat Completions chunks', () => {
  it('text and a call become deltas, finishReason the finish chunk, the last usageMetadata the usage chunk', () => {
    const stream = new GeminiStreamToChat('gemini-3-flash-preview');
    const chunks = [
      stream.observe(
        sse({
          candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }],
          usageMetadata: { promptTokenCount: 10 },
          responseId: 'r1',
        }),
      ),
      stream.observe(sse({ candidates: [{ content: { role: 'model', parts: [{ text: 'lo' }] } }] })),
    ];
    expect(stream.completed).toBe(false);
    chunks.push(
      stream.observe(
        sse({
          candidates: [
            {
              content: {
                role: 'model',
                parts: [{ functionCall: { name: 'f', args: {} }, thoughtSignature: signature }],
              },
              finishReason: 'STOP',
            },
          ],
          usageMetadata,
        }),
      ),
    );
    expect(stream.completed).toBe(true);
    chunks.push(stream.finish());
    const parsed = parse(chunks);
    const deltas = parsed.slice(0, -2).map((chunk) => (chunk['choices'] as Json[])[0]);
    expect(deltas.map((choice) => choice!['delta'])).toEqual([
      { role: 'assistant', content: 'Hel' },
      { content: 'lo' },
      {
        tool_calls: [
          {
            index: 0,
            id: expect.stringMatching(/^call_/),
            type: 'function',
            function: { name: 'f', arguments: '{}' },
            extra_content: { google: { thought_signature: signature } },
          },
        ],
      },
    ]);
    expect(deltas.map((choice) => choice!['finish_reason'])).toEqual([null, null, 'tool_calls']);
    expect(parsed.at(-2)).toMatchObject({
      id: 'chatcmpl-r1',
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 25 },
    });
    expect(parsed.at(-1)).toEqual({ done: true });
    expect(stream.usage).toEqual(readGeminiUsage(usageMetadata));
  });

  it('an in-stream error is relayed as a chat error and marks the stream failed', () => {
    const stream = new GeminiStreamToChat('m');
    const out = parse([
      stream.observe(sse({ error: { code: 500, message: 'Internal error', status: 'INTERNAL' } })),
    ]);
    expect(out).toEqual([{ error: { message: 'Internal error', type: 'upstream_error', code: 'INTERNAL' } }]);
    expect(stream.failed).toBe(true);
  });
});
