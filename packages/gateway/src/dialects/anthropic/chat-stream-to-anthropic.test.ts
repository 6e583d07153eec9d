import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../contracts/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { chatStreamMeter } from '../lifecycle-stream-meter.ts';
import { ChatToAnthropicStream } from './chat-stream-to-anthropic.ts';
import type { ChatToAnthropicOptions } from './from-chat-response.ts';
import { readAnthropicUsage } from './usage.ts';

const request: Json = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  stream: true,
  messages: [{ role: 'user', content: 'Hello' }],
};

/** A recorded chat SSE transcript, framed as the Chat Completions streaming reference shows it. */
function chunk(delta: Json | null, finishReason: string | null = null, extra: Json = {}): string {
  return JSON.stringify({
    id: 'chatcmpl-123',
    object: 'chat.completion.chunk',
    created: 1694268190,
    model: 'gpt-4o-mini',
    system_fingerprint: 'fp_44709d6fcb',
    choices: delta === null ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    usage: null,
    ...extra,
  });
}
const usageChunk = (usage: Json): string => chunk(null, null, { usage });
const call = (index: number, fields: Json): Json => ({ tool_calls: [{ index, ...fields }] });
const args = (index: number, fragment: string): Json => call(index, { function: { arguments: fragment } });

const textAnswer = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Hello' }),
  chunk({ content: '! How can I help?' }),
  chunk({}, 'stop'),
  usageChunk({ prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 }),
  '[DONE]',
];

/** Two parallel calls whose argument fragments interleave (index 0, 1, 0, 1). */
const interleavedCalls = [
  chunk({ role: 'assistant', content: null }),
  chunk(call(0, { id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '' } })),
  chunk(call(1, { id: 'call_tokyo', type: 'function', function: { name: 'get_weather', arguments: '' } })),
  chunk(args(0, '{"location":')),
  chunk(args(1, '{"location":')),
  chunk(args(0, ' "Paris"}')),
  chunk(args(1, ' "Tokyo"}')),
  chunk({}, 'tool_calls'),
  usageChunk({
    prompt_tokens: 80,
    completion_tokens: 40,
    total_tokens: 120,
    prompt_tokens_details: { cached_tokens: 64 },
  }),
  '[DONE]',
];

/** OpenAI's usual order: a text preamble, then each call whole before the next. */
const sequentialCalls = [
  chunk({ role: 'assistant', content: 'Let me check.' }),
  chunk(call(0, { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } })),
  chunk(args(0, '{"location"')),
  chunk(args(0, ': "Paris"}')),
  chunk(
    call(1, { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"tz": "CET"}' } }),
  ),
  chunk({}, 'tool_calls'),
  usageChunk({ prompt_tokens: 50, completion_tokens: 30, total_tokens: 80 }),
  '[DONE]',
];

/** DeepSeek thinking mode: reasoning_content first, then the call. */
const reasoningThenCall = [
  chunk({ role: 'assistant', content: null, reasoning_content: '' }),
  chunk({ reasoning_content: 'The user wants ' }),
  chunk({ reasoning_content: 'the time.' }),
  chunk(call(0, { id: 'call_00_x', type: 'function', function: { name: 'get_time', arguments: '{}' } })),
  chunk({}, 'tool_calls'),
  usageChunk({
    prompt_tokens: 30,
    completion_tokens: 20,
    total_tokens: 50,
    completion_tokens_details: { reasoning_tokens: 6 },
  }),
  '[DONE]',
];

function translate(transcript: string[], options: ChatToAnthropicOptions = {}) {
  const meter = chatStreamMeter(new ChatToAnthropicStream(request, options));
  let bytes = '';
  for (const data of transcript)
    bytes += meter.observe({ raw: `data: ${data}\n\n`, event: undefined, data }) ?? '';
  if (meter.completed) bytes += meter.finish();
  return { meter, bytes };
}

function events(bytes: string): Array<{ event: string; data: Json }> {
  return bytes
    .split('\n\n')
    .filter((record) => record.length > 0)
    .map((record) => {
      const [event, data, ...rest] = record.split('\n');
      expect(rest).toEqual([]);
      expect(event).toMatch(/^event: /);
      const parsed = JSON.parse(data!.replace(/^data: /, '')) as Json;
      expect(parsed['type']).toBe(event!.slice('event: '.length)); // the SDK requires both to agree
      return { event: event!.slice('event: '.length), data: parsed };
    });
}

/** A compact trace: event name, block index and what it carries. */
function trace(bytes: string): string[] {
  return events(bytes).map(({ event, data }) => {
    const block = data['content_block'] as Json | undefined;
    const delta = data['delta'] as Json | undefined;
    if (block)
      return `${event} ${String(data['index'])} ${String(block['type'])} ${String(block['id'] ?? '')}`.trim();
    if (event === 'content_block_delta') {
      return `${event} ${String(data['index'])} ${String(delta?.['text'] ?? delta?.['partial_json'])}`;
    }
    if (event === 'content_block_stop') return `${event} ${String(data['index'])}`;
    if (event === 'message_delta') return `${event} ${String(delta?.['stop_reason'])}`;
    return event;
  });
}

/** What @anthropic-ai/sdk's MessageStream assembles from these bytes, served over HTTP. */
async function sdkFinalMessage(bytes: string) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(bytes);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const client = new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: 'x', maxRetries: 0 });
    return await client.messages
      .stream({
        model: 'claude-sonnet-4-5',
        max_tokens: 1024,
        messages: [{ role: 'user', content: 'Hello' }],
      })
      .finalMessage();
  } finally {
    server.close();
  }
}

describe('ChatToAnthropicStream', () => {
  it('translates a text answer into the exact Anthropic event sequence', () => {
    const { meter, bytes } = translate(textAnswer);
    const id = (meter.assembled()?.['id'] as string) ?? '';
    expect(events(bytes)).toEqual([
      {
        event: 'message_start',
        data: {
          type: 'message_start',
          message: {
            id,
            type: 'message',
            role: 'assistant',
            model: 'gpt-4o-mini',
            content: [],
            stop_reason: null,
            stop_sequence: null,
            stop_details: null,
            usage: {
              input_tokens: 0,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
              output_tokens: 0,
            },
          },
        },
      },
      {
        event: 'content_block_start',
        data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      },
      {
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
      },
      {
        event: 'content_block_delta',
        data: {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: '! How can I help?' },
        },
      },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      {
        event: 'message_delta',
        data: {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn', stop_sequence: null, stop_details: null },
          usage: {
            input_tokens: 9,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
            output_tokens: 12,
          },
        },
      },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ]);
    expect(meter).toMatchObject({ completed: true, failed: false, promptUsage: null });
    expect(meter.usage).toEqual({
      inputTokens: 9,
      outputTokens: 12,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    expect(meter.generatedText()).toBe('Hello! How can I help?');
  });

  const sequences: Array<{ name: string; transcript: string[]; trace: string[] }> = [
    {
      name: 'parallel calls with interleaved fragments: one block each, in order',
      transcript: interleavedCalls,
      trace: [
        'message_start',
        'content_block_start 0 tool_use call_paris',
        'content_block_delta 0 {"location":',
        'content_block_delta 0  "Paris"}',
        'content_block_stop 0',
        'content_block_start 1 tool_use call_tokyo',
        'content_block_delta 1 {"location":',
        'content_block_delta 1  "Tokyo"}',
        'content_block_stop 1',
        'message_delta tool_use',
        'message_stop',
      ],
    },
    {
      name: 'text preamble then sequential calls: each block closed when the next opens',
      transcript: sequentialCalls,
      trace: [
        'message_start',
        'content_block_start 0 text',
        'content_block_delta 0 Let me check.',
        'content_block_stop 0',
        'content_block_start 1 tool_use call_1',
        'content_block_delta 1 {"location"',
        'content_block_delta 1 : "Paris"}',
        'content_block_stop 1',
        'content_block_start 2 tool_use call_2',
        'content_block_delta 2 {"tz": "CET"}',
        'content_block_stop 2',
        'message_delta tool_use',
        'message_stop',
      ],
    },
    {
      name: 'reasoning_content is not shown',
      transcript: reasoningThenCall,
      trace: [
        'message_start',
        'content_block_start 0 tool_use call_00_x',
        'content_block_delta 0 {}',
        'content_block_stop 0',
        'message_delta tool_use',
        'message_stop',
      ],
    },
  ];

  it.each(sequences)('$name', ({ transcript, trace: expected }) => {
    expect(trace(translate(transcript).bytes)).toEqual(expected);
  });

  it.each([
    { name: 'text answer', transcript: textAnswer },
    { name: 'interleaved parallel calls', transcript: interleavedCalls },
    { name: 'sequential calls', transcript: sequentialCalls },
    { name: 'reasoning then a call', transcript: reasoningThenCall },
  ])('the SDK assembles the same message as assembled(): $name', async ({ transcript }) => {
    const { meter, bytes } = translate(transcript);
    // The SDK adds its own `parsed_output` (structured-output helper); the rest must match.
    const { parsed_output: _parsed, ...final } = await sdkFinalMessage(bytes);
    expect(final).toEqual(meter.assembled());
  });

  it('gives the SDK the tool inputs, stop reason and cumulative usage', async () => {
    const { meter, bytes } = translate(interleavedCalls);
    const final = await sdkFinalMessage(bytes);
    expect(final.content).toEqual([
      { type: 'tool_use', id: 'call_paris', name: 'get_weather', input: { location: 'Paris' } },
      { type: 'tool_use', id: 'call_tokyo', name: 'get_weather', input: { location: 'Tokyo' } },
    ]);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.usage).toEqual({
      input_tokens: 16,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 64,
      output_tokens: 40,
    });
    expect(readAnthropicUsage(final.usage)).toEqual(meter.usage);
  });

  it('counts reasoning as generated text and hands it to onReasoning with the call ids', () => {
    const seen: Array<[readonly string[], string]> = [];
    const { meter } = translate(reasoningThenCall, {
      onReasoning: (ids, reasoning) => seen.push([ids, reasoning]),
    });
    expect(meter.generatedText()).toBe('The user wants the time.{}');
    expect(seen).toEqual([[['call_00_x'], 'The user wants the time.']]);
    expect(meter.usage?.reasoningTokens).toBe(6);
  });

  it('assembles a non-streaming answer, invalid arguments becoming {}', () => {
    const { meter } = translate([
      chunk(
        call(0, { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"loc' } }),
      ),
      chunk({}, 'length'),
      usageChunk({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }),
      '[DONE]',
    ]);
    expect(meter.assembled()).toMatchObject({
      content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: {} }],
      stop_reason: 'max_tokens',
      usage: { input_tokens: 5, output_tokens: 3 },
    });
  });

  it('turns an upstream error chunk into an Anthropic error event the SDK throws', async () => {
    const { meter, bytes } = translate([
      chunk({ role: 'assistant', content: 'Hel' }),
      JSON.stringify({
        error: { message: 'Service overloaded', type: 'server_error', code: 'server_is_overloaded' },
      }),
    ]);
    expect(meter).toMatchObject({ failed: true, completed: false });
    expect(events(bytes).at(-1)).toEqual({
      event: 'error',
      data: {
        type: 'error',
        error: { type: 'overloaded_error', message: 'Service overloaded' },
        request_id: null,
      },
    });
    const error = await sdkFinalMessage(bytes).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ type: 'overloaded_error' });
  });

  it('renders a gateway error in the Anthropic envelope', () => {
    const meter = new ChatToAnthropicStream(request);
    const [event] = events(meter.renderError(new GatewayError('upstream_timeout')));
    expect(event).toEqual({
      event: 'error',
      data: {
        type: 'error',
        error: {
          type: 'timeout_error',
          message: 'The upstream provider timed out.',
          code: 'upstream_timeout',
        },
        request_id: null,
      },
    });
  });

  it('still opens with message_start when the upstream sent only [DONE]', () => {
    expect(trace(translate(['[DONE]']).bytes)).toEqual([
      'message_start',
      'message_delta end_turn',
      'message_stop',
    ]);
  });
});
